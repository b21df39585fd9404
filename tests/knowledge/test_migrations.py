"""The store's schema comes from Alembic migrations (knowledge/store/migrations), on SQLite and on
PostgreSQL: the migrations build what the table declarations say, a database the old ``create_all``
built is taken over without losing a row, and processes opening one database at once migrate it once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, func, insert, inspect, select, text
from sqlalchemy.engine import make_url

from knowledge.errors import SchemaTooNew
from knowledge.schemas import Interaction
from knowledge.store.conversations import ConversationStore, Resolution
from knowledge.store.database import StoreDatabase, claim_write, customers, interactions, metadata
from knowledge.store.migrate import current_revision, describe, head_revision, upgrade_schema
from knowledge.store.schema import STORE_METADATA
from knowledge.store.tickets import HandoffReason, TicketStore
from tests.conftest import REPO


def _differences(db: StoreDatabase) -> list:
    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), STORE_METADATA)


def _revision(db: StoreDatabase) -> str | None:
    with db.engine.connect() as conn:
        return current_revision(conn)


def test_the_migrations_build_exactly_the_declared_tables(store_url):
    db = StoreDatabase(store_url)

    assert _differences(db) == []
    assert _revision(db) == head_revision()
    assert db.schema_change == (None, head_revision())
    assert StoreDatabase(store_url).schema_change == (head_revision(), head_revision())  # reopened: nothing to do


def test_a_store_built_by_create_all_is_taken_over_with_its_rows(store_url):
    """The old code path: ``metadata.create_all`` of the database's own tables (the other parts' tables
    were made only when those parts were opened, so they may be missing), and no ``alembic_version``."""
    if store_url.startswith("sqlite:///"):  # the old StoreDatabase made the folder too
        Path(make_url(store_url).database or "").parent.mkdir(parents=True, exist_ok=True)
    old = create_engine(store_url)
    metadata.create_all(old)
    with old.begin() as conn:
        conn.execute(insert(customers).values(id="C1", email="a@example.com", payload="{}"))
        conn.execute(insert(interactions).values(customer_id="C1", product_id="P1", event="view",
                                                 ts=datetime(2026, 1, 1, 9), session_id="", weight=1.0))
    old.dispose()

    db = StoreDatabase(store_url)

    assert db.schema_change == (None, head_revision())
    assert _differences(db) == []  # the missing tables were made, the others kept
    assert db.count("customers") == 1 and db.count("interactions") == 1
    assert [(i.product_id, i.ts) for i in db.history("C1")] == [("P1", datetime(2026, 1, 1, 9))]
    assert "handoff_tickets" in inspect(db.engine).get_table_names()


OPEN_WHEN_TOLD = """
import sys, time
from pathlib import Path
from knowledge.store.database import StoreDatabase
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.01)
print(StoreDatabase(sys.argv[1]).schema_change)
"""


def test_processes_opening_a_new_database_at_once_migrate_it_once(store_url, tmp_path):
    """Four Aisle processes start together on one new database: one migrates, the others wait for it
    (advisory lock / flock) and find the schema at head."""
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-c", OPEN_WHEN_TOLD, store_url, str(go)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    time.sleep(3)  # let them import and wait at the line
    go.touch()
    results = [p.communicate(timeout=120) for p in procs]

    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err[-2000:] for _, err in results]
    changes = [out.strip() for out, _ in results]
    assert changes.count(repr((None, head_revision()))) == 1, changes  # exactly one migrated
    assert changes.count(repr((head_revision(), head_revision()))) == 3, changes
    db = StoreDatabase(store_url)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    assert _differences(db) == []


def test_threads_opening_stores_at_once_each_get_a_whole_schema(store_url, tmp_path):
    """Alembic's context is process-global: threads migrating at once, here a shared database and an
    SQLite file of their own each, must not run each other's operations."""
    start = threading.Barrier(4)
    failed: list[BaseException] = []

    def open_store(i: int) -> None:
        start.wait()
        try:
            for url in (store_url, f"sqlite:///{tmp_path / f'own-{i}.db'}"):
                assert _differences(StoreDatabase(url)) == []
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            failed.append(exc)

    threads = [threading.Thread(target=open_store, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert failed == [] and not any(t.is_alive() for t in threads)


def test_a_database_migrated_by_a_newer_aisle_is_refused_with_what_to_do(store_url):
    db = StoreDatabase(store_url)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))

    with pytest.raises(SchemaTooNew, match="newer Aisle"):
        StoreDatabase(store_url)
    assert describe(store_url)["current"] == "9999_from_the_future"


