"""The turn loop: message → intent and constraints → facts selected by code → verified reply.

>>> # assistant = services.assistant; state = SessionState(customer_id="C001")
>>> # reply = assistant.respond(state, "running shoes under $80 for flat feet")
>>> # reply.intent, reply.product_ids[:2]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

from assistant.answers.draft import Draft
from assistant.answers.faq import FaqAnswers
from assistant.answers.orders import EMAIL, OrderAnswers
from assistant.answers.products import ProductAnswers
from assistant.answers.smalltalk import greeting, out_of_scope
from assistant.errors import InvalidMessage
from assistant.intents import Intent, IntentClassifier, IntentPrediction
from assistant.reply import PartialText, Reply
from assistant.session import Constraints, SessionState, Turn
from assistant.slots import SlotExtractor, SlotUpdate
from assistant.writer import Lead, ReplyWriter
from knowledge.catalog import Catalog
from knowledge.schemas import Product

_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff\U000e0000-\U000e007f]")
MAX_TURNS_KEPT = 100  # the transcript a session keeps in memory (the copilot will persist it)
_NOUN_REF = re.compile(r"\b(?:that|this|the)\s+([a-z][a-z-]+)", re.I)


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
                 customer_name: Callable[[str], str | None], store_name: str, max_message_chars: int = 2000):
        self.catalog = catalog
        self.intents = intents
        self.slots = slots
        self.products = products
        self.orders = orders
        self.faq = faq
        self.writer = writer
        self.customer_name = customer_name
        self.store_name = store_name
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
        prediction = self.intents.predict(
            text, products_shown=bool(state.shown_product_ids),
            searching=state.last_intent in (Intent.PRODUCT_SEARCH, Intent.PRODUCT_QUESTION, Intent.COMPARE),
        )
        draft = self._draft(state, text, prediction)
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
            text=full, intent=draft.intent, confidence=round(prediction.confidence, 3),
            products=draft.products, faq=draft.faq, order_ids=draft.order_ids,
            constraints=state.constraints.describe(), grounded=not lead.problems,
            used_fallback=not lead.from_llm, problems=lead.problems, handoff=draft.handoff,
        )
        shown = tuple(p.id for p in draft.products)
        state.turns = [*state.turns, Turn("user", text, draft.intent), Turn("assistant", full, draft.intent, shown)]
        del state.turns[: -MAX_TURNS_KEPT]
        state.last_intent = draft.intent
        yield reply

    # -- routing --------------------------------------------------------------------------------
    def _draft(self, state: SessionState, text: str, prediction: IntentPrediction) -> Draft:
        intent = prediction.intent
        update = self.slots.extract(text)
        if state.pending_order_id and EMAIL.search(text):  # the e-mail we asked for to verify an order
            intent = Intent.ORDER_CHANGE if state.last_intent == Intent.ORDER_CHANGE else Intent.ORDER_STATUS
        browsing = state.last_intent in (Intent.PRODUCT_SEARCH, Intent.PRODUCT_QUESTION, Intent.COMPARE)
        refines = (bool(update.mentioned) or update.cheaper) and self.slots.is_refinement(text, update)
        asks_about_shown = bool(state.referenced_products(text)) and "?" in text
        if browsing and refines and not asks_about_shown and intent not in (Intent.HANDOFF, Intent.FAQ):
            intent = Intent.PRODUCT_SEARCH  # "actually yellow", "size 9 instead", "cheaper"
        elif intent in (Intent.GREETING, Intent.OUT_OF_SCOPE) and (update.category or update.product_types):
            intent = Intent.PRODUCT_SEARCH  # "hiking boots": shopping, whatever the vote
        if intent is Intent.PRODUCT_SEARCH:
            return self._search(state, text, update)
        if intent is Intent.PRODUCT_QUESTION:
            target = self._target(state, text)
            if target is None:
                return self._search(state, text, update)
            return self.products.question(state, text, target, update.color, update.size)
        if intent is Intent.COMPARE:
            ids = state.referenced_products(text)
            if len(ids) < 2:  # "compare them": the first two shown
                ids = state.shown_product_ids[:2]
            picks = [p for p in (self.catalog.get(i) for i in ids) if p is not None]
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
            return self.faq.handoff("you asked for a person")
        if intent is Intent.GREETING:
            name = self.customer_name(state.customer_id) if state.customer_id else None
            return greeting(text, self.store_name, name)
        return out_of_scope(self.store_name)

    def _search(self, state: SessionState, text: str, update: SlotUpdate) -> Draft:
        # "cheaper" means cheaper than the top item shown, the one the shopper is looking at.
        top = self.catalog.get(state.shown_product_ids[0]) if state.shown_product_ids else None
        same_kind = bool(update.product_types) and update.product_types == state.constraints.product_types
        new_topic = not state.search_query or (not same_kind and not self.slots.is_refinement(text, update))
        if new_topic and not update.category and not update.product_types:
            state.constraints = Constraints(in_stock_only=state.constraints.in_stock_only)
        state.constraints = state.constraints.merge(update, top.price if top else None)
        # A refinement ("in blue", "cheaper") keeps searching for what was asked before.
        query = text if new_topic else f"{state.search_query} {text}"
        state.search_query = query[-500:]
        draft = self.products.search(state, query)
        state.shown_product_ids = [p.id for p in draft.products]
        return draft

    def _target(self, state: SessionState, text: str) -> Product | None:
        picks = state.referenced_products(text)
        if picks:
            return self.catalog.get(picks[0])
        shown = [p for p in (self.catalog.get(i) for i in state.shown_product_ids) if p]
        for m in _NOUN_REF.finditer(text):  # "that jacket": the shown item whose title names it
            noun = m.group(1).lower().rstrip("s")
            for product in shown:
                if noun in product.title.lower() or noun in product.subcategory:
                    return product
        return shown[0] if shown else None
