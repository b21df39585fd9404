"""The store's SQL database (SQLite by default, any SQLAlchemy URL by config).

Products and FAQ entries are kept here as the source of truth for facts (the vector index only
serves retrieval); customers, orders, interaction events and chat feedback live here too. Every
write runs in one transaction, so a failed import leaves what was stored before untouched.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import (
    CheckConstraint,
    Column,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)

from knowledge.schemas import Customer, EventType, FaqEntry, Feedback, Interaction, Order, Product, Rating
from knowledge.store.columns import UtcDateTime
from knowledge.store.conflicts import upsert_insert
from knowledge.store.journal import Journal, JournalEntry, register_applier
from knowledge.store.migrate import upgrade_schema

BUSY_TIMEOUT = 5.0  # seconds a write waits for another writer's lock before "the store is busy"

metadata = MetaData()

products = Table(
    "products", metadata,
    Column("id", String(64), primary_key=True),
    Column("category", String(64), index=True),
    Column("content_hash", String(32), nullable=False),
    Column("payload", Text, nullable=False),
)
faq = Table(
    "faq", metadata,
    Column("id", String(128), primary_key=True),
    Column("content_hash", String(32), nullable=False),
    Column("payload", Text, nullable=False),
)
customers = Table(
    "customers", metadata,
    Column("id", String(64), primary_key=True),
    Column("email", String(256), index=True),
    Column("payload", Text, nullable=False),
)
orders = Table(
    "orders", metadata,
    Column("id", String(64), primary_key=True),
    Column("customer_id", String(64), index=True),
    Column("status", String(16), index=True),
    Column("placed_at", UtcDateTime, index=True),
    Column("payload", Text, nullable=False),
)
interactions = Table(
    "interactions", metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(64), nullable=False),
    Column("product_id", String(64), nullable=False, index=True),
    Column("event", String(16), nullable=False),
    Column("ts", UtcDateTime, nullable=False),
    Column("session_id", String(64), nullable=False, default=""),
    Column("weight", Float, nullable=False, default=1.0),
    UniqueConstraint("customer_id", "product_id", "event", "ts", name="uq_interaction"),
    Index("ix_interactions_customer_ts", "customer_id", "ts"),
)
feedback = Table(
    "feedback", metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(64), nullable=False, index=True),
    Column("customer_id", String(64), nullable=False),
    Column("rating", String(8), nullable=False),
    Column("message_index", Integer, nullable=True),
    Column("intent", String(32), nullable=False, default=""),
    Column("reply_text", Text, nullable=False, default=""),
    Column("product_ids", Text, nullable=False, default="[]"),  # JSON list
    Column("ts", UtcDateTime, nullable=False, index=True),
    CheckConstraint("rating in ('up', 'down')", name="ck_feedback_rating"),
)
# Journal ids of the ratings and order actions already written (see knowledge/store/journal.py): claimed in
# the write's own transaction, so a replay can tell an applied entry from a pending one.
journal_applied = Table(
    "journal_applied", metadata,
    Column("id", String(40), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("ts", UtcDateTime, nullable=False),
)

# Facts about the store itself, e.g. ``origin``: "demo" when ``aisle demo`` loaded the bundled store,
# "imported" once anything came in through ``aisle ingest`` or the admin's upload.
store_meta = Table(
    "store_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

RecordT = TypeVar("RecordT", bound=BaseModel)


@dataclass(frozen=True)
class SyncCounts:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deleted)


def _dump(record: BaseModel) -> str:
    return json.dumps(record.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)


class StoreDatabase:
    """Typed access to the store's tables.

    >>> db = StoreDatabase("sqlite:///:memory:")
    >>> db.sync_products([]).added
    0
    """

    def __init__(self, url: str, busy_timeout: float = BUSY_TIMEOUT):
        self.url = url
        self.busy_timeout = busy_timeout
        # the shopper's writes go through this write-ahead journal when set (``Services.db`` sets it)
        self.journal: Journal | None = None
        if url.startswith("sqlite:///") and ":memory:" not in url:
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", lambda conn, record: _sqlite_pragmas(conn, record, busy_timeout))
        # the schema at the newest migration (knowledge/store/migrations/): (revision before, revision now)
        self.schema_change = upgrade_schema(self.engine)

    # -- catalog and FAQ: the file is the full truth, so absent ids are deleted ---------------
    def _sync(self, table: Table, records: Sequence[Product] | Sequence[FaqEntry],
              delete_absent: bool = True) -> SyncCounts:
        with self.engine.begin() as conn:
            existing = dict(conn.execute(select(table.c.id, table.c.content_hash)).all())
            added = updated = unchanged = 0
            for record in records:
                digest = record.content_hash()
                row: dict[str, Any] = {"id": record.id, "content_hash": digest, "payload": _dump(record)}
                if table is products:
                    row["category"] = record.category  # type: ignore[union-attr]
                old = existing.pop(record.id, None)
                if old is None:
                    conn.execute(insert(table).values(**row))
                    added += 1
                elif old != digest:
                    conn.execute(update(table).where(table.c.id == record.id).values(**row))
                    updated += 1
                else:
                    unchanged += 1
            deleted = len(existing) if delete_absent else 0
            if deleted:
                conn.execute(delete(table).where(table.c.id.in_(list(existing))))
        return SyncCounts(added, updated, deleted, unchanged)

    def sync_products(self, records: Sequence[Product], delete_absent: bool = True) -> SyncCounts:
        return self._sync(products, records, delete_absent)

    def sync_faq(self, records: Sequence[FaqEntry], delete_absent: bool = True) -> SyncCounts:
        return self._sync(faq, records, delete_absent)

    def products(self) -> list[Product]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(products.c.payload).order_by(products.c.id)).scalars().all()
        return [Product.model_validate_json(p) for p in rows]

    def categories(self) -> set[str]:
        """The catalog's categories (from the indexed column: no product is parsed)."""
        with self.engine.connect() as conn:
            return set(conn.execute(select(products.c.category).distinct()).scalars().all())

    def faq_entries(self) -> list[FaqEntry]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(faq.c.payload).order_by(faq.c.id)).scalars().all()
        return [FaqEntry.model_validate_json(p) for p in rows]

    # -- customers and orders: upserted, never deleted by an import -------------------------
    def _upsert(self, table: Table, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        with self.engine.begin() as conn:
            stmt = upsert_insert(conn, table)
            if stmt is not None:
                keys = [k for k in rows[0] if k != "id"]
                stmt = stmt.on_conflict_do_update(index_elements=["id"], set_={k: stmt.excluded[k] for k in keys})
                conn.execute(stmt, rows)
            else:
                ids = [r["id"] for r in rows]
                conn.execute(delete(table).where(table.c.id.in_(ids)))
                conn.execute(insert(table), rows)
        return len(rows)

    def upsert_customers(self, records: Iterable[Customer]) -> int:
        return self._upsert(
            customers, [{"id": c.id, "email": c.email.lower(), "payload": _dump(c)} for c in records]
        )

    def upsert_orders(self, records: Iterable[Order]) -> int:
        rows = [
            {"id": o.id, "customer_id": o.customer_id, "status": o.status.value,
             "placed_at": o.placed_at, "payload": _dump(o)}
            for o in records
        ]
        return self._upsert(orders, rows)

    def customers(self) -> list[Customer]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(customers.c.payload).order_by(customers.c.id)).scalars().all()
        return [Customer.model_validate_json(p) for p in rows]

    def customer(self, customer_id: str) -> Customer | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(customers.c.payload).where(customers.c.id == customer_id)).scalar()
        return Customer.model_validate_json(row) if row else None

    def order(self, order_id: str) -> Order | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(orders.c.payload).where(orders.c.id == order_id)).scalar()
        return Order.model_validate_json(row) if row else None

    def order_ids(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(orders.c.id)).scalars().all())

    def find_order_ids(self, candidates: Iterable[str]) -> dict[str, str]:
        """The store's order ids among ``candidates``, ignoring case: ``{candidate.upper(): id}``.
        (Each candidate is tried as written, upper and lower case, so the id index is used.)"""
        wanted = {c.upper() for c in candidates if c}
        variants = {v for c in candidates if c for v in (c, c.upper(), c.lower())}
        if not variants:
            return {}
        with self.engine.connect() as conn:
            found = conn.execute(select(orders.c.id).where(orders.c.id.in_(sorted(variants)))).scalars().all()
        return {i.upper(): i for i in found if i.upper() in wanted}

    def orders_for(self, customer_id: str) -> list[Order]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(orders.c.payload)
                .where(orders.c.customer_id == customer_id)
                .order_by(orders.c.placed_at.desc())
            ).scalars().all()
        return [Order.model_validate_json(p) for p in rows]

    def meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(store_meta.c.value).where(store_meta.c.key == key)).scalar_one_or_none()

    def set_meta(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            stmt = upsert_insert(conn, store_meta)
            if stmt is not None:
                stmt = stmt.values(key=key, value=value)
                conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value}))
                return
            conn.execute(delete(store_meta).where(store_meta.c.key == key))
            conn.execute(insert(store_meta).values(key=key, value=value))

    def count(self, table_name: str) -> int:
        table = metadata.tables[table_name]
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    # -- interactions -------------------------------------------------------------------------
    def add_interactions(self, records: Iterable[Interaction]) -> int:
        """Store events, skipping exact duplicates; returns how many were new."""
        rows = [
            {"customer_id": r.customer_id, "product_id": r.product_id, "event": r.event.value,
             "ts": r.ts, "session_id": r.session_id, "weight": 1.0}
            for r in records
        ]
        if not rows:
            return 0
        with self.engine.begin() as conn:
            stmt = upsert_insert(conn, interactions)
            if stmt is not None:  # the rows that were new come back; a stored event is skipped
                added = conn.execute(stmt.on_conflict_do_nothing().returning(interactions.c.pk), rows).all()
                return len(added)
            key = interactions.c
            new = [r for r in rows if conn.execute(select(key.pk).where(
                key.customer_id == r["customer_id"], key.product_id == r["product_id"], key.event == r["event"],
                key.ts == r["ts"])).first() is None]
            new = list({(r["customer_id"], r["product_id"], r["event"], r["ts"]): r for r in new}.values())
            if new:
                conn.execute(insert(interactions), new)
        return len(new)

    def _events(self, query: Any) -> list[Interaction]:
        c = interactions.c
        with self.engine.connect() as conn:
            rows = conn.execute(query.with_only_columns(c.customer_id, c.product_id, c.event, c.ts, c.session_id)).all()
        return [
            Interaction(customer_id=r[0], product_id=r[1], event=EventType(r[2]), ts=r[3], session_id=r[4])
            for r in rows
        ]

    def history(self, customer_id: str, limit: int = 50) -> list[Interaction]:
        """The customer's most recent events, newest first."""
        c = interactions.c
        return self._events(select(interactions).where(c.customer_id == customer_id).order_by(c.ts.desc()).limit(limit))

    def events_by_customer(self) -> dict[str, list[Interaction]]:
        """Every stored event, grouped by customer, oldest first (for training the scorer)."""
        out: dict[str, list[Interaction]] = {}
        for row_event in self._events(select(interactions).order_by(interactions.c.customer_id, interactions.c.ts)):
            out.setdefault(row_event.customer_id, []).append(row_event)
        return out

    def event_counts(self) -> Counter[str]:
        """Per-product event counts weighted by intent strength (purchase > cart > click > view)."""
        weights = {"view": 1.0, "click": 2.0, "add_to_cart": 4.0, "purchase": 8.0}
        counts: Counter[str] = Counter()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(interactions.c.product_id, interactions.c.event, func.count())
                .group_by(interactions.c.product_id, interactions.c.event)
            ).all()
        for product_id, event_name, n in rows:
            counts[product_id] += weights.get(event_name, 1.0) * n
        return counts

    # -- chat feedback --------------------------------------------------------------------------
    def add_feedback(self, record: Feedback, journal_id: str | None = None) -> int:
        """Store one reply rating; returns its primary key, or 0 when the journal entry ``journal_id``
        was already applied."""
        row = record.model_dump(mode="json", exclude={"ts", "product_ids"})
        row.update(ts=record.ts, product_ids=json.dumps(record.product_ids))
        with self.engine.begin() as conn:
            if journal_id is not None and not claim_write(conn, journal_id, "feedback", record.ts):
                return 0
            key = conn.execute(insert(feedback).values(**row)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def feedback(self, limit: int = 50) -> list[Feedback]:
        """The most recent ratings, newest first."""
        c = feedback.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(feedback).order_by(c.ts.desc(), c.pk.desc()).limit(limit)).mappings().all()
        return [
            Feedback(session_id=r["session_id"], customer_id=r["customer_id"], rating=Rating(r["rating"]),
                     message_index=r["message_index"], intent=r["intent"], reply_text=r["reply_text"],
                     product_ids=json.loads(r["product_ids"]), ts=r["ts"])
            for r in rows
        ]

    def feedback_counts(self) -> dict[str, int]:
        """How many replies were rated up and down, e.g. ``{"up": 3, "down": 1}``."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(feedback.c.rating, func.count()).group_by(feedback.c.rating)).all()
        return {rating.value: 0 for rating in Rating} | {name: int(n) for name, n in rows}


def claim_write(conn: Any, journal_id: str, kind: str, ts: Any) -> bool:
    """Record, inside the write's own transaction, that journal entry ``journal_id`` is applied;
    False (and nothing recorded) when it already was."""
    stmt = upsert_insert(conn, journal_applied)
    if stmt is not None:  # one statement: of two processes claiming at once, exactly one inserts
        claim = stmt.values(id=journal_id, kind=kind, ts=ts).on_conflict_do_nothing()
        # RETURNING names the row inserted; psycopg's rowcount for an INSERT is not one to rely on
        return conn.execute(claim.returning(journal_applied.c.id)).first() is not None
    if conn.execute(select(journal_applied.c.id).where(journal_applied.c.id == journal_id)).first():
        return False
    conn.execute(insert(journal_applied).values(id=journal_id, kind=kind, ts=ts))
    return True


def _apply_interaction(db: StoreDatabase, entry: JournalEntry) -> bool:
    """Replay a journaled click (a duplicate event is skipped by the database)."""
    return db.add_interactions([Interaction.model_validate(entry.payload)]) == 1


def _apply_feedback(db: StoreDatabase, entry: JournalEntry) -> bool:
    """Replay a journaled reply rating (claimed by its journal id, so applied once)."""
    return db.add_feedback(Feedback.model_validate(entry.payload), journal_id=entry.id) != 0


register_applier("interaction", _apply_interaction)
register_applier("feedback", _apply_feedback)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, busy_timeout: float = BUSY_TIMEOUT) -> None:
    cursor = dbapi_connection.cursor()
    # a write waits this long for another writer's lock, then fails with "database is locked"
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
