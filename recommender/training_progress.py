"""The interest scorer's training as other processes see it.

One training at a time per data folder: the training holds an exclusive ``flock`` on
``<data dir>/scorer-training.lock`` (the kernel drops it when the process dies, however it dies).
Its progress is ``<data dir>/scorer-training.json``, rewritten atomically: the step, how much of it
is done, the elapsed time, and at the end the validation's result or the error. ``aisle serve``
starts the training in the background and the store admin reads this file; a file that still says
"running" while no process holds the lock belonged to a training that was killed.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from knowledge.errors import KnowledgeError
from knowledge.store.store_lock import flock_within, lock_held

LOCK_FILE = "scorer-training.lock"
PROGRESS_FILE = "scorer-training.json"
STATES = ("not started", "running", "done", "failed")
LOCK_WAIT_S = 2.0  # a reader's brief shared lock (``training_running``) must not turn a training away

# (step, done, total): what a training reports as it goes
StepReport = Callable[[str, int, int], None]


class TrainingRunning(KnowledgeError):
    """Another process is training this store's interest scorer."""


@contextmanager
def training_lock(data_dir: str | Path) -> Iterator[None]:
    """Hold the data folder's training lock; ``TrainingRunning`` if another process holds it."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not flock_within(fd, LOCK_WAIT_S):
            raise TrainingRunning(
                f"the interest scorer is already being trained on {data_dir} (see the store admin, "
                f"or {data_dir / PROGRESS_FILE}); it is used as soon as it is done.")
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def training_running(data_dir: str | Path) -> bool:
    """Whether some process holds the training lock now."""
    return lock_held(Path(data_dir) / LOCK_FILE)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ProgressFile:
    """What the training process writes as it goes (throttled to one write per ``min_interval_s``
    within a step; a new step, the end and a failure are written at once)."""

    def __init__(self, data_dir: str | Path, min_interval_s: float = 1.0):
        self.path = Path(data_dir) / PROGRESS_FILE
        self.min_interval_s = min_interval_s
        self._started = time.monotonic()
        self._state: dict[str, Any] = {}
        self._written = 0.0

    def _write(self, **fields: Any) -> None:
        self._state = {**self._state, **fields, "elapsed_s": round(time.monotonic() - self._started, 1),
                       "updated_at": _now()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self._state, indent=2), encoding="utf-8")
        os.replace(tmp, self.path)  # a reader never sees half a file
        self._written = time.monotonic()

    def started(self) -> None:
        self._started = time.monotonic()
        self._state = {}
        self._write(state="running", pid=os.getpid(), started_at=_now(), step="preparing the training cases",
                    done=0, total=0)

    def step(self, step: str, done: int, total: int) -> None:
        """A ``StepReport``: ``done`` of ``total`` in ``step``."""
        new_step = step != self._state.get("step")
        if new_step or done >= total or time.monotonic() - self._written >= self.min_interval_s:
            self._write(step=step, done=done, total=total)

    def finished(self, card: Mapping[str, Any]) -> None:
        """The scorer is saved and validated: ``card`` is its model card."""
        validation = card.get("validation") or {}
        self._write(state="done", step="done", chosen=validation.get("chosen"), cases=validation.get("cases"),
                    results=validation.get("results", {}), pairs=card.get("pairs"))

    def failed(self, error: BaseException) -> None:
        if isinstance(error, KeyboardInterrupt | SystemExit):
            message = "stopped before it finished (the server or the training was stopped)"
        else:
            message = f"{type(error).__name__}: {error}"
        self._write(state="failed", error=message)


def _read(path: Path) -> dict[str, Any]:
    status = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(status, dict):
        raise ValueError("not a JSON object")
    return status


def training_status(data_dir: str | Path, card: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The last training's progress, ``state`` being one of ``STATES``, and ``ranking_with``: the
    scorer the chat ranks with, as the trained scorer's ``card`` says ("embedding" without one).
    The card also stands for a "done" when no progress file was ever written (a scorer trained by an
    Aisle that wrote none)."""
    path = Path(data_dir) / PROGRESS_FILE
    validation = (card or {}).get("validation") or {}
    ranking_with = validation.get("chosen") or "embedding"
    try:
        status = _read(path)
        if status.get("state") == "running" and not training_running(data_dir):
            status = _read(path)  # read again: it may have ended between the two looks
            if status.get("state") == "running":
                status = {**status, "state": "failed",
                          "error": f"the training stopped before it finished (process {status.get('pid')} is gone)"}
    except FileNotFoundError:
        if validation.get("chosen"):
            status = {"state": "done", "step": "done", "chosen": validation["chosen"], "cases": validation.get("cases"),
                      "results": validation.get("results", {}), "pairs": (card or {}).get("pairs")}
        else:
            status = {"state": "not started"}
    except (OSError, ValueError) as exc:
        status = {"state": "failed", "error": f"the progress file {path} cannot be read: {exc}"}
    if status.get("state") not in STATES:
        status = {**status, "state": "failed", "error": f"the progress file {path} has no known state"}
    if status["state"] == "running" and status.get("started_at"):  # the file is written per step: count on
        try:
            started = datetime.fromisoformat(status["started_at"])
            status["elapsed_s"] = round(max(0.0, (datetime.now(UTC) - started).total_seconds()), 1)
        except (TypeError, ValueError):
            pass
    return {**status, "ranking_with": ranking_with}
