"""Reading comparisons and multi-part questions: "is it cheaper than the first?", "which is lighter,
the first or the second?", "the best rated of these", "what's the price of the third one, and is it
cheaper than the first?".

Comparative words map to a measure through a small general table (``MEASURES``): the price, the
rating, or an attribute word ("weight", "thickness") that is looked up among the attribute keys the
store's catalog actually has (``CatalogMeasures``). Attribute values are read as numbers with their
units ("0.9 kg", "900 g", "1.5 mm"), so two products can be compared when their units agree in kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from knowledge.catalog import Catalog
from knowledge.schemas import Product
from recommender.types import RankedItem

PRICE, RATING = "price", "rating"

# comparative / superlative word -> (measure, whether the word asks for more of it). The measure is
# the price, the rating, or the words an attribute key of the catalog must contain.
MEASURES: dict[str, tuple[str, bool]] = {}
for _words, _measure, _more in (
    ("cheaper cheapest less-expensive least-expensive more-affordable most-affordable lower-priced", PRICE, False),
    ("pricier priciest more-expensive most-expensive dearer higher-priced", PRICE, True),
    ("better-rated best-rated higher-rated highest-rated top-rated better-reviewed best-reviewed better-rating "
     "higher-rating better-reviews", RATING, True),
    ("worse-rated worst-rated lower-rated lowest-rated", RATING, False),
    ("lighter lightest", "weight", False), ("heavier heaviest", "weight", True),
    ("thinner thinnest", "thickness", False), ("thicker thickest", "thickness", True),
    ("longer longest", "length", True), ("shorter shortest", "length", False),
    ("taller tallest", "height", True), ("wider widest", "width", True), ("narrower narrowest", "width", False),
    ("bigger biggest larger largest roomier", "capacity volume size", True), ("smaller smallest", "capacity volume size", False),
):
    for _word in _words.split():
        MEASURES[_word.replace("-", " ")] = (_measure, _more)
_SUPERLATIVE = re.compile(r"est\b|\b(most|least|top)\b")
COMPARATIVE = re.compile(r"\b(" + "|".join(sorted((re.escape(w).replace(r"\ ", r"\s+") for w in MEASURES),
                                                  key=len, reverse=True)) + r")\b", re.I)
# a request for other items ("anything cheaper than the first?") is a search, not a question about those shown
_SEARCH_REQUEST = re.compile(r"\b(is there|are there|anything|something|any\s+\w+\s+(cheaper|less)|show|find|got|"
                             r"do you have|looking for|i want|i need|give me|suggest)\b", re.I)
_ASKS = re.compile(r"^\s*(is|are|was|were|which|what'?s|what\s+is|whats)\b|\bwhich\b|\bof\s+(these|those|them|the\s+\w+)\b",
                   re.I)
# Where a message's questions part: "…, and is it …", "…? does it …", "… and does it have …"
_PART_BREAK = re.compile(r"\?\s+(?=\S)|[,;]?\s+(?:and|also|plus)\s+(?=(?:is|are|does|do|has|have|what|which|how|can|"
                         r"will|would|could|was)\b)", re.I)

# number with its unit; units of one kind are converted to one base (grams, millimetres, millilitres)
_QUANTITY = re.compile(r"(\d+(?:[.,]\d+)?)\s*(kg|g|grams?|lbs?|pounds?|oz|ounces?|mm|cm|m|in|inch(?:es)?|ft|"
                       r"l|litres?|liters?|ml)?\b", re.I)
_UNITS = {"kg": ("mass", 1000.0), "g": ("mass", 1.0), "gram": ("mass", 1.0), "grams": ("mass", 1.0),
          "lb": ("mass", 453.6), "lbs": ("mass", 453.6), "pound": ("mass", 453.6), "pounds": ("mass", 453.6),
          "oz": ("mass", 28.35), "ounce": ("mass", 28.35), "ounces": ("mass", 28.35),
          "mm": ("length", 1.0), "cm": ("length", 10.0), "m": ("length", 1000.0), "in": ("length", 25.4),
          "inch": ("length", 25.4), "inches": ("length", 25.4), "ft": ("length", 304.8),
          "l": ("volume", 1000.0), "litre": ("volume", 1000.0), "litres": ("volume", 1000.0),
          "liter": ("volume", 1000.0), "liters": ("volume", 1000.0), "ml": ("volume", 1.0)}


@dataclass(frozen=True)
class Comparative:
    """A comparative or superlative in a message: what is measured, and which way."""

    word: str  # as written: "cheaper", "best rated"
    measure: str  # PRICE, RATING, or attribute words ("weight")
    more: bool  # the question asks for more of the measure ("heavier")
    superlative: bool  # "the cheapest", "the lightest of these"

    @property
    def phrase(self) -> str:
        """The comparative as a reply says it: "lighter", "better rated" (for "better rating", "better reviews")."""
        if self.measure == RATING and not self.superlative:
            return "better rated" if self.more else "lower rated"
        return self.word


def comparative(text: str) -> Comparative | None:
    """The first comparative or superlative word of ``text`` (None when it has none)."""
    m = COMPARATIVE.search(text)
    if m is None:
        return None
    word = " ".join(m.group(1).lower().split())
    measure, more = MEASURES[word]
    return Comparative(word, measure, more, bool(_SUPERLATIVE.search(word)))


def asks_for_others(text: str) -> Comparative | None:
    """A request for other items than those shown, measured against one of them: "anything cheaper than
    the first?", "is there one with a better rating", or a comparative with no subject ("better rated than
    the first?" — nothing shown is being asked about, so it asks for others)."""
    found = comparative(text)
    if found is None or found.superlative:
        return None
    return found if _SEARCH_REQUEST.search(text) or COMPARATIVE.match(text.lstrip(" \"'")) else None


