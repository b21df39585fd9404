"""Read shopping constraints out of a message: category, budget, color, size, brand, use, stock.

Rule-based on purpose: prices and sizes must be exact, and the vocabulary (categories, brands,
colors, sizes, uses) comes from the store's own catalog, so a new store needs no retraining
(``assistant/vocabulary``: its words, general synonyms that lead to them, the store's own synonyms).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from typing import Any

from assistant.attribute_values import AttributeValueReader
from assistant.money import currency_markers, currency_words
from assistant.negation import NegationReader
from assistant.number_words import WORDS as NUMBER_WORDS
from assistant.number_words import digits_for_words
from assistant.product_types import singular
from assistant.vocabulary import Kind, StoreVocabulary, general_synonyms
from assistant.vocabulary.materials import store_materials
from knowledge.catalog import Catalog
from knowledge.retrieval.filters import ProductFilter
from knowledge.schemas import Product

# Colour words that stand for another colour, store-independent ("grey" → "gray"), for references
# ("the grey one"); the slot filler maps colour words to the store's own colours (StoreVocabulary.colors).
COLOR_SYNONYMS = {word: group[0] for group in general_synonyms().colors for word in group[1:]}
SIZE_WORDS = {"extra small": "xs", "small": "s", "medium": "m", "large": "l", "extra large": "xl",
              "xx-large": "xxl", "x-large": "xl"}
# Budgets are read in the store's currency (``Catalog.currency``): an amount may carry its symbol or code
# ("under €80", "80 EUR", "$80") or a word for it ("80 euros", "50 pounds", "20 bucks"); see assistant/money.py.
_AMOUNT = r"(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:[.,]\d{1,2})?)(?![\d.,]*\d)"
# Units that make a number not money. A word for the store's currency is dropped from them: "50 pounds" is
# a weight in a dollar store and a budget in a pound store.
_UNITS = ("%", "percent", "people", "person", "players?", "pieces?", "years?", r"yo\b", "months?", r"l\b",
          "liters?", "litres?", "mm", "cm", "inch", r"in\b", "ft", "feet", "lbs?", "pounds?", "kg", r"g\b", "oz",
          r"w\b", "watts?", "hours?", "days?", "gb", "tb", "mah", "quart", "qt", "cups?", "pack")


def _num(currency: str) -> str:
    """An amount, with the currency's symbol or code before it or its symbol, code or a word for it after."""
    markers = [re.escape(m) for m in currency_markers(currency)]
    words = [re.escape(w).replace(r"\ ", r"\s+") + r"\b" for w in currency_words(currency)]
    return rf"(?:{'|'.join(markers)})?\s?{_AMOUNT}\s?(?:{'|'.join([*words, *markers])})?"


def _not_money(currency: str) -> str:
    """A lookahead that refuses a number followed by a unit that is not money."""
    words = currency_words(currency)
    units = [u for u in _UNITS if not any(re.fullmatch(u, w) for w in words)]
    return rf"(?!\s?(?:{'|'.join(units)}))"


def _priced(currency: str) -> str:
    """An amount that says it is money: the currency's symbol or code before it, or a word for it after
    ("80 bucks" only in a dollar store)."""
    markers = [re.escape(m) for m in currency_markers(currency)]
    words = [re.escape(w).replace(r"\ ", r"\s+") + r"\b" for w in currency_words(currency)]
    return rf"(?:(?:{'|'.join(markers)})\s?{_AMOUNT}|{_AMOUNT}\s?(?:{'|'.join([*words, *markers])}))"


@dataclass(frozen=True)
class BudgetPatterns:
    maximum: re.Pattern[str]
    minimum: re.Pattern[str]
    between: re.Pattern[str]
    around: re.Pattern[str]


