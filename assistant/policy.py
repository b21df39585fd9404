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


def return_window(category: str, exchange: bool = False) -> int:
    if exchange:
        return EXCHANGE_WINDOW_DAYS
    return ELECTRONICS_RETURN_WINDOW_DAYS if category == "electronics" else RETURN_WINDOW_DAYS


def _windows(days: set[int], action: str) -> str:
    return " / ".join(f"{d}-day" for d in sorted(days)) + f" {action} window"


def can_return(order: Order, categories: dict[str, str], now: datetime, exchange: bool = False) -> Eligibility:
    """Return (or exchange) eligibility of a delivered order, item by item (categories by product id):
    electronics have a shorter return window than the rest of an order they share."""
    action, done = ("exchange", "exchanged") if exchange else ("return", "returned")
    item_categories = {categories.get(i.product_id, "") for i in order.items}
    electronics = "electronics" in item_categories and not exchange
    faq_id = "exchanges-size-color" if exchange else ("returns-electronics" if electronics else "returns-window")
    if order.status is not OrderStatus.DELIVERED or order.delivered_at is None:
        return Eligibility(False, f"Order {order.id} is {order.status.value}; only delivered orders can be "
                           f"{done}.", faq_id)
    days = (now - order.delivered_at).days
    window_of = {i.title: return_window(categories.get(i.product_id, ""), exchange) for i in order.items}
    still_open = [t for t, w in window_of.items() if days <= w]
    closed = [t for t, w in window_of.items() if days > w]
    delivered = f"Order {order.id} was delivered {days} days ago"
    if not still_open:
        return Eligibility(False, f"{delivered}, past the {_windows(set(window_of.values()), action)}.", faq_id)
    if closed:
        reason = (f"{delivered}: {', '.join(still_open)} can still be {done} (within the "
                  f"{_windows({window_of[t] for t in still_open}, action)}), but {', '.join(closed)} "
                  f"cannot (past the {_windows({window_of[t] for t in closed}, action)}).")
    else:
        reason = f"{delivered}, within the {_windows(set(window_of.values()), action)}."
    if not exchange and item_categories & NON_RETURNABLE_CATEGORIES:
        return Eligibility(True, reason + " Beauty and personal-care items can only be returned unopened, "
                           "for hygiene reasons.", "returns-beauty")
    return Eligibility(True, reason, faq_id)
