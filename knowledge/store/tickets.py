"""Handoff tickets: a conversation passed to a human agent, with a summary the copilot shows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert, select, update

from knowledge.store.columns import UtcDateTime
from knowledge.store.database import StoreDatabase

ticket_metadata = MetaData()

handoff_tickets = Table(
    "handoff_tickets", ticket_metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(64), nullable=False, index=True),
    Column("customer_id", String(64), nullable=False, default=""),
    Column("reason", String(32), nullable=False),
    Column("summary", Text, nullable=False),
    Column("transcript", Text, nullable=False, default="[]"),  # JSON list of {role, text}
    Column("order_ids", Text, nullable=False, default="[]"),  # JSON list
    Column("status", String(16), nullable=False, default="open", index=True),
    Column("created", UtcDateTime, nullable=False, index=True),
    Column("closed", UtcDateTime, nullable=True),
)


class HandoffReason(StrEnum):
    ASKED = "asked for a person"
    FRUSTRATION = "frustration"
    REPEATED_FAILURE = "repeated failure"
    NO_ANSWER = "no answer found"
    ORDER_REVIEW = "order review"
    STORE_INTENT = "store intent"  # a store's own intent with no FAQ answer (e.g. wholesale)


@dataclass(frozen=True)
class Ticket:
    id: str  # "HT-<pk>"
    session_id: str
    customer_id: str
    reason: HandoffReason
    summary: str
    transcript: list[dict[str, str]] = field(default_factory=list)
    order_ids: list[str] = field(default_factory=list)
    status: str = "open"
    created: datetime | None = None
    closed: datetime | None = None


def _ticket(row: Any) -> Ticket:
    return Ticket(id=f"HT-{row['pk']}", session_id=row["session_id"], customer_id=row["customer_id"],
                  reason=HandoffReason(row["reason"]), summary=row["summary"],
                  transcript=json.loads(row["transcript"]), order_ids=json.loads(row["order_ids"]),
                  status=row["status"], created=row["created"], closed=row["closed"])


def _pk(ticket_id: str) -> int:
    try:
        return int(ticket_id.upper().removeprefix("HT-"))
    except ValueError as exc:
        raise LookupError(f"no ticket {ticket_id!r}: ticket ids look like HT-12") from exc


class TicketStore:
    def __init__(self, db: StoreDatabase):
        self.db = db

    def open_for(self, session_id: str) -> Ticket | None:
        """The session's open ticket, if any: one conversation never opens two at once."""
        c = handoff_tickets.c
        with self.db.engine.connect() as conn:
            row = conn.execute(select(handoff_tickets).where(c.session_id == session_id, c.status == "open")
                               .order_by(c.pk.desc()).limit(1)).mappings().first()
        return _ticket(row) if row else None

    def create(self, session_id: str, customer_id: str, reason: HandoffReason, summary: str,
               transcript: list[dict[str, str]], order_ids: list[str], now: datetime) -> Ticket:
        with self.db.engine.begin() as conn:
            key = conn.execute(insert(handoff_tickets).values(
                session_id=session_id, customer_id=customer_id, reason=reason.value, summary=summary,
                transcript=json.dumps(transcript, ensure_ascii=False), order_ids=json.dumps(order_ids),
                status="open", created=now)).inserted_primary_key
        assert key is not None
        return self.get(f"HT-{key[0]}")

    def get(self, ticket_id: str) -> Ticket:
        with self.db.engine.connect() as conn:
            row = conn.execute(select(handoff_tickets).where(handoff_tickets.c.pk == _pk(ticket_id))).mappings().first()
        if row is None:
            raise LookupError(f"no ticket {ticket_id}")
        return _ticket(row)

    def queue(self, status: str | None = "open", limit: int = 100) -> list[Ticket]:
        """Tickets for the agent copilot, oldest first (first come, first served)."""
        query = select(handoff_tickets).order_by(handoff_tickets.c.pk).limit(limit)
        if status is not None:
            query = query.where(handoff_tickets.c.status == status)
        with self.db.engine.connect() as conn:
            return [_ticket(r) for r in conn.execute(query).mappings().all()]

    def close(self, ticket_id: str, now: datetime) -> Ticket:
        with self.db.engine.begin() as conn:
            done = conn.execute(update(handoff_tickets).where(handoff_tickets.c.pk == _pk(ticket_id))
                                .values(status="closed", closed=now))
        if done.rowcount != 1:
            raise LookupError(f"no ticket {ticket_id}")
        return self.get(ticket_id)