def asks_comparison(text: str) -> Comparative | None:
    """A question comparing items on screen ("is it cheaper than the first?", "which is lighter?", "the
    best rated of these"), not a request for other items ("anything cheaper?")."""
    found = comparative(text)
    if found is None or asks_for_others(text):
        return None
    return found if _ASKS.search(text) or "than" in text.lower().split() else None


def split_parts(text: str) -> list[str]:
    """The questions in one message: "what's the price of the third one, and is it cheaper than the first?"
    → ["what's the price of the third one", "is it cheaper than the first?"]."""
    return [p.strip(" ,;") for p in _PART_BREAK.split(text) if p and p.strip(" ,;?")]


@dataclass(frozen=True)
class Quantity:
    value: float  # in the base unit of its kind
    kind: str  # "mass", "length", "volume", or "" (a bare number)
    text: str  # as the catalog wrote it


def quantity(text: str) -> Quantity | None:
    """The first number of an attribute value, with its unit converted ("0.9 kg" → 900 g)."""
    m = _QUANTITY.search(text)
    if m is None:
        return None
    number = float(m.group(1).replace(",", "."))
    kind, factor = _UNITS.get((m.group(2) or "").lower(), ("", 1.0))
    return Quantity(number * factor, kind, text)


class CatalogMeasures:
    """Which attribute keys of this store's catalog a measure word stands for ("weight" → "weight",
    "weight_kg"); keys come from the catalog itself, never from a list of one store's names."""

    def __init__(self, products: Iterable[Product]):
        keys: set[str] = set()
        for product in products:
            keys |= {k for k, v in product.attributes.items() if isinstance(v, str) and quantity(v)}
        self.keys = sorted(keys)

    def keys_for(self, measure: str) -> list[str]:
        words = measure.split()
        return [k for k in self.keys if set(re.findall(r"[a-z]+", k.lower())) & set(words)]

    def value(self, product: Product, measure: str) -> tuple[float, str] | None:
        """``product``'s value for ``measure`` (comparable number, text to show), or None if its
        listing does not state it."""
        if measure == PRICE:
            return product.price_range[0], ""
        if measure == RATING:
            return (product.rating, f"{product.rating:.1f}/5") if product.rating is not None else None
        for key in self.keys_for(measure):
            raw = product.attributes.get(key)
            found = quantity(raw) if isinstance(raw, str) else None
            if found is not None:
                return found.value, f"{key.replace('_', ' ')} {raw}"
        return None

    def kinds_agree(self, products: Sequence[Product], measure: str) -> bool:
        """Whether the products' values for an attribute measure are in units of one kind (always for price, rating)."""
        if measure in (PRICE, RATING):
            return True
        kinds = set()
        for product in products:
            for key in self.keys_for(measure):
                raw = product.attributes.get(key)
                found = quantity(raw) if isinstance(raw, str) else None
                if found is not None:
                    kinds.add(found.kind)
                    break
        return len(kinds) <= 1


@dataclass(frozen=True)
class BestFirst:
    """The order a superlative search asks for: "the cheapest tent" lists tents by price, lowest first."""

    word: str  # "cheapest", "lightest"
    measure: str
    more: bool
    measures: CatalogMeasures

    @classmethod
    def of(cls, text: str, measures: CatalogMeasures) -> BestFirst | None:
        """The order of a message with a superlative whose measure the catalog states (else None)."""
        found = comparative(text)
        if found is None or not found.superlative:
            return None
        if found.measure not in (PRICE, RATING) and not measures.keys_for(found.measure):
            return None
        return cls(found.word, found.measure, found.more, measures)

    def order(self, ranked: Sequence[RankedItem], catalog: Catalog) -> list[RankedItem]:
        """``ranked`` best first by the measure; items whose listing does not state it keep their rank, after the rest."""
        products = [catalog.get(r.product_id) for r in ranked]
        if self.measure not in (PRICE, RATING) and not self.measures.kinds_agree([p for p in products if p], self.measure):
            return list(ranked)  # "1.2 kg" against "40 L": no order to give

        def key(i: int) -> tuple[int, float, int]:
            product = products[i]
            value = self.measures.value(product, self.measure) if product is not None else None
            if value is None:
                return (1, 0.0, i)
            return (0, -value[0] if self.more else value[0], i)

        return [ranked[i] for i in sorted(range(len(ranked)), key=key)]

    def shown(self, product: Product) -> str:
        """The value the order is by, as the listing states it ("weight 1.2 kg"); prices and ratings show on the card."""
        if self.measure in (PRICE, RATING):
            return ""
        value = self.measures.value(product, self.measure)
        return value[1] if value is not None else f"{self.measure.split()[0]} not stated"


@dataclass(frozen=True)
class Beyond:
    """A request for items past a shown one on a measure: "better rated than the first?", "anything lighter
    than that one?" (prices have their own slot: "cheaper" sets the budget)."""

    reference: Product
    wanted: Comparative
    measures: CatalogMeasures

    def passes(self, product: Product) -> bool:
        """``product`` states the measure and is past the reference on it (more or less, as asked)."""
        mine, theirs = self.measures.value(product, self.wanted.measure), self.measures.value(self.reference, self.wanted.measure)
        if mine is None or theirs is None or not self.measures.kinds_agree([product, self.reference], self.wanted.measure):
            return False
        return mine[0] > theirs[0] if self.wanted.more else mine[0] < theirs[0]
