"""Few-shot intent classification a store can train on its own ``sentence,label`` examples.

MiniLM sentence embeddings feed two classifiers whose probabilities are mixed: a logistic
regression head and nearest examples (softmax over each label's top-3 mean similarity); the head's
regularisation and the mix are chosen by cross-validation on the training rows. An
utterance whose best probability is under a threshold is out of scope; the threshold comes from
cross-validation on the TRAINING data only (out-of-fold confidences), never from test labels:

* with out-of-scope examples in training: the threshold that maximises out-of-fold accuracy,
  counting a rejected out-of-scope example as correct;
* without, and ``bundled_negatives`` off: the 5th percentile of the out-of-fold confidence of
  correctly classified examples (at most 5% of answerable messages rejected);
* without, with ``bundled_negatives`` (the default): Aisle's generic out-of-scope messages
  (``assistant.intents.out_of_scope``), less those the file's own examples claim, become an extra
  "out of scope" class of the head and the nearest examples. That class takes its share of each
  message's probability, so the confidence (the best in-scope probability) of a message like them
  drops; the threshold is the 5th percentile again, of out-of-fold confidences computed with that
  class: the same in-scope budget as without, spent on a score that knows what out of scope looks
  like (each bundled message, too, is scored out of fold, to report how many it rejects). Tried and
  dropped: rejecting whenever the class wins (it cost BANKING77 5-shot 2.5 points of in-scope
  accuracy), and the threshold that best separates out-of-fold in-scope rows from the bundled
  messages (it picked lower thresholds and lost OOS recall on CLINC150: the bundled messages are
  easier to reject than real traffic).

A model without ``oos_label`` never rejects.

Options, each kept only when the training rows say it helps:

* label names as extra examples ("card_arrival" -> "card arrival", labels that look like words),
  added to the training folds only, never held out: kept if they add a point of cross-validated
  accuracy (they helped 5-shot sets, not 10-shot ones);
* ``llm``: the LLM's vote (``assistant.intents.llm_scorer``) re-scores the top-k labels; its weight comes
  from a small grid including 0 on out-of-fold embedding probabilities of (a sample of) the training
  rows. The LLM is not trained, so its scores on training rows are fair. At weight 0 it is not
  consulted at prediction time;
* ``finetune``: SetFit-style contrastive fine-tuning of a copy of the embedder
  (``assistant.intents.finetune``), kept only if it beats the frozen embedder on a held-out fold of
  the training rows (that fold also sets the head, mix and threshold of the fine-tuned model).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.errors import AisleError
from knowledge.retrieval.embed import Embedder

if TYPE_CHECKING:
    from assistant.intents.llm_scorer import LlmLabelScorer

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
LLM_WEIGHT = (0.0, 0.1, 0.25, 0.5)  # the LLM's vote vs the embedding model, chosen by cross-validation
LLM_TOP_K = 5  # labels per utterance the LLM scores
LLM_CV_ROWS = 300  # training rows (a stratified sample) the LLM scores to choose its weight
WORDS = re.compile(r"[A-Za-z]+(?:[ _-][A-Za-z]+){0,7}")  # a label that reads as words


def label_example(label: str) -> str | None:
    """The label as a sentence ("card_arrival" -> "card arrival"), or None if it is a code."""
    return " ".join(re.split(r"[ _-]+", label)).lower() if WORDS.fullmatch(label) else None


@dataclass
class _Folds:
    """Out-of-fold probabilities of every setting of the grid, on rows ``held`` (all rows in CV)."""

    held: np.ndarray
    probs: dict[tuple[float, float, bool], np.ndarray]


class FewShotIntentModel:
    def __init__(self, embedder: Embedder, oos_label: str | None = None, folds: int = 5, seed: int = 0,
                 llm: LlmLabelScorer | None = None, finetune: bool = False, label_names: bool = True,
                 bundled_negatives: bool = True):
        self.embedder = embedder
        self.oos_label = oos_label
        self.folds = folds
        self.seed = seed
        self.llm = llm
        self.finetune = finetune
        self.label_names = label_names
        self.bundled_negatives = bundled_negatives
        self.labels: list[str] = []
        self.threshold = 0.0
        self.regularisation = REGULARISATION[0]
        self.linear_weight = 0.5
        self.use_label_names = False
        self.llm_weight = 0.0
        self.cv_accuracy: dict[str, float] = {}  # out-of-fold in-scope accuracy per setting
        self.chosen: dict[str, Any] = {}  # what the training rows chose, for reports
        self._head: Any = None
        self._examples = np.zeros((0, 1), dtype=np.float32)
        self._example_labels = np.zeros(0, dtype=int)
        self._threshold_without_negatives = 0.0
        self._negatives = np.zeros((0, 1), dtype=np.float32)  # bundled out-of-scope messages kept: class L
        self._names: list[tuple[str, int]] = []  # label names as examples, with their label ids
        self._name_ids = np.zeros(0, dtype=int)
        self._name_vectors = np.zeros((0, 1), dtype=np.float32)
        self._splits: list[tuple[np.ndarray, np.ndarray]] = []
        self._oof: dict[tuple[float, float, bool], np.ndarray] = {}  # out-of-fold probabilities per setting

    # -- scoring --------------------------------------------------------------------------------
    def _linear(self, vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray, regularisation: float
                ) -> tuple[np.ndarray, Any]:
        """The head's probabilities for ``queries``, and the head."""
        from sklearn.linear_model import LogisticRegression

        head = LogisticRegression(C=regularisation, max_iter=3000, random_state=self.seed).fit(vectors, ids)
        return self._linear_probs(head, queries), head

    @property
    def _width(self) -> int:
        """Columns of a probability row: the labels, then "out of scope" when bundled negatives are used."""
        return len(self.labels) + (1 if len(self._negatives) else 0)

    def _linear_probs(self, head: Any, queries: np.ndarray) -> np.ndarray:
        probs = np.zeros((len(queries), self._width), dtype=np.float32)
        probs[:, head.classes_] = head.predict_proba(queries)
        return probs

    def _nearest(self, vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray) -> np.ndarray:
        """Softmax over each label's mean similarity to its top-3 examples."""
        sims = queries @ vectors.T
        nearest = np.full((len(queries), self._width), -1.0, dtype=np.float32)
        for label in np.unique(ids):
            nearest[:, label] = np.sort(sims[:, ids == label], axis=1)[:, -TOP_N:].mean(axis=1)
        nearest = np.exp((nearest - nearest.max(axis=1, keepdims=True)) / TEMPERATURE)
        return nearest / nearest.sum(axis=1, keepdims=True)

    def _with_llm(self, texts: Sequence[str], probs: np.ndarray, weight: float,
                  scores: list[np.ndarray] | None = None) -> np.ndarray:
        """Mix the LLM's vote into the top-k labels: (1-w) log p + w log softmax(LLM scores), renormalised
        over the top-k and scaled back to the top-k's share of ``probs`` (comparable confidences)."""
        if self.llm is None or weight == 0.0:
            return probs
        top = np.argsort(-probs, axis=1)[:, :LLM_TOP_K]
        if scores is None:
            scores = self.llm.score(texts, [[self.labels[j] for j in row] for row in top])
        mixed = probs.copy()
        for row, (labels, vote) in enumerate(zip(top, scores, strict=True)):
            p = probs[row, labels]
            log_vote = vote - np.logaddexp.reduce(vote)
            logit = (1 - weight) * np.log(np.maximum(p, 1e-12)) + weight * log_vote
            q = np.exp(logit - logit.max())
            mixed[row, labels] = q / q.sum() * p.sum()
        return mixed

    # -- training -------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> FewShotIntentModel:
        """Choose the head's regularisation, the mix, the options and the rejection threshold by
        cross-validation on these examples, then fit on all of them."""
        counts = Counter(label for label in labels if label != self.oos_label)
        if len(counts) < 2:
            raise BadIntentFile("intent training data needs at least two in-scope labels")
        self.labels = sorted(counts)
        index = {label: i for i, label in enumerate(self.labels)}
        texts = list(texts)
        in_scope = np.array([label != self.oos_label for label in labels])
        ids = np.array([index.get(label, -1) for label in labels])
        names = [(label_example(lb), i) for lb, i in index.items()] if self.label_names else []
        self._names = [(n, i) for n, i in names if n is not None]
        self._name_ids = np.array([i for _, i in self._names], dtype=int)
        vectors = self.embedder.embed(texts)
        self._name_vectors = self.embedder.embed([n for n, _ in self._names])
        probs, held = self._cross_validate(vectors, ids, in_scope, min(counts.values()))
        if self.finetune and probs is not None:
            tuned = self._try_finetune(texts, ids, in_scope, probs, held)
            vectors = vectors if tuned is None else tuned
        elif probs is not None:
            self._choose_llm_and_threshold(texts, ids, in_scope, probs, held)
        self._negatives = np.zeros((0, 1), dtype=np.float32)
        if self.bundled_negatives and self.oos_label is not None and in_scope.all():
            self._add_bundled_negatives(vectors, ids, probs is not None)
        self._fit_final(vectors, ids, in_scope)
        return self

    def _training_rows(self, vectors: np.ndarray, ids: np.ndarray, rows: np.ndarray, names: bool
                       ) -> tuple[np.ndarray, np.ndarray]:
        if not names or not len(self._name_ids):
            return vectors[rows], ids[rows]
        return np.vstack([vectors[rows], self._name_vectors]), np.concatenate([ids[rows], self._name_ids])

    def _with_negatives(self, x: np.ndarray, y: np.ndarray, negatives: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not len(negatives):
            return x, y
        return np.vstack([x, negatives]), np.concatenate([y, np.full(len(negatives), len(self.labels))])

    def _fit_final(self, vectors: np.ndarray, ids: np.ndarray, in_scope: np.ndarray) -> None:
        rows = np.flatnonzero(in_scope)
        self._examples, self._example_labels = self._with_negatives(
            *self._training_rows(vectors, ids, rows, self.use_label_names), self._negatives)
        self._head = self._linear(self._examples, self._example_labels, vectors[:1], self.regularisation)[1]

    def _grid_probs(self, vectors: np.ndarray, ids: np.ndarray, in_scope: np.ndarray, train: np.ndarray,
                    held: np.ndarray) -> dict[tuple[float, float, bool], np.ndarray]:
        """Probabilities on ``held`` of every (C, head weight, label names) setting trained on ``train``."""
        train = train[in_scope[train]]
        out = {}
        for names in ([False, True] if len(self._name_ids) else [False]):
            x, y = self._training_rows(vectors, ids, train, names)
            nearest = self._nearest(x, y, vectors[held])
            for c in REGULARISATION:
                linear = self._linear(x, y, vectors[held], c)[0]
                for w in LINEAR_WEIGHT:
                    out[(c, w, names)] = w * linear + (1 - w) * nearest
        return out

    def _cross_validate(self, vectors: np.ndarray, ids: np.ndarray, in_scope: np.ndarray, fewest: int
                        ) -> tuple[np.ndarray | None, np.ndarray]:
        """Out-of-fold probabilities of the best setting (chosen here), or None without enough rows."""
        from sklearn.model_selection import StratifiedKFold

        folds = min(self.folds, fewest)
        if folds < 2:
            return None, np.zeros(0, dtype=int)  # one example of some label: keep the defaults
        oof: dict[tuple[float, float, bool], np.ndarray] = {}
        strata = np.where(in_scope, ids, -1)
        self._splits = list(StratifiedKFold(folds, shuffle=True, random_state=self.seed).split(vectors, strata))
        for train, held in self._splits:
            for key, probs in self._grid_probs(vectors, ids, in_scope, train, held).items():
                oof.setdefault(key, np.zeros((len(ids), len(self.labels)), dtype=np.float32))[held] = probs
        self._oof = oof
        return self._pick(oof, ids, in_scope, "cv"), np.arange(len(ids))

    def _pick(self, grid: dict[tuple[float, float, bool], np.ndarray], ids: np.ndarray, in_scope: np.ndarray,
              tag: str) -> np.ndarray:
        """Keep the setting with the best in-scope accuracy (the first on ties; label names only when
        they do strictly better); its probabilities."""
        best: dict[bool, tuple[float, tuple[float, float, bool]]] = {}
        for key, probs in grid.items():
            accuracy = float((probs.argmax(axis=1) == ids)[in_scope].mean())
            c, w, names = key
            self.cv_accuracy[f"{tag}: C={c:g}, head weight={w:g}, label names={names}"] = round(accuracy, 4)
            if names not in best or accuracy > best[names][0]:
                best[names] = (accuracy, key)
        names = True in best and best[True][0] > best[False][0]
        accuracy, key = best[names]
        self.regularisation, self.linear_weight, self.use_label_names = key
        self.chosen.update({"regularisation": self.regularisation, "head_weight": self.linear_weight,
                            "label_names": self.use_label_names, f"{tag}_in_scope_accuracy": round(accuracy, 4)})
        if True in best:
            self.chosen[f"{tag}_in_scope_accuracy_with_label_names"] = round(best[True][0], 4)
        return grid[key]

    def _choose_llm_and_threshold(self, texts: Sequence[str], ids: np.ndarray, in_scope: np.ndarray,
                                  probs: np.ndarray, held: np.ndarray) -> None:
        """``probs``: out-of-fold probabilities of rows ``held`` of ``texts``."""
        ids, in_scope = ids[held], in_scope[held]
        if self.llm is not None:
            probs, ids, in_scope = self._choose_llm_weight([texts[i] for i in held], ids, in_scope, probs)
        self._choose_threshold(probs, ids, in_scope)

    def _choose_llm_weight(self, texts: list[str], ids: np.ndarray, in_scope: np.ndarray, probs: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weight of the LLM's vote from LLM_WEIGHT on a stratified sample of the rows; returns the sample's
        mixed probabilities (for the threshold) with its ids and in-scope flags."""
        import time

        from sklearn.model_selection import train_test_split

        rows = np.arange(len(ids))
        if len(rows) > LLM_CV_ROWS:
            strata = np.where(in_scope, ids, -1)
            try:
                rows = train_test_split(rows, train_size=LLM_CV_ROWS, stratify=strata, random_state=self.seed)[0]
            except ValueError:  # too many labels for the sample: a plain random one
                rows = np.random.default_rng(self.seed).choice(rows, LLM_CV_ROWS, replace=False)
        sample = [texts[i] for i in rows]
        probs, ids, in_scope = probs[rows], ids[rows], in_scope[rows]
        top = np.argsort(-probs, axis=1)[:, :LLM_TOP_K]
        assert self.llm is not None
        start = time.perf_counter()
        scores = self.llm.score(sample, [[self.labels[j] for j in row] for row in top])
        ms = (time.perf_counter() - start) / max(1, len(sample)) * 1000
        alone = np.array([row[int(np.argmax(s))] for row, s in zip(top, scores, strict=True)])
        by_weight: dict[str, float] = {}
        best: tuple[float, float, np.ndarray] | None = None
        for weight in LLM_WEIGHT:
            mixed = self._with_llm(sample, probs, weight, scores)
            accuracy = float((mixed.argmax(axis=1) == ids)[in_scope].mean())
            by_weight[f"{weight:g}"] = round(accuracy, 4)
            if best is None or accuracy > best[0]:
                best = (accuracy, weight, mixed)
        assert best is not None
        self.llm_weight = best[1]
        self.chosen.update({"llm_weight": self.llm_weight, "llm_cv_rows": len(rows),
                            "llm_alone_cv_in_scope_accuracy": round(float((alone == ids)[in_scope].mean()), 4),
                            "llm_cv_in_scope_accuracy_by_weight": by_weight,
                            "llm_ms_per_utterance": round(ms, 1)})
        return best[2], ids, in_scope

    def _choose_threshold(self, probs: np.ndarray, ids: np.ndarray, in_scope: np.ndarray) -> None:
        confidence, correct = probs.max(axis=1), probs.argmax(axis=1) == ids
        if in_scope.all():
            kept = confidence[correct]
            self.threshold = float(np.quantile(kept, 1 - KEEP_IN_SCOPE)) if len(kept) else 0.0
            return
        candidates = np.unique(np.concatenate([[0.0], confidence]))
        kept_right = [((confidence >= t) & correct & in_scope).sum() + ((confidence < t) & ~in_scope).sum()
                      for t in candidates]
        self.threshold = float(candidates[int(np.argmax(kept_right))])

    def _add_bundled_negatives(self, vectors: np.ndarray, ids: np.ndarray, calibrate: bool) -> None:
        """The bundled out-of-scope messages this file does not claim become class ``len(labels)``; with
        ``calibrate`` (enough rows for cross-validation) they also set the threshold."""
        from assistant.intents.out_of_scope import bundled_out_of_scope, unclaimed

        texts = list(bundled_out_of_scope())
        negatives = self.embedder.embed(texts)
        kept = unclaimed(negatives, vectors, ids)
        self.chosen["bundled_negatives"] = {"kept": int(kept.sum()), "claimed_by_the_file": int((~kept).sum())}
        if kept.sum() < 2:
            return
        self._negatives = negatives[kept]
        if calibrate:
            self._threshold_from_negatives(vectors, ids)

    def _threshold_from_negatives(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        """Out-of-fold probabilities (at the chosen setting, with the out-of-scope class) of the training
        rows and of the bundled messages, each scored by a model that never saw it; then the threshold."""
        width, labels = self._width, len(self.labels)
        rows = np.zeros((len(ids), width), dtype=np.float32)
        negatives = np.zeros((len(self._negatives), width), dtype=np.float32)
        negative_fold = np.arange(len(self._negatives)) % len(self._splits)
        for fold, (train, held) in enumerate(self._splits):
            x, y = self._with_negatives(*self._training_rows(vectors, ids, train, self.use_label_names),
                                        self._negatives[negative_fold != fold])
            queries = np.vstack([vectors[held], self._negatives[negative_fold == fold]])
            probs = (self.linear_weight * self._linear(x, y, queries, self.regularisation)[0]
                     + (1 - self.linear_weight) * self._nearest(x, y, queries))
            rows[held], negatives[negative_fold == fold] = probs[:len(held)], probs[len(held):]
        confidence, correct = rows[:, :labels].max(axis=1), rows[:, :labels].argmax(axis=1) == ids
        negative_confidence = negatives[:, :labels].max(axis=1)
        self._threshold_without_negatives = self.threshold
        self.threshold = float(np.quantile(confidence[correct], 1 - KEEP_IN_SCOPE)) if correct.any() else 0.0
        self.chosen["bundled_negatives"].update({
            "cv_in_scope_accuracy": round(float((correct & (confidence >= self.threshold)).mean()), 4),
            "cv_negatives_rejected": round(float((negative_confidence < self.threshold).mean()), 4),
            "threshold_without_them": round(self._threshold_without_negatives, 4)})

    def without_bundled_negatives(self) -> FewShotIntentModel:
        """This model as ``bundled_negatives=False`` fits it (the same cross-validated choices, no
        out-of-scope class, the 5th-percentile threshold), without cross-validating again: the benchmark's
        baseline."""
        import copy

        if not len(self._negatives):
            return self
        base = copy.copy(self)
        keep = self._example_labels != len(self.labels)
        base._negatives = np.zeros((0, 1), dtype=np.float32)
        base._examples, base._example_labels = self._examples[keep], self._example_labels[keep]
        base._head = base._linear(base._examples, base._example_labels, base._examples[:1], self.regularisation)[1]
        base.threshold = self._threshold_without_negatives
        base.chosen = {k: v for k, v in self.chosen.items() if k != "bundled_negatives"}
        return base

    def _try_finetune(self, texts: list[str], ids: np.ndarray, in_scope: np.ndarray, frozen: np.ndarray,
                      cv_rows: np.ndarray) -> np.ndarray | None:
        """Fine-tune on all folds but the first and compare with the frozen model on that fold (each at its
        best setting there); if it wins, its head, mix and threshold come from that fold, and it is
        fine-tuned again on every row: return those vectors (else None: keep the frozen embedder)."""
        from assistant.intents.finetune import finetuned_embedder

        train, held = self._splits[0]
        kept, chosen = (self.regularisation, self.linear_weight, self.use_label_names), dict(self.chosen)
        mask = in_scope[held]
        frozen_accuracy = max(float((p[held].argmax(axis=1) == ids[held])[mask].mean()) for p in self._oof.values())
        rows = train[in_scope[train]]
        tuned = finetuned_embedder(self.embedder, [texts[i] for i in rows], [int(i) for i in ids[rows]],
                                   seed=self.seed)
        vectors = tuned.embed(texts)
        self._name_vectors, frozen_names = tuned.embed([n for n, _ in self._names]), self._name_vectors
        probs = self._pick(self._grid_probs(vectors, ids, in_scope, train, held), ids[held], mask, "finetuned_fold")
        tuned_accuracy = self.chosen["finetuned_fold_in_scope_accuracy"]
        report = {"frozen_fold_in_scope_accuracy": round(frozen_accuracy, 4), "finetuned_fold_in_scope_accuracy":
                  tuned_accuracy, "finetune_pairs": tuned.pairs, "finetune_seconds_per_run": round(tuned.seconds, 1)}
        if tuned_accuracy <= frozen_accuracy:
            self.chosen = {**chosen, **report, "finetuned": False}
            self._name_vectors = frozen_names
            self.regularisation, self.linear_weight, self.use_label_names = kept
            self._choose_llm_and_threshold(texts, ids, in_scope, frozen, cv_rows)
            return None
        self.chosen.update(report)
        self.chosen["finetuned"] = True
        self._choose_llm_and_threshold(texts, ids, in_scope, probs, held)
        rows = np.flatnonzero(in_scope)
        self.embedder = finetuned_embedder(self.embedder, [texts[i] for i in rows], [int(i) for i in ids[rows]],
                                           seed=self.seed)
        self._name_vectors = self.embedder.embed([n for n, _ in self._names])
        return self.embedder.embed(texts)

    # -- prediction -----------------------------------------------------------------------------
    def predict(self, texts: Sequence[str]) -> list[IntentGuess]:
        if self._head is None:
            raise RuntimeError("fit the intent model first")
        queries = self.embedder.embed(list(texts))
        probs = (self.linear_weight * self._linear_probs(self._head, queries)
                 + (1 - self.linear_weight) * self._nearest(self._examples, self._example_labels, queries))
        # with bundled negatives the last column is "out of scope": it lowers the labels' share
        probs = self._with_llm(texts, probs[:, :len(self.labels)], self.llm_weight)
        guesses = []
        for row in probs:
            best = self.labels[int(row.argmax())]
            confidence = float(row.max())
            rejected = self.oos_label is not None and confidence < self.threshold
            guesses.append(IntentGuess(self.oos_label if rejected and self.oos_label else best, confidence, best))
        return guesses
