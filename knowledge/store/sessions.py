"""Server-issued chat sessions and the one-time sign-in tokens that opened them.

A session id is the only handle a shopper's client holds: the server issues it (``secrets``, 192
bits) together with the identity it was issued for, and every later call finds the identity here,
never in what the caller sends. Rows outlive the process, so a session continues after a restart
and on another Aisle process sharing the database.

Embed tokens are single-use: the token's id (``jti``) is claimed in one insert, so a replayed token
(from a log, a shared computer, a cached page) is refused even by a second process.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, MetaData, String, Table, delete, insert, select
from sqlalchemy.exc import IntegrityError

from knowledge.store.columns import UtcDateTime
from knowledge.store.database import StoreDatabase

session_metadata = MetaData()

issued_sessions = Table(
    "issued_sessions", session_metadata,
    Column("session_id", String(64), primary_key=True),
    Column("customer_id", String(64), nullable=False, default=""),  # "" = a guest
    Column("signed_in_by", String(16), nullable=False),  # guest | token | demo | cli
    Column("issued", UtcDateTime, nullable=False),
)
used_tokens = Table(
    "used_embed_tokens", session_metadata,
    Column("jti", String(128), primary_key=True),
    Column("expires", UtcDateTime, nullable=False, index=True),
)

SESSION_ID_BYTES = 24  # 192 bits from ``secrets``: 32 URL-safe characters


def new_session_id() -> str:
    return secrets.token_urlsafe(SESSION_ID_BYTES)


@dataclass(frozen=True)
class IssuedSession:
    session_id: str
    customer_id: str | None  # None: a guest
    signed_in_by: str
    issued: datetime


class SessionRegistry:
    """Which identity each issued session id belongs to.

    >>> registry = SessionRegistry(StoreDatabase("sqlite:///:memory:"))
    >>> sid = registry.issue("C001", "token", datetime(2026, 1, 1))
    >>> registry.get(sid).customer_id, registry.get("made-up") is None
    ('C001', True)
    """

    def __init__(self, db: StoreDatabase):
        self.db = db

    def issue(self, customer_id: str | None, signed_in_by: str, now: datetime) -> str:
        session_id = new_session_id()
        with self.db.engine.begin() as conn:
            conn.execute(insert(issued_sessions).values(session_id=session_id, customer_id=customer_id or "",
                                                        signed_in_by=signed_in_by, issued=now))
        return session_id

    def adopt(self, session_id: str, customer_id: str | None, signed_in_by: str, now: datetime) -> None:
        """Register a conversation stored before sessions were issued (staff tools only)."""
        if self.get(session_id) is None:
            with self.db.engine.begin() as conn:
                conn.execute(insert(issued_sessions).values(session_id=session_id, customer_id=customer_id or "",
                                                            signed_in_by=signed_in_by, issued=now))

    def get(self, session_id: str) -> IssuedSession | None:
        with self.db.engine.connect() as conn:
            row = conn.execute(select(issued_sessions).where(issued_sessions.c.session_id == session_id)
                               ).mappings().first()
        if row is None:
            return None
        return IssuedSession(row["session_id"], row["customer_id"] or None, row["signed_in_by"], row["issued"])

    def claim_token(self, jti: str, expires: datetime, now: datetime) -> bool:
        """True the first time a token id is presented, False ever after (until it has expired
        and been forgotten: an expired token is refused for its expiry anyway)."""
        with self.db.engine.begin() as conn:
            conn.execute(delete(used_tokens).where(used_tokens.c.expires < now))
            try:
                with conn.begin_nested():
                    conn.execute(insert(used_tokens).values(jti=jti, expires=expires))
            except IntegrityError:
                return False
        return True
