"""The understanding benchmark's judged set is valid: enough cases on both stores and both halves, every
phenomenon of issue 17 in both halves and both stores, filters in each store's own words, relevant ids that
exist and that the judging script re-derives from the criteria, real intent names. And the benchmark's
evaluation runs on a few cases of each store with the real assistant."""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest

from assistant.intents.classifier import Intent
from bench.data.judge_understanding import (
    CATALOGS,
    CRITERIA_KEYS,
    assign_splits,
    judge,
    load_cases,
    load_catalog,
)
from knowledge.catalog import Catalog

ISSUE_PHENOMENA = ("typo", "slang_price", "negation", "comparative", "superlative", "reference", "multi_part",
                   "not_carried")
FILTER_FIELDS = {"category", "subcategories", "brand", "color", "size", "min_price", "max_price", "in_stock_only",
                 "exclude_brands", "exclude_colors", "exclude_materials", "exclude_categories"}
CASES = load_cases()


@cache
def catalog(store: str) -> Catalog:
    return Catalog(load_catalog(store))


@cache
def materials(store: str) -> str:
    """Every product's material and upper, lower case: where an excluded material must occur."""
    return " ".join(str(p.attributes.get(name, "")) for p in catalog(store) for name in ("material", "upper")).lower()


def test_the_set_is_large_and_covers_both_stores_splits_and_phenomena() -> None:
    assert len(CASES) >= 200
    assert len({c["id"] for c in CASES}) == len(CASES)
    stores = Counter(c["store"] for c in CASES)
    assert set(stores) == set(CATALOGS) and min(stores.values()) >= 0.3 * len(CASES)
    assert set(Counter(c["split"] for c in CASES)) == {"dev", "heldout"}
    for phenomenon in ISSUE_PHENOMENA:
        tagged = [c for c in CASES if phenomenon in c["phenomena"]]
        assert {c["split"] for c in tagged} == {"dev", "heldout"}, phenomenon
        assert {c["store"] for c in tagged} == set(CATALOGS), phenomenon


def test_each_case_is_well_formed_with_a_real_intent() -> None:
    intents = {i.value for i in Intent}
    for case in CASES:
        assert case["message"].strip() and case["store"] in CATALOGS, case["id"]
        assert case["intent"] in intents, case["id"]
        assert isinstance(case["context"], list) and all(isinstance(t, str) and t for t in case["context"])
        assert set(case["filters"]) <= FILTER_FIELDS, case["id"]
        if "reference" in case["phenomena"]:
            assert case["context"], (case["id"], "a reference needs earlier messages that show products")
        if case["intent"] == "product_search":
            assert "criteria" in case and "relevant" in case, case["id"]
            assert set(case["criteria"]) <= CRITERIA_KEYS, case["id"]
        else:
            assert "relevant" not in case, case["id"]


def test_filters_use_each_stores_own_words() -> None:
    for case in CASES:
        words, f = catalog(case["store"]), case["filters"]
        assert f.get("category") in (None, *words.categories), case["id"]
        assert set(f.get("subcategories", ())) <= set(words.subcategories), case["id"]
        assert set(f.get("exclude_categories", ())) <= set(words.categories), case["id"]
        assert {b for b in [f.get("brand"), *f.get("exclude_brands", ())] if b} <= set(words.brands), case["id"]
        assert {c for c in [f.get("color"), *f.get("exclude_colors", ())] if c} <= set(words.colors), case["id"]
        assert all(m in materials(case["store"]) for m in f.get("exclude_materials", ())), case["id"]
        for bound in ("min_price", "max_price"):
            assert bound not in f or f[bound] > 0, case["id"]


def test_relevant_ids_exist_and_are_what_the_criteria_derive() -> None:
    catalogs = {store: load_catalog(store) for store in CATALOGS}
    for case in CASES:
        if "relevant" not in case:
            continue
        assert set(case["relevant"]) <= {p.id for p in catalogs[case["store"]]}, case["id"]
        assert case["relevant"] == judge(case["criteria"], catalogs[case["store"]]), (case["id"], "re-freeze: "
                                                                                        "judge_understanding.py --write")
        if "not_carried" in case["phenomena"]:
            assert case["relevant"] == [], case["id"]
    assert {c["id"]: c["split"] for c in CASES} == assign_splits(CASES)
    carried = [c for c in CASES if c.get("relevant")]
    assert len(carried) >= 150


@pytest.mark.slow
def test_the_evaluation_runs_on_both_stores(services, kestrel) -> None:
    from bench.understanding import report, run_store

    picked = [c for store in CATALOGS for split in ("dev", "heldout")
              for c in [c for c in CASES if c["store"] == store and c["split"] == split][:2]]
    runs: dict = {"current": {}, "new": {}}
    catalogs = {}
    for store, built in (("maple-main", services), ("kestrel", kestrel)):
        for name, outcomes in run_store(built, [c for c in picked if c["store"] == store]).items():
            runs[name].update(outcomes)
        catalogs[store] = built.current.catalog
    result = report(picked, runs, catalogs, {})
    assert result["cases"] == len(picked) == 8
    for split in ("heldout", "dev"):
        for name in ("current", "new"):
            metrics = result[split][name]
            assert metrics["cases"] == 4
            for key in ("intent_accuracy", "filter_precision", "filter_recall", "filter_f1", "ndcg@4",
                        "irrelevant_card_rate", "not_carried_with_cards_rate", "superlative_first_right"):
                assert metrics[key] is None or 0.0 <= metrics[key] <= 1.0, (split, name, key)
            assert metrics["intent_accuracy"] is not None
    assert set(result["by_store_heldout"]) == set(CATALOGS)
    assert result["by_phenomenon_heldout"] and set(result["worst_heldout"]) == {"current", "new"}
