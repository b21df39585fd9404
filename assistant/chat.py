"""The turn loop: message → intent and constraints → facts selected by code → verified reply.

>>> # assistant = services.assistant; state = SessionState(customer_id="C001")
>>> # reply = assistant.respond(state, "running shoes under $80 for flat feet")
>>> # reply.intent, reply.product_ids[:2]
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Callable, Iterator

from assistant.answers.draft import Draft, product_facts, product_ref
from assistant.answers.faq import FaqAnswers
from assistant.answers.orders import EMAIL, OrderAnswers
from assistant.answers.products import ProductAnswers
from assistant.answers.smalltalk import greeting, out_of_scope
from assistant.errors import InvalidMessage
from assistant.examples import greeting_example
from assistant.grounding import evidence_for
from assistant.handoff import REPEATED_FAILURES, Handoff, is_frustrated
from assistant.intents import Intent, IntentClassifier, IntentPrediction
from assistant.preview import previewing
from assistant.privacy import mask_personal_data
from assistant.references import ORDINAL_WORDS, PRONOUN, ShownItems
from assistant.reply import PartialText, Reply
from assistant.session import Constraints, SessionState, Turn
from assistant.slots import SlotExtractor, SlotUpdate
from assistant.store_intents import StoreIntents
from assistant.writer import Lead, ReplyWriter
from knowledge.catalog import Catalog
from knowledge.schemas import FaqEntry, Product
from knowledge.tickets import HandoffReason

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


class Assistant:
    """One instance serves many conversations; all per-conversation memory is in ``SessionState``."""

    def __init__(self, catalog: Catalog, intents: IntentClassifier, slots: SlotExtractor,
                 products: ProductAnswers, orders: OrderAnswers, faq: FaqAnswers, writer: ReplyWriter,
                 handoff: Handoff, customer_name: Callable[[str], str | None], store_name: str,
                 max_message_chars: int = 2000, store_intents: StoreIntents | None = None,
                 faq_entry: Callable[[str], FaqEntry | None] = lambda _id: None):
        self.catalog = catalog
        self.shown = ShownItems(catalog)
        self.intents = intents
        self.slots = slots
        self.products = products
        self.orders = orders
        self.faq = faq
        self.writer = writer
        self.handoff = handoff
        self.store_intents = store_intents
        self.faq_entry = faq_entry
        self.customer_name = customer_name
        self.store_name = store_name
        self.example = greeting_example(catalog)  # a search to suggest, from the store's own catalog
        self.max_message_chars = max_message_chars

    def respond(self, state: SessionState, message: str) -> Reply:
        reply = None
        for event in self.stream(state, message):
            if isinstance(event, Reply):
                reply = event
        assert reply is not None
        return reply

    def stream(self, state: SessionState, message: str) -> Iterator[PartialText | Reply]:
        text = clean_message(message, self.max_message_chars)
        pending = state.pending_action
        draft = self.orders.follow_up(state, text) if pending is not None else None
        if draft is not None:  # the answer to a proposed order action: decided by code, never by the LLM
            prediction = IntentPrediction(Intent.ORDER_CHANGE, 1.0, {}, "answer to a pending order action")
        else:
            prediction = self.intents.predict(
                text, products_shown=bool(state.shown_product_ids),
                searching=state.last_intent in (Intent.PRODUCT_SEARCH, Intent.PRODUCT_QUESTION, Intent.COMPARE),
            )
            draft = self._draft(state, text, prediction)
            if pending is not None:
                draft.body = f"(Nothing was changed on order {pending.order_id}.)\n\n{draft.body}".strip()
        draft = self._escalate(state, text, draft)
        yield from self._finish(state, text, draft, prediction.confidence)

    def _finish(self, state: SessionState, text: str, draft: Draft, confidence: float) -> Iterator[PartialText | Reply]:
        """Phrase the draft's lead (streamed), build the ``Reply`` and remember the turn."""
        lead: Lead | None = None
        for item in self.writer.lead(draft, text):
            if isinstance(item, Lead):
                lead = item
            else:
                yield PartialText(item)
        assert lead is not None
        full = lead.text + (f"\n\n{draft.body}" if draft.body else "")
        yield PartialText(full)
        reply = Reply(
            text=full, intent=draft.intent, confidence=round(confidence, 3),
            products=draft.products, faq=draft.faq, order_ids=draft.order_ids,
            constraints=state.constraints.describe(), grounded=not lead.problems,
            used_fallback=not lead.from_llm, problems=lead.problems, handoff=draft.handoff,
            ticket_id=state.ticket_id,
            pending_action=state.pending_action.kind.value if state.pending_action else None,
            failed=draft.failed,
        )
        shown = tuple(p.id for p in draft.products)
        # what is remembered (and so stored, summarised for tickets) has personal data masked
        state.turns = [*state.turns, Turn("user", mask_personal_data(text), draft.intent),
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
        note = f"{FILTER_REMOVED}{chip})"
        if not state.search_query and not state.constraints.describe():
            draft = Draft("product_search", f"Removed the filter \"{chip}\". Tell me what you're looking for.")
        else:
            draft = self.products.search(state, state.search_query or " ".join(state.constraints.describe()))
            draft.topic = ""
            draft.fallback_lead = f"Removed the filter \"{chip}\". {draft.fallback_lead}"
            if draft.products:
                state.shown_product_ids = [p.id for p in draft.products]
        yield from self._finish(state, note, draft, 1.0)

    # -- routing --------------------------------------------------------------------------------
    def _draft(self, state: SessionState, text: str, prediction: IntentPrediction) -> Draft:
        intent = prediction.intent
        update = self.slots.extract(text)
        if state.pending_order_id and EMAIL.search(text):  # the e-mail we asked for to verify an order
            intent = Intent.ORDER_CHANGE if state.last_intent == Intent.ORDER_CHANGE else Intent.ORDER_STATUS
        elif state.order_request and self.orders.numbers.names_order(text) and state.last_intent == Intent.ORDER_CHANGE:
            intent = Intent.ORDER_CHANGE  # the order number we asked for, to make a change
        browsing = state.last_intent in (Intent.PRODUCT_SEARCH, Intent.PRODUCT_QUESTION, Intent.COMPARE)
        if browsing and state.constraints.category:
            update.keep_category()  # "what about for camping?" while looking at shoes: shoes for camping
        refines = update.changes_search() and self.slots.is_refinement(text, update)
        # "is the second one waterproof?", "does the blue one come in size 10" (but "cheaper than the
        # second one" is a search below its price)
        named = bool(self.shown.referenced(state, text, by_name_only=True) or self.shown.ambiguous(state, text)
                     # "does it come in blue?" right after a question about one item: still that item
                     or ("?" in text and PRONOUN.search(text) and len(self.shown.focus(state)) == 1))
        asks_about_shown = (named or (bool(self.shown.referenced(state, text)) and "?" in text)) and not update.cheaper
        if browsing and refines and not asks_about_shown and intent not in (Intent.HANDOFF, Intent.FAQ):
            intent = Intent.PRODUCT_SEARCH  # "actually yellow", "size 9 instead", "cheaper"
        elif browsing and named and intent is Intent.PRODUCT_SEARCH and not update.cheaper:
            intent = Intent.PRODUCT_QUESTION  # "show me the yellow one", "that jacket in blue?": a shown item
        elif intent in (Intent.GREETING, Intent.OUT_OF_SCOPE) and (update.category or update.product_types):
            intent = Intent.PRODUCT_SEARCH  # "hiking boots": shopping, whatever the vote
        if self.store_intents is not None and prediction.rule is None and intent is not Intent.PRODUCT_SEARCH:
            store = self.store_intents.match(text)
            if store is not None:
                return self._store_intent(state, text, store.label)
        if intent is Intent.PRODUCT_SEARCH:
            return self._search(state, text, update)
        if intent is Intent.PRODUCT_QUESTION:
            if ambiguous := self.shown.ambiguous(state, text):
                return self._which_one(state, *ambiguous)
            target = self.shown.target(state, text)
            if target is None:
                return self._search(state, text, update)
            return self.products.question(state, text, target, update.color, update.size)
        if intent is Intent.COMPARE:
            picks = self.shown.compared(state, text)
            if len(picks) < 2:
                return Draft("compare", "Show me a couple of products first, then I can compare them for you.")
            return self.products.compare(picks[:2])
        if intent is Intent.ORDER_STATUS:
            return self.orders.status(state, text)
        if intent is Intent.ORDER_CHANGE:
            return self.orders.change(state, text)
        if intent is Intent.FAQ:
            return self.faq.answer(text)
        if intent is Intent.HANDOFF:
            return self.handoff.draft(state, HandoffReason.ASKED, text, self.faq.handoff("you asked for a person"))
        if intent is Intent.GREETING:
            name = self.customer_name(state.customer_id) if state.customer_id else None
            return greeting(text, self.store_name, name, self.example)
        return out_of_scope(self.store_name, text, self.example)

    def _store_intent(self, state: SessionState, text: str, label: str) -> Draft:
        """A store's own intent: its FAQ entry (label = entry id), else a ticket for the store's team."""
        entry = self.faq_entry(label)
        if entry is not None:
            return self.faq.cite(entry, text, intent=label)
        draft = self.handoff.draft(state, HandoffReason.STORE_INTENT, text, self.faq.handoff(label),
                                   note=f"Store intent: {label}")
        draft.intent = label
        return draft

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

    def _search(self, state: SessionState, text: str, update: SlotUpdate) -> Draft:
        same_kind = bool(update.product_types) and update.product_types == state.constraints.product_types
        new_topic = not state.search_query or (not same_kind and not self.slots.is_refinement(text, update))
        if new_topic and not update.category and not update.product_types:
            state.constraints = Constraints(in_stock_only=state.constraints.in_stock_only)
        before = state.constraints
        reference = self.shown.cheaper_than(state, text) if update.cheaper else None
        state.constraints = state.constraints.merge(update, reference.price if reference else None)
        # A refinement ("in blue", "cheaper") keeps searching for what was asked before; a new or dropped
        # use ("actually for trail running") replaces the old one in that text.
        previous = state.search_query
        if {"use"} & (update.mentioned | update.cleared):
            previous = self.slots.strip_use(previous)
        query = text if new_topic else f"{previous} {text}"
        state.search_query = query[-500:]
        draft = self.products.search(state, query, keep_budget=update.cheaper)
        if not draft.products and reference is not None:  # nothing cheaper: say so, keep the filters as they were
            state.constraints = before
            chips = before.describe()
            return Draft("product_search", f"Nothing{' matching ' + ', '.join(chips) if chips else ''} is cheaper "
                         f"than the {reference.title}, so I kept your filters as they were.")
        if draft.products:  # after "nothing cheaper", "the second one" is still the one on screen
            state.shown_product_ids = [p.id for p in draft.products]
        return draft

    def _which_one(self, state: SessionState, word: str, hits: list[Product]) -> Draft:
        order = {pid: i for i, pid in enumerate(state.shown_product_ids, start=1)}
        options = [f"{order.get(p.id, '?')}. **{p.title}** — {product_facts(p).split(' · ', 1)[1]}" for p in hits]
        lead = (f"{len(hits)} of the items I showed match {word!r}. Which one do you mean — "
                f"say \"the {ORDINAL_WORDS.get(order.get(hits[0].id, 0), 'first')} one\", for example?")
        return Draft("product_question", lead, "\n".join(options), products=[product_ref(p, f"matches {word!r}") for p in hits],
                     evidence=evidence_for(product_ids=[p.id for p in hits], price_texts=options))
