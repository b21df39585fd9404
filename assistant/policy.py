"""Store policy as code, matching the FAQ corpus (``knowledge/demo_store/faq.jsonl``).

The assistant decides eligibility here, never from LLM text. A test checks these numbers
against the FAQ entries they summarise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from knowledge.schemas import Order, OrderStatus

RETURN_WINDOW_DAYS = 30
ELECTRONICS_RETURN_WINDOW_DAYS = 15
EXCHANGE_WINDOW_DAYS = 30
NON_RETURNABLE_CATEGORIES = {"beauty"}  # opened beauty / personal care (hygiene)
RETURN_SHIPPING_FEE = 6.95
CANCELLABLE = {OrderStatus.PENDING}
ADDRESS_CHANGEABLE = {OrderStatus.PENDING, OrderStatus.PROCESSING}


@dataclass(frozen=True)
class Eligibility:
    allowed: bool
    reason: str
    faq_id: str


def can_cancel(order: Order) -> Eligibility:
    if order.status in CANCELLABLE:
        return Eligibility(True, f"Order {order.id} is still pending, so it can be cancelled.", "orders-cancel")
    if order.status is OrderStatus.PROCESSING:
        why = f"Order {order.id} is already being packed (processing), so it can no longer be cancelled."
    elif order.status is OrderStatus.SHIPPED:
        why = f"Order {order.id} has shipped; once it is delivered you can return it instead."
    else:
        why = f"Order {order.id} is {order.status.value}, so there is nothing to cancel."
    return Eligibility(False, why, "orders-cannot-cancel")


def can_change_address(order: Order) -> Eligibility:
    if order.status in ADDRESS_CHANGEABLE:
        return Eligibility(True, f"Order {order.id} has not shipped yet, so its address can still be changed.",
                           "orders-change-address")
    return Eligibility(False, f"Order {order.id} is {order.status.value}; the address can only be changed "
                       "before it ships.", "orders-change-address")


def can_return(order: Order, categories: dict[str, str], now: datetime, exchange: bool = False) -> Eligibility:
    """Return (or exchange) eligibility of a delivered order, item categories by product id."""
    action = "exchange" if exchange else "return"
    item_categories = {categories.get(i.product_id, "") for i in order.items}
    electronics = "electronics" in item_categories and not exchange
    faq_id = "exchanges-size-color" if exchange else ("returns-electronics" if electronics else "returns-window")
    if order.status is not OrderStatus.DELIVERED or order.delivered_at is None:
        done = "exchanged" if exchange else "returned"
        return Eligibility(False, f"Order {order.id} is {order.status.value}; only delivered orders can be "
                           f"{done}.", faq_id)
    days = (now - order.delivered_at).days
    window = ELECTRONICS_RETURN_WINDOW_DAYS if electronics else (
        EXCHANGE_WINDOW_DAYS if exchange else RETURN_WINDOW_DAYS)
    if days > window:
        return Eligibility(False, f"Order {order.id} was delivered {days} days ago, past the {window}-day "
                           f"{action} window.", faq_id)
    reason = f"Order {order.id} was delivered {days} days ago, within the {window}-day {action} window."
    if not exchange and item_categories & NON_RETURNABLE_CATEGORIES:
        return Eligibility(True, reason + " Beauty and personal-care items can only be returned unopened, "
                           "for hygiene reasons.", "returns-beauty")
    return Eligibility(True, reason, faq_id)
