"""Full-catalogue next-item evaluation of the recommender and its baselines, fitted on TRAIN only.

Used by ``aisle recommender evaluate --items ITEMS.jsonl --train TRAIN.jsonl --test TEST.jsonl``:
every method ranks the whole catalogue for each test history; a target outside the top k is a miss.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from knowledge.embed import Embedder
from recommender.blend import BlendRanker, BlendWeights, tune_weights
from recommender.cases import EvalItem, NextItemCase
from recommender.metrics import summarize


@dataclass
class EvalReport:
    items: int
    train_cases: int
    test_cases: int
    methods: dict[str, dict[str, float]] = field(default_factory=dict)
    per_case_ms: dict[str, float] = field(default_factory=dict)
    fit_seconds: float = 0.0
    embed_seconds: float = 0.0
    weights: dict[str, float] = field(default_factory=dict)
    tuning_ndcg10: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _run(name: str, rank: Callable[[Sequence[str]], list[str]], cases: Sequence[NextItemCase],
         report: EvalReport, progress: bool) -> None:
    start = time.perf_counter()
    rankings = [(rank(c.history), c.target) for c in tqdm(cases, desc=f"ranking ({name})", disable=not progress)]
    report.per_case_ms[name] = round((time.perf_counter() - start) / max(1, len(cases)) * 1000, 3)
    report.methods[name] = {k: round(v, 4) for k, v in summarize(rankings).items()}


def evaluate(items: Mapping[str, EvalItem], train: Sequence[NextItemCase], test: Sequence[NextItemCase],
             embedder: Embedder, limit: int | None = None, progress: bool = True) -> EvalReport:
    test = list(test)[:limit] if limit else list(test)
    report = EvalReport(items=len(items), train_cases=len(train), test_cases=len(test))
    ids = list(items)
    start = time.perf_counter()
    texts = [items[i].text() for i in ids]
    vectors = np.concatenate([embedder.embed(texts[s : s + 256])
                              for s in tqdm(range(0, len(texts), 256), desc="embedding items", disable=not progress)])
    report.embed_seconds = round(time.perf_counter() - start, 2)

    start = time.perf_counter()
    train_rows = [(c.user_id, c.history, c.target) for c in train]
    brands = [items[i].brand for i in ids]
    weights, tuned = tune_weights(ids, vectors, train_rows, brands=brands)
    ranker = BlendRanker(ids, vectors, weights, brands=brands).fit(train_rows)
    report.fit_seconds = round(time.perf_counter() - start, 2)
    report.weights, report.tuning_ndcg10 = asdict(weights), round(tuned, 4)

    popular = ranker.rank([], 10, BlendWeights(0, 0, 1, 0, 0))
    _run("popularity", lambda h: popular, test, report, progress)
    _run("co-occurrence", lambda h: ranker.rank(h, 10, BlendWeights(1, 0, 0.01, 0, 0)), test, report, progress)
    _run("embedding similarity", lambda h: ranker.rank(h, 10, BlendWeights(0, 1, 0, 0, 0)), test, report, progress)
    _run("full pipeline (blend)", lambda h: ranker.rank(h, 10), test, report, progress)
    return report
