"""Typos corrected against one store's own words: "runing shoos for wemen" → "running shoes for women".

A word of a message is corrected only when the corrector does not know it (a common English word of
``english_words.txt`` or a regular form of one, a word of the store's catalog text, a store word) and one
store word is closest to it (``rapidfuzz``: optimal string alignment, so two swapped letters are one edit).
How close scales with the word's length: words of three letters or fewer are never touched; four letters
allow a letter left out or two swapped ("blak", "crad"); up to nine letters, one edit; longer words, two.
The first letter must match (or be swapped with the second). Two store words that are equally close and
mean different things leave the word as typed ("teel": teal or tee?). Chunks with a digit, an ``@`` or a
``/`` (sizes, prices, order numbers, e-mails, links) are left as they are.

Two typed words are also read as one span, where only the unknown one changes: "back pakc" → "backpack",
"rain jaket" → "rain jacket"; and one word as two store words: "waterbottle" → "water bottle".

Inside a name of several words (a kind of goods or a brand) whose other words the message holds as the
store writes them, one word is read as the name's word even when it is an English word or a short one:
"insulted water bottle" → "insulated water bottle", "Crema lain" → "Crema Lane", "Papeterie Lun" →
"Papeterie Lune" — the rest of the name is the evidence. Two typed words that together spell a one-word
name are joined: "roll top" → "rolltop", "web cam" → "webcam".

The store words are its categories and product types (singular and plural), brands, colours, the words of its
attribute values shared by several products (materials, gender words such as "women"), its tags, the
synonyms that lead to its words, and the words for its currency.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from assistant.money import currency_words
from assistant.product_types import singular
from assistant.vocabulary.store import StoreVocabulary
from knowledge.catalog import Catalog

MIN_LENGTH = 4  # shorter words are never corrected: "the", "for", "red"
_WORD = re.compile(r"[A-Za-z]+")
_CHUNK = re.compile(r"\S+")
_NOT_WORDS = re.compile(r"[\d@/\\_#=]|\w\.\w")  # sizes, prices, order numbers, e-mails, links, file names
_TEXT_WORD = re.compile(r"[a-z]{2,}")
_SUFFIXES = ("ed", "ing", "er", "ers", "est", "ly", "ary", "ment", "ness")  # regular forms of a known word
_PREFIXES = ("re", "un")
_VERB_FORMS = ("ed", "ing", "ly")  # regular forms that are words in their own right, never a store word's typo


@dataclass(frozen=True)
class Correction:
    typed: str  # as the shopper wrote it
    corrected: str  # the store's word


@dataclass(frozen=True)
class Corrected:
    text: str  # the message with its typos corrected
    corrections: tuple[Correction, ...] = ()


def max_edits(length: int) -> int:
    """How many edits a word of ``length`` letters may be from a store word to be corrected to it."""
    return 0 if length < MIN_LENGTH else 1 if length < 10 else 2


def _plausible(typed: str, word: str) -> bool:
    """A short word's typo is a letter left out or two letters swapped ("blak", "crad"), not another word
    ("citi" is not "city", "sepa" not "spa"); store words of three letters are never guessed."""
    if len(word) < MIN_LENGTH:
        return False
    if len(typed) > MIN_LENGTH:
        return True
    return len(word) == len(typed) + 1 or sorted(word) == sorted(typed)


@cache
def english_words() -> frozenset[str]:
    text = resources.files("assistant").joinpath("vocabulary/english_words.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.split() if not line.startswith("#") and line.isalpha())


def _plural(word: str) -> str:
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")


def _forms(name: str) -> set[str]:
    """A name as shoppers write it: as is, and its last word singular and plural."""
    name = " ".join(name.lower().replace("-", " ").split())
    head, _, last = name.rpartition(" ")
    base = singular(last)
    return {f"{head} {w}".strip() for w in (last, base, _plural(base))}


def _attribute_words(catalog: Catalog) -> set[str]:
    """Words of attribute values shared by two products or more ("cotton", "merino", "women")."""
    counts: Counter[str] = Counter()
    for product in catalog:
        words: set[str] = set()
        for key, value in product.attributes.items():
            if key.lower() in ("size", "dimensions"):
                continue
            for text in [value] if isinstance(value, str) else value:
                words |= set(_TEXT_WORD.findall(text.lower()))
        counts.update(words)
    return {w for w, n in counts.items() if n >= 2}


def catalog_text_words(catalog: Catalog) -> set[str]:
    """Every word of the catalog's own text: a word the store writes is no typo."""
    words: set[str] = set()
    for p in catalog:
        values = [v for value in p.attributes.values() for v in ([value] if isinstance(value, str) else value)]
        for text in [p.title, p.brand, p.category, p.subcategory, p.description, *p.tags, *p.colors, *values]:
            words |= set(_TEXT_WORD.findall(text.lower()))
    return words


