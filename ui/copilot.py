"""The agent copilot's ticket queue, as plain data and markdown (the Gradio tab renders these)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from assistant.answers.orders import order_summary
from knowledge.schemas import Order
from knowledge.tickets import Ticket

QUEUE_COLUMNS = ["ticket", "opened", "customer", "reason", "first line"]


def queue_rows(tickets: list[Ticket]) -> list[list[str]]:
    return [[t.id, f"{t.created:%b %d %H:%M}" if t.created else "", t.customer_id or "guest", t.reason.value,
             t.transcript[-1]["text"][:80] if t.transcript else ""] for t in tickets]


def ticket_markdown(ticket: Ticket | None, orders: list[Order]) -> str:
    if ticket is None:
        return "_Pick a ticket from the queue._"
    summary = "\n".join(f"- {line}" for line in ticket.summary.splitlines())
    transcript = "\n".join(f"**{turn['role']}:** {turn['text']}" for turn in ticket.transcript[-12:])
    parts = [f"### {ticket.id} · {ticket.status} · {ticket.reason.value}", summary, "#### Conversation", transcript]
    if orders:
        parts += ["#### Orders", *(order_summary(o) for o in orders)]
    return "\n\n".join(parts)


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    data = asdict(ticket)
    data["reason"] = ticket.reason.value
    for key in ("created", "closed"):
        data[key] = data[key].isoformat() if data[key] else None
    return data
