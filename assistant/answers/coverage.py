"""Picks that lack a word of the request which the best match has: "dog food for a puppy" shows the puppy
food, not the senior and adult food beside it.

Embedding relevance puts a senior dog food almost as close to "dog food for a puppy" as the puppy food, so
no share of the best match's relevance separates them (``above_floor``). Words do. The best match is, of
the candidates nearly as relevant as the most relevant one, the one whose names (title, product type,
tags), then whose text, have the most words of the request ("the Quietude headphones", "unscented candles",
"a bottle that keeps drinks cold"). The request's words that the best match's indexed text has (title,
type, tags, attributes, description; stemmed as the BM25 index stems) are required ("puppy", "dog", "food";
"lumbar" for "an office chair with lumbar support"): a pick whose text lacks one is left out. A word the
best match lacks ("for my sister") never cuts anything; colours (a filter's business) and words that name
no goods ("gift", "best") are ignored. A number with a unit works the same way: for "a 4 person tent" whose
best match is a "4-Person" tent, a "2-Person" tent is left out (one that states no person count stays).
Store-neutral: every word comes from the request and the catalog.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from assistant.comparatives import MEASURES
from assistant.not_carried import BASIC_COLORS, GENERAL_WORDS
from assistant.vocabulary.store import Kind, StoreVocabulary
from knowledge.catalog import Catalog
from knowledge.retrieval.filters import ProductFilter
from recommender.types import Candidate

# Words of a request that say what the shopper wants to do, or name goods of any kind ("gear"), not what they are.
REQUEST_WORDS = frozenset("""need needs want wants looking look find buy get getting show recommend suggest please
like love loves would could should can any something anything under over below above around less more than
cheaper cheapest budget price priced spend tops max maximum least most gear equipment kit essentials supplies
""".split())
NEAR_SHARE = 0.8  # of the top relevance: a candidate that may be the best match for the words it has
_WORD = re.compile(r"[a-z][a-z'-]*")
_COUNT = re.compile(r"(?<![\d.,])(\d+(?:\.\d+)?)\s*-?\s*([a-z]{2,})\b")


class RequestCoverage:
    """Leaves out the picks that lack a word of the request the best match's title has."""

    def __init__(self, tokens: Callable[[str], list[str]], ignored: Iterable[str] = (), names: Mapping[str, str] | None = None,
                 kind_of: Callable[[str], Kind | None] = lambda _word: None):
        """``tokens``: the BM25 index's tokenizer (stemmed, stopwords and words no product has dropped);
        ``ignored``: words that never cut a pick (colours, general words); ``names``: product id → the words
        that name it (title, type, tags; a candidate not in it is named by its title); ``kind_of``: the
        category or product types a shopper's word names in the store (a word for the kind searched,
        "blanket" for throws, is the filter's business, not a word each pick must say)."""
        self.tokens = tokens
        self.ignored = frozenset(self.tokens(" ".join(ignored)))
        self._cache: dict[str, frozenset[str]] = {}
        self.names = dict(names or {})
        self.kind_of = kind_of

    @classmethod
    def for_catalog(cls, tokens: Callable[[str], list[str]], catalog: Catalog,
                    vocabulary: StoreVocabulary | None = None) -> RequestCoverage:
        """Ignoring colours and words that name no goods. A brand's words are not ignored: a brand filter
        leaves only that brand's items anyway, and a model name may be a word of another brand ("Fen")."""
        kind_of = (lambda word: vocabulary.kind_of(word) or vocabulary.kinds.get(word)) if vocabulary else (lambda _w: None)
        return cls(tokens, [*BASIC_COLORS, *GENERAL_WORDS, *REQUEST_WORDS, *MEASURES],
                   {p.id: f"{p.title} {p.subcategory} {' '.join(p.tags)}" for p in catalog}, kind_of)

    def keep(self, candidates: list[Candidate], query: str, searched: ProductFilter | None = None) -> list[Candidate]:
        """``candidates`` without the picks that lack a word or count the best match shares with ``query``;
        words that name the kind ``searched`` is filtered on are not required."""
        if len(candidates) < 2:
            return candidates
        # a bare number is a budget or a count ("under $60"; "a 4 person tent" is a count, below), not a word
        words = frozenset(w for w in self.tokens(query) if not w.isdigit())
        asked = words - self.ignored - self._kind_words(query, searched)
        best = self._best(candidates, asked)
        required = asked & self._words(best.text)
        counts = self._counts(query) & self._counts(best.title)
        if not required and not counts:
            return candidates
        return [c for c in candidates if c is best or (required <= self._words(c.text) and not self._other_count(c.text, counts))]

    def _kind_words(self, query: str, searched: ProductFilter | None) -> frozenset[str]:
        """The stems of the words of ``query`` that name the category or a product type ``searched`` is on."""
        if searched is None or not (searched.category or searched.subcategories):
            return frozenset()
        named = [w for w in _WORD.findall(query.lower()) if (kind := self.kind_of(w)) is not None and (
            kind.category == searched.category or set(kind.subcategories) & set(searched.subcategories))]
        return frozenset(self.tokens(" ".join(named)))

    def _best(self, candidates: list[Candidate], asked: frozenset[str]) -> Candidate:
        """The best match: of the candidates nearly as relevant as the most relevant one, the one whose names
        (title, type, tags) have the most words of the request, then whose text has the most, then the most
        relevant ("the Quietude headphones" names that pair, "unscented candles" the candle tagged unscented)."""
        top = max(c.relevance for c in candidates)
        near = [c for c in candidates if c.relevance >= NEAR_SHARE * top]
        return max(near, key=lambda c: (len(asked & self._words(self.names.get(c.product_id, c.title))),
                                        len(asked & self._words(c.text)), c.relevance))

    def _words(self, text: str) -> frozenset[str]:
        words = self._cache.get(text)
        if words is None:
            if len(self._cache) > 20_000:
                self._cache.clear()
            words = self._cache[text] = frozenset(self.tokens(text))
        return words

    def _counts(self, text: str) -> set[tuple[float, str]]:
        """("4-Person", "4 person") -> {(4.0, "person")}: numbers with the stemmed word after them."""
        out = set()
        for number, unit in _COUNT.findall(text.lower()):
            stems = self.tokens(unit)
            if stems:
                out.add((float(number), stems[0]))
        return out

    def _other_count(self, text: str, counts: set[tuple[float, str]]) -> bool:
        """The text states one of the counts' units only with other numbers ("2-Person" for "4 person")."""
        if not counts:
            return False
        found = self._counts(text)
        return any((n, unit) not in found and any(u == unit for _, u in found) for n, unit in counts)
