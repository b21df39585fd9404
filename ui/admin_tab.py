"""The store admin tab: upload store files (bad rows listed by line, the rest stored), re-index,
retrain the interest scorer with progress, the state of its training (the one ``aisle serve`` runs in
the background too, refreshed every few seconds), and the store's reports over time.

Named API endpoints: ``/upload`` ``(kind, file)``, ``/reindex``, ``/retrain``, ``/training``,
``/reports`` ``(days)``.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import pandas as pd

from assistant.errors import AisleError, KnowledgeError
from assistant.services.admin import KINDS, AdminService
from ui.api import Endpoint

ERROR_COLUMNS = ["file", "line", "problem"]
TRAINING_REFRESH_S = 3
RANKERS = {"embedding": "embedding affinity", "cross-encoder": "the fine-tuned interest scorer"}


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def _summary_markdown(summary: dict[str, Any]) -> str:
    """One line: the window, volumes, and shares as percentages."""
    def show(key: str, value: Any) -> str:
        return f"{value:.1%}" if key.endswith("share") or key == "ctr" else str(value)
    return " · ".join(f"**{k.replace('_', ' ')}:** {show(k, v)}" for k, v in summary.items())


def _minutes(seconds: float | None) -> str:
    seconds = int(seconds or 0)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def training_markdown(status: dict[str, Any]) -> str:
    """The interest scorer's training in a few lines: its state, and what the chat ranks with."""
    state = status["state"]
    ranking = f"The chat ranks with **{RANKERS.get(status['ranking_with'], status['ranking_with'])}**."
    if state == "running":
        done, total = status.get("done", 0), status.get("total", 0)
        amount = f": {done} of {total}" if total else ""
        unit = {"fine-tuning": " training pairs", "validating": " held-out cases"}.get(status.get("step", ""), "")
        line = (f"**Interest scorer: training** — {status.get('step', '')}{amount}{unit if total else ''}, "
                f"{_minutes(status.get('elapsed_s'))} so far.")
    elif state == "done":
        results = status.get("results") or {}
        scores = ", ".join(f"{name} {r.get('ndcg10', 0):.4f}" for name, r in results.items())
        line = (f"**Interest scorer: trained** — the validation on {status.get('cases') or 0} held-out cases chose "
                f"**{RANKERS.get(status.get('chosen') or '', status.get('chosen'))}**"
                + (f" (NDCG@10: {scores})" if scores else "") + ".")
    elif state == "failed":
        line = f"**Interest scorer: training failed** — {status.get('error', 'no reason given')}."
    else:
        line = "**Interest scorer: not trained yet** — `aisle serve` trains it in the background, or retrain it here."
    return line + " " + ranking


