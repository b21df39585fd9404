"""Seeded simulator of the demo store's shoppers: customers, their browsing, and their orders.

Each simulated shopper has latent tastes that the interest scorer can learn from:

* a category mix (a few hand-written personas, the rest drawn from a sparse Dirichlet),
* brand affinities (log-normal, per brand), preferred colors, and a price level
  (budget / mid / premium, compared with the category's median price).

A shopper's affinity for a product is the product of those factors. Sessions pick a category from
the mix, view 3–8 products drawn by affinity, and move down the funnel view → click →
add_to_cart → purchase with probabilities that rise with affinity. Purchases in a session become
one order whose status follows its age relative to ``NOW`` (pending < 1 day, processing < 2 days,
shipped < 6 days, then delivered; some delivered orders are returned, some recent ones cancelled).

Run ``python -m knowledge.demo_store.simulate`` to rewrite the JSONL files next to this module;
the same seed always gives the same files.
"""

from __future__ import annotations

import json
import math
import random
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from knowledge.schemas import Customer, EventType, Interaction, Order, OrderItem, OrderStatus, Product

HERE = Path(__file__).parent
NOW = datetime(2026, 11, 23, 12, 0, 0)
START = NOW - timedelta(days=270)
SEED = 20261123
N_CUSTOMERS = 120
SHIPPING_FEE, FREE_SHIPPING_FROM = 5.99, 50.0

FIRST = ("Maya Daniel Priya Omar Sofia Liam Grace Mateo Hannah Kenji Amara Lucas Zoe Ethan Leila Noah Chloe "
         "Samuel Ines Aaron Nadia Felix Ruby Jonah Elena Marcus Keira Tomas Alice Ravi Julia Isaac Mina Owen "
         "Clara Hugo Yara Caleb Freya Diego").split()
LAST = ("Chen Brooks Natarajan Haddad Rossi Walsh Kim Alvarez Fischer Tanaka Okafor Silva Novak Patel Ahmadi "
        "Turner Dubois Greene Moreau Cohen Larsen Costa Reid Nguyen Ortiz Byrne Hale Kowalski Singh Laurent").split()
CITIES = ("Portland, OR; Austin, TX; Denver, CO; Chicago, IL; Boston, MA; Seattle, WA; Atlanta, GA; "
          "Minneapolis, MN; Raleigh, NC; Phoenix, AZ; Toronto, ON; Vancouver, BC; Madison, WI; Tampa, FL").split("; ")
STREETS = "Maple Oak Cedar Birch Elm Willow Lake Hill River Park".split()
CARRIERS = ("UPS", "USPS", "FedEx")
COLORS = "black white gray navy blue red green olive beige brown pink purple teal silver".split()

# Hand-written personas: the demo's customers to pick in the UI, with clearly different tastes.
PERSONAS = [
    ("C001", "Maya Chen", {"shoes": .35, "sports": .3, "outdoor": .25, "apparel": .1}, "mid", ["blue", "teal", "black"]),
    ("C002", "Daniel Brooks", {"kitchen": .45, "home": .35, "electronics": .2}, "premium", ["black", "silver", "gray"]),
    ("C003", "Priya Natarajan", {"beauty": .45, "apparel": .3, "accessories": .25}, "mid", ["pink", "beige", "gold"]),
    ("C004", "Omar Haddad", {"electronics": .5, "office": .35, "accessories": .15}, "premium", ["black", "gray", "silver"]),
    ("C005", "Sofia Rossi", {"pets": .5, "home": .3, "toys": .2}, "budget", ["green", "beige", "brown"]),
    ("C006", "Liam Walsh", {"toys": .45, "apparel": .25, "sports": .3}, "budget", ["red", "blue", "multicolor"]),
]
PRICE_LEVEL = {"budget": 0.6, "mid": 1.0, "premium": 1.7}


