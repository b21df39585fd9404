"""Order policy as the store's data: cancel / address change / return / exchange eligibility under
the demo store's policy file and under other stores' policies (other windows, non-returnable
categories, limits), and the default policy of a store imported without one. The agreement of each
bundled store's policy with its own FAQ is tested in test_policy_faq.py."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from assistant.orders.policy import OrderPolicy
from knowledge.sample_stores import SAMPLE_STORES
from knowledge.schemas import Order, OrderItem, OrderStatus
from knowledge.store_policy import DEFAULT_POLICY, Handling, StorePolicy, read_policy

NOW = datetime(2026, 10, 1, 12, 0)
CATEGORIES = {"APP-1": "apparel", "ELE-1": "electronics", "BEA-1": "beauty", "HOM-1": "home"}
DEMO = read_policy(SAMPLE_STORES["maple-main"].folder / "policy.toml")
policy = OrderPolicy(DEMO, lambda pid: CATEGORIES.get(pid, ""))


def order(status: OrderStatus, *product_ids: str, delivered_days_ago: int | None = None,
          order_id: str = "MM-100123") -> Order:
    shipped = status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
    delivered = NOW - timedelta(days=delivered_days_ago) if delivered_days_ago is not None else None
    if status is OrderStatus.DELIVERED and delivered is None:
        delivered = NOW - timedelta(days=3)
    items = [OrderItem(product_id=pid, title=f"Item {pid}", quantity=1, unit_price=20.0)
             for pid in product_ids or ("APP-1",)]
    return Order(id=order_id, customer_id="C001", status=status, placed_at=NOW - timedelta(days=60),
                 updated_at=NOW - timedelta(days=1), items=items, total=20.0 * len(items),
                 shipping_address="1 Main St, Springfield", carrier="UPS" if shipped else None,
                 tracking_number="1Z999" if shipped else None, delivered_at=delivered)


# -- cancel -----------------------------------------------------------------------------------------

def test_pending_order_can_be_cancelled() -> None:
    verdict = policy.can_cancel(order(OrderStatus.PENDING))
    assert verdict.allowed and verdict.faq_id == "orders-cancel"
    assert "MM-100123" in verdict.reason


@pytest.mark.parametrize(("status", "words"), [
    (OrderStatus.PROCESSING, "processing"), (OrderStatus.SHIPPED, "shipped"),
    (OrderStatus.DELIVERED, "delivered"), (OrderStatus.CANCELLED, "cancelled"), (OrderStatus.RETURNED, "returned"),
])
def test_other_orders_cannot_be_cancelled(status: OrderStatus, words: str) -> None:
    verdict = policy.can_cancel(order(status))
    assert not verdict.allowed and verdict.faq_id == "orders-cannot-cancel"
    assert words in verdict.reason


# -- address change -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "allowed"), [
    (OrderStatus.PENDING, True), (OrderStatus.PROCESSING, True), (OrderStatus.SHIPPED, False),
    (OrderStatus.DELIVERED, False), (OrderStatus.CANCELLED, False),
])
def test_address_can_change_only_before_shipping(status: OrderStatus, allowed: bool) -> None:
    verdict = policy.can_change_address(order(status))
    assert verdict.allowed is allowed
    assert verdict.faq_id == "orders-change-address"


# -- returns and exchanges --------------------------------------------------------------------------

@pytest.mark.parametrize(("days", "allowed"), [(0, True), (29, True), (30, True), (31, False), (90, False)])
def test_return_window_is_30_days(days: int, allowed: bool) -> None:
    verdict = policy.can_return(order(OrderStatus.DELIVERED, "APP-1", delivered_days_ago=days), NOW)
    assert verdict.allowed is allowed
    assert verdict.faq_id == "returns-window"
    assert f"{days} days ago" in verdict.reason and "30-day return window" in verdict.reason


@pytest.mark.parametrize(("days", "allowed"), [(15, True), (16, False), (25, False)])
def test_electronics_return_window_is_15_days(days: int, allowed: bool) -> None:
    verdict = policy.can_return(order(OrderStatus.DELIVERED, "ELE-1", delivered_days_ago=days), NOW)
    assert verdict.allowed is allowed
    assert verdict.faq_id == "returns-electronics"
    assert "15-day return window" in verdict.reason


@pytest.mark.parametrize(("product", "days", "allowed"), [
    ("APP-1", 30, True), ("APP-1", 31, False), ("ELE-1", 20, True),  # electronics exchange: 30 days too
])
def test_exchange_window_is_30_days(product: str, days: int, allowed: bool) -> None:
    verdict = policy.can_return(order(OrderStatus.DELIVERED, product, delivered_days_ago=days), NOW,
                                exchange=True)
    assert verdict.allowed is allowed
    assert verdict.faq_id == "exchanges-size-color"
    assert "30-day exchange window" in verdict.reason


def test_beauty_return_is_allowed_with_the_unopened_note() -> None:
    verdict = policy.can_return(order(OrderStatus.DELIVERED, "BEA-1", delivered_days_ago=5), NOW)
    assert verdict.allowed and verdict.faq_id == "returns-beauty"
    assert "can only be returned unopened" in verdict.reason


def test_beauty_past_the_window_is_refused_without_the_note() -> None:
    verdict = policy.can_return(order(OrderStatus.DELIVERED, "BEA-1", delivered_days_ago=45), NOW)
    assert not verdict.allowed and "unopened" not in verdict.reason


def test_beauty_exchange_has_no_hygiene_note() -> None:
    verdict = policy.can_return(order(OrderStatus.DELIVERED, "BEA-1", delivered_days_ago=5), NOW,
                                exchange=True)
    assert verdict.allowed and verdict.faq_id == "exchanges-size-color"
    assert "unopened" not in verdict.reason


NOT_DELIVERED = [OrderStatus.PENDING, OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.CANCELLED,
                 OrderStatus.RETURNED]


@pytest.mark.parametrize("status", NOT_DELIVERED)
@pytest.mark.parametrize("exchange", [False, True])
def test_orders_not_delivered_are_refused(status: OrderStatus, exchange: bool) -> None:
    verdict = policy.can_return(order(status, "APP-1"), NOW, exchange=exchange)
    assert not verdict.allowed
    assert f"is {status.value}; only delivered orders can be" in verdict.reason
    assert verdict.faq_id == ("exchanges-size-color" if exchange else "returns-window")


def test_refused_exchange_wording() -> None:
    verdict = policy.can_return(order(OrderStatus.SHIPPED), NOW, exchange=True)
    assert verdict.reason.endswith("only delivered orders can be exchanged.")


def test_refused_return_wording() -> None:
    verdict = policy.can_return(order(OrderStatus.SHIPPED), NOW)
    assert verdict.reason.endswith("only delivered orders can be returned.")


def test_unknown_product_category_uses_the_general_window() -> None:
    verdict = policy.can_return(order(OrderStatus.DELIVERED, "ZZZ-9", delivered_days_ago=20), NOW)
    assert verdict.allowed and verdict.faq_id == "returns-window"


def test_mixed_order_is_judged_item_by_item() -> None:
    mixed = order(OrderStatus.DELIVERED, "APP-1", "ELE-1", delivered_days_ago=20)
    verdict = policy.can_return(mixed, NOW)
    titles = {i.product_id: i.title for i in mixed.items}
    assert verdict.allowed
    assert f"{titles['APP-1']} can still be returned (within the 30-day return window)" in verdict.reason
    assert f"but {titles['ELE-1']} cannot (past the 15-day return window)" in verdict.reason
    assert verdict.faq_id == "returns-electronics"


def test_mixed_order_past_every_window_is_refused() -> None:
    verdict = policy.can_return(order(OrderStatus.DELIVERED, "APP-1", "ELE-1", delivered_days_ago=40), NOW)
    assert not verdict.allowed
    assert "past the 15-day / 30-day return window" in verdict.reason




# -- another store's policy: other windows, non-returnable categories, limits ------------------------

OTHER = StorePolicy.model_validate({
    "cancel": {"statuses": ["pending", "processing"], "faq": "cancel-before-dispatch", "refused_faq": "cancel-late"},
    "address_change": {"handling": "ticket"},
    "returns": {"handling": "self_service", "window_days": 14, "faq": "ret-window", "shipping_fee": 3.95,
                "by_category": {"office chair": {"days": 30, "faq": "ret-furniture"}},
                "non_returnable": ["sock"], "non_returnable_faq": "ret-excluded"},
    "exchanges": {"handling": "self_service", "window_days": 30, "per_item_limit": 2, "faq": "exch"},
})
OTHER_CATEGORIES = {"TS-1": "t-shirt", "SO-1": "sock", "CH-1": "office chair"}
other = OrderPolicy(OTHER, lambda pid: OTHER_CATEGORIES.get(pid, ""))


@pytest.mark.parametrize(("status", "allowed"), [(OrderStatus.PENDING, True), (OrderStatus.PROCESSING, True),
                                                  (OrderStatus.SHIPPED, False)])
def test_other_store_cancels_until_dispatch(status: OrderStatus, allowed: bool) -> None:
    verdict = other.can_cancel(order(status, "TS-1", order_id="N1234567"))
    assert verdict.allowed is allowed
    assert verdict.faq_id == ("cancel-before-dispatch" if allowed else "cancel-late")
    assert "N1234567" in verdict.reason


@pytest.mark.parametrize(("product", "days", "allowed", "window"), [
    ("TS-1", 14, True, "14-day"), ("TS-1", 15, False, "14-day"), ("CH-1", 25, True, "30-day"),
    ("CH-1", 31, False, "30-day")])
def test_other_store_windows_by_category(product: str, days: int, allowed: bool, window: str) -> None:
    verdict = other.can_return(order(OrderStatus.DELIVERED, product, delivered_days_ago=days), NOW)
    assert verdict.allowed is allowed
    assert f"{window} return window" in verdict.reason
    assert verdict.faq_id == ("ret-furniture" if product == "CH-1" else "ret-window")


def test_non_returnable_category_is_refused_and_cited() -> None:
    verdict = other.can_return(order(OrderStatus.DELIVERED, "SO-1", delivered_days_ago=2), NOW)
    assert not verdict.allowed and verdict.faq_id == "ret-excluded"
    assert "Item SO-1 cannot be returned" in verdict.reason


def test_non_returnable_item_is_left_out_of_a_mixed_return() -> None:
    mixed = order(OrderStatus.DELIVERED, "TS-1", "SO-1", delivered_days_ago=2)
    verdict = other.can_return(mixed, NOW)
    assert verdict.allowed and "Item SO-1 cannot be returned" in verdict.reason
    assert other.item_returnable(mixed, mixed.items[0], NOW) and not other.item_returnable(mixed, mixed.items[1], NOW)
    # the demo store takes every category back
    assert policy.item_returnable(mixed, mixed.items[1], NOW)


def test_exchange_limit_comes_from_the_policy() -> None:
    from knowledge.schemas import Product, Variant

    item = OrderItem(product_id="TS-1", sku="TS-1-M", title="Tee", quantity=1, unit_price=20.0)
    delivered = order(OrderStatus.DELIVERED, "TS-1", delivered_days_ago=5).model_copy(update={"items": [item]})
    tee = Product(id="TS-1", title="Tee", brand="B", category="t-shirt", price=20.0, stock=2, description="x",
                  variants=[Variant(sku="TS-1-M", size="M", stock=1), Variant(sku="TS-1-L", size="L", stock=1)])
    large = tee.variants[1]
    assert other.can_exchange(delivered, item, tee, large, NOW, exchanged_before=1).allowed  # 2 allowed here
    second = other.can_exchange(delivered, item, tee, large, NOW, exchanged_before=2)
    assert not second.allowed and "only 2 times" in second.reason
    assert not policy.can_exchange(delivered, item, tee, large, NOW, exchanged_before=1).allowed  # demo: once


def test_handling_is_per_action() -> None:
    assert other.handling("change_address") is Handling.TICKET
    assert other.handling("return") is Handling.SELF_SERVICE
    assert policy.handling("change_address") is Handling.SELF_SERVICE


# -- a store imported without a policy file ---------------------------------------------------------

def test_default_policy_is_conservative() -> None:
    rules = OrderPolicy(DEFAULT_POLICY, lambda _pid: "anything")
    assert rules.can_cancel(order(OrderStatus.PROCESSING)).allowed
    assert not rules.can_cancel(order(OrderStatus.SHIPPED)).allowed
    assert {rules.handling(a) for a in ("change_address", "return", "exchange")} == {Handling.TICKET}
    assert list(DEFAULT_POLICY.cited()) == []  # it knows no store's FAQ, so it cites none
    assert rules.can_cancel(order(OrderStatus.PENDING)).faq_id == ""
