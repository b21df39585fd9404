"""Validation of the chat's ranking on the store's own held-out customers, and the choice it makes.

Each held-out next-item case becomes a chat request: the shopper asks for the target's category
("shoes", category filter set: broad enough that the request alone cannot pick the item), candidates come from the same
``gather_candidates`` as the chat, and each interest scorer ranks them with blend weights
grid-searched on these cases (interest and popularity against a fixed relevance weight). NDCG@10 of the target decides which scorer the chat uses (the
fine-tuned cross-encoder only if it is at least as good as embedding affinity) and with which weights.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from knowledge.retrieval.filters import ProductFilter
from knowledge.retrieval.search import Retriever
from recommender.metrics import hit_rate_at_k, ndcg_at_k
from recommender.ranker import RankerWeights
from recommender.scorer import InterestScorer
from recommender.store_candidates import HistoryCandidates, gather_candidates
from recommender.types import HistoryItem

# Relevance keeps its default weight: broad validation requests cannot measure how much a specific
# request ("trail shoes for flat feet") should count. Interest and popularity are tuned against it.
GRID = {"relevance": (0.6,), "interest": (0.0, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2),
        "popularity": (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)}


@dataclass
class ScorerResult:
    weights: dict[str, float]
    ndcg10: float
    hr10: float


@dataclass
class StoreValidation:
    cases: int
    results: dict[str, ScorerResult] = field(default_factory=dict)
    chosen: str = ""
    rescore_top: int | None = None  # the scorer saw only the first stage's top N (None: every candidate)
    validated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def request_for(retriever: Retriever, target: str) -> tuple[str, ProductFilter]:
    """A request a shopper heading for ``target`` could type: its category, as a filter too."""
    product = retriever.catalog.get(target)
    assert product is not None
    return product.category, ProductFilter(category=product.category)


def _as_history(retriever: Retriever, ids: Sequence[str], now: datetime) -> list[HistoryItem]:
    items = []
    for pid in reversed(ids):  # newest first, as the chat passes it
        product = retriever.catalog.get(pid)
        if product is not None:
            items.append(HistoryItem(pid, product.title, product.search_text(), "click", now))
    return items


def validate(cases: Sequence[tuple[Sequence[str], str]], retriever: Retriever, scorers: Mapping[str, InterestScorer],
             popularity: Mapping[str, float], history_candidates: HistoryCandidates | None,
             prefer_order: Sequence[str] = (), progress: bool = True, rescore_top: int | None = None,
             on_step: Callable[[str, int, int], None] | None = None) -> StoreValidation:
    """NDCG@10 / HR@10 of each scorer with its best blend weights; ``chosen`` is the best scorer,
    ties going to the earliest name in ``prefer_order`` (the cheaper one). ``rescore_top``: interest
    counts only for the first stage's top candidates, as in ``Ranker(rescore_top=...)``.
    ``on_step("validating", cases done, cases)`` as it goes."""
    now = datetime.now(UTC)
    rows: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray, int | None]]] = {name: [] for name in scorers}
    for done, (history_ids, target) in enumerate(tqdm(cases, desc="validating the ranking", disable=not progress)):
        if on_step is not None:
            on_step("validating", done, len(cases))
        query, filters = request_for(retriever, target)
        history = _as_history(retriever, history_ids, now)
        candidates = gather_candidates(retriever, query, filters, history, popularity, history_candidates)
        if not candidates:
            continue
        where = next((i for i, c in enumerate(candidates) if c.product_id == target), None)
        relevance = np.array([c.relevance for c in candidates], dtype=np.float32)
        pop = np.array([c.popularity for c in candidates], dtype=np.float32)
        for name, scorer in scorers.items():
            interest = np.array(scorer.score(history, candidates).scores, dtype=np.float32)
            rows[name].append((relevance, interest, pop, where))
    if on_step is not None:
        on_step("validating", len(cases), len(cases))
    report = StoreValidation(cases=len(next(iter(rows.values()), [])), rescore_top=rescore_top)
    for name, scored in rows.items():
        best: ScorerResult | None = None
        for r, i, p in itertools.product(GRID["relevance"], GRID["interest"], GRID["popularity"]):
            ndcg = hr = 0.0
            for relevance, interest, pop, where in scored:
                if where is None:
                    continue
                base = r * relevance + p * pop
                ranked = [str(j) for j in np.argsort(-(base + i * rescored(base, interest, rescore_top)), kind="stable")]
                ndcg += ndcg_at_k(ranked, str(where), 10)
                hr += hit_rate_at_k(ranked, str(where), 10)
            n = max(1, len(scored))
            if best is None or ndcg / n > best.ndcg10:
                best = ScorerResult({"relevance": r, "interest": i, "popularity": p}, round(ndcg / n, 4), round(hr / n, 4))
        if best is not None:
            report.results[name] = best
    order = {name: i for i, name in enumerate(prefer_order)}
    if report.results:
        report.chosen = max(report.results, key=lambda n: (report.results[n].ndcg10, -order.get(n, len(order))))
    return report


def rescored(base: np.ndarray, interest: np.ndarray, top: int | None) -> np.ndarray:
    """``interest`` where the scorer ranks (the ``top`` best by ``base``), 0 elsewhere."""
    if top is None or len(base) <= top:
        return interest
    kept = np.zeros_like(interest)
    first = np.argsort(-base, kind="stable")[:top]
    kept[first] = interest[first]
    return kept


def chosen_rescore_top(validation: Mapping[str, Any] | None) -> int | None:
    """How many candidates the validated ranking let the scorer see (None: all; older cards)."""
    return (validation or {}).get("rescore_top")


def chosen_weights(validation: Mapping[str, Any] | None) -> tuple[str, RankerWeights] | None:
    """(scorer name, weights) recorded by a validation, if any."""
    if not validation or not validation.get("chosen"):
        return None
    name = validation["chosen"]
    return name, RankerWeights(**validation["results"][name]["weights"])
