"""How well the assistant reads messy shopper messages: today's pipeline against the default settings.

The judged set (``bench/data/understanding.jsonl``, checked by ``tests/bench/test_understanding_set.py``)
holds shopper messages on both sample stores with typos, slang prices, negation, comparatives,
superlatives, references across turns, multi-part questions and things the store does not carry.
Each case is replayed through the real assistant of a freshly built store (its context messages
first, then the message, in a new ``SessionState``) twice: with every ``[understanding]`` part off
(today's pipeline, the baseline) and with the default settings. Per split, store and phenomenon:

- **intent accuracy**: the reply's intent against the judged one;
- **filter precision / recall / F1**: (field, value) pairs of ``state.constraints.filter`` after the
  message against the judged filters, micro-averaged. Read tolerantly (an exclusion field the code does
  not have yet reads as empty) and in one canonical form: product types that cover their whole category
  read as the category, a category implied by the product types is dropped;
- **NDCG@4** of the shown cards (``reply.product_ids``) against the judged relevant products, and the
  **irrelevant card rate** (shown cards not judged relevant over all shown cards), both over product
  requests with something relevant; **cards on not-carried requests** (requests nothing in the store
  answers that still showed cards); **superlatives answered first** (the best item is the first card).

The LLM only phrases the lead, which none of these read, so it is off unless ``--llm`` (the run is ~10×
faster). Ranking uses embedding affinity (the bench's stores train no interest scorer). Prints JSON;
``make bench`` runs it. ``--split``, ``--limit`` and ``--store`` cut the run down. ``heldout_unseen``
repeats the held-out figures on the cases of the latest round (``LATEST_ROUND``).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.data.judge_understanding import CASES, load_cases  # noqa: E402

if TYPE_CHECKING:
    from aisle.wiring import Services
    from assistant.chat import Assistant
    from knowledge.catalog import Catalog

BASELINE = {"spelling": False, "exclusions": False, "attribute_filters": False, "comparatives": False,
            "not_carried": False, "qualifiers": False, "relevance_floor": 0.0, "term_coverage": False}
GOALS = {"filter_f1": ">= 0.95", "intent_accuracy": ">= 0.95", "irrelevant_card_rate": "<= 0.02"}
# Cases marked ``"round": 3`` were written after the earlier held-out failures had been read and fixed:
# their held-out half (``heldout_unseen``) is the figure no fix has looked at.
LATEST_ROUND = 3
SHOWN = 4  # cards a reply shows by default (``[retrieval] products_shown``): NDCG@4
SCALARS = ("category", "brand", "color", "size", "min_price", "max_price", "in_stock_only")
LISTS = ("subcategories", "exclude_brands", "exclude_colors", "exclude_materials", "exclude_categories")
Pair = tuple[str, str]


@dataclass(frozen=True)
class Outcome:
    """What the assistant did with one case's message."""

    intent: str
    filters: frozenset[Pair]
    shown: tuple[str, ...]


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"{float(value):.2f}"
    return str(value).strip().lower()


def filter_pairs(values: Mapping[str, Any], catalog: Catalog) -> frozenset[Pair]:
    """(field, value) pairs of a filter, canonical: product types that make up their whole category read as the
    category; a category its product types already imply is dropped. Empty values are no pairs."""
    category = values.get("category")
    subcategories = {s for s in values.get("subcategories") or () if s}
    if category and subcategories:
        of_category = {p.subcategory for p in catalog if p.category == category}
        if subcategories == of_category:
            subcategories = set()
        elif subcategories <= of_category:
            category = None
    pairs = {("subcategories", _value(s)) for s in subcategories}
    for name in LISTS[1:]:
        pairs |= {(name, _value(v)) for v in values.get(name) or ()}
    for name in SCALARS:
        value = category if name == "category" else values.get(name)
        if value not in (None, "", False):
            pairs.add((name, _value(value)))
    return frozenset(pairs)


def read_filter(flt: object) -> dict[str, Any]:
    """The session filter's fields by name; a field it does not have (yet) reads as empty."""
    return {name: getattr(flt, name, None) for name in (*SCALARS, *LISTS)}


def ndcg(shown: Sequence[str], relevant: Iterable[str], k: int = SHOWN) -> float:
    """Binary NDCG@k of the shown ids against the relevant ones."""
    wanted = set(relevant)
    dcg = sum(1 / math.log2(i + 2) for i, pid in enumerate(shown[:k]) if pid in wanted)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(wanted))))
    return dcg / ideal if ideal else 0.0


