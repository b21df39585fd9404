"""Amounts written in words, as digits: "under a hundred" → "under 100", "twenty-five" → "25",
"less than 2 hundred" → "less than 200", "a grand" → "1000". General English, no store's words.

Only what reads as an amount is rewritten: a number with a scale ("a hundred", "two grand"), ten or more
("fifty"), or one followed by ``money_words`` ("five euros"). Small counts stay words ("for two people",
"choose from three colours"), so they are never read as prices.

>>> digits_for_words("under a hundred, about fifty-ish, between forty and sixty, for two people")
'under 100, about 50-ish, between 40 and 60, for two people'
>>> digits_for_words("less than 2 hundred or twenty five bucks", ("bucks",))
'less than 200 or 25 bucks'
>>> digits_for_words("a mug under a tenner, a laptop under 1.5k")
'a mug under 10, a laptop under 1500'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if w != "_"}
SCALES = {"hundred": 100, "thousand": 1000, "grand": 1000}  # "a grand" is a thousand (of money)
WORDS = frozenset([*UNITS, *TENS, *SCALES])

# money slang for one banknote: "under a tenner" → "under 10"
NOTES = {"fiver": 5, "tenner": 10}
_NOTE = re.compile(r"\b(?:an?\s+)?(fiver|tenner)s?\b", re.I)
_THOUSANDS = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)k\b", re.I)  # "under 1.5k" → "under 1500"
_TOKEN = re.compile(r"[A-Za-z]+|\d+")
_JOIN = re.compile(r"[ \t-]+")  # between the words of one number: "twenty-five", "a hundred"


def _value(words: list[str]) -> int | None:
    """The value of a run of number words, or None when they are no one number ("five twenty")."""
    if (words[0] in ("a", "an") or words[0].isdigit()) and (len(words) < 2 or words[1] not in SCALES):
        return None
    total = current = 0
    last = ""  # the kind of the word before
    for word in words:
        if word in ("a", "an") or word.isdigit():
            current, last = (int(word) if word.isdigit() else 1), "count"
        elif word == "and":
            if last not in ("hundred", "thousand"):
                return None
            last = "and"
        elif word in UNITS:
            n = UNITS[word]
            if last in ("unit", "count") or (last == "tens" and not 0 < n < 10):
                return None
            current, last = current + n, "unit"
        elif word in TENS:
            if last in ("unit", "tens", "count"):
                return None
            current, last = current + TENS[word], "tens"
        elif word == "hundred":
            if last == "hundred" or current >= 100:
                return None
            current, last = max(current, 1) * 100, "hundred"
        else:  # thousand, grand
            if last == "thousand":
                return None
            total, current, last = total + max(current, 1) * SCALES[word], 0, "thousand"
    return total + current


def _runs(text: str) -> list[tuple[int, int, list[str]]]:
    """Each longest run of words that is one number: its start, end and words."""
    tokens = list(_TOKEN.finditer(text))
    runs: list[tuple[int, int, list[str]]] = []
    i = 0
    while i < len(tokens):
        words: list[str] = []
        end: int | None = None
        for j in range(i, len(tokens)):
            word = tokens[j].group(0).lower()
            if j > i and not _JOIN.fullmatch(text[tokens[j - 1].end():tokens[j].start()]):
                break
            if not (word in WORDS or word == "and" or (j == i and (word in ("a", "an") or word.isdigit()))):
                break
            words.append(word)
            if word in WORDS:
                if _value(words) is None:
                    break
                end = j
        if end is None:
            i += 1
            continue
        runs.append((tokens[i].start(), tokens[end].end(), words[: end - i + 1]))
        i = end + 1
    return runs


def digits_for_words(text: str, money_words: Sequence[str] = ()) -> str:
    """``text`` with each amount written in words as digits (see the module's docstring)."""
    note = f" {money_words[0]}" if money_words else ""  # a banknote is money: "a tenner" → "10 dollars"
    text = _NOTE.sub(lambda m: f"{NOTES[m.group(1).lower()]}{note}", text)
    text = _THOUSANDS.sub(lambda m: f"{float(m.group(1)) * 1000:g}", text)
    money = re.compile(rf"[ \t]*(?:{'|'.join(map(re.escape, money_words))})\b", re.I) if money_words else None
    out: list[str] = []
    done = 0
    for start, end, words in _runs(text):
        value = _value(words)
        assert value is not None
        scaled = any(w in SCALES for w in words)
        priced = money is not None and money.match(text, end) is not None
        if scaled or value >= 10 or priced:
            out += [text[done:start], str(value)]
            done = end
    return "".join([*out, text[done:]])
