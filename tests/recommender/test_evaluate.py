"""The evaluation command end to end on the synthetic world: the pipeline beats every baseline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.embed import HashingEmbedder
from recommender.cases import NextItemCase, load_items
from recommender.evaluate import evaluate
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
    assert set(report.methods) == {"popularity", "co-occurrence", "embedding similarity", "full pipeline (blend)"}
    for metrics in report.methods.values():
        assert set(metrics) == {"HR@5", "NDCG@5", "HR@10", "NDCG@10", "cases"}
        assert 0.0 <= metrics["NDCG@10"] <= metrics["HR@10"] <= 1.0
    full = report.methods["full pipeline (blend)"]["NDCG@10"]
    assert all(full >= m["NDCG@10"] for m in report.methods.values())
    assert full > report.methods["popularity"]["NDCG@10"]
    assert report.per_case_ms["full pipeline (blend)"] > 0


@pytest.mark.slow
def test_cli_prints_json_report(files) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "recommender", "evaluate", "--items", str(files["items"]),
         "--train", str(files["train"]), "--test", str(files["test"]), "--limit", "40", "--json"],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["test_cases"] == 40
    assert report["methods"]["full pipeline (blend)"]["HR@10"] > report["methods"]["popularity"]["HR@10"]


@pytest.mark.slow
def test_cli_rejects_a_malformed_test_file_with_its_line(files, tmp_path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(files["test"].read_text().splitlines()[0] + '\n{"user_id": "u", "history": []}\n')
    out = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "recommender", "evaluate", "--items", str(files["items"]),
         "--train", str(files["train"]), "--test", str(bad)],
        capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 1
    assert "line 2" in out.stderr
