"""A write-ahead journal for the shopper's writes: order actions, card clicks and reply ratings.

Before such a write touches the database, ``journaled`` appends it to ``<data dir>/journal/
pending.jsonl`` as one JSON line (``{"id", "kind", "what", "at", "payload"}``) and fsyncs the file.
Only then is the database transaction run; once it commits, a second line ``{"id", "done": …}``
marks the entry settled. A file holding no unsettled entry is truncated, so the journal stays tiny.

* The journal write fails (disk full, read-only folder): ``StorageFull`` (or ``StoreWriteError``)
  is raised before anything is applied; the half-written line, if any, is cut off again.
* The database write fails after the journal write (locked past the busy timeout, disk full at
  commit, I/O error): ``StoreBusy``/``StorageFull``/``WriteDeferred`` with ``saved=True``; the entry
  stays pending and ``Journal.replay`` applies it when the store is opened next (``Services.db``),
  or right after this process's next successful journaled write.
* The write is refused for good (an order that is gone, a constraint): the entry is settled as
  ``rejected``, copied to ``rejected.jsonl`` for the owner, and the error propagates.

Replays are idempotent. Interaction events are unique on (customer, product, event, ts), so a
replayed click is skipped by the database. Ratings and order actions claim their journal id in the
``journal_applied`` table inside their own transaction (``knowledge.store.database.claim_write``): an entry
already applied, say by a process killed between the commit and the 'done' line, is skipped.

The journal knows no table: each kind of journaled write registers the function that applies one of
its entries (``register_applier``) in the module that owns the write: ``knowledge.store.database``
("interaction", "feedback") and ``knowledge.store.order_log`` ("order_action"). Importing the
``knowledge.store`` package imports both, so every kind is registered before a replay can run.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError

from knowledge.errors import StorageFull, StoreBusy, StoreWriteError, WriteDeferred
from knowledge.store.store_lock import fsync_dir

log = logging.getLogger(__name__)

PENDING_FILE = "pending.jsonl"
REJECTED_FILE = "rejected.jsonl"
FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}

T = TypeVar("T")


@dataclass(frozen=True)
class JournalEntry:
    id: str
    kind: str  # "interaction" | "feedback" | "order_action"
    what: str  # for messages: "click", "rating", "order change"
    at: str
    payload: dict[str, Any]


class JournaledStore(Protocol):
    """What the journal needs of a store: the journal its writes go through (``None``: none)."""

    journal: Journal | None


# applies one entry to the store it is replayed on; False when the store already had it
Applier = Callable[[Any, JournalEntry], bool]
_APPLIERS: dict[str, Applier] = {}


def register_applier(kind: str, applier: Applier) -> None:
    """Make ``kind`` a kind of journaled write: a replay applies its entries with
    ``applier(db, entry)``. Called by the module that writes that kind, when it is imported."""
    known = _APPLIERS.get(kind)
    if known is not None and (known.__module__, known.__qualname__) != (applier.__module__, applier.__qualname__):
        raise ValueError(f"journal entry kind {kind!r} already has an applier: {known.__module__}.{known.__qualname__}")
    _APPLIERS[kind] = applier


@dataclass
class ReplayReport:
    applied: int = 0  # written to the database now
    already: int = 0  # found applied (killed between commit and 'done' mark)
    rejected: int = 0  # refused for good; kept in rejected.jsonl
    left: int = 0  # still pending: the database could not take them yet

    def __bool__(self) -> bool:
        return bool(self.applied or self.already or self.rejected or self.left)


class Journal:
    """The append-only journal file in ``folder``; safe across threads and processes (``flock``)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.path = self.folder / PENDING_FILE
        self._lock = threading.RLock()
        self._deferred: set[str] = set()  # this process's entries the database refused for now

    @contextmanager
    def _file(self) -> Iterator[int]:
        with self._lock:
            created = not self.path.exists()
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                if created:
                    fsync_dir(self.folder)
                yield fd
            finally:
                os.close(fd)  # drops the flock

    def _append(self, fd: int, record: dict[str, Any]) -> None:
        data = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode()
        size = os.fstat(fd).st_size
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except OSError:
            with suppress(OSError):  # cut off a partly written line (a torn one is skipped when read)
                os.ftruncate(fd, size)
            raise

    def append(self, kind: str, payload: dict[str, Any], what: str) -> str:
        """Durably record an intended write; returns its id. Raises ``StorageFull`` (disk full) or
        ``StoreWriteError`` if it cannot be recorded: then nothing was applied."""
        entry_id = uuid.uuid4().hex
        record = {"id": entry_id, "kind": kind, "what": what, "at": datetime.now(UTC).isoformat(),
                  "payload": payload}
        try:
            with self._file() as fd:
                self._append(fd, record)
        except OSError as exc:
            if exc.errno in FULL_ERRNOS:
                raise StorageFull(
                    f"The store's disk is full: your {what} was not recorded; nothing was changed. "
                    "Please try again later.") from exc
            raise StoreWriteError(
                f"The store could not record your {what} ({exc.strerror or exc}); nothing was changed. "
                "Please try again later.") from exc
        return entry_id

    def settle(self, entry_id: str, outcome: str = "applied") -> None:
        """Mark an entry done; truncate the file once nothing in it is pending. Best effort: a 'done'
        line that cannot be written leaves the entry to a replay, which finds it applied."""
        self._deferred.discard(entry_id)
        try:
            with self._file() as fd:
                self._append(fd, {"id": entry_id, "done": outcome})
                if not _pending(_read(fd)):
                    os.ftruncate(fd, 0)
                    os.fsync(fd)
        except OSError as exc:
            log.warning("journal: could not mark %s %s (%s); a replay will settle it", entry_id, outcome, exc)

    def pending(self) -> list[JournalEntry]:
        """Entries not yet settled, oldest first."""
        if not self.path.exists():
            return []
        with self._file() as fd:
            return _pending(_read(fd))

    def _reject(self, entry: JournalEntry, error: BaseException) -> None:
        log.warning("journal: %s %s refused by the database: %s", entry.what, entry.id, error)
        try:
            with (self.folder / REJECTED_FILE).open("a", encoding="utf-8") as out:
                out.write(json.dumps({"id": entry.id, "kind": entry.kind, "at": entry.at, "payload": entry.payload,
                                      "error": str(error)}, ensure_ascii=False, sort_keys=True) + "\n")
                out.flush()
                os.fsync(out.fileno())
        except OSError:
            return  # keep it pending rather than lose it
        self.settle(entry.id, "rejected")

    def replay(self, db: JournaledStore, only: set[str] | None = None) -> ReplayReport:
        """Apply the pending entries (all, or those in ``only``) to ``db`` in order; never raises for a
        database that still cannot take them (they stay pending, counted in ``left``)."""
        report = ReplayReport()
        todo = [e for e in self.pending() if only is None or e.id in only]
        for i, entry in enumerate(todo):
            try:
                wrote = apply_entry(db, entry)
            except DBAPIError as exc:
                if isinstance(exc, IntegrityError):
                    self._reject(entry, exc)
                    report.rejected += 1
                    continue
                log.warning("journal: replay stopped, the database cannot take writes yet: %s", exc)
                report.left += len(todo) - i
                break
            except Exception as exc:  # noqa: BLE001 - refused for good (e.g. the order is gone)
                self._reject(entry, exc)
                report.rejected += 1
                continue
            self.settle(entry.id, "applied" if wrote else "already")
            if wrote:
                report.applied += 1
            else:
                report.already += 1
        return report


