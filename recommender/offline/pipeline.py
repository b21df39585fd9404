"""The full next-item pipeline, fitted on TRAIN cases only:

1. first stage: ``BlendRanker`` (transitions, embedding neighbours, popularity, repeats, brand) with
   weights grid-searched on held-out training users;
2. second stage: the listwise model over the first stage's top candidates (``recommender.offline.learned``);
3. the interest scorer: the cross-encoder fine-tuned from the bundled MiniLM on (history text,
   candidate text) pairs, hard negatives from stage 2's own top results, reorders the top
   ``rerank_depth`` with a weight tuned on one held-out fold of training users: 0 (the scorer is not
   run) unless its gain there has a paired bootstrap interval above zero. It runs on ONNX Runtime
   with int8 weights (``recommender.onnx_scorer``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from recommender.cross_encoder import PairScorer, build_pairs, history_text, train_cross_encoder
from recommender.metrics import ndcg_at_k, paired_bootstrap
from recommender.offline.blend import BlendWeights, tune_weights
from recommender.offline.cases import EvalItem
from recommender.offline.learned import LearnedRanker, fit_learned_ranker, out_of_fold_lists
from recommender.onnx_scorer import OnnxCrossEncoderScorer

INTEREST_WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0)
TUNING_FOLD = 0


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


@dataclass
class PipelineFit:
    """What fitting measured: seconds per step, the chosen weights and the scorer's tuning."""

    seconds: dict[str, float] = field(default_factory=dict)
    blend_weights: BlendWeights = field(default_factory=BlendWeights)
    blend_tuning_ndcg10: float = 0.0
    interest_weight: float = 0.0  # what the pipeline uses
    interest_best_weight: float = 0.0  # the best on the tuning fold, before asking for a clear gain
    interest_tuning_ndcg10: dict[str, float] = field(default_factory=dict)
    scorer_pairs: int = 0
    interest_tuning_gain: dict[str, float] = field(default_factory=dict)  # the best weight vs 0, paired bootstrap


class NextItemPipeline:
    def __init__(self, learned: LearnedRanker, items: Mapping[str, EvalItem],
                 scorer: PairScorer | None = None, interest_weight: float = 0.0, rerank_depth: int = 20):
        self.learned = learned
        self.items = items
        self.scorer = scorer
        self.interest_weight = interest_weight
        self.rerank_depth = rerank_depth

    def context(self, history: Sequence[str]) -> str:
        return history_text([self.items[h].title for h in history if h in self.items])

    def interest(self, history: Sequence[str], candidates: Sequence[str]) -> np.ndarray:
        """The fine-tuned scorer's log-odds that each candidate is this history's next item."""
        assert self.scorer is not None
        context = self.context(history)
        return _logit(self.scorer.score_pairs([(context, self.items[c].text()) for c in candidates]))

    def rank(self, history: Sequence[str], k: int = 10) -> list[str]:
        ids, scores = self.learned.scored(history)
        if self.scorer is None or self.interest_weight == 0.0:
            return ids[:k]
        top = ids[: self.rerank_depth]
        final = scores[: len(top)] + self.interest_weight * self.interest(history, top)
        order = np.argsort(-final, kind="stable")
        return ([top[i] for i in order] + ids[len(top):])[:k]


def fit_pipeline(items: Mapping[str, EvalItem], vectors: np.ndarray, cases: Sequence[tuple[str, Sequence[str], str]],
                 scorer_dir: Path | None, base_model: str | Path | None, rerank_depth: int = 20,
                 scorer_cases: int = 5000, negatives_per_case: int = 2, progress: bool = True
                 ) -> tuple[NextItemPipeline, PipelineFit]:
    """Fit every stage on ``cases``. With ``scorer_dir``/``base_model`` None, stop after stage 2."""
    ids = list(items)
    brands = [items[i].brand for i in ids]
    fit = PipelineFit()

    start = time.perf_counter()
    fit.blend_weights, fit.blend_tuning_ndcg10 = tune_weights(ids, vectors, cases, brands=brands)
    fit.seconds["first stage weights"] = round(time.perf_counter() - start, 2)

    start = time.perf_counter()
    oof = out_of_fold_lists(ids, vectors, cases, fit.blend_weights, brands, progress=progress)
    learned = fit_learned_ranker(ids, vectors, cases, fit.blend_weights, brands, out_of_fold=oof,
                                 progress=progress)
    fit.seconds["list model"] = round(time.perf_counter() - start, 2)
    pipeline = NextItemPipeline(learned, items, rerank_depth=rerank_depth)
    if scorer_dir is None or base_model is None:
        return pipeline, fit

    # the scorer learns from every fold but the tuning fold; its hard negatives are stage 2's top picks
    start = time.perf_counter()
    reordered = [learned.reorder(found) for found in oof.lists]
    train_at = [i for i, fold in enumerate(oof.fold_of_case) if fold != TUNING_FOLD][:scorer_cases]
    pairs = build_pairs([(cases[i][1], cases[i][2]) for i in train_at], lambda i: items[i].text(),
                        lambda i: items[i].title, [reordered[i][0][:rerank_depth] for i in train_at],
                        per_positive=negatives_per_case)
    card = {"data": f"{len(train_at)} next-item cases", "task": "history x candidate interest"}
    train_cross_encoder(base_model, pairs, scorer_dir, card, max_length=128, progress=progress)
    fit.scorer_pairs = len(pairs[2])
    fit.seconds["scorer fine-tune"] = round(time.perf_counter() - start, 2)

    start = time.perf_counter()
    pipeline.scorer = OnnxCrossEncoderScorer(scorer_dir)
    tuning = [i for i, fold in enumerate(oof.fold_of_case) if fold == TUNING_FOLD]
    rows = []
    for i in tqdm(tuning, desc="tuning the interest weight", disable=not progress):
        top, scores = reordered[i][0][:rerank_depth], reordered[i][1][:rerank_depth]
        rows.append((top, scores, pipeline.interest(cases[i][1], top), cases[i][2]))
    per_case = {w: [ndcg_at_k([top[j] for j in np.argsort(-(s + w * interest), kind="stable")], target, 10)
                    for top, s, interest, target in rows] for w in INTEREST_WEIGHTS}
    for weight, scores in per_case.items():
        fit.interest_tuning_ndcg10[str(weight)] = round(sum(scores) / max(1, len(rows)), 4)
    best = fit.interest_best_weight = max(INTEREST_WEIGHTS, key=lambda w: (fit.interest_tuning_ndcg10[str(w)], -w))
    if best != 0.0 and len(rows) >= 2:
        # the scorer costs ~20 pairs a ranking: keep it only when its gain on the tuning fold is clear
        fit.interest_tuning_gain = paired_bootstrap(per_case[0.0], per_case[best], resamples=2000)
        if fit.interest_tuning_gain["low"] <= 0.0:
            best = 0.0
    pipeline.interest_weight = fit.interest_weight = best
    fit.seconds["interest weight"] = round(time.perf_counter() - start, 2)
    return pipeline, fit

