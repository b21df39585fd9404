"""A second, small store of another shape, imported the way a store owner would (``aisle ingest``):
"Harbor & Pine", with its own customer ids (``H-20xx``), e-mail domain, addresses and order numbers
(``W`` + 7 digits). Features tested on it are not tested on the demo's data alone.

Its catalog is a sample of the demo catalog under new ids (the products only need to be real ones);
customers and orders are generated here, deterministically.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from knowledge.demo_store import CATALOG, FAQ

STORE_NAME = "Harbor & Pine"
FIRST = "Hana Oskar Ines Tomasz Leila Bruno Greta Milo Sanne Ravi Yuki Dario Elif Jonas Noor Pavel".split()
LAST = "Kowalski Lindqvist Moreau Okafor Brandt Castillo Nakamura Varga Haddadi Sorensen".split()
STREETS = "Quay Road, Harbour Lane, Pine Close, Mill Street, Chapel Row, Ferry Walk".split(", ")
TOWNS = ["Bristol", "Porto", "Gdansk", "Bergen", "Cork"]


def write_second_store(folder: Path, customers: int = 60, seed: int = 7) -> dict[str, Path]:
    """Catalog, FAQ, customers and orders files in ``folder``: ``{"catalog": path, ...}``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    rows = [json.loads(line) for line in CATALOG.read_text(encoding="utf-8").splitlines() if line.strip()][::9]
    products = [{**row, "id": f"HP-{n:04d}"} for n, row in enumerate(rows, start=1)]
    faq = [json.loads(line) for line in FAQ.read_text(encoding="utf-8").splitlines() if line.strip()]
    people, orders = [], []
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    number = 2611340
    for i in range(customers):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        cid = f"H-{2000 + i}"
        town = TOWNS[i % len(TOWNS)]
        people.append({"id": cid, "name": f"{first} {last}", "email": f"{first}.{last}.{i}@harbor-mail.test".lower(),
                       "city": town})
        for k in range(1 + i % 3):
            number += rng.randint(17, 997)
            product = rng.choice(products)
            status = ["pending", "processing", "shipped", "delivered"][(i + k) % 4]
            placed = now - timedelta(days=3 + 9 * k + i % 5)
            order = {"id": f"W{number}", "customer_id": cid, "status": status, "placed_at": placed.isoformat(),
                     "updated_at": (placed + timedelta(days=1)).isoformat(),
                     "items": [{"product_id": product["id"], "title": product["title"], "quantity": 1,
                                "unit_price": product["price"]}],
                     "shipping": 4.5, "total": round(product["price"] + 4.5, 2),
                     "shipping_address": f"{rng.randint(2, 180)} {rng.choice(STREETS)}, {town}"}
            if status in ("shipped", "delivered"):
                order |= {"carrier": "PostNord", "tracking_number": f"HP{rng.randint(10**9, 10**10 - 1)}"}
            if status == "delivered":
                order["delivered_at"] = (placed + timedelta(days=4)).isoformat()
            orders.append(order)
    files = {"catalog": products, "faq": faq, "customers": people, "orders": orders}
    paths = {}
    for name, records in files.items():
        path = folder / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        paths[name] = path
    return paths
