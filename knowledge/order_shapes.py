"""The shapes of a store's order numbers, learned from its own order ids at ingest.

A shape is a regular expression such as ``MM-\\d{6}`` or ``W\\d{7}``: letters and separators kept as
they are, each run of digits by its length. When the ids' letters vary too much for that (random
prefixes), letters become classes (``[A-Z]{2}\\d{6}``). Shapes let the assistant tell "an order number
that does not exist" from a word that is not an order number at all; an existing number is always
found by exact lookup, whatever its shape.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable

META_KEY = "order_number_shapes"
MAX_SHAPES = 5
MIN_SHARE = 0.02  # a shape must cover this share of the store's orders


def _literal_shape(order_id: str) -> str:
    parts = re.findall(r"\d+|[^\d]+", order_id.upper())
    return "".join(rf"\d{{{len(p)}}}" if p.isdigit() else re.escape(p) for p in parts)


def _class_shape(order_id: str) -> str:
    parts = re.findall(r"\d+|[A-Za-z]+|[^A-Za-z\d]+", order_id)
    return "".join(rf"\d{{{len(p)}}}" if p.isdigit() else (rf"[A-Z]{{{len(p)}}}" if p.isalpha() else re.escape(p))
                   for p in parts)


def _common(shapes: Counter[str], total: int) -> list[str]:
    return [s for s, n in shapes.most_common(MAX_SHAPES) if n >= max(1, MIN_SHARE * total) and r"\d" in s]


def learn_shapes(order_ids: Iterable[str]) -> list[str]:
    """The common shapes of ``order_ids``, most common first (empty when there are none)."""
    ids = list(order_ids)
    if not ids:
        return []
    literal = Counter(_literal_shape(i) for i in ids)
    shapes = _common(literal, len(ids))
    if sum(literal[s] for s in shapes) >= 0.8 * len(ids):
        return shapes
    return _common(Counter(_class_shape(i) for i in ids), len(ids))


def dump_shapes(shapes: list[str]) -> str:
    return json.dumps(shapes)


def load_shapes(raw: str | None) -> list[str] | None:
    """Stored shapes, or None when none were stored (a store ingested before shapes existed)."""
    return None if raw is None else [str(s) for s in json.loads(raw)]
