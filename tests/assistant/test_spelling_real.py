"""Typos and spoken budgets through the real turn loop and models, on both bundled stores: the search reads
the store's words, shows only what was asked for, and the chips and the reply say what was read."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from assistant.money import currency_words, format_money
from assistant.number_words import UNITS
from assistant.session import SessionState

# the stores come through request.getfixturevalue, which the slow marker in tests/conftest.py cannot see
pytestmark = pytest.mark.slow


def test_the_issues_message_is_a_womens_running_shoe_search_under_80(services) -> None:
    state = SessionState()
    reply = services.current.assistant.respond(state, "runing shoos for wemen under 80 bucks")
    catalog = services.current.catalog
    products = [catalog.require(p.id) for p in reply.products]
    assert reply.intent == "product_search" and products, reply.text
    assert {"runing", "shoos", "wemen"} <= {typed for typed, _ in reply.corrections}, reply.corrections
    # the search and the chips read the store's words: running shoes, for women, under $80
    assert state.search_query.startswith("running shoes for women")
    assert "running shoes" in reply.constraints and f"under {format_money(80, 'USD')}" in reply.constraints
    assert all(p.subcategory == "running shoes" and p.price <= 80 for p in products), [p.id for p in products]
    assert any(p.attributes.get("gender") == "women" for p in products), [p.title for p in products]
    assert 'Showing results for "running"' in reply.text


@pytest.mark.parametrize("store", ["services", "kestrel"])
def test_a_misspelt_product_type_and_a_spoken_budget(store: str, request: pytest.FixtureRequest) -> None:
    services = request.getfixturevalue(store)
    catalog = services.current.catalog
    kind, _ = Counter(p.subcategory for p in catalog if p.subcategory).most_common(1)[0]
    *head, last = kind.split()
    typo = last[:3] + last[3] + last[3:]  # a letter doubled
    money = next(w for w in currency_words(catalog.currency) if w.endswith("s"))  # "dollars", "euros"
    prices = sorted(p.price for p in catalog if p.subcategory == kind)
    hundreds = math.ceil(prices[len(prices) // 2] / 100)  # half of them or more fit "under N hundred"
    spoken = "a" if hundreds == 1 else next(w for w, n in UNITS.items() if n == hundreds)
    message = f"{' '.join([*head, typo])} under {spoken} hundred {money}"
    reply = services.current.assistant.respond(SessionState(), message)
    products = [catalog.require(p.id) for p in reply.products]
    assert (typo, last) in reply.corrections, (message, reply.corrections)
    limit = hundreds * 100
    assert products and all(p.subcategory == kind and p.price <= limit for p in products), (message, reply.text)
    assert f"under {format_money(limit, catalog.currency)}" in reply.constraints, reply.constraints
