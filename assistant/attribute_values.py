"""Words that name a value of one of the store's categorical product attributes: "running shoes for
women" → the ``gender`` attribute is "women", a hard filter (``ProductFilter.attributes``).

Which attributes count is read from the catalog, not named here: an attribute (not colour or size,
which have their own slots) is categorical when its values are a few single words (2 to
``MAX_VALUES``) and it is shared by many products (at least ``MIN_SHARE`` of the catalog, in at least
``MIN_CATEGORIES`` categories: a fact about goods of many kinds, not one kind's detail such as a shirt's fit). Each value is read in its common forms ("women", "women's", "womens") and through a
small table of general English words (``_SAME``: "ladies" for "women"); a general word counts only
where the store has the value it leads to. ``_COVERS`` says which general values also cover others
("unisex" is for women and men alike): a product with such a value passes a filter for one it covers.
A product without the attribute passes too (headphones have no gender).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from knowledge.catalog import Catalog
from knowledge.retrieval.filters import AttributeValue

MAX_VALUES = 8
MIN_SHARE = 0.1
MIN_CATEGORIES = 3
_VALUE = re.compile(r"[a-z]+")
# General English, no store's: other words for a value (a word counts only where the store has the value).
# A shopper's grown-up relations count too ("slippers for my dad"); a son or daughter may be any age.
_SAME: dict[str, tuple[str, ...]] = {
    "women": ("woman", "ladies", "lady", "female", "females", "wmns", "womans", "mom", "mum", "mother", "wife",
              "girlfriend", "sister", "grandma", "grandmother", "aunt"),
    "men": ("man", "gents", "gentlemen", "male", "males", "mens", "dad", "father", "husband", "boyfriend", "brother",
            "grandpa", "grandfather", "uncle"),
    "kids": ("kid", "children", "child", "childrens", "children's"),
}
_COVERS: dict[str, tuple[str, ...]] = {"unisex": ("women", "men")}


def categorical_attributes(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """The store's categorical attributes (see the module docstring): name → its values, lower case."""
    values: dict[str, Counter[str]] = defaultdict(Counter)
    categories: dict[str, set[str]] = defaultdict(set)
    products = list(catalog)
    for product in products:
        for name, value in product.attributes.items():
            if name.lower() in ("color", "size") or not isinstance(value, str):
                continue
            values[name.lower()][value.strip().lower()] += 1
            categories[name.lower()].add(product.category)
    return {
        name: tuple(sorted(counts))
        for name, counts in values.items()
        if 2 <= len(counts) <= MAX_VALUES and len(categories[name]) >= MIN_CATEGORIES
        and sum(counts.values()) >= MIN_SHARE * len(products)
        and all(_VALUE.fullmatch(v) for v in counts)
    }


def _forms(value: str) -> set[str]:
    """A value's common forms: "women", "women's", "womens", "womens'" and the general words for it."""
    bare = value[:-1] if value.endswith("s") and not value.endswith("ss") else value
    forms = {value, f"{value}'s", f"{value}s", f"{value}'", f"{bare}'s", f"{bare}s'"}
    for word in _SAME.get(value, ()):
        forms |= {word, f"{word}'s"}
    return forms


@dataclass(frozen=True)
class _Value:
    name: str
    value: str
    others: tuple[str, ...]


class AttributeValueReader:
    """Reads the store's categorical attribute values a message asks for (see the module docstring)."""

    def __init__(self, catalog: Catalog):
        self._of: dict[str, _Value] = {}
        for name, values in categorical_attributes(catalog).items():
            for value in values:
                covering = {v for v in values if value in _COVERS.get(v, ())}
                others = tuple(v for v in values if v != value and v not in covering)
                for form in _forms(value):
                    self._of.setdefault(form, _Value(name, value, others))
        alternatives = sorted((re.escape(f) for f in self._of), key=len, reverse=True)
        self._re = re.compile(r"(?<![\w'])(" + "|".join(alternatives) + r")(?![\w'])", re.I) if alternatives else None

    @property
    def words(self) -> set[str]:
        return set(self._of)

    def read(self, text: str) -> tuple[AttributeValue, ...]:
        """The attribute values ``text`` asks for, one per attribute (the first named wins)."""
        found: dict[str, AttributeValue] = {}
        for m in self._re.finditer(text) if self._re else ():
            v = self._of[m.group(1).lower()]
            found.setdefault(v.name, AttributeValue(v.name, v.value, v.others))
        return tuple(found.values())