@lru_cache(maxsize=32)
def budget_patterns(currency: str, spoken: bool = False) -> BudgetPatterns:
    """The budget expressions of a store priced in ``currency``; ``spoken`` adds how people say them
    ("50-ish", "60 or so", "80 bucks or less", "€80 tops"; amounts in words are read by ``digits_for_words``)."""
    num, not_money = _num(currency), _not_money(currency)
    # "no more than 90" is a maximum and "no less than 30" a minimum, whatever "more"/"less" say alone
    # after the amount: "80 bucks or less", "50 tops" (a bare number too, but never a size: "size 10 or less")
    max_after = (rf"|(?<!size )(?<!size)(?<![\d.,]){num}{not_money}\s*(?:or\s+(?:less|under|below|cheaper)|and\s+(?:under|below|less)|"
                 rf"max(?:imum)?|tops|at\s+most)\b|\b(?:i\s+)?(?:have|got)\s+{num}\s+to\s+spend\b") if spoken else ""
    max_before = r"|sub-?|budget'?s|tops|nothing\s+(?:over|above|more\s+than)" if spoken else ""
    min_after = rf"|{num}{not_money}\s?\+(?!\s?\d)|{num}{not_money}\s+(?:or|and)\s+(?:more|up|above|over)\b" if spoken else ""
    like = r"(?:(?:like|about|around|roughly)\s+)?" if spoken else ""  # "budget is like 100"
    around_after = (rf"|{num}(?:\s?-?\s?ish\b|\s+or\s+so\b)"  # "50-ish"; "for a tenner", "for 20 bucks"
                    rf"|\bfor\s+(?:just\s+|only\s+)?{_priced(currency)}(?!\s*(?:or\s|and\s|tops|max|at\s+most))") if spoken else ""
    maximum = re.compile(rf"(?:\b(?<!no )(?<!not )(?:under|below|less than|cheaper than|up to|at most|max(?:imum)?|no more than|not more than|within|budget(?: is| of)?{max_before})|<)\s*{like}{num}{not_money}{max_after}", re.I)
    minimum = re.compile(rf"(?:\b(?<!no )(?<!not )(?<!nothing )(?:over|above|more than|at least|min(?:imum)?|from|no less than|not less than)|>)\s*{num}{not_money}{min_after}", re.I)
    between = re.compile(rf"\bbetween\s*{num}\s*(?:and|-|to)\s*{num}|{num}\s*(?:-|to)\s*{num}{not_money}", re.I)
    around = re.compile(rf"(?:\b(?:around|about|roughly|approximately|approx\.?|circa)|~)\s*{num}{not_money}{around_after}", re.I)
    return BudgetPatterns(maximum, minimum, between, around)


def _inside(outer: re.Match[str] | None, inner: re.Match[str]) -> bool:
    """``inner`` starts within ``outer``: "under 70ish" is a maximum, not "about 70"."""
    return outer is not None and outer.start() <= inner.start() < outer.end()


def _amount(m: re.Match[str]) -> str:
    """The amount a budget pattern found (the first group that matched)."""
    return next(g for g in m.groups() if g)


FILTER_FIELDS = frozenset(f.name for f in fields(ProductFilter))  # the hard constraints' fields

_CHEAPER = re.compile(r"\b(cheaper|less expensive|lower price|more affordable)\b", re.I)
_NO_BUDGET = re.compile(
    r"\b(any price|no budget|any budget|price doesn'?t matter|(?:price|money|cost) is no object|"
    r"(?:forget|drop|remove|ignore|clear|lose|scrap)(?: about)? (?:the |my |that )?(?:budget|price (?:limit|filter|range|cap))"
    r"|no price limit)\b", re.I)
# "any color", "forget the brand": drop that constraint (never with a new value: "any size 10?")
_CLEAR = re.compile(r"\b(?:any|(?:forget|drop|remove|ignore|clear|scrap)(?: about)?(?: the| my| that)?)\s+"
                    r"(colou?r|size|brand|use)s?\b(?!\s*(?:\d|xs|s|m|l|xl|xxl)\b)", re.I)
