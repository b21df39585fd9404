"""References to the items on screen: "the second one", "that jacket", "the blue one", "it".

Used by the turn loop to find what a question, a comparison or "cheaper than that" is about; an
item is only picked by color or brand when exactly one shown item has it (else ``ambiguous``).
"""

from __future__ import annotations

import re

from assistant.intents.classifier import Intent
from assistant.product_types import singular
from assistant.session import SessionState
from assistant.slots import COLOR_SYNONYMS
from knowledge.catalog import Catalog
from knowledge.schemas import Product

NOUN_REF = re.compile(r"\b(that|this|the)\s+([a-z][a-z-]+)", re.I)
# "the blue one", "the Pacewell pair": a shown item named by its color or brand
ATTR_REF = re.compile(r"\b(?:the|that|this)\s+([a-z][a-z-]*)\s+(?:one|pair|version|model|option)\b(?!s)", re.I)
ORDINAL_REF = re.compile(r"(?<!\w)(?:first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|last|#\d+)\b", re.I)
ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth"}
NOT_NOUNS = frozenset("one ones same other others first second third fourth fifth sixth last cheaper cheapest "
                      "price budget color colour size brand rest two both are is was were have has had come comes "
                      "fit fits work works look looks go goes would will can could should cost costs last lasts "
                      "run runs way kind sort much many".split())
FIRST_TWO = re.compile(r"\b(first|top|last)\s+(?:two|2)\b", re.I)
PRONOUN = re.compile(r"\b(?:it|its|it's|this one|that one)\b", re.I)


class ShownItems:
    """Resolves what a message points at among the items the session has on screen."""

    def __init__(self, catalog: Catalog, lists: bool = False):
        """``lists``: positions and "the first two" may point into the last list of several items shown
        when the answer since then showed fewer (``SessionState.listed_product_ids``)."""
        self.catalog = catalog
        self.lists = lists

    def target(self, state: SessionState, text: str) -> Product | None:
        """The shown item a question is about: the one it names, else the one asked about last, else the top one."""
        picks = self.referenced(state, text)
        if picks:
            return picks[0]
        focus = self.focus(state)
        if len(focus) == 1:
            return focus[0]
        shown = self.shown(state)
        return shown[0] if shown else None

    def shown(self, state: SessionState) -> list[Product]:
        return [p for p in (self.catalog.get(i) for i in state.shown_product_ids) if p]

    def listed(self, state: SessionState) -> list[Product]:
        """What is on screen, or (with ``lists``) the last list of several items when fewer are on screen."""
        ids = state.shown_product_ids
        if self.lists and len(ids) < 2 and len(state.listed_product_ids) >= 2:
            ids = state.listed_product_ids
        return [p for p in (self.catalog.get(i) for i in ids) if p]

    def focus(self, state: SessionState) -> list[Product]:
        """What the last answer was about when it was one or two shown items (a question, a comparison)."""
        last = next((t for t in reversed(state.turns) if t.role == "assistant"), None)
        if last is None or last.intent not in (Intent.PRODUCT_QUESTION, Intent.COMPARE):
            return []
        return [p for p in (self.catalog.get(i) for i in last.product_ids) if p]

    def referenced(self, state: SessionState, text: str, by_name_only: bool = False) -> list[Product]:
        """Shown items the message points at, in its order: "the second one", "the last one", "that jacket",
        "the blue one" / "the Pacewell one" (only when one shown item has that color or brand).
        ``by_name_only``: only those named by color, brand or "that/this <noun>", not by position."""
        shown = self.shown(state)
        if not shown and not (self.lists and state.listed_product_ids):
            return []
        found: list[tuple[int, Product]] = []
        if not by_name_only:
            for m in ORDINAL_REF.finditer(text):
                ids = state.referenced_products(m.group(0), lists=self.lists)
                found += [(m.start(), p) for p in (self.catalog.get(i) for i in ids) if p]
        for m in ATTR_REF.finditer(text):
            word = m.group(1).lower()
            word = COLOR_SYNONYMS.get(word, word)
            hits = [p for p in shown if word in p.colors or word == p.brand.lower()]
            if len(hits) == 1:
                found.append((m.start(), hits[0]))
        focus = self.focus(state)
        for m in NOUN_REF.finditer(text):  # "that jacket": the shown item whose title or type names it
            noun = m.group(2).lower()
            if noun in NOT_NOUNS or (m.group(1).lower() == "the" and by_name_only):
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

    def ambiguous(self, state: SessionState, text: str) -> tuple[str, list[Product]] | None:
        """"The yellow one" when more than one shown item comes in yellow (and nothing else names one)."""
        if self.referenced(state, text):
            return None
        shown = self.shown(state)
        for m in ATTR_REF.finditer(text):
            word = COLOR_SYNONYMS.get(m.group(1).lower(), m.group(1).lower())
            hits = [p for p in shown if word in p.colors or word == p.brand.lower()]
            if len(hits) > 1:
                return m.group(1), hits
        return None

    def compared(self, state: SessionState, text: str) -> list[Product]:
        """The two items to compare: the two the message names; one named and the one in focus (or the
        top other one shown); else the first two shown ("compare them")."""
        picks = self.referenced(state, text)
        shown = self.shown(state)
        if self.lists:
            listed = self.listed(state)
            if m := FIRST_TWO.search(text):
                return listed[-2:] if m.group(1).lower() == "last" else listed[:2]
            shown = shown if len(shown) >= 2 else listed
        if len(picks) == 1:
            others = [p for p in [*self.focus(state), *shown] if p != picks[0]]
            if not others:
                return picks
            pair = [picks[0], others[0]]
            order = {p.id: i for i, p in enumerate(shown)}
            return sorted(pair, key=lambda p: order.get(p.id, len(order)))
        return picks[:2] if len(picks) >= 2 else shown[:2]

    def cheaper_than(self, state: SessionState, text: str) -> Product | None:
        """The item "cheaper" is below: the one named ("cheaper than the second one"; the cheapest if several),
        else the one(s) the last answer was about (a question, a comparison), else the top item shown."""
        reference = self.referenced(state, text) or self.focus(state) or self.shown(state)[:1]
        return min(reference, key=lambda p: p.price) if reference else None
