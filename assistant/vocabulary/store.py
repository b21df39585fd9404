"""The words shoppers may use in one store, built from that store's catalog.

The store's own words come from its catalog: category names (every spelling: "t-shirt", "t shirt",
"tshirt", "t-shirts"; and each part of a combined name such as "home & garden"), product types
(subcategory names and their head nouns, see ``ProductTypeMatcher``), colours and sizes of its
products and their variants, and its brands. Around them:

- general synonyms (``synonyms.yaml``) that belong to no store: "tee" for a t-shirt, "footwear" for
  shoes. Each is kept only if it leads to one of this store's words, so words of one store never
  reach another;
- the store's own synonyms from its settings (``[vocabulary] synonyms``): a store word → the words
  its shoppers use for it. They win over general ones. One listed under a word the catalog does not
  have is an error (``UnknownStoreWord``), raised when the assistant is built: a misspelt key would
  otherwise do nothing, silently.

A store's own words always mean themselves: a synonym never redirects them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from assistant.errors import UnknownStoreWord
from assistant.product_types import ProductTypeMatcher, singular
from assistant.vocabulary.general import GeneralSynonyms, general_synonyms
from assistant.vocabulary.spelling import Respeller, parts, spellings
from knowledge.catalog import Catalog

_MAX_STEPS = 4  # how far a general synonym is followed ("tee" → "t-shirt" → "tops" → "apparel")


@dataclass(frozen=True)
class Kind:
    """What a word names in one store: a category, or product types (subcategories) and their
    category when they share one."""

    category: str | None
    subcategories: tuple[str, ...] = ()


def _clean(word: str) -> str:
    return " ".join(word.lower().split())


def _variant_values(catalog: Catalog, name: str) -> set[str]:
    return {_clean(value) for p in catalog for v in p.variants if (value := getattr(v, name)) and value.strip()}


class StoreVocabulary:
    def __init__(self, catalog: Catalog, synonyms: Mapping[str, Sequence[str]] | None = None,
                 general: GeneralSynonyms | None = None, qualified_types: bool = False):
        """``qualified_types``: a qualifier anywhere in the message makes a more specific product type of
        the store's ("rain jacket for cycling" → "cycling rain jacket"; ``[understanding] qualifiers``)."""
        general = general or general_synonyms()
        self.types = ProductTypeMatcher(catalog, qualifiers=qualified_types, same=general.same)
        self.categories = self._category_spellings(catalog.categories)  # spelling → category
        self.brands = {b.lower(): b for b in catalog.brands}  # how shoppers write it → as the catalog does
        store_colors = set(catalog.colors) | _variant_values(catalog, "color")
        self.colors = {c: c for c in store_colors}  # a shopper's colour word → the store's colour
        for group in general.colors:
            if own := [w for w in group if w in store_colors]:
                for word in group:
                    self.colors.setdefault(word, own[0])
        self.sizes = {s.lower() for s in catalog.sizes} | _variant_values(catalog, "size")
        self.uses = dict(general.uses)  # a shopper's word → use tag; kept by the caller if the store has the tag
        self._spelling = Respeller.for_names([*catalog.categories, *catalog.subcategories])
        own_words = self._store_synonyms(synonyms or {})  # a store synonym → the store word it is listed under
        self._respell = Respeller({**self._spelling.phrases, **own_words})
        # a shopper's word that is not the store's own → the kind it names here: the store's synonyms,
        # then the general ones that lead to one of the store's words
        self.kinds = {word: kind for word, store_word in own_words.items() if (kind := self.kind_of(store_word))}
        for word, kind in self._general_kinds(general, set(own_words)).items():
            self.kinds.setdefault(word, kind)

    @staticmethod
    def _category_spellings(categories: Iterable[str]) -> dict[str, str]:
        spelled: dict[str, str] = {}
        for category in categories:
            for spelling in spellings(category):
                spelled.setdefault(spelling, category)
        # a part of a combined name ("garden" of "home & garden") names it when no other category has it
        owners = Counter(p for c in categories for p in {s for part in parts(c) for s in spellings(part)})
        for category in categories:
            for part in parts(category):
                for spelling in spellings(part):
                    if owners[spelling] == 1:
                        spelled.setdefault(spelling, category)
        return spelled

    def kind_of(self, word: str) -> Kind | None:
        """What ``word`` names among this store's own words: a category in any spelling, or product
        types (a subcategory name in it, or its head noun); None if it names neither."""
        word = _clean(word)
        if category := self.categories.get(word) or self.categories.get(singular(word)):
            return Kind(category)
        if match := self.types.match(self._spelling(word)):
            return Kind(match.category, match.subcategories)
        return None

    def respell(self, text: str) -> str:
        """``text`` with the shopper's spellings of store words in the store's: "tshirt" → "t-shirt",
        and a store synonym → the store word it is listed under ("a desk chair" → "a office chair"),
        so that product types are found as the store names them."""
        return self._respell(text)

    def _store_synonyms(self, synonyms: Mapping[str, Sequence[str]]) -> dict[str, str]:
        """Check the store's synonyms against its catalog; colour and brand ones go to those words,
        and the product ones are returned (shopper word → store word) to be respelled."""
        respelled: dict[str, str] = {}
        for key, words in synonyms.items():
            store_word = _clean(key)
            shopper_words = [_clean(w) for w in words if w.strip()]
            if self.kind_of(store_word) is not None:
                respelled.update(dict.fromkeys(shopper_words, store_word))
            elif store_word in self.colors:
                self.colors.update(dict.fromkeys(shopper_words, self.colors[store_word]))
            elif store_word in self.brands:
                self.brands.update(dict.fromkeys(shopper_words, self.brands[store_word]))
            else:
                known = ", ".join(sorted(set(self.categories.values())))
                raise UnknownStoreWord(
                    f"[vocabulary] synonyms: {key!r} is not a category, product type, colour or brand in "
                    f"this store's catalog (its categories: {known or 'none'}); correct or remove it")
        return respelled

    def _general_kinds(self, general: GeneralSynonyms, taken: set[str]) -> dict[str, Kind]:
        """Each general shopper word that is not a word of this store, with the first store word it
        leads to; words that lead to none are dropped."""
        words = {w for group in general.same for w in group} | set(general.look_in)
        kinds: dict[str, Kind] = {}
        for word in sorted(words - taken):
            if self.kind_of(word) is None and (kind := self._follow(word, general)) is not None:
                kinds[word] = kind
        return kinds

    def _follow(self, word: str, general: GeneralSynonyms) -> Kind | None:
        """Breadth first through ``same`` and ``look_in``: the nearest word the store knows."""
        seen, frontier = {word}, [word]
        for _ in range(_MAX_STEPS):
            following: list[str] = []
            for current in frontier:
                for neighbour in general.neighbours(current):
                    if neighbour in seen:
                        continue
                    seen.add(neighbour)
                    if (kind := self.kind_of(neighbour)) is not None:
                        return kind
                    following.append(neighbour)
            frontier = following
        return None
