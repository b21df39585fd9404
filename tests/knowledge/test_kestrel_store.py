"""The second bundled store ("Kestrel Supply") meets its spec, and its generator reproduces it."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

import pytest

from knowledge import kestrel_store
from knowledge.demo_store import simulate as demo_simulate
from knowledge.importers import read_records
from knowledge.kestrel_store import generate
from knowledge.schemas import Customer, EventType, FaqEntry, Interaction, Order, OrderStatus, Product
from knowledge.store_policy import read_policy

NOW = generate.NOW
ORDER_ID = re.compile(r"^[A-Z]\d{7}$")
FILES = {"catalog": kestrel_store.CATALOG, "faq": kestrel_store.FAQ, "customers": kestrel_store.CUSTOMERS,
         "orders": kestrel_store.ORDERS, "interactions": kestrel_store.INTERACTIONS}


def load(path: Path, model):
    result = read_records(path, model)
    assert result.errors == [], f"{path.name} has bad rows: {result.errors[:3]}"
    assert len(result.records) == len(raw_lines(path)), "every line is a record"
    return result.records


def raw_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def products() -> list[Product]:
    return load(kestrel_store.CATALOG, Product)


@pytest.fixture(scope="module")
def by_id(products) -> dict[str, Product]:
    return {p.id: p for p in products}


@pytest.fixture(scope="module")
def faq() -> dict[str, FaqEntry]:
    return {e.id: e for e in load(kestrel_store.FAQ, FaqEntry)}


@pytest.fixture(scope="module")
def customers() -> list[Customer]:
    return load(kestrel_store.CUSTOMERS, Customer)


@pytest.fixture(scope="module")
def orders() -> list[Order]:
    return load(kestrel_store.ORDERS, Order)


@pytest.fixture(scope="module")
def interactions() -> list[Interaction]:
    return load(kestrel_store.INTERACTIONS, Interaction)


def test_constants_and_clock():
    assert kestrel_store.STORE_NAME == "Kestrel Supply" and kestrel_store.CURRENCY == "EUR"
    assert kestrel_store.POLICY.is_file()
    assert NOW == demo_simulate.NOW  # the clock tests pin


# -- catalog ------------------------------------------------------------------------------------------
def test_catalog_size_and_singular_categories(products):
    assert len(products) >= 150
    categories = Counter(p.category for p in products)
    assert 12 <= len(categories) <= 14 and min(categories.values()) >= 8, categories
    assert {"t-shirt", "sock", "water bottle", "office chair", "desk"} <= set(categories)
    for p in products:  # a finer kind of the category's own kind, never the demo's broad plural groups
        assert p.subcategory.endswith(p.category), (p.id, p.subcategory)
    assert len({p.id for p in products}) == len(products)
    assert all(re.fullmatch(r"KS-[A-Z]{2}-\d{4}", p.id) for p in products)
    assert len({p.title.lower() for p in products}) == len(products)


def test_brands_are_not_the_demo_stores(products):
    demo_brands = {p.brand for p in load(Path(demo_simulate.HERE) / "catalog.jsonl", Product)}
    assert not {p.brand for p in products} & demo_brands


def test_prices_are_per_variant_in_euros(products):
    assert {p.currency for p in products} == {"EUR"}
    with_variants = [p for p in products if p.variants]
    assert all(v.price is not None for p in with_variants for v in p.variants)
    for p in with_variants:
        assert p.price == min(v.price for v in p.variants), p.id  # type: ignore[type-var]
    differing = [p for p in with_variants if len({v.price for v in p.variants}) > 1]
    assert len(differing) >= 20
    categories = {p.category for p in differing}
    assert {"t-shirt", "water bottle", "desk"} <= categories, categories
    for p in differing:  # a bigger version never costs less than a smaller one of the same colour
        if p.category == "water bottle":
            by_size = {v.size: v.price for v in p.variants if v.color == p.variants[0].color}
            sizes = [s for s in ("500 ml", "750 ml", "1 l") if s in by_size]
            assert [by_size[s] for s in sizes] == sorted(by_size[s] for s in sizes), p.id


def test_sale_prices_and_links(products):
    on_sale = [p for p in products if p.compare_at_price is not None]
    assert 5 <= len(on_sale) <= 40
    for p in on_sale:
        assert p.compare_at_price > p.price and "sale" in p.tags  # type: ignore[operator]
        assert all(v.compare_at_price is not None and v.compare_at_price > v.price for v in p.variants)  # type: ignore[operator]
    slug = re.compile(r"[a-z0-9-]+")
    for p in products:
        assert p.url and re.fullmatch(r"https://kestrel-supply\.example/products/[a-z0-9-]+", p.url), p.url
        assert p.image_url == f"https://images.kestrel-supply.example/{p.url.rsplit('/', 1)[1]}.jpg"
        assert slug.fullmatch(p.url.rsplit("/", 1)[1])
    assert len({p.url for p in products}) == len(products)


def test_variants_match_attributes_and_stock(products):
    single = [p for p in products if not p.variants]
    assert len(single) >= 5
    assert all(len(p.colors) == 1 and not p.sizes for p in single)
    for p in products:
        if p.variants:
            assert {v.color for v in p.variants} == set(p.colors), p.id
            assert {v.size.lower() for v in p.variants if v.size} == set(p.sizes), p.id
            assert len({v.sku for v in p.variants}) == len(p.variants)
            assert all(v.sku.startswith(p.id + "-") for v in p.variants)
        assert "color" in p.attributes and len(p.attributes) >= 3, p.id
    variants = [v for p in products for v in p.variants]
    assert sum(v.stock == 0 for v in variants) >= 20  # some versions are sold out
    assert any(p.stock == 0 for p in products) and sum(p.in_stock for p in products) >= 140
    assert any(p.in_stock and any(v.stock == 0 for v in p.variants) for p in products)


def test_tags_name_uses(products):
    tags = Counter(t for p in products for t in p.tags)
    for use in ("commute", "office", "hiking", "gym", "travel", "gift", "running"):
        assert tags[use] >= 5, (use, tags[use])


def test_descriptions_are_varied_sentences(products):
    assert len({p.description for p in products}) == len(products)
    for p in products:
        sentences = [s for s in re.split(r"(?<=\.)\s+", p.description) if s]
        assert 2 <= len(sentences) <= 4, (p.id, p.description)
        assert "{" not in p.description and "lorem" not in p.description.lower()
        assert not re.search(r"\ba [aeio]", p.description), (p.id, p.description)  # "a engineered" -> "an"
    openings = Counter(p.description.split(". ")[0] for p in products)
    assert openings.most_common(1)[0][1] <= 3, openings.most_common(3)


# -- FAQ and policy -----------------------------------------------------------------------------------
def test_faq_entries(faq):
    assert len(faq) >= 30
    assert len(raw_lines(kestrel_store.FAQ)) == len(faq)
    assert all(not e.id.startswith(("returns-", "orders-", "shipping-")) for e in faq.values())  # not the demo's
    assert "$" not in " ".join(e.body for e in faq.values())
    contact = faq["contact-hours"].body
    assert re.search(r"\d\d:\d\d", contact) and "person" in contact


def test_policy_is_valid_and_fits_the_store(products, faq):
    policy = read_policy(kestrel_store.POLICY)
    assert policy.problems(faq, {p.category for p in products}) == []
    returns, exchanges = policy.returns, policy.exchanges
    assert [s.value for s in policy.cancel.statuses] == ["pending", "processing"]
    assert policy.cancel.handling == "self_service" and policy.address_change.handling == "ticket"
    assert returns.handling == "self_service" and returns.window_days == 14
    assert {c: w.days for c, w in returns.by_category.items()} == {"office chair": 30, "desk": 30}
    assert returns.non_returnable == ["sock", "earbuds"] and returns.unopened_only == []
    assert returns.shipping_fee == 3.95
    assert exchanges.handling == "self_service" and exchanges.window_days == 30
    assert exchanges.same_product_only and exchanges.per_item_limit == 2
    demo = read_policy(Path(demo_simulate.HERE) / "policy.toml")
    assert demo.returns.window_days != returns.window_days and demo.returns.non_returnable != returns.non_returnable


def test_faq_states_the_policy_and_shipping_numbers(faq):
    assert "within 14 days of delivery" in faq["ret-window"].body
    assert "30 days of delivery" in faq["ret-window"].body and "30 days of delivery" in faq["ret-furniture"].body
    assert "€3.95" in faq["ret-fee"].body
    assert "within 30 days of delivery" in faq["exch-size-colour"].body
    assert "twice" in faq["exch-limit"].body
    assert "pending or processing" in faq["cancel-before-dispatch"].body
    assert "pending or processing" in faq["cancel-too-late"].body
    assert "socks and earbuds" in faq["ret-non-returnable"].body.lower()
    shipping = faq["ship-costs"].body
    assert f"€{generate.SHIPPING_FEE:.2f}" in shipping and f"€{generate.FREE_SHIPPING_FROM:.0f}" in shipping
    windows = {int(d) for e in faq.values() for d in re.findall(r"(\d+) days (?:of|from|after) delivery", e.body)}
    assert windows == {14, 30}


# -- customers and orders -----------------------------------------------------------------------------
def test_customers(customers):
    assert 70 <= len(customers) <= 100
    assert all(re.fullmatch(r"KC-\d{4}", c.id) for c in customers)
    assert all(c.email.endswith("@mail.kestrel.test") for c in customers)
    assert len({c.email for c in customers}) == len(customers) and len({c.name for c in customers}) == len(customers)
    countries = {c.city.rsplit(", ", 1)[1] for c in customers}
    assert len(countries) >= 8 and "NL" in countries


def test_orders_reference_real_products_and_add_up(orders, by_id, customers):
    known = {c.id for c in customers}
    assert len({o.id for o in orders}) == len(orders)
    for o in orders:
        assert ORDER_ID.fullmatch(o.id), o.id
        assert o.customer_id in known and o.currency == "EUR" and 1 <= len(o.items) <= 3
        for item in o.items:
            product = by_id[item.product_id]
            assert item.title == product.title
            if product.variants:
                variant = next(v for v in product.variants if v.sku == item.sku)
                assert item.unit_price == variant.price
            else:
                assert item.sku is None and item.unit_price == product.price
        subtotal = round(sum(i.unit_price * i.quantity for i in o.items), 2)
        assert o.shipping == (0.0 if subtotal >= generate.FREE_SHIPPING_FROM else generate.SHIPPING_FEE), o.id
        assert o.total == round(subtotal + o.shipping, 2), o.id
    assert {o.shipping for o in orders} == {0.0, 4.90}
    numbers = [int(o.id[1:]) for o in sorted(orders, key=lambda o: o.placed_at)]
    assert numbers == sorted(numbers)  # numbers follow the placing time


def test_order_statuses_follow_the_clock(orders, by_id):
    statuses = Counter(o.status for o in orders)
    assert set(statuses) == set(OrderStatus), statuses
    assert all(statuses[s] >= 3 for s in OrderStatus), statuses
    for o in orders:
        assert o.placed_at <= o.updated_at <= NOW, o.id
        age = NOW - o.placed_at
        if o.status in (OrderStatus.PENDING, OrderStatus.PROCESSING):
            assert age < timedelta(days=2) and o.tracking_number is None and o.delivered_at is None
        if o.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.RETURNED):
            assert o.carrier in {"DHL", "PostNL", "DPD"} and o.tracking_number
        if o.status is OrderStatus.SHIPPED:
            assert o.delivered_at is None and age < timedelta(days=7)
        if o.status is OrderStatus.CANCELLED:
            assert o.carrier is None and o.delivered_at is None
        if o.delivered_at is not None:
            assert o.placed_at < o.delivered_at <= NOW
        if o.status is OrderStatus.RETURNED:  # only returnable items, within their window
            categories = {by_id[i.product_id].category for i in o.items}
            assert not categories & {"sock", "earbuds"}, o.id
            window = 30 if categories <= {"office chair", "desk"} else 14
            assert o.updated_at - o.delivered_at <= timedelta(days=window), o.id  # type: ignore[operator]
    ages = {(NOW - o.delivered_at).days for o in orders if o.status is OrderStatus.DELIVERED and o.delivered_at}
    assert {5, 20, 40} <= ages  # both the 14- and the 30-day windows matter


def test_repeat_customers_and_ambiguous_kinds(orders, by_id):
    per_customer: dict[str, list[Order]] = defaultdict(list)
    for o in orders:
        per_customer[o.customer_id].append(o)
    assert sum(len(v) >= 2 for v in per_customer.values()) >= 10
    bottle_orders = {c: sum(any(by_id[i.product_id].category == "water bottle" for i in o.items) for o in os)
                     for c, os in per_customer.items()}
    assert bottle_orders["KC-0001"] == 2 and bottle_orders["KC-0002"] == 1
    assert sum(n >= 2 for n in bottle_orders.values()) >= 3 and sum(n == 1 for n in bottle_orders.values()) >= 3


def test_readme_table_matches_the_orders(orders):
    by_order = {o.id: o for o in orders}
    text = (Path(kestrel_store.STORE_DIR) / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (KC-\d{4}) [^|]+\| ([A-Z]\d{7}) \| (\w+) \|", text, re.M)
    assert len(rows) == len(generate.PLANNED)
    for customer, order_id, status in rows:
        assert by_order[order_id].customer_id == customer and by_order[order_id].status.value == status


# -- interactions -------------------------------------------------------------------------------------
def test_interactions_match_the_orders(interactions, orders, customers, by_id):
    assert 5000 <= len(interactions) <= 15000
    known = {c.id for c in customers}
    assert all(e.customer_id in known and e.product_id in by_id and e.ts <= NOW for e in interactions)
    events = Counter(e.event for e in interactions)
    assert events[EventType.VIEW] > events[EventType.CLICK] > events[EventType.ADD_TO_CART] > events[EventType.PURCHASE]
    keys = [(e.customer_id, e.product_id, e.event, e.ts) for e in interactions]
    assert len(set(keys)) == len(keys)  # nothing the import would skip as a duplicate
    purchases: dict[tuple[str, str], list] = defaultdict(list)
    for e in interactions:
        if e.event is EventType.PURCHASE:
            purchases[(e.customer_id, e.product_id)].append(e.ts)
    for o in orders:
        for item in o.items:
            assert any(ts <= o.placed_at for ts in purchases[(o.customer_id, item.product_id)]), (o.id, item.product_id)
    assert sum(len(v) for v in purchases.values()) == sum(len(o.items) for o in orders)
    per_customer = Counter(e.customer_id for e in interactions)
    assert len(per_customer) == len(customers)


# -- reproducibility ----------------------------------------------------------------------------------
def test_generator_reproduces_the_files(tmp_path):
    counts = generate.generate(tmp_path)
    assert counts["products"] == len(raw_lines(kestrel_store.CATALOG))
    for name, path in FILES.items():
        assert (tmp_path / f"{name}.jsonl").read_bytes() == path.read_bytes(), name