@dataclass
class Shopper:
    customer: Customer
    tastes: dict[str, float]
    price_level: float
    colors: list[str]
    brand_affinity: dict[str, float] = field(default_factory=dict)

    def affinity(self, product: Product, median_price: float, rng: random.Random) -> float:
        taste = self.tastes.get(product.category, 0.0)
        if taste <= 0:
            return 0.0
        brand = self.brand_affinity.setdefault(product.brand, math.exp(rng.gauss(0, 0.6)))
        color = 1.6 if set(product.colors) & set(self.colors) else 1.0
        # Gaussian fit of log price around the shopper's level times the category median.
        gap = math.log(product.price / (median_price * self.price_level))
        price = math.exp(-(gap**2) / (2 * 0.5**2))
        rating = 0.6 + 0.1 * (product.rating or 4.0)
        return taste * brand * color * (0.15 + price) * rating


def _customers(rng: random.Random) -> list[Shopper]:
    shoppers = []
    categories = ["apparel", "shoes", "electronics", "home", "kitchen", "beauty", "sports", "outdoor",
                  "accessories", "toys", "pets", "office"]
    for n in range(1, N_CUSTOMERS + 1):
        cid = f"C{n:03d}"
        if n <= len(PERSONAS):
            _, name, tastes, level, colors = PERSONAS[n - 1]
        else:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            weights = [rng.gammavariate(0.3, 1.0) for _ in categories]
            total = sum(weights)
            tastes = {c: w / total for c, w in zip(categories, weights, strict=True) if w / total > 0.03}
            level = rng.choice(["budget", "mid", "mid", "premium"])
            colors = rng.sample(COLORS, 3)
        first, last = name.lower().split(" ", 1)
        customer = Customer(
            id=cid, name=name, email=f"{first}.{last.replace(' ', '')}{n}@example.com",
            city=rng.choice(CITIES), joined=(START - timedelta(days=rng.randint(10, 900))).date(),
        )
        shoppers.append(Shopper(customer, tastes, PRICE_LEVEL[level], colors))
    return shoppers


def _status_for(placed: datetime, rng: random.Random) -> OrderStatus:
    age = (NOW - placed).total_seconds() / 86400
    if age < 1:
        return OrderStatus.CANCELLED if rng.random() < 0.12 else OrderStatus.PENDING
    if age < 2:
        return OrderStatus.PROCESSING
    if age < 6:
        return OrderStatus.SHIPPED
    roll = rng.random()
    if roll < 0.08:
        return OrderStatus.CANCELLED
    if roll < 0.18 and age > 10:
        return OrderStatus.RETURNED
    return OrderStatus.DELIVERED


def _order(order_no: int, shopper: Shopper, placed: datetime, bought: list[Product], rng: random.Random) -> Order:
    status = _status_for(placed, rng)
    items = []
    for product in bought:
        variant = rng.choice(product.variants) if product.variants else None
        items.append(OrderItem(product_id=product.id, sku=variant.sku if variant else None,
                               title=product.title, quantity=1 if rng.random() < 0.85 else 2,
                               unit_price=product.price))
    subtotal = round(sum(i.unit_price * i.quantity for i in items), 2)
    shipping = 0.0 if subtotal >= FREE_SHIPPING_FROM else SHIPPING_FEE
    shipped = status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.RETURNED)
    ship_day = placed + timedelta(days=1, hours=rng.randint(1, 8))
    delivered_at = placed + timedelta(days=rng.randint(3, 5), hours=rng.randint(1, 9))
    updated = {OrderStatus.PENDING: placed, OrderStatus.PROCESSING: placed + timedelta(hours=20),
               OrderStatus.SHIPPED: ship_day, OrderStatus.DELIVERED: delivered_at,
               OrderStatus.CANCELLED: placed + timedelta(hours=rng.randint(1, 10)),
               OrderStatus.RETURNED: delivered_at + timedelta(days=rng.randint(4, 20))}[status]
    carrier = rng.choice(CARRIERS) if shipped else None
    street = f"{rng.randint(10, 9800)} {rng.choice(STREETS)} St, {shopper.customer.city}"
    return Order(
        id=f"MM-{100000 + order_no}", customer_id=shopper.customer.id, status=status,
        placed_at=placed, updated_at=min(updated, NOW), items=items, shipping=shipping,
        total=round(subtotal + shipping, 2), shipping_address=street, carrier=carrier,
        tracking_number=f"{carrier[:2].upper()}{rng.randint(10**11, 10**12 - 1)}" if carrier else None,
        estimated_delivery=(placed + timedelta(days=5)).date() if status is not OrderStatus.CANCELLED else None,
        delivered_at=delivered_at if status in (OrderStatus.DELIVERED, OrderStatus.RETURNED) else None,
    )


