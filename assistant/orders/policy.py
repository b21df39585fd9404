"""Eligibility of order changes under the store's policy (``knowledge/store_policy.py``).

The assistant decides here, never from LLM text: each verdict says whether a change is allowed,
why (in words that name the order and its items), and which of the store's FAQ entries states the
rule. The numbers come from the store's policy file; tests check them against each store's FAQ.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from knowledge.schemas import Order, OrderItem, OrderStatus, Product, Variant
from knowledge.store_policy import Handling, StorePolicy

_STREET_NUMBER = re.compile(r"\b\d{1,6}[A-Za-z]?\b")
_PO_BOX = re.compile(r"\bp\.?\s?o\.?\s?box\b|\bpostbus\b|\bpostfach\b|\bapartado\b|\bcasella postale\b", re.I)
MAX_ADDRESS_CHARS = 200


@dataclass(frozen=True)
class Eligibility:
    allowed: bool
    reason: str
    faq_id: str  # the store's FAQ entry that states the rule; "" when the policy cites none


def _statuses(statuses: list[OrderStatus]) -> str:
    words = [s.value for s in statuses]
    return " or ".join(words) if len(words) <= 2 else ", ".join(words[:-1]) + f" or {words[-1]}"


def _windows(days: set[int], action: str) -> str:
    return " / ".join(f"{d}-day" for d in sorted(days)) + f" {action} window"


def _titles(items: list[OrderItem]) -> str:
    return ", ".join(i.title for i in items)


def variant_words(variant: Variant) -> str:
    return " ".join(x for x in (variant.color, f"size {variant.size}" if variant.size else None) if x) or variant.sku


class OrderPolicy:
    """The store's rules applied to its orders; ``category`` gives a product id's category."""

    def __init__(self, policy: StorePolicy, category: Callable[[str], str]):
        self.policy = policy
        self.category = category

    def handling(self, action: str) -> Handling:
        """How the store handles an action ("cancel", "change_address", "return", "exchange")."""
        rules = self.policy
        return {"cancel": rules.cancel.handling, "change_address": rules.address_change.handling,
                "return": rules.returns.handling, "exchange": rules.exchanges.handling}[action]

    # -- cancel and address ------------------------------------------------------------------------
    def can_cancel(self, order: Order) -> Eligibility:
        rule = self.policy.cancel
        if order.status in rule.statuses:
            return Eligibility(True, f"Order {order.id} is {order.status.value}, so it can be cancelled.",
                               rule.faq or "")
        if order.status in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
            why = f"Order {order.id} is {order.status.value}, so there is nothing to cancel."
        elif order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
            why = (f"Order {order.id} is {order.status.value}, and orders can only be cancelled while "
                   f"{_statuses(rule.statuses)}; once it is delivered you can ask to return it instead.")
        else:
            why = (f"Order {order.id} is already {order.status.value}, so it can no longer be cancelled (orders "
                   f"can only be cancelled while {_statuses(rule.statuses)}).")
        return Eligibility(False, why, rule.refused_faq or rule.faq or "")

    def can_change_address(self, order: Order) -> Eligibility:
        rule = self.policy.address_change
        if order.status in rule.statuses:
            return Eligibility(True, f"Order {order.id} is {order.status.value}, so its address can still be changed.",
                               rule.faq or "")
        return Eligibility(False, f"Order {order.id} is {order.status.value}; the address can only be changed while "
                           f"the order is {_statuses(rule.statuses)}.", rule.faq or "")

    def check_address(self, address: str, order: Order) -> Eligibility:
        """A new shipping address must look like a street address (number, street, town)."""
        rule = self.policy.address_change
        text = address.strip()
        words = re.findall(r"[^\W\d_]{2,}", text)
        if not (10 <= len(text) <= MAX_ADDRESS_CHARS) or not _STREET_NUMBER.search(text) or len(words) < 2:
            return Eligibility(False, "That doesn't look like a full street address: please give the street and "
                               "number, postal code and town.", rule.faq or "")
        if _PO_BOX.search(text) and order.shipping in rule.no_po_box_shipping:
            return Eligibility(False, "Orders with this shipping method cannot be delivered to a P.O. box; please "
                               "give a street address.", rule.po_box_faq or rule.faq or "")
        return Eligibility(True, f"Order {order.id} has not shipped yet, so its address can still be changed.",
                           rule.faq or "")

    # -- returns -------------------------------------------------------------------------------------
    def return_window(self, product_id: str, exchange: bool = False) -> int:
        if exchange:
            return self.policy.exchanges.window_days
        window = self.policy.returns.by_category.get(self.category(product_id))
        return window.days if window else self.policy.returns.window_days

    def returnable(self, item: OrderItem) -> bool:
        """Whether the item's category may be returned at all."""
        return self.category(item.product_id) not in self.policy.returns.non_returnable

    def _return_faq(self, items: list[OrderItem], exchange: bool) -> str:
        if exchange:
            return self.policy.exchanges.faq or ""
        rules = self.policy.returns
        for item in items:  # a category with its own window is the rule that matters most
            window = rules.by_category.get(self.category(item.product_id))
            if window is not None and window.faq:
                return window.faq
        return rules.faq or ""

    def can_return(self, order: Order, now: datetime, exchange: bool = False) -> Eligibility:
        """Return (or exchange) eligibility of a delivered order, item by item: categories may have
        windows of their own, and some may not be returned at all."""
        rules = self.policy.returns
        action, done = ("exchange", "exchanged") if exchange else ("return", "returned")
        items = list(order.items)
        faq_id = self._return_faq(items, exchange)
        if order.status is not OrderStatus.DELIVERED or order.delivered_at is None:
            return Eligibility(False, f"Order {order.id} is {order.status.value}; only delivered orders can be "
                               f"{done}.", faq_id)
        excluded = [] if exchange else [i for i in items if not self.returnable(i)]
        if excluded and len(excluded) == len(items):
            return Eligibility(False, f"{_titles(excluded)} cannot be returned: the store does not take back "
                               "items of this kind.", rules.non_returnable_faq or faq_id)
        items = [i for i in items if i not in excluded]
        days = (now - order.delivered_at).days
        window_of = {i.title: self.return_window(i.product_id, exchange) for i in items}
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
        if excluded:
            reason += f" {_titles(excluded)} cannot be returned (the store does not take back items of this kind)."
            faq_id = rules.non_returnable_faq or faq_id
        unopened = [i for i in items if i.title in still_open and self.category(i.product_id) in rules.unopened_only]
        if not exchange and unopened:
            return Eligibility(True, reason + f" {_titles(unopened)} can only be returned unopened.",
                               rules.unopened_only_faq or faq_id)
        return Eligibility(True, reason, faq_id)

    def item_returnable(self, order: Order, item: OrderItem, now: datetime) -> bool:
        """Whether one item of a delivered order may be returned now (its category, its own window)."""
        if order.status is not OrderStatus.DELIVERED or order.delivered_at is None or not self.returnable(item):
            return False
        return (now - order.delivered_at).days <= self.return_window(item.product_id)

    # -- exchanges -------------------------------------------------------------------------------------
    def can_exchange(self, order: Order, item: OrderItem | None, product: Product | None, wanted: Variant | None,
                     now: datetime, exchanged_before: int = 0, other_brand: str | None = None,
                     asked: bool = False) -> Eligibility:
        """Exchange for another size or colour of the same product: delivered, within the window, at most
        ``per_item_limit`` times per item, and the wanted variant in stock."""
        rule = self.policy.exchanges
        faq_id = rule.faq or ""
        if order.status is not OrderStatus.DELIVERED or order.delivered_at is None:
            return Eligibility(False, f"Order {order.id} is {order.status.value}; only delivered orders can be "
                               "exchanged.", faq_id)
        days = (now - order.delivered_at).days
        if days > rule.window_days:
            return Eligibility(False, f"Order {order.id} was delivered {days} days ago, past the "
                               f"{rule.window_days}-day exchange window.", faq_id)
        if item is None:
            return Eligibility(False, f"That item is not in order {order.id}.", faq_id)
        if other_brand is not None or product is None:
            return Eligibility(False, "Exchanges only cover the same product in a different size or color; to get a "
                               "different product, return this one and place a new order.",
                               rule.different_product_faq or faq_id)
        if rule.per_item_limit is not None and exchanged_before >= rule.per_item_limit:
            times = "one time" if rule.per_item_limit == 1 else f"{rule.per_item_limit} times"
            return Eligibility(False, f"{item.title} from order {order.id} has already been exchanged "
                               f"{exchanged_before} time{'s' if exchanged_before != 1 else ''}, and each item can be "
                               f"exchanged only {times}.", rule.limit_faq or faq_id)
        in_stock = [v for v in product.variants if v.stock > 0 and v.sku != item.sku]
        offered = "; ".join(variant_words(v) for v in in_stock)
        if not product.variants:
            return Eligibility(False, f"{item.title} comes in one version only, so it cannot be exchanged for "
                               "another size or color.", faq_id)
        if wanted is None:
            if asked:
                return Eligibility(False, f"{item.title} does not come in that size/color. In stock now: "
                                   f"{offered or 'no other versions'}.", faq_id)
            return Eligibility(True, f"{item.title} can be exchanged (within the {rule.window_days}-day exchange "
                               f"window). In stock now: {offered or 'no other versions'}.", faq_id)
        if wanted.sku == item.sku:
            return Eligibility(False, f"That is the same size and color you already have ({wanted.sku}).", faq_id)
        if wanted.stock <= 0:
            return Eligibility(False, f"{item.title} in {variant_words(wanted)} is out of stock, so the exchange "
                               "cannot go through now.", rule.out_of_stock_faq or faq_id)
        return Eligibility(True, f"Order {order.id} was delivered {days} days ago, within the {rule.window_days}-day "
                           f"exchange window, and {variant_words(wanted)} is in stock.", faq_id)
