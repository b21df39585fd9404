"""Intent detection: an embedding nearest-examples classifier, sharpened by a few precise cues.

The classifier scores each intent by the mean cosine similarity of the message to the intent's
three closest example utterances (``prompts/intents.yaml``). Cues that are unambiguous in a
shop (an order number, "compare", "talk to a human", a reference to a shown item) override the
embedding vote; a message far from every example is out of scope.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources

import numpy as np
import yaml

from knowledge.retrieval.embed import Embedder


class Intent(StrEnum):
    PRODUCT_SEARCH = "product_search"
    PRODUCT_QUESTION = "product_question"
    COMPARE = "compare"
    ORDER_STATUS = "order_status"
    ORDER_CHANGE = "order_change"  # return, exchange, cancel, change address
    FAQ = "faq"
    HANDOFF = "handoff"
    GREETING = "greeting"
    OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class IntentPrediction:
    intent: Intent
    confidence: float
    scores: dict[str, float]
    rule: str | None = None  # the cue that decided, if any


_CHANGE = re.compile(r"\b(return|refund|exchange|swap|cancel|send (it|this|them) back|(change|update|correct) (my|the|its) "
                     r"(shipping |delivery |postal )?address|(ship|send|deliver) (it|this|them|my order|the order) to)\b",
                     re.I)
_POLICY = re.compile(r"\b(policy|policies|how (long|much|do|does|can)|can i|do you|is there|what are)\b", re.I)
_MY_ORDER = re.compile(r"\b(my|the) (order|package|parcel|delivery|purchase)s?\b|\btrack(ing)?\b|\bmy orders\b", re.I)
# "the water bottle I ordered": a thing the shopper already bought, asked after or to be changed
_ORDERED = re.compile(r"\b(?:i|we)(?:'ve| have| had)? (?:ordered|bought|purchased|got from you)\b", re.I)
_WHERE = re.compile(r"\b(?:where|when|arriv\w*|status|track\w*|shipped|deliver\w*|still waiting|hasn'?t (?:come|"
                    r"arrived|shipped)|not (?:come|arrived))\b", re.I)
_COMPARE = re.compile(r"\b(compare|comparison|versus|vs\.?|difference between|differ)\b", re.I)
_HANDOFF = re.compile(r"\b(human|real person|(an?|the) (agent|representative)|talk to (someone|somebody|a person)|escalate)\b", re.I)
_REFERENCE = re.compile(r"(?<!\w)(first|second|third|fourth|fifth|last|#\d+|that one|this one|the one|it|its|that \w+|this \w+)\b", re.I)
_ORD = r"(?:first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th|#\d+)"
_TWO_ITEMS = re.compile(rf"(?<!\w){_ORD}\b(?:\W+\w+){{0,3}}?\W+(?:or|and|than|vs\.?|versus|against)\s+(?:the\s+)?{_ORD}\b", re.I)
# "what's the return policy on running shoes?": a question about the store's policy, whatever it names
_POLICY_WORD = re.compile(r"\bpolic(?:y|ies)\b", re.I)
_QUESTION = re.compile(r"\?|\b(is|are|does|do|what|how|which|can)\b", re.I)


def load_examples() -> dict[str, list[str]]:
    text = resources.files("assistant").joinpath("prompts/intents.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {str(k): [str(x) for x in v] for k, v in data.items()}


class IntentClassifier:
    """Predicts an ``Intent`` for a message, given whether products are on screen."""

    def __init__(self, embedder: Embedder, examples: dict[str, list[str]] | None = None,
                 oos_threshold: float = 0.30, top_n: int = 3, names_order: Callable[[str], bool] | None = None):
        self.embedder = embedder
        # whether a message names one of the store's order numbers (``assistant/orders/numbers.py``)
        self.names_order = names_order or (lambda _text: False)
        self.examples = examples or load_examples()
        self.oos_threshold = oos_threshold
        self.top_n = top_n
        self._fitted: tuple[np.ndarray, np.ndarray] | None = None
        self._fitting = threading.Lock()

    def _fit(self) -> tuple[np.ndarray, np.ndarray]:
        """The examples' embeddings and their labels, computed once (first messages may arrive at once)."""
        with self._fitting:
            if self._fitted is None:
                texts: list[str] = []
                labels: list[str] = []
                for label, utterances in self.examples.items():
                    texts += utterances
                    labels += [label] * len(utterances)
                self._fitted = (self.embedder.embed(texts), np.array(labels))
            return self._fitted

    def embedding_scores(self, text: str) -> dict[str, float]:
        matrix, labels = self._fit()
        sims = matrix @ self.embedder.embed([text])[0]
        scores = {}
        for label in self.examples:
            top = np.sort(sims[labels == label])[-self.top_n :]
            scores[label] = float(top.mean())
        return scores

    def predict(self, text: str, products_shown: bool = False, searching: bool = False) -> IntentPrediction:
        scores = self.embedding_scores(text)
        best = max(scores, key=lambda k: scores[k])
        ranked = sorted(scores.values(), reverse=True)
        margin = ranked[0] - ranked[1]
        confidence = float(min(1.0, max(0.05, 0.5 + 2.5 * margin)))
        rule = self._cue(text, products_shown)
        if rule is not None:
            intent, name = rule
            return IntentPrediction(intent, max(confidence, 0.9), scores, name)
        if scores[best] < self.oos_threshold:
            return IntentPrediction(Intent.OUT_OF_SCOPE, 1.0 - scores[best], scores, "far from every example")
        intent = Intent(best)
        # A bare refinement ("in blue", "under 50") while browsing continues the search.
        if searching and intent in (Intent.OUT_OF_SCOPE, Intent.GREETING, Intent.FAQ) and len(text.split()) <= 4:
            return IntentPrediction(Intent.PRODUCT_SEARCH, 0.6, scores, "refinement while browsing")
        return IntentPrediction(intent, confidence, scores)

    def _cue(self, text: str, products_shown: bool) -> tuple[Intent, str] | None:
        if _HANDOFF.search(text):
            return Intent.HANDOFF, "asks for a human"
        if self.names_order(text):
            return (Intent.ORDER_CHANGE, "order id + change") if _CHANGE.search(text) else (
                Intent.ORDER_STATUS, "order id")
        if _POLICY_WORD.search(text) and not _MY_ORDER.search(text) and not _ORDERED.search(text):
            return Intent.FAQ, "asks about a policy"
        if _CHANGE.search(text) and _MY_ORDER.search(text) and not _POLICY.search(text):
            return Intent.ORDER_CHANGE, "change to my order"
        if _ORDERED.search(text):
            if _CHANGE.search(text) and not _POLICY.search(text):
                return Intent.ORDER_CHANGE, "change to something I ordered"
            if _WHERE.search(text):
                return Intent.ORDER_STATUS, "asks after something I ordered"
        if products_shown and (_COMPARE.search(text) or _TWO_ITEMS.search(text)):
            return Intent.COMPARE, "compare shown items"
        if (products_shown and _REFERENCE.search(text) and _QUESTION.search(text)
                and not _MY_ORDER.search(text) and not _CHANGE.search(text)):
            return Intent.PRODUCT_QUESTION, "question about a shown item"
        return None