def replay(assistant: Assistant, case: Mapping[str, Any], catalog: Catalog) -> Outcome:
    """Run a case's context and message in a fresh session; what the last reply did."""
    from assistant.session import SessionState

    state = SessionState(session_id=f"understanding-{case['id']}")
    for text in case["context"]:
        assistant.respond(state, text)
    reply = assistant.respond(state, case["message"])
    return Outcome(reply.intent, filter_pairs(read_filter(state.constraints.filter), catalog), tuple(reply.product_ids))


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def score(cases: Sequence[Mapping[str, Any]], outcomes: Mapping[str, Outcome], catalog_of: Mapping[str, Catalog]) -> dict:
    """The metrics of one pipeline over ``cases``."""
    right = tp = fp = fn = exact = 0
    ndcgs: list[float] = []
    shown_cards = irrelevant = 0
    not_carried = not_carried_with_cards = superlatives = first_right = 0
    for case in cases:
        out = outcomes[case["id"]]
        expected = filter_pairs(case["filters"], catalog_of[case["store"]])
        right += out.intent == case["intent"]
        tp += len(out.filters & expected)
        fp += len(out.filters - expected)
        fn += len(expected - out.filters)
        exact += out.filters == expected
        if "relevant" not in case:
            continue
        relevant = case["relevant"]
        if not relevant:
            not_carried += 1
            not_carried_with_cards += bool(out.shown)
            continue
        ndcgs.append(ndcg(out.shown, relevant))
        shown_cards += len(out.shown)
        irrelevant += sum(pid not in relevant for pid in out.shown)
        if case["criteria"].get("sort"):
            superlatives += 1
            first_right += bool(out.shown) and out.shown[0] == relevant[0]
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    return {"cases": len(cases), "intent_accuracy": _ratio(right, len(cases)),
            "filter_precision": precision, "filter_recall": recall, "filter_f1": f1,
            "filter_exact": _ratio(exact, len(cases)),
            "product_requests": len(ndcgs), "ndcg@4": _ratio(sum(ndcgs), len(ndcgs)),
            "irrelevant_card_rate": _ratio(irrelevant, shown_cards), "cards_shown": shown_cards,
            "not_carried_requests": not_carried,
            "not_carried_with_cards_rate": _ratio(not_carried_with_cards, not_carried),
            "superlatives": superlatives, "superlative_first_right": _ratio(first_right, superlatives)}


def compare(cases: Sequence[Mapping[str, Any]], runs: Mapping[str, Mapping[str, Outcome]],
            catalog_of: Mapping[str, Catalog]) -> dict:
    """Both pipelines side by side over ``cases``, with the ratios new / current."""
    current, new = (score(cases, runs[name], catalog_of) for name in ("current", "new"))
    ratios = {k: round(new[k] / current[k], 3) for k in ("intent_accuracy", "filter_f1", "ndcg@4", "irrelevant_card_rate")
              if isinstance(current[k], float) and current[k] and new[k] is not None}
    return {"current": current, "new": new, "new_vs_current": ratios}


def breakdown(cases: Sequence[Mapping[str, Any]], runs: Mapping[str, Mapping[str, Outcome]],
              catalog_of: Mapping[str, Catalog]) -> dict:
    """``compare`` per split, per store and, on the held-out half, per phenomenon."""
    splits = {"heldout": [c for c in cases if c["split"] == "heldout"], "dev": [c for c in cases if c["split"] == "dev"]}
    out: dict[str, Any] = {name: compare(subset, runs, catalog_of) for name, subset in splits.items() if subset}
    fresh = [c for c in splits["heldout"] if c.get("round") == LATEST_ROUND]
    if fresh:  # written after the pipeline's last tuning round: no one has looked at these
        out["heldout_unseen"] = compare(fresh, runs, catalog_of)
    out["by_store_heldout"] = {store: compare([c for c in splits["heldout"] if c["store"] == store], runs, catalog_of)
                               for store in sorted({c["store"] for c in splits["heldout"]})}
    phenomena: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for case in splits["heldout"]:
        for tag in case["phenomena"]:
            phenomena[tag].append(case)
    out["by_phenomenon_heldout"] = {
        tag: {name: {k: score(subset, runs[name], catalog_of)[k] for k in
                     ("cases", "intent_accuracy", "filter_f1", "ndcg@4", "irrelevant_card_rate")} for name in ("current", "new")}
        for tag, subset in sorted(phenomena.items())}
    return out


def worst(cases: Sequence[Mapping[str, Any]], outcomes: Mapping[str, Outcome], catalog_of: Mapping[str, Catalog],
          n: int = 8) -> list[dict]:
    """The cases the pipeline got most wrong: a wrong intent, filter pairs missed or extra, irrelevant cards."""
    rows = []
    for case in cases:
        out = outcomes[case["id"]]
        expected = filter_pairs(case["filters"], catalog_of[case["store"]])
        relevant = set(case.get("relevant") or ())
        wrong_cards = [pid for pid in out.shown if pid not in relevant] if "relevant" in case else []
        badness = 2 * (out.intent != case["intent"]) + len(out.filters ^ expected) + len(wrong_cards) / SHOWN
        if badness:
            rows.append((badness, {"id": case["id"], "store": case["store"], "context": case["context"],
                                   "message": case["message"], "intent": [case["intent"], out.intent],
                                   "filters_missed": sorted(expected - out.filters),
                                   "filters_extra": sorted(out.filters - expected), "irrelevant_cards": wrong_cards}))
    return [row for _, row in sorted(rows, key=lambda r: -r[0])[:n]]


