"""Product search quality on the demo catalog: BM25 only, dense only and hybrid (RRF), one run.

The judged set (``bench/data/judged_queries.jsonl``) holds shopper queries written by reading the
catalog, each with graded relevance 0–3 and, for some, the session filters the chat would apply.
Queries alternate between a ``tune`` and a ``test`` half. The fusion settings (RRF k, BM25 weight)
are chosen by NDCG@10 on the tune half only; the report gives every method on tune, test and all,
with hybrid at the settings the product uses (``knowledge.retrieval.search.RRF_K``/``BM25_WEIGHT``) and at
the tune half's best. NDCG@10 and Recall@50 are computed by ``ranx``. Latency: p50/p95 of one
search (k = 30, the chat's candidate count) per query, with the query embedded ("cold") and with its
vector cached ("warm"); BM25 index load and build times.

Run: ``make bench`` (or ``python bench/retrieval_quality.py [--data-dir .aisle] [--out FILE]``); prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

JUDGED = REPO / "bench" / "data" / "judged_queries.jsonl"
DEPTH = 50  # each retriever's list (and the fused list) is cut at 50: Recall@50
METRICS = ["ndcg@10", "recall@50"]
GRID_K = [1, 5, 10, 20, 40, 60, 100]
GRID_WEIGHT = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0]


def load_judged(path: Path = JUDGED) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _run_dict(ranked: list[str]) -> dict[str, float]:
    """A ranked list as ranx scores (strictly decreasing, so ranx keeps our order)."""
    return {pid: float(len(ranked) - i) for i, pid in enumerate(ranked)} or {"__none__": 0.0}


def evaluate(queries: list[dict[str, Any]], runs: dict[str, list[str]]) -> dict[str, float]:
    from ranx import Qrels, Run
    from ranx import evaluate as ranx_evaluate

    qrels = Qrels({q["id"]: {pid: int(g) for pid, g in q["relevance"].items()} for q in queries})
    run = Run({q["id"]: _run_dict(runs[q["id"]]) for q in queries})
    scores = ranx_evaluate(qrels, run, METRICS, make_comparable=True)
    return {m: round(float(scores[m]), 4) for m in METRICS}


def _pct(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p95_ms": round(p95 * 1000, 2), "n": len(ordered)}


def _ms(fn: Any, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 2)


def run(data_dir: Path, threads: int = 0) -> dict[str, Any]:
    import torch

    from aisle.wiring import Services
    from assistant.config import Settings
    from knowledge.retrieval import search
    from knowledge.retrieval.filters import ProductFilter
    from knowledge.retrieval.lexical import LexicalIndex
    from knowledge.retrieval.search import product_record, rrf

    if threads:
        torch.set_num_threads(threads)
    services = Services(Settings(data_dir=data_dir))
    if not services.is_built():
        sys.exit(f"no store built in {data_dir}: run `make demo` (or `aisle demo`) first")
    services.current.lexical  # noqa: B018 - load (or build and save) the BM25 index
    records = [product_record(p) for p in services.current.catalog]
    bm25_ms = {"load": _ms(lambda: LexicalIndex.load(services.lexical_path)),
               "build": _ms(lambda: LexicalIndex.build(records), 3)}
    retriever = services.current.retriever
    queries = load_judged()
    filters = {q["id"]: ProductFilter(**q.get("filters", {})) for q in queries}

    dense = {q["id"]: list(retriever.dense_ids(q["query"], filters[q["id"]], DEPTH)) for q in queries}
    bm25 = {q["id"]: list(retriever.bm25_ids(q["query"], filters[q["id"]], DEPTH)) for q in queries}

    def fused(k: float, weight: float) -> dict[str, list[str]]:
        return {qid: list(rrf([dense[qid], bm25[qid]], k, [1.0, weight]))[:DEPTH] for qid in dense}

    splits = {"tune": [q for q in queries if q["split"] == "tune"], "test": [q for q in queries if q["split"] == "test"],
              "all": queries}
    grid = []
    for k in GRID_K:
        for weight in GRID_WEIGHT:
            grid.append({"rrf_k": k, "bm25_weight": weight, **evaluate(splits["tune"], fused(k, weight))})
    best = max(grid, key=lambda g: (g["ndcg@10"], g["recall@50"]))
    production = {qid: [h.product.id for h in retriever.search_products(q["query"], filters[qid], DEPTH, "hybrid")]
                  for q in queries if (qid := q["id"])}
    methods = {"bm25": bm25, "dense": dense, "hybrid": production,
               "hybrid_tune_best": fused(best["rrf_k"], best["bm25_weight"])}
    results = {name: {split: evaluate(qs, runs) for split, qs in splits.items()} for name, runs in methods.items()}
    by_kind: dict[str, dict[str, float]] = {}
    for kind in sorted({q["kind"] for q in queries}):
        subset = [q for q in queries if q["kind"] == kind]
        by_kind[kind] = {"queries": len(subset), **{name: evaluate(subset, methods[name])["ndcg@10"]
                                                    for name in ("bm25", "dense", "hybrid")}}

    # latency of one search (k = 30): "cold" embeds the query (a turn's first search), "warm" reuses its
    # vector (the relaxed searches and relevance look-ups later in the same turn)
    latency: dict[str, list[float]] = {f"{mode}_{t}": [] for t in ("cold", "warm") for mode in ("dense", "bm25", "hybrid")}
    for q in queries:
        for mode in ("dense", "bm25", "hybrid"):
            for temp in ("cold", "warm"):
                if temp == "cold":
                    services.index._query_vectors.clear()
                t0 = time.perf_counter()
                retriever.search_products(q["query"], filters[q["id"]], 30, mode)  # type: ignore[arg-type]
                latency[f"{mode}_{temp}"].append(time.perf_counter() - t0)
    lat = {name: _pct(v) for name, v in latency.items()}
    hybrid_all, dense_all, bm25_all = (results[m]["all"] for m in ("hybrid", "dense", "bm25"))
    return {
        "benchmark": "retrieval_quality",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "torch_threads": torch.get_num_threads()},
        "catalog_products": len(services.current.catalog),
        "queries": {name: len(qs) for name, qs in splits.items()},
        "judged_file": str(JUDGED.relative_to(REPO)),
        "settings": {"production": {"rrf_k": search.RRF_K, "bm25_weight": search.BM25_WEIGHT,
                                    "depth": retriever.depth},
                     "tune_best": {"rrf_k": best["rrf_k"], "bm25_weight": best["bm25_weight"]},
                     "chosen_on": "tune half, NDCG@10 (ties: Recall@50)"},
        "results": results,
        "ndcg10_by_kind": by_kind,
        "hybrid_beats_both_on_all": hybrid_all["ndcg@10"] > max(dense_all["ndcg@10"], bm25_all["ndcg@10"])
        and hybrid_all["recall@50"] >= max(dense_all["recall@50"], bm25_all["recall@50"]),
        "grid_tune": grid,
        "latency_k30": lat,
        "latency_hybrid_vs_dense_p50": {t: round(lat[f"hybrid_{t}"]["p50_ms"] / max(lat[f"dense_{t}"]["p50_ms"], 1e-6), 3)
                                        for t in ("cold", "warm")},
        "bm25_index_ms": bm25_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(".aisle"))
    parser.add_argument("--out", type=Path, default=Path("bench/results/retrieval_quality.json"))
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads for the query embedding; 0 = default")
    args = parser.parse_args()
    from bench.output import emit

    emit(run(args.data_dir, args.threads), args.out)


if __name__ == "__main__":
    main()