_SIZE = re.compile(r"\bsize\s*(?:is\s*|of\s*|:\s*)?(xxs|xs|s|m|l|xl|xxl|\d{1,2}(?:\.5)?|small|medium|large|extra large|one size)\b", re.I)
_SIZE_BARE = re.compile(r"(?<![\w-])(xxs|xs|xl|xxl)(?![\w-])", re.I)
_SIZE_IN = re.compile(r"\b(?:in|a|an)\s+(extra small|small|medium|large|extra large|xs|xl|xxl)\b(?!\s+(?:size|tent|dog|cat|pot|pan|room|bag|backpack|bowl|roast|heat|grind|firmness))", re.I)
# The use slot: what the product is for ("for flat feet", "for hiking", "to go camping"). Its values are
# the catalog's tags; other words shoppers use for a tag are general synonyms (vocabulary/synonyms.yaml,
# kept only if the store has the tag).
# Tags that say what a product is like, not what it is for ("for a budget" is the budget slot).
NOT_USES = frozenset("budget gift gifts premium luxury classic basics everyday sale cheap her him men women".split())
_USE_LEAD = (r"\b(?:(?:good|great|ideal|suitable|made|meant|best|perfect)\s+)?(?:for(?:\s+use\s+(?:in|on|with))?|to\s+go|"
             r"when|while)\s+(?:(?:a|an|my|the|our|your|his|their|some|long|short|going|doing|use|using|"
             r"everyday|daily|weekend|day|rainy)\s+)*?")
_SPOKEN_AMOUNT_WORDS = NUMBER_WORDS | {"a", "ish", "so", "tops"}  # "under a hundred", "50-ish", "60 or so"
_IN_STOCK = re.compile(r"\b(in stock|available now|ships? (now|today)|can i get (it|them) now)\b", re.I)


_REFINE_WORDS = set("""
what about how any anything something show me more other others options option ones one those these them it
in a an the with for and or but please instead only just also still maybe do you have got size sizes color
colour colors under below over above less than more cheaper cheap expensive pricier price budget dollars bucks
between around about to from max min at most least no same similar like that this version versions
available stock now too i want need would prefer actually make rather any other different some
is fine ok okay forget drop remove ignore clear matter doesn don t whatever limit let lets go can could be try
bit little slightly even much lot something pair model version brand use instead no yes yeah nah hmm oh well
""".split())


def suits_use(product: Product, use: str) -> bool:
    """Whether the catalog says ``product`` is for ``use``: one of its tags or attribute values names it
    ("day hiking" suits "hiking", gender "kids" suits "kids")."""
    pattern = re.compile(rf"\b{re.escape(use.lower())}(?:e?s)?\b")
    values = [*product.tags]
    for key, value in product.attributes.items():
        if key not in ("color", "size"):
            values.extend([value] if isinstance(value, str) else value)
    return any(pattern.search(v.lower()) for v in values)


def is_refinement(text: str, update: SlotUpdate, vocabulary: set[str]) -> bool:
    """True when a message only adjusts the current search ("in blue", "cheaper", "size 9"),
    False when it asks for something new ("a gift for my dad who likes cooking")."""
    if update.filter.category or update.filter.subcategories:
        return False
    words = re.findall(r"[a-z$0-9.]+", text.lower())
    content = [w for w in words if w not in _REFINE_WORDS and w.rstrip("s") not in _REFINE_WORDS
               and w not in vocabulary and not re.fullmatch(r"[$\d.,]+", w)]
    return len(content) <= 1


