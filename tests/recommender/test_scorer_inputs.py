"""What the interest scorer reads and learns from: the history text, listwise training groups and
the options that choose how the list model uses it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from aisle.cli import app
from recommender.cross_encoder import build_groups, history_text
from recommender.offline.pipeline import SCORER_USES, ScorerOptions


def test_history_text_can_put_the_newest_item_first() -> None:
    assert history_text(["a", "b", "c"], max_items=2, newest_first=True) == "c | b"
    assert history_text(["long title"], title_chars=4) == "long"


def test_build_groups_pair_each_target_with_hard_negatives_never_the_target_or_history() -> None:
    cases = [(["p1", "p2"], "p3"), (["p4"], "p5"), (["p6"], "p7")]
    proposed = [["p3", "p2", "n1", "n2", "n3"], ["n4", "n5", "p5"], ["n6"]]
    contexts, targets, negatives = build_groups(cases, str.upper, lambda h: " | ".join(h), proposed,
                                                per_positive=2)
    assert contexts == ["p1 | p2", "p4"] and targets == ["P3", "P5"]  # the third has one negative only
    assert all(len(group) == 2 for group in negatives)
    assert set(negatives[0]) <= {"N1", "N2", "N3"} and set(negatives[1]) == {"N4", "N5"}


def test_scorer_options_refuse_an_unknown_use() -> None:
    assert ScorerOptions().use in SCORER_USES
    with pytest.raises(ValueError, match="feature, blend"):
        ScorerOptions(use="stacked")


def test_evaluate_command_names_the_valid_scorer_uses(tmp_path) -> None:
    missing = str(tmp_path / "none.jsonl")
    result = CliRunner().invoke(app, ["recommender", "evaluate", "--items", missing, "--train", missing,
                                      "--test", missing, "--scorer-use", "stacked"])
    assert result.exit_code == 1
    assert "unknown scorer use 'stacked'; choose one of feature, blend" in result.output
