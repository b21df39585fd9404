"""The recsys_industrial converter: its output is valid evaluation files (fake source and, if present, real)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bench.recsys_data import SOURCE, convert, dataset_dir, plain_text
from recommender.offline.cases import load_cases, load_items

REPO = Path(__file__).resolve().parents[2]
HEADER = ["user_id", "history_item_title", "item_title", "history_item_id", "item_id", "history_item_sid", "item_sid"]


def _fake_source(folder: Path) -> Path:
    folder.mkdir()
    items = {
        "0": {"title": "Claw hammer", "brand": "Stanley", "categories": "",
              "description": "['<br />Forged steel head.', 'Rubber grip &amp; magnetic nail starter']"},
        "1": {"title": "Wire nails", "brand": "", "categories": "",
              "description": "[\"5/16\" x 25' nails, it's galvanised\"]"},  # not a valid Python literal
        "2": {"title": "Safety glasses", "brand": "3M", "categories": "", "description": ""},
    }
    (folder / "items.json").write_text(json.dumps(items, indent=2), encoding="utf-8")
    splits = {"valid.csv": [("A1", "[0]", "1"), ("A2", "[2, 0, 0]", "1")],
              "test.csv": [("A1", "[0, 1]", "2"), ("A3", "[1]", "1")]}
    for name, rows in splits.items():
        with (folder / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            for user, history, target in rows:
                writer.writerow([user, "['some title']", "a title", history, target, "['<a_1><b_2>']", "<a_1>"])
    return folder


def test_convert_writes_loadable_evaluation_files(tmp_path: Path) -> None:
    paths = convert(_fake_source(tmp_path / "src"), tmp_path / "out")
    assert set(paths) == {"items", "train", "test"}
    assert all(p.parent == tmp_path / "out" for p in paths.values())
    items = load_items(paths["items"])
    assert list(items) == ["0", "1", "2"]
    assert items["0"].description == "Forged steel head. Rubber grip & magnetic nail starter"
    assert items["1"].description == "5/16\" x 25' nails, it's galvanised"
    assert items["2"].description == "" and items["2"].brand == "3M"
    assert items["0"].text() == "Claw hammer. Stanley. Forged steel head. Rubber grip & magnetic nail starter"
    train = load_cases(paths["train"], items)
    test = load_cases(paths["test"], items)
    assert [(c.user_id, c.history, c.target) for c in train] == [("A1", ["0"], "1"), ("A2", ["2", "0", "0"], "1")]
    assert [(c.user_id, c.history, c.target) for c in test] == [("A1", ["0", "1"], "2"), ("A3", ["1"], "1")]


def test_plain_text_handles_lists_html_and_broken_literals() -> None:
    assert plain_text("['a <b>bold</b> claim', 'second  part']") == "a bold claim second part"
    assert plain_text("['x &lt; 5 mm', '<body>']") == "x < 5 mm"
    assert plain_text("['it's broken\\nhere', 'ok']") == "it's broken here ok"
    assert plain_text("") == ""


def test_dataset_dir_is_none_without_the_source(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    assert dataset_dir(repo) is None
    source = tmp_path / SOURCE
    source.mkdir(parents=True)
    (source / "items.json").write_text("{}", encoding="utf-8")
    assert dataset_dir(repo) is None  # the CSVs are missing too
    for name in ("valid.csv", "test.csv"):
        (source / name).write_text(",".join(HEADER) + "\n", encoding="utf-8")
    assert dataset_dir(repo) == source.resolve()


@pytest.mark.slow
def test_real_dataset_converts_completely(tmp_path: Path) -> None:
    src = dataset_dir(REPO)
    if src is None:
        pytest.skip("recsys_industrial data set is not beside the repo")
    paths = convert(src, tmp_path)
    items = load_items(paths["items"])
    assert len(items) == 3686
    for split in ("train", "test"):
        cases = load_cases(paths[split], items)
        assert len(cases) > 4000
        assert all(1 <= len(c.history) <= 10 for c in cases)
    assert not any("<br" in item.description or item.description.startswith("['") for item in items.values())
