"""The interest scorer as a list-model feature: which candidates get scored, the columns they get,
and that the list model learns to trust a scorer that knows something, and only then."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from knowledge.retrieval.embed import HashingEmbedder
from recommender.metrics import summarize
from recommender.offline.blend import BlendWeights
from recommender.offline.interest import (
    INTEREST_FEATURES,
    InterestRanker,
    TrainingLists,
    cross_validated_gain,
    fit_interest_model,
    half_of_fold,
    interest_columns,
    scored_positions,
    training_lists,
)
from recommender.offline.learned import FEATURES, ListwiseModel, fit_learned_ranker, out_of_fold_lists
from tests.recommender import synthetic

ITEMS = synthetic.items()
IDS = [i["id"] for i in ITEMS]
VECTORS = HashingEmbedder().embed([f"{i['title']} {i['description']}" for i in ITEMS])
WEIGHTS = BlendWeights(1.0, 0.5, 0.2, 0.0, 0.0)
SMALL = {"members": 1, "epochs": 10}


def _skipping_world(n: int, seed: int) -> list[tuple[str, list[str], str]]:
    """Shoppers who jump to a family item that only a hidden rule (the history's length and start)
    names: transitions see it only through noise, an informed scorer knows it."""
    rows = []
    for case in synthetic.cases(n, seed):
        history = [str(h) for h in case["history"]]  # type: ignore[attr-defined]
        family, start = history[0].rsplit("-", 1)
        target = synthetic.item_id(family, (int(start) * 3 + len(history) * 2) % synthetic.CHAIN)
        rows.append((str(case["user_id"]), history, target))
    return rows


@pytest.fixture(scope="module")
def fitted():
    """The skipping world's training cases, their out-of-fold lists and the plain list model."""
    rows = _skipping_world(240, 1)
    oof = out_of_fold_lists(IDS, VECTORS, rows, WEIGHTS, None, folds=4, depth=15)
    learned = fit_learned_ranker(IDS, VECTORS, rows, WEIGHTS, depth=15, out_of_fold=oof, model=ListwiseModel(**SMALL))
    return rows, oof, learned, [half_of_fold(f) for f in oof.fold_of_case]


def _informed(world: dict[tuple[str, ...], str]):
    """A scorer that knows each history's next item: high log-odds for it, low for the rest."""
    def interest(history: Sequence[str], candidates: Sequence[str]) -> np.ndarray:
        return np.array([3.0 if world.get(tuple(history)) == c else -3.0 for c in candidates])
    return interest


def _uninformed():
    """A scorer that knows nothing: noise."""
    rng = np.random.default_rng(0)

    def interest(history: Sequence[str], candidates: Sequence[str]) -> np.ndarray:
        return rng.normal(0.0, 3.0, len(candidates))
    return interest


def test_interest_columns_mark_only_the_scored_candidates() -> None:
    columns = interest_columns(np.array([0.5, 2.0]), np.array([3, 1]), 5)
    assert columns.shape == (5, len(INTEREST_FEATURES))
    assert columns[:, 2].tolist() == [0.0, 1.0, 0.0, 1.0, 0.0]
    assert columns[1].tolist() == [2.0, 0.0, 1.0] and columns[3].tolist() == [0.5, -1.5, 1.0]
    assert interest_columns(np.zeros(0), np.zeros(0, dtype=int), 3).tolist() == [[0.0] * 3] * 3


def test_halves_split_the_folds_evenly() -> None:
    assert [half_of_fold(f) for f in range(8)] == [0, 1] * 4


def test_training_lists_score_the_list_models_top_candidates_with_the_other_halfs_scorer(fitted) -> None:
    rows, oof, learned, halves = fitted
    asked: list[tuple[int, tuple[str, ...]]] = []

    def interest_for(half: int):
        def interest(history: Sequence[str], candidates: Sequence[str]) -> np.ndarray:
            asked.append((half, tuple(candidates)))
            return np.arange(len(candidates), dtype=np.float32)
        return interest

    lists, blend_rows = training_lists(learned, oof.lists, rows, halves, interest_for, depth=5)
    kept = len(lists.targets)
    assert 0 < kept <= len(rows) and len(blend_rows) == kept == len(asked)
    assert lists.features.shape == (kept, 15, len(FEATURES) + len(INTEREST_FEATURES))
    assert (lists.features[..., -1].sum(axis=1) == 5).all()  # five candidates scored per list
    first = next(i for i, found in enumerate(oof.lists) if IDS.index(rows[i][2]) in found.items)
    expected = [IDS[j] for j in oof.lists[first].items[scored_positions(learned, oof.lists[first], 5)]]
    assert list(asked[0][1]) == expected == blend_rows[0][0]
    assert asked[0][0] == halves[first]
    for features, target in zip(lists.features, lists.targets, strict=True):
        assert features[target, FEATURES.index("first_stage_rank")] > 0  # the target is a real candidate


def _lists(fitted, interest_of) -> TrainingLists:
    rows, oof, learned, halves = fitted
    return training_lists(learned, oof.lists, rows, halves, lambda half: interest_of, depth=10)[0]


def test_only_an_informed_scorer_earns_its_licence(fitted) -> None:
    world = {tuple(h): t for _, h, t in fitted[0]}
    informed = cross_validated_gain(_lists(fitted, _informed(world)), lambda: ListwiseModel(**SMALL), resamples=500)
    uninformed = cross_validated_gain(_lists(fitted, _uninformed()), lambda: ListwiseModel(**SMALL), resamples=500)
    assert informed["low"] > 0 and informed["new"] > 0.75
    assert uninformed["low"] <= 0 < uninformed["high"] or uninformed["difference"] <= 0
    assert informed["base"] == pytest.approx(uninformed["base"], abs=0.05)  # the same list model without it


def test_interest_ranker_ranks_with_what_the_scorer_knows(fitted) -> None:
    train, test = fitted[0], _skipping_world(100, 2)
    world = {tuple(h): t for _, h, t in [*train, *test]}
    ranker = InterestRanker(fitted[2], fit_interest_model(_lists(fitted, _informed(world)), ListwiseModel(**SMALL)),
                            _informed(world), depth=10)
    alone = summarize([(fitted[2].rank(h, 10), t) for _, h, t in test])
    with_scorer = summarize([(ranker.rank(h, 10), t) for _, h, t in test])
    assert with_scorer["NDCG@10"] > alone["NDCG@10"] + 0.1
    assert with_scorer["HR@10"] >= alone["HR@10"]  # it reorders the list model's candidates, never drops one
