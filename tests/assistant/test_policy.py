"""Store policy as code: cancel / address change / return / exchange eligibility, and its agreement
with the shipped FAQ corpus (knowledge/demo_store/faq.jsonl)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from assistant import policy
from knowledge.demo_store import FAQ
from knowledge.importers import read_records
from knowledge.retrieval import current_faq
from knowledge.schemas import FaqEntry, Order, OrderItem, OrderStatus

NOW = datetime(2026, 10, 1, 12, 0)
CATEGORIES = {"APP-1": "apparel", "ELE-1": "electronics", "BEA-1": "beauty", "HOM-1": "home"}


def order(status: OrderStatus, *product_ids: str, delivered_days_ago: int | None = None) -> Order:
    shipped = status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
    delivered = NOW - timedelta(days=delivered_days_ago) if delivered_days_ago is not None else None
    if status is OrderStatus.DELIVERED and delivered is None:
        delivered = NOW - timedelta(days=3)
    items = [OrderItem(product_id=pid, title=f"Item {pid}", quantity=1, unit_price=20.0)
             for pid in product_ids or ("APP-1",)]
    return Order(id="MM-100123", customer_id="C001", status=status, placed_at=NOW - timedelta(days=60),
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
    verdict = policy.can_return(order(OrderStatus.DELIVERED, "APP-1", delivered_days_ago=days), CATEGORIES, NOW)
    assert verdict.allowed is allowed
    assert verdict.faq_id == "returns-window"
    assert f"{days} days ago" in verdict.reason and "30-day return window" in verdict.reason


@pytest.mark.parametrize(("days", "allowed"), [(15, True), (16, False), (25, False)])
def test_electronics_return_window_is_15_days(days: int, allowed: bool) -> None:
    verdict = policy.can_return(order(OrderStatus.DELIVERED, "ELE-1", delivered_days_ago=days), CATEGORIES, NOW)
    assert verdict.allowed is allowed
    assert verdict.faq_id == "returns-electronics"
    assert "15-day return window" in verdict.reason


@pytest.mark.parametrize(("product", "days", "allowed"), [
    ("APP-1", 30, True), ("APP-1", 31, False), ("ELE-1", 20, True),  # electronics exchange: 30 days too
])
def test_exchange_window_is_30_days(product: str, days: int, allowed: bool) -> None:
    verdict = policy.can_return(order(OrderStatus.DELIVERED, product, delivered_days_ago=days), CATEGORIES, NOW,
                                exchange=True)
    assert verdict.allowed is allowed
    assert verdict.faq_id == "exchanges-size-color"
    assert "30-day exchange window" in verdict.reason


def test_beauty_return_is_allowed_with_the_unopened_note() -> None:
    verdict = policy.can_return(order(OrderStatus.DELIVERED, "BEA-1", delivered_days_ago=5), CATEGORIES, NOW)
    assert verdict.allowed and verdict.faq_id == "returns-beauty"
    assert "unopened" in verdict.reason and "hygiene" in verdict.reason


def test_beauty_past_the_window_is_refused_without_the_note() -> None:
    verdict = policy.can_return(order(OrderStatus.DELIVERED, "BEA-1", delivered_days_ago=45), CATEGORIES, NOW)
    assert not verdict.allowed and "unopened" not in verdict.reason


def test_beauty_exchange_has_no_hygiene_note() -> None:
    verdict = policy.can_return(order(OrderStatus.DELIVERED, "BEA-1", delivered_days_ago=5), CATEGORIES, NOW,
                                exchange=True)
    assert verdict.allowed and verdict.faq_id == "exchanges-size-color"
    assert "unopened" not in verdict.reason


NOT_DELIVERED = [OrderStatus.PENDING, OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.CANCELLED,
                 OrderStatus.RETURNED]


@pytest.mark.parametrize("status", NOT_DELIVERED)
@pytest.mark.parametrize("exchange", [False, True])
def test_orders_not_delivered_are_refused(status: OrderStatus, exchange: bool) -> None:
    verdict = policy.can_return(order(status, "APP-1"), CATEGORIES, NOW, exchange=exchange)
    assert not verdict.allowed
    assert f"is {status.value}; only delivered orders can be" in verdict.reason
    assert verdict.faq_id == ("exchanges-size-color" if exchange else "returns-window")


def test_refused_exchange_wording() -> None:
    verdict = policy.can_return(order(OrderStatus.SHIPPED), CATEGORIES, NOW, exchange=True)
    assert verdict.reason.endswith("only delivered orders can be exchanged.")


def test_refused_return_wording() -> None:
    verdict = policy.can_return(order(OrderStatus.SHIPPED), CATEGORIES, NOW)
    assert verdict.reason.endswith("only delivered orders can be returned.")


def test_unknown_product_category_uses_the_general_window() -> None:
    verdict = policy.can_return(order(OrderStatus.DELIVERED, "ZZZ-9", delivered_days_ago=20), CATEGORIES, NOW)
    assert verdict.allowed and verdict.faq_id == "returns-window"


# -- agreement with the FAQ corpus ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def faq() -> dict[str, FaqEntry]:
    result = read_records(FAQ, FaqEntry)
    assert not result.errors
    return {e.id: e for e in current_faq(result.records)}


def cited_faq_ids() -> set[str]:
    ids = set()
    for status in OrderStatus:
        ids |= {policy.can_cancel(order(status)).faq_id, policy.can_change_address(order(status)).faq_id}
    for pid in CATEGORIES:
        for days in (1, 20, 40):
            for exchange in (False, True):
                delivered = order(OrderStatus.DELIVERED, pid, delivered_days_ago=days)
                ids.add(policy.can_return(delivered, CATEGORIES, NOW, exchange=exchange).faq_id)
    return ids


def test_cited_faq_entries_exist_and_are_current(faq: dict[str, FaqEntry]) -> None:
    ids = cited_faq_ids()
    assert ids == {"orders-cancel", "orders-cannot-cancel", "orders-change-address", "returns-window",
                   "returns-electronics", "returns-beauty", "exchanges-size-color"}
    assert ids <= set(faq), ids - set(faq)


def test_return_windows_match_the_faq(faq: dict[str, FaqEntry]) -> None:
    assert f"{policy.RETURN_WINDOW_DAYS} days from the delivery date" in faq["returns-window"].body
    assert f"{policy.ELECTRONICS_RETURN_WINDOW_DAYS} days" in faq["returns-electronics"].body
    assert f"{policy.ELECTRONICS_RETURN_WINDOW_DAYS} days from delivery" in faq["returns-window"].body
    assert f"within {policy.EXCHANGE_WINDOW_DAYS} days of delivery" in faq["exchanges-size-color"].body
    assert "unopened" in faq["returns-beauty"].body.lower() and "hygiene" in faq["returns-beauty"].body


def test_no_current_faq_entry_states_another_return_window(faq: dict[str, FaqEntry]) -> None:
    windows = set()
    for entry in faq.values():
        if entry.id.startswith(("returns-", "exchanges-", "orders-", "refunds-")):
            windows |= {int(d) for d in re.findall(r"(\d+) days (?:of|from|after) (?:the )?delivery", entry.body)}
    assert windows == {policy.RETURN_WINDOW_DAYS, policy.ELECTRONICS_RETURN_WINDOW_DAYS}


def test_superseded_return_policy_is_not_current(faq: dict[str, FaqEntry]) -> None:
    assert "returns-window-2025" not in faq  # the old 45-day policy


def test_cancel_and_address_rules_match_the_faq(faq: dict[str, FaqEntry]) -> None:
    assert {OrderStatus.PENDING} == policy.CANCELLABLE
    assert "cancel an order yourself only while its status is pending" in faq["orders-cancel"].body
    assert "only be cancelled while they are pending" in faq["orders-cannot-cancel"].body
    assert {OrderStatus.PENDING, OrderStatus.PROCESSING} == policy.ADDRESS_CHANGEABLE
    assert "still pending or processing" in faq["orders-change-address"].body


def test_return_shipping_fee_matches_the_faq(faq: dict[str, FaqEntry]) -> None:
    fee = f"${policy.RETURN_SHIPPING_FEE:.2f}"
    assert fee == "$6.95"
    assert fee in faq["returns-shipping-cost"].body
    fees = {m for e in faq.values() for m in re.findall(r"\$(\d+\.\d\d) is deducted", e.body)}
    assert fees == {"6.95"}


def test_mixed_order_is_judged_item_by_item() -> None:
    mixed = order(OrderStatus.DELIVERED, "APP-1", "ELE-1", delivered_days_ago=20)
    verdict = policy.can_return(mixed, CATEGORIES, NOW)
    titles = {i.product_id: i.title for i in mixed.items}
    assert verdict.allowed
    assert f"{titles['APP-1']} can still be returned (within the 30-day return window)" in verdict.reason
    assert f"but {titles['ELE-1']} cannot (past the 15-day return window)" in verdict.reason
    assert verdict.faq_id == "returns-electronics"


def test_mixed_order_past_every_window_is_refused() -> None:
    verdict = policy.can_return(order(OrderStatus.DELIVERED, "APP-1", "ELE-1", delivered_days_ago=40),
                                CATEGORIES, NOW)
    assert not verdict.allowed
    assert "past the 15-day / 30-day return window" in verdict.reason


def test_exchange_rules_match_the_faq(faq: dict[str, FaqEntry]) -> None:
    from knowledge.schemas import Product, Variant

    item = OrderItem(product_id="APP-1", sku="APP-1-M", title="Item APP-1", quantity=1, unit_price=20.0)
    delivered = order(OrderStatus.DELIVERED, "APP-1", delivered_days_ago=5)
    delivered = delivered.model_copy(update={"items": [item]})
    product = Product(id="APP-1", title="Item APP-1", brand="B", category="apparel", price=20.0, stock=2,
                      description="x", variants=[Variant(sku="APP-1-M", size="M", stock=1),
                                                 Variant(sku="APP-1-L", size="L", stock=1),
                                                 Variant(sku="APP-1-XL", size="XL", stock=0)])
    large, xl = product.variants[1], product.variants[2]
    verdicts = {
        "once": policy.can_exchange(delivered, item, product, large, NOW, already_exchanged=True),
        "stock": policy.can_exchange(delivered, item, product, xl, NOW),
        "other product": policy.can_exchange(delivered, item, product, None, NOW, other_brand="Volta"),
        "ok": policy.can_exchange(delivered, item, product, large, NOW),
    }
    assert verdicts["ok"].allowed and not any(v.allowed for k, v in verdicts.items() if k != "ok")
    assert verdicts["once"].faq_id == "exchanges-limit" and "exchanged one time" in faq["exchanges-limit"].body
    assert verdicts["stock"].faq_id == "exchanges-out-of-stock"
    assert "cannot go through" in faq["exchanges-out-of-stock"].body
    assert verdicts["other product"].faq_id == "exchanges-different-product"
    assert "only cover the same product" in faq["exchanges-different-product"].body
    assert {v.faq_id for v in verdicts.values()} <= set(faq)


def test_address_rules_match_the_faq(faq: dict[str, FaqEntry]) -> None:
    pending = order(OrderStatus.PENDING)
    assert policy.check_address("12 Oak Ave, Springfield, IL 62704", pending).allowed
    assert not policy.check_address("my house", pending).allowed
    express = pending.model_copy(update={"shipping": 14.99})
    po_box = policy.check_address("PO Box 12, Springfield, IL 62704", express)
    assert not po_box.allowed and po_box.faq_id == "shipping-po-boxes"
    assert "cannot be delivered to P.O. boxes" in faq["shipping-po-boxes"].body
    assert "$14.99" in faq["shipping-express"].body
    assert policy.check_address("PO Box 12, Springfield, IL 62704", pending).allowed  # Standard may


def test_express_rates_match_the_faq(faq: dict[str, FaqEntry]) -> None:
    assert {f"${r:.2f}" for r in policy.EXPRESS_RATES} == {"$14.99", "$24.99"}
    assert "$14.99" in faq["shipping-express"].body and "$24.99" in faq["shipping-next-day"].body
