"""Routing cues, the order flow, the order policy and slot extraction through a whole ``Assistant`` built
on fakes (``tests/unit/conftest.py``), on both bundled sample stores. Order ids come from each store's
own data. Only what cues and rules decide is asserted: the hashing embedder's intent vote means nothing."""

from __future__ import annotations

from tests.store_chat import chat, customer_with, missing_like


# -- routing cues -----------------------------------------------------------------------------------------
def test_an_order_number_routes_to_that_order(fake_store) -> None:
    customer, orders = customer_with(fake_store)
    older = orders[-1]
    reply, _ = chat(fake_store, customer, f"any news on order #{older.id}?")
    assert reply.intent.startswith("order") and reply.order_ids == [older.id], (reply.intent, reply.text)
    assert older.id in reply.text


def test_talk_to_a_human_hands_off_with_a_ticket(fake_store) -> None:
    reply, state = chat(fake_store, None, "I want to talk to a human")
    assert reply.intent == "handoff" and reply.handoff
    assert reply.ticket_id and state.ticket_id == reply.ticket_id
    assert fake_store.tickets.open_for(state.session_id) is not None


def test_compare_the_first_two_with_products_shown(fake_store) -> None:
    shown = [p.id for p in list(fake_store.current.catalog)[:4]]
    reply, _ = chat(fake_store, None, "compare the first two", shown=shown)
    assert reply.intent == "compare" and reply.product_ids == shown[:2], (reply.intent, reply.text)


# -- the order flow ---------------------------------------------------------------------------------------
def test_cancel_a_pending_order_after_yes(fake_store) -> None:
    customer, orders = customer_with(fake_store, "pending")
    order = next(o for o in orders if o.status.value == "pending")
    proposal, state = chat(fake_store, customer, f"cancel order #{order.id}")
    assert proposal.pending_action == "cancel" and proposal.order_ids == [order.id], proposal.text
    assert state.pending_action is not None and state.pending_action.order_id == order.id
    assert fake_store.db.order(order.id).status.value == "pending"  # nothing written before the yes

    done = fake_store.current.assistant.respond(state, "yes")
    assert done.pending_action is None and state.pending_action is None
    assert fake_store.db.order(order.id).status.value == "cancelled"
    outcomes = [e.outcome.value for e in fake_store.order_log.entries(order_id=order.id)]
    assert "applied" in outcomes, outcomes


def test_a_number_that_does_not_exist_is_said_so(fake_store) -> None:
    customer, orders = customer_with(fake_store)
    missing = missing_like(fake_store, orders[0].id)
    for message in (f"Where is my order #{missing}?", f"Please cancel order #{missing}"):
        reply, state = chat(fake_store, customer, message)
        assert reply.order_ids == [] and reply.pending_action is None and state.pending_action is None
        assert f"can't find an order {missing}" in reply.text and "on your account" in reply.text, reply.text
        assert not any(o.id in reply.text for o in orders), reply.text


def test_another_customers_order_is_not_shown(fake_store) -> None:
    customer, _ = customer_with(fake_store)
    other = next(o for c in fake_store.db.customers() if c.id != customer for o in fake_store.db.orders_for(c.id))
    reply, state = chat(fake_store, customer, f"cancel order {other.id}")
    assert reply.order_ids == [] and state.pending_action is None
    assert f"can't find an order {other.id} on your account" in reply.text
    assert other.shipping_address not in reply.text


def test_my_order_is_the_most_recent_and_the_reply_says_so(fake_store) -> None:
    customer, orders = customer_with(fake_store)
    reply, _ = chat(fake_store, customer, "where is my order?")
    assert reply.order_ids == [orders[0].id]
    assert "most recent" in reply.text and orders[0].id in reply.text


# -- the order policy -------------------------------------------------------------------------------------
def test_a_refused_cancel_cites_the_stores_faq(fake_store) -> None:
    rule = fake_store.current.policy.cancel
    allowed = {s.value for s in rule.statuses}
    customer, orders = customer_with(fake_store, "delivered")
    order = next(o for o in orders if o.status.value == "delivered")
    assert order.status.value not in allowed
    reply, state = chat(fake_store, customer, f"cancel order #{order.id}")
    assert reply.pending_action is None and state.pending_action is None
    assert reply.order_ids == [order.id]
    assert reply.faq_ids == [rule.refused_faq or rule.faq], (reply.faq_ids, reply.text)
    assert fake_store.db.order(order.id).status.value == "delivered"


# -- slots ------------------------------------------------------------------------------------------------
def test_slots_are_read_in_the_stores_own_terms(fake_store) -> None:
    currency = fake_store.current.catalog.currency
    word = {"USD": "dollars", "EUR": "euros"}[currency]
    update = fake_store.current.assistant.router.slots.extract(f"a t-shirt in black under 40 {word}")
    assert update.filter.color == "black" and update.filter.max_price == 40.0 and update.currency == currency
    if fake_store.store_name == "Kestrel Supply":
        assert update.filter.category == "t-shirt"
    else:
        assert (update.filter.category, update.filter.subcategories) == ("apparel", ("t-shirts",))
