"""Read what a message leaves out: "not Pacewell", "no leather", "anything but black", "without wool",
"PFC-free", "running shoes but not from Stridecraft", "no t-shirts", "not cast iron" (iron).

A negation is a lead ("not", "no", "anything but", "except", "other than", "without", "not from",
"no more", "I don't want", "nothing in", "that aren't", "which isn't", "not made by", "non-") followed by one or more of the store's own words
("no black or white"), or a word followed by "-free". The words are the store's brands, colours,
materials (``vocabulary/materials.py``) and categories or product types; anything else after a lead
is not a negation here, so "no budget", "no more than 90" and "not sure" read as before. The reader
returns the exclusions and where the message says them, so the slot reader does not also read a
negated word as wanted ("not black" never sets the colour black).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from assistant.product_types import singular
from assistant.vocabulary import Kind, StoreVocabulary

# Longer leads first: "not from" before "not", "no more" before "no".
_LEAD = re.compile(
    r"\b(?:(?:i\s+)?(?:do\s+not|don'?t|dont|would\s+rather\s+not)\s+(?:want|like|need|fancy)"
    r"(?:\s+(?:any(?:thing)?|something))?(?:\s+(?:in|from|by|made\s+(?:of|from|with)|with))?"
    r"|(?:anything|something|everything|any)\s+(?:but|except(?:\s+for)?|other\s+than)"
    r"|except(?:\s+for)?|other\s+than|without(?:\s+any)?|excluding|exclude|avoid(?:ing)?"
    r"|(?:i'?d\s+|i\s+would\s+)?rather\s+not(?:\s+(?:have|get|buy|see))?(?:\s+(?:any(?:thing)?|something))?"
    r"(?:\s+(?:in|from|by|made\s+(?:of|from|with)|with))?"
    r"|(?:that|which|who)\s+(?:(?:are|is)\s+not|aren[’']?t|isn[’']?t)(?:\s+(?:in|from|by|made\s+(?:of|from|with|by)))?"
    r"|no\s+more|nothing\s+(?:in|from|by|made\s+(?:of|from|with))"
    r"|not\s+(?:in|from|by|made\s+(?:of|from|with|by)|with|any)|no(?:t)?)\s+"
    r"|\bnon-",
    re.I)
_ARTICLE = re.compile(r"(?:the|a|an|any|those|these)\s+", re.I)
_AND = re.compile(r"\s*(?:,\s*(?:or\s+|and\s+|nor\s+)?|\s(?:or|and|nor)\s+|/\s*)(?:(?:no|not)\s+)?", re.I)
_FREE = re.compile(r"[- ]free\b", re.I)
_WORD = re.compile(r"[\w&'.-]*\w", re.I)
_MAX_WORDS = 4  # the longest store word looked for after a lead ("trail running shoes")

FIELDS = ("exclude_brands", "exclude_colors", "exclude_materials", "exclude_categories")


@dataclass
class Negations:
    """The store words a message leaves out, by ``ProductFilter`` exclusion field, and where it says so."""

    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    spans: list[tuple[int, int]] = field(default_factory=list)

    def add(self, name: str, words: tuple[str, ...]) -> None:
        self.values[name] = tuple(dict.fromkeys([*self.values.get(name, ()), *words]))

    def masked(self, text: str) -> str:
        """``text`` with the negations blanked (same length: positions stay valid)."""
        for start, end in self.spans:
            text = text[:start] + " " * (end - start) + text[end:]
        return text


class NegationReader:
    """Finds negated store words in a message (see the module docstring)."""

    def __init__(self, vocabulary: StoreVocabulary, kinds: Mapping[str, Kind], materials: Mapping[str, str]):
        """``kinds``: a shopper's word for a category or kind of goods → what it names (the slot
        reader's); ``materials``: a shopper's word → the store's material word."""
        self.vocabulary = vocabulary
        self.kinds = kinds
        self.materials = materials

    def read(self, text: str) -> Negations:
        found = Negations()
        for lead in _LEAD.finditer(text):
            if any(start <= lead.start() < end for start, end in found.spans):
                continue  # "no more" inside a span already read
            self._read_list(text, lead.start(), lead.end(), found)
        for free in _FREE.finditer(text):  # "PFC-free", "leather free"
            self._read_free(text, free.start(), free.end(), found)
        found.spans.sort()
        return found

    def _read_list(self, text: str, start: int, pos: int, found: Negations) -> None:
        """One or more store words from ``pos`` ("black or white"), negated by the lead at ``start``."""
        end = None
        while True:
            if article := _ARTICLE.match(text, pos):
                pos = article.end()
            word = self._word_at(text, pos)
            if word is None:
                break
            name, values, pos = word
            found.add(name, values)
            end = pos
            separator = _AND.match(text, pos)
            if separator is None or self._word_at(text, separator.end()) is None:
                break
            pos = separator.end()
        if end is not None:
            found.spans.append((start, end))

    def _read_free(self, text: str, start: int, end: int, found: Negations) -> None:
        words = list(_WORD.finditer(text[:start]))
        for n in range(min(_MAX_WORDS, len(words)), 0, -1):
            first = words[-n]
            if first.end() > start or text[words[-1].end():start].strip():
                continue
            read = self._named(text[first.start():words[-1].end()])
            if read is not None:
                found.add(*read)
                found.spans.append((first.start(), end))
                return

    def _word_at(self, text: str, pos: int) -> tuple[str, tuple[str, ...], int] | None:
        """The longest store word starting at ``pos``: its field, values and where it ends."""
        words: list[re.Match[str]] = []
        for m in _WORD.finditer(text, pos):
            if text[pos if not words else words[-1].end():m.start()].strip() not in ("", "&"):
                break  # only spaces (or "&") between the words of one name
            words.append(m)
            if len(words) == _MAX_WORDS:
                break
        if not words or words[0].start() != pos:
            return None
        for n in range(len(words), 0, -1):
            read = self._named(text[pos:words[n - 1].end()])
            if read is not None:
                return (*read, words[n - 1].end())
        return None

    def _named(self, phrase: str) -> tuple[str, tuple[str, ...]] | None:
        """What a phrase names in this store, if it is a whole brand, colour, material, category or
        product type: (exclusion field, store values)."""
        phrase = " ".join(phrase.lower().split())
        bare = phrase[:-2] if phrase.endswith("'s") else phrase
        if brand := self.vocabulary.brands.get(bare):
            return "exclude_brands", (brand,)
        if color := self.vocabulary.colors.get(phrase):
            return "exclude_colors", (color,)
        if material := self.materials.get(phrase):
            return "exclude_materials", (material,)
        kind = self.kinds.get(phrase) or self.kinds.get(singular(phrase))
        if kind is None and (match := self.vocabulary.types.match(self.vocabulary.respell(phrase))) is not None \
                and " ".join(match.label.lower().split()) == phrase:
            kind = Kind(match.category, match.subcategories)
        names = kind.subcategories or ((kind.category,) if kind.category else ()) if kind else ()
        if names:
            return "exclude_categories", names
        words = phrase.split()
        if len(words) == 2 and (material := self.materials.get(words[1])):  # "cast iron", "stainless steel"
            return "exclude_materials", (material,)
        return None
