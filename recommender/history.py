"""Turn a shopper's raw interaction events into the history the scorer reads."""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.catalog import Catalog
from knowledge.schemas import Interaction
from recommender.types import HistoryItem

EVENT_RANK = {"view": 0, "click": 1, "add_to_cart": 2, "purchase": 3}


def collapse_events(events: Sequence[Interaction], catalog: Catalog, limit: int = 40) -> list[HistoryItem]:
    """One item per product (its strongest event, dated by its latest event), newest first.

    >>> collapse_events([], Catalog([]))
    []
    """
    best: dict[str, Interaction] = {}
    latest: dict[str, Interaction] = {}
    for event in events:
        pid = event.product_id
        if pid not in latest or event.ts > latest[pid].ts:
            latest[pid] = event
        if pid not in best or EVENT_RANK[event.event.value] > EVENT_RANK[best[pid].event.value]:
            best[pid] = event
    items = []
    for pid in sorted(latest, key=lambda p: latest[p].ts, reverse=True):
        product = catalog.get(pid)
        if product is None:
            continue
        strongest = best[pid]
        items.append(HistoryItem(pid, product.title, product.search_text(), strongest.event.value, strongest.ts))
    return items[:limit]
