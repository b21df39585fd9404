"""Fine-tuning the interest scorer end to end on a tiny data set, and interrupted training."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.bundled import minilm_dir
from recommender.cross_encoder import (
    CARD_FILE,
    CrossEncoderScorer,
    build_groups,
    build_pairs,
    history_text,
    train_cross_encoder,
)
from tests.recommender import synthetic

pytestmark = pytest.mark.slow
TITLES = {i["id"]: f"{i['title']} {i['description']}" for i in synthetic.items()}


def _pairs(n: int = 60):
    cases = [(c["history"], c["target"]) for c in synthetic.cases(n, seed=3)]
    others = list(TITLES)
    return build_pairs(cases, TITLES.__getitem__, TITLES.__getitem__, lambda h: others, per_positive=2)


def test_history_text_keeps_the_most_recent_items_in_order() -> None:
    assert history_text(["a", "b", "c"], max_items=2) == "b | c"


def test_build_pairs_has_one_positive_and_hard_negatives_per_case() -> None:
    left, right, labels = _pairs(10)
    assert len(left) == len(right) == len(labels) == 30
    assert labels.count(1.0) == 10
    for text, item, label in zip(left, right, labels, strict=True):
        assert label in (0.0, 1.0) and text and item


def test_training_writes_a_loadable_scorer_with_its_card(tmp_path: Path) -> None:
    out = train_cross_encoder(minilm_dir(), _pairs(), tmp_path / "scorer", {"data": "synthetic"},
                              epochs=1, batch_size=16, max_length=48, progress=False)
    card = json.loads((out / CARD_FILE).read_text())
    assert card["data"] == "synthetic" and card["pairs"] == 180 and card["positives"] == 60
    assert "trained_at" in card and card["train_seconds"] > 0
    scorer = CrossEncoderScorer(out)
    scores = scorer.score_pairs([("Glue item 0 | Glue item 1", TITLES["glue-2"]),
                                 ("Glue item 0 | Glue item 1", TITLES["valve-4"])])
    assert scores.shape == (2,) and ((scores >= 0) & (scores <= 1)).all()
    assert scorer.card["base_model"] == str(minilm_dir())
    assert not list(tmp_path.glob(".train-*"))


def test_listwise_training_ranks_each_target_over_its_hard_negatives(tmp_path: Path) -> None:
    cases = [(c["history"], c["target"]) for c in synthetic.cases(40, seed=3)]
    context = lambda h: history_text([TITLES[i] for i in h], newest_first=True)  # noqa: E731
    groups = build_groups(cases, TITLES.__getitem__, context, [list(TITLES)] * len(cases), per_positive=3)
    out = train_cross_encoder(minilm_dir(), groups, tmp_path / "scorer", {"data": "synthetic"}, epochs=3,
                              batch_size=8, max_length=48, progress=False, loss="listwise")
    card = json.loads((out / CARD_FILE).read_text())
    assert card["loss"] == "listwise" and card["pairs"] == len(groups[0]) == 40
    scorer = CrossEncoderScorer(out)
    won = 0
    for (history, target), negatives in zip(cases, groups[2], strict=True):
        scores = scorer.score_pairs([(context(history), TITLES[target])] + [(context(history), n) for n in negatives])
        won += int(scores[0] > scores[1:].max())
    assert won >= 30  # 1 in 4 by chance: the synthetic chain's next item is learnable


def test_an_unknown_loss_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="bce, listwise"):
        train_cross_encoder(minilm_dir(), _pairs(5), tmp_path / "scorer", {}, loss="hinge", progress=False)
    assert not (tmp_path / "scorer").exists()


def test_interrupted_training_keeps_the_previous_scorer(tmp_path: Path) -> None:
    previous = tmp_path / "scorer"
    previous.mkdir()
    (previous / CARD_FILE).write_text('{"data": "previous"}')
    left, right, labels = _pairs(5)
    with pytest.raises(Exception):  # noqa: B017 (the data set refuses ragged columns mid-setup)
        train_cross_encoder(minilm_dir(), (left, right[:-1], labels), previous, {}, progress=False)
    assert json.loads((previous / CARD_FILE).read_text()) == {"data": "previous"}
    assert not list(tmp_path.glob(".train-*"))


KILLED_TRAINING = """
import sys
from pathlib import Path
from knowledge.bundled import minilm_dir
from recommender.cross_encoder import train_cross_encoder
from tests.recommender.test_cross_encoder import _pairs
train_cross_encoder(minilm_dir(), _pairs(60), Path(sys.argv[1]), {"data": "new"}, epochs=50, batch_size=8,
                    max_length=48, progress=False)
"""


def test_a_training_killed_midway_leaves_the_previous_scorer_whole(tmp_path: Path) -> None:
    """SIGKILL (no cleanup runs) during training: the scorer folder is untouched, and the abandoned
    work folder is removed by a later training."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from recommender.cross_encoder import remove_abandoned_runs

    previous = tmp_path / "scorer"
    previous.mkdir()
    (previous / CARD_FILE).write_text('{"data": "previous"}')
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-c", KILLED_TRAINING, str(previous)], cwd=repo,
                            env={**os.environ, "PYTHONPATH": str(repo)})
    try:
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob(".train-*")) and time.monotonic() < deadline:
            assert proc.poll() is None, "training ended before it could be killed"
            time.sleep(0.2)
        time.sleep(4)  # into the training loop (50 epochs take far longer)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert json.loads((previous / CARD_FILE).read_text()) == {"data": "previous"}
    assert sorted(p.name for p in previous.iterdir()) == [CARD_FILE]
    abandoned = list(tmp_path.glob(".train-*"))
    assert abandoned  # what a killed run leaves behind ...
    assert remove_abandoned_runs(tmp_path, older_than_s=3600) == []  # ... is kept while it may be running
    assert sorted(remove_abandoned_runs(tmp_path, older_than_s=0)) == sorted(abandoned)
    assert not list(tmp_path.glob(".train-*"))
