"""The shopper's hard constraints as one plain value type, ``ProductFilter``, with its exact check.

Each store translates it into its own dialect where it queries: the Chroma adapter into a ``where``
(``vector_index.chroma_where``), the BM25 module into a boolean mask over its products
(``lexical.FilterColumns``). ``FieldIn`` selects records by one metadata field (FAQ sections of
given entries). Nothing here knows a store.

Exclusions ("not Pacewell", "no leather", "anything but black", "no t-shirts") are fields of the same
type, each a tuple of the store's own words:

- ``exclude_brands``: products of those brands are left out;
- ``exclude_categories``: products whose category or subcategory (product type) is one of them;
- ``exclude_materials``: products whose title, attributes (other than color and size) or tags name
  the material as a word (``material_words``: "merino wool blend" names wool; "PFC-free" names no PFC);
- ``exclude_colors``: a product is left out only when every colour it comes in is excluded ("anything
  but black" keeps a tee sold in black and white, drops one sold only in black); its in-stock and
  budget checks then count only the variants of the other colours. A colour the filter also asks for
  (``color``) is not excluded.

A wanted value of a categorical product attribute ("for women": the store's ``gender`` attribute is
"women") is ``attributes``: each ``AttributeValue`` names the attribute, the value asked for and the
store's other values of that attribute it rules out. A product is left out when its attribute holds one
of those others; a product without the attribute (headphones have no gender) or with a value that
covers the asked one ("unisex" for "women") passes. Stores filter on ``attribute_pairs`` ("gender=men").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from knowledge.schemas import Product

ANY = "*"  # a color or size the shopper did not ask for, in ``stock_keys``
_SHORT_VALUE_WORDS = 3  # attribute values of at most this many words are filterable ("women", "unisex")


@dataclass(frozen=True)
class AttributeValue:
    """A wanted value of a product attribute, and the store's other values of it that it rules out."""

    name: str  # the attribute, lower case ("gender")
    value: str  # the value asked for, lower case ("women")
    others: tuple[str, ...]  # values that rule a product out ("men", "kids"), lower case

    def rejected_pairs(self) -> list[str]:
        return [attribute_pair(self.name, other) for other in self.others]


@dataclass(frozen=True)
class ProductFilter:
    """Hard constraints, applied inside each store's query (not after it).

    A product whose variants differ in price is indexed with its lowest (``price``) and highest
    (``price_max``) price: the query keeps it when that range meets the budget, and ``matches`` then
    checks that a variant the shopper could buy (of the asked color and size) fits the budget."""

    category: str | None = None
    subcategories: tuple[str, ...] = ()
    brand: str | None = None
    color: str | None = None
    size: str | None = None
    min_price: float | None = None
    max_price: float | None = None
    in_stock_only: bool = False
    exclude_brands: tuple[str, ...] = ()
    exclude_colors: tuple[str, ...] = ()
    exclude_materials: tuple[str, ...] = ()
    exclude_categories: tuple[str, ...] = ()
    attributes: tuple[AttributeValue, ...] = ()

    @property
    def excluded_colors(self) -> frozenset[str]:
        """The colours left out, lower case; never the one asked for."""
        return frozenset(c.lower() for c in self.exclude_colors) - {(self.color or "").lower()}

    def has_exclusions(self) -> bool:
        return bool(self.exclude_brands or self.excluded_colors or self.exclude_materials or self.exclude_categories)

    def excludes(self, product: Product) -> bool:
        """Whether an exclusion leaves ``product`` out (its brand, category or product type, a
        material it names, or only excluded colours)."""
        colors = self.excluded_colors
        categories = {c.lower() for c in self.exclude_categories}
        return bool(
            (self.exclude_brands and product.brand.lower() in {b.lower() for b in self.exclude_brands})
            or (categories and (product.category in categories or product.subcategory in categories))
            or (self.exclude_materials
                and not {m.lower() for m in self.exclude_materials}.isdisjoint(material_words(product)))
            or (colors and product.colors and set(product.colors) <= colors)
        )

    def rejected_attribute_pairs(self) -> list[str]:
        """The ``attribute_pairs`` that leave a product out ("gender=men" when women are asked for)."""
        return sorted({pair for wanted in self.attributes for pair in wanted.rejected_pairs()})

    def rejects_attributes(self, product: Product) -> bool:
        return not set(self.rejected_attribute_pairs()).isdisjoint(attribute_pairs(product))

    def stock_key(self) -> str:
        """The ``stock_keys`` entry a product needs to pass the in-stock constraint."""
        return f"{(self.color or ANY).lower()}|{(self.size or ANY).lower()}"

    def matches(self, product: Product) -> bool:
        """The same constraints as the stores' queries, for candidates that do not come from an index
        (history-based recommendations) — applied before they are scored — with the budget checked
        exactly (``fits_budget``)."""
        return not (
            (self.category and product.category != self.category)
            or (self.subcategories and product.subcategory not in self.subcategories)
            or (self.brand and product.brand.lower() != self.brand.lower())
            or (self.color and self.color.lower() not in {c.lower() for c in product.colors})
            or (self.size and self.size.lower() not in {z.lower() for z in product.sizes})
            or (self.has_exclusions() and self.excludes(product))
            or (self.attributes and self.rejects_attributes(product))
            or (self.in_stock_only and not product.in_stock_for(self.color, self.size, self.excluded_colors))
            or not self.fits_budget(product)
        )

    def fits_budget(self, product: Product) -> bool:
        """Whether a variant the shopper could buy, of the asked color and size (and not of an excluded
        colour), costs within the budget."""
        if self.min_price is None and self.max_price is None:
            return True
        return product.fits_budget(self.min_price, self.max_price, self.color, self.size, self.in_stock_only,
                                   self.excluded_colors)


