"""Which order a message is about, on three stores with different order numbers (the demo's ``MM-`` +
6 digits, Kestrel's ``N`` + 7 digits, and an imported store's ``W`` + 7 digits): a named order is that
order or none, never another one; "my order" is the most recent and the reply says so; "the <item> I
ordered" is the order holding it, or a question when several do. Real models, real stores."""

from __future__ import annotations

import pytest

from knowledge.schemas import Order
from tests.store_chat import chat, customer_with, missing_like


@pytest.mark.parametrize("template", ["Where is my order #{}?", "where is my order {}", "any news on ({})?"])
def test_a_named_order_is_that_order(any_store, template: str) -> None:
    customer, orders = customer_with(any_store)
    older = orders[-1]  # not the most recent one
    for written in (older.id, older.id.lower()):
        reply, _ = chat(any_store, customer, template.format(written))
        assert reply.order_ids == [older.id], reply.text
        assert older.id in reply.text


def test_a_number_that_does_not_exist_is_said_so(any_store) -> None:
    customer, orders = customer_with(any_store)
    missing = missing_like(any_store, orders[0].id)
    for message in (f"Where is my order #{missing}?", f"Please cancel order #{missing}"):
        reply, state = chat(any_store, customer, message)
        assert reply.order_ids == [] and reply.pending_action is None and state.pending_action is None
        assert f"can't find an order {missing}" in reply.text
        assert not any(o.id in reply.text for o in orders), reply.text


def test_another_customers_order_is_not_shown(any_store) -> None:
    customer, orders = customer_with(any_store)
    other = next(o for c in any_store.db.customers() if c.id != customer for o in any_store.db.orders_for(c.id))
    reply, state = chat(any_store, customer, f"cancel order {other.id}")
    assert reply.order_ids == [] and state.pending_action is None
    assert f"can't find an order {other.id} on your account" in reply.text
    assert other.shipping_address not in reply.text


def test_a_change_to_a_named_order_is_about_that_order(any_store) -> None:
    customer, orders = customer_with(any_store)
    older = orders[-1]
    reply, state = chat(any_store, customer, f"please cancel order #{older.id}")
    assert reply.order_ids == [older.id], reply.text
    if state.pending_action is not None:
        assert state.pending_action.order_id == older.id
    assert not any(o.id in reply.text for o in orders if o.id != older.id)


def test_my_order_is_the_most_recent_and_the_reply_says_so(any_store) -> None:
    customer, orders = customer_with(any_store)
    reply, _ = chat(any_store, customer, "where is my order?")
    assert reply.order_ids == [orders[0].id]
    assert f"most recent order, {orders[0].id}" in reply.text


def test_two_order_numbers_ask_which_one(any_store) -> None:
    customer, orders = customer_with(any_store)
    reply, state = chat(any_store, customer, f"where are {orders[0].id} and {orders[1].id}?")
    assert reply.order_ids == [] and "one order at a time" in reply.text


def _kind(store, order: Order) -> str:
    product = store.current.catalog.get(order.items[0].product_id)
    assert product is not None
    return product.subcategory or product.category


def test_the_item_i_ordered_finds_its_order_or_asks_which(any_store) -> None:
    """"Where is the <kind> I ordered?" for customers whose orders hold that kind once and several times."""
    seen = {"one": 0, "several": 0}
    for customer in any_store.db.customers()[:60]:
        orders = any_store.db.orders_for(customer.id)
        if len(orders) < 2:
            continue
        kind = _kind(any_store, orders[-1])
        holding = [o for o in orders if any((p := any_store.current.catalog.get(i.product_id)) is not None
                                            and kind in (p.subcategory, p.category) for i in o.items)]
        reply, _ = chat(any_store, customer.id, f"where is the {kind} I ordered?")
        if len(holding) == 1:
            seen["one"] += 1
            assert reply.order_ids == [holding[0].id], (kind, reply.text)
        else:
            seen["several"] += 1
            assert reply.order_ids == [] and "Which one do you mean" in reply.text, (kind, reply.text)
            assert all(o.id in reply.text for o in holding[:6])
        if min(seen.values()) >= 1 and sum(seen.values()) >= 4:
            break
    assert seen["one"] >= 1


def test_an_item_not_in_any_order_is_said_so(any_store) -> None:
    customer, orders = customer_with(any_store)
    ordered = {any_store.current.catalog.get(i.product_id).category for o in orders for i in o.items  # type: ignore[union-attr]
               if any_store.current.catalog.get(i.product_id) is not None}
    absent = next(c for c in any_store.current.catalog.categories if c not in ordered)
    reply, _ = chat(any_store, customer, f"where is the {absent} I ordered?")
    assert reply.order_ids == [] and "couldn't find" in reply.text, reply.text
