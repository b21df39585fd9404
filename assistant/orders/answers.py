"""Order answers: status and tracking, and the cancel / return / exchange / address-change dialogue.

Order data is shown only to a verified shopper: the signed-in customer, or someone who gave the
order number together with the e-mail address on it (three wrong e-mails end the attempts for the
session). A change is proposed by code after a policy check, and written only after the shopper's
explicit "yes" (``assistant.orders.tools``); every step goes to the audit log. The LLM writes no
part of these replies.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from assistant.answers.draft import Draft, money
from assistant.grounding import evidence_for
from assistant.handoff import Handoff
from assistant.orders.numbers import OrderNumbers
from assistant.orders.policy import Eligibility, variant_words
from assistant.orders.tools import (
    ActionKind,
    ActionRefused,
    OrderTools,
    Proposal,
    ProposedAction,
    ReturnReason,
    confirmation_of,
    is_refusal,
    variant_of,
)
from assistant.product_types import singular
from assistant.reply import FaqRef
from assistant.safety.preview import in_preview
from assistant.session import SessionState
from assistant.slots import SlotUpdate
from knowledge.schemas import FaqEntry, Order, OrderItem, OrderStatus
from knowledge.store.order_log import ActionEntry, Outcome, ServiceRequest
from knowledge.store.tickets import HandoffReason
from knowledge.store_policy import Handling

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
MAX_VERIFY_ATTEMPTS = 3
_CANCEL = re.compile(r"\bcancel", re.I)
_ADDRESS = re.compile(r"\baddress\b|\b(?:ship|send|deliver) (?:it|them|my order|the order) to\b", re.I)
_EXCHANGE = re.compile(r"\b(?:exchange|swap|different (?:size|colou?r)|(?:another|other) (?:size|colou?r)|"
                       r"(?:bigger|smaller|larger) (?:size|one))\b", re.I)
_ASKS_CHANGE = re.compile(r"\b(?:cancel|return|refund|exchange|swap|address)", re.I)
_REASONS = (
    (ReturnReason.WRONG_ITEM, re.compile(r"\bwrong (?:item|product|size sent|one)\b|\bnot what i ordered\b", re.I)),
    (ReturnReason.DAMAGED, re.compile(r"\b(?:damaged|arrived broken|cracked|dented|torn)\b", re.I)),
    (ReturnReason.DEFECTIVE, re.compile(r"\b(?:defective|faulty|broken|doesn'?t work|not working|stopped working)\b",
                                        re.I)),
)
_ADDRESS_TAIL = re.compile(r"(?:\bto|:)\s+(\d{1,6}[A-Za-z]?\s+\S.*)$", re.I)
_TITLE_WORD = re.compile(r"[a-z]{4,}")
_COMMON = {"with", "from", "order", "return", "exchange", "want", "would", "like", "please", "item", "items",
           "this", "that", "these", "those", "them", "size", "color", "colour", "different", "another"}
# words of a message about an order that say nothing about which item it holds
_ORDER_TALK = set("""where when what which status track tracking package parcel delivery delivered arrive arrived
ordered bought purchased still hasn didn late cancel return refund exchange change address most recent last latest
placed week today yesterday help please thanks thank could would should about have mine they their there here check
know your will been send sent ship shipped shipping does doesn isn wasn came come coming mail email""".split())
ASK_YES = "Reply **yes** to go ahead, or **no** to leave the order as it is."


class Lookup(NamedTuple):
    """Which order a message is about, or what to say instead (``prompt``)."""

    order: Order | None
    prompt: str = ""
    picked: str = ""  # how the order was chosen when the shopper gave no number ("your most recent order")


def _order_list(orders: Sequence[Order]) -> str:
    return "\n".join(f"- {o.id}: {o.status.value}, placed {o.placed_at:%b %d, %Y} "
                     f"({', '.join(i.title for i in o.items[:2])}{', …' if len(o.items) > 2 else ''})" for o in orders)


def order_summary(order: Order, requests: Sequence[ServiceRequest] = ()) -> str:
    items = ", ".join(f"{i.quantity} × {i.title}" for i in order.items)
    lines = [f"**Order {order.id}** — {order.status.value}, placed {order.placed_at:%B %d, %Y}",
             f"- Items: {items}", f"- Total: {money(order.total, order.currency)}",
             f"- Ship to: {order.shipping_address}"]
    if order.tracking_number:
        lines.append(f"- Tracking: {order.carrier} {order.tracking_number}")
    if order.status is OrderStatus.DELIVERED and order.delivered_at:
        lines.append(f"- Delivered on {order.delivered_at:%B %d, %Y}")
    elif order.status in (OrderStatus.PENDING, OrderStatus.PROCESSING, OrderStatus.SHIPPED) and order.estimated_delivery:
        lines.append(f"- Estimated delivery: {order.estimated_delivery:%B %d, %Y}")
    titles = {i.product_id: i.title for i in order.items}
    for request in requests:
        what = f"exchange for {request.new_sku}" if request.kind == "exchange" else "return"
        lines.append(f"- {request.id}: {what} of {titles.get(request.product_id, request.product_id)} "
                     f"({request.status})")
    return "\n".join(lines)


def action_kind(message: str) -> ActionKind:
    if _CANCEL.search(message):
        return ActionKind.CANCEL
    if _ADDRESS.search(message):
        return ActionKind.CHANGE_ADDRESS
    if _EXCHANGE.search(message):
        return ActionKind.EXCHANGE
    return ActionKind.RETURN


def return_reason(message: str) -> ReturnReason:
    return next((reason for reason, pattern in _REASONS if pattern.search(message)), ReturnReason.OTHER)


def new_address(message: str) -> str | None:
    m = _ADDRESS_TAIL.search(message.strip())
    return m.group(1).strip().rstrip(".") if m else None


def named_items(order: Order, message: str) -> list[OrderItem]:
    """The order's items the message names by a word of their title that the other items lack."""
    words = set(_TITLE_WORD.findall(message.lower())) - _COMMON
    if not words:
        return []
    title_words = {i.product_id: set(_TITLE_WORD.findall(i.title.lower())) for i in order.items}
    named = []
    for item in order.items:
        others = set().union(*(w for pid, w in title_words.items() if pid != item.product_id))
        if words & (title_words[item.product_id] - others):
            named.append(item)
    return named


