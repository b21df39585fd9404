"""The interest-scorer seam: how much this shopper would like each candidate, given history.

``EmbeddingInterestScorer`` is the first implementation: cosine similarity between the candidate
and the shopper's recent items, weighted by event strength and recency. The fine-tuned
cross-encoder (a later issue) plugs in behind the same ``InterestScorer`` Protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from knowledge.retrieval.embed import Embedder
from recommender.types import Candidate, HistoryItem

EVENT_WEIGHT = {"view": 1.0, "click": 1.5, "add_to_cart": 2.5, "purchase": 3.0}


@dataclass(frozen=True)
class InterestScores:
    scores: list[float]  # one per candidate, in [0, 1]
    evidence: list[int | None]  # per candidate: index of the history item that best explains it
    similarity: list[float] | None = None  # per candidate: its raw similarity to that history item


class InterestScorer(Protocol):
    def score(self, history: Sequence[HistoryItem], candidates: Sequence[Candidate]) -> InterestScores: ...


class EmbeddingInterestScorer:
    """Interest = weighted max/mean similarity of a candidate to the shopper's history items."""

    def __init__(self, embedder: Embedder, half_life_events: float = 40.0,
                 stored: Callable[[list[str]], dict[str, np.ndarray]] | None = None):
        """``stored`` looks up item vectors already computed (e.g. in the vector index) by id."""
        self.embedder = embedder
        self.half_life = half_life_events
        self.stored = stored
        self._cache: dict[str, np.ndarray] = {}

    def _vectors(self, keyed_texts: Sequence[tuple[str, str]]) -> np.ndarray:
        missing = [(k, t) for k, t in keyed_texts if k not in self._cache]
        if missing and self.stored is not None:
            self._cache.update(self.stored([k for k, _ in missing]))
            missing = [(k, t) for k, t in missing if k not in self._cache]
        if missing:
            for (key, _), vec in zip(missing, self.embedder.embed([t for _, t in missing]), strict=True):
                self._cache[key] = vec
        return np.stack([self._cache[k] for k, _ in keyed_texts])

    def score(self, history: Sequence[HistoryItem], candidates: Sequence[Candidate]) -> InterestScores:
        if not history or not candidates:
            return InterestScores([0.0] * len(candidates), [None] * len(candidates), [0.0] * len(candidates))
        hist = self._vectors([(h.product_id, h.text) for h in history])
        cand = self._vectors([(c.product_id, c.text) for c in candidates])
        # history is newest first: recency decays by position; stronger events count more.
        weights = np.array(
            [EVENT_WEIGHT.get(h.event, 1.0) * 0.5 ** (i / self.half_life) for i, h in enumerate(history)]
        )
        sims = cand @ hist.T  # (candidates, history)
        weighted = sims * weights / weights.max()
        centroid = (sims * weights).sum(axis=1) / weights.sum()
        best = weighted.argmax(axis=1)
        raw = 0.5 * weighted.max(axis=1) + 0.5 * centroid
        scores = np.clip(raw, 0.0, 1.0)
        best_sims = sims[np.arange(len(candidates)), best]
        return InterestScores([float(s) for s in scores], [int(b) for b in best], [float(s) for s in best_sims])
