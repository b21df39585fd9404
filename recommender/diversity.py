"""Maximal marginal relevance: keep the best-scored items but avoid showing near-duplicates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from recommender.types import RankedItem


def mmr(ranked: Sequence[RankedItem], vectors: Mapping[str, np.ndarray], k: int,
        trade_off: float = 0.75) -> list[RankedItem]:
    """Pick ``k`` items greedily by ``trade_off * score - (1 - trade_off) * max similarity to the
    items already picked``; items without a vector are treated as unlike everything.

    >>> a, b, c = (RankedItem(i, s, "") for i, s in (("a", 1.0), ("b", 0.95), ("c", 0.7)))
    >>> vecs = {"a": np.array([1.0, 0.0]), "b": np.array([1.0, 0.0]), "c": np.array([0.0, 1.0])}
    >>> [r.product_id for r in mmr([a, b, c], vecs, 2, trade_off=0.5)]
    ['a', 'c']
    """
    if not ranked:
        return []
    scores = np.array([r.score for r in ranked], dtype=np.float32)
    spread = float(scores.max() - scores.min()) or 1.0
    relevance = (scores - scores.min()) / spread  # scale-free: the trade-off means the same for any scorer
    unit = {pid: v / (np.linalg.norm(v) or 1.0) for pid, v in vectors.items()}
    chosen: list[int] = []
    left = list(range(len(ranked)))
    while left and len(chosen) < k:
        def value(i: int) -> float:
            vec = unit.get(ranked[i].product_id)
            if vec is None or not chosen:
                return trade_off * float(relevance[i])
            others = [unit[ranked[j].product_id] for j in chosen if ranked[j].product_id in unit]
            redundancy = max((float(vec @ o) for o in others), default=0.0)
            return trade_off * float(relevance[i]) - (1 - trade_off) * redundancy

        best = max(left, key=value)
        chosen.append(best)
        left.remove(best)
    return [ranked[i] for i in chosen]
