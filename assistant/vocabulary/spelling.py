"""How shoppers write a catalog's names: "t shirt" and "tshirt" for "t-shirt", "shoe" for "shoes",
"home and garden" for "home & garden". Catalog names are written one way; shoppers are not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from assistant.product_types import singular

_AND = re.compile(r"\s*(?:&|\band\b)\s*")


def _singular_name(name: str) -> str:
    head, _, last = name.rpartition(" ")
    return f"{head} {singular(last)}".strip()


def spellings(name: str) -> set[str]:
    """Ways of writing ``name``: as is and singular, a hyphen as a space or left out, a space between
    words as a hyphen, "&" as "and". (Plurals need no spelling of their own: the matchers accept a
    trailing "s"/"es".)"""
    name = " ".join(name.lower().split())
    out: set[str] = set()
    for form in {name, _singular_name(name)}:
        for joined in {form, _AND.sub(" & ", form), _AND.sub(" and ", form)}:
            out |= {joined, joined.replace("-", " "), joined.replace("-", "")}
            if "&" not in joined:
                out.add(joined.replace(" ", "-"))
    return {s for s in out if s}


def parts(name: str) -> list[str]:
    """The kinds of goods a combined category names: "home & garden" → ["home", "garden"];
    "toys, games and puzzles" → ["toys", "games", "puzzles"]. A single name has no parts."""
    pieces = [p.strip() for p in re.split(r"\s*(?:,|&|\band\b)\s*", name.lower()) if p.strip()]
    return pieces if len(pieces) > 1 else []


class Respeller:
    """Rewrites the shopper's spelling of a phrase into the store's: "a t shirt" → "a t-shirt"
    (product types are then found as the store writes them), "a flask" → "a water bottle" for a
    store synonym. A trailing plural "s" is kept."""

    def __init__(self, phrases: Mapping[str, str]):
        self.phrases = {k.lower(): v for k, v in phrases.items() if k.lower() != v.lower()}
        alternatives = sorted((re.escape(k) for k in self.phrases), key=len, reverse=True)
        self._re = re.compile(r"(?<![\w-])(" + "|".join(alternatives) + r")(e?s)?(?![\w-])", re.I) \
            if alternatives else None

    @classmethod
    def for_names(cls, names: Iterable[str]) -> Respeller:
        """Respell the hyphen-less spellings of hyphenated names ("tshirt", "e reader", "pour over")."""
        phrases: dict[str, str] = {}
        for name in names:
            for word in name.lower().split():
                if "-" in word:
                    base = singular(word)
                    phrases.setdefault(base.replace("-", " "), base)
                    phrases.setdefault(base.replace("-", ""), base)
        return cls(phrases)

    def __call__(self, text: str) -> str:
        if self._re is None:
            return text
        return self._re.sub(self._replace, text)

    def _replace(self, m: re.Match[str]) -> str:
        target, plural = self.phrases[m.group(1).lower()], m.group(2)
        return target + ("s" if plural and not target.endswith("s") else "")
