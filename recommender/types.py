"""Plain data passed between retrieval, the scorer and the ranker."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class HistoryItem:
    """One past interaction of the shopper, with the item's text and title."""

    product_id: str
    title: str
    text: str
    event: str  # view | click | add_to_cart | purchase
    ts: datetime


@dataclass(frozen=True)
class Candidate:
    product_id: str
    title: str
    text: str
    relevance: float  # similarity to the request, from retrieval
    popularity: float = 0.0  # normalised to [0, 1]


@dataclass(frozen=True)
class RankedItem:
    product_id: str
    score: float
    reason: str
    components: dict[str, float] = field(default_factory=dict)
