"""The chat's candidate generation on the demo store (real Chroma, real MiniLM): hard constraints
hold for history-based candidates exactly as they do inside the index query."""

from __future__ import annotations

import pytest

from knowledge.retrieval.filters import ProductFilter
from knowledge.retrieval.vector_index import chroma_where
from recommender.store_candidates import RELEVANCE_MARGIN, gather_candidates

pytestmark = pytest.mark.integration

FILTERS = [
    ProductFilter(category="shoes", max_price=80.0),
    ProductFilter(category="kitchen", in_stock_only=True),
    ProductFilter(color="blue", min_price=20.0),
    ProductFilter(size="M", in_stock_only=True, color="black"),
    ProductFilter(brand="Pacewell"),
    ProductFilter(subcategories=("running shoes", "trail running shoes")),
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: str(chroma_where(f)))
def test_python_filter_agrees_with_the_index_query(services, catalog, filters) -> None:
    in_index = {h.product.id for h in services.current.retriever.search_products("anything", filters, k=len(catalog))}
    in_python = {p.id for p in catalog if filters.matches(p)}
    assert in_python, "a filter that matches nothing checks nothing"
    assert in_index == in_python


def test_history_candidates_respect_the_filters(services, catalog) -> None:
    recent = [h.product_id for h in reversed(services.current.history("C001"))]
    filters = ProductFilter(category="shoes", max_price=90.0)
    proposed = services.current.history_candidates.propose(recent, filters, services.current.retriever, k=12)
    assert proposed and len(proposed) == len(set(proposed)) <= 12
    assert all(filters.matches(catalog.require(pid)) for pid in proposed)


def test_gathered_candidates_add_relevant_history_items_to_the_hits(services, catalog) -> None:
    history = services.current.history("C001")
    filters = ProductFilter(category="shoes", max_price=90.0)
    hits = services.current.retriever.search_products("running shoes", filters, k=8)
    gathered = gather_candidates(services.current.retriever, "running shoes", filters, history, services.current.popularity,
                                 services.current.history_candidates, k=8)
    ids = [c.product_id for c in gathered]
    assert ids[: len(hits)] == [h.product.id for h in hits]  # retrieval hits first, in their order
    assert len(ids) == len(set(ids)) and len(ids) > len(hits)  # the history brought something new
    floor = min(h.score for h in hits) - RELEVANCE_MARGIN
    assert all(c.relevance >= floor for c in gathered[len(hits):])
    assert all(filters.matches(catalog.require(pid)) for pid in ids)
    guest = gather_candidates(services.current.retriever, "running shoes", filters, [], services.current.popularity,
                              services.current.history_candidates, k=8)
    assert [c.product_id for c in guest] == [h.product.id for h in hits]
