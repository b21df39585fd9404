"""The full next-item pipeline, fitted on TRAIN cases only:

1. first stage: ``BlendRanker`` (transitions, embedding neighbours, popularity, repeats, brand) with
   weights grid-searched on held-out training users;
2. second stage: the listwise model over the first stage's top candidates (``recommender.offline.learned``);
3. the interest scorer: the cross-encoder fine-tuned from the bundled MiniLM on (history text,
   candidate text), hard negatives from stage 2's own top results. ``ScorerOptions.use`` says how
   it joins in: ``"feature"`` (cross-fitted, read by a list model trained again with its scores,
   ``recommender.offline.interest``) or ``"blend"`` (its log-odds added to the list model's score
   over the top ``rerank_depth`` with a weight tuned on one held-out fold of training users). Either
   way it is left out (not run) unless its gain on held-out training users has a paired bootstrap
   interval above zero. It runs on ONNX Runtime with int8 weights (``recommender.onnx_scorer``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from recommender.cross_encoder import (
    Groups,
    Pairs,
    PairScorer,
    build_groups,
    build_pairs,
    history_text,
    train_cross_encoder,
)
from recommender.metrics import ndcg_at_k, paired_bootstrap
from recommender.offline.blend import BlendWeights, tune_weights
from recommender.offline.cases import EvalItem
from recommender.offline.interest import (
    HALVES,
    InterestRanker,
    cross_validated_gain,
    fit_interest_model,
    half_of_fold,
    training_lists,
)
from recommender.offline.learned import (
    LearnedRanker,
    ListwiseModel,
    OutOfFold,
    fit_learned_ranker,
    out_of_fold_lists,
)
from recommender.onnx_scorer import OnnxCrossEncoderScorer

INTEREST_WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0)
TUNING_FOLD = 0


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


SCORER_USES = ("feature", "blend")


@dataclass(frozen=True)
class ScorerOptions:
    """How the interest scorer is fine-tuned and used."""

    use: str = "feature"  # one of SCORER_USES
    loss: str = "listwise"  # recommender.cross_encoder.LOSSES
    negatives: int = 4  # hard negatives per case, from the list model's top ``rerank_depth``
    rerank_depth: int = 20  # where hard negatives come from; the candidates re-scored under "blend"
    feature_depth: int = 10  # the candidates re-scored per ranking under "feature"
    cases: int = 5000  # training cases it is fine-tuned on (all halves together)
    history_items: int = 5
    newest_first: bool = True  # the tokenizer cuts a long history from its end: keep the newest there
    brand: bool = True  # each history item's brand beside its title

    def __post_init__(self) -> None:
        if self.use not in SCORER_USES:
            raise ValueError(f"unknown scorer use {self.use!r}; choose one of {', '.join(SCORER_USES)}")


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
    interest_feature_gain: dict[str, float] = field(default_factory=dict)  # "feature": cross-validated on train
    interest_model: ListwiseModel | None = None  # "feature": the list model that reads the scorer


class NextItemPipeline:
    def __init__(self, learned: LearnedRanker, items: Mapping[str, EvalItem],
                 scorer: PairScorer | None = None, interest_weight: float = 0.0, rerank_depth: int = 20,
                 options: ScorerOptions | None = None, interest_model: ListwiseModel | None = None):
        """The scorer runs when ``interest_model`` is given (``"feature"``) or ``interest_weight`` is not 0."""
        self.learned = learned
        self.items = items
        self.scorer = scorer
        self.interest_weight = interest_weight
        self.rerank_depth = rerank_depth
        self.options = options or ScorerOptions()
        self.interest_model = interest_model

    def context(self, history: Sequence[str]) -> str:
        o = self.options
        known = [self.items[h] for h in history if h in self.items]
        return history_text([f"{i.title} ({i.brand})" if o.brand and i.brand else i.title for i in known],
                            o.history_items, newest_first=o.newest_first)

    def interest(self, history: Sequence[str], candidates: Sequence[str], scorer: PairScorer | None = None
                 ) -> np.ndarray:
        """The fine-tuned scorer's (or ``scorer``'s) log-odds that each candidate is this history's next item."""
        scorer = scorer or self.scorer
        assert scorer is not None
        context = self.context(history)
        return _logit(scorer.score_pairs([(context, self.items[c].text()) for c in candidates]))

    def rank(self, history: Sequence[str], k: int = 10) -> list[str]:
        if self.scorer is not None and self.interest_model is not None:
            ranker = InterestRanker(self.learned, self.interest_model, self.interest, self.options.feature_depth)
            return ranker.rank(history, k)
        ids, scores = self.learned.scored(history)
        if self.scorer is None or self.interest_weight == 0.0:
            return ids[:k]
        top = ids[: self.rerank_depth]
        final = scores[: len(top)] + self.interest_weight * self.interest(history, top)
        order = np.argsort(-final, kind="stable")
        return ([top[i] for i in order] + ids[len(top):])[:k]