def simulate(products: list[Product], seed: int = SEED) -> tuple[list[Customer], list[Order], list[Interaction]]:
    rng = random.Random(seed)
    by_category: dict[str, list[Product]] = defaultdict(list)
    for p in products:
        by_category[p.category].append(p)
    medians = {c: statistics.median(p.price for p in ps) for c, ps in by_category.items()}
    shoppers = _customers(rng)
    events: list[Interaction] = []
    orders: list[Order] = []
    span = (NOW - START).total_seconds()
    for shopper in shoppers:
        owned: set[str] = set()
        starts = sorted(START + timedelta(seconds=rng.random() * span) for _ in range(rng.randint(6, 16)))
        for _ in range(2):  # recent visits, so that every order status occurs
            if rng.random() < 0.4:
                low, high = rng.choice([(0.5, 23), (25, 47), (49, 140)])  # pending / processing / shipped
                starts.append(NOW - timedelta(hours=rng.uniform(low, high)))
        for s_no, start in enumerate(starts):
            cats = [c for c in shopper.tastes if c in by_category]
            category = rng.choices(cats, weights=[shopper.tastes[c] for c in cats])[0]
            pool = by_category[category]
            weights = [shopper.affinity(p, medians[category], rng) ** 2 + 1e-6 for p in pool]
            top = max(weights)
            ts = start
            bought = []
            session_id = f"{shopper.customer.id}-s{s_no:02d}"
            for product in {id(p): p for p in rng.choices(pool, weights=weights, k=rng.randint(3, 8))}.values():
                strength = math.sqrt(shopper.affinity(product, medians[category], rng) ** 2 / top)
                funnel = [EventTypeStep(EventType.VIEW, 1.0), EventTypeStep(EventType.CLICK, 0.35 + 0.5 * strength),
                          EventTypeStep(EventType.ADD_TO_CART, 0.15 + 0.5 * strength),
                          EventTypeStep(EventType.PURCHASE, 0.25 + 0.5 * strength)]
                for step in funnel:
                    if rng.random() > step.p:
                        break
                    ts += timedelta(seconds=rng.randint(20, 400))
                    if step.name is EventType.PURCHASE and (not product.in_stock or product.id in owned):
                        break  # nobody buys what is out of stock, or the same item twice
                    events.append(Interaction(customer_id=shopper.customer.id, product_id=product.id,
                                              event=step.name, ts=min(ts, NOW), session_id=session_id))
                    if step.name is EventType.PURCHASE:
                        bought.append(product)
                        owned.add(product.id)
            if bought:
                orders.append(_order(len(orders) + 1, shopper, min(ts, NOW), bought, rng))
    return [s.customer for s in shoppers], orders, events


@dataclass(frozen=True)
class EventTypeStep:
    name: EventType
    p: float


def _write(path: Path, records: list) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record.model_dump(mode="json", exclude_none=True), ensure_ascii=False) + "\n")


def main() -> None:
    from knowledge.demo_store import catalog_products

    customers, orders, events = simulate(catalog_products())
    _write(HERE / "customers.jsonl", customers)
    _write(HERE / "orders.jsonl", orders)
    _write(HERE / "interactions.jsonl", events)
    by_status: dict[str, int] = defaultdict(int)
    for o in orders:
        by_status[o.status.value] += 1
    print(f"{len(customers)} customers, {len(orders)} orders {dict(by_status)}, {len(events)} events")


if __name__ == "__main__":
    main()