class OrderAnswers:
    def __init__(self, tools: OrderTools, faq: dict[str, FaqEntry], slots: Callable[[str], SlotUpdate],
                 numbers: OrderNumbers, handoff: Handoff):
        self.tools = tools
        self.db = tools.db
        self.faq = faq
        self.slots = slots
        self.numbers = numbers
        self.handoff = handoff

    # -- verification ----------------------------------------------------------------------------
    def _audit(self, state: SessionState, action: str, outcome: Outcome, order_id: str = "", detail: str = "",
               customer_id: str = "", arguments: dict[str, object] | None = None) -> None:
        if in_preview():  # a copilot suggestion leaves no trace in the audit log
            return
        self.tools.log.record(ActionEntry(session_id=state.session_id, action=action, outcome=outcome,
                                          order_id=order_id, customer_id=customer_id or state.customer_id or "",
                                          detail=detail, arguments=arguments or {}), self.tools.now())

    def _verified_order(self, state: SessionState, message: str, action: str) -> Lookup:
        """The order the message is about and is allowed to see, or what to say instead: a prompt for
        credentials, or that the order named does not exist / is not the shopper's. Never another order."""
        mentions = self.numbers.find(message)
        if len(mentions) > 1:
            named = " or ".join(m.text for m in mentions[:4])
            return Lookup(None, f"I can look at one order at a time: which one do you mean, {named}? "
                                "Send me just that order number.")
        mention = mentions[0] if mentions else None
        if mention is None and state.pending_order_id is None:
            if state.customer_id:
                return self._order_on_account(state, message)
            state.order_request = message
            return Lookup(None, "To look up an order I need your order number (it is in your order confirmation) "
                                "and the e-mail address used for it, or sign in as a customer.")
        order_id = (mention.order_id or mention.text) if mention else state.pending_order_id
        assert order_id is not None
        order = self.db.order(order_id) if mention is None or mention.order_id else None
        if order is not None and (state.customer_id == order.customer_id or order.id in state.verified_order_ids):
            state.pending_order_id = None
            return Lookup(order)
        if state.failed_verifications >= MAX_VERIFY_ATTEMPTS:
            state.pending_order_id = None
            return Lookup(None, "For your security I can't check more e-mail addresses in this chat. Say \"talk to "
                                "a human\" and an agent will verify your identity another way.")
        email = EMAIL.search(message)
        if email and order is not None:
            customer = self.db.customer(order.customer_id)
            if customer is not None and customer.email.lower() == email.group(0).lower():
                state.verified_order_ids.add(order.id)
                state.pending_order_id = None
                return Lookup(order)
        state.pending_order_id = order_id
        if email:
            state.failed_verifications += 1
            self._audit(state, action, Outcome.VERIFY_FAILED, order_id, "order number and e-mail do not match")
            # Same answer whether the order exists or not: never confirm someone else's order.
            return Lookup(None, f"That e-mail address doesn't match order {order_id}: I couldn't find an order "
                                f"{order_id} placed with it. Please check both and try again.")
        state.order_request = message if mention else state.order_request
        if state.customer_id and mention is not None:
            # Not on the signed-in account, or no such order: the same words either way.
            return Lookup(None, f"I can't find an order {order_id} on your account, so I haven't looked at or "
                                "changed any other order. Please check the number in your order confirmation; if "
                                "the order was placed with another e-mail address, send that address and I'll "
                                "verify it.")
        return Lookup(None, f"Please give the e-mail address used for order {order_id} so I can verify it's yours.")

    def _order_on_account(self, state: SessionState, message: str) -> Lookup:
        """No order number from a signed-in shopper: the order holding the item they name, else their
        most recent one (``picked`` says which, for the reply to say)."""
        orders = self.db.orders_for(state.customer_id or "")
        if not orders:
            return Lookup(None, "I couldn't find any orders on your account.")
        holding, named = self._orders_holding(orders, message)
        if named and not holding:
            return Lookup(None, f"I couldn't find {named} in your orders, so I haven't looked at any other order. "
                                f"Your recent orders:\n{_order_list(orders[:5])}")
        if len(holding) > 1:
            state.order_request = message
            return Lookup(None, f"{len(holding)} of your orders have {named}. Which one do you mean? Send its "
                                f"number:\n{_order_list(holding[:6])}")
        if holding:
            return Lookup(holding[0], picked=f"your order with {named}")
        return Lookup(orders[0], picked="your most recent order")

    def _orders_holding(self, orders: list[Order], message: str) -> tuple[list[Order], str]:
        """The orders holding an item the message names ("the water bottle I ordered"), and how it was
        named; ``([], "")`` when the message names no product."""
        update = self.slots(message)
        # "I need it for the gym" names a use, not an item of the order
        category = None if update.category_from_use else update.filter.category
        kinds = set(update.filter.subcategories)
        if kinds or category:
            label = update.product_label or category or "that item"
            words = {singular(w) for w in re.findall(r"[a-z]+", label.lower())}

            def holds(item: OrderItem) -> bool:
                product = self.tools.product(item.product_id)
                if product is not None:
                    return product.subcategory in kinds or (not kinds and product.category == category)
                return words <= {singular(w) for w in re.findall(r"[a-z]+", item.title.lower())}

            return [o for o in orders if any(holds(i) for i in o.items)], f"a {label}"
        words = set(_TITLE_WORD.findall(message.lower())) - _COMMON - _ORDER_TALK
        titled = [o for o in orders if any(words & set(_TITLE_WORD.findall(i.title.lower())) for i in o.items)]
        hits = sorted(words & {w for o in titled for i in o.items for w in _TITLE_WORD.findall(i.title.lower())})
        return titled, (f"\"{' '.join(hits)}\"" if titled else "")

    # -- status ----------------------------------------------------------------------------------
    def status(self, state: SessionState, message: str) -> Draft:
        before = state.failed_verifications
        order, prompt, picked = self._verified_order(state, message, "status")
        if order is None:
            return Draft("order_status", prompt, failed=state.failed_verifications > before)
        self._audit(state, "status", Outcome.VIEWED, order.id, customer_id=order.customer_id)
        body = order_summary(order, self.tools.requests(order.id))
        if picked:
            others = [o for o in self.db.orders_for(order.customer_id) if o.id != order.id][:3]
            if others:
                body += ("\n\nYour other recent orders (give a number to see one):\n" + _order_list(others))
        lead = (f"Here's {picked}, {order.id}:" if picked else f"Here's the latest on order {order.id}:")
        return Draft("order_status", lead, body, order_ids=[order.id],
                     evidence=evidence_for(texts=[message], price_texts=[body]))

    # -- changes ---------------------------------------------------------------------------------
    def change(self, state: SessionState, message: str) -> Draft:
        request = state.order_request if state.order_request and not _ASKS_CHANGE.search(message) else ""
        before = state.failed_verifications
        order, prompt, picked = self._verified_order(state, message, "change")
        if order is None:
            return Draft("order_change", prompt, failed=state.failed_verifications > before)
        text = f"{request} {message}".strip() if request else message
        state.order_request = ""
        kind = action_kind(text)
        rules = self.tools.rules
        if rules.handling(kind.value) is Handling.TICKET:
            return self._ticket(state, order, kind, text, picked)
        if kind is ActionKind.CANCEL:
            proposal = self.tools.propose_cancel(order)
        elif kind is ActionKind.CHANGE_ADDRESS:
            proposal = self.tools.propose_address_change(order, new_address(text))
        elif kind is ActionKind.EXCHANGE:
            named = named_items(order, text)
            item = named[0] if named else (order.items[0] if len(order.items) == 1 else None)
            wanted = self.slots(text).filter
            other = wanted.brand if wanted.brand and item and wanted.brand not in item.title else None
            if other and not rules.policy.exchanges.same_product_only:
                return self._ticket(state, order, kind, text, picked)  # another product: the team arranges it
            proposal = self.tools.propose_exchange(order, item, wanted.color, wanted.size, other)
        else:
            proposal = self.tools.propose_return(order, [i.product_id for i in named_items(order, text)],
                                                 return_reason(text))
        return self._proposal_reply(state, order, kind, proposal, picked)

    def _ticket(self, state: SessionState, order: Order, kind: ActionKind, text: str, picked: str) -> Draft:
        """The store handles this change in person: a ticket for its team, and nothing changed here."""
        what = {ActionKind.CANCEL: "cancellation", ActionKind.CHANGE_ADDRESS: "address change",
                ActionKind.RETURN: "return", ActionKind.EXCHANGE: "exchange"}[kind]
        ticket = self.handoff.open(state, HandoffReason.ORDER_REVIEW, text,
                                   note=f"Order request: {what} of order {order.id}")
        self._audit(state, kind.value, Outcome.TICKETED, order.id, f"passed to the team as {ticket.id}",
                    order.customer_id)
        which = f" ({picked})" if picked else ""
        lead = (f"Our team handles {what} requests personally, so I've passed yours for order {order.id}{which} "
                f"to them as ticket {ticket.id}. Nothing has been changed yet; they'll see this conversation and "
                "get back to you.")
        body = order_summary(order, self.tools.requests(order.id))
        return Draft("order_change", lead, body, order_ids=[order.id], handoff=True, ticket_id=ticket.id,
                     evidence=evidence_for(price_texts=[body]))

    def _proposal_reply(self, state: SessionState, order: Order, kind: ActionKind, proposal: Proposal,
                        picked: str = "") -> Draft:
        action = proposal.action
        which = f"I took {picked}, {order.id} (send another order number if you meant a different one). " \
            if picked else ""
        if action is None:
            self._audit(state, kind.value, Outcome.REFUSED, order.id, proposal.verdict.reason, order.customer_id)
            return self._policy_draft(order, proposal.verdict, f"{which}I checked your order against our policy:",
                                      "If you think this is wrong, say \"talk to a human\" and an agent will review it.")
        state.pending_action = action
        if action.missing == "address":
            ask = f"What is the new shipping address for order {order.id}? Please give the number, street, town, " \
                  "state or province and postal code."
        elif action.missing == "item":
            options = "\n".join(f"- {i.title}" for i in order.items)
            ask = f"Which item from order {order.id} would you like to exchange?\n{options}"
        elif action.missing == "variant":
            ask = f"{proposal.verdict.reason}\n\nWhich size or color would you like instead?"
        else:
            self._audit(state, kind.value, Outcome.PROPOSED, order.id, self._describe(action, order),
                        order.customer_id, action.arguments())
            return self._policy_draft(order, proposal.verdict, f"{which}Here's what I can do:",
                                      f"Please confirm: {self._describe(action, order)}\n\n{ASK_YES}",
                                      pending=action)
        return Draft("order_change", f"{which}{ask}", order_ids=[order.id], pending=action)

    def _describe(self, action: ProposedAction, order: Order) -> str:
        titles = {i.product_id: i.title for i in order.items}
        if action.kind is ActionKind.CANCEL:
            return (f"cancel order {order.id} ({money(order.total, order.currency)}); it is refunded in full to the "
                    "original payment method.")
        if action.kind is ActionKind.CHANGE_ADDRESS:
            return f"ship order {order.id} to **{action.new_address}** instead of {order.shipping_address}."
        if action.kind is ActionKind.EXCHANGE:
            item = next(i for i in order.items if i.product_id == action.product_ids[0])
            product = self.tools.product(item.product_id)
            have, want = (variant_of(product, sku) if product else None for sku in (item.sku, action.new_sku))
            return (f"exchange {item.title} ({variant_words(have) if have else 'as ordered'}) from order {order.id} "
                    f"for {variant_words(want) if want else action.new_sku}, free of charge; send the original "
                    "back unused.")
        items = ", ".join(titles[p] for p in action.product_ids)
        fee = self.tools.rules.policy.returns.shipping_fee
        label = ("a free prepaid return label" if action.reason.free_label or not fee else
                 f"a prepaid return label; the return shipping fee is deducted from your refund "
                 f"({money(fee, order.currency)})")
        return f"return {items} from order {order.id} (reason: {action.reason.value.replace('_', ' ')}), with {label}."

    def _policy_draft(self, order: Order, verdict: Eligibility, lead: str, next_step: str,
                      pending: ProposedAction | None = None) -> Draft:
        """The verdict, the order and the next step, quoting the FAQ entries the rules come from (the
        verdict's, and the return-fee entry when a proposal states the fee)."""
        cited = [verdict.faq_id]
        fee_faq = self.tools.rules.policy.returns.fee_faq
        if pending is not None and pending.kind is ActionKind.RETURN and not pending.reason.free_label and fee_faq:
            cited.append(fee_faq)
        entries = [e for e in dict.fromkeys(self.faq.get(i) for i in cited) if e is not None]
        reason = f"{verdict.reason}\n\n" if verdict.reason else ""
        body = f"{reason}{order_summary(order, self.tools.requests(order.id))}\n\n{next_step}"
        for entry in entries:
            body += f"\n\nPolicy [{entry.id}]: {entry.body}"
        return Draft("order_change", lead, body, order_ids=[order.id], faq=[FaqRef(e.id, e.title) for e in entries],
                     pending=pending, evidence=evidence_for(price_texts=[body], policy_texts=[e.body for e in entries]))

    # -- the answer to a pending proposal ----------------------------------------------------------
    def follow_up(self, state: SessionState, message: str) -> Draft | None:
        """Handle the reply to a pending action: a missing detail, yes or no. None = the shopper moved on
        (the proposal is dropped and logged as abandoned; the message is routed as usual)."""
        action = state.pending_action
        assert action is not None
        order = self.tools.order(action.order_id)
        if order is None:
            state.pending_action = None
            return None
        if action.missing is not None:
            proposal = self._fill(action, order, message)
            if proposal is None:
                self._abandon(state, action)
                return None
            state.pending_action = None
            return self._proposal_reply(state, order, action.kind, proposal)
        confirmation = confirmation_of(message, action)
        if confirmation is not None:
            state.pending_action = None
            try:
                changed = self.tools.apply(action, confirmation, state.session_id)
            except ActionRefused as refused:
                return self._policy_draft(order, refused.verdict, "I couldn't complete that:",
                                          "Nothing was changed. Say \"talk to a human\" if you need more help.")
            done = {ActionKind.CANCEL: f"order {order.id} is cancelled.",
                    ActionKind.CHANGE_ADDRESS: f"order {order.id} will ship to {action.new_address}.",
                    ActionKind.RETURN: "your return is requested; the label is on its way by e-mail.",
                    ActionKind.EXCHANGE: "your exchange is requested; the label is on its way by e-mail."}[action.kind]
            body = order_summary(changed, self.tools.requests(order.id))
            return Draft("order_change", f"Done: {done}", body, order_ids=[order.id],
                         evidence=evidence_for(price_texts=[body]))
        if is_refusal(message):
            state.pending_action = None
            self._audit(state, action.kind.value, Outcome.DECLINED, order.id, "the shopper said no",
                        order.customer_id, action.arguments())
            return Draft("order_change", f"OK, I haven't changed anything: order {order.id} stays as it is.",
                         order_ids=[order.id])
        self._abandon(state, action)
        return None

    def _fill(self, action: ProposedAction, order: Order, message: str) -> Proposal | None:
        if action.missing == "address":
            address = new_address(message) or message.strip()
            if not self.tools.rules.check_address(address, order).allowed and not re.search(r"\d", message):
                return None  # not an address: the shopper moved on
            return self.tools.propose_address_change(order, address)
        wanted = self.slots(message).filter
        if action.missing == "item":
            named = named_items(order, message)
            if not named:
                return None
            return self.tools.propose_exchange(order, named[0], wanted.color, wanted.size)
        if wanted.color or wanted.size:
            item = next(i for i in order.items if i.product_id == action.product_ids[0])
            return self.tools.propose_exchange(order, item, wanted.color, wanted.size)
        return None

    def _abandon(self, state: SessionState, action: ProposedAction) -> None:
        state.pending_action = None
        self._audit(state, action.kind.value, Outcome.ABANDONED, action.order_id,
                    "the shopper moved on without confirming", action.customer_id, action.arguments())