@contextmanager
def pipeline(services: Services, understanding: Mapping[str, Any] | None, llm: bool = False) -> Iterator[Assistant]:
    """The store's assistant built with these ``[understanding]`` settings (None: the defaults); the services'
    own settings are back when the block ends."""
    from assistant.config import UnderstandingSettings

    saved = services.settings
    services.settings = saved.model_copy(update={"understanding": UnderstandingSettings(**(understanding or {}))})
    services.reload()
    try:
        assistant = services.current.assistant
        if not llm:
            assistant.writer.llm = None  # deterministic leads: the lead is not measured
        yield assistant
    finally:
        services.settings = saved
        services.reload()


def run_store(services: Services, cases: Sequence[Mapping[str, Any]], llm: bool = False) -> dict[str, dict[str, Outcome]]:
    """Each case's outcome with today's pipeline ("current") and with the default settings ("new")."""
    runs: dict[str, dict[str, Outcome]] = {}
    for name, understanding in (("current", BASELINE), ("new", None)):
        with pipeline(services, understanding, llm) as assistant:
            catalog = services.current.catalog
            runs[name] = {case["id"]: replay(assistant, case, catalog) for case in cases}
    return runs


def select(cases: list[dict[str, Any]], split: str, limit: int | None, stores: Sequence[str]) -> list[dict[str, Any]]:
    """The cases of ``split`` ("all": both) and ``stores``, at most ``limit`` per store (spread over the file)."""
    chosen = []
    for store in stores:
        mine = [c for c in cases if c["store"] == store and split in ("all", c["split"])]
        if limit and limit < len(mine):
            mine = [mine[round(i * len(mine) / limit)] for i in range(limit)]
        chosen += mine
    return chosen


def report(cases: Sequence[Mapping[str, Any]], runs: Mapping[str, Mapping[str, Outcome]],
           catalog_of: Mapping[str, Catalog], seconds: Mapping[str, float]) -> dict[str, Any]:
    return {"benchmark": "understanding of messy shopper messages",
            "pipelines": {"current": {"understanding": BASELINE}, "new": {"understanding": "default settings"}},
            "goals": GOALS, "cases": len(cases), "seconds": dict(seconds),
            **breakdown(cases, runs, catalog_of),
            "worst_heldout": {name: worst([c for c in cases if c["split"] == "heldout"], runs[name], catalog_of)
                              for name in ("current", "new")}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("all", "dev", "heldout"), default="all")
    parser.add_argument("--limit", type=int, default=None, help="at most N cases per store")
    parser.add_argument("--store", choices=("both", "maple-main", "kestrel"), default="both")
    parser.add_argument("--llm", action="store_true", help="let the LLM write the leads (slower; not measured)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 is fastest on a busy 2-core box)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "understanding.json")
    args = parser.parse_args()
    from bench.output import emit

    models = REPO / ".aisle" / "models"
    if not CASES.exists() or not models.exists():
        print('{"benchmark": "understanding", "skipped": "the judged set or the bundled models (make demo) are absent"}')
        return 0
    import torch

    from aisle.wiring import Services
    from assistant.config import Settings
    from knowledge.demo_store.simulate import NOW

    if args.threads:
        torch.set_num_threads(args.threads)
    stores = ("maple-main", "kestrel") if args.store == "both" else (args.store,)
    cases = select(load_cases(), args.split, args.limit, stores)
    runs: dict[str, dict[str, Outcome]] = {"current": {}, "new": {}}
    catalogs: dict[str, Catalog] = {}
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        shared: Services | None = None
        for store in stores:
            started = time.perf_counter()
            services = Services(Settings(data_dir=Path(tmp) / store, models_dir=models, clock=NOW))
            if shared is not None:
                services.__dict__["embedder"], services.__dict__["llm"] = shared.embedder, shared.llm
            services.build_demo(progress=False, store=store)
            shared = shared or services
            seconds[f"{store} build"] = round(time.perf_counter() - started, 1)
            started = time.perf_counter()
            mine = [c for c in cases if c["store"] == store]
            for name, outcomes in run_store(services, mine, args.llm).items():
                runs[name].update(outcomes)
            catalogs[store] = services.current.catalog
            seconds[f"{store} replay ({len(mine)} cases × 2 pipelines)"] = round(time.perf_counter() - started, 1)
    emit(report(cases, runs, catalogs, seconds), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
