"""Masking personal data before it is stored, logged or put in a prompt.

Masked: payment card numbers (13–19 digits, spaces or dashes allowed, and only when the Luhn
checksum holds, so order numbers, SKUs and prices stay readable), e-mail addresses and phone
numbers (10–15 digits with the usual separators). What is needed to act on a message (verifying
an order by its e-mail) uses the original text in memory; only the masked text is kept.

>>> mask_personal_data("card 4111 1111 1111 1111, mail ana@example.com, call +1 (555) 123-4567")
'card [card ****1111], mail [email a***@example.com], call [phone ***4567]'
"""

from __future__ import annotations

import re

_CARD = re.compile(r"(?<![\w-])(?:\d[ -]?){12,18}\d(?![\w-])")
_EMAIL = re.compile(r"(?<![\w.+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_PHONE = re.compile(r"(?<![\w$.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\d{2,4}(?:[ .-]?\d{2,4}){2,4}(?![\w.-])")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        value = int(ch)
        if i % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return f"[card ****{digits[-4:]}]"
    return match.group(0)


def _phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return f"[phone ***{digits[-4:]}]" if 10 <= len(digits) <= 15 else match.group(0)


def mask_personal_data(text: str) -> str:
    """``text`` with card numbers, e-mail addresses and phone numbers masked."""
    text = _CARD.sub(_card, text)
    text = _EMAIL.sub(lambda m: f"[email {m.group(1)}***@{m.group(2)}]", text)
    return _PHONE.sub(_phone, text)
