"""Per-stage latency of the turn loop on the demo store, p50/p95 over a fixed set of messages.

Stages: intent detection, filtered retrieval, ranking, the LLM lead's time to first token, and
the whole reply (time to first streamed text and to the final reply). Baselines measured in the
same run: unfiltered retrieval (vs. filtered), cold-start ranking (vs. with history), and the
whole reply with the LLM switched off (deterministic leads only).

Run: ``make bench`` (or ``python bench/latency.py [--rounds N] [--out FILE]``); prints JSON.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.output import percentiles  # noqa: E402  (the repo is on the path only now)

MESSAGES = [
    "running shoes under $80 for flat feet",
    "what about in blue?",
    "noise cancelling headphones",
    "something cheaper",
    "does the first one come in black?",
    "compare the first two",
    "a warm winter jacket for women",
    "I need a gift for my dad who likes cooking",
    "cast iron skillet under $60",
    "dog bed for a large dog",
    "4 person tent",
    "sunscreen for sensitive skin",
    "what is your return policy?",
    "do you ship to Canada?",
    "how long do refunds take?",
    "where is my order?",
    "can I return my last order?",
    "talk to a human",
    "hi there",
    "what's the weather tomorrow?",
]


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _conversation(assistant, customer: str | None) -> tuple[list[float], list[float], list]:
    """Run the fixed messages as one conversation; time to first text and to the full reply."""
    from assistant.reply import PartialText, Reply
    from assistant.session import SessionState

    state = SessionState(customer_id=customer)
    first, full, replies = [], [], []
    for message in MESSAGES:
        start = time.perf_counter()
        t_first = None
        for event in assistant.stream(state, message):
            if t_first is None and isinstance(event, PartialText):
                t_first = time.perf_counter() - start
            if isinstance(event, Reply):
                replies.append(event)
        full.append(time.perf_counter() - start)
        first.append(t_first if t_first is not None else full[-1])
    return first, full, replies


def run(rounds: int) -> dict:
    from aisle.wiring import Services
    from assistant.config import Settings
    from knowledge.retrieval.filters import ProductFilter
    from recommender.types import Candidate

    services = Services(Settings())
    if not services.is_built():
        sys.exit("no store built: run `make demo` (or `aisle demo`) first")
    services.warm_up()
    assistant = services.current.assistant
    retriever, ranker = services.current.retriever, services.current.ranker
    history = services.current.history("C001")
    stages: dict[str, list[float]] = {k: [] for k in (
        "intent", "retrieval_filtered", "retrieval_unfiltered", "ranking_history", "ranking_cold",
        "llm_lead_first_token", "reply_first_text", "reply_full", "reply_full_no_llm")}
    flt = ProductFilter(category="shoes", max_price=80.0, in_stock_only=True)
    leads = {"llm_used": 0, "rejected": 0}  # LLM leads shown vs. replaced by the verifier
    for _ in range(rounds):
        for message in MESSAGES:
            stages["intent"].append(_time(lambda m=message: services.intent_classifier.predict(m)))
            stages["retrieval_filtered"].append(_time(lambda m=message: retriever.search_products(m, flt, 30)))
            stages["retrieval_unfiltered"].append(_time(lambda m=message: retriever.search_products(m, None, 30)))
            hits = retriever.search_products(message, None, 30)
            cands = [Candidate(h.product.id, h.product.title, h.product.search_text(), h.score) for h in hits]
            stages["ranking_history"].append(_time(lambda c=cands: ranker.rank(c, history)))
            stages["ranking_cold"].append(_time(lambda c=cands: ranker.rank(c, [])))
        for message in MESSAGES[:8]:
            draft = services.current.assistant.products.search(_state(), message)
            start = time.perf_counter()
            for _item in assistant.writer.lead(draft, message):
                stages["llm_lead_first_token"].append(time.perf_counter() - start)
                break
        first, full, replies = _conversation(assistant, "C001")
        stages["reply_first_text"] += first
        stages["reply_full"] += full
        leads["llm_used"] += sum(1 for r in replies if not r.used_fallback and not r.problems)
        leads["rejected"] += sum(1 for r in replies if r.problems)
        llm, assistant.writer.llm = assistant.writer.llm, None  # baseline: deterministic leads only
        try:
            stages["reply_full_no_llm"] += _conversation(assistant, "C001")[1]
        finally:
            assistant.writer.llm = llm
    summary = {k: percentiles(v) for k, v in stages.items() if v}

    def ratio(a: str, b: str) -> float:
        return round(summary[a]["p50_ms"] / max(summary[b]["p50_ms"], 1e-6), 3)

    return {
        "benchmark": "latency",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "llm": services.llm.name},
        "messages": len(MESSAGES), "rounds": rounds, "stages": summary,
        "llm_leads": {**leads, "acceptance": round(leads["llm_used"] / max(1, leads["llm_used"] + leads["rejected"]), 3)},
        "ratios_p50": {
            "retrieval_filtered_vs_unfiltered": ratio("retrieval_filtered", "retrieval_unfiltered"),
            "ranking_history_vs_cold_start": ratio("ranking_history", "ranking_cold"),
            "reply_full_with_llm_vs_without": ratio("reply_full", "reply_full_no_llm"),
            "reply_first_text_vs_full": ratio("reply_first_text", "reply_full"),
        },
    }


def _state():
    from assistant.session import SessionState

    return SessionState(customer_id="C001")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("bench/results/latency.json"))
    args = parser.parse_args()
    from bench.output import emit

    emit(run(args.rounds), args.out)


if __name__ == "__main__":
    main()
