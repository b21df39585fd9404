"""What the store admin does from the staff app: import a store file (bad rows listed by line, the
rest stored), re-sync the search indexes, retrain the interest scorer and follow its training (the
one ``aisle serve`` starts in the background too), and read the store's reports.

Importing and retraining change what the whole app knows, so they are the composition root's to do
(``import_files``, ``retrain``: it rebuilds what depends on the store's data afterwards); this service
checks the request and shapes the result.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from knowledge.ingest import IngestReport
from knowledge.store.reports import StoreReports
from recommender.cross_encoder import read_card

KINDS = ("catalog", "faq", "customers", "orders", "interactions")  # the files one upload may hold
MAX_REPORT_DAYS = 366


def report_dict(report: IngestReport) -> dict[str, Any]:
    return {"lines": report.lines(),
            "errors": [{"file": Path(f).name, "line": e.line, "message": e.message} for f, e in report.errors]}


class AdminService:
    def __init__(self, import_files: Callable[..., IngestReport], retrain: Callable[[], Path], reports: StoreReports,
                 training_status: Callable[[], dict[str, Any]]):
        """``import_files(**paths)``: an ingest of the given files (none: a re-sync of the indexes);
        ``retrain()``: fine-tunes and validates the scorer, returning its folder (``TrainingRunning``
        while another training runs); ``training_status()``: the last training's progress
        (``recommender.training_progress.training_status``)."""
        self._import = import_files
        self._retrain = retrain
        self._reports = reports
        self._training_status = training_status

    def upload(self, kind: str, path: str | None) -> dict[str, Any]:
        """Import one store file; ``ValueError`` for a wrong kind or no file."""
        if kind not in KINDS:
            raise ValueError(f"Pick what the file holds: one of {', '.join(KINDS)} (not {kind!r}).")
        if not path:
            raise ValueError("Choose a .jsonl or .csv file to upload first.")
        return report_dict(self._import(**{kind: Path(path)}))

    def reindex(self) -> dict[str, Any]:
        """Re-sync the search indexes with the database (only what changed is re-embedded)."""
        return report_dict(self._import())

    def retrain(self) -> dict[str, Any]:
        out = self._retrain()
        return {"scorer": str(out), "card": read_card(out)}

    def training(self) -> dict[str, Any]:
        """The interest scorer's training: ``state`` "not started", "running" (``step``, ``done`` of
        ``total``, ``elapsed_s``), "done" (``chosen``: the scorer the chat ranks with, and each
        scorer's held-out ``results``) or "failed" (``error``; the chat keeps ranking with embedding
        affinity). ``ranking_with``: the scorer the chat ranks with now."""
        return self._training_status()

    def reports(self, days: int = 30) -> dict[str, Any]:
        """Intents, resolution, thumbs and click-through per day over the last ``days`` (1–366)."""
        days = max(1, min(int(days or 30), MAX_REPORT_DAYS))
        reports = self._reports
        return {"days": days, "intents": reports.intents(days), "resolution": reports.resolution(days),
                "feedback": reports.feedback(days), "click_through": reports.click_through(days),
                "summary": reports.summary(days)}