@dataclass(frozen=True)
class StoreWords:
    """A store's words as shoppers write them (lower case) → as the store writes them; what each means
    (words that mean the same, "hoodie" and "hoody", are no ambiguity); and the names of kinds of goods
    and brands, the only words two typed words are joined into ("back pakc" → "backpack")."""

    written: dict[str, str]
    meaning: dict[str, str]
    names: frozenset[str]


def policy_words(titles: Iterable[str]) -> set[str]:
    """The words of the store's FAQ/policy titles and topics ("return", "policy", "shipping"): shoppers
    misspell them too ("whats ur retrun polcy")."""
    return {w for title in titles for w in _TEXT_WORD.findall(title.lower()) if len(w) >= MIN_LENGTH}


def store_words(vocabulary: StoreVocabulary, catalog: Catalog, policy: Iterable[str] = ()) -> StoreWords:
    written: dict[str, str] = {}
    meaning: dict[str, str] = {}
    names: set[str] = set()

    def add(word: str, store_form: str, means: str) -> None:
        if re.fullmatch(r"[a-z][a-z' &]*[a-z]", word) and word not in written:
            written[word], meaning[word] = store_form, means

    for name in [*catalog.categories, *catalog.subcategories, *vocabulary.kinds]:
        for form in _forms(name):
            kind = vocabulary.kind_of(form) or vocabulary.kinds.get(form)
            add(form, form, f"kind {kind}" if kind else _lemma(form))
            names.add(form)
            for part in form.split():
                add(part, part, _lemma(part))
                names.add(part)
    for shopper_word, brand in vocabulary.brands.items():
        add(shopper_word, brand, f"brand {brand}")
        names.add(shopper_word)
        for part, original in zip(shopper_word.split(), brand.split(), strict=False):
            if len(part) >= MIN_LENGTH:
                add(part, original, _lemma(part))
    for color, store_color in vocabulary.colors.items():
        add(color, color, f"color {store_color}")
    for word in [*_attribute_words(catalog), *catalog.tags, *vocabulary.uses, *currency_words(catalog.currency),
                 *sorted(policy_words(policy))]:
        for part in [word, *word.split()]:
            add(part, part, _lemma(part))
    return StoreWords(written, meaning, frozenset(names))


def _shapes(word: str) -> tuple[str, str]:
    """What a two-edit typo of a common kind keeps of ``word``: its first letter and its letters in order
    ("wemon" and "women" → "w:emnow"), and its letters with doubled ones once ("dumbbells" → "dumbels")."""
    return f"{word[0]}:{''.join(sorted(word))}", "=" + re.sub(r"(.)\1+", r"\1", word)


def _lemma(word: str) -> str:
    *head, last = word.split()
    return " ".join([*head, singular(last)])


def _like(typed: str, word: str) -> str:
    """``word`` in the case the shopper typed: "Runing" → "Running", "RUNING" → "RUNNING"; a brand keeps
    the store's own case."""
    if word != word.lower():
        return word
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    return word[0].upper() + word[1:] if typed[0].isupper() else word


def _same_start(typed: str, word: str) -> bool:
    return typed[0] == word[0] or (len(typed) > 1 and len(word) > 1 and typed[:2] == word[1::-1])


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    word: str  # lower case
    joined_to_next: bool  # only white space between it and the next token


