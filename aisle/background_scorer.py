"""The interest scorer, trained behind a running server.

Training takes minutes on a CPU, so ``aisle serve`` does not wait for it: once the models are warm
it starts ``aisle scorer train`` as a child process at the lowest CPU priority, only when the store
has no trained scorer and no training holds the data folder's lock. The chat ranks with embedding
affinity meanwhile. ``ScorerWatch`` looks at the scorer's card every few seconds (one ``stat``) and,
when the training wrote a new one, rebuilds what depends on the store's data (``Services.reload``):
the next turn ranks with whichever scorer the validation chose, without a restart. It also reads the
database's data version, which every ingest changes, so when several Aisle processes serve a store, an
upload through one's admin reaches the others' catalog, search and policy within seconds.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from aisle.wiring import Services
from knowledge.ingest import DATA_VERSION_KEY
from recommender.cross_encoder import CARD_FILE
from recommender.training_progress import training_running

LOG_FILE = "scorer-training.log"  # the background training's own output, beside its progress file
LOWEST_PRIORITY = 19
CHECK_EVERY_S = 5.0
log = logging.getLogger(__name__)


def training_command(data_dir: Path) -> list[str]:
    """``aisle scorer train`` on ``data_dir``, at the lowest CPU priority."""
    return [sys.executable, "-m", "aisle", "scorer", "train", "--data-dir", str(data_dir),
            "--nice", str(LOWEST_PRIORITY)]


def start_training(services: Services, command: Sequence[str] | None = None) -> subprocess.Popen[bytes] | None:
    """Start the training in the background if the store has no trained scorer and none is being
    trained; returns the child process, or None when there is nothing to start. ``command``: what
    to run (default: ``training_command``)."""
    data_dir = services.settings.data_dir
    if services.has_trained_scorer() or training_running(data_dir):
        return None
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / LOG_FILE, "wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(list(command or training_command(data_dir.resolve())), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT)


class ScorerWatch:
    """Reloads the store's ranking when the scorer's card file changes (written, replaced or removed) or
    an ingest (perhaps another process's) changed the store's data; with ``training``, the background
    training's process, it also reaps that process when it ends."""

    def __init__(self, services: Services, training: subprocess.Popen[bytes] | None = None):
        self.services = services
        self.training = training
        self.card = services.scorer_dir / CARD_FILE
        self._seen = self._signature()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _signature(self) -> tuple[tuple[int, int, int] | None, str | None]:
        """The card file's identity and the store's data version (one small query)."""
        data = self.services.db.meta(DATA_VERSION_KEY)
        try:
            stat = self.card.stat()
        except FileNotFoundError:
            return None, data
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size), data

    def check(self) -> bool:
        """Reload if the card changed since the last look, and rebuild the assistant at once so no
        shopper's turn waits for it; returns whether it reloaded."""
        seen = self._signature()
        if seen == self._seen:
            return False
        self._seen = seen
        self.services.reload()
        self.services.current.assistant  # noqa: B018  (built here, not in the next shopper's turn)
        return True

    def _reap(self) -> None:
        if self.training is not None and (code := self.training.poll()) is not None:
            log.info("the background training of the interest scorer ended (exit code %s; see %s)", code,
                     self.services.settings.data_dir / LOG_FILE)
            self.training = None

    def _run(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            self._reap()
            try:
                if self.check():
                    ranker = self.services.current.ranker
                    log.info("the interest scorer's card or the store's data changed: the chat now ranks "
                             "with %s, weights %s", type(ranker.scorer).__name__, ranker.weights)
            except Exception:  # a broken card must not stop the watch; the next change is tried again
                log.exception("reloading after the interest scorer's card changed failed")

    def start(self, every_s: float = CHECK_EVERY_S) -> None:
        self._thread = threading.Thread(target=self._run, args=(every_s,), name="scorer-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


@contextmanager
def scorer_in_background(services: Services, train: bool = True) -> Iterator[subprocess.Popen[bytes] | None]:
    """While the server runs: the card watched, and the training started if ``train`` and needed;
    a training still running when the server stops is stopped with it (the next start begins again)."""
    process = start_training(services) if train else None
    watch = ScorerWatch(services, process)
    watch.start()
    try:
        yield process
    finally:
        watch.stop()
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
