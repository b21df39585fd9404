"""Ranking latency and quality of the chat's interest scorer: PyTorch vs ONNX int8, all vs top-K.

On a bundled store's held-out customers (the cases of ``recommender/store_validation.py``: each
next-item case replayed as a category request, 30 candidates from the chat's own
``gather_candidates``), every variant ranks the same candidates in turn, case by case, so load
hits them alike:

- ``torch, all``: the fine-tuned cross-encoder in PyTorch float32 re-scoring every candidate (before);
- ``onnx-int8, all``: the same model on ONNX Runtime with int8 weights;
- ``onnx-int8, top K``: that, re-scoring only the first stage's top K (the chat's setting);
- ``embedding``: embedding affinity, the cheap scorer the cross-encoder must beat.

Reports p50/p95 ms per ranking (``Ranker.rank``), NDCG@10/HR@10 of the target with the card's
validated weights, the paired bootstrap interval of each variant's NDCG@10 against ``torch, all``,
and how well each agrees with it (Spearman of interest scores over the candidates it scored,
overlap of the top 10).
The store and its scorer are built (and the scorer trained, a few minutes) on the first run.

Run: ``python bench/ranking_latency.py [--store maple-main|kestrel] [--cases N] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("AISLE_CONFIG", "/nonexistent/aisle.toml")  # the bundled store as shipped
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CANDIDATES = 30
TARGET_P50_MS = 50.0


def main() -> int:
    import numpy as np
    from scipy.stats import spearmanr

    from aisle.wiring import Services
    from assistant.config import Settings
    from bench.output import emit, percentiles
    from knowledge.demo_store.simulate import NOW
    from recommender.cross_encoder import CrossEncoderScorer, read_card
    from recommender.metrics import hit_rate_at_k, ndcg_at_k, paired_bootstrap
    from recommender.onnx_scorer import OnnxCrossEncoderScorer
    from recommender.ranker import Ranker, RankerWeights
    from recommender.store_candidates import HistoryCandidates, gather_candidates
    from recommender.store_scorer import (
        CrossEncoderInterestScorer,
        customer_sequences,
        next_item_cases,
        split_customers,
    )
    from recommender.store_training import RESCORE_TOP
    from recommender.store_validation import _as_history, request_for

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default="maple-main", help="bundled sample store")
    parser.add_argument("--cases", type=int, default=150, help="held-out next-item cases to rank")
    parser.add_argument("--top", type=int, default=RESCORE_TOP, help="candidates the top-K variant re-scores")
    parser.add_argument("--data-dir", type=Path, default=None, help="state folder (built when empty)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    data_dir = args.data_dir or REPO / "bench/results/ranking_latency" / args.store
    out = args.out or REPO / f"bench/results/ranking_latency_{args.store}.json"

    services = Services(Settings(data_dir=data_dir, models_dir=REPO / ".aisle" / "models", clock=NOW))
    services.build_demo(progress=False, store=args.store)
    if not services.has_trained_scorer():
        services.train_scorer(progress=False)
    current, scorer_dir = services.current, services.scorer_dir
    card = read_card(scorer_dir)
    validated = card.get("validation", {}).get("results", {}).get("cross-encoder")
    weights = RankerWeights(**validated["weights"]) if validated else RankerWeights()

    # the held-out customers' cases, exactly as the scorer's validation drew them
    events = services.db.events_by_customer()
    training, held_out = split_customers(list(events))
    history_source = HistoryCandidates(list(customer_sequences({c: events[c] for c in training}).values()),
                                       current.product_vectors)
    cases = next_item_cases({c: events[c] for c in held_out})[: args.cases]

    explainer = services.explainer
    onnx = OnnxCrossEncoderScorer(scorer_dir)
    variants = {
        "torch, all": Ranker(CrossEncoderInterestScorer(CrossEncoderScorer(scorer_dir), explainer), weights),
        "onnx-int8, all": Ranker(CrossEncoderInterestScorer(onnx, explainer), weights),
        f"onnx-int8, top {args.top}": Ranker(CrossEncoderInterestScorer(onnx, explainer), weights, args.top),
        "embedding": Ranker(explainer, weights),
    }
    now = datetime.now(UTC)
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    ndcg: dict[str, list[float]] = {name: [] for name in variants}
    hits: dict[str, list[float]] = {name: [] for name in variants}
    spearman: dict[str, list[float]] = {name: [] for name in variants}
    overlap: dict[str, list[float]] = {name: [] for name in variants}
    sizes = []
    warmed = False
    for history_ids, target in cases:
        query, filters = request_for(current.retriever, target)
        history = _as_history(current.retriever, history_ids, now)
        candidates = gather_candidates(current.retriever, query, filters, history, current.popularity,
                                       history_source)[:CANDIDATES]
        if not candidates or not history:
            continue
        if not warmed:  # models load on first use: not part of a ranking's time
            for ranker in variants.values():
                ranker.rank(candidates, history)
            warmed = True
        sizes.append(len(candidates))
        rankings = {}
        for name, ranker in variants.items():
            start = time.perf_counter()
            ranked = ranker.rank(candidates, history)
            seconds[name].append(time.perf_counter() - start)
            rankings[name] = ranked
            ids = [r.product_id for r in ranked]
            ndcg[name].append(ndcg_at_k(ids, target, 10))
            hits[name].append(hit_rate_at_k(ids, target, 10))
        reference = rankings["torch, all"]
        ref_interest = {r.product_id: r.components["interest"] for r in reference}
        ref_top = {r.product_id for r in reference[:10]}
        for name, ranked in rankings.items():
            mine = {r.product_id: r.components["interest"] for r in ranked}
            pids = list(ref_interest)
            if variants[name].rescore_top:  # over the candidates it re-scored (the rest have 0)
                pids = [p for p in pids if mine[p] != 0.0]
            rho = spearmanr([ref_interest[p] for p in pids], [mine[p] for p in pids]).statistic
            spearman[name].append(float(rho) if np.isfinite(rho) else 1.0)
            overlap[name].append(len(ref_top & {r.product_id for r in ranked[:10]}) / max(1, len(ref_top)))

    baseline = seconds["torch, all"]
    result = {
        "benchmark": "ranking_latency", "store": args.store, "cases": len(sizes),
        "candidates_per_ranking": {"mean": round(float(np.mean(sizes)), 1), "max": max(sizes)},
        "scorer": {"trained_at": card.get("trained_at"), "pairs": card.get("pairs"), "backend": onnx.backend},
        "weights": weights.__dict__, "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpu_count": os.cpu_count(), "target_p50_ms": TARGET_P50_MS,
        "variants": {name: {**percentiles(seconds[name], 1),
                            "speedup_p50_vs_torch": round(float(np.median(baseline) / np.median(seconds[name])), 2),
                            "NDCG@10": round(float(np.mean(ndcg[name])), 4), "HR@10": round(float(np.mean(hits[name])), 4),
                            "interest_spearman_vs_torch": round(float(np.mean(spearman[name])), 4),
                            "top10_overlap_vs_torch": round(float(np.mean(overlap[name])), 4),
                            "NDCG@10_vs_torch": paired_bootstrap(ndcg["torch, all"], ndcg[name], resamples=2000)}
                     for name in variants},
    }
    result["target_met_by"] = [n for n, v in result["variants"].items()
                               if v["p50_ms"] <= TARGET_P50_MS and n != "embedding"]
    emit(result, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
