"""Issue 17's symptoms, with the real bundled models, on both sample stores: comparisons and multi-part
questions answered from the records, the last list of several items, what the store doesn't carry, and
the relevance floor. Items, brands and colours come from (or are checked against) each store's catalog."""

from __future__ import annotations

import pytest

from assistant.answers.draft import price_text
from assistant.not_carried import BASIC_COLORS, CatalogWords
from assistant.session import SessionState
from tests.store_chat import assistant_with

# the stores come through request.getfixturevalue, which the slow marker in tests/conftest.py cannot see
pytestmark = pytest.mark.slow


@pytest.fixture(params=["services", "kestrel"])
def store(request: pytest.FixtureRequest):
    return request.getfixturevalue(request.param)




def listed(services, state: SessionState) -> list:
    """A search for the store's most common product type, showing at least three items."""
    catalog = services.current.catalog
    kinds = [p.subcategory for p in catalog if p.subcategory]
    kind = max(set(kinds), key=kinds.count)
    reply = services.current.assistant.respond(state, kind)
    assert len(reply.products) >= 3, reply.text
    return [catalog.require(p.id) for p in reply.products]


def test_the_price_of_the_third_and_whether_it_is_cheaper_than_the_first(store) -> None:
    state = SessionState()
    shown = listed(store, state)
    reply = store.current.assistant.respond(state, "what is the price of the third one, and is it cheaper than the first?")
    assert [p.id for p in reply.products] == [shown[2].id, shown[0].id]
    assert price_text(shown[2]) in reply.text and price_text(shown[0]) in reply.text
    cheaper = shown[2].price_range[0] < shown[0].price_range[0]
    assert ("Yes:" if cheaper else "No:") in reply.text
    state = SessionState()
    listed(store, state)
    old = assistant_with(store, comparatives=False).respond(state, "what is the price of the third one, and is it cheaper than the first?")
    assert "Yes:" not in old.text and "No:" not in old.text  # flag off: today's answer


def test_the_best_rated_of_these(store) -> None:
    state = SessionState()
    shown = listed(store, state)
    reply = store.current.assistant.respond(state, "which is the best rated of these?")
    rated = [p for p in shown if p.rating is not None]
    assert reply.products[0].id == max(rated, key=lambda p: p.rating).id


def test_an_unstated_part_is_named_and_the_warranty_policy_is_cited(store) -> None:
    state = SessionState()
    shown = listed(store, state)
    reply = store.current.assistant.respond(state, "is the first one dishwasher safe and does it have a 5 year warranty?")
    assert [p.id for p in reply.products] == [shown[0].id]
    assert "doesn't state whether it is dishwasher safe" in reply.text
    assert "doesn't state a 5 year warranty" in reply.text
    warranty = [e for e in store.db.faq_entries() if "warrant" in f"{e.title} {e.body}".lower()
                or "guarantee" in e.title.lower()]
    assert warranty  # both sample stores have a warranty entry; found by retrieval, not by id
    assert reply.faq and reply.faq[0].id in {e.id for e in warranty}


def test_a_model_the_store_does_not_carry_is_a_product_answer(store) -> None:
    catalog = store.current.catalog
    assert all("iphone" not in p.search_text().lower() for p in catalog)
    reply = store.current.assistant.respond(SessionState(), "how much is the iPhone 17 Pro?")
    assert reply.intent == "product_search" and not reply.faq
    assert "couldn't find the iPhone 17 Pro in our catalog" in reply.text
    old = assistant_with(store, not_carried=False).respond(SessionState(), "how much is the iPhone 17 Pro?")
    assert "couldn't find the iPhone" not in old.text


def test_a_colour_nothing_of_that_kind_comes_in_is_named(store) -> None:
    state = SessionState()
    shown = listed(store, state)
    catalog = store.current.catalog
    words = CatalogWords(catalog)
    colour = sorted(c for c in BASIC_COLORS if c not in words.colors and not any(c in x.split() for x in words.colors))[0]
    reply = store.current.assistant.respond(state, f"anything in {colour}?")
    assert reply.products and all(colour not in catalog.require(p.id).colors for p in reply.products)
    assert f"none of these is {colour}" in reply.text
    assert {catalog.require(p.id).subcategory for p in reply.products} == {shown[0].subcategory}


def test_the_relevance_floor_leaves_out_weak_picks_even_from_history(store) -> None:
    """A gift for a hobby the store's own tags name, for shoppers with a history: every pick is at
    least the floor's share as relevant as the best match."""
    catalog, current = store.current.catalog, store.current
    floor = current.assistant.products.relevance_floor
    tags = [t for p in catalog for t in p.tags]
    hobby = max(set(tags), key=tags.count)
    query = f"I need a gift for my sister, she loves {hobby}"
    for customer in sorted(store.db.events_by_customer())[:8]:
        reply = current.assistant.respond(SessionState(customer_id=customer), query)
        relevance = current.retriever.relevance(query, [p.id for p in reply.products])
        best = max(h.score for h in current.retriever.search_products(query, k=30))
        assert all(relevance[p.id] >= floor * best - 1e-6 for p in reply.products), (customer, relevance, best)