def journaled(db: JournaledStore, kind: str, payload: dict[str, Any], what: str,
              apply: Callable[[str | None], T]) -> T:
    """Run ``apply(journal_id)`` as a journaled write (see the module doc); without a journal on ``db``
    it just runs ``apply(None)``, translating a locked or full database into the same errors."""
    if kind not in _APPLIERS:  # an entry no replay could apply
        raise ValueError(f"unknown journal entry kind {kind!r}: register its applier first")
    journal: Journal | None = getattr(db, "journal", None)
    entry_id = journal.append(kind, payload, what) if journal is not None else None
    try:
        result = apply(entry_id)
    except DBAPIError as exc:
        if isinstance(exc, IntegrityError):  # refused for good: nothing to replay
            if journal is not None and entry_id is not None:
                journal.settle(entry_id, "rejected")
            raise
        if journal is None or entry_id is None:
            raise _db_error(exc, what, saved=False) from exc
        journal._deferred.add(entry_id)
        raise _db_error(exc, what, saved=True) from exc
    except Exception:
        if journal is not None and entry_id is not None:
            journal.settle(entry_id, "rejected")  # refused (e.g. the order is gone): nothing to replay
        raise
    if journal is not None and entry_id is not None:
        journal.settle(entry_id)
        if journal._deferred:  # the database takes writes again: apply what it refused earlier
            journal.replay(db, only=set(journal._deferred))
    return result


def _db_error(exc: DBAPIError, what: str, saved: bool) -> StoreWriteError:
    reason = str(exc.orig or exc).strip()
    low = reason.lower()
    cls: type[StoreWriteError]
    if "locked" in low or "busy" in low:
        cls, problem, when, again = StoreBusy, "The store is busy right now", "as soon as it is free", "in a moment"
    elif "full" in low:
        cls, problem, when, again = StorageFull, "The store's disk is full", "once space is freed", "later"
    else:
        cls, problem, when, again = (WriteDeferred, f"The store's database cannot take writes ({reason})",
                                     "when the store is opened next", "later")
    if saved:
        return cls(f"{problem}: your {what} is saved in the store's journal and will be applied {when}; "
                   "there is no need to repeat it.", saved=True)
    return cls(f"{problem}: your {what} was not recorded; nothing was changed. Please try again {again}.")


def apply_entry(db: JournaledStore, entry: JournalEntry) -> bool:
    """Apply one journaled write with its kind's applier; False when it was already in the database."""
    applier = _APPLIERS.get(entry.kind)
    if applier is None:
        raise ValueError(f"unknown journal entry kind {entry.kind!r}")
    return applier(db, entry)


def _read(fd: int) -> list[dict[str, Any]]:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    records = []
    for line in b"".join(chunks).splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a torn line from a crash mid-append: never acknowledged, never applied
        if isinstance(record, dict) and "id" in record:
            records.append(record)
    return records


def _pending(records: list[dict[str, Any]]) -> list[JournalEntry]:
    settled = {r["id"] for r in records if "done" in r}
    return [JournalEntry(r["id"], r["kind"], r.get("what", "change"), r.get("at", ""), r["payload"])
            for r in records if "done" not in r and "kind" in r and r["id"] not in settled]
