"""Few-shot intent classification a store can train on its own ``sentence,label`` examples.

MiniLM sentence embeddings feed two classifiers whose probabilities are mixed: a logistic
regression head and nearest examples (softmax over each label's top-3 mean similarity); the head's
regularisation and the mix are chosen by cross-validation on the training rows. An
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
from typing import Any

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


REGULARISATION = (10.0, 100.0)  # logistic head's C, chosen by cross-validation
LINEAR_WEIGHT = (0.0, 0.25, 0.5, 0.75, 1.0)  # head vs nearest examples, chosen by cross-validation


class FewShotIntentModel:
    def __init__(self, embedder: Embedder, oos_label: str | None = None, folds: int = 5, seed: int = 0):
        self.embedder = embedder
        self.oos_label = oos_label
        self.folds = folds
        self.seed = seed
        self.labels: list[str] = []
        self.threshold = 0.0
        self.regularisation = REGULARISATION[0]
        self.linear_weight = 0.5
        self.cv_accuracy: dict[str, float] = {}  # out-of-fold in-scope accuracy per setting
        self._head: Any = None
        self._examples = np.zeros((0, 1), dtype=np.float32)
        self._example_labels = np.zeros(0, dtype=int)

    # -- scoring --------------------------------------------------------------------------------
    def _linear(self, vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray, regularisation: float
                ) -> tuple[np.ndarray, Any]:
        """The head's probabilities for ``queries``, and the head."""
        from sklearn.linear_model import LogisticRegression

        head = LogisticRegression(C=regularisation, max_iter=3000, random_state=self.seed).fit(vectors, ids)
        return self._linear_probs(head, queries), head

    def _linear_probs(self, head: Any, queries: np.ndarray) -> np.ndarray:
        probs = np.zeros((len(queries), len(self.labels)), dtype=np.float32)
        probs[:, head.classes_] = head.predict_proba(queries)
        return probs

    def _nearest(self, vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray) -> np.ndarray:
        """Softmax over each label's mean similarity to its top-3 examples."""
        sims = queries @ vectors.T
        nearest = np.full((len(queries), len(self.labels)), -1.0, dtype=np.float32)
        for label in np.unique(ids):
            nearest[:, label] = np.sort(sims[:, ids == label], axis=1)[:, -TOP_N:].mean(axis=1)
        nearest = np.exp((nearest - nearest.max(axis=1, keepdims=True)) / TEMPERATURE)
        return nearest / nearest.sum(axis=1, keepdims=True)

    # -- training -------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> FewShotIntentModel:
        """Choose the head's regularisation, the mix and the rejection threshold by cross-validation
        on these examples, then fit on all of them."""
        counts = Counter(label for label in labels if label != self.oos_label)
        if len(counts) < 2:
            raise BadIntentFile("intent training data needs at least two in-scope labels")
        self.labels = sorted(counts)
        index = {label: i for i, label in enumerate(self.labels)}
        vectors = self.embedder.embed(list(texts))
        in_scope = np.array([label != self.oos_label for label in labels])
        ids = np.array([index.get(label, -1) for label in labels])
        self._cross_validate(vectors, ids, in_scope, min(counts.values()))
        self._examples, self._example_labels = vectors[in_scope], ids[in_scope]
        self._head = self._linear(self._examples, self._example_labels, vectors[:1], self.regularisation)[1]
        return self

    def _cross_validate(self, vectors: np.ndarray, ids: np.ndarray, in_scope: np.ndarray, fewest: int) -> None:
        from sklearn.model_selection import StratifiedKFold

        folds = min(self.folds, fewest)
        if folds < 2:
            return  # one example of some label: nothing to hold out, keep the defaults
        linear = {c: np.zeros((len(ids), len(self.labels)), dtype=np.float32) for c in REGULARISATION}
        nearest = np.zeros((len(ids), len(self.labels)), dtype=np.float32)
        strata = np.where(in_scope, ids, -1)
        for train, held in StratifiedKFold(folds, shuffle=True, random_state=self.seed).split(vectors, strata):
            train = train[in_scope[train]]
            for c in REGULARISATION:
                linear[c][held] = self._linear(vectors[train], ids[train], vectors[held], c)[0]
            nearest[held] = self._nearest(vectors[train], ids[train], vectors[held])
        best: tuple[float, float, float, np.ndarray] | None = None
        for c in REGULARISATION:
            for w in LINEAR_WEIGHT:
                probs = w * linear[c] + (1 - w) * nearest
                accuracy = float((probs.argmax(axis=1) == ids)[in_scope].mean())
                self.cv_accuracy[f"C={c:g}, head weight={w:g}"] = round(accuracy, 4)
                if best is None or accuracy > best[0]:
                    best = (accuracy, c, w, probs)
        assert best is not None
        _, self.regularisation, self.linear_weight, probs = best
        confidence, correct = probs.max(axis=1), probs.argmax(axis=1) == ids
        if in_scope.all():
            kept = confidence[correct]
            self.threshold = float(np.quantile(kept, 1 - KEEP_IN_SCOPE)) if len(kept) else 0.0
            return
        candidates = np.unique(np.concatenate([[0.0], confidence]))
        kept_right = [((confidence >= t) & correct & in_scope).sum() + ((confidence < t) & ~in_scope).sum()
                      for t in candidates]
        self.threshold = float(candidates[int(np.argmax(kept_right))])

    # -- prediction -----------------------------------------------------------------------------
    def predict(self, texts: Sequence[str]) -> list[IntentGuess]:
        if self._head is None:
            raise RuntimeError("fit the intent model first")
        queries = self.embedder.embed(list(texts))
        probs = (self.linear_weight * self._linear_probs(self._head, queries)
                 + (1 - self.linear_weight) * self._nearest(self._examples, self._example_labels, queries))
        guesses = []
        for row in probs:
            best = self.labels[int(row.argmax())]
            confidence = float(row.max())
            rejected = self.oos_label is not None and confidence < self.threshold
            guesses.append(IntentGuess(self.oos_label if rejected and self.oos_label else best, confidence, best))
        return guesses
