"""The turn loop: message → intent and constraints → facts selected by code → verified reply.

>>> # assistant = services.assistant; state = SessionState(customer_id="C001")
>>> # reply = assistant.respond(state, "running shoes under $80 for flat feet")
>>> # reply.intent, reply.product_ids[:2]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

from assistant.answers.draft import Draft, product_facts, product_ref
from assistant.answers.faq import FaqAnswers
from assistant.answers.orders import EMAIL, OrderAnswers
from assistant.answers.products import ProductAnswers
from assistant.answers.smalltalk import greeting, out_of_scope
from assistant.errors import InvalidMessage
from assistant.grounding import evidence_for
from assistant.handoff import REPEATED_FAILURES, Handoff, is_frustrated
from assistant.intents import ORDER_ID, Intent, IntentClassifier, IntentPrediction
from assistant.product_types import singular
from assistant.reply import PartialText, Reply
from assistant.session import Constraints, SessionState, Turn
from assistant.slots import COLOR_SYNONYMS, SlotExtractor, SlotUpdate
from assistant.store_intents import StoreIntents
from assistant.writer import Lead, ReplyWriter
from knowledge.catalog import Catalog
from knowledge.schemas import FaqEntry, Product
from knowledge.tickets import HandoffReason

_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff\U000e0000-\U000e007f]")
MAX_TURNS_KEPT = 100  # the transcript a session keeps in memory (the copilot will persist it)
_NOUN_REF = re.compile(r"\b(that|this|the)\s+([a-z][a-z-]+)", re.I)
# "the blue one", "the Pacewell pair": a shown item named by its color or brand
_ATTR_REF = re.compile(r"\b(?:the|that|this)\s+([a-z][a-z-]*)\s+(?:one|pair|version|model|option)\b(?!s)", re.I)
_ORDINAL_REF = re.compile(r"(?<!\w)(?:first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|last|#\d+)\b", re.I)
_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth"}
_NOT_NOUNS = frozenset("one ones same other others first second third fourth fifth sixth last cheaper cheapest "
                       "price budget color colour size brand rest two both are is was were have has had come comes "
                       "fit fits work works look looks go goes would will can could should cost costs last lasts "
                       "run runs way kind sort much many".split())
_PRONOUN = re.compile(r"\b(?:it|its|it's|this one|that one)\b", re.I)


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
            ticket_id=state.ticket_id,
            pending_action=state.pending_action.kind.value if state.pending_action else None,
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
        elif state.order_request and ORDER_ID.search(text) and state.last_intent == Intent.ORDER_CHANGE:
            intent = Intent.ORDER_CHANGE  # the order number we asked for, to make a change
        browsing = state.last_intent in (Intent.PRODUCT_SEARCH, Intent.PRODUCT_QUESTION, Intent.COMPARE)
        if browsing and state.constraints.category:
            update.keep_category()  # "what about for camping?" while looking at shoes: shoes for camping
        refines = update.changes_search() and self.slots.is_refinement(text, update)
        # "is the second one waterproof?", "does the blue one come in size 10" (but "cheaper than the
        # second one" is a search below its price)
        named = bool(self._referenced(state, text, by_name_only=True) or self._ambiguous(state, text)
                     # "does it come in blue?" right after a question about one item: still that item
                     or ("?" in text and _PRONOUN.search(text) and len(self._focus(state)) == 1))
        asks_about_shown = (named or (bool(self._referenced(state, text)) and "?" in text)) and not update.cheaper
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
            if ambiguous := self._ambiguous(state, text):
                return self._which_one(state, *ambiguous)
            target = self._target(state, text)
            if target is None:
                return self._search(state, text, update)
            return self.products.question(state, text, target, update.color, update.size)
        if intent is Intent.COMPARE:
            picks = self._compared(state, text)
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
            return greeting(text, self.store_name, name)
        return out_of_scope(self.store_name, text)

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
        reference = self._cheaper_than(state, text) if update.cheaper else None
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

    def _target(self, state: SessionState, text: str) -> Product | None:
        """The shown item a question is about: the one it names, else the one asked about last, else the top one."""
        picks = self._referenced(state, text)
        if picks:
            return picks[0]
        focus = self._focus(state)
        if len(focus) == 1:
            return focus[0]
        shown = self._shown(state)
        return shown[0] if shown else None

    def _shown(self, state: SessionState) -> list[Product]:
        return [p for p in (self.catalog.get(i) for i in state.shown_product_ids) if p]

    def _focus(self, state: SessionState) -> list[Product]:
        """What the last answer was about when it was one or two shown items (a question, a comparison)."""
        last = next((t for t in reversed(state.turns) if t.role == "assistant"), None)
        if last is None or last.intent not in (Intent.PRODUCT_QUESTION, Intent.COMPARE):
            return []
        return [p for p in (self.catalog.get(i) for i in last.product_ids) if p]

    def _referenced(self, state: SessionState, text: str, by_name_only: bool = False) -> list[Product]:
        """Shown items the message points at, in its order: "the second one", "the last one", "that jacket",
        "the blue one" / "the Pacewell one" (only when one shown item has that color or brand).
        ``by_name_only``: only those named by color, brand or "that/this <noun>", not by position."""
        shown = self._shown(state)
        if not shown:
            return []
        found: list[tuple[int, Product]] = []
        if not by_name_only:
            for m in _ORDINAL_REF.finditer(text):
                found += [(m.start(), p) for p in (self.catalog.get(i) for i in state.referenced_products(m.group(0))) if p]
        for m in _ATTR_REF.finditer(text):
            word = m.group(1).lower()
            word = COLOR_SYNONYMS.get(word, word)
            hits = [p for p in shown if word in p.colors or word == p.brand.lower()]
            if len(hits) == 1:
                found.append((m.start(), hits[0]))
        focus = self._focus(state)
        for m in _NOUN_REF.finditer(text):  # "that jacket": the shown item whose title or type names it
            noun = m.group(2).lower()
            if noun in _NOT_NOUNS or (m.group(1).lower() == "the" and by_name_only):
                continue
            noun = singular(noun)
            if len(noun) < 3:
                continue
            hits = [p for p in shown if re.search(rf"\b{re.escape(noun)}(?:e?s)?\b", f"{p.title} {p.subcategory}".lower())]
            if hits:
                found.append((m.start(), next((p for p in focus if p in hits), hits[0])))
        picks: list[Product] = []
        for _, product in sorted(found, key=lambda f: f[0]):
            if product not in picks:
                picks.append(product)
        return picks

    def _ambiguous(self, state: SessionState, text: str) -> tuple[str, list[Product]] | None:
        """"The yellow one" when more than one shown item comes in yellow (and nothing else names one)."""
        if self._referenced(state, text):
            return None
        shown = self._shown(state)
        for m in _ATTR_REF.finditer(text):
            word = COLOR_SYNONYMS.get(m.group(1).lower(), m.group(1).lower())
            hits = [p for p in shown if word in p.colors or word == p.brand.lower()]
            if len(hits) > 1:
                return m.group(1), hits
        return None

    def _which_one(self, state: SessionState, word: str, hits: list[Product]) -> Draft:
        order = {pid: i for i, pid in enumerate(state.shown_product_ids, start=1)}
        options = [f"{order.get(p.id, '?')}. **{p.title}** — {product_facts(p).split(' · ', 1)[1]}" for p in hits]
        lead = (f"{len(hits)} of the items I showed match {word!r}. Which one do you mean — "
                f"say \"the {_ORDINAL_WORDS.get(order.get(hits[0].id, 0), 'first')} one\", for example?")
        return Draft("product_question", lead, "\n".join(options), products=[product_ref(p, f"matches {word!r}") for p in hits],
                     evidence=evidence_for(product_ids=[p.id for p in hits], texts=options))

    def _compared(self, state: SessionState, text: str) -> list[Product]:
        """The two items to compare: the two the message names; one named and the one in focus (or the
        top other one shown); else the first two shown ("compare them")."""
        picks = self._referenced(state, text)
        shown = self._shown(state)
        if len(picks) == 1:
            others = [p for p in [*self._focus(state), *shown] if p != picks[0]]
            if not others:
                return picks
            pair = [picks[0], others[0]]
            order = {p.id: i for i, p in enumerate(shown)}
            return sorted(pair, key=lambda p: order.get(p.id, len(order)))
        return picks[:2] if len(picks) >= 2 else shown[:2]

    def _cheaper_than(self, state: SessionState, text: str) -> Product | None:
        """The item "cheaper" is below: the one named ("cheaper than the second one"; the cheapest if several),
        else the one(s) the last answer was about (a question, a comparison), else the top item shown."""
        reference = self._referenced(state, text) or self._focus(state) or self._shown(state)[:1]
        return min(reference, key=lambda p: p.price) if reference else None
