"""Few-shot intent classification a store can train on its own ``sentence,label`` examples.

MiniLM sentence embeddings feed two classifiers whose probabilities are averaged: a logistic
regression head and nearest examples (softmax over each label's top-3 mean similarity). An
utterance whose best probability is under a threshold is out of scope; the threshold comes from
cross-validation on the TRAINING data only (out-of-fold confidences), never from test labels:

* with out-of-scope examples in training: the threshold that maximises out-of-fold accuracy,
  counting a rejected out-of-scope example as correct;
* without: the 5th percentile of the out-of-fold confidence of correctly classified examples
  (at most 5% of answerable messages rejected).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import AisleError
from knowledge.embed import Embedder

KEEP_IN_SCOPE = 0.95  # without out-of-scope examples: keep 95% of correct out-of-fold answers
TOP_N = 3
TEMPERATURE = 0.05  # of the nearest-example softmax (cosine similarities)


class BadIntentFile(AisleError):
    """An intent examples file that cannot be used, with the line(s) at fault."""


@dataclass(frozen=True)
class IntentGuess:
    label: str  # the out-of-scope label when rejected
    confidence: float
    best_in_scope: str  # the label it would have been


def read_intent_csv(path: str | Path) -> tuple[list[str], list[str]]:
    """``sentence,label`` rows (a header row is required); any bad row rejects the file with its line."""
    path = Path(path)
    if not path.is_file():
        raise BadIntentFile(f"{path}: no such file")
    texts: list[str] = []
    labels: list[str] = []
    errors: list[str] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader, [])]
        if header[:2] != ["sentence", "label"]:
            raise BadIntentFile(f"{path}: line 1 must be the header 'sentence,label', not {','.join(header)!r}")
        for row in reader:
            line = reader.line_num
            if not row or not any(cell.strip() for cell in row):
                continue
            if len(row) != 2 or not row[0].strip() or not row[1].strip():
                errors.append(f"line {line}: expected a non-empty sentence and label, got {row!r}")
                continue
            texts.append(row[0].strip())
            labels.append(row[1].strip())
    if errors:
        shown = "; ".join(errors[:3]) + (f"; and {len(errors) - 3} more" if len(errors) > 3 else "")
        raise BadIntentFile(f"{path}: {len(errors)} bad row(s): {shown}")
    if not texts:
        raise BadIntentFile(f"{path}: no examples")
    return texts, labels


class FewShotIntentModel:
    def __init__(self, embedder: Embedder, oos_label: str | None = None, regularisation: float = 20.0,
                 folds: int = 5, seed: int = 0):
        self.embedder = embedder
        self.oos_label = oos_label
        self.regularisation = regularisation
        self.folds = folds
        self.seed = seed
        self.labels: list[str] = []
        self.threshold = 0.0
        self._head = None
        self._examples = np.zeros((0, 1), dtype=np.float32)
        self._example_labels = np.zeros(0, dtype=int)

    # -- scoring --------------------------------------------------------------------------------
    def _fit_parts(self, vectors: np.ndarray, label_ids: np.ndarray):
        from sklearn.linear_model import LogisticRegression

        head = LogisticRegression(C=self.regularisation, max_iter=3000, random_state=self.seed)
        return head.fit(vectors, label_ids), vectors, label_ids

    def _probabilities(self, parts, vectors: np.ndarray) -> np.ndarray:
        head, examples, example_labels = parts
        linear = np.zeros((len(vectors), len(self.labels)), dtype=np.float32)
        linear[:, head.classes_] = head.predict_proba(vectors)
        sims = vectors @ examples.T
        nearest = np.full((len(vectors), len(self.labels)), -1.0, dtype=np.float32)
        for label in np.unique(example_labels):
            own = np.sort(sims[:, example_labels == label], axis=1)[:, -TOP_N:]
            nearest[:, label] = own.mean(axis=1)
        nearest = np.exp((nearest - nearest.max(axis=1, keepdims=True)) / TEMPERATURE)
        nearest /= nearest.sum(axis=1, keepdims=True)
        return 0.5 * linear + 0.5 * nearest

    # -- training -------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[str], progress: bool = False) -> FewShotIntentModel:
        counts = Counter(label for label in labels if label != self.oos_label)
        if len(counts) < 2:
            raise BadIntentFile("intent training data needs at least two in-scope labels")
        self.labels = sorted(counts)
        index = {label: i for i, label in enumerate(self.labels)}
        vectors = self.embedder.embed(list(texts))
        in_scope = np.array([label != self.oos_label for label in labels])
        ids = np.array([index.get(label, -1) for label in labels])
        self.threshold = self._cross_validated_threshold(vectors, ids, in_scope, min(counts.values()))
        parts = self._fit_parts(vectors[in_scope], ids[in_scope])
        self._head, self._examples, self._example_labels = parts
        return self

    def _cross_validated_threshold(self, vectors: np.ndarray, ids: np.ndarray, in_scope: np.ndarray,
                                   fewest: int) -> float:
        from sklearn.model_selection import StratifiedKFold

        folds = min(self.folds, fewest)
        if folds < 2:
            return 0.0  # one example of some label: nothing to hold out
        confidence = np.zeros(len(ids), dtype=np.float32)
        correct = np.zeros(len(ids), dtype=bool)
        strata = np.where(in_scope, ids, -1)
        for train, held in StratifiedKFold(folds, shuffle=True, random_state=self.seed).split(vectors, strata):
            train = train[in_scope[train]]
            parts = self._fit_parts(vectors[train], ids[train])
            probs = self._probabilities(parts, vectors[held])
            confidence[held] = probs.max(axis=1)
            correct[held] = probs.argmax(axis=1) == ids[held]
        if in_scope.all():
            kept = confidence[correct]
            return float(np.quantile(kept, 1 - KEEP_IN_SCOPE)) if len(kept) else 0.0
        candidates = np.unique(np.concatenate([[0.0], confidence]))
        accuracy = [((confidence >= t) & correct & in_scope).sum() + ((confidence < t) & ~in_scope).sum()
                    for t in candidates]
        return float(candidates[int(np.argmax(accuracy))])

    # -- prediction -----------------------------------------------------------------------------
    def predict(self, texts: Sequence[str]) -> list[IntentGuess]:
        if self._head is None:
            raise RuntimeError("fit the intent model first")
        probs = self._probabilities((self._head, self._examples, self._example_labels),
                                    self.embedder.embed(list(texts)))
        guesses = []
        for row in probs:
            best = self.labels[int(row.argmax())]
            confidence = float(row.max())
            rejected = self.oos_label is not None and confidence < self.threshold
            guesses.append(IntentGuess(self.oos_label if rejected else best, confidence, best))  # type: ignore[arg-type]
        return guesses
