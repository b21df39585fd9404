"""The full-catalogue next-item ranker: transitions + embedding neighbours + popularity + repeats + brand,
blended with weights tuned on held-out training cases (never on test labels)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recommender.candidates import EmbeddingNeighbours, TransitionModel
from recommender.metrics import ndcg_at_k


@dataclass(frozen=True)
class BlendWeights:
    """How the next-item blend mixes its components (not the chat ranker's ``RankerWeights``)."""

    transition: float = 1.0
    embedding: float = 0.5
    popularity: float = 0.2
    repeat: float = 0.0  # bonus for items already in the history (repeat purchases)
    brand: float = 0.0  # bonus for the brands of the history's items (brand loyalty)


def user_sequences(cases: Sequence[tuple[str, Sequence[str], str]]) -> list[list[str]]:
    """One sequence per user: training files often hold every prefix of a user's sequence, which
    would count the early transitions many times. Keep each user's longest (history + target)."""
    longest: dict[str, list[str]] = {}
    for user, history, target in cases:
        seq = [*history, target]
        if len(seq) > len(longest.get(user, [])):
            longest[user] = seq
    return list(longest.values())


class BlendRanker:
    """Scores every item in the catalogue for a history; ``rank`` returns the top ids."""

    def __init__(self, ids: Sequence[str], vectors: np.ndarray, weights: BlendWeights | None = None,
                 brands: Sequence[str] | None = None):
        self.ids = list(ids)
        self.brands = np.array([b.strip().lower() for b in brands] if brands else [""] * len(self.ids))
        self.index = {item: i for i, item in enumerate(self.ids)}
        self.neighbours = EmbeddingNeighbours(self.ids, vectors)
        self.transitions = TransitionModel()
        self.weights = weights or BlendWeights()
        self._popularity = np.zeros(len(self.ids), dtype=np.float32)

    def fit(self, cases: Sequence[tuple[str, Sequence[str], str]]) -> BlendRanker:
        self.transitions = TransitionModel().fit(user_sequences(cases))
        counts = np.array([self.transitions.popularity.get(i, 0) for i in self.ids], dtype=np.float32)
        self._popularity = (np.log1p(counts) / (np.log1p(counts.max()) or 1.0)).astype(np.float32)
        return self

    def components(self, history: Sequence[str]) -> dict[str, np.ndarray]:
        transition = np.zeros(len(self.ids), dtype=np.float32)
        scores = self.transitions.scores(history)
        top = max(scores.values(), default=0.0) or 1.0
        for item, value in scores.items():
            if item in self.index:
                transition[self.index[item]] = value / top
        repeat = np.zeros(len(self.ids), dtype=np.float32)
        for age, item in enumerate(reversed(history)):
            if item in self.index:
                repeat[self.index[item]] = max(repeat[self.index[item]], 0.5**age)
        brand = np.zeros(len(self.ids), dtype=np.float32)
        for age, item in enumerate(reversed(history)):
            name = self.brands[self.index[item]] if item in self.index else ""
            if name:
                mask = self.brands == name
                brand[mask] = np.maximum(brand[mask], 0.7**age)
        return {"transition": transition, "embedding": self.neighbours.similarity(history),
                "popularity": self._popularity, "repeat": repeat, "brand": brand}

    def score(self, history: Sequence[str], weights: BlendWeights | None = None) -> np.ndarray:
        w = weights or self.weights
        c = self.components(history)
        return (w.transition * c["transition"] + w.embedding * c["embedding"]
                + w.popularity * c["popularity"] + w.repeat * c["repeat"] + w.brand * c["brand"])

    def rank(self, history: Sequence[str], k: int = 10, weights: BlendWeights | None = None) -> list[str]:
        scores = self.score(history, weights)
        top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
        return [self.ids[i] for i in sorted(top, key=lambda i: -scores[i])]


def tune_weights(ids: Sequence[str], vectors: np.ndarray, cases: Sequence[tuple[str, Sequence[str], str]],
                 holdout: float = 0.15, seed: int = 13, brands: Sequence[str] | None = None
                 ) -> tuple[BlendWeights, float]:
    """Grid-search blend weights by NDCG@10 on a held-out slice of the TRAIN cases (whole users
    held out, so their sequences are unseen by the transition counts)."""
    users = sorted({u for u, _, _ in cases})
    random.Random(seed).shuffle(users)
    held = set(users[: max(1, int(len(users) * holdout))])
    fit_cases = [c for c in cases if c[0] not in held]
    val_cases = [c for c in cases if c[0] in held]
    ranker = BlendRanker(ids, vectors, brands=brands).fit(fit_cases)
    comps = [(ranker.components(h), t) for _, h, t in val_cases]
    best, best_score = BlendWeights(), -1.0
    grid = itertools.product((0.0, 0.5, 1.0, 2.0, 3.0), (0.0, 0.5, 1.0, 1.5, 2.5), (0.0, 0.5, 1.0),
                             (0.0, 0.8, 1.6, 2.4) if brands else (0.0,))
    for emb, pop, rep, brand in grid:
        w = BlendWeights(1.0, emb, pop, rep, brand)
        total = 0.0
        for c, target in comps:
            s = (c["transition"] + emb * c["embedding"] + pop * c["popularity"] + rep * c["repeat"]
                 + brand * c["brand"])
            top = np.argpartition(-s, 10)[:10]
            total += ndcg_at_k([ranker.ids[i] for i in sorted(top, key=lambda i: -s[i])], target, 10)
        score = total / max(1, len(comps))
        if score > best_score:
            best, best_score = w, score
    return best, best_score
