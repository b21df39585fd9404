"""Store policy as code, matching the FAQ corpus (``knowledge/demo_store/faq.jsonl``).

The assistant decides eligibility here, never from LLM text. A test checks these numbers
against the FAQ entries they summarise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from knowledge.schemas import Order, OrderItem, OrderStatus, Product, Variant

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


def item_returnable(order: Order, item: OrderItem, categories: dict[str, str], now: datetime) -> bool:
    """Whether one item of a delivered order is still inside its own return window."""
    if order.status is not OrderStatus.DELIVERED or order.delivered_at is None:
        return False
    return (now - order.delivered_at).days <= return_window(categories.get(item.product_id, ""))


_STREET_NUMBER = re.compile(r"\b\d{1,6}[A-Za-z]?\b")
_PO_BOX = re.compile(r"\bp\.?\s?o\.?\s?box\b", re.I)
MAX_ADDRESS_CHARS = 200
EXPRESS_RATES = {14.99, 24.99}  # Express and Next-day (FAQ shipping-express / shipping-next-day)


def check_address(address: str, order: Order) -> Eligibility:
    """A new shipping address must look like a street address (number, street, town)."""
    text = address.strip()
    words = re.findall(r"[A-Za-z]{2,}", text)
    if not (10 <= len(text) <= MAX_ADDRESS_CHARS) or not _STREET_NUMBER.search(text) or len(words) < 2:
        return Eligibility(False, "That doesn't look like a full street address: please give the number, street, "
                           "town and state or province, e.g. \"12 Oak Ave, Springfield, IL 62704\".",
                           "orders-change-address")
    if _PO_BOX.search(text) and order.shipping in EXPRESS_RATES:  # Express / Next-day cannot go to a P.O. box
        return Eligibility(False, "Express and Next-day orders cannot be delivered to a P.O. box; please give a "
                           "street address.", "shipping-po-boxes")
    return Eligibility(True, f"Order {order.id} has not shipped yet, so its address can still be changed.",
                       "orders-change-address")


def can_exchange(order: Order, item: OrderItem | None, product: Product | None, wanted: Variant | None,
                 now: datetime, already_exchanged: bool = False, other_brand: str | None = None,
                 asked: bool = False) -> Eligibility:
    """Exchange for the same product in another size or color: delivered, within the window, once per
    item, and the wanted variant in stock."""
    faq_id = "exchanges-size-color"
    if order.status is not OrderStatus.DELIVERED or order.delivered_at is None:
        return Eligibility(False, f"Order {order.id} is {order.status.value}; only delivered orders can be "
                           "exchanged.", faq_id)
    days = (now - order.delivered_at).days
    if days > EXCHANGE_WINDOW_DAYS:
        return Eligibility(False, f"Order {order.id} was delivered {days} days ago, past the "
                           f"{EXCHANGE_WINDOW_DAYS}-day exchange window.", faq_id)
    if item is None:
        return Eligibility(False, f"That item is not in order {order.id}.", faq_id)
    if other_brand is not None or product is None:
        return Eligibility(False, "Exchanges only cover the same product in a different size or color; to get a "
                           "different product, return this one and place a new order.", "exchanges-different-product")
    if already_exchanged:
        return Eligibility(False, f"{item.title} from order {order.id} has already been exchanged once, and each "
                           "item can be exchanged only one time.", "exchanges-limit")
    in_stock = [v for v in product.variants if v.stock > 0 and v.sku != item.sku]
    offered = "; ".join(" ".join(x for x in (v.color, f"size {v.size}" if v.size else None) if x) for v in in_stock)
    if not product.variants:
        return Eligibility(False, f"{item.title} comes in one version only, so it cannot be exchanged for "
                           "another size or color.", faq_id)
    if wanted is None:
        if asked:
            return Eligibility(False, f"{item.title} does not come in that size/color. In stock now: "
                               f"{offered or 'no other versions'}.", faq_id)
        return Eligibility(True, f"{item.title} can be exchanged (within the {EXCHANGE_WINDOW_DAYS}-day exchange "
                           f"window). In stock now: {offered or 'no other versions'}.", faq_id)
    if wanted.sku == item.sku:
        return Eligibility(False, f"That is the same size and color you already have ({wanted.sku}).", faq_id)
    if wanted.stock <= 0:
        return Eligibility(False, f"{item.title} in {variant_words(wanted)} is out of stock, so the exchange "
                           "cannot go through now.", "exchanges-out-of-stock")
    return Eligibility(True, f"Order {order.id} was delivered {days} days ago, within the {EXCHANGE_WINDOW_DAYS}-day "
                       f"exchange window, and {variant_words(wanted)} is in stock.", faq_id)


def variant_words(variant: Variant) -> str:
    return " ".join(x for x in (variant.color, f"size {variant.size}" if variant.size else None) if x) or variant.sku
