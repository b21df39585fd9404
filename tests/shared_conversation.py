"""One conversation whose messages alternate between two Aisle processes (or two ``Conversations``
objects standing for them), store-agnostic: the category, budget, customer and order come from the
store's own data. Used in-process on the fakes and the real models, and over HTTP between two servers.

``respond(i, session_id, message)`` sends message number ``i`` (the caller picks the process by ``i``)
and returns the reply as ``Reply.to_dict()`` gives it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from knowledge.catalog import Catalog
from knowledge.schemas import Order

Respond = Callable[[int, str, str], dict[str, Any]]


def product_ids(reply: dict[str, Any]) -> list[str]:
    return [p["id"] for p in reply["products"]]


def shopping_messages(catalog: Catalog) -> tuple[str, str, float]:
    """A search for the store's largest category, and a budget that keeps some of it: (search,
    refinement, budget)."""
    category = Counter(p.category for p in catalog).most_common(1)[0][0]
    prices = sorted(p.price for p in catalog if p.category == category)
    budget = float(round(prices[len(prices) // 2] + 1))
    return f"show me {category}", f"under {budget:.0f}", budget


def continue_across(respond: Respond, session_id: str, catalog: Catalog, order: Order,
                    order_status: Callable[[], str], applied: Callable[[], int]) -> list[dict[str, Any]]:
    """Drive the conversation, message ``i`` on process ``i % 2``, and check that each message sees
    what the other process's turns left: the constraints carry, "the second one" is the other
    process's second item, a cancel proposed on one is applied by "yes" on the other, exactly once
    (``applied``: the order's applied actions in the audit log). Returns the replies."""
    search, refine, budget = shopping_messages(catalog)
    replies: list[dict[str, Any]] = []

    def say(message: str) -> dict[str, Any]:
        replies.append(respond(len(replies), session_id, message))
        return replies[-1]

    first = say(search)
    assert first["intent"] == "product_search" and len(first["products"]) >= 2, first
    second = say(refine)
    assert set(first["constraints"]) < set(second["constraints"]), (first["constraints"], second["constraints"])
    listed = product_ids(second)
    assert len(listed) >= 2 and all(catalog.require(p).price <= budget for p in listed), (listed, budget)
    third = say("tell me about the second one")
    assert product_ids(third) == [listed[1]], (listed, third["text"])
    proposal = say(f"cancel order #{order.id}")
    assert proposal["pending_action"] == "cancel" and proposal["order_ids"] == [order.id], proposal["text"]
    assert order_status() == order.status.value  # nothing written before the yes
    done = say("yes")
    assert done["pending_action"] is None and order.id in done["text"], done["text"]
    assert order_status() == "cancelled" and applied() == 1
    again = say("yes")  # on the first process again: the proposal is gone there too
    assert again["pending_action"] is None and applied() == 1, again["text"]
    return replies
