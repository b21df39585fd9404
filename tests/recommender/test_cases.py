"""Evaluation files: good ones load, and any bad row rejects the whole file, naming its line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from knowledge.errors import ImportFileError
from recommender.offline.cases import EvalItem, NextItemCase, load_cases, load_items

ITEMS: list[dict[str, Any]] = [
    {"id": "H1", "title": "Claw hammer", "brand": "Stanley", "category": "Tools", "description": "Steel head.",
     "price": 19.9},  # an extra field, ignored
    {"id": "N1", "title": "Wire nails", "description": "Galvanised nails, 500 pack"},
    {"id": "G1", "title": "Safety glasses"},
]


def _jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture()
def items(tmp_path: Path) -> dict[str, EvalItem]:
    return load_items(_jsonl(tmp_path / "items.jsonl", ITEMS))


def test_items_load_by_id_and_ignore_extra_fields(items: dict[str, EvalItem]) -> None:
    assert list(items) == ["H1", "N1", "G1"]
    hammer = items["H1"]
    assert (hammer.title, hammer.brand, hammer.category) == ("Claw hammer", "Stanley", "Tools")
    assert not hasattr(hammer, "price")
    assert items["G1"].description == ""


def test_item_text_skips_empty_parts_and_is_cut() -> None:
    assert EvalItem(id="H1", title="Claw hammer", brand="Stanley", category="Tools",
                    description="Steel head.").text() == "Claw hammer. Stanley. Tools. Steel head."
    assert EvalItem(id="N1", title="Wire nails", description="500 pack").text() == "Wire nails. 500 pack"
    assert EvalItem(id="G1", title="Safety glasses.", brand="3M").text() == "Safety glasses. 3M"
    long = EvalItem(id="L1", title="Long", description="word " * 400).text()
    assert 500 < len(long) <= 600
    assert long.startswith("Long. word word") and long.endswith("word")


def test_cases_load_in_order_with_history_oldest_first(tmp_path: Path, items: dict[str, EvalItem]) -> None:
    path = _jsonl(tmp_path / "test.jsonl", [
        {"user_id": "U1", "history": ["H1", "N1"], "target": "G1", "note": "ignored"},
        {"user_id": "U2", "history": ["G1"], "target": "G1"},  # a repeat purchase is allowed
    ])
    cases = load_cases(path, items)
    assert cases == [NextItemCase(user_id="U1", history=["H1", "N1"], target="G1"),
                     NextItemCase(user_id="U2", history=["G1"], target="G1")]
    assert type(cases[0]) is NextItemCase


@pytest.mark.parametrize(("row", "line", "reason"), [
    ('{"user_id": "U3", "history": ["H1"], ', 3, "invalid JSON"),
    ({"user_id": "U3", "history": ["H1"]}, 3, "target: Field required"),
    ({"user_id": "U3", "history": [], "target": "G1"}, 3, "history: List should have at least 1 item"),
    ({"user_id": "U3", "history": ["H1", "X9"], "target": "G1"}, 3, "unknown item id 'X9' in history"),
    ({"user_id": "U3", "history": ["H1"], "target": "X9"}, 3, "unknown item id 'X9' as target"),
    ({"user_id": "U3", "history": ["H1", ""], "target": "G1"}, 3, "history.1: String should have at least 1"),
])
def test_one_bad_case_rejects_the_file(tmp_path: Path, items: dict[str, EvalItem], row, line, reason) -> None:
    good = {"user_id": "U1", "history": ["H1"], "target": "N1"}
    path = _jsonl(tmp_path / "test.jsonl", [good, good, row, good])
    with pytest.raises(ImportFileError) as err:
        load_cases(path, items)
    message = str(err.value)
    assert message.startswith(f"{path}: line {line}: ")
    assert reason in message
    assert "line 1" not in message and "line 4" not in message


def test_rejection_names_the_first_bad_lines_in_order(tmp_path: Path, items: dict[str, EvalItem]) -> None:
    good = {"user_id": "U1", "history": ["H1"], "target": "N1"}
    unknown = {"user_id": "U1", "history": ["H1"], "target": "X1"}
    missing = {"user_id": "U1", "history": ["H1"]}
    path = _jsonl(tmp_path / "train.jsonl", [good, unknown, missing, good, unknown, "not json", unknown])
    with pytest.raises(ImportFileError) as err:
        load_cases(path, items)
    message = str(err.value)
    assert "line 2: unknown item id 'X1' as target; line 3: target: Field required; line 5:" in message
    assert "(and 2 more bad lines)" in message
    assert "line 6" not in message


def test_bad_or_duplicate_item_rejects_the_items_file(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "items.jsonl", [ITEMS[0], {"id": "", "title": "No id"}, ITEMS[0], {"id": "Z1"}])
    with pytest.raises(ImportFileError) as err:
        load_items(path)
    message = str(err.value)
    assert "line 2: id: String should have at least 1 character" in message
    assert "line 3: duplicate id 'H1' (first on line 1)" in message
    assert "line 4: title: Field required" in message


def test_empty_files_are_rejected(tmp_path: Path, items: dict[str, EvalItem]) -> None:
    with pytest.raises(ImportFileError, match="no items found"):
        load_items(_jsonl(tmp_path / "items.jsonl", []))
    with pytest.raises(ImportFileError, match="no cases found"):
        load_cases(_jsonl(tmp_path / "test.jsonl", []), items)
    with pytest.raises(ImportFileError, match="no such file"):
        load_cases(tmp_path / "missing.jsonl", items)


def test_numeric_ids_are_read_as_strings(tmp_path: Path) -> None:
    items = load_items(_jsonl(tmp_path / "items.jsonl", [{"id": 1, "title": "One"}, {"id": 2, "title": "Two"}]))
    assert list(items) == ["1", "2"]
    cases = load_cases(_jsonl(tmp_path / "test.jsonl", [{"user_id": "U1", "history": [1], "target": 2}]), items)
    assert cases[0].history == ["1"] and cases[0].target == "2"


def test_csv_files_load_with_semicolon_separated_history(tmp_path: Path) -> None:
    items_csv = tmp_path / "items.csv"
    items_csv.write_text("id,title,brand,colour\nH1,Claw hammer,Stanley,red\nN1,Wire nails,,\nG1,Glasses,3M,\n",
                         encoding="utf-8")
    items = load_items(items_csv)
    assert items["H1"].brand == "Stanley" and items["N1"].brand == ""
    cases_csv = tmp_path / "test.csv"
    cases_csv.write_text("user_id,history,target\nU1,H1; N1,G1\nU2,G1,H1\n", encoding="utf-8")
    assert load_cases(cases_csv, items) == [NextItemCase(user_id="U1", history=["H1", "N1"], target="G1"),
                                            NextItemCase(user_id="U2", history=["G1"], target="H1")]


def test_csv_bad_rows_name_their_line(tmp_path: Path, items: dict[str, EvalItem]) -> None:
    cases_csv = tmp_path / "test.csv"
    cases_csv.write_text("user_id,history,target\nU1,H1;N1,G1\nU2,,G1\nU3,H1;Q7,G1\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as err:
        load_cases(cases_csv, items)
    message = str(err.value)
    assert "line 3: history: Field required" in message  # an empty cell is a missing value
    assert "line 4: unknown item id 'Q7' in history" in message


def test_jsonl_history_must_be_a_list(tmp_path: Path, items: dict[str, EvalItem]) -> None:
    path = _jsonl(tmp_path / "test.jsonl", [{"user_id": "U1", "history": "H1;N1", "target": "G1"}])
    with pytest.raises(ImportFileError, match="line 1: history: Input should be a valid list"):
        load_cases(path, items)
