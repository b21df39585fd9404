"""One writer at a time, and recovery from an ingest that died midway.

``ingest_lock`` holds an exclusive ``flock`` on ``<data dir>/ingest.lock`` (the holder's pid is
written in it) for the whole ingest: a second ``aisle ingest`` fails at once with "another ingest is
running (pid …)", or waits up to ``timeout`` seconds. The kernel drops the lock when its process
dies, however it dies, so a killed ingest never leaves a stale lock behind.

Readers take no lock: the SQL database commits each file in one transaction, Chroma serves queries
while records are upserted, and the BM25 files are replaced by a rename.

Before its first write an ingest leaves a marker (``ingest.in-progress``) and removes it once the
database, Chroma and BM25 agree. A marker found when the store is opened with no ingest running
means one was killed midway: ``recover`` re-syncs the indexes from the database (the source of
truth, which is transactional) and removes the marker; an index that cannot even be read is
dropped and rebuilt from the database.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from knowledge.errors import KnowledgeError

LOCK_FILE = "ingest.lock"
MARKER_FILE = "ingest.in-progress"


class IngestRunning(KnowledgeError):
    """Another process holds the ingest lock."""


def _holder(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 64).decode(errors="replace").strip() or "unknown"


@contextmanager
def ingest_lock(data_dir: str | Path, timeout: float = 0.0) -> Iterator[None]:
    """Hold the store's writer lock; ``IngestRunning`` if another process keeps it past ``timeout`` s."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not flock_within(fd, timeout):
            waited = f" (waited {timeout:g} s)" if timeout else ""
            raise IngestRunning(
                f"another ingest is running (pid {_holder(fd)}) on {data_dir}{waited}; let it finish, "
                "or pass --wait SECONDS to queue behind it."
            )
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def flock_within(fd: int, timeout: float) -> bool:
    """Take an exclusive ``flock`` on ``fd``, trying every 0.1 s for up to ``timeout`` s; False if another holds it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)


def ingest_running(data_dir: str | Path) -> bool:
    """Whether some process holds the writer lock now."""
    return lock_held(Path(data_dir) / LOCK_FILE)


def lock_held(path: Path) -> bool:
    """Whether some process holds an exclusive ``flock`` on the file at ``path`` now (False if it is absent)."""
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the probe's own lock
    return False


def mark_in_progress(data_dir: str | Path) -> None:
    path = Path(data_dir) / MARKER_FILE
    path.write_text(f"pid {os.getpid()} started {time.strftime('%Y-%m-%dT%H:%M:%S')}\n")
    fsync_dir(path.parent)


def clear_in_progress(data_dir: str | Path) -> None:
    (Path(data_dir) / MARKER_FILE).unlink(missing_ok=True)


def interrupted(data_dir: str | Path) -> bool:
    """An ingest left its marker and no ingest is running: it died before the indexes caught up."""
    return (Path(data_dir) / MARKER_FILE).exists() and not ingest_running(data_dir)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
