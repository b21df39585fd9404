"""The turn loop: message → clean → intent vote → route (``Router``: intent and facts selected by
code) → escalate → verified reply.

>>> # assistant = services.assistant; state = SessionState(customer_id="C001")
>>> # reply = assistant.respond(state, "running shoes under $80 for flat feet")
>>> # reply.intent, reply.product_ids[:2]
"""

from __future__ import annotations

import copy
import re
import time
import unicodedata
from collections.abc import Iterator

from assistant.answers.draft import Draft
from assistant.answers.faq import FaqAnswers
from assistant.answers.products import ProductAnswers
from assistant.errors import InvalidMessage
from assistant.handoff import REPEATED_FAILURES, Handoff, is_frustrated
from assistant.intents.classifier import Intent, IntentClassifier, IntentPrediction
from assistant.orders.answers import OrderAnswers
from assistant.reply import PartialText, Reply
from assistant.router import BROWSING, Router
from assistant.safety.preview import previewing
from assistant.safety.privacy import mask_personal_data
from assistant.session import SessionState, Turn
from assistant.stage_times import StageTimes, stage
from assistant.vocabulary.typos import Corrected, Correction, SpellingCorrector
from assistant.writer import Lead, ReplyWriter
from knowledge.store.tickets import HandoffReason

_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff\U000e0000-\U000e007f]")
FILTER_REMOVED = "(removed filter: "  # how a chip removal is recorded as the shopper's turn
MAX_TURNS_KEPT = 100  # the transcript a session keeps in memory (all turns are stored by Conversations)


def clean_message(text: str, max_chars: int) -> str:
    """Normalise a shopper's message or raise ``InvalidMessage`` with what to do."""
    if not isinstance(text, str):
        raise InvalidMessage("The message must be text.")
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()
    if not text:
        raise InvalidMessage("Your message is empty — type a question or what you're looking for.")
    if len(text) > max_chars:
        raise InvalidMessage(
            f"Your message is {len(text):,} characters long; the limit is {max_chars:,}. "
            "Please shorten it to the question you'd like answered."
        )
    return text


def correction_note(corrections: tuple[Correction, ...], products_shown: bool) -> str:
    """What a reply says first about the typos it read as store words: 'Showing results for "running shoes"
    (you typed "runing shoos").', or 'I read "wemen" as "women".' when it shows no products."""
    if not corrections:
        return ""
    if products_shown:
        corrected = ", ".join(f'"{c.corrected}"' for c in corrections)
        typed = ", ".join(f'"{c.typed}"' for c in corrections)
        return f"_Showing results for {corrected} (you typed {typed})._"
    return "_I read " + ", ".join(f'"{c.typed}" as "{c.corrected}"' for c in corrections) + "._"


