"""The journal applies writes through a registry: each kind of journaled write registers its applier in
the module that owns the write, and the journal itself imports neither the database nor the order log."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.store.database import StoreDatabase
from knowledge.store.journal import Journal, JournalEntry, journaled, register_applier

REPO = Path(__file__).resolve().parents[2]
KINDS = ["feedback", "interaction", "order_action"]  # what the shopper's writes journal


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_the_journal_imports_neither_the_database_nor_the_order_log() -> None:
    imported = _imported(REPO / "knowledge" / "store" / "journal.py")
    assert not imported & {"knowledge.store.database", "knowledge.store.order_log"}


@pytest.mark.parametrize("module", ["knowledge.store.journal", "knowledge.store.database", "knowledge.store.store_lock"])
def test_every_kind_has_its_applier_whichever_store_module_comes_first(module: str) -> None:
    """A fresh interpreter: a replay right after importing any store module can apply every kind."""
    probe = (f"import importlib, json; importlib.import_module({module!r}); "
             "from knowledge.store import journal; print(json.dumps(sorted(journal._APPLIERS)))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60,
                            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == KINDS


def test_a_kind_has_one_applier() -> None:
    def other(_db: object, _entry: JournalEntry) -> bool:
        return True

    with pytest.raises(ValueError, match="already has an applier"):
        register_applier("order_action", other)


def test_an_unregistered_kind_is_refused_before_anything_is_journaled(tmp_path: Path) -> None:
    db = StoreDatabase(f"sqlite:///{tmp_path / 'store.db'}")
    db.journal = Journal(tmp_path / "journal")
    ran: list[str | None] = []
    with pytest.raises(ValueError, match="unknown journal entry kind"):
        journaled(db, "wishlist", {}, "wish", ran.append)
    assert ran == [] and db.journal.pending() == []
