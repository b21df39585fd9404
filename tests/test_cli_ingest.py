"""`aisle ingest` end to end in a subprocess: bad rows reported by line, good rows stored, re-runs idle."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.store.database import StoreDatabase

pytestmark = pytest.mark.slow  # the ingest runs load the bundled MiniLM embedder

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
           "AISLE_CONFIG": "/nonexistent/aisle.toml", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "aisle.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def product(pid: str, title: str, price: float) -> str:
    return json.dumps({"id": pid, "title": title, "brand": "Acme", "category": "kitchen", "price": price,
                       "stock": 4, "description": f"{title}, made for a small test store."})


@pytest.fixture
def store_files(tmp_path: Path) -> tuple[Path, Path]:
    catalog = tmp_path / "catalog.jsonl"
    catalog.write_text("\n".join([
        product("K1", "Stoneware Mug", 12.0),
        product("K2", "Steel Kettle", 45.0),
        json.dumps({"id": "K3", "title": "Broken Pan", "brand": "Acme", "category": "kitchen",
                    "price": -5, "stock": 1, "description": "Negative price."}),
        product("K4", "Chef Knife", 60.0),
    ]) + "\n", encoding="utf-8")
    faq = tmp_path / "faq.jsonl"
    faq.write_text(json.dumps({"id": "returns", "title": "Can I return an item?", "topic": "returns",
                               "updated": "2026-01-01", "body": "Yes, within 30 days of delivery."}) + "\n",
                   encoding="utf-8")
    return catalog, faq


def test_ingest_reports_bad_line_stores_good_rows_and_is_idempotent(tmp_path, store_files):
    catalog, faq = store_files
    data_dir = tmp_path / "state"
    args = ("ingest", "--catalog", str(catalog), "--faq", str(faq), "--data-dir", str(data_dir))

    first = run_cli(*args)

    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "catalog: 3 rows read (3 added, 0 updated, 0 deleted, 0 unchanged), 1 bad rows" in out
    assert f"{catalog}: line 3: price: Input should be greater than 0" in out
    assert "faq: 1 rows read (1 added, 0 updated, 0 deleted, 0 unchanged)" in out
    assert "index products: 3 added" in out
    assert "1 bad rows were skipped; the rest was stored." in out

    db = StoreDatabase(f"sqlite:///{data_dir / 'aisle.db'}")
    assert [p.id for p in db.products()] == ["K1", "K2", "K4"]
    assert [e.id for e in db.faq_entries()] == ["returns"]
    assert (data_dir / "chroma").is_dir()

    second = run_cli(*args)

    assert second.returncode == 0, second.stderr
    assert "catalog: 3 rows read (0 added, 0 updated, 0 deleted, 3 unchanged)" in second.stdout
    assert "index products: 0 added, 0 updated, 0 deleted, 3 unchanged" in second.stdout
    assert "index faq: 0 added, 0 updated, 0 deleted, 1 unchanged" in second.stdout


def test_ingest_missing_file_exits_1_with_a_clear_message(tmp_path):
    missing = tmp_path / "nope.jsonl"

    result = run_cli("ingest", "--catalog", str(missing), "--data-dir", str(tmp_path / "state"))

    assert result.returncode == 1
    assert f"error: {missing}: no such file. Check the path you passed." in result.stderr
    assert "Traceback" not in result.stderr


def test_ingest_without_files_exits_1(tmp_path):
    result = run_cli("ingest", "--data-dir", str(tmp_path / "state"))

    assert result.returncode == 1
    assert "give at least one of --catalog" in result.stderr


def test_help_lists_the_commands():
    result = run_cli("--help", timeout=120)

    assert result.returncode == 0, result.stderr
    for command in ("ingest", "demo", "chat", "serve"):
        assert command in result.stdout


def test_ingest_without_a_policy_says_the_default_applies(tmp_path, store_files):
    catalog, faq = store_files
    result = run_cli("ingest", "--catalog", str(catalog), "--faq", str(faq), "--data-dir", str(tmp_path / "s"))
    assert result.returncode == 0, result.stderr
    assert "policy: none given, so the default applies" in result.stdout
    assert "returns and exchanges go to your team as tickets" in result.stdout


def test_a_policy_that_does_not_fit_the_store_is_refused_naming_the_key(tmp_path, store_files):
    catalog, faq = store_files
    data_dir = tmp_path / "state"
    policy = tmp_path / "policy.toml"
    policy.write_text('[returns]\nhandling = "self_service"\nwindow_days = 30\nfaq = "returns"\n'
                      'non_returnable = ["garden"]\n'
                      '[returns.by_category.kitchen]\ndays = 10\nfaq = "kitchen-returns"\n', encoding="utf-8")
    refused = run_cli("ingest", "--catalog", str(catalog), "--faq", str(faq), "--policy", str(policy),
                      "--data-dir", str(data_dir))
    assert refused.returncode == 1
    assert "returns.by_category.kitchen.faq: FAQ entry 'kitchen-returns' is not in the store's current FAQ" \
        in refused.stderr
    assert "returns.non_returnable[0]: category 'garden' is not a category of the catalog" in refused.stderr
    assert "nothing was changed" in refused.stderr
    assert StoreDatabase(f"sqlite:///{data_dir / 'aisle.db'}").count("products") == 0

    policy.write_text('[returns]\nwindow_days = "thirty"\n[refunds]\ndays = 3\n', encoding="utf-8")
    invalid = run_cli("ingest", "--policy", str(policy), "--data-dir", str(data_dir))
    assert invalid.returncode == 1
    assert "returns.window_days: Input should be a valid integer" in invalid.stderr
    assert "refunds: Extra inputs are not permitted" in invalid.stderr


def test_a_stored_policy_is_kept_and_guards_later_imports(tmp_path, store_files):
    catalog, faq = store_files
    data_dir = tmp_path / "state"
    policy = tmp_path / "policy.yaml"
    policy.write_text("returns:\n  handling: self_service\n  window_days: 30\n  faq: returns\n", encoding="utf-8")
    stored = run_cli("ingest", "--catalog", str(catalog), "--faq", str(faq), "--policy", str(policy),
                     "--data-dir", str(data_dir))
    assert stored.returncode == 0, stored.stderr
    assert f"policy: {policy} stored" in stored.stdout
    db = StoreDatabase(f"sqlite:///{data_dir / 'aisle.db'}")
    assert json.loads(db.meta("policy") or "{}")["returns"]["window_days"] == 30

    # a new FAQ without the entry the policy cites would leave the policy citing nothing: refused
    other_faq = tmp_path / "faq2.jsonl"
    other_faq.write_text(json.dumps({"id": "shipping", "title": "How fast do you ship?", "topic": "shipping",
                                     "updated": "2026-02-01", "body": "Within two business days."}) + "\n",
                         encoding="utf-8")
    refused = run_cli("ingest", "--faq", str(other_faq), "--data-dir", str(data_dir))
    assert refused.returncode == 1
    assert "returns.faq: FAQ entry 'returns' is not in the store's current FAQ" in refused.stderr
    assert [e.id for e in db.faq_entries()] == ["returns"]  # nothing was changed
    # a policy that stopped fitting (say, a restored database) stops the app at start, naming the key
    from aisle.wiring import Services
    from assistant.config import Settings
    from knowledge.store_policy import PolicyFileError

    db.set_meta("policy", json.dumps({"exchanges": {"handling": "self_service", "limit_faq": "gone"}}))
    with pytest.raises(PolicyFileError, match="exchanges.limit_faq: FAQ entry 'gone'"):
        Services(Settings(data_dir=data_dir)).current.policy  # noqa: B018
