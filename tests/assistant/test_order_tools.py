"""Order tools: writes need the shopper's confirmation of exactly the proposed action, re-check the
policy when applied, and land in the orders table together with their audit row."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from assistant.orders.policy import OrderPolicy
from assistant.orders.tools import (
    ActionKind,
    ActionRefused,
    Confirmation,
    OrderTools,
    ReturnReason,
    confirmation_of,
    is_refusal,
)
from knowledge.sample_stores import SAMPLE_STORES
from knowledge.schemas import Order, OrderItem, OrderStatus, Product, Variant
from knowledge.store.database import StoreDatabase
from knowledge.store.order_log import OrderLog, Outcome
from knowledge.store_policy import read_policy

NOW = datetime(2026, 11, 23, 12, 0)
JACKET = Product(id="APP-1", title="Trail Rain Jacket", brand="Loftline", category="apparel", price=80.0, stock=7,
                 description="A jacket.", variants=[Variant(sku="APP-1-BLU-M", color="blue", size="M", stock=3),
                                                    Variant(sku="APP-1-BLU-L", color="blue", size="L", stock=4),
                                                    Variant(sku="APP-1-RED-M", color="red", size="M", stock=0)])
HEADPHONES = Product(id="ELE-1", title="Studio Headphones", brand="Volta", category="electronics", price=120.0,
                     stock=5, description="Headphones.")
PRODUCTS = {p.id: p for p in (JACKET, HEADPHONES)}


def _order(order_id: str, status: OrderStatus, *items: OrderItem, delivered_days_ago: int | None = None) -> Order:
    shipped = status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
    delivered = NOW - timedelta(days=delivered_days_ago) if delivered_days_ago is not None else None
    return Order(id=order_id, customer_id="C1", status=status, placed_at=NOW - timedelta(days=40),
                 updated_at=NOW - timedelta(days=1), items=list(items), total=sum(i.unit_price for i in items),
                 shipping_address="1 Main St, Springfield, IL", carrier="UPS" if shipped else None,
                 tracking_number="1Z1" if shipped else None, delivered_at=delivered)


JACKET_M = OrderItem(product_id="APP-1", sku="APP-1-BLU-M", title=JACKET.title, quantity=1, unit_price=80.0)
PHONES = OrderItem(product_id="ELE-1", title=HEADPHONES.title, quantity=1, unit_price=120.0)


@pytest.fixture
def tools(store_url) -> OrderTools:
    db = StoreDatabase(store_url)
    db.upsert_orders([
        _order("MM-1", OrderStatus.PENDING, JACKET_M),
        _order("MM-2", OrderStatus.DELIVERED, JACKET_M, PHONES, delivered_days_ago=20),
        _order("MM-3", OrderStatus.PROCESSING, JACKET_M),
        _order("MM-4", OrderStatus.SHIPPED, JACKET_M),
    ])
    categories = {p.id: p.category for p in PRODUCTS.values()}
    rules = OrderPolicy(read_policy(SAMPLE_STORES["maple-main"].folder / "policy.toml"), lambda pid: categories[pid])
    return OrderTools(db, OrderLog(db), PRODUCTS.get, rules, lambda: NOW)


@pytest.mark.parametrize("text", ["yes", "Yes!", "yes please", "y", "yep", "confirm", "Yes, cancel it", "go ahead"])
def test_explicit_yes_confirms(text: str) -> None:
    assert confirmation_of(text, _pending()) is not None


@pytest.mark.parametrize("text", ["yes but what about shipping?", "maybe", "sure, if you think so", "I guess",
                                  "yes I want to know the return policy", "no", "ok whatever", ""])
def test_anything_else_does_not_confirm(text: str) -> None:
    assert confirmation_of(text, _pending()) is None


@pytest.mark.parametrize("text", ["no", "No thanks", "nope", "no, keep it", "never mind", "don't"])
def test_refusals(text: str) -> None:
    assert is_refusal(text)


def _pending():
    from assistant.orders.tools import ProposedAction

    return ProposedAction(kind=ActionKind.CANCEL, order_id="MM-1", customer_id="C1", id="abc")


def test_cancel_needs_the_confirmation_of_that_very_proposal(tools: OrderTools) -> None:
    action = tools.propose_cancel(tools.order("MM-1")).action
    assert action is not None
    with pytest.raises(ActionRefused):
        tools.apply(action, Confirmation("another-proposal", "yes"), "s1")
    assert tools.order("MM-1").status is OrderStatus.PENDING
    assert not [e for e in tools.log.entries(session_id="s1") if e.outcome is Outcome.APPLIED]
    changed = tools.apply(action, confirmation_of("yes", action), "s1")
    assert changed.status is OrderStatus.CANCELLED and tools.order("MM-1").status is OrderStatus.CANCELLED
    [entry] = tools.log.entries(session_id="s1")
    assert (entry.action, entry.outcome, entry.order_id) == ("cancel", Outcome.APPLIED, "MM-1")
    assert "'yes'" in entry.detail


def test_policy_is_checked_again_when_applied(tools: OrderTools) -> None:
    """The warehouse starts picking between the proposal and the yes: the cancel fails and is logged."""
    action = tools.propose_cancel(tools.order("MM-1")).action
    assert action is not None
    tools.db.upsert_orders([tools.order("MM-1").model_copy(update={"status": OrderStatus.PROCESSING})])
    with pytest.raises(ActionRefused, match="no longer be cancelled"):
        tools.apply(action, confirmation_of("yes", action), "s2")
    assert tools.order("MM-1").status is OrderStatus.PROCESSING
    assert [e.outcome for e in tools.log.entries(session_id="s2")] == [Outcome.FAILED]


def test_a_write_and_its_audit_row_are_one_transaction(tools: OrderTools) -> None:
    action = tools.propose_cancel(tools.order("MM-1")).action
    assert action is not None
    ghost = tools.order("MM-1").model_copy(update={"id": "MM-404"})
    entry = tools.log.entries()  # nothing yet
    assert entry == []
    from knowledge.store.order_log import ActionEntry

    with pytest.raises(LookupError):
        tools.log.apply(ActionEntry(session_id="s3", action="cancel", outcome=Outcome.APPLIED), NOW, order=ghost)
    assert tools.log.entries(session_id="s3") == []


def test_address_change_before_shipping_only(tools: OrderTools) -> None:
    proposal = tools.propose_address_change(tools.order("MM-3"), "77 Oak Avenue, Portland, OR 97205")
    assert proposal.action is not None and proposal.action.missing is None
    tools.apply(proposal.action, confirmation_of("yes", proposal.action), "s4")
    assert tools.order("MM-3").shipping_address == "77 Oak Avenue, Portland, OR 97205"
    assert tools.propose_address_change(tools.order("MM-4"), "77 Oak Avenue, Portland, OR").action is None
    asked = tools.propose_address_change(tools.order("MM-3"), None).action
    assert asked is not None and asked.missing == "address"
    with pytest.raises(ActionRefused):  # an incomplete action cannot be confirmed
        tools.apply(asked, Confirmation(asked.id, "yes"), "s4")
    assert not tools.propose_address_change(tools.order("MM-3"), "somewhere nice").verdict.allowed


def test_returns_follow_each_items_window_and_are_requested_once(tools: OrderTools) -> None:
    order = tools.order("MM-2")  # delivered 20 days ago: the jacket (30 days) yes, electronics (15) no
    proposal = tools.propose_return(order, [], ReturnReason.OTHER)
    assert proposal.action is not None and proposal.action.product_ids == ("APP-1",)
    assert "Studio Headphones cannot" in proposal.verdict.reason
    assert tools.propose_return(order, ["ELE-1"], ReturnReason.DEFECTIVE).action is None
    tools.apply(proposal.action, confirmation_of("yes", proposal.action), "s5")
    [request] = tools.requests("MM-2")
    assert (request.kind, request.product_id, request.reason) == ("return", "APP-1", "other")
    again = tools.propose_return(order, ["APP-1"], ReturnReason.OTHER)
    assert again.action is None and "already requested" in again.verdict.reason


def test_exchange_same_product_in_stock_once(tools: OrderTools) -> None:
    order = tools.order("MM-2")
    assert tools.propose_exchange(order, JACKET_M, "red", None).verdict.faq_id == "exchanges-out-of-stock"
    assert tools.propose_exchange(order, JACKET_M, "green", None).action is None  # not offered
    assert tools.propose_exchange(order, JACKET_M, None, None, other_brand="Volta").verdict.faq_id == \
        "exchanges-different-product"
    ask = tools.propose_exchange(order, JACKET_M, None, None)
    assert ask.action is not None and ask.action.missing == "variant" and "blue size L" in ask.verdict.reason
    proposal = tools.propose_exchange(order, JACKET_M, None, "L")
    assert proposal.action is not None and proposal.action.new_sku == "APP-1-BLU-L"
    tools.apply(proposal.action, confirmation_of("yes", proposal.action), "s6")
    assert [(r.kind, r.new_sku) for r in tools.requests("MM-2")] == [("exchange", "APP-1-BLU-L")]
    assert tools.propose_exchange(order, JACKET_M, None, "M").verdict.faq_id == "exchanges-limit"


def test_only_delivered_orders_are_returned_or_exchanged(tools: OrderTools) -> None:
    for order_id in ("MM-1", "MM-3", "MM-4"):
        order = tools.order(order_id)
        assert tools.propose_return(order, [], ReturnReason.OTHER).action is None
        assert tools.propose_exchange(order, JACKET_M, None, "L").action is None


def test_confirmation_cannot_be_replayed_after_the_proposal_changed(tools: OrderTools) -> None:
    proposal = tools.propose_address_change(tools.order("MM-3"), "77 Oak Avenue, Portland, OR 97205")
    assert proposal.action is not None
    yes = confirmation_of("yes", proposal.action)
    forged = replace(proposal.action, id="forged", new_address="1 Evil Way, Nowhere, NV 89001")
    with pytest.raises(ActionRefused):
        tools.apply(forged, yes, "s7")
    assert tools.order("MM-3").shipping_address == "1 Main St, Springfield, IL"
