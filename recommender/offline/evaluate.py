"""Full-catalogue next-item evaluation of the recommender and its baselines, fitted on TRAIN only.

Used by ``aisle recommender evaluate --items ITEMS.jsonl --train TRAIN.jsonl --test TEST.jsonl``:
every method ranks the whole catalogue for each test history; a target outside the top k is a miss.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from knowledge.retrieval.embed import Embedder
from recommender.metrics import ndcg_at_k, paired_bootstrap, summarize
from recommender.offline.blend import BlendWeights
from recommender.offline.cases import EvalItem, NextItemCase
from recommender.offline.pipeline import NextItemPipeline, PipelineFit, ScorerOptions, fit_pipeline

FULL_PIPELINE = "full pipeline"
LIST_MODEL = "list model (no scorer)"


@dataclass
class EvalReport:
    items: int
    train_cases: int
    test_cases: int
    methods: dict[str, dict[str, float]] = field(default_factory=dict)
    per_case_ms: dict[str, float] = field(default_factory=dict)
    embed_seconds: float = 0.0
    fit_seconds: dict[str, float] = field(default_factory=dict)  # per step; "total" under 20 min for ~5k cases
    weights: dict[str, float] = field(default_factory=dict)
    tuning_ndcg10: float = 0.0
    interest_weight: float = 0.0
    interest_tuning_ndcg10: dict[str, float] = field(default_factory=dict)
    scorer_pairs: int = 0
    interest_tuning_gain: dict[str, float] = field(default_factory=dict)
    scorer_vs_list_model: dict[str, Any] = field(default_factory=dict)  # NDCG@10, paired bootstrap on test
    scorer_variants: dict[str, dict[str, Any]] = field(default_factory=dict)  # each way of using it, as above
    interest_feature_gain: dict[str, float] = field(default_factory=dict)  # "feature": cross-validated on train
    scorer_options: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _run(name: str, rank: Callable[[Sequence[str]], list[str]], cases: Sequence[NextItemCase],
         report: EvalReport, progress: bool) -> list[float]:
    """Rank every case with ``rank``; records the method's metrics and returns its NDCG@10 per case."""
    start = time.perf_counter()
    rankings = [(rank(c.history), c.target) for c in tqdm(cases, desc=f"ranking ({name})", disable=not progress)]
    report.per_case_ms[name] = round((time.perf_counter() - start) / max(1, len(cases)) * 1000, 3)
    report.methods[name] = {k: round(v, 4) for k, v in summarize(rankings).items()}
    return [ndcg_at_k(ranked, target, 10) for ranked, target in rankings]


