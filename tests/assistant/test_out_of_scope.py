"""Intent files without out-of-scope rows: Aisle's bundled out-of-scope messages stand in for them.

Fast tests use the hashing embedder (the logic); the slow ones the bundled MiniLM on a file written
from each sample store's FAQ titles (no out-of-scope row), as a store's own file would be.
"""

from __future__ import annotations

import csv
import fnmatch
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from assistant.intents.classifier import load_examples
from assistant.intents.model import FewShotIntentModel, read_intent_csv
from assistant.intents.out_of_scope import BUNDLED, bundled_out_of_scope, unclaimed
from knowledge.retrieval.embed import HashingEmbedder, SentenceTransformerEmbedder

REPO = Path(__file__).resolve().parents[2]
STORES = {"maple-main": REPO / "knowledge/demo_store/faq.jsonl", "kestrel": REPO / "knowledge/kestrel_store/faq.jsonl"}
OOS = "out_of_scope"
# Written for this test, none of them in the bundled file: what a shop's assistant must refuse.
CLEARLY_OUT = ["what's the capital of peru", "who will win the next formula one race",
               "convert 30 celsius to fahrenheit", "write a haiku about rain", "my laptop screen keeps flickering",
               "how do I apply for a mortgage", "will it be windy in oslo on friday",
               "recommend a podcast about ancient history"]


def _builtin(with_out_of_scope: bool) -> tuple[list[str], list[str]]:
    rows = [(t, label) for label, texts in load_examples().items() for t in texts
            if with_out_of_scope or label != OOS]
    return [t for t, _ in rows], [label for _, label in rows]


def test_the_bundled_messages_load_and_ship_with_the_package() -> None:
    messages = bundled_out_of_scope()
    assert len(messages) >= 250 and len(set(messages)) == len(messages)
    assert not [m for m in messages if m.startswith("#") or not m.strip()]
    assert not set(CLEARLY_OUT) & set(messages)
    patterns = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["assistant"]
    assert any(fnmatch.fnmatch(str(BUNDLED.relative_to(REPO / "assistant")), p) for p in patterns)


def test_messages_close_to_the_files_own_examples_are_claimed_by_it() -> None:
    rng = np.random.default_rng(0)
    axes = np.eye(8, dtype=np.float32)

    def near(axis: int, n: int) -> np.ndarray:
        v = axes[axis] + 0.1 * rng.standard_normal((n, 8)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    vectors, ids = np.vstack([near(0, 5), near(1, 5)]), np.array([0] * 5 + [1] * 5)
    negatives = np.vstack([near(0, 2), near(5, 3)])  # two on the file's first topic, three elsewhere
    assert unclaimed(negatives, vectors, ids).tolist() == [False, False, True, True, True]


def test_a_file_with_out_of_scope_rows_keeps_todays_rule() -> None:
    texts, labels = _builtin(with_out_of_scope=True)
    today = FewShotIntentModel(HashingEmbedder(), OOS, bundled_negatives=False).fit(texts, labels)
    model = FewShotIntentModel(HashingEmbedder(), OOS).fit(texts, labels)
    assert "bundled_negatives" not in model.chosen and model.threshold == today.threshold
    probe = ["what's the capital of peru", "where is my parcel", "red running shoes"]
    assert model.predict(probe) == today.predict(probe)


def test_without_out_of_scope_rows_the_bundled_messages_join_and_the_baseline_is_todays_rule() -> None:
    texts, labels = _builtin(with_out_of_scope=False)
    model = FewShotIntentModel(HashingEmbedder(), OOS).fit(texts, labels)
    today = FewShotIntentModel(HashingEmbedder(), OOS, bundled_negatives=False).fit(texts, labels)
    used = model.chosen["bundled_negatives"]
    assert used["kept"] + used["claimed_by_the_file"] == len(bundled_out_of_scope()) and used["kept"] >= 2
    assert OOS not in model.labels and "bundled_negatives" not in today.chosen
    base = model.without_bundled_negatives()
    probe = CLEARLY_OUT + texts[:20]
    assert base.threshold == today.threshold and base.predict(probe) == today.predict(probe)
    never = FewShotIntentModel(HashingEmbedder()).fit(texts, labels)  # no oos_label: nothing is rejected
    assert all(g.label in never.labels for g in never.predict(probe))


def _faq_split(store: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """FAQ titles labelled with their topic (topics with 4+ titles), alternately to train and test."""
    by_topic: dict[str, list[str]] = {}
    for line in STORES[store].read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        by_topic.setdefault(entry["topic"], []).append(entry["title"])
    train, test = [], []
    for topic, titles in by_topic.items():
        if len(titles) >= 4:
            for i, title in enumerate(titles):
                (train if i % 2 == 0 else test).append((title, topic))
    return train, test


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sentence", "label"])
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.mark.slow
@pytest.mark.parametrize("store", sorted(STORES))
def test_a_store_file_without_out_of_scope_rows_rejects_what_no_shop_answers(
        store: str, minilm: SentenceTransformerEmbedder, tmp_path: Path) -> None:
    train, test = _faq_split(store)
    texts, labels = read_intent_csv(_write(tmp_path / "intents.csv", train))
    model = FewShotIntentModel(minilm, OOS).fit(texts, labels)
    today = model.without_bundled_negatives()
    out = [g.label for g in model.predict(CLEARLY_OUT)]
    kept = [g.label != OOS for g in model.predict([t for t, _ in test])]
    print(f"\n{store}: {out.count(OOS)}/{len(out)} out-of-scope rejected "
          f"(today's rule {[g.label for g in today.predict(CLEARLY_OUT)].count(OOS)}), "
          f"{sum(kept)}/{len(kept)} held-out FAQ titles kept, {model.chosen['bundled_negatives']}")
    assert out.count(OOS) >= len(out) - 1
    assert sum(kept) / len(kept) >= 0.8


@pytest.mark.slow
def test_cli_reports_oos_recall_when_only_the_test_file_has_out_of_scope_rows(tmp_path: Path) -> None:
    train, test = _faq_split("kestrel")
    train_csv = _write(tmp_path / "train.csv", train)
    test_csv = _write(tmp_path / "test.csv", test + [(t, "oos") for t in CLEARLY_OUT])
    command = [sys.executable, "-m", "aisle.cli", "intents", "evaluate", "--train", str(train_csv),
               "--test", str(test_csv), "--oos-label", "oos", "--json"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["chosen"]["bundled_negatives"]["kept"] > 0
    assert report["metrics"]["oos_recall"] >= 0.85 and report["metrics"]["in_scope_accuracy"] is not None
    out = subprocess.run([*command, "--no-negatives"], capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    assert "bundled_negatives" not in json.loads(out.stdout)["chosen"]
