"""Handing a conversation to a human: when to, and the ticket the agent copilot picks up.

A ticket is opened when the shopper asks for a person, shows strong frustration, or the assistant
fails twice in a row (no answer found, out of scope, a wrong e-mail for an order). Its summary is
written by code from the session: who, why, what they were doing, orders and pending actions,
and their last messages, so the agent does not have to read the whole transcript.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from assistant.answers.draft import Draft
from assistant.safety.preview import in_preview
from assistant.safety.privacy import mask_personal_data
from assistant.session import SessionState
from knowledge.store.tickets import HandoffReason, Ticket, TicketStore

REPEATED_FAILURES = 2
TRANSCRIPT_TURNS = 20
_FRUSTRATION = re.compile(
    r"\b(useless|ridiculous|pathetic|unacceptable|terrible (service|bot|assistant)|worst (service|bot|assistant|"
    r"store|company)|waste of (my )?time|are you kidding|wtf|fed up|(so|really|very) (angry|annoyed|frustrated|"
    r"mad|upset)|i'?m (angry|furious|livid|fed up)|frustrated with (you|this|your)|stupid (bot|assistant|machine)|this is a joke|"
    r"not helpful at all|you'?re not helping|doesn'?t help at all)\b",
    re.I,
)


def is_frustrated(message: str) -> bool:
    """Strong frustration: an explicit phrase, or shouting (most letters upper case) with '!!'."""
    letters = [c for c in message if c.isalpha()]
    shouting = len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.7 and "!!" in message
    return bool(_FRUSTRATION.search(message)) or shouting


def summarise(state: SessionState, reason: HandoffReason, customer_name: str | None, message: str) -> str:
    who = f"{customer_name} ({state.customer_id})" if state.customer_id else "guest (not signed in)"
    intents = [t.intent for t in state.turns if t.role == "user" and t.intent]
    lines = [f"Customer: {who}", f"Reason: {reason.value}"]
    if intents:
        lines.append("Topics: " + " → ".join(dict.fromkeys(intents)))
    orders = sorted(state.verified_order_ids | ({state.pending_order_id} if state.pending_order_id else set()))
    if orders:
        verified = ", ".join(f"{o} ({'verified' if o in state.verified_order_ids else 'NOT verified'})" for o in orders)
        lines.append(f"Orders: {verified}")
    if state.failed_verifications:
        lines.append(f"Failed e-mail verifications: {state.failed_verifications}")
    if state.pending_action is not None:
        a = state.pending_action
        lines.append(f"Unconfirmed action: {a.kind.value} on {a.order_id}")
    if state.constraints.describe():
        lines.append("Shopping for: " + ", ".join(state.constraints.describe()))
    recent = [t.text for t in state.turns if t.role == "user"][-2:] + [message]
    lines.append("Last messages: " + " | ".join(f"\"{m[:160]}\"" for m in recent))
    return "\n".join(lines)


class Handoff:
    def __init__(self, tickets: TicketStore, customer_name: Callable[[str], str | None],
                 now: Callable[[], datetime]):
        self.tickets = tickets
        self.customer_name = customer_name
        self.now = now

    def open(self, state: SessionState, reason: HandoffReason, message: str, note: str = "") -> Ticket:
        """The session's open ticket, or a new one."""
        existing = self.tickets.open_for(state.session_id)
        if existing is not None:
            state.ticket_id = existing.id
            return existing
        if in_preview():  # a copilot suggestion: say what would happen, open nothing
            return Ticket("(a new ticket)", state.session_id, state.customer_id or "", reason, message)
        name = self.customer_name(state.customer_id) if state.customer_id else None
        transcript = [{"role": t.role, "text": t.text} for t in state.turns[-TRANSCRIPT_TURNS:]]
        transcript.append({"role": "user", "text": mask_personal_data(message)})
        orders = sorted(state.verified_order_ids)
        ticket = self.tickets.create(state.session_id, state.customer_id or "", reason,
                                     mask_personal_data(summarise(state, reason, name, message))
                                     + (f"\n{note}" if note else ""),
                                     transcript, orders, self.now())
        state.ticket_id = ticket.id
        return ticket

    def draft(self, state: SessionState, reason: HandoffReason, message: str, base: Draft, note: str = "") -> Draft:
        """``base`` (the FAQ's contact-hours answer) with the ticket opened and said in the lead."""
        ticket = self.open(state, reason, message, note)
        why = {HandoffReason.ASKED: "as you asked",
               HandoffReason.FRUSTRATION: "I'm sorry this has been frustrating",
               HandoffReason.REPEATED_FAILURE: "I haven't been able to help with this",
               HandoffReason.NO_ANSWER: "I couldn't find an answer",
               HandoffReason.ORDER_REVIEW: "to review your order",
               HandoffReason.STORE_INTENT: "our team handles this personally"}[reason]
        lead = (f"I've passed this conversation to a human agent ({why}); your ticket is {ticket.id}. "
                "They'll see everything we discussed, so you won't need to repeat yourself.")
        return Draft("handoff", lead, base.body, faq=base.faq, handoff=True, ticket_id=ticket.id,
                     evidence=base.evidence)