@dataclass(frozen=True)
class FieldIn:
    """Records whose metadata ``field`` is one of ``values`` (e.g. the sections of given FAQ entries)."""

    field: str
    values: tuple[str, ...]


RecordFilter = ProductFilter | FieldIn


def stock_keys(product: Product) -> list[str]:
    """"color|size" pairs (either may be ``*``, not asked) for which a unit is in stock: the
    in-stock filter as metadata, so a store applies ``Product.in_stock_for`` in its query."""
    colors = [c.lower() for c in product.colors]
    sizes = [z.lower() for z in product.sizes]
    keys: set[str] = set()
    if not product.variants and product.in_stock:
        keys = {f"{c}|{z}" for c in [ANY, *colors] for z in [ANY, *sizes]}
    for v in product.variants:
        if v.stock <= 0:
            continue
        vc = [v.color.lower()] if v.color else colors
        vz = [v.size.lower()] if v.size else sizes
        keys |= {f"{c}|{z}" for c in [ANY, *vc] for z in [ANY, *vz]}
    return sorted(keys)


_FREE_OF = re.compile(r"\b[a-z]+[- ]free\b")  # "PFC-free", "BPA free": says the material is absent


def material_words(product: Product) -> frozenset[str]:
    """The words a product's title, attributes (other than color and size) and tags say, lower case,
    each also without a plural "s" ("pearls" → "pearl"); "<word>-free" says nothing. What
    ``exclude_materials`` checks: "no wool" leaves out "merino wool blend"."""
    values = [product.title, *product.tags]
    for name, value in product.attributes.items():
        if name.lower() not in ("color", "size"):
            values.extend([value] if isinstance(value, str) else value)
    words: set[str] = set()
    for value in values:
        for word in re.findall(r"[a-z]+", _FREE_OF.sub(" ", value.lower())):
            words.add(word)
            if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
                words.add(word[:-1])
    return frozenset(words)


def attribute_pair(name: str, value: str) -> str:
    return f"{name.lower()}={value.lower()}"


def attribute_pairs(product: Product) -> list[str]:
    """"name=value" (lower case) for each short text attribute value of the product (a few words;
    not color or size, which have their own fields): what ``ProductFilter.attributes`` checks."""
    pairs = set()
    for name, value in product.attributes.items():
        if name.lower() in ("color", "size"):
            continue
        for v in [value] if isinstance(value, str) else value:
            if 0 < len(v.split()) <= _SHORT_VALUE_WORDS:
                pairs.add(attribute_pair(name, v.strip()))
    return sorted(pairs)


def color_set(colors: Iterable[str]) -> str:
    """Colours as one sorted, "|"-joined value (the metadata ``color_set`` and ``stock_color_sets`` hold)."""
    return "|".join(sorted({c.lower() for c in colors}))


def excluded_color_sets(excluded: Iterable[str]) -> list[str]:
    """Every ``color_set`` made only of excluded colours: a product whose colours form one of them
    comes in no other colour. (2^n - 1 values for n excluded colours; shoppers exclude a few.)"""
    colors = sorted({c.lower() for c in excluded})
    return [color_set(group) for n in range(1, len(colors) + 1) for group in combinations(colors, n)]


def stock_color_sets(product: Product) -> list[str]:
    """"size=colours" for the product's own sizes and ``*`` (any size): the colours with a unit in
    stock in that size (from ``stock_keys``). A store checks "in stock in a colour that is not
    excluded" as "this size's colour set is not made only of excluded colours"."""
    by_size: dict[str, set[str]] = {}
    for key in stock_keys(product):
        color, _, size = key.partition("|")
        if color != ANY:
            by_size.setdefault(size, set()).add(color)
    return sorted(f"{size}={color_set(colors)}" for size, colors in by_size.items())
