"""Recall sources and the tuned blend learn the structure of the synthetic world."""

from __future__ import annotations

import numpy as np

from knowledge.retrieval.embed import HashingEmbedder
from recommender.candidates import EmbeddingNeighbours, TransitionModel, merge_candidates
from recommender.metrics import summarize
from recommender.offline.blend import BlendRanker, BlendWeights, tune_weights, user_sequences
from tests.recommender import synthetic


def _world():
    items = synthetic.items()
    ids = [i["id"] for i in items]
    vectors = HashingEmbedder().embed([f"{i['title']} {i['description']}" for i in items])
    train = [(c["user_id"], c["history"], c["target"]) for c in synthetic.cases(300, seed=1)]
    test = [(c["user_id"], c["history"], c["target"]) for c in synthetic.cases(100, seed=2)]
    return ids, vectors, train, test


def test_transitions_predict_the_next_item_in_the_chain() -> None:
    model = TransitionModel().fit([["glue-0", "glue-1", "glue-2"], ["glue-1", "glue-2", "glue-3"]])
    assert model.candidates(["glue-1"], k=1)[0][0] == "glue-2"
    assert model.candidates(["glue-2"], k=1)[0][0] == "glue-3"
    assert model.popularity["glue-2"] == 2


def test_embedding_neighbours_stay_in_the_family() -> None:
    ids, vectors, _, _ = _world()
    neighbours = EmbeddingNeighbours(ids, vectors)
    top = [item for item, _ in neighbours.candidates(["solder-1"], k=5)]
    assert all(item.startswith("solder-") for item in top)
    assert neighbours.candidates(["unknown"], k=3) == []


def test_merge_applies_constraints_before_pooling_and_dedupes() -> None:
    pooled = merge_candidates({"a": [("x", 4.0), ("y", 2.0)], "b": [("y", 1.0), ("z", 0.5)]},
                              allowed=lambda item: item != "z", limit=10)
    assert set(pooled) == {"x", "y"}
    assert pooled["y"] == {"a": 0.5, "b": 1.0}


def test_user_sequences_keep_one_longest_sequence_per_user() -> None:
    rows = [("u", ["a"], "b"), ("u", ["a", "b"], "c"), ("v", ["x"], "y")]
    assert sorted(user_sequences(rows)) == [["a", "b", "c"], ["x", "y"]]


def test_tuned_blend_beats_popularity_and_is_tuned_on_train_only() -> None:
    ids, vectors, train, test = _world()
    weights, tuned = tune_weights(ids, vectors, train)
    assert 0.0 < tuned <= 1.0
    ranker = BlendRanker(ids, vectors, weights).fit(train)
    blend = summarize([(ranker.rank(h, 10), t) for _, h, t in test])
    popular = ranker.rank([], 10, BlendWeights(0, 0, 1, 0))
    baseline = summarize([(popular, t) for _, _, t in test])
    assert blend["NDCG@10"] > baseline["NDCG@10"] + 0.3
    assert blend["HR@10"] > 0.9


def test_rank_returns_k_distinct_ids_best_first() -> None:
    ids, vectors, train, _ = _world()
    ranker = BlendRanker(ids, vectors).fit(train)
    ranked = ranker.rank(["tape-0"], 7)
    scores = ranker.score(["tape-0"])
    assert len(set(ranked)) == 7
    assert [scores[ids.index(i)] for i in ranked] == sorted((scores[ids.index(i)] for i in ranked), reverse=True)
    assert np.argmax(scores) == ids.index(ranked[0])
