"""ingest_files never loses stored data because of a bad file or a bad row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.errors import ImportFileError
from knowledge.ingest import ingest_files
from knowledge.store.database import StoreDatabase


def _product(pid: str, price: float | str = 19.99) -> dict:
    return {"id": pid, "title": f"Brandy Thing {pid}", "brand": "Brandy", "category": "home", "price": price,
            "stock": 3, "description": "A thing for the home."}


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture()
def db(store_url: str, tmp_path: Path) -> StoreDatabase:
    db = StoreDatabase(store_url)
    ingest_files(db, catalog=_write(tmp_path / "v1.jsonl", [_product("A"), _product("B"), _product("C")]))
    return db


def test_a_malformed_row_does_not_delete_the_product_it_meant_to_update(db, tmp_path) -> None:
    v2 = _write(tmp_path / "v2.jsonl", [_product("A", 21.0), _product("B", "free")])  # B bad, C absent
    report = ingest_files(db, catalog=v2)
    counts = report.files[0].stored
    assert counts.updated == 1 and counts.deleted == 0
    assert report.files[0].errors[0].line == 2
    assert {p.id: p.price for p in db.products()} == {"A": 21.0, "B": 19.99, "C": 19.99}


def test_a_clean_file_deletes_what_it_no_longer_lists(db, tmp_path) -> None:
    counts = ingest_files(db, catalog=_write(tmp_path / "v3.jsonl", [_product("A")])).files[0].stored
    assert (counts.deleted, counts.unchanged) == (2, 1)
    assert [p.id for p in db.products()] == ["A"]


def test_a_file_with_no_valid_row_changes_nothing(db, tmp_path) -> None:
    with pytest.raises(ImportFileError, match="no valid rows"):
        ingest_files(db, catalog=_write(tmp_path / "bad.jsonl", [{"id": "A"}, {"oops": 1}]))
    assert [p.id for p in db.products()] == ["A", "B", "C"]


def test_a_missing_file_stops_the_import_before_any_write(db, tmp_path) -> None:
    new_catalog = _write(tmp_path / "v4.jsonl", [_product("Z")])
    with pytest.raises(ImportFileError, match="no such file"):
        ingest_files(db, catalog=new_catalog, faq=tmp_path / "missing.jsonl")
    assert [p.id for p in db.products()] == ["A", "B", "C"]


def test_a_value_longer_than_its_column_is_a_bad_row_on_every_engine(db, tmp_path) -> None:
    """SQLite would store a 65-character category; PostgreSQL would refuse the whole import. Both report
    the row and store the rest."""
    long_category = {**_product("D"), "category": "c" * 65}
    report = ingest_files(db, catalog=_write(tmp_path / "v5.jsonl", [_product("A"), long_category]),
                          customers=_write(tmp_path / "c.jsonl", [
                              {"id": "C" * 65, "name": "Too Long", "email": "x@example.com"},
                              {"id": "C1", "name": "Fine", "email": "f@example.com"}]))
    errors = {f.kind: [(e.line, str(e)) for e in f.errors] for f in report.files}
    assert [line for line, _ in errors["catalog"]] == [2] and "64" in errors["catalog"][0][1]
    assert [line for line, _ in errors["customers"]] == [1]
    assert [p.id for p in db.products()] == ["A", "B", "C"]  # a file with a bad row deletes nothing
    assert [c.id for c in db.customers()] == ["C1"]
