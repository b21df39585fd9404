"""Order tools: plain functions with typed arguments over the orders database.

Reading tools (``order``, ``propose_*``) never write. Writing tools (``cancel_order``,
``change_shipping_address``, ``request_return``, ``request_exchange``) take a ``Confirmation``,
which only ``confirmation_of`` makes, from the shopper's own message answering a proposal that code
made: no text from the LLM can reach a write. Each writing tool re-checks the policy against the
order as it is now, then writes the change and its audit row in one transaction.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from assistant.errors import StoreWriteFailed
from assistant.orders.policy import Eligibility, OrderPolicy
from assistant.safety.preview import in_preview
from knowledge.errors import StoreWriteError
from knowledge.schemas import Order, OrderItem, OrderStatus, Product, Variant
from knowledge.store.database import StoreDatabase
from knowledge.store.order_log import ActionEntry, OrderLog, Outcome, ServiceRequest

YES = re.compile(r"^\s*(?:yes|y|yep|yeah|yup|confirm(?:ed)?|i confirm|go ahead|please do|do it)"
                 r"(?:[,\s]+(?:please|do it|go ahead|confirm(?:ed)?|that'?s (?:right|correct)|correct|thanks?|"
                 r"thank you|cancel it|return it|exchange it|change it|proceed))*\s*[.!]*\s*$", re.I)
NO = re.compile(r"^\s*(?:no|n|nope|nah|no thanks?|no,? thank you|don'?t|do not|never ?mind|keep it|"
                r"no,? (?:keep it|leave it|don'?t|do not)[\w\s]*)\s*[.!]*\s*$", re.I)


class ActionKind(StrEnum):
    CANCEL = "cancel"
    RETURN = "return"
    EXCHANGE = "exchange"
    CHANGE_ADDRESS = "change_address"


class ReturnReason(StrEnum):
    DEFECTIVE = "defective"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    OTHER = "other"  # change of mind, fit, …: the return shipping fee applies

    @property
    def free_label(self) -> bool:
        return self is not ReturnReason.OTHER


@dataclass(frozen=True)
class ProposedAction:
    """An eligible action waiting for the shopper's explicit yes (or for a missing detail)."""

    kind: ActionKind
    order_id: str
    customer_id: str
    product_ids: tuple[str, ...] = ()
    new_sku: str | None = None
    new_address: str | None = None
    reason: ReturnReason = ReturnReason.OTHER
    missing: str | None = None  # "address" | "variant" | "item": asked for, not yet given
    id: str = ""

    def arguments(self) -> dict[str, object]:
        return {"product_ids": list(self.product_ids), "new_sku": self.new_sku, "new_address": self.new_address,
                "reason": self.reason.value}


@dataclass(frozen=True)
class Confirmation:
    action_id: str
    text: str  # the shopper's words that confirmed


def confirmation_of(message: str, pending: ProposedAction) -> Confirmation | None:
    """The shopper's explicit yes to ``pending``, or None."""
    if pending.missing is None and YES.match(message):
        return Confirmation(pending.id, message.strip())
    return None


def is_refusal(message: str) -> bool:
    return bool(NO.match(message))


class ActionRefused(Exception):
    """A write that policy (re-checked at apply time) or a missing confirmation does not allow."""

    def __init__(self, verdict: Eligibility):
        super().__init__(verdict.reason)
        self.verdict = verdict


@dataclass(frozen=True)
class Proposal:
    verdict: Eligibility
    action: ProposedAction | None  # None when refused


def variant_of(product: Product, sku: str | None) -> Variant | None:
    return next((v for v in product.variants if v.sku == sku), None)


