"""The agent copilot's views as plain data and markdown: the queue, a transcript, the customer's
profile, orders and recent interactions (the staff app renders these; the API returns them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from assistant.orders.answers import order_summary
from knowledge.schemas import Customer, Interaction, Order
from knowledge.store.conversations import Conversation, Message, Role
from knowledge.store.tickets import Ticket

QUEUE_COLUMNS = ["conversation", "customer", "ticket", "updated", "last message"]


def queue_order(conversations: Sequence[Conversation], open_tickets: Sequence[Ticket]) -> list[Conversation]:
    """Conversations with an open ticket first (oldest ticket first: first come, first served), then
    the others, most recently active first."""
    waiting = {t.session_id: i for i, t in enumerate(open_tickets)}
    handed = sorted((c for c in conversations if c.session_id in waiting), key=lambda c: waiting[c.session_id])
    return handed + [c for c in conversations if c.session_id not in waiting]


def queue_rows(conversations: Sequence[Conversation], open_tickets: Sequence[Ticket]) -> list[list[str]]:
    tickets = {t.session_id: t.id for t in open_tickets}
    return [[c.session_id, c.customer_id or "guest",
             f"{tickets[c.session_id]} (open)" if c.session_id in tickets else (c.ticket_id or ""),
             f"{c.updated:%b %d %H:%M}", c.last_user_text[:80]] for c in queue_order(conversations, open_tickets)]


def transcript_messages(messages: Sequence[Message]) -> list[dict[str, str]]:
    """A stored transcript as chat bubbles: the shopper on one side, the assistant and agents on the other."""
    out = []
    for m in messages:
        if m.role is Role.USER:
            out.append({"role": "user", "content": m.text})
        elif m.role is Role.AGENT:
            out.append({"role": "assistant", "content": f"**Agent {m.author}:** {m.text}"})
        else:
            out.append({"role": "assistant", "content": m.text})
    return out


def ticket_transcript(ticket: Ticket) -> list[dict[str, str]]:
    return [{"role": "user" if t["role"] == "user" else "assistant", "content": t["text"]} for t in ticket.transcript]


def profile_markdown(customer: Customer | None, customer_id: str, ticket: Ticket | None) -> str:
    if customer is None:
        who = "**Guest** (not signed in): orders are shown once the shopper verified them with their e-mail."
    else:
        joined = f" · customer since {customer.joined:%B %Y}" if customer.joined else ""
        city = f" · {customer.city}" if customer.city else ""
        who = f"**{customer.name}** (`{customer.id}`) · {customer.email}{city}{joined}"
    if ticket is None:
        return who
    summary = "\n".join(f"- {line}" for line in ticket.summary.splitlines())
    return f"{who}\n\n**{ticket.id}** · {ticket.status} · {ticket.reason.value}\n\n{summary}"


def orders_markdown(orders: Sequence[Order], limit: int = 5) -> str:
    if not orders:
        return "_No orders to show._"
    return "\n\n".join(order_summary(o) for o in orders[:limit])


def interactions_rows(events: Sequence[Interaction], titles: dict[str, str], limit: int = 10) -> list[list[str]]:
    return [[f"{e.ts:%b %d %H:%M}", e.event.value, titles.get(e.product_id, e.product_id)] for e in events[:limit]]


def sources_markdown(sources: dict[str, list[str]], order_facts: Sequence[str] = ()) -> str:
    """Where a suggested reply's facts come from, for the agent to check before sending."""
    parts = []
    if sources.get("faq_ids"):
        parts.append("**Policy (FAQ):** " + ", ".join(f"`{f}`" for f in sources["faq_ids"]))
    if sources.get("product_ids"):
        parts.append("**Products:** " + ", ".join(f"`{p}`" for p in sources["product_ids"]))
    if sources.get("order_ids"):
        parts.append("**Orders:** " + ", ".join(f"`{o}`" for o in sources["order_ids"]))
    parts += list(order_facts)
    return "\n\n".join(parts) or "_No records were needed for this reply._"


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    data = asdict(ticket)
    data["reason"] = ticket.reason.value
    for key in ("created", "closed"):
        data[key] = data[key].isoformat() if data[key] else None
    return data