def fit_pipeline(items: Mapping[str, EvalItem], vectors: np.ndarray, cases: Sequence[tuple[str, Sequence[str], str]],
                 scorer_dir: Path | None, base_model: str | Path | None, options: ScorerOptions | None = None,
                 progress: bool = True) -> tuple[NextItemPipeline, PipelineFit]:
    """Fit every stage on ``cases``. With ``scorer_dir``/``base_model`` None, stop after stage 2."""
    options = options or ScorerOptions()
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
    pipeline = NextItemPipeline(learned, items, rerank_depth=options.rerank_depth, options=options)
    if scorer_dir is None or base_model is None:
        return pipeline, fit
    fitter = _fit_as_feature if options.use == "feature" else _fit_blended
    fitter(pipeline, fit, oof, cases, scorer_dir, base_model, progress)
    return pipeline, fit


def _fine_tune(pipeline: NextItemPipeline, at: Sequence[int], cases: Sequence[tuple[str, Sequence[str], str]],
               negatives: Sequence[Sequence[str]], base_model: str | Path, out_dir: Path, progress: bool) -> int:
    """Fine-tune a scorer on the cases at ``at`` (hard negatives: ``negatives[i]`` for ``cases[at[i]]``);
    returns the (history, item) pairs it learned from."""
    o, items = pipeline.options, pipeline.items
    chosen = [(cases[i][1], cases[i][2]) for i in at]
    rows: Pairs | Groups
    if o.loss == "listwise":
        rows = build_groups(chosen, lambda i: items[i].text(), pipeline.context, negatives, per_positive=o.negatives)
        count = len(rows[0]) * (1 + o.negatives)
    else:
        rows = build_pairs(chosen, lambda i: items[i].text(), lambda i: items[i].title, negatives,
                           per_positive=o.negatives, context=pipeline.context)
        count = len(rows[2])
    card = {"data": f"{len(at)} next-item cases", "task": "history x candidate interest"}
    train_cross_encoder(base_model, rows, out_dir, card, max_length=128, progress=progress, loss=o.loss)
    return count


def _fit_blended(pipeline: NextItemPipeline, fit: PipelineFit, oof: OutOfFold,
                 cases: Sequence[tuple[str, Sequence[str], str]], scorer_dir: Path, base_model: str | Path,
                 progress: bool) -> None:
    """``use="blend"``: the scorer learns from every fold but the tuning fold; its weight is tuned there."""
    start = time.perf_counter()
    depth = pipeline.rerank_depth
    reordered = [pipeline.learned.reorder(found) for found in oof.lists]
    train_at = [i for i, fold in enumerate(oof.fold_of_case) if fold != TUNING_FOLD][: pipeline.options.cases]
    fit.scorer_pairs = _fine_tune(pipeline, train_at, cases, [reordered[i][0][:depth] for i in train_at],
                                  base_model, scorer_dir, progress)
    fit.seconds["scorer fine-tune"] = round(time.perf_counter() - start, 2)

    start = time.perf_counter()
    pipeline.scorer = OnnxCrossEncoderScorer(scorer_dir)
    tuning = [i for i, fold in enumerate(oof.fold_of_case) if fold == TUNING_FOLD]
    rows = []
    for i in tqdm(tuning, desc="tuning the interest weight", disable=not progress):
        top, scores = reordered[i][0][:depth], reordered[i][1][:depth]
        rows.append((top, scores, pipeline.interest(cases[i][1], top), cases[i][2]))
    pipeline.interest_weight = _tune_weight(fit, rows)
    fit.seconds["interest weight"] = round(time.perf_counter() - start, 2)


