"""What a support agent's copilot does, as plain functions of ids (the staff app's tab, its API and
the CLI all call these): the queue (open tickets first, first come first served), one conversation
with the customer's profile, orders and recent interactions, a suggested reply with its sources, and
the agent's message back.

The privacy rule lives here: a guest's orders are shown only once the shopper verified them in that
conversation (with the order's e-mail); a signed-in customer's are theirs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from assistant.conversations import Conversations
from assistant.operations import NO_OPERATIONS, Operations, session_digest
from assistant.orders.answers import order_summary
from assistant.services.copilot_views import (
    interactions_rows,
    orders_markdown,
    profile_markdown,
    queue_order,
    queue_rows,
    sources_markdown,
    ticket_json,
    ticket_transcript,
    transcript_messages,
)
from knowledge.catalog import Catalog
from knowledge.schemas import Customer, Order
from knowledge.store.conversations import ConversationStore
from knowledge.store.database import StoreDatabase
from knowledge.store.tickets import Ticket, TicketStore

QUEUE_LENGTH = 200  # the most recent conversations the queue lists


class NoOpenTicket(LookupError):
    """The conversation has no open ticket to close."""


class CopilotService:
    def __init__(self, conversations: Conversations, store: ConversationStore, tickets: TicketStore,
                 db: StoreDatabase, catalog: Callable[[], Catalog], now: Callable[[], datetime],
                 link_hosts: list[str], operations: Operations = NO_OPERATIONS):
        """``catalog`` is looked up on every use: an ingest replaces it. ``operations``: where suggestions
        and sent messages are reported (logs, metrics)."""
        self.conversations = conversations
        self.store = store
        self.tickets = tickets
        self.db = db
        self._catalog = catalog
        self.now = now
        self.link_hosts = link_hosts  # where next-best cards may show images from and link to
        self.operations = operations

    # -- the queue ----------------------------------------------------------------------------
    def queue(self, handed_off_only: bool = False) -> list[dict[str, Any]]:
        tickets = self.tickets.queue("open")
        by_session = {t.session_id: t.id for t in tickets}
        recent = self.store.recent(QUEUE_LENGTH, handed_off_only)
        return [{**c.to_dict(), "open_ticket": by_session.get(c.session_id)} for c in queue_order(recent, tickets)]

    def queue_rows(self, handed_off_only: bool = False) -> list[list[str]]:
        return queue_rows(self.store.recent(QUEUE_LENGTH, handed_off_only), self.tickets.queue("open"))

    # -- tickets ------------------------------------------------------------------------------
    def tickets_json(self, include_closed: bool = False) -> list[dict[str, Any]]:
        return [ticket_json(t) for t in self.tickets.queue(None if include_closed else "open")]

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        """``LookupError`` for an unknown id."""
        return ticket_json(self.tickets.get(ticket_id.strip()))

    def close_ticket(self, ticket_id: str) -> dict[str, Any]:
        return ticket_json(self.tickets.close(self.tickets.get(ticket_id.strip()).id, self.now()))

    def ticket_for(self, session_id: str) -> Ticket | None:
        """The conversation's open ticket, else the last one it had."""
        open_ticket = self.tickets.open_for(session_id)
        if open_ticket is not None:
            return open_ticket
        stored = self.store.get(session_id)
        if stored is not None and stored.ticket_id:
            try:
                return self.tickets.get(stored.ticket_id)
            except LookupError:
                return None
        return None

    def close_ticket_of(self, session_id: str) -> dict[str, Any]:
        """Close the conversation's open ticket (``NoOpenTicket`` if it has none)."""
        ticket = self.ticket_for(session_id.strip()) if session_id.strip() else None
        if ticket is None or ticket.status != "open":
            raise NoOpenTicket("This conversation has no open ticket.")
        return ticket_json(self.tickets.close(ticket.id, self.now()))

    # -- one conversation ---------------------------------------------------------------------
    def visible_orders(self, session_id: str, customer: Customer | None, stored: bool) -> list[Order]:
        """The orders an agent may see in this conversation: a signed-in customer's, or only those a
        guest verified here (``stored``: the conversation has a stored transcript)."""
        if customer is not None:
            return self.db.orders_for(customer.id)
        verified = self.conversations.session(session_id).verified_order_ids if stored else set()
        return [o for o in map(self.db.order, sorted(verified)) if o is not None]

    def conversation(self, session_id: str) -> dict[str, Any]:
        """Everything the agent needs about one conversation (``LookupError`` for an unknown one)."""
        session_id = session_id.strip()
        stored = self.store.get(session_id)
        ticket = self.ticket_for(session_id)
        if stored is None and ticket is None:
            raise LookupError(f"no conversation {session_id!r}")
        customer_id = stored.customer_id if stored else ticket.customer_id if ticket else ""
        customer = self.db.customer(customer_id) if customer_id else None
        messages = self.conversations.transcript(session_id)
        transcript = transcript_messages(messages) if messages else ticket_transcript(ticket) if ticket else []
        orders = self.visible_orders(session_id, customer, stored is not None)
        events = self.db.history(customer_id, 10) if customer_id else []
        catalog = self._catalog()
        titles = {e.product_id: p.title for e in events if (p := catalog.get(e.product_id))}
        return {"session_id": session_id, "customer_id": customer_id or None,
                "customer": customer.model_dump(mode="json") if customer else None,
                "ticket": ticket_json(ticket) if ticket else None, "transcript": transcript,
                "profile": profile_markdown(customer, customer_id, ticket), "orders": orders_markdown(orders),
                "order_ids": [o.id for o in orders], "interactions": interactions_rows(events, titles)}

    def transcript(self, session_id: str) -> list[dict[str, str]]:
        """The stored transcript as chat bubbles (the open conversation keeps it current)."""
        return transcript_messages(self.conversations.transcript(session_id.strip()))

    def suggest(self, session_id: str) -> dict[str, Any]:
        """The assistant's reply to the shopper's latest message, for the agent to edit, with its sources
        and next-best products (``LookupError`` for a conversation with nothing to answer)."""
        started = time.perf_counter()
        suggestion = self.conversations.suggest(session_id.strip())
        self.operations.copilot("suggest", session_digest(session_id.strip()), suggestion.reply,
                                time.perf_counter() - started)
        orders = [o for o in map(self.db.order, suggestion.reply.order_ids) if o is not None]
        data = suggestion.to_dict()
        data["sources_markdown"] = sources_markdown(suggestion.sources, [order_summary(o) for o in orders])
        data["next_best_products"] = [asdict(p) for p in suggestion.next_best]
        return data

    def send(self, session_id: str, text: str, author: str, sources: dict[str, list[str]] | None = None) -> dict[str, Any]:
        """The agent's (edited) message into the conversation; the shopper's widget shows it."""
        message = self.conversations.send(session_id.strip(), text, author or "agent", sources)
        self.operations.copilot("send", session_digest(session_id.strip()))
        return message.to_dict()
