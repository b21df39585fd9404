"""StoreDatabase on a temporary SQLite file: sync counts, upserts, interactions, atomic writes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from knowledge.schemas import Customer, FaqEntry, Interaction, Order, OrderItem, Product
from knowledge.store.database import StoreDatabase, SyncCounts

T0 = datetime(2026, 5, 1, 12, 0, 0)


def product(pid: str, price: float = 10.0, category: str = "home") -> Product:
    return Product(id=pid, title=f"Item {pid}", brand="Acme", category=category, price=price, stock=3,
                   description="A thing.")


def faq_entry(fid: str, body: str = "Some policy text here.") -> FaqEntry:
    return FaqEntry(id=fid, title=f"About {fid}", topic="shipping", updated=date(2026, 1, 1), body=body)


def order(oid: str, customer_id: str = "C1", placed: datetime = T0, **extra) -> Order:
    fields = {"status": "pending", **extra}
    return Order(id=oid, customer_id=customer_id, placed_at=placed, updated_at=placed,
                 items=[OrderItem(product_id="P1", title="Item P1", quantity=1, unit_price=10.0)],
                 total=10.0, shipping_address="1 Main St", **fields)


def event(customer: str, pid: str, name: str, minutes: int, session: str = "s1") -> Interaction:
    return Interaction(customer_id=customer, product_id=pid, event=name, ts=T0 + timedelta(minutes=minutes),
                       session_id=session)


@pytest.fixture
def db(store_url) -> StoreDatabase:
    return StoreDatabase(store_url)


# -- products and FAQ: the file is the full truth ----------------------------------------------
def test_first_sync_adds_everything_and_creates_the_folder(db, tmp_path):
    counts = db.sync_products([product("P2"), product("P1"), product("P3")])

    assert counts == SyncCounts(added=3, updated=0, deleted=0, unchanged=0)
    assert counts.changed
    if db.engine.dialect.name == "sqlite":
        assert (tmp_path / "state" / "aisle.db").is_file()
    assert [p.id for p in db.products()] == ["P1", "P2", "P3"]


def test_resync_of_unchanged_data_is_a_no_op(db):
    items = [product("P1"), product("P2")]
    db.sync_products(items)

    counts = db.sync_products(items)

    assert counts == SyncCounts(unchanged=2)
    assert not counts.changed
    assert db.products() == items


def test_changed_product_is_updated_and_absent_ids_deleted(db):
    db.sync_products([product("P1"), product("P2"), product("P3")])

    counts = db.sync_products([product("P1"), product("P2", price=12.5), product("P4")])

    assert counts == SyncCounts(added=1, updated=1, deleted=1, unchanged=1)
    stored = {p.id: p for p in db.products()}
    assert sorted(stored) == ["P1", "P2", "P4"]
    assert stored["P2"].price == 12.5
    assert db.count("products") == 3


def test_empty_file_deletes_all_products(db):
    db.sync_products([product("P1"), product("P2")])
    assert db.sync_products([]) == SyncCounts(deleted=2)
    assert db.products() == []


def test_faq_sync_counts(db):
    db.sync_faq([faq_entry("a"), faq_entry("b")])

    counts = db.sync_faq([faq_entry("a", body="A different policy text."), faq_entry("c")])

    assert counts == SyncCounts(added=1, updated=1, deleted=1, unchanged=0)
    assert [(e.id, e.body) for e in db.faq_entries()] == [("a", "A different policy text."),
                                                         ("c", "Some policy text here.")]


def test_data_survives_reopening_the_file(db):
    db.sync_products([product("P1")])
    again = StoreDatabase(db.url)
    assert [p.id for p in again.products()] == ["P1"]
    assert again.sync_products([product("P1")]) == SyncCounts(unchanged=1)


def test_failed_sync_rolls_back_and_keeps_earlier_data(db):
    before = [product("P1"), product("P2")]
    db.sync_products(before)

    # A duplicate id inside one sync makes the second INSERT fail half-way through the transaction.
    with pytest.raises(IntegrityError):
        db.sync_products([product("P1", price=99.0), product("P5"), product("P5")])

    assert db.products() == before
    assert db.sync_products(before) == SyncCounts(unchanged=2)


# -- customers and orders: upserted, never deleted --------------------------------------------
def test_upsert_customers_is_idempotent_and_updates_in_place(db):
    ann = Customer(id="C1", name="Ann", email="Ann@Example.com")
    bob = Customer(id="C2", name="Bob", email="bob@example.com")
    assert db.upsert_customers([ann, bob]) == 2
    assert db.upsert_customers([ann, bob]) == 2
    assert db.count("customers") == 2

    db.upsert_customers([Customer(id="C1", name="Ann Lee", email="ann@example.com", city="Austin, TX")])

    assert db.count("customers") == 2  # C2, absent from the second import, is kept
    assert db.customer("C1").name == "Ann Lee"
    assert db.customer("C2") == bob
    assert db.customer("C9") is None
    assert db.upsert_customers([]) == 0


def test_upsert_orders_is_idempotent_and_orders_for_is_newest_first(db):
    orders = [order("O1", placed=T0), order("O2", placed=T0 + timedelta(days=2)),
              order("O3", placed=T0 + timedelta(days=1)), order("O4", customer_id="C2")]
    db.upsert_orders(orders)
    db.upsert_orders(orders)

    assert db.count("orders") == 4
    assert [o.id for o in db.orders_for("C1")] == ["O2", "O3", "O1"]
    assert db.order("O2") == orders[1]
    assert db.order("nope") is None

    db.upsert_orders([order("O1", placed=T0, status="shipped", tracking_number="UPS1")])
    assert db.order("O1").status == "shipped" and db.order("O1").tracking_number == "UPS1"
    assert db.count("orders") == 4


# -- interactions -------------------------------------------------------------------------------
def test_add_interactions_skips_exact_duplicates(db):
    batch = [event("C1", "P1", "view", 0), event("C1", "P1", "click", 1), event("C1", "P1", "view", 0)]

    assert db.add_interactions(batch) == 2
    assert db.add_interactions(batch) == 0
    assert db.add_interactions([event("C1", "P1", "view", 5)]) == 1
    assert db.count("interactions") == 3
    assert db.add_interactions([]) == 0


def test_duplicate_key_is_customer_product_event_and_time(db):
    db.add_interactions([event("C1", "P1", "view", 0, session="s1")])
    # Same customer, product, event and time: a duplicate even from another session.
    assert db.add_interactions([event("C1", "P1", "view", 0, session="s2")]) == 0
    assert db.add_interactions([event("C2", "P1", "view", 0), event("C1", "P2", "view", 0),
                                event("C1", "P1", "purchase", 0)]) == 3


def test_history_is_newest_first_and_per_customer(db):
    db.add_interactions([event("C1", "P1", "view", 0), event("C1", "P2", "add_to_cart", 30),
                         event("C1", "P3", "click", 10), event("C2", "P9", "view", 60)])

    history = db.history("C1")

    assert [(i.product_id, i.event.value) for i in history] == [("P2", "add_to_cart"), ("P3", "click"),
                                                                ("P1", "view")]
    assert history[0] == event("C1", "P2", "add_to_cart", 30)
    assert [i.product_id for i in db.history("C1", limit=2)] == ["P2", "P3"]
    assert db.history("nobody") == []


def test_event_counts_weight_by_intent(db):
    db.add_interactions([
        event("C1", "P1", "view", 0), event("C1", "P1", "click", 1), event("C1", "P1", "purchase", 2),
        event("C2", "P2", "add_to_cart", 0), event("C2", "P2", "view", 1), event("C3", "P2", "view", 1),
        event("C3", "P3", "view", 2),
    ])

    counts = db.event_counts()

    assert counts == {"P1": 1 + 2 + 8, "P2": 4 + 1 + 1, "P3": 1}
    assert [pid for pid, _ in counts.most_common()] == ["P1", "P2", "P3"]


def test_history_orders_timezone_aware_events_by_instant(db):
    early = Interaction.model_validate({"customer_id": "C1", "product_id": "P1", "event": "view",
                                        "ts": "2026-01-01T10:00:00+05:00"})  # 05:00 UTC
    late = Interaction.model_validate({"customer_id": "C1", "product_id": "P2", "event": "view",
                                       "ts": "2026-01-01T08:00:00+00:00"})  # 08:00 UTC
    db.add_interactions([early, late])
    assert [i.product_id for i in db.history("C1")] == ["P2", "P1"]
