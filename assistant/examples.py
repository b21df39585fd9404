"""The example messages the chat offers (and the greeting suggests), made from the store's own catalog
(its commonest product type, a colour it comes in, a budget in its currency), so a store's page never
suggests another store's goods."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from assistant.money import format_money
from knowledge.catalog import Catalog

SERVICE_EXAMPLES = ["where is my order?", "can I return my last order?", "how long does shipping take?",
                    "talk to a human"]
NO_CATALOG = "what do you recommend?"


@dataclass(frozen=True)
class ExampleSearch:
    noun: str  # the commonest product type (subcategory, else category), plural: "running shoes"
    budget: str  # a round amount near its median price: "$90"
    color: str | None  # a colour it comes in


def example_search(catalog: Catalog) -> ExampleSearch | None:
    if not len(catalog):
        return None
    kinds = Counter(p.subcategory or p.category for p in catalog)
    kind = min(kinds, key=lambda k: (-kinds[k], k))
    products = [p for p in catalog if (p.subcategory or p.category) == kind]
    median = statistics.median(p.price for p in products)
    step = 10 if median < 200 else 50
    budget = max(step, round(median / step) * step)
    colors = sorted({c for p in products for c in p.colors})
    return ExampleSearch(kind if kind.endswith("s") else f"{kind}s",
                         format_money(budget, catalog.currency).removesuffix(".00"), colors[0] if colors else None)


def greeting_example(catalog: Catalog) -> str:
    """A search to suggest in a reply: the commonest product type, in a colour it comes in. No price,
    since a reply may state only prices of the records it shows."""
    search = example_search(catalog)
    if search is None:
        return NO_CATALOG
    return f"{search.color} {search.noun}" if search.color else search.noun


def chat_examples(catalog: Catalog) -> list[str]:
    search = example_search(catalog)
    if search is None:
        return [NO_CATALOG, "compare the first two", *SERVICE_EXAMPLES]
    refine = [f"what about in {search.color}?"] if search.color else []
    return [f"{search.noun} under {search.budget}", *refine, "compare the first two", *SERVICE_EXAMPLES]
