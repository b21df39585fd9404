"""Top-k metrics for next-item recommendation with one relevant item per case.

Each case is a ranking (best first) and the single item the shopper really chose next. A target
that is absent from the ranking, or ranked at or below ``k``, is a miss.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np


def _rank(ranked: Sequence[str], target: str, k: int) -> int | None:
    """0-based position of ``target`` within the first ``k`` items, or None when it is a miss."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    for position, item in enumerate(ranked[:k]):
        if item == target:
            return position
    return None


def hit_rate_at_k(ranked: Sequence[str], target: str, k: int) -> float:
    """1.0 when ``target`` is among the first ``k`` items of ``ranked``, else 0.0.

    >>> hit_rate_at_k(["a", "b", "c"], "c", 3), hit_rate_at_k(["a", "b", "c"], "c", 2)
    (1.0, 0.0)
    """
    return 0.0 if _rank(ranked, target, k) is None else 1.0


def ndcg_at_k(ranked: Sequence[str], target: str, k: int) -> float:
    """NDCG@k with one relevant item: ``1 / log2(rank + 2)`` for a 0-based rank below ``k``, else 0.

    The ideal ranking puts the target first (DCG 1), so no further normalisation is needed.

    >>> ndcg_at_k(["a", "b", "c"], "a", 5), ndcg_at_k(["a", "b", "c"], "c", 5), ndcg_at_k(["a"], "z", 5)
    (1.0, 0.5, 0.0)
    """
    position = _rank(ranked, target, k)
    return 0.0 if position is None else 1.0 / math.log2(position + 2)


def summarize(rankings: Iterable[tuple[Sequence[str], str]], ks: Sequence[int] = (5, 10)) -> dict[str, float]:
    """Mean HR@k and NDCG@k over ``(ranking, target)`` cases, plus the number of ``cases``.

    Raises ValueError when there are no cases (a mean over nothing would read as a real 0).

    >>> summarize([(["a", "b"], "a"), (["a", "b", "c"], "c"), (["a"], "z")], ks=(1, 5))
    {'HR@1': 0.3333333333333333, 'NDCG@1': 0.3333333333333333, 'HR@5': 0.6666666666666666, 'NDCG@5': 0.5, 'cases': 3.0}
    """
    totals = {f"{name}@{k}": 0.0 for k in ks for name in ("HR", "NDCG")}
    cases = 0
    for ranked, target in rankings:
        cases += 1
        for k in ks:
            totals[f"HR@{k}"] += hit_rate_at_k(ranked, target, k)
            totals[f"NDCG@{k}"] += ndcg_at_k(ranked, target, k)
    if cases == 0:
        raise ValueError("no cases to summarize")
    summary = {key: value / cases for key, value in totals.items()}
    summary["cases"] = float(cases)
    return summary


def paired_bootstrap(base: Sequence[float], new: Sequence[float], resamples: int = 2000, confidence: float = 0.95,
                     seed: int = 0) -> dict[str, float]:
    """How much ``new`` beats ``base`` on the same cases (one score each, e.g. NDCG@10): the mean
    difference, its percentile bootstrap interval (cases resampled together, both scores kept
    paired) and both as a share of ``base``'s mean.

    >>> r = paired_bootstrap([0.0, 0.5, 1.0, 0.0], [0.0, 0.5, 1.0, 0.0], resamples=100)
    >>> r["difference"], r["low"], r["high"]
    (0.0, 0.0, 0.0)
    """
    from scipy.stats import bootstrap

    a, b = np.asarray(base, dtype=float), np.asarray(new, dtype=float)
    if len(a) != len(b) or len(a) < 2:
        raise ValueError(f"need two paired score lists of the same length (>= 2), got {len(a)} and {len(b)}")
    difference = float(b.mean() - a.mean())
    if np.all(a == b):
        low = high = 0.0
    else:
        ci = bootstrap((a, b), lambda x, y, axis=-1: y.mean(axis=axis) - x.mean(axis=axis), paired=True,
                       vectorized=True, n_resamples=resamples, confidence_level=confidence, method="percentile",
                       rng=np.random.default_rng(seed)).confidence_interval
        low, high = float(ci.low), float(ci.high)
    scale = max(float(a.mean()), 1e-12)
    return {"base": round(float(a.mean()), 4), "new": round(float(b.mean()), 4), "difference": round(difference, 5),
            "low": round(low, 5), "high": round(high, 5), "relative": round(difference / scale, 4),
            "relative_low": round(low / scale, 4), "relative_high": round(high / scale, 4),
            "resamples": resamples, "confidence": confidence, "cases": len(a)}
