"""The store's own interest scorer: training cases from its interaction log, and the scorer the
ranker uses once a fine-tuned cross-encoder exists (the embedding scorer otherwise)."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from knowledge.catalog import Catalog
from knowledge.schemas import Interaction
from recommender.candidates import EmbeddingNeighbours
from recommender.cross_encoder import PairScorer, build_pairs, history_text, train_cross_encoder
from recommender.history import EVENT_RANK
from recommender.scorer import EmbeddingInterestScorer, InterestScores
from recommender.types import Candidate, HistoryItem

MIN_EVENT = "click"  # views alone are too weak a signal to learn "what comes next" from


ITEM_TEXT_CHARS = 300  # of a product's search text: title, type, brand, tags, attributes, description


def item_text(product_text: str) -> str:
    return product_text[:ITEM_TEXT_CHARS]


def customer_sequences(events_by_customer: Mapping[str, Sequence[Interaction]]) -> dict[str, list[str]]:
    """Each customer's clicked, carted or bought products in the order first reached."""
    sequences = {}
    for customer, events in events_by_customer.items():
        seq: list[str] = []
        for event in sorted(events, key=lambda e: e.ts):
            if EVENT_RANK[event.event.value] >= EVENT_RANK[MIN_EVENT] and event.product_id not in seq:
                seq.append(event.product_id)
        sequences[customer] = seq
    return sequences


def next_item_cases(events_by_customer: Mapping[str, Sequence[Interaction]], max_history: int = 10
                    ) -> list[tuple[list[str], str]]:
    """(history, next item) cases from each customer's chronological clicks, carts and purchases."""
    return [(seq[max(0, i - max_history) : i], seq[i])
            for seq in customer_sequences(events_by_customer).values() for i in range(1, len(seq))]


def split_customers(customers: Sequence[str], held_out: float = 0.15, seed: int = 11) -> tuple[set[str], set[str]]:
    """(training customers, held-out customers): whole customers are held out, never single events."""
    order = sorted(customers)
    random.Random(seed).shuffle(order)
    cut = max(1, round(len(order) * held_out)) if len(order) > 1 else 0
    return set(order[cut:]), set(order[:cut])


def train_store_scorer(catalog: Catalog, events_by_customer: Mapping[str, Sequence[Interaction]],
                       vectors: Mapping[str, np.ndarray], out_dir: Path, base_model: str | Path,
                       max_cases: int = 700, progress: bool = True,
                       on_step: Callable[[str, int, int], None] | None = None) -> Path:
    """Fine-tune the cross-encoder on the store's own next-item cases (of the customers in
    ``events_by_customer``), hard negatives being the items whose embeddings are closest to the history."""
    cases = next_item_cases(events_by_customer)
    random.Random(11).shuffle(cases)
    cases = cases[:max_cases]
    ids = [p.id for p in catalog if p.id in vectors]
    neighbours = EmbeddingNeighbours(ids, np.stack([vectors[i] for i in ids]))
    title = {p.id: p.title for p in catalog}
    text = {p.id: item_text(p.search_text()) for p in catalog}
    pairs = build_pairs(cases, text.__getitem__, title.__getitem__,
                        lambda h: [i for i, _ in neighbours.candidates(h, 15)], per_positive=3)
    card = {"data": f"{len(cases)} next-item cases from the store's interaction log "
                    f"({len(events_by_customer)} customers)", "task": "history x candidate interest"}
    return train_cross_encoder(base_model, pairs, out_dir, card, max_length=128, progress=progress, on_step=on_step)


class CrossEncoderInterestScorer:
    """Interest from the fine-tuned cross-encoder; which history item explains a candidate (for the
    reason shown to the shopper) still comes from embedding similarity."""

    def __init__(self, model: PairScorer, explainer: EmbeddingInterestScorer):
        self.model = model
        self.explainer = explainer

    def score(self, history: Sequence[HistoryItem], candidates: Sequence[Candidate]) -> InterestScores:
        explained = self.explainer.score(history, candidates)
        if not history or not candidates:
            return explained
        context = history_text([h.title for h in reversed(history)])  # history is newest first
        scores = self.model.score_pairs([(context, item_text(c.text)) for c in candidates])
        return InterestScores([float(s) for s in scores], explained.evidence, explained.similarity)
