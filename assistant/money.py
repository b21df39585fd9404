"""Money as the store's catalog states it: amounts formatted with babel (CLDR data), amounts read
back from text in any currency's symbol or ISO code, and the words shoppers use for a currency.

Every price carries its currency (``Product.currency``); the store's own currency is the one most of
its products use (``Catalog.currency``). Nothing here assumes dollars.

>>> format_money(12.5, "EUR"), format_money(1234.5, "USD"), format_money(80, "GBP")
('€12.50', '$1,234.50', '£80.00')
>>> amounts("now €12.50, was 14,90 € (EUR 15.00 or 15.00 EUR)")
[('EUR', 12.5), ('EUR', 14.9), ('EUR', 15.0), ('EUR', 15.0)]
"""

from __future__ import annotations

import re
from functools import lru_cache

from babel.numbers import format_currency, get_currency_name, get_currency_symbol, list_currencies

from knowledge.schemas import DEFAULT_CURRENCY

MONEY_LOCALE = "en"  # replies are in English; the currency is the product's own
AMOUNT = r"\d+(?:[.,]\d+)*"
# Everyday words for a currency, by the last word of its English name ("US dollar" -> "dollar").
_SLANG = {"dollar": ("bucks",), "pound": ("quid",)}


def format_money(value: float, currency: str = DEFAULT_CURRENCY) -> str:
    """``€12.50``, ``$1,234.50``, ``CHF12.50``: the currency's symbol and its usual decimals."""
    return format_currency(value, currency, locale=MONEY_LOCALE)


def parse_amount(raw: str) -> float | None:
    """An amount as people write it: ``1,234.50``, ``1.234,50``, ``12,50``, ``12.5``, ``1,000``.
    None when it is no one number ("8,9,10")."""
    if "," in raw and "." in raw:
        decimal = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        whole, _, cents = raw.rpartition(decimal)
        groups = whole.split(thousands)
        if len(cents) > 2 or any(len(g) != 3 for g in groups[1:]) or not 1 <= len(groups[0]) <= 3:
            return None
        return float("".join(groups) + "." + cents)
    for sep in ",.":
        if sep not in raw:
            continue
        parts = raw.split(sep)
        if len(parts) == 2 and len(parts[1]) <= 2:
            return float(parts[0] + "." + parts[1])  # 12,50 or 12.50
        if 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:]) and (sep == "," or len(parts) > 2):
            return float("".join(parts))  # 1,000 or 1.234.567
        if len(parts) == 2 and sep == ".":
            return float(raw)  # 0.125
        return None
    return float(raw)


def currency_symbol(currency: str) -> str:
    return get_currency_symbol(currency, locale=MONEY_LOCALE)


@lru_cache(maxsize=64)
def currency_markers(currency: str) -> tuple[str, ...]:
    """What may stand next to an amount in ``currency``: its ISO code, its symbol, and the symbol
    without a country prefix ("CA$" -> "$"), longest first."""
    symbol = currency_symbol(currency)
    bare = re.sub(r"^[A-Z]{1,3}", "", symbol)
    markers = {currency, symbol, bare if re.fullmatch(r"[^\w\s]+", bare) else ""}
    return tuple(sorted((m for m in markers if m), key=lambda m: (-len(m), m)))


@lru_cache(maxsize=64)
def currency_words(currency: str) -> tuple[str, ...]:
    """Words for an amount in ``currency``: its English names, singular and plural ("euro", "euros",
    "US dollars", "dollars") and everyday ones ("bucks", "quid"), longest first, lower case."""
    words: set[str] = set()
    for count in (1, 2):
        name = get_currency_name(currency, count=count, locale=MONEY_LOCALE).lower()
        if name != currency.lower():
            words |= {name, name.split()[-1]}
    for word in list(words):
        words |= set(_SLANG.get(word, ()))
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


@lru_cache(maxsize=1)
def _symbol_currency() -> dict[str, str]:
    """Each currency symbol (English CLDR data, where it differs from the code) to its currency."""
    out: dict[str, str] = {}
    for code in sorted(list_currencies()):
        symbol = currency_symbol(code)
        if symbol != code:
            out.setdefault(symbol, code)
    return out


@lru_cache(maxsize=1)
def _money_pattern() -> re.Pattern[str]:
    symbols = sorted(_symbol_currency(), key=len, reverse=True)
    codes = sorted(list_currencies())
    # codes only in capitals and as whole words: "ALL" is a currency, "all" is not
    marker = "|".join([*map(re.escape, symbols), r"(?<![A-Za-z])(?:" + "|".join(codes) + r")(?![A-Za-z])"])
    return re.compile(rf"(?P<pre>{marker})\s?(?P<a>{AMOUNT})|(?P<b>{AMOUNT})\s?(?P<post>{marker})")


def amounts(text: str) -> list[tuple[str, float]]:
    """Amounts written as money in ``text`` with their currency: ``$12``, ``€12.50``, ``12,50 €``,
    ``EUR 12.50``, ``12.50 EUR``, ``CA$9``."""
    out = []
    for m in _money_pattern().finditer(text):
        marker = m.group("pre") or m.group("post")
        value = parse_amount(m.group("a") or m.group("b"))
        if value is not None:
            out.append((_symbol_currency().get(marker, marker), value))
    return out


def money_key(currency: str, value: float) -> str:
    """How an amount is compared in grounding: currency and value, whatever the format."""
    return f"{currency} {value:g}"