@dataclass
class SlotUpdate:
    """What a single message says about the constraints: the values it gives for the hard ones in
    ``filter`` (only the fields named in ``mentioned`` count), and what else it says."""

    filter: ProductFilter = field(default_factory=ProductFilter)  # subcategories: the product types named
    product_label: str | None = None  # their words for the product types ("running shoes")
    use: str | None = None  # what it is for, a catalog tag: "flat feet", "hiking", "toddler"
    use_span: tuple[int, int] | None = None  # where the message says it ("for flat feet")
    category_from_use: bool = False  # the category was read only from the use ("something for camping")
    cheaper: bool = False  # "cheaper than that": below the top item shown
    currency: str | None = None  # the store's currency, which the message's amounts are read in
    clear_budget: bool = False
    cleared: set[str] = field(default_factory=set)  # constraints to drop: "any color" → {"color"}
    mentioned: set[str] = field(default_factory=set)  # ``filter``'s fields, "product_label" and "use"

    def give(self, **values: Any) -> None:
        """The message gives these values of ``filter``'s fields."""
        self.filter = replace(self.filter, **values)
        self.mentioned |= values.keys()

    def mentioned_values(self) -> dict[str, object]:
        """Each field the message mentions, by name (``filter``'s and the soft ones), with its value."""
        return {name: getattr(self.filter if name in FILTER_FIELDS else self, name) for name in self.mentioned}

    def is_empty(self) -> bool:
        return not self.mentioned and not self.cheaper and not self.clear_budget and not self.cleared

    def changes_search(self) -> bool:
        """Whether the message changes the constraints at all ("cheaper", "any color", "in blue")."""
        return bool(self.mentioned or self.cheaper or self.clear_budget or self.cleared)

    def keep_category(self) -> None:
        """Forget a category read only from the use: "what about for camping?" while looking at shoes
        means shoes for camping, not the outdoor category."""
        if self.category_from_use:
            self.filter, self.category_from_use = replace(self.filter, category=None), False
            self.mentioned.discard("category")