def admin_tab(admin: AdminService, app: gr.Blocks) -> list[Endpoint]:

    def fail(exc: Exception) -> gr.Error:
        return gr.Error(str(exc))

    def on_upload(kind: str, file: str | None):
        try:
            result = admin.upload(kind, file)
        except (ValueError, AisleError, KnowledgeError) as exc:
            raise fail(exc) from exc
        errors = [[e["file"], e["line"], e["message"]] for e in result["errors"]]
        head = (f"**{len(errors)} bad row(s) skipped; everything else was stored.**" if errors
                else "**Imported with no bad rows.**")
        return head + "\n\n" + "\n".join(f"- {line}" for line in result["lines"] if not line.startswith("  ")), errors

    def on_reindex():
        try:
            result = admin.reindex()
        except (AisleError, KnowledgeError) as exc:
            raise fail(exc) from exc
        return "**Index re-synced.**\n\n" + "\n".join(f"- {line}" for line in result["lines"])

    def on_retrain(progress: gr.Progress = gr.Progress(track_tqdm=True)):  # noqa: B008  (gradio's progress hook)
        progress(0, desc="preparing the training cases")
        try:
            result = admin.retrain()
        except (AisleError, KnowledgeError) as exc:  # TrainingRunning: the background one is still going
            raise fail(exc) from exc
        return f"**Scorer retrained** in `{result['scorer']}`.\n\n" + training_markdown(admin.training())

    def on_training() -> str:
        return training_markdown(admin.training())

    def on_plots(days: float):
        data = admin.reports(int(days))
        return (_summary_markdown(data["summary"]), _frame(data["intents"], ["day", "intent", "count"]),
                _frame(data["resolution"], ["day", "resolution", "count"]),
                _frame(data["feedback"], ["day", "rating", "count"]),
                _frame(data["click_through"], ["day", "impressions", "clicks", "ctr"]))

    with gr.Tab("Store admin"):
        training = gr.Markdown(elem_id="admin-training")
        training_timer = gr.Timer(TRAINING_REFRESH_S)
        gr.Markdown("**Upload store files** — JSONL or CSV (see `knowledge/IMPORT_FORMAT.md`). Bad rows are "
                    "listed by line and skipped; the rest is stored and indexed.")
        with gr.Row():
            kind = gr.Dropdown(list(KINDS), value="catalog", label="The file holds", scale=1, elem_id="admin-kind")
            file = gr.File(label="File", file_types=[".jsonl", ".csv"], type="filepath", scale=2,
                           elem_id="admin-file")
        with gr.Row():
            import_button = gr.Button("Import", variant="primary", scale=0, elem_id="admin-import")
            reindex_button = gr.Button("Re-index", scale=0, elem_id="admin-reindex")
            retrain_button = gr.Button("Retrain the interest scorer", scale=0, elem_id="admin-retrain")
        result = gr.Markdown(elem_id="admin-result")
        errors = gr.Dataframe(headers=ERROR_COLUMNS, value=[], interactive=False, wrap=True, elem_id="admin-errors")
        gr.Markdown("**Reports**")
        with gr.Row():
            days = gr.Slider(7, 180, value=30, step=1, label="days", scale=2)
            refresh = gr.Button("Refresh reports", scale=0, elem_id="admin-refresh")
        summary = gr.Markdown(elem_id="admin-summary")
        with gr.Row():
            intents = gr.BarPlot(x="day", y="count", color="intent", title="Intents per day", x_title="day")
            resolution = gr.BarPlot(x="day", y="count", color="resolution", title="Resolution per day")
        with gr.Row():
            feedback = gr.BarPlot(x="day", y="count", color="rating", title="Thumbs per day")
            ctr = gr.LinePlot(x="day", y="ctr", title="Recommendation click-through per day")

    private: dict[str, Any] = {"api_visibility": "private"}
    import_button.click(on_upload, [kind, file], [result, errors], **private)
    reindex_button.click(on_reindex, None, result, **private)
    retrain_button.click(on_retrain, None, result, **private, concurrency_id="retrain", concurrency_limit=1)
    training_timer.tick(on_training, None, training, **private, show_progress="hidden")
    app.load(on_training, None, training, **private)
    plot_outputs = [summary, intents, resolution, feedback, ctr]
    refresh.click(on_plots, days, plot_outputs, **private)
    app.load(on_plots, days, plot_outputs, **private)

    def upload_api(kind: str, file: Any) -> dict[str, Any]:
        path = file if isinstance(file, str) else getattr(file, "path", None) or (file or {}).get("path")
        try:
            return admin.upload(kind, path)
        except (ValueError, AisleError, KnowledgeError) as exc:
            raise fail(exc) from exc

    def reindex_api() -> dict[str, Any]:
        try:
            return admin.reindex()
        except (AisleError, KnowledgeError) as exc:
            raise fail(exc) from exc

    return [(upload_api, ["str", "file"], "upload"), (reindex_api, [], "reindex"),
            (admin.retrain, [], "retrain"), (admin.training, [], "training"), (admin.reports, ["int"], "reports")]
