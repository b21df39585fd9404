"""Match the product type a shopper names ("running shoes", "a tent", "headphones") to the
catalog's subcategories, so a search for tents shows tents and not other camping gear.

A full subcategory name in the message wins ("trail running shoes" over "running shoes" over
"shoes"); otherwise the head noun matches every subcategory ending in it ("headphones" →
noise cancelling, wired and kids headphones). Generic head nouns ("set", "kit") never match alone.

With ``qualifiers`` on, a name that is a matched name with words before it, all of them in the message,
is the product type: "rain jacket for cycling" → "cycling rain jacket", "merino hoodie" where the store
sells "merino hoodie" and "hoodie" (``[understanding] qualifiers``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from knowledge.catalog import Catalog

GENERIC_HEADS = frozenset(
    "set kit toy care tool supply play storage food pack cable management layer water oil cream top".split()
)


def singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _normal(text: str) -> str:
    return " ".join(singular(w) for w in re.findall(r"[a-z0-9'-]+", text.lower()))


def _common_end(names: list[list[str]]) -> list[str]:
    """The words every name ends with ("water bottle" of "glass water bottle", "sport water bottle")."""
    end: list[str] = []
    for words in zip(*(reversed(n) for n in names), strict=False):
        if len(set(words)) > 1:
            break
        end.insert(0, words[0])
    return end


@dataclass(frozen=True)
class ProductTypeMatch:
    subcategories: tuple[str, ...]
    label: str  # the words the shopper used, e.g. "running shoes"
    category: str | None  # the one category of all matched subcategories, if they share one


class ProductTypeMatcher:
    def __init__(self, catalog: Catalog, qualifiers: bool = False, same: Iterable[Iterable[str]] = ()):
        """``same``: groups of words for one kind of goods ("hoodie", "hoody"); with ``qualifiers``, a
        message's word of a group reads as the group's head noun of this store ("merino hoody")."""
        self.qualifiers = qualifiers
        # a head noun that names a whole category ("shoes", "toys") is the category's business
        broad = {singular(c) for c in catalog.categories}
        self._category_counts: dict[str, Counter[str]] = {}
        for product in catalog:
            if product.subcategory:
                self._category_counts.setdefault(product.subcategory, Counter())[product.category] += 1
        # "rain jackets" (apparel) and "rain jacket" (outdoor) share one normal form
        self._full: list[tuple[str, str]] = [(_normal(s), s) for s in self._category_counts]
        self._heads: dict[str, list[str]] = {}
        self._broad_heads: dict[str, list[str]] = {}  # a category's head noun → its qualified names
        for norm, sub in self._full:
            head = norm.split()[-1]
            if head not in GENERIC_HEADS and head not in broad:
                self._heads.setdefault(head, []).append(sub)
            elif head in broad and len(norm.split()) > 1:
                self._broad_heads.setdefault(head, []).append(sub)
        heads = set(self._heads) | set(self._broad_heads)
        self._head_of = {singular(w): own[0] for group in same
                         if len(own := sorted({singular(w) for w in group} & heads)) == 1 for w in group}

    def match(self, text: str) -> ProductTypeMatch | None:
        normal = f" {_normal(text)} "
        full = [(norm, sub) for norm, sub in self._full if f" {norm} " in normal]
        if full and self.qualifiers:
            full += self._qualified(full, set(normal.split()))
        if full:
            longest = max(len(n) for n, _ in full)
            # keep the most specific names; drop those contained in a longer match
            subs = tuple(sorted({s for n, s in full if not any(n != m and f" {n} " in f" {m} " for m, _ in full)}))
            label = next(s for n, s in full if len(n) == longest)
            return self._result(subs, label)
        words = normal.split()
        for word in words:
            head = self._head_of.get(word, word)
            if self.qualifiers and (qualified := self._by_qualifier(
                    [*self._heads.get(head, []), *self._broad_heads.get(head, [])], set(words) | {head})):
                return self._result(qualified, self._label(qualified, text))
            if word in self._heads:
                subs = tuple(sorted(self._heads[word]))
                # the shopper's words for it: the longest end the subcategories share that the message
                # says ("water bottle" for "glass water bottle" and "sport water bottle"), else the head
                shared = _common_end([_normal(sub).split() for sub in subs])
                for start in range(len(shared)):
                    phrase = r"\W+".join(re.escape(w) for w in shared[start:-1])
                    found = re.search(rf"\b{phrase}\W+{re.escape(word)}\w*" if phrase else
                                      rf"\b{re.escape(word)}\w*", text.lower())
                    if found:
                        return self._result(subs, found.group(0))
                return self._result(subs, word)
        return None

    @staticmethod
    def _by_qualifier(subs: list[str], words: set[str]) -> tuple[str, ...]:
        """Of the names that share a head noun, those whose own words (not those they all share: "cycling"
        of "cycling rain jacket" beside "city rain jacket") the message holds: "a rain jacket for cycling"."""
        if len(subs) < 2:
            return ()
        shared = set(_common_end([_normal(sub).split() for sub in subs]))
        own = {sub: qualifier for sub in subs if (qualifier := set(_normal(sub).split()) - shared) <= words and qualifier}
        # the most specific: "kids sleeping bag" over "sleeping bag" when the message says "kids" too
        return tuple(sorted(sub for sub, words_ in own.items() if not any(words_ < other for other in own.values())))

    @staticmethod
    def _label(subs: tuple[str, ...], text: str) -> str:
        return subs[0] if len(subs) == 1 else _common_end([_normal(sub).split() for sub in subs])[-1]

    def _qualified(self, full: list[tuple[str, str]], words: set[str]) -> list[tuple[str, str]]:
        """Longer names that end in a matched one and whose other words the message holds anywhere."""
        return [(norm, sub) for norm, sub in self._full if (norm, sub) not in full
                if any(norm.endswith(f" {m}") and set(norm[:-len(m)].split()) <= words for m, _ in full)]

    def _result(self, subs: tuple[str, ...], label: str) -> ProductTypeMatch:
        categories = Counter[str]()
        for sub in subs:
            categories.update(self._category_counts[sub])
        category = next(iter(categories)) if len(categories) == 1 else None
        return ProductTypeMatch(subs, label, category)
