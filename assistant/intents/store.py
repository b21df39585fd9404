"""A store's own intents, from a ``sentence,label`` CSV (``intents_csv`` in the settings).

Rows whose label is a built-in intent (``order_status``, ``faq``, …) add examples to it. Any other
label is a store intent: a few-shot model (``FewShotIntentModel``) is fitted on the built-in examples
and the store's rows together, so a store intent is only chosen over the built-in ones when it is
the better match and confident enough (threshold by cross-validation on those rows). With
``intent_llm_vote`` the local LLM's label scores join the ensemble, at the weight cross-validation
gives them (0 for the bundled 135M model on the benchmarks). A store
intent is answered with the FAQ entry whose id or topic equals its label; a label with no entry is
handed to a human agent, with the label in the ticket (e.g. ``wholesale`` → the sales team).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.intents.classifier import Intent
from assistant.intents.llm_scorer import LlmLabelScorer
from assistant.intents.model import FewShotIntentModel, read_intent_csv
from knowledge.retrieval.embed import Embedder


@dataclass(frozen=True)
class StoreIntent:
    label: str
    confidence: float


class StoreIntents:
    def __init__(self, embedder: Embedder, builtin: dict[str, list[str]], path: Path,
                 llm: LlmLabelScorer | None = None):
        texts, labels = read_intent_csv(path)  # a bad file fails here, at start-up, naming the line
        known = {i.value for i in Intent}
        self.path = path
        self.extra_examples: dict[str, list[str]] = {}
        for text, label in zip(texts, labels, strict=True):
            if label in known:
                self.extra_examples.setdefault(label, []).append(text)
        self.labels = sorted(set(labels) - known)
        self._embedder = embedder
        self._llm = llm
        self._rows = (
            [t for examples in builtin.values() for t in examples] + texts,
            [label for label, examples in builtin.items() for _ in examples] + labels,
        )
        self._model: FewShotIntentModel | None = None

    @property
    def model(self) -> FewShotIntentModel:
        if self._model is None:
            self._model = FewShotIntentModel(self._embedder, oos_label=Intent.OUT_OF_SCOPE.value,
                                             llm=self._llm).fit(*self._rows)
        return self._model

    def match(self, text: str) -> StoreIntent | None:
        """The store intent this message is, or None (a built-in intent, or nothing)."""
        if not self.labels:
            return None
        guess = self.model.predict([text])[0]
        return StoreIntent(guess.label, guess.confidence) if guess.label in self.labels else None