def _money(value: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", value):  # "1,000" is a thousand, not 1.00
        return float(value.replace(",", ""))
    return float(value.replace(",", "."))


def _word_pattern(words: list[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alternatives = sorted({re.escape(w.lower()) for w in words}, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(alternatives) + r")(?:e?s)?\b", re.I)


_LETTER_SIZE = re.compile(r"x*[sml]|x+l", re.I)


def _store_size_pattern(sizes: set[str]) -> re.Pattern[str] | None:
    """ "size <one of the store's sizes>"; a size is not cut short ("size 10.5" is not "size 10")."""
    if not sizes:
        return None
    alternatives = sorted((re.escape(s) for s in sizes), key=len, reverse=True)
    return re.compile(r"\bsize\s*(?:is\s*|of\s*|:\s*)?(" + "|".join(alternatives) + r")(?![\w/]|\.\d)", re.I)


class SlotExtractor:
    """Extracts a ``SlotUpdate`` using the store's own words (``StoreVocabulary``: its catalog, general
    synonyms that lead to it, and ``synonyms``, the store's own from its settings: store word → the
    words its shoppers use). Raises ``UnknownStoreWord`` for a store synonym listed under a word the
    catalog does not have."""

    def __init__(self, catalog: Catalog, synonyms: Mapping[str, Sequence[str]] | None = None,
                 exclusions: bool = False, spoken_amounts: bool = False, attribute_filters: bool = False,
                 qualified_types: bool = False):
        """``exclusions``: read "not Pacewell", "no leather", "anything but black" as exclusions
        (``Settings.understanding.exclusions``; off, negated words read as any others). ``spoken_amounts``:
        read budgets as people say them too ("under a hundred", "50-ish", "80 bucks or less";
        ``[understanding] spelling``). ``attribute_filters``: read a value of one of the store's
        categorical attributes ("for women") as a hard filter (``[understanding] attribute_filters``;
        see ``assistant/attribute_values.py``). ``qualified_types``: "rain jacket for cycling" is the
        store's "cycling rain jacket" (``[understanding] qualifiers``)."""
        self.catalog = catalog
        self.spoken_amounts = spoken_amounts
        self.store_vocabulary = words = StoreVocabulary(catalog, synonyms, qualified_types=qualified_types)
        # a category in any spelling, or a shopper's word for one of the store's kinds (its own synonyms and
        # the general ones that lead to its words)
        self._kind_of = {spelling: Kind(category) for spelling, category in words.categories.items()}
        for word, kind in words.kinds.items():
            self._kind_of.setdefault(word, kind)
        self._kind_re = _word_pattern(list(self._kind_of))
        self._brand_of = words.brands
        self._brand_re = _word_pattern(list(self._brand_of))
        self._colors = set(words.colors)
        self._color_re = _word_pattern(sorted(self._colors))
        self._sizes = words.sizes
        self._size_re = _store_size_pattern(self._sizes)
        self._types = words.types
        self.vocabulary = self._colors | self._sizes | set(SIZE_WORDS) | set(self._brand_of)
        self._use_of = self._use_vocabulary(catalog)
        self._negations = self._negation_reader(catalog) if exclusions else None
        self._attribute_values = AttributeValueReader(catalog) if attribute_filters else None
        alternatives = sorted((re.escape(w) for w in self._use_of), key=len, reverse=True)
        self._use_re = re.compile(_USE_LEAD + r"(" + "|".join(alternatives) + r")(?:e?s)?\b", re.I) \
            if alternatives else None

    def _use_vocabulary(self, catalog: Catalog) -> dict[str, str]:
        """Phrase → catalog tag for every tag that can say what a product is for: not a color, brand,
        category, product type or a quality such as "budget"."""
        excluded = set(NOT_USES) | set(self._colors) | set(self._brand_of) | set(catalog.categories)
        uses: dict[str, str] = {}
        for tag in catalog.tags:
            if tag in excluded or self._types.match(tag) is not None or not re.search(r"[a-z]{2}", tag):
                continue
            uses[tag] = tag
        for word, tag in self.store_vocabulary.uses.items():
            if tag in uses:
                uses.setdefault(word, tag)
        return uses

    @property
    def uses(self) -> set[str]:
        """The use values this store knows (its tags that name a use)."""
        return set(self._use_of.values())

    def strip_use(self, text: str) -> str:
        """The message without what it says the product is for ("trail shoes for flat feet" → "trail shoes")."""
        if self._use_re is None:
            return text
        return re.sub(r"\s{2,}", " ", self._use_re.sub(" ", text)).strip()

    def is_refinement(self, text: str, update: SlotUpdate) -> bool:
        # what it is for, "money is no object", "any color" and "not Pacewell" adjust the search: not
        # words of a new one
        text = self.without_negations(text)
        vocabulary = self.vocabulary | _SPOKEN_AMOUNT_WORDS if self.spoken_amounts else self.vocabulary
        return is_refinement(_CLEAR.sub(" ", _NO_BUDGET.sub(" ", self.strip_use(text))), update, vocabulary)

    def extract(self, text: str) -> SlotUpdate:
        update = SlotUpdate()
        text = self._extract_exclusions(text, update)  # the rest is read without what it leaves out
        lowered = text.lower()
        self._extract_use(text, update)
        if kind := self._types.match(self._respelled(text, update.use_span)):
            self._set_kind(update, Kind(kind.category, kind.subcategories), kind.label)
        if self._kind_re and update.filter.category is None and not update.filter.subcategories:
            # A category or a general word for one of the store's kinds ("sneakers" in a shoe store).
            # The longest match wins ("running shoe" over "shoe"); ties go to the first. Words of the use
            # count only when nothing else names a category ("shoes for a toddler" are shoes, not toys).
            without_use = lowered
            if update.use_span:
                start, end = update.use_span
                without_use = lowered[:start] + " " + lowered[end:]
            matches = sorted(self._kind_re.finditer(without_use), key=lambda m: -len(m.group(1)))
            if not matches and update.use_span:
                matches = sorted(self._kind_re.finditer(lowered), key=lambda m: -len(m.group(1)))
                update.category_from_use = bool(matches)
            if matches:
                self._set_kind(update, self._kind_of[matches[0].group(1).lower()], matches[0].group(0))
        if self._brand_re and (m := self._brand_re.search(lowered)):
            update.give(brand=self._brand_of[m.group(1).lower()])
        if self._color_re and (m := self._color_re.search(lowered)):
            update.give(color=self.store_vocabulary.colors[m.group(1).lower()])
        self._extract_size(text, update)
        self._extract_attributes(text, update)
        self._extract_budget(text, update)
        if _IN_STOCK.search(text):
            update.give(in_stock_only=True)
        for m in _CLEAR.finditer(text):
            name = m.group(1).lower().replace("colour", "color")
            if name not in update.mentioned:
                update.cleared.add(name)
        return update

    # -- exclusions ("not Pacewell", "no leather"): see assistant/negation.py ------------------
    def _negation_reader(self, catalog: Catalog) -> NegationReader:
        words = self.store_vocabulary
        materials = store_materials(catalog, taken=set(words.colors) | set(words.brands))
        return NegationReader(words, self._kind_of, materials)

    def _extract_exclusions(self, text: str, update: SlotUpdate) -> str:
        """Give the exclusions the message says; return it with them blanked, so a negated word is
        not also read as wanted ("not black" does not ask for black)."""
        if self._negations is None:
            return text
        negations = self._negations.read(text)
        for name, values in negations.values.items():
            update.give(**{name: values})
        return negations.masked(text)

    def without_negations(self, text: str) -> str:
        """The message without what it rules out ("trail shoes not Pacewell" → "trail shoes"): the words
        a search should look for."""
        return text if self._negations is None else self._negations.read(text).masked(text)

    def _respelled(self, text: str, use_span: tuple[int, int] | None) -> str:
        """The message in the store's spelling ("tshirt" → "t-shirt", a store synonym → its store word)
        for finding product types; what it is for stays as written ("a kettle for pour over" is a kettle)."""
        if use_span is None:
            return self.store_vocabulary.respell(text)
        start, end = use_span
        respell = self.store_vocabulary.respell
        return respell(text[:start]) + text[start:end] + respell(text[end:])

    @staticmethod
    def _set_kind(update: SlotUpdate, kind: Kind, label: str) -> None:
        """A category alone, or product types (with their category when they share one)."""
        if kind.subcategories:
            update.give(subcategories=kind.subcategories)
            update.product_label = label
            update.mentioned.add("product_label")
        if kind.category:
            update.give(category=kind.category)

    def _extract_use(self, text: str, update: SlotUpdate) -> None:
        if self._use_re and (m := self._use_re.search(text)):
            phrase = m.group(1).lower()
            update.use = self._use_of.get(phrase) or self._use_of.get(singular(phrase), phrase)
            update.use_span = m.span()
            update.mentioned.add("use")

    def _extract_attributes(self, text: str, update: SlotUpdate) -> None:
        """"for women": a value of one of the store's categorical attributes (``ProductFilter.attributes``)."""
        if self._attribute_values is not None and (values := self._attribute_values.read(text)):
            update.give(attributes=values)

    def _extract_size(self, text: str, update: SlotUpdate) -> None:
        # the store's own sizes count after "size" ("size 10c", "size queen"), after the usual ones
        m = _SIZE.search(text) or (self._size_re and self._size_re.search(text)) or _SIZE_IN.search(text) \
            or _SIZE_BARE.search(text)
        if not m:
            return
        raw = m.group(1).lower()
        size = SIZE_WORDS.get(raw, raw)
        update.give(size=size.upper() if _LETTER_SIZE.fullmatch(size) else size)

    def _extract_budget(self, text: str, update: SlotUpdate) -> None:
        update.currency = self.catalog.currency
        if _NO_BUDGET.search(text):
            update.clear_budget = True
            return
        if self.spoken_amounts:
            text = digits_for_words(text, currency_words(self.catalog.currency))
        patterns = budget_patterns(self.catalog.currency, self.spoken_amounts)
        low: float | None = None
        high: float | None = None
        if m := patterns.between.search(text):
            values = [g for g in m.groups() if g]
            low, high = sorted(_money(v) for v in values[:2])
        elif (m := patterns.around.search(text)) and not _inside(patterns.maximum.search(text), m):
            center = _money(_amount(m))
            low, high = round(center * 0.8, 2), round(center * 1.2, 2)
        else:
            if m := patterns.maximum.search(text):
                high = _money(_amount(m))
            if m := patterns.minimum.search(text):
                low = _money(_amount(m))
        if low is not None:
            update.give(min_price=low)
        if high is not None:
            update.give(max_price=high)
        if high is None and _CHEAPER.search(text):
            update.cheaper = True
