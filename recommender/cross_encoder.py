"""The interest scorer: a cross-encoder over (the shopper's recent items, a candidate item),
fine-tuned from the bundled MiniLM with sentence-transformers' ``CrossEncoderTrainer``.

Training pairs are (history text, next item) positives and hard negatives drawn from the
candidate generator's own top results, so the model learns what the recall stage cannot tell
apart. The model is written to a temporary folder and renamed into place only when complete,
so an interrupted training never leaves a half-written scorer.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np

from knowledge.files import replace_dir

MAX_HISTORY_ITEMS = 5
CARD_FILE = "aisle_scorer.json"


def history_text(titles: Sequence[str], max_items: int = MAX_HISTORY_ITEMS, newest_first: bool = False,
                 title_chars: int = 120) -> str:
    """The shopper's most recent item titles (``titles`` oldest first), oldest first unless ``newest_first``.

    Newest first keeps the items that matter most when the tokenizer cuts a long history from its end.
    """
    recent = [t.strip()[:title_chars] for t in list(titles)[-max_items:]]
    return " | ".join(reversed(recent) if newest_first else recent)


LOSSES = ("bce", "listwise")  # train_cross_encoder's ``loss``
Pairs = tuple[list[str], list[str], list[float]]  # (history text, item text, 0/1 label) rows
Groups = tuple[list[str], list[str], list[list[str]]]  # (history text, next item text, hard negatives' texts)


def build_pairs(
    cases: Sequence[tuple[Sequence[str], str]],
    text: Callable[[str], str],
    title: Callable[[str], str],
    negatives: Callable[[Sequence[str]], Sequence[str]] | Sequence[Sequence[str]],
    per_positive: int = 3,
    seed: int = 7,
    context: Callable[[Sequence[str]], str] | None = None,
) -> Pairs:
    """(history text, candidate text, label) rows: each target with ``per_positive`` hard negatives,
    drawn from ``negatives(history)`` or from ``negatives[i]`` for the i-th case. ``context`` turns
    a history into text (default: ``history_text`` of the titles)."""
    left: list[str] = []
    right: list[str] = []
    labels: list[float] = []
    for history_, target, chosen in _sampled(cases, negatives, per_positive, seed):
        said = context(history_) if context else history_text([title(h) for h in history_])
        for item, label in [(target, 1.0)] + [(n, 0.0) for n in chosen]:
            left.append(said)
            right.append(text(item))
            labels.append(label)
    return left, right, labels


def build_groups(
    cases: Sequence[tuple[Sequence[str], str]],
    text: Callable[[str], str],
    context: Callable[[Sequence[str]], str],
    negatives: Sequence[Sequence[str]],
    per_positive: int = 4,
    seed: int = 7,
) -> Groups:
    """One (history text, target text, ``per_positive`` hard negatives' texts) group per case, for
    the listwise loss; a case with fewer hard negatives than that is left out."""
    groups: Groups = ([], [], [])
    for history_, target, chosen in _sampled(cases, negatives, per_positive, seed):
        if len(chosen) == per_positive:
            groups[0].append(context(history_))
            groups[1].append(text(target))
            groups[2].append([text(n) for n in chosen])
    return groups


def _sampled(cases: Sequence[tuple[Sequence[str], str]],
             negatives: Callable[[Sequence[str]], Sequence[str]] | Sequence[Sequence[str]], count: int, seed: int
             ) -> list[tuple[Sequence[str], str, list[str]]]:
    """Each case with up to ``count`` of its proposed negatives (never the target or a history item)."""
    rng = random.Random(seed)
    out = []
    for i, (history_, target) in enumerate(cases):
        proposed = negatives(history_) if callable(negatives) else negatives[i]
        pool = [c for c in proposed if c != target and c not in history_]
        out.append((history_, target, rng.sample(pool, min(count, len(pool)))))
    return out


def remove_abandoned_runs(folder: Path, older_than_s: float = 6 * 3600) -> list[Path]:
    """Delete work folders left by trainings that were killed (a clean exit removes its own); a
    recent one may belong to a training still running, so only old ones go."""
    removed = []
    for work in folder.glob(".train-*"):
        if work.is_dir() and time.time() - work.stat().st_mtime > older_than_s:
            shutil.rmtree(work, ignore_errors=True)
            removed.append(work)
    return removed


def train_cross_encoder(
    base_model: str | Path,
    pairs: Pairs | Groups,
    out_dir: Path,
    card: dict[str, Any],
    epochs: int = 1,
    batch_size: int = 32,
    learning_rate: float = 5e-5,
    max_length: int = 128,
    progress: bool = True,
    on_step: Callable[[str, int, int], None] | None = None,
    loss: str = "bce",
) -> Path:
    """Fine-tune ``base_model`` and save it with a model card at ``out_dir``; ``on_step("fine-tuning",
    rows done, rows)`` after each training step.

    ``loss="bce"``: ``pairs`` are labelled ``Pairs``, each judged alone (binary cross-entropy).
    ``loss="listwise"``: ``pairs`` are ``Groups``; a softmax over each group's target and hard
    negatives (plus one other group's target) asks for the target on top, as the ranking does.
    """
    from sentence_transformers import CrossEncoder
    from sentence_transformers.cross_encoder import CrossEncoderTrainer, CrossEncoderTrainingArguments

    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    model = CrossEncoder(str(base_model), num_labels=1, max_length=max_length, local_files_only=True)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned_runs(out_dir.parent)
    work = Path(tempfile.mkdtemp(prefix=".train-", dir=out_dir.parent))
    try:
        args = CrossEncoderTrainingArguments(
            output_dir=str(work / "checkpoints"), num_train_epochs=epochs, per_device_train_batch_size=batch_size,
            learning_rate=learning_rate, warmup_steps=0.1, save_strategy="no", logging_strategy="no",
            report_to="none", use_cpu=True, dataloader_num_workers=0, disable_tqdm=not progress, seed=7,
        )
        dataset, objective, rows, positives = _training_data(model, pairs, loss)
        started = time.perf_counter()
        trainer = CrossEncoderTrainer(model=model, args=args, train_dataset=dataset, loss=objective)
        if not progress:  # without tqdm, transformers prints its final metrics to stdout instead
            from transformers.trainer_callback import PrinterCallback

            trainer.remove_callback(PrinterCallback)
        if on_step is not None:
            trainer.add_callback(_step_reporter(on_step, batch_size, rows))
        trainer.train()
        final = work / "model"
        model.save_pretrained(str(final))
        card = {**card, "base_model": str(base_model), "pairs": rows, "positives": positives, "loss": loss,
                "epochs": epochs, "max_length": max_length, "train_seconds": round(time.perf_counter() - started, 1),
                "trained_at": datetime.now(UTC).isoformat(timespec="seconds")}
        (final / CARD_FILE).write_text(json.dumps(card, indent=2), encoding="utf-8")
        replace_dir(final, out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out_dir


def _training_data(model: Any, pairs: Pairs | Groups, loss: str) -> tuple[Any, Any, int, int]:
    """The data set and loss object for ``loss``, the rows (pairs or groups) and the positives."""
    from datasets import Dataset
    from sentence_transformers.cross_encoder.losses import (
        BinaryCrossEntropyLoss,
        MultipleNegativesRankingLoss,
    )
    from torch import nn

    if loss == "bce":
        left, right, labels = cast("Pairs", pairs)
        columns: dict[str, list[Any]] = {"history": left, "item": right, "label": labels}
        return Dataset.from_dict(columns), BinaryCrossEntropyLoss(model), len(labels), int(sum(labels))
    contexts, targets, negatives = cast("Groups", pairs)
    columns = {"history": contexts, "item": targets}
    for n in range(len(negatives[0]) if negatives else 0):
        columns[f"negative_{n + 1}"] = [group[n] for group in negatives]
    # raw logits in the softmax (no sigmoid, no scale): the scorer's log-odds are what the list model reads
    objective = MultipleNegativesRankingLoss(model, num_negatives=1, scale=1, activation_fn=nn.Identity())
    return Dataset.from_dict(columns), objective, len(contexts), len(contexts)


def _step_reporter(on_step: Callable[[str, int, int], None], batch_size: int, pairs: int) -> Any:
    """A trainer callback that reports the pairs trained on so far after each step."""
    from transformers import TrainerCallback

    class StepReporter(TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            on_step("fine-tuning", min(state.global_step * batch_size, pairs), pairs)

    return StepReporter()


def read_card(model_dir: Path) -> dict[str, Any]:
    """A scorer's model card, or {} when there is no trained scorer there."""
    path = Path(model_dir) / CARD_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def update_card(model_dir: Path, **fields: Any) -> None:
    """Add fields to a scorer's card, atomically (a reader never sees half a card)."""
    path = Path(model_dir) / CARD_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({**read_card(model_dir), **fields}, indent=2), encoding="utf-8")
    os.replace(tmp, path)


class PairScorer(Protocol):
    """Scores (history text, item text) pairs: the PyTorch model or its ONNX int8 copy."""

    def score_pairs(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray: ...


class CrossEncoderScorer:
    """Scores (history text, item text) pairs in batches; the model loads on first use."""

    def __init__(self, model_path: str | Path, batch_size: int = 64, device: str = "cpu"):
        self.model_path = str(model_path)
        self.batch_size = batch_size
        self.device = device
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def card(self) -> dict[str, Any]:
        return read_card(Path(self.model_path))

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                from sentence_transformers import CrossEncoder

                self._model = CrossEncoder(self.model_path, num_labels=1, device=self.device, local_files_only=True)
        return self._model

    def score_pairs(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Probability-like scores in [0, 1], one per pair."""
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        # a one-label CrossEncoder applies a sigmoid by default
        scores = self._load().predict(list(pairs), batch_size=self.batch_size, show_progress_bar=False,
                                      convert_to_numpy=True)
        return np.asarray(scores, dtype=np.float32).reshape(-1)