def evaluate(items: Mapping[str, EvalItem], train: Sequence[NextItemCase], test: Sequence[NextItemCase],
             embedder: Embedder, limit: int | None = None, progress: bool = True,
             scorer_dir: Path | None = None, base_model: str | Path | None = None,
             scorer_options: ScorerOptions | None = None) -> EvalReport:
    """Every method is fitted on ``train`` and ranks the full catalogue for each ``test`` history.

    Fine-tuning the interest scorer needs ``scorer_dir`` (where it is written) and ``base_model``
    (the bundled MiniLM); without them the full pipeline stops at the list model. With them, the
    report also has each way of using the scorer against the list model alone: NDCG@10 per test
    case, paired bootstrap (``scorer_variants``; ``scorer_vs_list_model`` for ``scorer_options.use``).
    """
    options = scorer_options or ScorerOptions()
    test = list(test)[:limit] if limit else list(test)
    report = EvalReport(items=len(items), train_cases=len(train), test_cases=len(test))
    ids = list(items)
    start = time.perf_counter()
    texts = [items[i].text() for i in ids]
    vectors = np.concatenate([embedder.embed(texts[s : s + 256])
                              for s in tqdm(range(0, len(texts), 256), desc="embedding items", disable=not progress)])
    report.embed_seconds = round(time.perf_counter() - start, 2)

    train_rows = [(c.user_id, c.history, c.target) for c in train]
    pipeline, fit = fit_pipeline(items, vectors, train_rows, scorer_dir, base_model, options, progress=progress)
    report.fit_seconds = {**fit.seconds, "total": round(sum(fit.seconds.values()), 2)}
    report.weights, report.tuning_ndcg10 = asdict(fit.blend_weights), round(fit.blend_tuning_ndcg10, 4)
    report.interest_weight, report.interest_tuning_ndcg10 = fit.interest_weight, fit.interest_tuning_ndcg10
    report.scorer_pairs, report.interest_tuning_gain = fit.scorer_pairs, fit.interest_tuning_gain
    report.interest_feature_gain = fit.interest_feature_gain
    if pipeline.scorer is not None:
        report.scorer_options = asdict(options)
    blend = pipeline.learned.features.blend

    popular = blend.rank([], 10, BlendWeights(0, 0, 1, 0, 0))
    _run("popularity", lambda h: popular, test, report, progress)
    _run("co-occurrence", lambda h: blend.rank(h, 10, BlendWeights(1, 0, 0.01, 0, 0)), test, report, progress)
    _run("embedding similarity", lambda h: blend.rank(h, 10, BlendWeights(0, 1, 0, 0, 0)), test, report, progress)
    _run("MiniLM, not fine-tuned", _text_similarity(pipeline, embedder, vectors), test, report, progress)
    _run("first stage (tuned blend)", lambda h: blend.rank(h, 10), test, report, progress)
    if pipeline.scorer is None:
        _run(FULL_PIPELINE, pipeline.rank, test, report, progress)
        return report
    alone = _run(LIST_MODEL, pipeline.learned.rank, test, report, progress)
    chosen = LIST_MODEL
    for name, variant, used in _scorer_variants(pipeline, fit):
        report.scorer_variants[name] = {"method": name, **paired_bootstrap(alone, _run(name, variant.rank, test, report,
                                                                                       progress), resamples=2000)}
        if not report.scorer_vs_list_model:  # the first variant is the way ``options.use`` names
            report.scorer_vs_list_model = report.scorer_variants[name]
        chosen = name if used else chosen
    # the full pipeline is one of the rankings above: not run again
    report.methods[FULL_PIPELINE], report.per_case_ms[FULL_PIPELINE] = report.methods[chosen], report.per_case_ms[chosen]
    return report


def _scorer_variants(pipeline: NextItemPipeline, fit: PipelineFit) -> list[tuple[str, NextItemPipeline, bool]]:
    """(name, pipeline, whether the full pipeline uses it) for each way of using the scorer, even one
    the pipeline leaves out (its gain on held-out training users unclear): its effect is reported."""
    p, o = pipeline, pipeline.options
    weight = fit.interest_best_weight or 1.0
    if fit.interest_model is None:  # use="blend"
        return [(f"{LIST_MODEL} + scorer (weight {weight}, top {p.rerank_depth})",
                 NextItemPipeline(p.learned, p.items, p.scorer, weight, p.rerank_depth, o), p.interest_weight > 0)]
    return [(f"{LIST_MODEL} + scorer as a feature (top {o.feature_depth})",
             NextItemPipeline(p.learned, p.items, p.scorer, options=o, interest_model=fit.interest_model),
             p.interest_model is not None),
            (f"{LIST_MODEL} + scorer (weight {weight}, top {o.feature_depth})",
             NextItemPipeline(p.learned, p.items, p.scorer, weight, o.feature_depth, o), False)]


def _text_similarity(pipeline: NextItemPipeline, embedder: Embedder, vectors: np.ndarray
                     ) -> Callable[[Sequence[str]], list[str]]:
    """The bundled MiniLM as it ships: the history's text against each item's text, cosine."""
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    ids = pipeline.learned.ids

    def rank(history: Sequence[str]) -> list[str]:
        scores = unit @ embedder.embed([pipeline.context(history)])[0]
        top = np.argpartition(-scores, 10)[:10]
        return [ids[i] for i in sorted(top, key=lambda i: -scores[i])]

    return rank
