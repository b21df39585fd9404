"""Order numbers in the store's own format: shapes learned from the store's ids, and mentions found by
exact lookup whatever their case, "#" or punctuation, on stores with different numbering."""

from __future__ import annotations

import pytest

from assistant.orders.numbers import OrderNumbers
from knowledge.order_shapes import learn_shapes

STORES = {
    "demo (MM-6 digits)": ["MM-100001", "MM-100257", "MM-101999"],
    "letter + 7 digits": ["W2611340", "W6779827", "W1000021"],
    "digits only (#1001)": ["1001", "1002", "1187"],
    "year and counter": ["ORD-2026-00012", "ORD-2026-00013", "ORD-2025-09999"],
}


def numbers(ids: list[str]) -> OrderNumbers:
    def lookup(candidates):
        wanted = {c.upper() for c in candidates}
        return {i.upper(): i for i in ids if i.upper() in wanted}

    return OrderNumbers(lookup, learn_shapes(ids))


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("template", ["where is my order #{}?", "Where is my order {}", "status of {}.",
                                      "please cancel order #{}!", "({}) hasn't arrived", "order number: {}"])
def test_an_existing_order_number_is_found_whatever_its_form(store: str, template: str) -> None:
    ids = STORES[store]
    for order_id in ids:
        for written in (order_id, order_id.lower()):
            found = numbers(ids).find(template.format(written))
            assert [(m.text.upper(), m.order_id) for m in found] == [(order_id.upper(), order_id)]


@pytest.mark.parametrize("store", STORES)
def test_a_number_in_the_stores_shape_that_does_not_exist_is_named_not_replaced(store: str) -> None:
    ids = STORES[store]
    missing = ids[0][:-1] + ("7" if ids[0][-1] != "7" else "8")
    assert missing not in ids
    found = numbers(ids).find(f"where is my order #{missing}?")
    assert [(m.text, m.order_id) for m in found] == [(missing, None)]


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("message", ["running shoes under 80 in size 10", "is #2 waterproof?", "I live at 62704",
                                     "a 2-person tent", "something for 2026", "compare the first and second"])
def test_other_numbers_are_not_order_numbers(store: str, message: str) -> None:
    assert numbers(STORES[store]).find(message) == []


def test_an_unknown_shape_after_order_number_is_still_a_named_order() -> None:
    found = numbers(STORES["letter + 7 digits"]).find("my order number is AB-12")
    assert [(m.text, m.order_id) for m in found] == [("AB-12", None)]


def test_two_orders_are_both_found() -> None:
    found = numbers(STORES["letter + 7 digits"]).find("W2611340 and w6779827 both late")
    assert [m.order_id for m in found] == ["W2611340", "W6779827"]


def test_shapes() -> None:
    assert learn_shapes(STORES["demo (MM-6 digits)"]) == [r"MM\-\d{6}"]
    assert learn_shapes(STORES["letter + 7 digits"]) == [r"W\d{7}"]
    assert learn_shapes([]) == []
    # random letter prefixes: the letters become a class
    ids = [f"{a}{b}{n:06d}" for n, (a, b) in enumerate(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 4, "QWERTYUIOPASDFGHJKLZXCVBNM" * 4, strict=True))]
    assert learn_shapes(ids) == [r"[A-Z]{2}\d{6}"]


@pytest.mark.parametrize("message", ["what's the status of MM-100123?", "where is AB-123456", "track W123456789"])
def test_another_stores_number_in_a_message_about_an_order_is_named(message: str) -> None:
    found = numbers(STORES["letter + 7 digits"]).find(message)
    assert len(found) == 1 and found[0].order_id is None


@pytest.mark.parametrize("message", ["is KS-1234 in stock?", "size 10c please", "I need an A5 notebook"])
def test_codes_outside_order_talk_are_not_orders(message: str) -> None:
    assert numbers(STORES["letter + 7 digits"]).find(message) == []
