"""The shipped demo store ("Maple & Main") meets its spec, and its simulator reproduces it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from knowledge import demo_store
from knowledge.demo_store.simulate import NOW, simulate
from knowledge.importers import read_records
from knowledge.schemas import Customer, EventType, FaqEntry, Interaction, Order, OrderStatus, Product

FAQ_TOPICS = {"shipping", "returns", "exchanges", "refunds", "payment", "warranty", "sizing", "account",
              "privacy", "promotions"}


def load(path: Path, model):
    result = read_records(path, model)
    assert result.errors == [], f"{path.name} has bad rows: {result.errors[:3]}"
    return result.records


def raw_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def products() -> list[Product]:
    return load(demo_store.CATALOG, Product)


@pytest.fixture(scope="module")
def customers() -> list[Customer]:
    return load(demo_store.CUSTOMERS, Customer)


@pytest.fixture(scope="module")
def orders() -> list[Order]:
    return load(demo_store.ORDERS, Order)


@pytest.fixture(scope="module")
def interactions() -> list[Interaction]:
    return load(demo_store.INTERACTIONS, Interaction)


# -- catalog ------------------------------------------------------------------------------------
def test_catalog_size_and_categories(products):
    assert len(products) >= 400
    assert len(products) == len(raw_lines(demo_store.CATALOG))  # every line validated
    categories = Counter(p.category for p in products)
    assert len(categories) >= 10
    assert min(categories.values()) >= 10, categories


def test_catalog_ids_and_titles_are_unique(products):
    raw = raw_lines(demo_store.CATALOG)
    assert len({r["id"] for r in raw}) == len(raw)
    assert len({p.title.strip().lower() for p in products}) == len(products)


def test_descriptions_are_40_to_120_words(products):
    outside = {p.id: len(p.description.split()) for p in products
               if not 40 <= len(p.description.split()) <= 120}
    assert outside == {}


def test_catalog_helper_returns_the_validated_products(products):
    assert demo_store.catalog_products() == products


# -- FAQ ----------------------------------------------------------------------------------------
def test_faq_has_enough_unique_entries_on_every_topic():
    entries = load(demo_store.FAQ, FaqEntry)
    raw = raw_lines(demo_store.FAQ)
    assert len(entries) >= 50 and len(entries) == len(raw)
    assert len({r["id"] for r in raw}) == len(raw)
    assert FAQ_TOPICS - {e.topic for e in entries} == set()
    ids = {e.id for e in entries}
    assert all(e.superseded_by in ids for e in entries if e.superseded_by)


# -- customers, orders, interactions ------------------------------------------------------------
def test_customers(customers):
    assert len(customers) >= 100
    assert len({c.id for c in customers}) == len(customers)
    assert len({c.email for c in customers}) == len(customers)


def test_orders_cover_every_status_and_reference_known_records(orders, customers, products):
    assert len(orders) >= 300
    assert {o.status for o in orders} == set(OrderStatus)
    shipped = [o for o in orders if o.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED)]
    assert shipped and all(o.tracking_number and o.carrier for o in shipped)
    customer_ids, product_ids = {c.id for c in customers}, {p.id for p in products}
    assert {o.customer_id for o in orders} <= customer_ids
    assert {i.product_id for o in orders for i in o.items} <= product_ids
    assert all(o.placed_at <= NOW for o in orders)


def test_interactions_cover_every_event_and_reference_known_records(interactions, customers, products):
    assert {i.event for i in interactions} == set(EventType)
    assert {i.customer_id for i in interactions} <= {c.id for c in customers}
    assert {i.product_id for i in interactions} <= {p.id for p in products}
    assert all(i.ts <= NOW for i in interactions)


def _category_mix(customer_id: str, interactions: list[Interaction], products: list[Product]) -> Counter:
    category = {p.id: p.category for p in products}
    return Counter(category[i.product_id] for i in interactions if i.customer_id == customer_id)


def test_personas_c001_and_c002_have_different_tastes(interactions, products):
    maya = _category_mix("C001", interactions, products)
    daniel = _category_mix("C002", interactions, products)

    assert sum(maya.values()) >= 20 and sum(daniel.values()) >= 20
    assert set(maya) <= {"shoes", "sports", "outdoor", "apparel"}
    assert set(daniel) <= {"kitchen", "home", "electronics"}
    assert maya.most_common(1)[0][0] != daniel.most_common(1)[0][0]


# -- simulator ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def simulated(products):
    return simulate(products)


def test_simulator_is_deterministic(products, simulated):
    again = simulate(products)
    assert again == simulated
    other_seed = simulate(products, seed=1)
    assert other_seed[2][:20] != simulated[2][:20]


def test_simulator_output_equals_the_shipped_files(simulated, customers, orders, interactions):
    sim_customers, sim_orders, sim_events = simulated

    assert (len(sim_customers), len(sim_orders), len(sim_events)) == (len(customers), len(orders),
                                                                      len(interactions))
    assert sim_customers[:5] == customers[:5]
    assert sim_orders[:5] == orders[:5]
    assert sim_events[:50] == interactions[:50]
    assert sim_orders == orders and sim_events == interactions  # the whole files (under a second)
