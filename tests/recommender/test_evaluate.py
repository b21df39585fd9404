"""The evaluation command end to end on the synthetic world: the pipeline beats every baseline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.retrieval.embed import HashingEmbedder
from recommender.offline.cases import NextItemCase, load_items
from recommender.offline.evaluate import FULL_PIPELINE, evaluate
from tests.recommender import synthetic


def _write(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    return {"items": _write(tmp_path / "items.jsonl", synthetic.items()),
            "train": _write(tmp_path / "train.jsonl", synthetic.cases(300, seed=1)),
            "test": _write(tmp_path / "test.jsonl", synthetic.cases(80, seed=2))}


def test_report_has_every_method_and_metric(files) -> None:
    items = load_items(files["items"])
    train = [NextItemCase.model_validate(c) for c in synthetic.cases(300, seed=1)]
    test = [NextItemCase.model_validate(c) for c in synthetic.cases(80, seed=2)]
    report = evaluate(items, train, test, HashingEmbedder(), limit=50, progress=False)
    assert report.test_cases == 50 and report.items == len(items)
    assert set(report.methods) == {"popularity", "co-occurrence", "embedding similarity", "MiniLM, not fine-tuned",
                                   "first stage (tuned blend)", FULL_PIPELINE}
    for metrics in report.methods.values():
        assert set(metrics) == {"HR@5", "NDCG@5", "HR@10", "NDCG@10", "cases"}
        assert 0.0 <= metrics["NDCG@10"] <= metrics["HR@10"] <= 1.0
    full = report.methods[FULL_PIPELINE]["NDCG@10"]
    # the world is a chain: the list model must learn "the item after the last one" near-perfectly
    assert full >= 0.9
    assert all(full >= m["NDCG@10"] for m in report.methods.values())
    assert full > report.methods["popularity"]["NDCG@10"] + 0.5
    assert report.per_case_ms[FULL_PIPELINE] > 0
    assert report.fit_seconds["total"] == pytest.approx(sum(v for k, v in report.fit_seconds.items() if k != "total"),
                                                        abs=0.05)
    assert report.scorer_pairs == 0 and report.interest_weight == 0.0  # no scorer asked for


@pytest.mark.slow
def test_cli_prints_json_report(files) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "aisle.cli", "recommender", "evaluate", "--items", str(files["items"]),
         "--train", str(files["train"]), "--test", str(files["test"]), "--limit", "40", "--json"],
        capture_output=True, text=True, env=env, timeout=600, check=False)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["test_cases"] == 40
    assert report["methods"][FULL_PIPELINE]["HR@10"] > report["methods"]["popularity"]["HR@10"]
    # two interest scorers were fine-tuned on TRAIN, one per half of the users (1 positive + 4 hard
    # negatives per case, listwise), each scoring the other half's lists for the list model's new feature
    assert report["scorer_pairs"] > 0 and report["scorer_pairs"] % 5 == 0
    assert report["fit_seconds"]["scorer fine-tune"] > 0 and report["scorer_options"]["use"] == "feature"
    assert "list model (no scorer)" in report["methods"]
    # each way of using it against the list model alone on the same test cases, resampled together
    variants = report["scorer_variants"]
    assert len(variants) == 2 and report["scorer_vs_list_model"] == next(iter(variants.values()))
    for name, gain in variants.items():
        assert gain["method"] == name and name in report["methods"]
        assert gain["cases"] == 40 and gain["resamples"] == 2000 and gain["low"] <= gain["difference"] <= gain["high"]
        assert gain["base"] == pytest.approx(report["methods"]["list model (no scorer)"]["NDCG@10"], abs=1e-4)
    # the pipeline runs the scorer only when its cross-validated gain on TRAIN is clearly above zero
    used = bool(report["interest_feature_gain"] and report["interest_feature_gain"]["low"] > 0)
    chosen = report["scorer_vs_list_model"]["method"] if used else "list model (no scorer)"
    assert report["methods"][FULL_PIPELINE] == report["methods"][chosen]