class SpellingCorrector:
    """Corrects the typos of a message against one store's words (built once per store)."""

    def __init__(self, words: StoreWords, known: Iterable[str]):
        """``words``: the store's words (``store_words``); ``known``: words never corrected."""
        self.words = words.written
        self.meaning = words.meaning
        self.names = words.names
        self.known = frozenset(known) | {w for word in self.words for w in word.split()}
        self._single = sorted(w for w in self.words if " " not in w)
        self._phrases = sorted(w for w in self.words if " " in w)
        self._squashed = {w.replace(" ", ""): w for w in self._phrases}
        self._single_names = sorted(self.names & set(self._single))
        # two-edit typos of common shapes: letters swapped apart ("wemon"), doubled letters typed once ("dumbels")
        self._shapes: dict[str, list[str]] = {}
        for word in self._single:
            if len(word) > MIN_LENGTH:
                for shape in _shapes(word):
                    self._shapes.setdefault(shape, []).append(word)
        # names of several words, as their words (lower case) and as the store writes each word
        self._name_phrases = [(tuple(name.split()), tuple(self.words[name].split())) for name in sorted(self.names)
                              if " " in name and len(self.words.get(name, "").split()) == len(name.split())]

    @classmethod
    def for_store(cls, vocabulary: StoreVocabulary, catalog: Catalog, policy: Iterable[str] = ()) -> SpellingCorrector:
        """``policy``: the titles and topics of the store's FAQ entries, whose words are store words too."""
        words = store_words(vocabulary, catalog, policy)
        # a spelling the store's vocabulary reads already ("tshirt") is no typo
        understood = {squashed for phrase in words.written if " " in phrase
                      if vocabulary.kind_of(squashed := phrase.replace(" ", "")) is not None}
        return cls(words, english_words() | catalog_text_words(catalog) | understood)

    def is_known(self, word: str) -> bool:
        """A word the corrector knows, or a regular form of one: "buttered", "jacked", "reactivate",
        "rollover" (two known words). A stem of three letters does not count: "runing" is no form of "run"."""
        if word in self.known or singular(word) in self.known:
            return True
        for suffix in _SUFFIXES:
            stem = word[: -len(suffix)]
            if word.endswith(suffix) and len(stem) >= MIN_LENGTH and not {
                    stem, stem + "e", stem[:-1] if stem[-1] == stem[-2] else ""}.isdisjoint(self.known):
                return True
        if word.startswith(_PREFIXES) and word[2:] in self.known and len(word) - 2 >= MIN_LENGTH:
            return True
        return any(word[:k] in self.known and word[k:] in self.known
                   for k in range(MIN_LENGTH, len(word) - MIN_LENGTH + 1))

    def correct(self, text: str) -> Corrected:
        text, in_names = self._in_names(text)
        found = self._correct(text)
        if not in_names:
            return found
        return Corrected(found.text, (*in_names, *found.corrections))

    def _in_names(self, text: str) -> tuple[str, tuple[Correction, ...]]:
        """One word of a name of several words, its other words typed as the store writes them
        ("insulted water bottle", "Crema lain"), and two typed words that spell a one-word name together
        ("roll top", "web cam")."""
        tokens = self._tokens(text)
        fixes: dict[int, tuple[int, str]] = {}  # token index → (tokens it spans, the store's word)
        for i, token in enumerate(tokens):
            if i in fixes:
                continue
            if token.joined_to_next and i + 1 < len(tokens) and min(len(token.word), len(tokens[i + 1].word)) >= 2:
                joined = token.word + tokens[i + 1].word
                if joined in self._single_names and self.words[joined] == joined:
                    fixes[i] = (2, joined)
                    continue
            for words, written in self._name_phrases:
                fix = self._one_off(tokens, i, words)
                if fix is not None and not any(j in fixes for j in range(i, i + len(words))):
                    fixes[fix] = (1, written[fix - i])
                    break
        if not fixes:
            return text, ()
        out: list[str] = []
        corrections: list[Correction] = []
        done = 0
        for i in sorted(fixes):
            span, word = fixes[i]
            start, end = tokens[i].start, tokens[i + span - 1].end
            typed = text[start:end]
            replacement = _like(typed, word)
            out += [text[done:start], replacement]
            corrections.append(Correction(typed, replacement))
            done = end
        return "".join([*out, text[done:]]), tuple(corrections)

    def _one_off(self, tokens: list[_Token], i: int, words: tuple[str, ...]) -> int | None:
        """The index of the one token of ``tokens[i:]`` that is a typo of its word of the name ``words``,
        the others being the name's words; None when there is no such token."""
        window = tokens[i:i + len(words)]
        if len(window) < len(words) or not all(t.joined_to_next for t in window[:-1]):
            return None
        off = [k for k, (token, word) in enumerate(zip(window, words, strict=True)) if token.word != word]
        if len(off) != 1:
            return None
        typed, word = window[off[0]].word, words[off[0]]
        if len(typed) < MIN_LENGTH - 1 or typed in self.words or not _same_start(typed, word):
            return None  # a store word of its own ("rain" in "train jacket") is what the shopper meant
        alone = self._word(typed)
        if alone is not None and alone.lower() != word:  # "runing shoes" are running shoes, not racing shoes
            return None
        # two edits ("lain" → "lane") only for a word that is no typo of a store word on its own
        limit = 1 if len(typed) < MIN_LENGTH or alone is not None else max(2, max_edits(len(typed)))
        if len(word) < MIN_LENGTH or OSA.distance(typed, word) > limit:
            return None
        return i + off[0]

    def _correct(self, text: str) -> Corrected:
        tokens = self._tokens(text)
        out: list[str] = []
        corrections: list[Correction] = []
        done = 0
        i = 0
        while i < len(tokens):
            token, span = tokens[i], 1
            fixed = self._pair(token, tokens[i + 1]) if token.joined_to_next and i + 1 < len(tokens) else None
            if fixed is not None:
                span = 2
            else:
                fixed = self._word(token.word)
            if fixed is not None:
                words = fixed.split() if span == 2 and len(fixed.split()) == 2 else [fixed]
                for typed_token, word in zip(tokens[i:i + span], words, strict=False):  # "wireles earbuds": one typo
                    end = tokens[i + span - 1].end if len(words) < span else typed_token.end
                    typed = text[typed_token.start:end]
                    if typed.lower() != word.lower():
                        replacement = _like(typed, word)
                        out += [text[done:typed_token.start], replacement]
                        corrections.append(Correction(typed, replacement))
                        done = end
            i += span
        if not corrections:
            return Corrected(text)
        return Corrected("".join([*out, text[done:]]), tuple(corrections))

    @staticmethod
    def _tokens(text: str) -> list[_Token]:
        found = [(chunk.start() + m.start(), chunk.start() + m.end(), m.group(0).lower())
                 for chunk in _CHUNK.finditer(text) if not _NOT_WORDS.search(chunk.group(0))
                 for m in _WORD.finditer(chunk.group(0))]
        return [_Token(start, end, word, i + 1 < len(found) and text[end:found[i + 1][0]].isspace())
                for i, (start, end, word) in enumerate(found)]

    def _pair(self, first: _Token, second: _Token) -> str | None:
        """Two typed words, one of them a typo, that are one store word ("back pakc" → "backpack") or a
        typo of a two-word one ("rain jaket"). Only the unknown word may change."""
        typed = (first.word, second.word)
        changeable = [len(w) >= MIN_LENGTH and not self.is_known(w) for w in typed]
        if not any(changeable) or min(len(w) for w in typed) < 2:
            return None
        joined = self._closest("".join(typed), self._single_names)
        if joined is not None:
            return joined
        phrase = self._closest(" ".join(typed), self._phrases)
        if phrase is None or len(phrase.split()) != 2:
            return None
        same = [t == w.lower() for t, w in zip(typed, phrase.split(), strict=True)]
        return phrase if all(ok or change for ok, change in zip(same, changeable, strict=True)) else None

    def _word(self, word: str) -> str | None:
        if len(word) < MIN_LENGTH or word in self.known:
            return None
        if word in self._squashed:  # "waterbottle" → "water bottle"
            return self.words[self._squashed[word]]
        if self.is_known(word):  # a regular form of a known word ("buttered"), unless one letter off a store word
            if word.endswith(_VERB_FORMS) or singular(word) in self.known:  # "jacked", "whats" are words
                return None
            found = self._closest(word, self._single)  # "sliper" (slip + er) → slipper, "burgandy" → burgundy
            return found if found is not None and OSA.distance(word, found.lower()) == 1 else None
        return self._closest(word, self._single)

    def _closest(self, typed: str, choices: list[str]) -> str | None:
        """The one store word within the edits allowed for ``typed``'s length; None if there is none, or
        two different words are equally close ("teel": teal or tee?)."""
        limit = max_edits(len(typed.replace(" ", "")))
        if not limit or not choices:
            return None
        found = [(word, int(distance)) for word, distance, _ in
                 process.extract(typed, choices, scorer=OSA.distance, score_cutoff=limit, limit=None)
                 if _same_start(typed, word) and _plausible(typed, word)]
        if not found:
            return self._same_shape(typed) if choices is self._single else None
        best = min(distance for _, distance in found)
        nearest = [word for word, distance in found if distance == best]
        if len({self.meaning[w] for w in nearest}) > 1:  # a kind of goods, brand or colour before other words
            nearest = [w for w in nearest if w in self.names or self.meaning[w].startswith("color ")]
            if len({self.meaning[w] for w in nearest}) != 1:
                return None
        # words that mean the same ("hoodie", "hoodies", "hoody"): the one closest to what was typed
        word = max(nearest, key=lambda w: (fuzz.ratio(typed, w), w.endswith("s") == typed.endswith("s")))
        return self.words[word]

    def _same_shape(self, typed: str) -> str | None:
        """The one store word of ``typed``'s letters in another order with the same first letter ("wemon" →
        women), or the same once doubled letters are typed once ("dumbels" → dumbbells): typos of two edits
        too common to leave; None when no store word or several of different meaning have that shape."""
        if len(typed) <= MIN_LENGTH:
            return None
        found = sorted({w for shape in _shapes(typed) for w in self._shapes.get(shape, ()) if w != typed})
        if len({self.meaning[w] for w in found}) != 1:
            return None
        return self.words[found[0]]
