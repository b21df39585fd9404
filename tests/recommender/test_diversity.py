"""MMR keeps the best item first and trades a near-duplicate for something different."""

from __future__ import annotations

import numpy as np

from recommender.diversity import mmr
from recommender.types import RankedItem


def _ranked(*scores: float) -> list[RankedItem]:
    return [RankedItem(f"p{i}", s, "") for i, s in enumerate(scores)]


def test_near_duplicates_give_way_to_a_different_item() -> None:
    ranked = _ranked(1.0, 0.98, 0.97, 0.9, 0.5)
    vectors = {"p0": np.array([1.0, 0.0]), "p1": np.array([0.99, 0.05]), "p2": np.array([0.98, 0.1]),
               "p3": np.array([0.0, 1.0]), "p4": np.array([-1.0, 0.0])}
    picked = [r.product_id for r in mmr(ranked, vectors, 3)]
    assert picked[0] == "p0" and "p3" in picked
    assert [r.product_id for r in mmr(ranked, vectors, 3, trade_off=1.0)] == ["p0", "p1", "p2"]


def test_items_without_vectors_and_short_lists() -> None:
    ranked = _ranked(0.5, 0.4)
    assert [r.product_id for r in mmr(ranked, {}, 5)] == ["p0", "p1"]
    assert mmr([], {}, 3) == []
