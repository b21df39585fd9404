"""Helpers for tests that chat with a whole store (real models or fakes): a conversation, a customer
with several orders, and an order number in the store's shape that no order has."""

from __future__ import annotations

import itertools
import re

from assistant.session import SessionState
from knowledge.schemas import Order

_ids = itertools.count()


def chat(store, customer_id: str | None, *messages: str, shown: list[str] | None = None):
    """The last reply and the session after sending ``messages`` as ``customer_id`` (None: a guest)."""
    state = SessionState(session_id=f"chat-{next(_ids)}", customer_id=customer_id)
    if shown:
        state.shown_product_ids = list(shown)
    reply = None
    for message in messages:
        reply = store.current.assistant.respond(state, message)
    assert reply is not None
    return reply, state


def customer_with(store, *statuses: str) -> tuple[str, list[Order]]:
    """A customer with several orders, among them one in each of ``statuses``; orders newest first."""
    for customer in store.db.customers():
        orders = store.db.orders_for(customer.id)
        if len(orders) >= 2 and all(any(o.status.value == s for o in orders) for s in statuses):
            return customer.id, orders
    raise AssertionError(f"the store has no customer with several orders {statuses}")


def missing_like(store, order_id: str) -> str:
    """An order number in the store's shape that no order has."""
    for digit in "98765":
        candidate = re.sub(r"\d", digit, order_id)
        if store.db.order(candidate) is None:
            return candidate
    raise AssertionError(order_id)


def assistant_with(services, comparatives: bool = True, not_carried: bool = True):
    """The store's assistant with these ``[understanding]`` flags (the rest as built)."""
    from assistant.chat import Assistant
    from assistant.router import Router

    built = services.current.assistant
    r = built.router
    router = Router(services.current.catalog, r.slots, r.products, r.orders, r.faq, r.handoff, r.customer_name,
                    r.store_name, r.store_intents, r.faq_entry, comparatives=comparatives, not_carried=not_carried)
    return Assistant(built.intents, router, built.writer, built.max_message_chars)
