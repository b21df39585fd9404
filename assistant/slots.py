"""Read shopping constraints out of a message: category, budget, color, size, brand, stock.

Rule-based on purpose: prices and sizes must be exact, and the vocabulary (categories, brands,
colors, sizes) comes from the store's own catalog, so a new store needs no retraining.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.product_types import ProductTypeMatcher
from knowledge.catalog import Catalog

# Broad words shoppers use for each demo category (product types come from the catalog).
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "shoes": ("shoe", "sneaker", "trainer", "boot", "sandal", "slipper", "footwear", "loafer", "clog"),
    "apparel": ("jacket", "coat", "shirt", "t-shirt", "tee", "sweater", "hoodie", "pants", "jeans", "dress",
                "leggings", "clothes", "clothing", "shorts", "parka", "fleece", "socks", "top", "cardigan"),
    "electronics": ("headphones", "earbuds", "speaker", "charger", "smartwatch", "power bank", "cable",
                    "webcam", "keyboard", "mouse", "monitor", "e-reader", "camera", "tablet", "gadget", "electronics"),
    "home": ("bedding", "sheets", "pillow", "blanket", "throw", "towel", "lamp", "rug", "curtain", "candle",
             "decor", "vacuum", "air purifier", "duvet", "home"),
    "kitchen": ("cooking", "cook", "chef", "skillet", "pan", "pot", "cookware", "knife", "knives", "cutting board", "coffee", "kettle",
                "blender", "air fryer", "mug", "kitchen", "baking", "espresso"),
    "beauty": ("skincare", "moisturizer", "cleanser", "sunscreen", "serum", "makeup", "mascara", "lipstick",
               "shampoo", "conditioner", "perfume", "fragrance", "beauty", "hair dryer", "lotion"),
    "sports": ("yoga", "dumbbell", "kettlebell", "resistance band", "fitness", "gym", "helmet", "tennis",
               "pickleball", "soccer", "basketball", "swim", "goggles", "water bottle", "jump rope", "workout"),
    "outdoor": ("tent", "sleeping bag", "sleeping pad", "camping", "hiking backpack", "headlamp", "stove",
                "water filter", "trekking pole", "cooler", "hammock", "camp chair", "garden"),
    "accessories": ("backpack", "bag", "handbag", "wallet", "watch", "sunglasses", "hat", "cap", "belt",
                    "scarf", "umbrella", "jewelry", "necklace", "earrings", "bracelet", "tote"),
    "toys": ("toy", "puzzle", "board game", "lego", "building set", "plush", "doll", "stem kit", "game",
             "kids toy", "toddler"),
    "pets": ("dog", "cat", "puppy", "kitten", "pet", "leash", "harness", "litter", "aquarium", "treats"),
    "office": ("desk", "office chair", "notebook", "planner", "pen", "organizer", "whiteboard", "stationery",
               "label maker", "shredder", "desk lamp", "office"),
}
COLOR_SYNONYMS = {"grey": "gray", "dark blue": "navy", "golden": "gold", "khaki": "tan", "maroon": "burgundy"}
SIZE_WORDS = {"extra small": "xs", "small": "s", "medium": "m", "large": "l", "extra large": "xl",
              "xx-large": "xxl", "x-large": "xl"}
_NUM = r"\$?\s?(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:[.,]\d{1,2})?)(?![\d.,]*\d)\s?(?:dollars|usd|bucks|\$)?"
_NOT_MONEY = r"(?!\s?(?:%|percent|people|person|players?|pieces?|years?|yo\b|months?|l\b|liters?|litres?|mm|cm|inch|in\b|ft|feet|lbs?|pounds?|kg|g\b|oz|w\b|watts?|hours?|days?|gb|tb|mah|quart|qt|cups?|pack))"
_MAX = re.compile(rf"\b(?:under|below|less than|cheaper than|up to|at most|max(?:imum)?|no more than|within|budget(?: is| of)?|<)\s*{_NUM}{_NOT_MONEY}", re.I)
_MIN = re.compile(rf"\b(?:over|above|more than|at least|min(?:imum)?|from|>)\s*{_NUM}{_NOT_MONEY}", re.I)
_RANGE = re.compile(rf"\bbetween\s*{_NUM}\s*(?:and|-|to)\s*{_NUM}|{_NUM}\s*(?:-|to)\s*{_NUM}{_NOT_MONEY}", re.I)
_AROUND = re.compile(rf"\b(?:around|about|roughly|approximately|~)\s*{_NUM}{_NOT_MONEY}", re.I)
_CHEAPER = re.compile(r"\b(cheaper|less expensive|lower price|more affordable)\b", re.I)
_NO_BUDGET = re.compile(r"\b(any price|no budget|price doesn'?t matter|forget the budget)\b", re.I)
_SIZE = re.compile(r"\bsize\s*(?:is\s*|of\s*|:\s*)?(xxs|xs|s|m|l|xl|xxl|\d{1,2}(?:\.5)?|small|medium|large|extra large|one size)\b", re.I)
_SIZE_BARE = re.compile(r"(?<![\w-])(xxs|xs|xl|xxl)(?![\w-])", re.I)
_SIZE_IN = re.compile(r"\b(?:in|a|an)\s+(extra small|small|medium|large|extra large|xs|xl|xxl)\b(?!\s+(?:size|tent|dog|cat|pot|pan|room|bag|backpack|bowl|roast|heat|grind|firmness))", re.I)
_IN_STOCK = re.compile(r"\b(in stock|available now|ships? (now|today)|can i get (it|them) now)\b", re.I)


_REFINE_WORDS = set("""
what about how any anything something show me more other others options option ones one those these them it
in a an the with for and or but please instead only just also still maybe do you have got size sizes color
colour colors under below over above less than more cheaper cheap expensive pricier price budget dollars bucks
between around about to from max min at most least no same similar like that this version versions
available stock now too i want need would prefer actually make rather any other different some
""".split())


def is_refinement(text: str, update: SlotUpdate, vocabulary: set[str]) -> bool:
    """True when a message only adjusts the current search ("in blue", "cheaper", "size 9"),
    False when it asks for something new ("a gift for my dad who likes cooking")."""
    if update.category or update.product_types:
        return False
    words = re.findall(r"[a-z$0-9.]+", text.lower())
    content = [w for w in words if w not in _REFINE_WORDS and w.rstrip("s") not in _REFINE_WORDS
               and w not in vocabulary and not re.fullmatch(r"[$\d.,]+", w)]
    return len(content) <= 1


@dataclass
class SlotUpdate:
    """What a single message says about the constraints; ``None`` = not mentioned."""

    category: str | None = None
    product_types: tuple[str, ...] | None = None  # catalog subcategories the shopper named
    product_label: str | None = None  # their words for it ("running shoes")
    brand: str | None = None
    color: str | None = None
    size: str | None = None
    min_price: float | None = None
    max_price: float | None = None
    in_stock_only: bool | None = None
    cheaper: bool = False  # "cheaper than that": below the top item shown
    clear_budget: bool = False
    mentioned: set[str] = field(default_factory=set)

    def is_empty(self) -> bool:
        return not self.mentioned and not self.cheaper and not self.clear_budget


def _money(value: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", value):  # "1,000" is a thousand, not 1.00
        return float(value.replace(",", ""))
    return float(value.replace(",", "."))


def _word_pattern(words: list[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alternatives = sorted({re.escape(w.lower()) for w in words}, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(alternatives) + r")(?:e?s)?\b", re.I)


class SlotExtractor:
    """Extracts a ``SlotUpdate`` using the store's catalog vocabulary."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        words: dict[str, str] = {}
        for category, synonyms in CATEGORY_WORDS.items():  # no subcategory words here: see ProductTypeMatcher
            if category in catalog.categories:
                for word in synonyms:
                    words.setdefault(word, category)
        for category in catalog.categories:
            words[category] = category
        self._category_of = {k.lower(): v for k, v in words.items()}
        self._category_re = _word_pattern(list(self._category_of))
        self._brand_of = {b.lower(): b for b in catalog.brands}
        self._brand_re = _word_pattern(list(self._brand_of))
        self._colors = set(catalog.colors) | set(COLOR_SYNONYMS)
        self._color_re = _word_pattern(sorted(self._colors))
        self._sizes = {s.lower() for s in catalog.sizes}
        self._types = ProductTypeMatcher(catalog)
        self.vocabulary = self._colors | self._sizes | set(SIZE_WORDS) | set(self._brand_of)

    def is_refinement(self, text: str, update: SlotUpdate) -> bool:
        return is_refinement(text, update, self.vocabulary)

    def extract(self, text: str) -> SlotUpdate:
        update = SlotUpdate()
        lowered = text.lower()
        if kind := self._types.match(text):
            update.product_types, update.product_label = kind.subcategories, kind.label
            update.mentioned |= {"product_types", "product_label"}
            if kind.category:
                update.category = kind.category
                update.mentioned.add("category")
        if self._category_re and update.category is None and not update.product_types:
            # The longest match wins ("running shoe" over "shoe"); ties go to the first.
            matches = sorted(self._category_re.finditer(lowered), key=lambda m: -len(m.group(1)))
            if matches:
                update.category = self._category_of[matches[0].group(1).lower()]
                update.mentioned.add("category")
        if self._brand_re and (m := self._brand_re.search(lowered)):
            update.brand = self._brand_of[m.group(1).lower()]
            update.mentioned.add("brand")
        if self._color_re and (m := self._color_re.search(lowered)):
            color = m.group(1).lower()
            update.color = COLOR_SYNONYMS.get(color, color)
            update.mentioned.add("color")
        self._extract_size(text, update)
        self._extract_budget(text, update)
        if _IN_STOCK.search(text):
            update.in_stock_only = True
            update.mentioned.add("in_stock_only")
        return update

    def _extract_size(self, text: str, update: SlotUpdate) -> None:
        m = _SIZE.search(text) or _SIZE_IN.search(text) or _SIZE_BARE.search(text)
        if not m:
            return
        raw = m.group(1).lower()
        size = SIZE_WORDS.get(raw, raw)
        update.size = size.upper() if size.isalpha() else size
        update.mentioned.add("size")

    def _extract_budget(self, text: str, update: SlotUpdate) -> None:
        if _NO_BUDGET.search(text):
            update.clear_budget = True
            return
        if m := _RANGE.search(text):
            values = [g for g in m.groups() if g]
            low, high = sorted(_money(v) for v in values[:2])
            update.min_price, update.max_price = low, high
        elif m := _AROUND.search(text):
            center = _money(m.group(1))
            update.min_price, update.max_price = round(center * 0.8, 2), round(center * 1.2, 2)
        else:
            if m := _MAX.search(text):
                update.max_price = _money(m.group(1))
            if m := _MIN.search(text):
                update.min_price = _money(m.group(1))
        if update.min_price is not None:
            update.mentioned.add("min_price")
        if update.max_price is not None:
            update.mentioned.add("max_price")
        if update.max_price is None and _CHEAPER.search(text):
            update.cheaper = True
