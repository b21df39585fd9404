"""The audit log of order actions, and the return/exchange requests they create.

Every step of an order action is logged: a lookup shown, a failed verification, a proposal, a
refusal by policy, a declined or abandoned proposal, and the applied write. A write is applied in
the same transaction as its audit row, so the log and the orders table never disagree: either both
are stored or neither is. Before that transaction, the write is appended to the store's write-ahead
journal (``knowledge/store/journal.py``) when the database has one, so a locked or full database defers an
applied action instead of losing it; the journal id claimed in the transaction makes a replay
apply it exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert, select, update

from knowledge.schemas import Order
from knowledge.store.columns import UtcDateTime
from knowledge.store.database import StoreDatabase, claim_write, orders
from knowledge.store.journal import JournalEntry, journaled, register_applier

log_metadata = MetaData()

order_actions = Table(
    "order_actions", log_metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("ts", UtcDateTime, nullable=False, index=True),
    Column("session_id", String(64), nullable=False, index=True),
    Column("actor", String(64), nullable=False),  # "shopper" or "agent:<name>"
    Column("customer_id", String(64), nullable=False, default=""),
    Column("order_id", String(64), nullable=False, default="", index=True),
    Column("action", String(32), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("arguments", Text, nullable=False, default="{}"),  # JSON
)
service_requests = Table(
    "service_requests", log_metadata,
    Column("id", String(32), primary_key=True),
    Column("order_id", String(64), nullable=False, index=True),
    Column("product_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # return | exchange
    Column("new_sku", String(64), nullable=True),
    Column("reason", String(32), nullable=False, default=""),
    Column("status", String(16), nullable=False, default="requested"),
    Column("ts", UtcDateTime, nullable=False),
)


class Outcome(StrEnum):
    VIEWED = "viewed"  # order data shown to a verified shopper
    VERIFY_FAILED = "verify_failed"  # order id + e-mail did not match
    PROPOSED = "proposed"  # eligible; waiting for an explicit yes
    REFUSED = "refused"  # not allowed by policy
    DECLINED = "declined"  # the shopper said no
    ABANDONED = "abandoned"  # the shopper moved on without answering
    APPLIED = "applied"  # written to the orders database
    FAILED = "failed"  # re-checked at apply time and no longer allowed
    TICKETED = "ticketed"  # the store handles this action in person: passed to its team as a ticket


@dataclass(frozen=True)
class ActionEntry:
    session_id: str
    action: str
    outcome: Outcome
    order_id: str = ""
    customer_id: str = ""
    actor: str = "shopper"
    detail: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)
    ts: datetime | None = None


@dataclass(frozen=True)
class ServiceRequest:
    id: str
    order_id: str
    product_id: str
    kind: str
    new_sku: str | None
    reason: str
    status: str
    ts: datetime


class OrderLog:
    """Reads and writes the audit log; applies order writes atomically with their audit row."""

    def __init__(self, db: StoreDatabase):
        self.db = db

    @staticmethod
    def _row(entry: ActionEntry, now: datetime) -> dict[str, Any]:
        return {"ts": entry.ts or now, "session_id": entry.session_id, "actor": entry.actor,
                "customer_id": entry.customer_id, "order_id": entry.order_id, "action": entry.action,
                "outcome": entry.outcome.value, "detail": entry.detail,
                "arguments": json.dumps(entry.arguments, sort_keys=True)}

    def record(self, entry: ActionEntry, now: datetime) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(insert(order_actions).values(**self._row(entry, now)))

    def apply(self, entry: ActionEntry, now: datetime, order: Order | None = None,
              requests: Sequence[ServiceRequest] = ()) -> None:
        """Write the changed order and new requests together with the audit row, in one transaction,
        journaled first (see ``knowledge/store/journal.py``): ``StoreWriteError`` if it cannot be stored now."""
        payload = _encode(entry, now, order, requests)
        journaled(self.db, "order_action", payload, "order change",
                  lambda journal_id: self._write(entry, now, order, requests, journal_id))

    def apply_payload(self, payload: dict[str, Any], journal_id: str) -> bool:
        """Apply a journaled order action (a replay); False when it was already applied."""
        return self._write(*_decode(payload), journal_id=journal_id)

    def _write(self, entry: ActionEntry, now: datetime, order: Order | None,
               requests: Sequence[ServiceRequest], journal_id: str | None = None) -> bool:
        with self.db.engine.begin() as conn:
            if journal_id is not None and not claim_write(conn, journal_id, "order_action", now):
                return False
            if order is not None:
                payload = json.dumps(order.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
                done = conn.execute(update(orders).where(orders.c.id == order.id)
                                    .values(status=order.status.value, payload=payload))
                if done.rowcount != 1:
                    raise LookupError(f"order {order.id} is not in the database")
            for request in requests:
                conn.execute(insert(service_requests).values(
                    id=request.id, order_id=request.order_id, product_id=request.product_id, kind=request.kind,
                    new_sku=request.new_sku, reason=request.reason, status=request.status, ts=request.ts))
            conn.execute(insert(order_actions).values(**self._row(entry, now)))
        return True

    def entries(self, session_id: str | None = None, order_id: str | None = None, limit: int = 200) -> list[ActionEntry]:
        """Audit entries, newest first."""
        query = select(order_actions).order_by(order_actions.c.pk.desc()).limit(limit)
        if session_id is not None:
            query = query.where(order_actions.c.session_id == session_id)
        if order_id is not None:
            query = query.where(order_actions.c.order_id == order_id)
        with self.db.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [ActionEntry(session_id=r["session_id"], action=r["action"], outcome=Outcome(r["outcome"]),
                            order_id=r["order_id"], customer_id=r["customer_id"], actor=r["actor"],
                            detail=r["detail"], arguments=json.loads(r["arguments"]), ts=r["ts"]) for r in rows]

    def requests_for(self, order_id: str) -> list[ServiceRequest]:
        with self.db.engine.connect() as conn:
            rows = conn.execute(select(service_requests).where(service_requests.c.order_id == order_id)
                                .order_by(service_requests.c.ts)).mappings().all()
        return [ServiceRequest(**dict(r)) for r in rows]


def _apply_order_action(db: StoreDatabase, entry: JournalEntry) -> bool:
    """Replay a journaled order action (claimed by its journal id, so applied once)."""
    return OrderLog(db).apply_payload(entry.payload, entry.id)


register_applier("order_action", _apply_order_action)


def _encode(entry: ActionEntry, now: datetime, order: Order | None,
            requests: Sequence[ServiceRequest]) -> dict[str, Any]:
    """An order write as JSON, for the journal."""
    return {
        "entry": {**asdict(entry), "outcome": entry.outcome.value, "ts": entry.ts.isoformat() if entry.ts else None},
        "now": now.isoformat(),
        "order": order.model_dump(mode="json") if order is not None else None,
        "requests": [{**asdict(r), "ts": r.ts.isoformat()} for r in requests],
    }


def _decode(payload: dict[str, Any]) -> tuple[ActionEntry, datetime, Order | None, list[ServiceRequest]]:
    raw = dict(payload["entry"])
    ts = raw.pop("ts")
    entry = ActionEntry(**{**raw, "outcome": Outcome(raw["outcome"]),
                           "ts": datetime.fromisoformat(ts) if ts else None})
    order = Order.model_validate(payload["order"]) if payload["order"] is not None else None
    requests = [ServiceRequest(**{**r, "ts": datetime.fromisoformat(r["ts"])}) for r in payload["requests"]]
    return entry, datetime.fromisoformat(payload["now"]), order, requests