def _tune_weight(fit: PipelineFit, rows: Sequence[tuple[Sequence[str], np.ndarray, np.ndarray, str]]) -> float:
    """The blend weight for rows of (candidates, list-model scores, scorer log-odds, target): the best
    of ``INTEREST_WEIGHTS`` by NDCG@10, or 0 unless its gain over 0 has a bootstrap interval above zero."""
    per_case = {w: [ndcg_at_k([top[j] for j in np.argsort(-(s + w * interest), kind="stable")], target, 10)
                    for top, s, interest, target in rows] for w in INTEREST_WEIGHTS}
    for weight, scores in per_case.items():
        fit.interest_tuning_ndcg10[str(weight)] = round(sum(scores) / max(1, len(rows)), 4)
    best = fit.interest_best_weight = max(INTEREST_WEIGHTS, key=lambda w: (fit.interest_tuning_ndcg10[str(w)], -w))
    if best != 0.0 and len(rows) >= 2:
        # the scorer costs a pair per candidate: keep it only when its gain on held-out users is clear
        fit.interest_tuning_gain = paired_bootstrap(per_case[0.0], per_case[best], resamples=2000)
        if fit.interest_tuning_gain["low"] <= 0.0:
            best = 0.0
    fit.interest_weight = best
    return best


def _fit_as_feature(pipeline: NextItemPipeline, fit: PipelineFit, oof: OutOfFold,
                    cases: Sequence[tuple[str, Sequence[str], str]], scorer_dir: Path, base_model: str | Path,
                    progress: bool) -> None:
    """``use="feature"``: one scorer per half of the training users, each scoring the other half's
    lists; the list model is trained again with those scores (``recommender.offline.interest``)."""
    o, learned = pipeline.options, pipeline.learned
    start = time.perf_counter()
    halves = [half_of_fold(fold) for fold in oof.fold_of_case]
    reordered = [learned.reorder(found)[0] for found in oof.lists]
    scorers = []
    for half in range(HALVES):
        folder = scorer_dir if half == 0 else scorer_dir.with_name(f"{scorer_dir.name}-half-{half}")
        at = [i for i, h in enumerate(halves) if h == half][: max(1, o.cases // HALVES)]
        fit.scorer_pairs += _fine_tune(pipeline, at, cases, [reordered[i][: o.rerank_depth] for i in at],
                                       base_model, folder, progress)
        scorers.append(OnnxCrossEncoderScorer(folder))
    fit.seconds["scorer fine-tune"] = round(time.perf_counter() - start, 2)

    start = time.perf_counter()
    lists, rows = training_lists(learned, oof.lists, cases, halves,
                                 lambda half: partial(pipeline.interest, scorer=scorers[(half + 1) % HALVES]),
                                 o.feature_depth, progress)
    if not len(lists.targets):
        return
    fit.interest_feature_gain = cross_validated_gain(lists, ListwiseModel)
    fit.interest_model = fit_interest_model(lists, progress=progress)
    _tune_weight(fit, rows)  # the fixed-weight alternative on the same held-out scores, for the report
    pipeline.scorer = scorers[0]
    if fit.interest_feature_gain and fit.interest_feature_gain["low"] > 0.0:
        pipeline.interest_model = fit.interest_model
    fit.interest_weight = pipeline.interest_weight = 0.0
    fit.seconds["list model with the scorer"] = round(time.perf_counter() - start, 2)
