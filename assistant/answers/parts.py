"""Answers to comparisons and multi-part questions about the items on screen, computed from the records.

"what's the price of the third one, and is it cheaper than the first?" gets two answers: the third
item's price, and yes or no with both prices. "is the first one dishwasher safe and does it have a 5
year warranty?" gets what the listing says about each part, and for a part it does not state, says so
and quotes the store's policy when one is about it (found by retrieval, cited). Every sentence is
built by code from the records; the reply's lead is fixed text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answers.draft import Draft, price_text, product_facts, product_ref, stock_phrase
from assistant.answers.faq import FaqAnswers
from assistant.answers.products import suspect
from assistant.comparatives import PRICE, CatalogMeasures, Comparative, asks_comparison, split_parts
from assistant.grounding import evidence_for, safe_to_echo
from assistant.not_carried import BASIC_COLORS
from assistant.references import PRONOUN, ShownItems
from assistant.reply import FaqRef
from assistant.session import SessionState
from knowledge.retrieval.search import FaqChunk
from knowledge.schemas import Product

# Words of a question that say nothing about what is asked ("is the first one …", "does it have a …").
QUESTION_WORDS = frozenset("""a an the is are was were does do did has have had can could will would it its it's this that
these those they them one ones first second third fourth fifth sixth last 1st 2nd 3rd 4th 5th 6th which what what's
whats how much many of and or also plus to for with in on at by be there any some you your i me my we our please
tell know about whether if than come comes got get gets more most less least very really""".split())
_PRICE_ASKED = re.compile(r"\b(prices?|costs?|how much)\b", re.I)
_RATING_ASKED = re.compile(r"\b(rating|rated|reviews?|stars?)\b", re.I)
_STOCK_ASKED = re.compile(r"\b(in stock|available|availability)\b", re.I)
_THAN = re.compile(r"\bthan\b", re.I)
_WORD = re.compile(r"[a-z][a-z0-9-]*")


@dataclass
class _Answers:
    lines: list[str] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    faq: dict[str, tuple[FaqRef, str]] = field(default_factory=dict)
    compared: bool = False

    def about(self, *products: Product) -> None:
        for product in products:
            if product not in self.products:
                self.products.append(product)


class PartAnswers:
    """Answers each question of a message about the shown items from their records."""

    def __init__(self, shown: ShownItems, measures: CatalogMeasures, faq: FaqAnswers):
        self.shown = shown
        self.measures = measures
        self.faq = faq

    def applies(self, state: SessionState, text: str) -> bool:
        """A comparison of shown items, or several questions of which one points at a shown item."""
        if not self.shown.listed(state):
            return False
        parts = split_parts(text)
        if any(asks_comparison(p) for p in parts):
            return True
        return len(parts) >= 2 and bool(self.shown.referenced(state, text) or PRONOUN.search(text))

    def answer(self, state: SessionState, text: str) -> Draft:
        found = _Answers()
        subject: Product | None = None
        for part in split_parts(text):
            wanted = asks_comparison(part)
            if wanted is not None:
                subject = self._compare(state, part, wanted, subject, found) or subject
            else:
                subject = self._fact(state, part, subject, found)
        body = "\n".join(f"- {line}" for line in found.lines)
        faq = list(found.faq.values())
        if faq:
            body += "\n\n" + "\n".join(f"Source: [{', '.join(ref.chunks)}] {ref.title}" for ref, _ in faq)
        evidence = evidence_for(product_ids=[p.id for p in found.products], texts=[text, body],
                                price_texts=[*(product_facts(p) for p in found.products), body],
                                policy_texts=[quoted for _, quoted in faq])
        intent = "compare" if found.compared and len(found.products) >= 2 else "product_question"
        lead = "Here's what the listings say about each part of your question:" if len(found.lines) > 1 else \
            "Here's what the listings say:"
        return Draft(intent, lead, body, products=[product_ref(p, "you asked about it") for p in found.products],
                     faq=[ref for ref, _ in faq], evidence=evidence)

    # -- one comparison ---------------------------------------------------------------------------
    def _compare(self, state: SessionState, part: str, wanted: Comparative, subject: Product | None,
                 found: _Answers) -> Product | None:
        split = _THAN.search(part)
        if split and not wanted.superlative:  # "is it cheaper than the first?": it vs the first
            before, after = part[:split.start()], part[split.end():]
            left = self.shown.referenced(state, before) or ([subject] if subject else []) or self.shown.focus(state)[:1]
            right = self.shown.referenced(state, after) or self._named(state, after)
            items = [*left[:1], *[p for p in right[:1] if p not in left[:1]]]
            if len(items) == 2:
                self._yes_no(items[0], items[1], wanted, found)
                return items[0]
        items = self.shown.referenced(state, part)
        if len(items) < 2:  # "the cheapest of these", "which is lighter?": every item on screen
            items = self.shown.listed(state)
        self._best_of(items, wanted, found)
        return subject

    def _named(self, state: SessionState, text: str) -> list[Product]:
        """The shown item whose title shares the most words with ``text`` (two at least)."""
        words = set(_WORD.findall(text.lower())) - QUESTION_WORDS
        scored = [(len(words & set(_WORD.findall(p.title.lower()))), p) for p in self.shown.listed(state)]
        best = max(scored, key=lambda s: s[0], default=(0, None))
        return [best[1]] if best[1] is not None and best[0] >= 2 else []

    def _values(self, items: list[Product], wanted: Comparative) -> dict[str, tuple[float, str]]:
        values = {}
        for product in items:
            value = self.measures.value(product, wanted.measure)
            if value is not None:
                values[product.id] = value
        return values

    def _shown_value(self, product: Product, measure: str, value: tuple[float, str]) -> str:
        if measure == PRICE:
            return price_text(product)
        return value[1]

    def _unstated(self, items: list[Product], wanted: Comparative, values: dict[str, tuple[float, str]]) -> str:
        missing = [p.title for p in items if p.id not in values]
        what = wanted.measure.split()[0]
        if len(missing) == len(items) and len(items) > 1:
            return f"None of these listings states a {what}, so I can't say which is {wanted.word}."
        return f"The listing of the {' and the '.join(missing)} doesn't state a {what}, so I can't say which is {wanted.word}."

    def _yes_no(self, a: Product, b: Product, wanted: Comparative, found: _Answers) -> None:
        found.about(a, b)
        found.compared = True
        values = self._values([a, b], wanted)
        if len(values) < 2 or not self.measures.kinds_agree([a, b], wanted.measure):
            found.lines.append(self._unstated([a, b], wanted, values))
            return
        (va, ta), (vb, tb) = values[a.id], values[b.id]
        shown_a, shown_b = self._shown_value(a, wanted.measure, (va, ta)), self._shown_value(b, wanted.measure, (vb, tb))
        if va == vb:
            found.lines.append(f"No: the {a.title} ({shown_a}) and the {b.title} ({shown_b}) are the same there.")
            return
        yes = (va > vb) == wanted.more
        found.lines.append(f"{'Yes' if yes else 'No'}: the {a.title} ({shown_a}) is "
                           f"{'' if yes else 'not '}{wanted.word} than the {b.title} ({shown_b}).")

    def _best_of(self, items: list[Product], wanted: Comparative, found: _Answers) -> None:
        values = self._values(items, wanted)
        known = [p for p in items if p.id in values]
        if len(known) < 2 or not self.measures.kinds_agree(known, wanted.measure):
            found.about(*items)
            found.lines.append(self._unstated(items, wanted, values))
            return
        pick = (max if wanted.more else min)(known, key=lambda p: values[p.id][0])
        found.about(pick, *[p for p in known if p is not pick])
        found.compared = True
        if len({values[p.id][0] for p in known}) == 1:
            found.lines.append("They are the same there: " + "; ".join(
                f"the {p.title}: {self._shown_value(p, wanted.measure, values[p.id])}" for p in known) + ".")
            return
        others = "; ".join(f"the {p.title}: {self._shown_value(p, wanted.measure, values[p.id])}"
                           for p in known if p is not pick)
        found.lines.append(f"The {pick.title} is the {wanted.word} ({self._shown_value(pick, wanted.measure, values[pick.id])}); "
                           f"{others}.")
        if len(known) < len(items):
            found.lines.append(self._unstated([p for p in items if p.id not in values], wanted, values))

    # -- one question about an item -------------------------------------------------------------------
    def _fact(self, state: SessionState, part: str, subject: Product | None, found: _Answers) -> Product | None:
        picks = self.shown.referenced(state, part)
        target = picks[0] if picks else subject or self.shown.target(state, part)
        if target is None:
            return subject
        found.about(target)
        lowered = part.lower()
        facts: list[str] = []
        if _PRICE_ASKED.search(part):
            facts.append(f"it costs {price_text(target)}")
        if _RATING_ASKED.search(part):
            facts.append(f"it is rated {target.rating:.1f}/5 ({target.review_count} reviews)" if target.rating is not None
                         else "it has no rating yet")
        words = set(_WORD.findall(lowered)) - QUESTION_WORDS
        colours = {c.lower() for c in target.colors}
        for word in sorted(w for w in words if w in colours or w in BASIC_COLORS):
            facts.append(f"it comes in {word}" if word in colours else
                         f"it doesn't come in {word} (colours: {', '.join(target.colors) or 'one only'})")
        sizes = {z.lower(): z for z in target.sizes}
        facts += [f"it comes in size {sizes[w]}" for w in sorted(words & set(sizes))]
        if _STOCK_ASKED.search(part):
            facts.append(f"it is {stock_phrase(target.stock)}" if target.stock > 0 else "it is out of stock")
        for key, value in target.attributes.items():
            text = ", ".join(value) if isinstance(value, list) else value
            if set(_WORD.findall(key.lower().replace("_", " "))) & words and not suspect(text) and key not in ("color", "size"):
                facts.append(f"{key.replace('_', ' ')}: {text}")
        if facts:
            found.lines.append(f"The {target.title}: {'; '.join(facts)}.")
            return target
        quote = _sentence_with(target.description, words)
        if quote:
            found.lines.append(f"The {target.title}, from its description: “{quote}”")
            return target
        policy = self._policy(part, words)
        topic = _topic(part)
        # "is it $0.99 today, say yes": an amount or instruction of the shopper's is never repeated; a policy
        # term only when the store's entry on it is quoted beside it
        if topic and not safe_to_echo(topic, topic if policy else ""):
            topic = ""
        line = f"The listing of the {target.title} doesn't state {topic or 'that'}."
        if policy is not None:
            ref, quoted = policy
            found.faq[ref.id] = policy
            line += f" The store's policy on it ({ref.title}): “{quoted}”"
        found.lines.append(line)
        return target

    def _policy(self, part: str, words: set[str]) -> tuple[FaqRef, str] | None:
        """The store's FAQ entry about what ``part`` asks (retrieved, and sharing one of its words), quoted."""
        hits = self.faq.retriever.search_faq(part, k=1)
        if not hits or hits[0].score < self.faq.min_score:
            return None
        hit = hits[0]
        chunks: list[FaqChunk] = self.faq.used_chunks(hit)
        text = " ".join(c.text for c in chunks)
        entry_words = set(_WORD.findall(f"{hit.entry.title} {text}".lower()))
        if not {w for w in words if len(w) >= 4} & entry_words:
            return None
        quoted = " ".join(re.split(r"(?<=[.!?])\s+", text.strip())[:2])
        return FaqRef(hit.entry.id, hit.entry.title, tuple(c.id for c in chunks)), quoted


def _sentence_with(description: str, words: set[str]) -> str:
    """The description's first sentence that uses one of the question's own words (four letters or more)."""
    wanted = {w for w in words if len(w) >= 4}
    for sentence in re.split(r"(?<=[.!?])\s+", description):
        if wanted & set(_WORD.findall(sentence.lower())) and not suspect(sentence):
            return sentence.strip()
    return ""


def _topic(part: str) -> str:
    """What a yes/no question asks about: "does it have a 5 year warranty?" → "a 5 year warranty"."""
    text = re.sub(r"^\s*(is|are|does|do|has|have|can|will|would|could|was)\s+", "", part.strip(" ?"), flags=re.I)
    text = re.sub(r"^(it|this|that|they|the\s+\w+(\s+one)?)\s+", "", text, flags=re.I)
    text = re.sub(r"^(have|has|come with|include)\s+", "", text, flags=re.I)
    if re.match(r"^(a|an|any)\b", text, re.I):
        return text
    return f"whether it is {text}" if text else ""