def test_timestamps_read_back_as_naive_utc_whatever_the_servers_time_zone(store_url):
    """An aware timestamp is stored as naive UTC on both engines; PostgreSQL's session time zone
    (here Tokyo) changes nothing."""
    url = store_url
    if url.startswith("postgresql"):
        url = make_url(url).update_query_dict({"options": "-c timezone=Asia/Tokyo"}).render_as_string(
            hide_password=False)
    db = StoreDatabase(url)
    aware = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=5)))
    naive_utc = datetime(2026, 3, 1, 7, 0)

    ticket = TicketStore(db).create("s1", "C1", HandoffReason.ASKED, "help", [], [], now=aware)
    user, reply = ConversationStore(db).record_turn("s1", "C1", "hi", "hello", "smalltalk", Resolution.ANSWERED,
                                                    {}, now=naive_utc)

    assert ticket.created == naive_utc and ticket.created.tzinfo is None
    assert user.ts == reply.ts == naive_utc
    assert TicketStore(db).get(ticket.id).created == ConversationStore(db).get("s1").started


def test_reimporting_the_same_events_counts_only_new_ones(store_url):
    db = StoreDatabase(store_url)
    events = [Interaction(customer_id="C1", product_id=f"P{i}", event="view", ts=datetime(2026, 1, 1, 9, i))
              for i in range(5)]

    assert db.add_interactions(events[:3]) == 3
    assert db.add_interactions(events) == 2  # no duplicate-key error: the stored three are skipped
    assert db.add_interactions(events + events) == 0
    assert db.count("interactions") == 5


def test_a_journal_id_is_claimed_once_even_by_writers_racing(store_url):
    db = StoreDatabase(store_url)
    start = threading.Barrier(4)
    claimed: list[bool] = []

    def claim() -> None:
        start.wait()
        with db.engine.begin() as conn:
            claimed.append(claim_write(conn, "j-1", "feedback", datetime(2026, 1, 1)))

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(claimed) == [False, False, False, True]
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(metadata.tables["journal_applied"])).scalar_one() == 1


def test_upgrade_schema_is_a_no_op_at_head(store_url):
    db = StoreDatabase(store_url)
    assert upgrade_schema(db.engine) == (head_revision(), head_revision())


def test_aisle_db_current_and_upgrade_for_an_operator(store_url):
    from typer.testing import CliRunner

    from aisle.cli import app

    runner = CliRunner()
    before = runner.invoke(app, ["db", "current", "--database-url", store_url, "--json"])
    upgraded = runner.invoke(app, ["db", "upgrade", "--database-url", store_url])
    again = runner.invoke(app, ["db", "upgrade", "--database-url", store_url])
    after = runner.invoke(app, ["db", "current", "--database-url", store_url])

    assert before.exit_code == 0, before.output
    assert '"current": null' in before.output and '"up_to_date": false' in before.output
    assert upgraded.exit_code == 0 and f"upgraded from no revision to {head_revision()}" in upgraded.output
    assert again.exit_code == 0 and "already at the newest revision" in again.output
    assert f"revision: {head_revision()}" in after.output and "aisle:aisle@" not in after.output


def test_aisle_db_says_what_is_wrong_with_a_database_it_cannot_reach():
    from typer.testing import CliRunner

    from aisle.cli import app

    result = CliRunner().invoke(app, ["db", "current", "--database-url",
                                      "postgresql+psycopg://nobody:secret@127.0.0.1:1/none"])

    assert result.exit_code == 1
    assert "error:" in result.output and "secret" not in result.output
