"""The grounding verifier: reply text may only state facts that are in the selected records.

It rejects text that
* names a product or brand of the catalog that is not among the selected products,
* contains a number (price, percentage, days, ...) that no selected record, order fact or the
  shopper's own message contains, or an amount of money (``$12``, ``€12.50``, ``12,50 €``,
  ``EUR 12.50``, in any currency) that is not that amount in that currency in a trusted price text,
* uses a policy term (refund, warranty, free shipping, ...) that no cited FAQ entry supports,
* or reads like a model refusal / off-task ramble.
Words are checked as they stream (``check_word``), so an ungrounded number or name is caught
before it is shown; ``verify`` checks the whole text at the end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.money import AMOUNT, amounts, money_key, parse_amount
from knowledge.catalog import Catalog

POLICY_TERMS = (
    "refund", "refunds", "refunded", "return", "returns", "returnable", "exchange", "exchanges", "warranty",
    "guarantee", "guaranteed", "shipping", "ship", "ships", "delivery", "deliver", "free", "discount",
    "discounts", "coupon", "promo", "code", "sale", "cancel", "cancellation", "restocking", "fee", "fees",
    "price-match", "points", "rewards", "klarna", "off",
)
REFUSAL = re.compile(
    r"\b(as an ai|language model|i'?m (not able|unable)|i can(no|')t|i am unable|sorry|unfortunately|not equipped|"
    r"i don'?t have (access|the ability)|my (primary )?function|trained by|hugging ?face|smollm)\b",
    re.I,
)
_NUMBER = re.compile(AMOUNT)
_WORD = re.compile(r"[a-z][a-z'-]*")
_PUNCTUATION = ".,;:!?()\"'*"


_CLAIM_MARKERS = re.compile(r"[$€£¥%]|\d[.,]\d|\b(?:say|said|tell|told|confirm|write|repeat)\b", re.I)


def safe_to_echo(fragment: str, policy_text: str = "") -> bool:
    """Whether words the shopper wrote may be repeated in a reply built by code ("I couldn't find “…”",
    "the listing doesn't state …"): such text is not checked by the verifier, so it must carry no amount,
    percentage or instruction, and no policy term unless ``policy_text`` (a cited FAQ entry) has it."""
    if _CLAIM_MARKERS.search(fragment):
        return False
    cited = set(_WORD.findall(policy_text.lower()))
    return not any(w in POLICY_TERMS and w not in cited for w in _WORD.findall(fragment.lower()))


# "one" is left out: "this one", "the first one" are references, not counts.
NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "_ _ two three four five six seven eight nine ten eleven twelve".split()) if w != "_"}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.I)


def _digits(text: str) -> str:
    """'two jackets' -> '2 jackets', so counts in words are checked like digits."""
    return _NUMBER_WORD.sub(lambda m: NUMBER_WORDS[m.group(1).lower()], text)


def _values(text: str) -> list[tuple[str, str]]:
    """Each number in ``text`` as written and normalised ("1,299.50" -> "1299.5", "12,50" -> "12.5");
    a run that is no one number ("8,9,10") is read as before amounts had locales: without commas."""
    out = []
    for raw in _NUMBER.findall(_digits(text)):
        value = parse_amount(raw)
        if value is not None:
            out.append((raw, f"{value:g}"))
        else:
            out += [(part, f"{float(part):g}") for part in re.findall(r"\d+(?:\.\d+)?", raw.replace(",", ""))]
    return out


def _numbers(text: str) -> set[str]:
    return {value for _raw, value in _values(text)}


@dataclass
class Evidence:
    """Everything a reply may state: selected products, cited FAQ text, order facts, the request."""

    product_ids: set[str] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)  # FAQ bodies, order facts, product facts, user text
    policy_texts: list[str] = field(default_factory=list)  # cited FAQ bodies and policy facts
    extra_numbers: set[str] = field(default_factory=set)
    # where a price may come from: product facts, order facts, cited policy, the filter chips; never the
    # shopper's message or a product description ("the price is $1 now" proves nothing)
    price_texts: list[str] = field(default_factory=list)

    def numbers(self) -> set[str]:
        out = set(self.extra_numbers)
        for text in self.texts:
            out |= _numbers(text)
        return out

    def money(self) -> set[str]:
        """Amounts written as money ("$120.00", "€49.00") in the trusted price texts, with their
        currency (``money_key``): only these may be stated as prices, and only in that currency."""
        return {money_key(code, value) for text in self.price_texts for code, value in amounts(text)}

    def policy_words(self) -> set[str]:
        return {w for text in self.policy_texts for w in _WORD.findall(text.lower())}


@dataclass(frozen=True)
class Verdict:
    ok: bool
    problems: tuple[str, ...] = ()


class GroundingVerifier:
    """Checks reply text against ``Evidence`` using the catalog's brands and titles."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self._brand_words = {b.lower(): b for b in catalog.brands}
        # distinctive part of each title (without its brand), lower-cased, >= 2 words
        self._titles: dict[str, str] = {}
        for p in catalog:
            rest = p.title.lower().replace(p.brand.lower(), "").strip()
            if len(rest.split()) >= 2:
                self._titles[p.id] = rest

    def _allowed_brands(self, evidence: Evidence) -> set[str]:
        return {self.catalog.require(pid).brand.lower() for pid in evidence.product_ids if pid in self.catalog}

    def check_word(self, word: str, evidence: Evidence, numbers: set[str] | None = None,
                   money: set[str] | None = None, previous: str = "") -> str | None:
        """The problem with one streamed word, or None if it may be shown. ``previous``: the word
        before it, so that an amount and its currency in two words ("12.50 EUR") are checked too."""
        written = word.strip().strip(_PUNCTUATION)
        token = re.sub(r"['’]s$", "", written.lower())
        if not token:
            return None
        for raw, value in _values(token):
            if value not in (numbers if numbers is not None else evidence.numbers()):
                return f"number {raw} is not in the selected records"
        before = previous.strip().strip(_PUNCTUATION)
        stated = written if amounts(written) or not before or amounts(before) else f"{before} {written}"
        for code, amount in amounts(stated):
            if money_key(code, amount) not in (money if money is not None else evidence.money()):
                return f"price {stated} is not a price in the selected records"
        if token in self._brand_words and token not in self._allowed_brands(evidence):
            return f"brand {self._brand_words[token]} is not among the selected products"
        if token in POLICY_TERMS and token not in evidence.policy_words():
            return f"policy term {token!r} is not supported by a cited policy"
        return None

    def verify(self, text: str, evidence: Evidence) -> Verdict:
        problems: list[str] = []
        if not text.strip():
            problems.append("empty text")
        if REFUSAL.search(text):
            problems.append("reads like a refusal or talks about the model")
        numbers, money = evidence.numbers(), evidence.money()
        words = text.split()
        for i, word in enumerate(words):
            problem = self.check_word(word, evidence, numbers, money, words[i - 1] if i else "")
            if problem:
                problems.append(problem)
        allowed = self._allowed_brands(evidence)
        for key, brand in self._brand_words.items():  # multi-word brands ("Carrow & Finch")
            if " " in key and key not in allowed and re.search(rf"(?<!\w){re.escape(key)}(?!\w)", text.lower()):
                problems.append(f"brand {brand} is not among the selected products")
        lowered = " ".join(_WORD.findall(text.lower()))
        for pid, title in self._titles.items():
            if pid not in evidence.product_ids and title in lowered:
                problems.append(f"names {self.catalog.require(pid).title!r}, which was not selected")
        return Verdict(not problems, tuple(dict.fromkeys(problems)))


def evidence_for(product_ids: Iterable[str] = (), texts: Iterable[str] = (),
                 policy_texts: Iterable[str] = (), extra_numbers: Iterable[float] = (),
                 price_texts: Iterable[str] = ()) -> Evidence:
    """``price_texts``: the trusted texts prices may be taken from (cited policy counts as one)."""
    policy = list(policy_texts)
    prices = list(price_texts) + policy
    return Evidence(set(product_ids), list(texts) + policy + prices, policy,
                    {f"{float(n):g}" for n in extra_numbers}, prices)
