"""The demo store "Maple & Main": hand-written catalog and FAQ, simulated customers and orders."""

from __future__ import annotations

from pathlib import Path

from knowledge.importers import read_records
from knowledge.schemas import Product

DEMO_DIR = Path(__file__).parent
CATALOG = DEMO_DIR / "catalog.jsonl"
FAQ = DEMO_DIR / "faq.jsonl"
CUSTOMERS = DEMO_DIR / "customers.jsonl"
ORDERS = DEMO_DIR / "orders.jsonl"
INTERACTIONS = DEMO_DIR / "interactions.jsonl"
STORE_NAME = "Maple & Main"


def catalog_products() -> list[Product]:
    result = read_records(CATALOG, Product)
    if result.errors:
        raise ValueError(f"demo catalog has bad rows: {result.errors[:3]}")
    return result.records
