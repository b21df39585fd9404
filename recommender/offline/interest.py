"""The interest scorer as features of the list model (stacking), instead of a fixed weight on top.

The list model can only learn how far to trust the scorer from scores the scorer gave to shoppers
it never trained on. So two scorers are fine-tuned, each on half of the training users
(cross-fitting), and each scores the other half's candidate lists; the list model is then trained
again over the first stage's features plus ``INTEREST_FEATURES``. When ranking, one of the two
scorers re-scores only the top ``depth`` of the plain list model's order (its cost is per pair);
the other candidates carry a "not scored" indicator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from recommender.metrics import ndcg_at_k, paired_bootstrap
from recommender.offline.learned import FEATURES, CandidateList, LearnedRanker, ListwiseModel

INTEREST_FEATURES = ("interest", "interest_vs_best", "interest_scored")
HALVES = 2

# (history ids, candidate ids) -> the scorer's log-odds per candidate
Interest = Callable[[Sequence[str], Sequence[str]], np.ndarray]


def half_of_fold(fold: int) -> int:
    """Which cross-fitting half an out-of-fold fold of users belongs to."""
    return fold % HALVES


def interest_columns(logits: np.ndarray, positions: np.ndarray, size: int) -> np.ndarray:
    """[size, len(INTEREST_FEATURES)] for a list of ``size`` candidates of which those at
    ``positions`` were scored: the log-odds, the log-odds minus the list's best, and 1; zeros elsewhere.

    >>> interest_columns(np.array([2.0, -1.0]), np.array([2, 0]), 3).tolist()
    [[-1.0, -3.0, 1.0], [0.0, 0.0, 0.0], [2.0, 0.0, 1.0]]
    """
    columns = np.zeros((size, len(INTEREST_FEATURES)), dtype=np.float32)
    if len(positions):
        columns[positions, 0] = logits
        columns[positions, 1] = logits - logits.max()
        columns[positions, 2] = 1.0
    return columns


def scored_positions(learned: LearnedRanker, found: CandidateList, depth: int) -> np.ndarray:
    """Positions in ``found`` of the plain list model's top ``depth``: the candidates the scorer sees."""
    return np.argsort(-learned.model.score(found.features), kind="stable")[:depth]


def with_interest(learned: LearnedRanker, found: CandidateList, history: Sequence[str], interest: Interest,
                  depth: int) -> np.ndarray:
    """``found``'s features with the interest columns appended."""
    positions = scored_positions(learned, found, depth)
    logits = interest(history, [learned.ids[i] for i in found.items[positions]])
    return np.concatenate([found.features, interest_columns(logits, positions, len(found.items))], axis=1)


class InterestRanker:
    """The list model that reads the scorer's features; ``rank`` like ``LearnedRanker.rank``."""

    def __init__(self, learned: LearnedRanker, model: ListwiseModel, interest: Interest, depth: int = 10):
        self.learned = learned
        self.model = model
        self.interest = interest
        self.depth = depth

    def rank(self, history: Sequence[str], k: int = 10) -> list[str]:
        found = self.learned.features(history)
        scores = self.model.score(with_interest(self.learned, found, history, self.interest, self.depth))
        return [self.learned.ids[i] for i in found.items[np.argsort(-scores, kind="stable")][:k]]


@dataclass
class TrainingLists:
    """The training lists whose target made the first stage's candidates: features with the
    interest columns, the target's position, and the case's cross-fitting half."""

    features: np.ndarray  # [lists, depth, features + interest features]
    targets: np.ndarray
    halves: np.ndarray


BlendRow = tuple[list[str], np.ndarray, np.ndarray, str]  # top candidates, list-model scores, log-odds, target


def training_lists(learned: LearnedRanker, lists: Sequence[CandidateList],
                   cases: Sequence[tuple[str, Sequence[str], str]], halves: Sequence[int],
                   interest_for: Callable[[int], Interest], depth: int, progress: bool = False
                   ) -> tuple[TrainingLists, list[BlendRow]]:
    """The out-of-fold ``lists`` whose target is among their candidates, with interest columns from
    ``interest_for(half)`` (the scorer that did not train on that half); and the same scores as
    rows for tuning a fixed blend weight, to compare the two ways on the same held-out scores."""
    index = {item: i for i, item in enumerate(learned.ids)}
    features, targets, kept, rows = [], [], [], []
    for i, found in enumerate(tqdm(lists, desc="scoring the training lists", disable=not progress)):
        hit = np.flatnonzero(found.items == index.get(cases[i][2], -1))
        if not len(hit) or len(found.items) != learned.features.depth:
            continue
        x = with_interest(learned, found, cases[i][1], interest_for(halves[i]), depth)
        features.append(x)
        targets.append(int(hit[0]))
        kept.append(halves[i])
        plain = learned.model.score(found.features)
        top = np.argsort(-plain, kind="stable")[:depth]
        rows.append(([learned.ids[j] for j in found.items[top]], plain[top], x[top, -len(INTEREST_FEATURES)],
                     cases[i][2]))
    width = len(FEATURES) + len(INTEREST_FEATURES)
    stacked = np.stack(features) if features else np.zeros((0, learned.features.depth, width), dtype=np.float32)
    return TrainingLists(stacked, np.array(targets, dtype=np.int64), np.array(kept, dtype=np.int64)), rows


def fit_interest_model(lists: TrainingLists, model: ListwiseModel | None = None,
                       progress: bool = False) -> ListwiseModel:
    return (model or ListwiseModel()).fit(lists.features, lists.targets, progress=progress)


def cross_validated_gain(lists: TrainingLists, make_model: Callable[[], ListwiseModel],
                         resamples: int = 2000) -> dict[str, float]:
    """NDCG@10 of the list model with the scorer's log-odds against the same model without them
    (the "scored" indicator kept in both: it marks the plain list model's top, which is no news from
    the scorer), each trained on one half of the training lists and judged on the other, then the
    other way: a paired bootstrap over the judged lists. Its ``low`` above zero is the scorer's licence."""
    blind = lists.features.copy()
    blind[..., -len(INTEREST_FEATURES) : -1] = 0.0  # log-odds columns; the indicator is the last
    without: list[float] = []
    with_: list[float] = []
    for half in range(HALVES):
        train, judge = lists.halves != half, lists.halves == half
        if not train.any() or not judge.any():
            continue
        for features, out in ((blind, without), (lists.features, with_)):
            fitted = make_model().fit(features[train], lists.targets[train])
            for x, target in zip(features[judge], lists.targets[judge], strict=True):
                order = np.argsort(-fitted.score(x), kind="stable")
                out.append(ndcg_at_k([str(i) for i in order], str(target), 10))
    if len(without) < 2:
        return {}
    return paired_bootstrap(without, with_, resamples=resamples)
