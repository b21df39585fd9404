"""The chat's candidate generation: the retrieval hits for the request, plus what the shopper's history
suggests (what other shoppers moved to next from their recent items, and those items' closest
neighbours), deduplicated, with the session's hard constraints applied before anything is scored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from knowledge.retrieval.filters import ProductFilter
from knowledge.retrieval.search import Retriever
from recommender.candidates import EmbeddingNeighbours, TransitionModel, merge_candidates
from recommender.types import Candidate, HistoryItem

# How far below the last retrieval hit (in cosine similarity to the request) a history-based
# candidate may be: close enough to be on topic, which the hits' own cut-off (k) is not a test of.
RELEVANCE_MARGIN = 0.1


class HistoryCandidates:
    """Transition statistics over the store's interaction sequences and embedding neighbours."""

    def __init__(self, sequences: Sequence[Sequence[str]], vectors: Mapping[str, np.ndarray]):
        self.transitions = TransitionModel().fit(sequences)
        ids = list(vectors)
        self.neighbours = EmbeddingNeighbours(ids, np.stack([vectors[i] for i in ids]) if ids else np.zeros((0, 1)))

    def propose(self, recent: Sequence[str], allowed: ProductFilter, retriever: Retriever, k: int = 12) -> list[str]:
        """Up to ``k`` product ids for a history (oldest first) that satisfy ``allowed``."""
        if not recent or not self.neighbours.ids:
            return []
        catalog = retriever.catalog

        def ok(pid: str) -> bool:
            product = catalog.get(pid)
            return product is not None and allowed.matches(product)

        sources = {"transition": self.transitions.candidates(recent, 4 * k),
                   "neighbour": self.neighbours.candidates(recent, 4 * k)}
        return list(merge_candidates(sources, ok, limit=k))


def gather_candidates(retriever: Retriever, query: str, filters: ProductFilter, history: Sequence[HistoryItem],
                      popularity: Mapping[str, float], history_candidates: HistoryCandidates | None = None,
                      k: int = 30, from_history: int = 12) -> list[Candidate]:
    """Retrieval hits first, then history-based candidates nearly as relevant to the request as the
    retrieved ones (so "running shoes" never brings back last week's kettle)."""
    hits = retriever.search_products(query, filters, k=k)
    relevance = {h.product.id: h.score for h in hits}
    if history and history_candidates is not None and hits:
        recent = [h.product_id for h in reversed(history)][-10:]  # history is newest first
        extra = [pid for pid in history_candidates.propose(recent, filters, retriever, from_history)
                 if pid not in relevance]
        floor = min(relevance.values()) - RELEVANCE_MARGIN
        relevance.update({pid: score for pid, score in retriever.relevance(query, extra).items() if score >= floor})
    products = [retriever.catalog.get(pid) for pid in relevance]
    return [Candidate(p.id, p.title, p.search_text(), relevance[p.id], popularity.get(p.id, 0.0))
            for p in products if p is not None]
