"""What a message names that the store does not carry: "how much is the iPhone 17 Pro?" in a store
with no iPhones, "yoga mats" in a store with none, "anything in purple?" where nothing is purple.

Decided store-neutrally from the catalog's own vocabulary: the words of its titles, brands,
categories, product types, tags and attributes, and words its descriptions use often (a word one
description mentions, "engine drone", names nothing the store sells). A named thing is not carried when a
name-like word of it (a capitalised or alphanumeric word: "iPhone", "X200") is none of the catalog's
words, or when none of its words is (and none is a general word such as "gift", or a word of the
store's FAQ, which makes it a policy question).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.product_types import singular
from assistant.vocabulary.general import general_synonyms
from knowledge.schemas import Product

# The shapes of a request that names a thing: "how much is X", "do you sell X", "price of X", "I'm looking for X".
_NAMED = re.compile(
    r"^\s*(?:(?:hi|hello|hey)[,!.]?\s+)?(?:how\s+much\s+(?:is|are|does|do|for)|what(?:'s|\s+is|\s+are)\s+the\s+(?:price|cost)\s+"
    r"(?:of|for)|(?:the\s+)?(?:price|cost)\s+(?:of|for)|do\s+you\s+(?:have|sell|carry|stock|got)|have\s+you\s+got|"
    r"(?:do|does)\s+(?:the\s+)?(?:store|shop)\s+(?:have|sell|carry)|(?:i'?m|i\s+am)\s+looking\s+for|looking\s+for|"
    r"i\s+(?:want|need)(?:\s+to\s+buy)?|show\s+me|(?:can|could)\s+i\s+(?:buy|get|order)|i'?d\s+like)\s+(?P<thing>.+)$",
    re.I)
_OPENING = re.compile(r"^\s*(?:(?:ok|okay|so|well|hmm|yes|yeah|no|and|but|hi|hello|hey|thanks|great|cool)\b[,!.]?\s*)+", re.I)
_ARTICLE = re.compile(r"^(?:the|a|an|any|some|your|a\s+new|one)\s+", re.I)
# where the thing's name ends: "an iPhone 17 Pro for my son", "yoga mats under $50", "… cost?"
_NAME_END = re.compile(r"\s+(?:for|with|under|below|over|above|in|that|which|to|from|around|cost|costs|in\s+stock)\b|[?!.,;]",
                       re.I)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9'-]*|\d+[A-Za-z]*")
# General words of a shopping request that name no kind of goods (never a reason to say "we don't carry").
GENERAL_WORDS = frozenset("""gift gifts present presents something anything stuff thing things item items product products
idea ideas option options recommendation recommendations suggestion suggestions help new good nice best cheap cheapest
great cool one ones kind sort type brand model version it them this that these those all more other another""".split())
# Colour names are general English (a store's own colours come from its catalog).
BASIC_COLORS = frozenset("""red orange yellow green blue purple violet pink brown black white gray grey beige navy teal
turquoise maroon burgundy olive lavender magenta cyan gold silver cream ivory tan khaki coral mint lilac""".split())


DESCRIBED_MIN = 3  # descriptions that must mention a word no title, type, tag or attribute has for it to count


@dataclass(frozen=True)
class Missing:
    """A named thing the catalog lacks: ``name`` as the shopper wrote it, ``known`` its words the catalog has."""

    name: str  # with the shopper's article ("the iPhone 17 Pro"), else quoted ("“yoga mat”")
    known: tuple[str, ...]
    named: bool = False  # a brand or model word the catalog lacks ("iPhone"), not only unknown plain words
    asked: bool = False  # the message is shaped like a request for it ("how much is …", "do you sell …")


class CatalogWords:
    """The words of one store's catalog, to tell what it carries from what it doesn't."""

    def __init__(self, products: Iterable[Product], policy_texts: Iterable[str] = ()):
        """``policy_texts``: the store's FAQ; a word of it is a policy topic, not goods the store lacks."""
        words: set[str] = set()
        described: Counter[str] = Counter()
        colors: set[str] = set()
        for p in products:
            attributes = " ".join(" ".join(v) if isinstance(v, list) else v for v in p.attributes.values())
            words |= _words(f"{p.title} {p.brand} {p.category} {p.subcategory} {' '.join(p.tags)} {attributes} "
                            f"{' '.join(p.colors)} {' '.join(p.sizes)}")
            described.update(_words(p.description))
            colors |= {c.lower() for c in p.colors}
        # a word only a description or two mention names no goods the store sells ("flattens engine drone",
        # "drape it over the sofa"): "do you sell drones?" is still not carried
        self.words = words | {w for w, n in described.items() if n >= DESCRIBED_MIN}
        self.policy_words = set().union(*(_words(t) for t in policy_texts))
        self.colors = colors
        general = general_synonyms()
        self.color_words = BASIC_COLORS | {w for group in general.colors for w in group}

    def has(self, word: str) -> bool:
        word = word.lower()
        return word in self.words or singular(word) in self.words or word.rstrip("s") in self.words

    @staticmethod
    def asks_for_goods(text: str) -> bool:
        """Whether ``text`` is shaped like a request for goods ("do you have …", "I'm looking for …")."""
        return _NAMED.match(_OPENING.sub("", text.strip())) is not None

    def missing(self, text: str, shaped_only: bool = False) -> Missing | None:
        """The thing ``text`` asks for when the catalog has none of it ("how much is the iPhone 17 Pro?").
        ``shaped_only``: only in a message shaped like a product request ("how much is …", "do you sell …")."""
        text = _OPENING.sub("", text.strip())
        m = _NAMED.match(text)
        if m is None and shaped_only:
            return None
        thing = m.group("thing") if m else text.strip()
        written = _NAME_END.split(thing, maxsplit=1)[0].strip()
        thing = _ARTICLE.sub("", written)
        tokens = _TOKEN.findall(thing)
        content = [t for t in tokens if t.lower() not in GENERAL_WORDS and len(t) >= 2 and not t.isdigit()]
        if not content or len(tokens) > 6:
            return None
        unknown = [t for t in content if not self.has(t)]
        known = tuple(t.lower() for t in content if self.has(t))
        name_like = [t for t in unknown if _name_like(t, first=t is tokens[0] and not m)]
        nothing_known = not known and len(content) <= 4 and not {t.lower() for t in unknown} & self.policy_words
        if name_like or nothing_known:
            return Missing(written if written != thing else f"“{thing}”", known, bool(name_like), m is not None)
        return None

    def absent_colors(self, text: str) -> list[str]:
        """Colour words of ``text`` that no item of the catalog comes in ("purple" in a store with none)."""
        found = [w for w in _words(text) if w in self.color_words]
        return [w for w in found if w not in self.colors and not any(w in c.split() for c in self.colors)]


def _words(text: str) -> set[str]:
    return {w.lower() for w in _TOKEN.findall(text)}


def _name_like(token: str, first: bool) -> bool:
    """A brand or model word: capitals inside it ("iPhone"), letters and digits ("X200"), or a capital
    not at the start of the message."""
    return bool(re.search(r"[a-z][A-Z]", token) or (re.search(r"\d", token) and re.search(r"[A-Za-z]", token))
                or (token[:1].isupper() and not first and not token.isupper()))
