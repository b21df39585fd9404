"""``aisle intents evaluate``: train the few-shot intent model on one CSV, score another.

Reports accuracy over every test row, in-scope accuracy, out-of-scope recall (test rows with the
OOS label that were rejected), macro-F1 and MCC over all labels (OOS included), the threshold the
training data chose, and latency per utterance (one at a time, as in a chat) and per batch.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from assistant.intents.llm_scorer import LlmLabelScorer
from assistant.intents.model import FewShotIntentModel
from knowledge.retrieval.embed import Embedder

LATENCY_SAMPLE = 100


@dataclass
class IntentReport:
    train_examples: int
    labels: int
    test_examples: int
    oos_label: str | None
    metrics: dict[str, float | None] = field(default_factory=dict)
    threshold: float = 0.0
    chosen: dict[str, Any] = field(default_factory=dict)  # settings and options picked by CV
    fit_seconds: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate_intents(train: tuple[Sequence[str], Sequence[str]], test: tuple[Sequence[str], Sequence[str]],
                     embedder: Embedder, oos_label: str | None = None, limit: int | None = None,
                     llm: LlmLabelScorer | None = None, finetune: bool = False,
                     bundled_negatives: bool = True) -> IntentReport:
    """``llm``: give the LLM's vote a weight chosen by cross-validation; ``finetune``: try SetFit-style
    fine-tuning of the embedder (kept only if it wins on a held-out fold of the training rows);
    ``bundled_negatives``: when the training rows have no ``oos_label`` row, Aisle's generic out-of-scope
    messages stand in for them (off: the 5th-percentile threshold rule alone)."""
    start = time.perf_counter()
    model = FewShotIntentModel(embedder, oos_label, llm=llm, finetune=finetune,
                               bundled_negatives=bundled_negatives).fit(*train)
    return score_model(model, test, len(train[0]), time.perf_counter() - start, limit)


def score_model(model: FewShotIntentModel, test: tuple[Sequence[str], Sequence[str]], train_examples: int,
                fit_seconds: float, limit: int | None = None) -> IntentReport:
    """The report of a fitted model on ``test``."""
    from sklearn.metrics import f1_score, matthews_corrcoef

    oos_label = model.oos_label
    texts, truth = list(test[0])[:limit or None], list(test[1])[:limit or None]
    report = IntentReport(train_examples, len(model.labels), len(texts), oos_label,
                          threshold=round(model.threshold, 4), fit_seconds=round(fit_seconds, 2),
                          chosen=dict(model.chosen))
    start = time.perf_counter()
    predicted = [g.label for g in model.predict(texts)]
    batch_ms = (time.perf_counter() - start) / max(1, len(texts)) * 1000
    single = []
    for text in texts[:LATENCY_SAMPLE]:
        start = time.perf_counter()
        model.predict([text])
        single.append((time.perf_counter() - start) * 1000)
    report.latency_ms = {"one_at_a_time_p50": round(statistics.median(single), 2) if single else 0.0,
                         "batched_per_utterance": round(batch_ms, 3)}
    truth_a, pred_a = np.array(truth), np.array(predicted)
    in_scope = truth_a != oos_label if oos_label is not None else np.ones(len(truth_a), dtype=bool)
    report.metrics = {
        "accuracy": round(float((truth_a == pred_a).mean()), 4),
        "in_scope_accuracy": round(float((truth_a == pred_a)[in_scope].mean()), 4) if in_scope.any() else None,
        "oos_recall": round(float((pred_a[~in_scope] == oos_label).mean()), 4) if (~in_scope).any() else None,
        "macro_f1": round(float(f1_score(truth_a, pred_a, average="macro", zero_division=0)), 4),
        "mcc": round(float(matthews_corrcoef(truth_a, pred_a)), 4),
    }
    return report
