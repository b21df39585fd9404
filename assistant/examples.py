"""The example messages the chat offers (and the greeting suggests), made from the store's own catalog (its biggest category, a
colour it has, a budget in its currency), so a store's page never suggests another store's goods."""

from __future__ import annotations

import statistics
from collections import Counter

from assistant.money import format_money
from knowledge.catalog import Catalog

SERVICE_EXAMPLES = ["where is my order?", "can I return my last order?", "how long does shipping take?",
                    "talk to a human"]


def search_example(catalog: Catalog) -> tuple[str, str | None]:
    """("<product type> under <round budget>", a colour it comes in) for the store's commonest product
    type (subcategory, else category)."""
    if not len(catalog):
        return "what do you recommend?", None
    kinds = Counter(p.subcategory or p.category for p in catalog)
    kind = min(kinds, key=lambda k: (-kinds[k], k))
    products = [p for p in catalog if (p.subcategory or p.category) == kind]
    median = statistics.median(p.price for p in products)
    step = 10 if median < 200 else 50
    budget = max(step, round(median / step) * step)
    colors = sorted({c for p in products for c in p.colors})
    noun = kind if kind.endswith("s") else f"{kind}s"
    return f"{noun} under {format_money(budget, catalog.currency).removesuffix('.00')}", (colors[0] if colors else None)


def greeting_example(catalog: Catalog) -> str:
    """A search to suggest in a reply: the commonest product type, in a colour it comes in. No price,
    since a reply may state only prices of the records it shows."""
    search, color = search_example(catalog)
    noun = search.split(" under ")[0]
    return f"{color} {noun}" if color else noun


def chat_examples(catalog: Catalog) -> list[str]:
    search, color = search_example(catalog)
    refine = [f"what about in {color}?"] if color else []
    return [search, *refine, "compare the first two", *SERVICE_EXAMPLES]
