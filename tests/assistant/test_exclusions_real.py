"""Exclusions end to end with the real models, on each sample store and an imported one: the words
come from each store's own catalog."""

from __future__ import annotations

from tests.exclusion_words import brand_of_a_type, colour_to_leave_out
from tests.store_chat import chat


def test_a_product_type_not_of_a_brand_shows_none_of_that_brand(any_store) -> None:
    catalog = any_store.current.catalog
    kind, brand = brand_of_a_type(catalog)
    reply, state = chat(any_store, None, f"{kind} not {brand}")
    products = [catalog.require(pid) for pid in reply.product_ids]
    assert reply.intent == "product_search" and products, reply.text
    assert all(p.brand != brand for p in products), [(p.id, p.brand) for p in products]
    assert f"not {brand}" in reply.constraints and state.constraints.filter.brand is None


def test_anything_but_a_colour_shows_no_product_sold_only_in_it(any_store) -> None:
    catalog = any_store.current.catalog
    kind, color = colour_to_leave_out(catalog)
    reply, _state = chat(any_store, None, kind, f"anything but {color}")
    products = [catalog.require(pid) for pid in reply.product_ids]
    assert products and all(not p.colors or set(p.colors) - {color} for p in products), \
        [(p.id, p.colors) for p in products]
    assert f"not {color}" in reply.constraints and reply.constraints[0] != color
