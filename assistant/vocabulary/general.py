"""The general shopper words of ``synonyms.yaml``: words that belong to no store.

They are only candidates: ``StoreVocabulary`` keeps a word for a store when what it leads to is
one of that store's own words, so "sneakers" means shoes in a store with a shoes category and
nothing in a store that sells t-shirts and water bottles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

_SECTIONS = ("same", "look_in", "colors", "uses")


@dataclass(frozen=True)
class GeneralSynonyms:
    same: tuple[tuple[str, ...], ...]  # groups of words for the same kind of goods
    look_in: Mapping[str, tuple[str, ...]]  # a word → where to look for it, nearest first
    colors: tuple[tuple[str, ...], ...]  # groups of colour names, the usual one first
    uses: Mapping[str, str]  # a shopper's word → the use tag it means

    def neighbours(self, word: str) -> list[str]:
        """The words to try for ``word``, nearest first: its equals, then where to look for it."""
        out = [w for group in self.same if word in group for w in group if w != word]
        return out + [w for w in self.look_in.get(word, ()) if w not in out]

    def color_group(self, word: str) -> tuple[str, ...]:
        return next((group for group in self.colors if word in group), ())


def _word(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or value != value.strip().lower():
        raise ValueError(f"synonyms.yaml, {where}: {value!r} is not a lower-case word")
    return value


def _words(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"synonyms.yaml, {where}: expected a list of words, got {value!r}")
    return tuple(_word(v, where) for v in value)


def parse(data: Any) -> GeneralSynonyms:
    """Check the file's shape: a mistake in it fails loudly, here, rather than as a word that
    silently never matches."""
    if not isinstance(data, dict) or set(data) != set(_SECTIONS):
        raise ValueError(f"synonyms.yaml must have exactly the sections {', '.join(_SECTIONS)}")
    same = tuple(_words(group, "same") for group in data["same"])
    colors = tuple(_words(group, "colors") for group in data["colors"])
    look_in = {_word(k, "look_in"): _words(v, f"look_in.{k}") for k, v in data["look_in"].items()}
    uses = {_word(k, "uses"): _word(v, f"uses.{k}") for k, v in data["uses"].items()}
    return GeneralSynonyms(same, look_in, colors, uses)


@cache
def general_synonyms() -> GeneralSynonyms:
    text = resources.files("assistant").joinpath("vocabulary/synonyms.yaml").read_text(encoding="utf-8")
    return parse(yaml.safe_load(text))