class OrderTools:
    def __init__(self, db: StoreDatabase, log: OrderLog, product: Callable[[str], Product | None],
                 rules: OrderPolicy, now: Callable[[], datetime]):
        self.db = db
        self.log = log
        self.product = product
        self.rules = rules
        self.now = now

    # -- reading ---------------------------------------------------------------------------------
    def order(self, order_id: str) -> Order | None:
        return self.db.order(order_id)

    def requests(self, order_id: str) -> list[ServiceRequest]:
        return self.log.requests_for(order_id)

    def propose_cancel(self, order: Order) -> Proposal:
        verdict = self.rules.can_cancel(order)
        return Proposal(verdict, self._action(ActionKind.CANCEL, order) if verdict.allowed else None)

    def propose_address_change(self, order: Order, new_address: str | None) -> Proposal:
        verdict = self.rules.can_change_address(order)
        if verdict.allowed and new_address is not None:
            verdict = self.rules.check_address(new_address, order)
        if not verdict.allowed:
            return Proposal(verdict, None)
        return Proposal(verdict, self._action(ActionKind.CHANGE_ADDRESS, order, new_address=new_address,
                                              missing=None if new_address else "address"))

    def propose_return(self, order: Order, product_ids: list[str], reason: ReturnReason) -> Proposal:
        # an exchanged item may still be returned (within its window); a returned one not again
        taken = {r.product_id for r in self.requests(order.id) if r.kind == "return"}
        items = [i for i in order.items if i.product_id in product_ids] or list(order.items)
        fresh = [i for i in items if i.product_id not in taken]
        if not fresh:
            return Proposal(Eligibility(False, f"A return was already requested for {_titles(items)} from order "
                                        f"{order.id}.", self.rules.policy.returns.faq or ""), None)
        now = self.now()
        verdict = self.rules.can_return(order.model_copy(update={"items": fresh}), now)
        if not verdict.allowed:
            return Proposal(verdict, None)
        open_items = [i for i in fresh if self.rules.item_returnable(order, i, now)]
        return Proposal(verdict, self._action(ActionKind.RETURN, order, product_ids=tuple(i.product_id for i in open_items),
                                              reason=reason))

    def propose_exchange(self, order: Order, item: OrderItem | None, color: str | None, size: str | None,
                         other_brand: str | None = None) -> Proposal:
        if item is None:
            return Proposal(Eligibility(True, "", self.rules.policy.exchanges.faq or ""),
                            self._action(ActionKind.EXCHANGE, order, missing="item"))
        if any(r.product_id == item.product_id and r.kind == "return" for r in self.requests(order.id)):
            return Proposal(Eligibility(False, f"A return was already requested for {item.title} from order "
                                        f"{order.id}, so it cannot be exchanged.", self.rules.policy.exchanges.faq
                                        or ""), None)
        product = self.product(item.product_id)
        before = self._exchanges_of(order.id, item.product_id)
        wanted = _wanted_variant(product, item, color, size) if product else None
        verdict = self.rules.can_exchange(order, item, product, wanted, self.now(), exchanged_before=before,
                                          other_brand=other_brand, asked=bool(color or size))
        if not verdict.allowed:
            return Proposal(verdict, None)
        return Proposal(verdict, self._action(ActionKind.EXCHANGE, order, product_ids=(item.product_id,),
                                              new_sku=wanted.sku if wanted else None,
                                              missing=None if wanted else "variant"))

    def _exchanges_of(self, order_id: str, product_id: str) -> int:
        return sum(1 for r in self.requests(order_id) if r.product_id == product_id and r.kind == "exchange")

    def _action(self, kind: ActionKind, order: Order, **fields: object) -> ProposedAction:
        return ProposedAction(kind=kind, order_id=order.id, customer_id=order.customer_id,
                              id=uuid.uuid4().hex[:12], **fields)  # type: ignore[arg-type]

    # -- writing: each needs the shopper's confirmation of exactly this action --------------------
    def apply(self, action: ProposedAction, confirmation: Confirmation, session_id: str,
              actor: str = "shopper") -> Order:
        """Run the confirmed action; raises ``ActionRefused`` (and logs it) if it is no longer allowed, and
        ``StoreWriteFailed`` if the store cannot take the write now (its ``saved`` says whether the
        action is journaled and will be applied: then it must not be repeated)."""
        if in_preview():
            raise RuntimeError("an order action reached apply() inside a preview: suggestions never write")
        if confirmation.action_id != action.id or action.missing is not None:
            raise ActionRefused(Eligibility(False, "That action was not confirmed.", ""))
        order = self.order(action.order_id)
        if order is None:
            raise ActionRefused(Eligibility(False, f"Order {action.order_id} no longer exists.", ""))
        now = self.now()
        entry = ActionEntry(session_id=session_id, action=action.kind.value, outcome=Outcome.APPLIED,
                            order_id=order.id, customer_id=order.customer_id, actor=actor,
                            arguments=action.arguments(), detail=f"confirmed with {confirmation.text!r}")
        try:
            if action.kind is ActionKind.CANCEL:
                return self.cancel_order(order, entry, now)
            if action.kind is ActionKind.CHANGE_ADDRESS:
                assert action.new_address is not None
                return self.change_shipping_address(order, action.new_address, entry, now)
            if action.kind is ActionKind.RETURN:
                return self.request_return(order, list(action.product_ids), action.reason, entry, now)
            assert action.new_sku is not None
            return self.request_exchange(order, action.product_ids[0], action.new_sku, entry, now)
        except ActionRefused as refused:
            self.log.record(replace(entry, outcome=Outcome.FAILED, detail=refused.verdict.reason), now)
            raise
        except StoreWriteError as exc:
            raise StoreWriteFailed.translate(exc) from exc

    def cancel_order(self, order: Order, entry: ActionEntry, now: datetime) -> Order:
        verdict = self.rules.can_cancel(order)
        if not verdict.allowed:
            raise ActionRefused(verdict)
        changed = order.model_copy(update={"status": OrderStatus.CANCELLED, "updated_at": now})
        self.log.apply(replace(entry, detail=f"{entry.detail}; status pending → cancelled"), now, order=changed)
        return changed

    def change_shipping_address(self, order: Order, new_address: str, entry: ActionEntry, now: datetime) -> Order:
        verdict = self.rules.can_change_address(order)
        if verdict.allowed:
            verdict = self.rules.check_address(new_address, order)
        if not verdict.allowed:
            raise ActionRefused(verdict)
        changed = order.model_copy(update={"shipping_address": new_address, "updated_at": now})
        self.log.apply(replace(entry, detail=f"{entry.detail}; address {order.shipping_address!r} → "
                               f"{new_address!r}"), now, order=changed)
        return changed

    def request_return(self, order: Order, product_ids: list[str], reason: ReturnReason, entry: ActionEntry,
                       now: datetime) -> Order:
        proposal = self.propose_return(order, product_ids, reason)
        if proposal.action is None or not proposal.action.product_ids:
            raise ActionRefused(proposal.verdict)
        requests = [ServiceRequest(id=f"RR-{uuid.uuid4().hex[:8].upper()}", order_id=order.id, product_id=pid,
                                   kind="return", new_sku=None, reason=reason.value, status="requested", ts=now)
                    for pid in proposal.action.product_ids]
        self.log.apply(replace(entry, detail=f"{entry.detail}; return requested: "
                               f"{', '.join(r.id for r in requests)}"), now, requests=requests)
        return order

    def request_exchange(self, order: Order, product_id: str, new_sku: str, entry: ActionEntry,
                         now: datetime) -> Order:
        item = next((i for i in order.items if i.product_id == product_id), None)
        product = self.product(product_id)
        wanted = variant_of(product, new_sku) if product else None
        before = self._exchanges_of(order.id, product_id)
        verdict = self.rules.can_exchange(order, item, product, wanted, now, exchanged_before=before, asked=True)
        if not verdict.allowed or item is None:
            raise ActionRefused(verdict)
        request = ServiceRequest(id=f"RR-{uuid.uuid4().hex[:8].upper()}", order_id=order.id, product_id=product_id,
                                 kind="exchange", new_sku=new_sku, reason="", status="requested", ts=now)
        self.log.apply(replace(entry, detail=f"{entry.detail}; exchange requested: {request.id} "
                               f"{item.sku or product_id} → {new_sku}"), now, requests=[request])
        return order


def _titles(items: list[OrderItem]) -> str:
    return ", ".join(i.title for i in items)


def _wanted_variant(product: Product, item: OrderItem, color: str | None, size: str | None) -> Variant | None:
    """The variant the shopper asks for: the named color/size, the rest as in the one they have."""
    if not color and not size:
        return None
    current = variant_of(product, item.sku)
    want_color = (color or (current.color if current else None) or "").lower()
    want_size = (size or (current.size if current else None) or "").lower()
    for variant in product.variants:
        if (variant.color or "").lower() == want_color and (variant.size or "").lower() == want_size:
            return variant
    if color and not size:  # the color in any size, when the current size does not come in it
        return next((v for v in product.variants if (v.color or "").lower() == want_color
                     and (current is None or current.size is None)), None)
    return None
