"""Routing: what a message asks for, and which answer drafts the reply.

The intent classifier's vote is only the start. ``Router.intent`` corrects it with what the message
says (its slots) and what the session has on screen: the e-mail or order number the assistant asked
for, a refinement of the current search ("actually yellow", "cheaper"), a question about a shown item
("is the second one waterproof?"), a product type in a greeting ("hiking boots"). ``Router.route``
then lets a store's own intents answer what the built-in ones do not, and otherwise hands the
message to the answer for its intent (products, orders, FAQ, handoff, small talk).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from assistant.answers.draft import Draft, product_facts, product_ref
from assistant.answers.faq import FaqAnswers
from assistant.answers.parts import PartAnswers
from assistant.answers.products import ProductAnswers
from assistant.answers.smalltalk import greeting, out_of_scope
from assistant.comparatives import PRICE, BestFirst, Beyond, CatalogMeasures, asks_for_others
from assistant.examples import greeting_example
from assistant.grounding import evidence_for, safe_to_echo
from assistant.handoff import Handoff
from assistant.intents.classifier import Intent, IntentPrediction
from assistant.intents.store import StoreIntents
from assistant.not_carried import CatalogWords, Missing
from assistant.orders.answers import EMAIL, OrderAnswers
from assistant.orders.numbers import ORDER_WORDS
from assistant.references import ORDINAL_WORDS, PRONOUN, ShownItems
from assistant.session import Constraints, SessionState
from assistant.slots import SlotExtractor, SlotUpdate
from knowledge.catalog import Catalog
from knowledge.retrieval.filters import ProductFilter
from knowledge.schemas import FaqEntry, Product
from knowledge.store.tickets import HandoffReason

# "more like the second one", "something similar to the third"; "a different brand than the first", "other brands"
SIMILAR = re.compile(r"\b(?:more|others?|ones?|anything|something|items?|products?)\s+(?:just\s+)?(?:like|similar\s+to)\b|"
                     r"\bsimilar\s+(?:to|ones?|items?|products?)\b|\blike\s+(?:that|this)\s+one\b", re.I)
OTHER_BRAND = re.compile(r"\b(?:different|another|other)\s+brands?\b|\bnot\s+(?:by\s+)?(?:that|the\s+same)\s+brand\b",
                         re.I)
POINTS_BACK = re.compile(r"\b(?:like|similar\s+to|than)\s+(?:that|this|it|these|those|them)\b", re.I)
BROWSING = (Intent.PRODUCT_SEARCH, Intent.PRODUCT_QUESTION, Intent.COMPARE)  # the shopper is looking at products
# intents a message naming goods the store lacks may have been given ("how much is the iPhone 17 Pro?" reads like a policy question)
PRODUCT_SHAPED = (Intent.FAQ, Intent.OUT_OF_SCOPE, Intent.GREETING)


class Router:
    """Decides a turn's intent and drafts its answer; one instance serves every conversation."""

    def __init__(self, catalog: Catalog, slots: SlotExtractor, products: ProductAnswers, orders: OrderAnswers,
                 faq: FaqAnswers, handoff: Handoff, customer_name: Callable[[str], str | None], store_name: str,
                 store_intents: StoreIntents | None = None,
                 faq_entry: Callable[[str], FaqEntry | None] = lambda _id: None,
                 comparatives: bool = False, not_carried: bool = False):
        """``comparatives``: comparisons and multi-part questions about shown items are answered from the
        records (``PartAnswers``), and positions may point into the last list of several items;
        ``not_carried``: a request for goods the catalog lacks, or a colour none of its items has, is said so."""
        self.shown = ShownItems(catalog, lists=comparatives)
        self.parts = PartAnswers(self.shown, CatalogMeasures(catalog), faq) if comparatives else None
        self.carried = CatalogWords(catalog, [f"{e.title} {e.body}" for e in faq.retriever.faq.values()]) \
            if not_carried else None
        self.catalog = catalog
        self.slots = slots
        self.products = products
        self.orders = orders
        self.faq = faq
        self.handoff = handoff
        self.store_intents = store_intents
        self.faq_entry = faq_entry
        self.customer_name = customer_name
        self.store_name = store_name
        self.example = greeting_example(catalog)  # a search to suggest, from the store's own catalog

    def route(self, state: SessionState, text: str, prediction: IntentPrediction) -> Draft:
        """The draft answer to ``text``, given the classifier's ``prediction``."""
        intent, update = self.intent(state, text, prediction)
        other_kind = self.parts is not None and self._names_other_kind(state, update) and not self.shown.referenced(state, text)
        if other_kind and intent in (Intent.COMPARE, Intent.PRODUCT_QUESTION):
            intent = Intent.PRODUCT_SEARCH  # "which is the cheapest air fryer" under a list of tents
        if self.parts is not None and intent in (*BROWSING, Intent.FAQ) and (like := self._like_shown(state, text)):
            return self._search_like(state, *like)
        if (self.parts is not None and intent in (*BROWSING, Intent.FAQ) and self.parts.applies(state, text)
                and not other_kind):
            return self.parts.answer(state, text)  # "is it cheaper than the first?", "… and does it have …?"
        missing = self._missing(state, text, intent, update)
        if missing is not None:
            return self._not_carried(state, text, update, missing)
        if self.store_intents is not None and prediction.rule is None and intent is not Intent.PRODUCT_SEARCH:
            store = self.store_intents.match(text)
            if store is not None:
                return self._store_intent(state, text, store.label)
        return self.answer(state, text, intent, update)

    def _names_other_kind(self, state: SessionState, update: SlotUpdate) -> bool:
        """The message names a product type none of the listed items is ("which is the cheapest air fryer" under
        a list of tents): a new search, not a question about that list."""
        kinds = set(update.filter.subcategories)
        listed = self.shown.listed(state)
        return bool(kinds) and bool(listed) and not any(p.subcategory in kinds for p in listed)

    def intent(self, state: SessionState, text: str, prediction: IntentPrediction) -> tuple[Intent, SlotUpdate]:
        """The turn's intent (the prediction corrected by the slots and the shown items) and the
        message's slots."""
        intent = prediction.intent
        update = self.slots.extract(text)
        if state.pending_order_id and EMAIL.search(text):  # the e-mail we asked for to verify an order
            intent = Intent.ORDER_CHANGE if state.last_intent == Intent.ORDER_CHANGE else Intent.ORDER_STATUS
        elif state.order_request and self.orders.numbers.names_order(text) and state.last_intent == Intent.ORDER_CHANGE:
            intent = Intent.ORDER_CHANGE  # the order number we asked for, to make a change
        browsing = state.last_intent in BROWSING
        if browsing and state.constraints.filter.category:
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
        elif (self.parts is not None and browsing and intent in (Intent.PRODUCT_QUESTION, Intent.COMPARE)
              and asks_for_others(text)):
            intent = Intent.PRODUCT_SEARCH  # "better rated than the first?", "is there one with a better rating"
        elif (self.carried is not None and prediction.rule is None and intent in (Intent.FAQ, Intent.ORDER_STATUS)
              and self.carried.asks_for_goods(text) and not self.orders.numbers.names_order(text)
              and not ORDER_WORDS.search(text) and (intent is Intent.ORDER_STATUS or not self.faq.matches(text))):
            intent = Intent.PRODUCT_SEARCH  # "do you sell sofas": goods, though the vote leaned to a question
        elif intent in (Intent.GREETING, Intent.OUT_OF_SCOPE) and (update.filter.category or update.filter.subcategories):
            intent = Intent.PRODUCT_SEARCH  # "hiking boots": shopping, whatever the vote
        return intent, update

    def answer(self, state: SessionState, text: str, intent: Intent, update: SlotUpdate) -> Draft:
        """The draft from the answer for ``intent``."""
        if intent is Intent.PRODUCT_SEARCH:
            return self._search(state, text, update)
        if intent is Intent.PRODUCT_QUESTION:
            if ambiguous := self.shown.ambiguous(state, text):
                return self._which_one(state, *ambiguous)
            target = self.shown.target(state, text)
            if target is None:
                return self._search(state, text, update)
            return self.products.question(state, text, target, update.filter.color, update.filter.size)
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

    def _missing(self, state: SessionState, text: str, intent: Intent, update: SlotUpdate) -> Missing | None:
        """What the message asks for that the catalog lacks (None when it names a shown item, or the
        store's FAQ answers it)."""
        # "do you have the iphone 17 pro" voted an order question, though it names no order
        asked_goods = intent is Intent.ORDER_STATUS and not self.orders.numbers.names_order(text) and not ORDER_WORDS.search(text)
        if self.carried is None or (intent not in (*BROWSING, *PRODUCT_SHAPED) and not asked_goods):
            return None
        if self.shown.referenced(state, text) or (intent is not Intent.PRODUCT_SEARCH and PRONOUN.search(text)):
            return None
        shaped = intent in PRODUCT_SHAPED or asked_goods
        missing = self.carried.missing(text, shaped_only=shaped)
        if missing is None or (not missing.known and (update.filter.category or update.filter.subcategories)):
            return None
        if not missing.named and (update.mentioned or (state.search_query and not missing.asked)):
            return None  # "ok, in blue?", "anything warmer?": a refinement of the search, not goods it lacks
        if shaped and self.faq.matches(text):
            return None
        return missing

    def _not_carried(self, state: SessionState, text: str, update: SlotUpdate, missing: Missing) -> Draft:
        """"I couldn't find an iPhone 17 Pro in our catalog", with the closest items of the kind asked
        for when the message names one the store has ("Zentrix running shoes": its running shoes)."""
        # the shopper's words are repeated only when they carry no amount, instruction or policy term
        lead = f"I couldn't find {missing.name if safe_to_echo(missing.name) else 'that'} in our catalog."
        if update.filter.category or update.filter.subcategories:
            draft = self._search(state, text, update)
            if draft.products:
                draft.fallback_lead = f"{lead} Here are the closest items we do carry:"
                draft.topic = ""
                return draft
        return Draft("product_search", f"{lead} We don't carry it, so I can't tell you its price or details. "
                     "Tell me what you need it for and I'll suggest something we do carry.")

    def _store_intent(self, state: SessionState, text: str, label: str) -> Draft:
        """A store's own intent: its FAQ entry (label = entry id), else a ticket for the store's team."""
        entry = self.faq_entry(label)
        if entry is not None:
            return self.faq.cite(entry, text, intent=label)
        draft = self.handoff.draft(state, HandoffReason.STORE_INTENT, text, self.faq.handoff(label),
                                   note=f"Store intent: {label}")
        draft.intent = label
        return draft

    def _search(self, state: SessionState, text: str, update: SlotUpdate) -> Draft:
        kind = update.filter.subcategories
        same_kind = bool(kind) and kind == state.constraints.filter.subcategories
        beyond = self._beyond(state, text)  # "better rated / lighter than the first?": the same search, past it
        new_topic = beyond is None and (not state.search_query or (not same_kind and not self.slots.is_refinement(text, update)))
        if new_topic and not update.filter.category and not kind:
            state.constraints = Constraints(ProductFilter(in_stock_only=state.constraints.filter.in_stock_only))
        before = state.constraints
        reference = self.shown.cheaper_than(state, text) if update.cheaper else None
        state.constraints = state.constraints.merge(update, reference.price if reference else None)
        measured = reference or (beyond.reference if beyond is not None else None)
        if measured is not None and measured.subcategory and not state.constraints.filter.subcategories:
            # "cheaper than the first one": another item of its kind (ANC earbuds, not any earbuds)
            state.constraints = replace(state.constraints, filter=replace(state.constraints.filter,
                                                                          subcategories=(measured.subcategory,)))
        if beyond is not None and not any(beyond.passes(p) for p in self.catalog if state.constraints.filter.matches(p)):
            chips = state.constraints.describe()  # nothing past it: say so, show nothing else instead
            return Draft("product_search", f"Nothing{' matching ' + ', '.join(chips) if chips else ''} is "
                         f"{beyond.wanted.phrase} than the {beyond.reference.title}, so I kept your filters as they were.")
        # A refinement ("in blue", "cheaper") keeps searching for what was asked before; a new or dropped
        # use ("actually for trail running") replaces the old one in that text.
        previous = state.search_query
        if {"use"} & (update.mentioned | update.cleared):
            previous = self.slots.strip_use(previous)
        wanted = self.slots.without_negations(text)  # "not Pacewell" is a filter, not words to search for
        query = wanted if new_topic else f"{previous} {wanted}"
        state.search_query = query[-500:]
        order = BestFirst.of(text, self.parts.measures) if self.parts is not None else None
        draft = self.products.search(state, query, keep_budget=update.cheaper,
                                     past=beyond.passes if beyond is not None else None, best_first=order)
        absent = self.carried.absent_colors(text) if self.carried is not None else []
        if absent and draft.products:  # "anything in purple?" where nothing is purple: say so, show the closest
            where = f" in {', '.join(state.constraints.describe())}" if state.constraints.describe() else ""
            draft.fallback_lead = (f"Nothing{where} comes in {' or '.join(absent)}, so none of these is "
                                   f"{' or '.join(absent)}. Here are the closest:")
            draft.topic = ""
        if not draft.products and reference is not None:  # nothing cheaper: say so, keep the filters as they were
            state.constraints = before
            chips = before.describe()
            return Draft("product_search", f"Nothing{' matching ' + ', '.join(chips) if chips else ''} is cheaper "
                         f"than the {reference.title}, so I kept your filters as they were.")
        if draft.products:  # after "nothing cheaper", "the second one" is still the one on screen
            state.show([p.id for p in draft.products])
        return draft

    def _like_shown(self, state: SessionState, text: str) -> tuple[Product, bool] | None:
        """A request for items like a shown one ("more like the second one", "something similar to the third")
        or for another brand than it ("any from a different brand than the first?"): the item, and whether
        its brand is to be left out. The item is the one named; for "like that" the one the last answer was
        about, else the top item shown; for "other brands" the items shown when they are of one brand. None
        for other messages ("something like a tent" is a new search)."""
        other_brand = bool(OTHER_BRAND.search(text))
        if not (other_brand or SIMILAR.search(text)):
            return None
        reference = self.shown.referenced(state, text)  # "like the second one"
        if not reference and POINTS_BACK.search(text):  # "like that", "other brands than this"
            reference = self.shown.focus(state) or self.shown.shown(state)[:1]
        if not reference and other_brand and len({p.brand for p in self.shown.shown(state)}) == 1:
            reference = self.shown.shown(state)[:1]  # "any other brands?" under items of one brand
        return (reference[0], other_brand) if reference else None

    def _search_like(self, state: SessionState, item: Product, other_brand: bool) -> Draft:
        """Items of ``item``'s kind that read like it, never the item itself (nor its brand when ``other_brand``)."""
        kept = state.constraints.filter
        state.constraints = Constraints(
            ProductFilter(category=item.category, subcategories=(item.subcategory,) if item.subcategory else (),
                          in_stock_only=kept.in_stock_only, min_price=kept.min_price, max_price=kept.max_price,
                          exclude_brands=(item.brand,) if other_brand else ()),
            currency=state.constraints.currency)
        query = f"{item.title} {item.subcategory or item.category}"
        state.search_query = query
        draft = self.products.search(state, query, past=lambda p: p.id != item.id and not (other_brand and p.brand == item.brand))
        if draft.products:
            state.show([p.id for p in draft.products])
            draft.fallback_lead = (f"Here {'is' if len(draft.products) == 1 else 'are'} {len(draft.products)} "
                                   f"{'from other brands than' if other_brand else 'like'} the {item.title}:")
        return draft

    def _beyond(self, state: SessionState, text: str) -> Beyond | None:
        """A request for items past a shown one on a measure other than price ("better rated than the first?",
        "anything lighter than that one?"), measured against the one named, else the one the last answer was
        about, else the top item shown (the best of them on the measure); None for other messages."""
        wanted = asks_for_others(text) if self.parts is not None else None
        if wanted is None or wanted.measure == PRICE or self.parts is None:
            return None
        measures = self.parts.measures
        reference = [p for p in self.shown.referenced(state, text) or self.shown.focus(state) or self.shown.shown(state)[:1]
                     if measures.value(p, wanted.measure) is not None]
        if not reference:
            return None
        best = (max if wanted.more else min)(reference, key=lambda p: measures.value(p, wanted.measure)[0])  # type: ignore[index]
        return Beyond(best, wanted, measures)

    def _which_one(self, state: SessionState, word: str, hits: list[Product]) -> Draft:
        order = {pid: i for i, pid in enumerate(state.shown_product_ids, start=1)}
        options = [f"{order.get(p.id, '?')}. **{p.title}** — {product_facts(p).split(' · ', 1)[1]}" for p in hits]
        lead = (f"{len(hits)} of the items I showed match {word!r}. Which one do you mean — "
                f"say \"the {ORDINAL_WORDS.get(order.get(hits[0].id, 0), 'first')} one\", for example?")
        return Draft("product_question", lead, "\n".join(options), products=[product_ref(p, f"matches {word!r}") for p in hits],
                     evidence=evidence_for(product_ids=[p.id for p in hits], price_texts=options))
