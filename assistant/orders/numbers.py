"""Find the order numbers a shopper's message names, in the store's own format.

A word is an order number when the store has an order with that id (exact lookup, any case, with
or without ``#``, inside punctuation). It also names an order, one that does not exist, when it has
the shape of the store's order numbers (``knowledge/order_shapes.py``), follows "order number" or
"order #", or reads like an order number ("MM-100123") in a message about an order: then the
assistant says there is no such order rather than answering about another one. Shapes made only of
digits count only after "#" or "order", so prices, sizes and postcodes are not taken for order numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_TOKEN = re.compile(r"(#\s?)?([A-Za-z0-9][A-Za-z0-9._/-]*[A-Za-z0-9]|\d)")
_NUMBER_CUE = re.compile(r"\border(?:\s+(?:number|no\.?|num|id|ref(?:erence)?|#))?(?:\s+is)?\s*[:#]?\s*$", re.I)
ORDER_WORDS = re.compile(r"\b(?:order|purchase|parcel|package|delivery|shipment)s?\b|\b(?:status|where is|track\w*|"
                         r"cancel\w*|arriv\w*|deliver\w*)\b", re.I)
# letters, then 4+ digits ("MM-100123", "W2611340"): an order number of some store, unlike a size ("10c")
_CODE_LIKE = re.compile(r"[A-Za-z]{1,4}[-_]?\d{4,}")


@dataclass(frozen=True)
class OrderMention:
    text: str  # as the shopper wrote it, without "#"
    order_id: str | None  # the store's id when such an order exists


class OrderNumbers:
    """``lookup(candidates)`` returns ``{candidate.upper(): order id}`` for those that exist."""

    def __init__(self, lookup: Callable[[Iterable[str]], dict[str, str]], shapes: list[str]):
        self.lookup = lookup
        self.shapes = [re.compile(s, re.I) for s in shapes]

    def _shaped(self, token: str, cued: bool) -> bool:
        return any(shape.fullmatch(token) and (cued or not token.isdigit()) for shape in self.shapes)

    def find(self, message: str) -> list[OrderMention]:
        """The order numbers ``message`` names, in order, each once."""
        has_order_word = bool(ORDER_WORDS.search(message))
        candidates: list[tuple[str, bool, bool]] = []  # (token, after "#", after "order number")
        for m in _TOKEN.finditer(message):
            token = m.group(2)
            if any(ch.isdigit() for ch in token) and len(token) <= 64:
                after_phrase = bool(_NUMBER_CUE.search(message[max(0, m.start() - 24):m.start()]))
                candidates.append((token, bool(m.group(1)), after_phrase))
        found = self.lookup([t for t, _, _ in candidates]) if candidates else {}
        mentions: list[OrderMention] = []
        for token, hashed, after_phrase in candidates:
            if token.upper() in {x.text.upper() for x in mentions}:
                continue
            order_id = found.get(token.upper())
            # "order #A12B" or "status of MM-100123" names an order even in another shape; "#2" alone is
            # an item on screen
            named = len(token) >= 4 and (after_phrase or (has_order_word and (hashed or bool(_CODE_LIKE.fullmatch(token)))))
            if order_id is not None or named or self._shaped(token, hashed or after_phrase):
                mentions.append(OrderMention(token, order_id))
        return mentions

    def names_order(self, message: str) -> bool:
        return bool(self.find(message))
