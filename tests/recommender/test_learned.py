"""The second stage: features over the first stage's candidates, out-of-fold training lists, and a
list model that learns the synthetic world's "next in the chain" rule."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.retrieval.embed import HashingEmbedder
from recommender.metrics import summarize
from recommender.offline.blend import BlendRanker, BlendWeights
from recommender.offline.learned import (
    FEATURES,
    CandidateFeatures,
    ListwiseModel,
    fit_learned_ranker,
    out_of_fold_lists,
)
from tests.recommender import synthetic

ITEMS = synthetic.items()
IDS = [i["id"] for i in ITEMS]
VECTORS = HashingEmbedder().embed([f"{i['title']} {i['description']}" for i in ITEMS])
WEIGHTS = BlendWeights(1.0, 0.5, 0.2, 0.0, 0.0)


def _rows(n: int, seed: int) -> list[tuple[str, list[str], str]]:
    return [(str(c["user_id"]), list(c["history"]), str(c["target"])) for c in synthetic.cases(n, seed)]  # type: ignore[call-overload]


def test_features_cover_the_first_stages_top_candidates_in_its_order() -> None:
    blend = BlendRanker(IDS, VECTORS, WEIGHTS).fit(_rows(200, 1))
    found = CandidateFeatures(blend, VECTORS, depth=10)(["glue-0", "glue-1"])
    assert found.features.shape == (10, len(FEATURES))
    assert [IDS[i] for i in found.items] == blend.rank(["glue-0", "glue-1"], 10)
    row = dict(zip(FEATURES, found.features[0], strict=True))
    assert IDS[found.items[0]] == "glue-2"  # the chain's next item leads the first stage
    assert row["from_last"] > 0 and row["share_from_last"] == pytest.approx(1.0, abs=0.35)
    assert row["similarity_last"] == pytest.approx(float(VECTORS[IDS.index("glue-2")] @ VECTORS[IDS.index("glue-1")]),
                                                   abs=1e-4)
    assert row["history_length"] == pytest.approx(np.log1p(2))


def test_out_of_fold_lists_never_count_the_users_own_sequence() -> None:
    # one user walks a path nobody else takes: out of fold, its own transitions are unknown
    rows = [*_rows(120, 1), ("loner", ["valve-0", "drill-3"], "tape-1")]
    oof = out_of_fold_lists(IDS, VECTORS, rows, WEIGHTS, None, folds=4, depth=10)
    assert len(oof.lists) == len(rows) and len(oof.fold_of_case) == len(rows)
    loner = oof.lists[-1]
    from_last = loner.features[:, FEATURES.index("from_last")]
    assert IDS.index("tape-1") not in loner.items[from_last > 0]
    in_sample = CandidateFeatures(BlendRanker(IDS, VECTORS, WEIGHTS).fit(rows), VECTORS, depth=30)(["valve-0", "drill-3"])
    assert in_sample.features[list(in_sample.items).index(IDS.index("tape-1")), FEATURES.index("from_last")] > 0


def test_list_model_learns_the_chain_and_is_reproducible() -> None:
    train, test = _rows(300, 1), _rows(80, 2)
    ranker = fit_learned_ranker(IDS, VECTORS, train, WEIGHTS, depth=20, model=ListwiseModel(members=2, epochs=20))
    metrics = summarize([(ranker.rank(h, 10), t) for _, h, t in test])
    assert metrics["HR@5"] >= 0.95 and metrics["NDCG@10"] >= 0.9
    again = fit_learned_ranker(IDS, VECTORS, train, WEIGHTS, depth=20, model=ListwiseModel(members=2, epochs=20))
    history = test[0][1]
    assert again.rank(history, 10) == ranker.rank(history, 10)
    ids, scores = ranker.scored(history)
    assert len(ids) == 20 and list(scores) == sorted(scores, reverse=True)


def test_no_usable_training_case_is_a_clear_error() -> None:
    rows = [("u1", ["glue-0"], "valve-4")]  # nothing else to learn from, and unlike its history
    with pytest.raises(ValueError, match="training data is too small"):
        fit_learned_ranker(IDS, VECTORS, rows, WEIGHTS, depth=2, model=ListwiseModel(members=1, epochs=1))