class Assistant:
    """One instance serves many conversations; all per-conversation memory is in ``SessionState``."""

    def __init__(self, intents: IntentClassifier, router: Router, writer: ReplyWriter, max_message_chars: int = 2000,
                 spelling: SpellingCorrector | None = None):
        """``spelling``: corrects typos against the store's words before a message is read (None: as typed)."""
        self.intents = intents
        self.router = router
        self.writer = writer
        self.max_message_chars = max_message_chars
        self.spelling = spelling

    @property
    def products(self) -> ProductAnswers:
        return self.router.products

    @property
    def orders(self) -> OrderAnswers:
        return self.router.orders

    @property
    def faq(self) -> FaqAnswers:
        return self.router.faq

    @property
    def handoff(self) -> Handoff:
        return self.router.handoff

    def respond(self, state: SessionState, message: str) -> Reply:
        reply = None
        for event in self.stream(state, message):
            if isinstance(event, Reply):
                reply = event
        assert reply is not None
        return reply

    def stream(self, state: SessionState, message: str) -> Iterator[PartialText | Reply]:
        with self.writer.gate.turn():  # counted while it runs: the LLM gate skips leads when replies queue
            yield from self._turn(state, message)

    def _turn(self, state: SessionState, message: str) -> Iterator[PartialText | Reply]:
        times = StageTimes()
        with times.measuring():  # no yield inside: a streamed turn may resume on another thread
            text = clean_message(message, self.max_message_chars)
            read = Corrected(text)  # the message as read: typos corrected, once, before it is read
            pending = state.pending_action
            with stage("answer"):
                draft = self.orders.follow_up(state, text) if pending is not None else None
            if draft is not None:  # the answer to a proposed order action: decided by code, never by the LLM
                prediction = IntentPrediction(Intent.ORDER_CHANGE, 1.0, {}, "answer to a pending order action")
            else:
                # typos are corrected once, here, so the intent, the slots and the search all read the store's
                # words (an answer to a pending order action is read as typed: it may be an address)
                if self.spelling is not None:
                    with stage("spelling"):
                        read = self.spelling.correct(text)
                with stage("intent"):
                    prediction = self.intents.predict(
                        read.text, products_shown=bool(state.shown_product_ids), searching=state.last_intent in BROWSING,
                    )
                with stage("answer"):  # routing and the facts: retrieval and ranking are timed inside it too
                    draft = self.router.route(state, read.text, prediction)
                if pending is not None:
                    draft.body = f"(Nothing was changed on order {pending.order_id}.)\n\n{draft.body}".strip()
            draft = self._escalate(state, text, draft)
        yield from self._finish(state, read.text, draft, prediction.confidence, text, read.corrections, times)

    def _finish(self, state: SessionState, text: str, draft: Draft, confidence: float, typed: str | None = None,
                corrections: tuple[Correction, ...] = (), times: StageTimes | None = None) -> Iterator[PartialText | Reply]:
        """Phrase the draft's lead (streamed), build the ``Reply`` and remember the turn. ``text``: the
        message as read (typos corrected: ``corrections``); ``typed``: as the shopper typed it, remembered as
        their turn. ``times``: the turn's stages so far; the lead's is added (streamed: it includes the
        time the reader takes between pieces)."""
        times = times or StageTimes()
        note = correction_note(corrections, bool(draft.products))
        before = f"{note}\n\n" if note else ""
        lead: Lead | None = None
        started = time.perf_counter()
        for item in self.writer.lead(draft, text):
            if isinstance(item, Lead):
                lead = item
            else:
                yield PartialText(before + item)
        assert lead is not None
        times.add("lead", time.perf_counter() - started)
        full = before + lead.text + (f"\n\n{draft.body}" if draft.body else "")
        yield PartialText(full)
        reply = Reply(
            text=full, intent=draft.intent, confidence=round(confidence, 3),
            products=draft.products, faq=draft.faq, order_ids=draft.order_ids,
            constraints=state.constraints.describe(), grounded=not lead.problems,
            used_fallback=not lead.from_llm, problems=lead.problems, lead_skipped=lead.skipped, handoff=draft.handoff,
            ticket_id=state.ticket_id,
            pending_action=state.pending_action.kind.value if state.pending_action else None,
            failed=draft.failed, corrections=[(c.typed, c.corrected) for c in corrections],
            stage_ms=dict(times.ms),
        )
        shown = tuple(p.id for p in draft.products)
        # what is remembered (and so stored, summarised for tickets) has personal data masked
        state.turns = [*state.turns, Turn("user", mask_personal_data(typed or text), draft.intent),
                       Turn("assistant", full, draft.intent, shown)]
        state.messages_sent += 1
        del state.turns[: -MAX_TURNS_KEPT]
        state.last_intent = draft.intent
        yield reply

    def suggest(self, state: SessionState, message: str) -> Reply:
        """What the assistant would answer to ``message`` now, for a support agent to edit and send.

        It runs the same routing, retrieval, ranking and policy code on a copy of the session, with
        no ticket opened and no order action applied (a pending one is left out), so asking for a
        suggestion changes nothing."""
        trial = copy.deepcopy(state)
        trial.pending_action = None
        with previewing():
            return self.respond(trial, message)

    def remove_constraint(self, state: SessionState, chip: str) -> Iterator[PartialText | Reply]:
        """The shopper removed a filter chip: drop that constraint and search again (no LLM lead)."""
        state.constraints = state.constraints.without(chip)
        times = StageTimes()
        note = f"{FILTER_REMOVED}{chip})"
        if not state.search_query and not state.constraints.describe():
            draft = Draft("product_search", f"Removed the filter \"{chip}\". Tell me what you're looking for.")
        else:
            with times.measuring(), stage("answer"):
                draft = self.products.search(state, state.search_query or " ".join(state.constraints.describe()))
            draft.topic = ""
            draft.fallback_lead = f"Removed the filter \"{chip}\". {draft.fallback_lead}"
            if draft.products:
                state.show([p.id for p in draft.products])
        yield from self._finish(state, note, draft, 1.0, times=times)

    def _escalate(self, state: SessionState, text: str, draft: Draft) -> Draft:
        """Open a handoff ticket on strong frustration or on repeated failure."""
        if draft.handoff:
            state.failures = 0
            return draft
        state.failures = state.failures + 1 if draft.failed else 0
        reason = None
        if is_frustrated(text):
            reason = HandoffReason.FRUSTRATION
        elif state.failures >= REPEATED_FAILURES:
            reason = HandoffReason.REPEATED_FAILURE
        if reason is None:
            return draft
        state.failures = 0
        return self.handoff.draft(state, reason, text, self.faq.handoff(reason.value))
