"""Stored conversations: every shopper message, assistant reply and agent message, as the copilot
and the store's reports see them.

A conversation is keyed by its chat session id. Each assistant reply records its intent, how the
turn ended (``Resolution``) and its sources (product, FAQ and order ids), so the admin's plots and
the copilot's transcript read the same rows. A turn's two messages are written in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)

from knowledge.store.columns import UtcDateTime
from knowledge.store.database import StoreDatabase

conversation_metadata = MetaData()

conversations = Table(
    "conversations", conversation_metadata,
    Column("session_id", String(64), primary_key=True),
    Column("customer_id", String(64), nullable=False, default=""),
    Column("started", UtcDateTime, nullable=False),
    Column("updated", UtcDateTime, nullable=False, index=True),
    Column("ticket_id", String(32), nullable=False, default=""),
    Column("messages", Integer, nullable=False, default=0),
)
messages = Table(
    "messages", conversation_metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(64), nullable=False),
    Column("role", String(16), nullable=False),  # user | assistant | agent
    Column("text", Text, nullable=False),
    Column("intent", String(64), nullable=False, default=""),
    Column("resolution", String(16), nullable=False, default=""),
    Column("sources", Text, nullable=False, default="{}"),  # JSON: product_ids, faq_ids, order_ids
    Column("author", String(64), nullable=False, default=""),  # the agent who sent it
    Column("ts", UtcDateTime, nullable=False, index=True),
    Index("ix_messages_session", "session_id", "pk"),
)


class Resolution(StrEnum):
    """How an assistant turn ended, for the store's reports."""

    ANSWERED = "answered"
    HANDED_OFF = "handed off"
    UNANSWERED = "unanswered"


class Role(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"
    AGENT = "agent"


@dataclass(frozen=True)
class Message:
    id: int  # increasing within a store: a client asks for "messages after id N"
    session_id: str
    role: Role
    text: str
    ts: datetime
    intent: str = ""
    resolution: str = ""
    sources: dict[str, list[str]] = field(default_factory=dict)
    author: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "session_id": self.session_id, "role": self.role.value, "text": self.text,
                "ts": self.ts.isoformat(), "intent": self.intent, "resolution": self.resolution,
                "sources": self.sources, "author": self.author}


@dataclass(frozen=True)
class Conversation:
    session_id: str
    customer_id: str
    started: datetime
    updated: datetime
    ticket_id: str
    messages: int
    last_user_text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"session_id": self.session_id, "customer_id": self.customer_id,
                "started": self.started.isoformat(), "updated": self.updated.isoformat(),
                "ticket_id": self.ticket_id, "messages": self.messages, "last_user_text": self.last_user_text}


def _message(row: Any) -> Message:
    return Message(id=row["pk"], session_id=row["session_id"], role=Role(row["role"]), text=row["text"],
                   ts=row["ts"], intent=row["intent"], resolution=row["resolution"],
                   sources=json.loads(row["sources"] or "{}"), author=row["author"])


class ConversationStore:
    def __init__(self, db: StoreDatabase):
        self.db = db

    def _touch(self, conn: Any, session_id: str, customer_id: str, now: datetime, added: int,
               ticket_id: str | None = None) -> None:
        c = conversations.c
        values: dict[str, Any] = {"updated": now, "messages": c.messages + added}
        if customer_id:
            values["customer_id"] = customer_id
        if ticket_id:
            values["ticket_id"] = ticket_id
        if conn.execute(update(conversations).where(c.session_id == session_id).values(**values)).rowcount == 0:
            conn.execute(insert(conversations).values(session_id=session_id, customer_id=customer_id, started=now,
                                                      updated=now, ticket_id=ticket_id or "", messages=added))

    def record_turn(self, session_id: str, customer_id: str, user_text: str, reply_text: str, intent: str,
                    resolution: Resolution, sources: dict[str, list[str]], now: datetime,
                    ticket_id: str | None = None) -> tuple[Message, Message]:
        """Store a shopper message and the assistant's reply together."""
        rows: list[dict[str, Any]] = [dict(session_id=session_id, role=Role.USER.value, text=user_text, intent=intent, ts=now),
                dict(session_id=session_id, role=Role.ASSISTANT.value, text=reply_text, intent=intent,
                     resolution=resolution.value, sources=json.dumps(sources), ts=now)]
        with self.db.engine.begin() as conn:
            keys = [conn.execute(insert(messages).values(**row)).inserted_primary_key for row in rows]
            self._touch(conn, session_id, customer_id, now, 2, ticket_id)
        user, reply = (self.message(int(k[0])) for k in keys if k is not None)
        return user, reply

    def add_agent_message(self, session_id: str, text: str, author: str, sources: dict[str, list[str]],
                          now: datetime) -> Message:
        """An agent's message into an existing conversation (``LookupError`` if there is none)."""
        with self.db.engine.begin() as conn:
            known = conn.execute(select(conversations.c.session_id)
                                 .where(conversations.c.session_id == session_id)).first()
            if known is None:
                raise LookupError(f"no conversation {session_id!r}")
            key = conn.execute(insert(messages).values(
                session_id=session_id, role=Role.AGENT.value, text=text, author=author,
                sources=json.dumps(sources), ts=now)).inserted_primary_key
            self._touch(conn, session_id, "", now, 1)
        assert key is not None
        return self.message(int(key[0]))

    def message(self, message_id: int) -> Message:
        with self.db.engine.connect() as conn:
            row = conn.execute(select(messages).where(messages.c.pk == message_id)).mappings().first()
        if row is None:
            raise LookupError(f"no message {message_id}")
        return _message(row)

    def messages(self, session_id: str, after: int = 0, roles: Sequence[Role] = ()) -> list[Message]:
        """The conversation's messages in order (only those with an id above ``after``)."""
        m = messages.c
        query = select(messages).where(m.session_id == session_id, m.pk > after).order_by(m.pk)
        if roles:
            query = query.where(m.role.in_([r.value for r in roles]))
        with self.db.engine.connect() as conn:
            return [_message(r) for r in conn.execute(query).mappings().all()]

    def get(self, session_id: str) -> Conversation | None:
        found = self._conversations(select(conversations).where(conversations.c.session_id == session_id))
        return found[0] if found else None

    def recent(self, limit: int = 50, handed_off_only: bool = False) -> list[Conversation]:
        """Conversations, most recently active first."""
        query = select(conversations).order_by(conversations.c.updated.desc()).limit(limit)
        if handed_off_only:
            query = query.where(conversations.c.ticket_id != "")
        return self._conversations(query)

    def _conversations(self, query: Any) -> list[Conversation]:
        with self.db.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            if not rows:
                return []
            m = messages.c
            last = (select(m.session_id, func.max(m.pk).label("pk"))
                    .where(m.session_id.in_([r["session_id"] for r in rows]), m.role == Role.USER.value)
                    .group_by(m.session_id).subquery())
            texts = dict(conn.execute(select(messages.c.session_id, messages.c.text)
                                      .join(last, messages.c.pk == last.c.pk)).all())
        return [Conversation(r["session_id"], r["customer_id"], r["started"], r["updated"], r["ticket_id"],
                             r["messages"], texts.get(r["session_id"], "")) for r in rows]
