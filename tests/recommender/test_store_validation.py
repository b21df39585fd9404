"""The chat's validated ranking: interest counted only for the first stage's top candidates, and
what an older scorer card (without that setting) means."""

from __future__ import annotations

import numpy as np

from recommender.ranker import RankerWeights
from recommender.store_validation import chosen_rescore_top, chosen_weights, rescored


def test_rescored_keeps_interest_for_the_best_by_first_stage_only() -> None:
    base = np.array([0.2, 0.9, 0.5, 0.7], dtype=np.float32)
    interest = np.array([1.0, 0.1, 0.8, 0.3], dtype=np.float32)
    assert rescored(base, interest, 2).tolist() == [0.0, np.float32(0.1), 0.0, np.float32(0.3)]
    assert rescored(base, interest, None) is interest
    assert rescored(base, interest, 4) is interest


def test_an_older_card_validated_every_candidate() -> None:
    old = {"chosen": "cross-encoder", "results": {"cross-encoder": {"weights": {"relevance": 0.6, "interest": 0.2,
                                                                               "popularity": 0.3}}}}
    assert chosen_weights(old) == ("cross-encoder", RankerWeights(0.6, 0.2, 0.3))
    assert chosen_rescore_top(old) is None
    assert chosen_rescore_top({**old, "rescore_top": 10}) == 10
    assert chosen_rescore_top(None) is None
