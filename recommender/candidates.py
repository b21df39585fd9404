"""History-based candidate generation: item transitions, co-occurrence, embedding neighbours.

These are the recall stage of the two-stage recommender: each source proposes items with a score,
``merge_candidates`` pools them (deduplicated), and hard constraints are applied before the
interest scorer sees anything.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np


class TransitionModel:
    """What shoppers interact with next: directed transitions (decayed by distance) plus a weaker
    undirected co-occurrence within the same sequence, counted on training sequences only.

    >>> model = TransitionModel().fit([["a", "b", "c"], ["a", "b"]])
    >>> model.candidates(["a"], k=2)[0][0]
    'b'
    """

    def __init__(self, window: int = 3, decay: float = 0.5, cooccurrence_weight: float = 0.1,
                 recency_decay: float = 0.6):
        self.window = window
        self.decay = decay
        self.cooccurrence_weight = cooccurrence_weight
        self.recency_decay = recency_decay
        self.next: defaultdict[str, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.popularity: Counter[str] = Counter()

    def fit(self, sequences: Iterable[Sequence[str]]) -> TransitionModel:
        for seq in sequences:
            self.popularity.update(seq)
            for i, item in enumerate(seq):
                for gap in range(1, self.window + 1):
                    if i + gap >= len(seq):
                        break
                    following = seq[i + gap]
                    if following == item:
                        continue
                    weight = self.decay ** (gap - 1)
                    self.next[item][following] += weight
                    self.next[following][item] += weight * self.cooccurrence_weight
        return self

    def scores(self, history: Sequence[str]) -> dict[str, float]:
        """Candidate scores from the history, the most recent items weighing most."""
        out: defaultdict[str, float] = defaultdict(float)
        for age, item in enumerate(reversed(history)):
            weight = self.recency_decay**age
            for other, count in self.next.get(item, {}).items():
                out[other] += weight * count
        return out

    def candidates(self, history: Sequence[str], k: int = 50) -> list[tuple[str, float]]:
        return heapq.nlargest(k, self.scores(history).items(), key=lambda kv: kv[1])

    def most_popular(self, k: int = 50) -> list[tuple[str, float]]:
        return [(item, float(n)) for item, n in self.popularity.most_common(k)]


class EmbeddingNeighbours:
    """Items whose text embeddings are closest to the shopper's recent items."""

    def __init__(self, ids: Sequence[str], vectors: np.ndarray, recency_decay: float = 0.7):
        self.ids = list(ids)
        self.index = {item: i for i, item in enumerate(self.ids)}
        self.vectors = vectors.astype(np.float32)
        self.recency_decay = recency_decay

    def similarity(self, history: Sequence[str]) -> np.ndarray:
        """Recency-weighted similarity of every item to the history (one value per item)."""
        rows = [(self.index[h], self.recency_decay**age) for age, h in enumerate(reversed(history)) if h in self.index]
        if not rows:
            return np.zeros(len(self.ids), dtype=np.float32)
        weights = np.array([w for _, w in rows], dtype=np.float32)
        profile = (self.vectors[[i for i, _ in rows]] * weights[:, None]).sum(axis=0)
        profile /= np.linalg.norm(profile) or 1.0
        return self.vectors @ profile

    def candidates(self, history: Sequence[str], k: int = 50) -> list[tuple[str, float]]:
        sims = self.similarity(history)
        if not sims.any():
            return []
        top = np.argpartition(-sims, min(k, len(sims) - 1))[:k]
        return sorted(((self.ids[i], float(sims[i])) for i in top), key=lambda x: -x[1])


def merge_candidates(
    sources: Mapping[str, Sequence[tuple[str, float]]],
    allowed: Callable[[str], bool] | None = None,
    limit: int = 100,
) -> dict[str, dict[str, float]]:
    """Pool candidates from several sources: item -> {source: normalised score}, hard constraints
    applied first, in the order of each source's ranking (round robin) up to ``limit`` items."""
    pooled: dict[str, dict[str, float]] = {}
    normalised = {}
    for name, ranked in sources.items():
        top = max((s for _, s in ranked), default=0.0) or 1.0
        normalised[name] = [(item, score / top) for item, score in ranked if allowed is None or allowed(item)]
    depth = max((len(r) for r in normalised.values()), default=0)
    for position in range(depth):
        for name, ranked in normalised.items():
            if position < len(ranked) and len(pooled) < limit:
                item, score = ranked[position]
                pooled.setdefault(item, {})[name] = score
    for name, ranked in normalised.items():  # scores of items already pooled from other sources
        for item, score in ranked:
            if item in pooled:
                pooled[item].setdefault(name, score)
    return pooled
