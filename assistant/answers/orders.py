"""Order answers (read-only): status and tracking, and what a return/exchange/cancel would need.

Order data is shown only to a verified shopper: the signed-in customer, or someone who gave
the order number together with the e-mail address on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from assistant import policy
from assistant.answers.draft import Draft, money
from assistant.grounding import evidence_for
from assistant.intents import ORDER_ID
from assistant.reply import FaqRef
from assistant.session import SessionState
from knowledge.database import StoreDatabase
from knowledge.schemas import FaqEntry, Order, OrderStatus

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_CANCEL = re.compile(r"\b(cancel|stop)\b", re.I)
_EXCHANGE = re.compile(r"\b(exchange|swap|different (size|colou?r))\b", re.I)
_ADDRESS = re.compile(r"\baddress\b", re.I)


def order_summary(order: Order) -> str:
    items = ", ".join(f"{i.quantity} × {i.title}" for i in order.items)
    lines = [f"**Order {order.id}** — {order.status.value}, placed {order.placed_at:%B %d, %Y}",
             f"- Items: {items}", f"- Total: {money(order.total, order.currency)}"]
    if order.tracking_number:
        lines.append(f"- Tracking: {order.carrier} {order.tracking_number}")
    if order.status is OrderStatus.DELIVERED and order.delivered_at:
        lines.append(f"- Delivered on {order.delivered_at:%B %d, %Y}")
    elif order.status in (OrderStatus.PENDING, OrderStatus.PROCESSING, OrderStatus.SHIPPED) and order.estimated_delivery:
        lines.append(f"- Estimated delivery: {order.estimated_delivery:%B %d, %Y}")
    return "\n".join(lines)


class OrderAnswers:
    def __init__(self, db: StoreDatabase, faq: dict[str, FaqEntry], categories: Callable[[], dict[str, str]],
                 now: Callable[[], datetime] = datetime.now):
        self.db = db
        self.faq = faq
        self.categories = categories
        self.now = now

    def _verified_order(self, state: SessionState, message: str) -> tuple[Order | None, str | None]:
        """The order the message is about and is allowed to see, or a prompt for credentials."""
        m = ORDER_ID.search(message)
        order_id = m.group(0).upper() if m else state.pending_order_id
        if order_id is None:
            if state.customer_id:
                orders = self.db.orders_for(state.customer_id)
                return (orders[0], None) if orders else (None, "I couldn't find any orders on your account.")
            return None, ("To look up an order I need your order number (like MM-100123) and the e-mail "
                          "address used for it, or sign in as a customer.")
        order = self.db.order(order_id)
        if order is not None and state.customer_id == order.customer_id:
            return order, None
        if order_id in state.verified_order_ids and order is not None:
            return order, None
        email = EMAIL.search(message)
        if email and order is not None:
            customer = self.db.customer(order.customer_id)
            if customer is not None and customer.email.lower() == email.group(0).lower():
                state.verified_order_ids.add(order.id)
                state.pending_order_id = None
                return order, None
        state.pending_order_id = order_id
        if email:
            # Same answer whether the order exists or not: never confirm someone else's order.
            return None, f"That e-mail address doesn't match order {order_id}. Please check both and try again."
        return None, f"Please give the e-mail address used for order {order_id} so I can verify it's yours."

    def status(self, state: SessionState, message: str) -> Draft:
        order, prompt = self._verified_order(state, message)
        if order is None:
            return Draft("order_status", prompt or "")
        body = order_summary(order)
        others = []
        if state.customer_id == order.customer_id and not ORDER_ID.search(message):
            recent = [o for o in self.db.orders_for(order.customer_id)[1:4]]
            others = [f"- {o.id}: {o.status.value} (placed {o.placed_at:%b %d})" for o in recent]
        if others:
            body += "\n\nYour other recent orders:\n" + "\n".join(others)
        evidence = evidence_for(texts=[message, body])
        # No LLM lead for order data: status and dates are stated by code only.
        return Draft("order_status", f"Here's the latest on order {order.id}:", body, order_ids=[order.id],
                     evidence=evidence)

    def change(self, state: SessionState, message: str) -> Draft:
        order, prompt = self._verified_order(state, message)
        if order is None:
            return Draft("order_change", prompt or "")
        if _CANCEL.search(message):
            verdict = policy.can_cancel(order)
        elif _ADDRESS.search(message):
            verdict = policy.can_change_address(order)
        else:
            verdict = policy.can_return(order, self.categories(), self.now(),
                                        exchange=bool(_EXCHANGE.search(message)))
        entry = self.faq.get(verdict.faq_id)
        next_step = ("A support agent can complete this for you: say \"talk to a human\" and I'll hand "
                     "the conversation over with these details." if verdict.allowed else
                     "If you think this is wrong, say \"talk to a human\" and an agent will review it.")
        body = f"{verdict.reason}\n\n{order_summary(order)}\n\n{next_step}"
        faq_refs = []
        if entry is not None:
            body += f"\n\nPolicy [{entry.id}]: {entry.body}"
            faq_refs.append(FaqRef(entry.id, entry.title))
        lead = "Good news:" if verdict.allowed else "I checked your order against our policy:"
        return Draft("order_change", lead, body, order_ids=[order.id], faq=faq_refs,
                     evidence=evidence_for(texts=[message, body], policy_texts=[entry.body] if entry else []))
