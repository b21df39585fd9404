"""First-stage ranking: blend request relevance, the shopper's interest and popularity.

Every ranked item carries a one-line reason drawn from data: the history item that explains it
for a returning shopper, or relevance/popularity for a newcomer (cold start says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from recommender.scorer import InterestScorer
from recommender.types import Candidate, HistoryItem, RankedItem

# (what you did to it, what you did to "the X"): "you added this to your cart" / "the X you added to your cart"
_EVENT_PHRASE = {"view": ("viewed this", "viewed"), "click": ("looked at this", "looked at"),
                 "add_to_cart": ("added this to your cart", "added to your cart"),
                 "purchase": ("bought this", "bought")}
SIMILAR_ENOUGH = 0.55  # MiniLM cosine of two products' texts above which "similar to" is honest


@dataclass(frozen=True)
class RankerWeights:
    """How the chat's ranker mixes a candidate's request relevance, the shopper's interest and
    popularity (not the offline next-item blend's ``recommender.offline.blend.BlendWeights``)."""

    relevance: float = 0.6
    interest: float = 0.3
    popularity: float = 0.1


class Ranker:
    def __init__(self, scorer: InterestScorer, weights: RankerWeights | None = None):
        self.scorer = scorer
        self.weights = weights or RankerWeights()

    def rank(self, candidates: Sequence[Candidate], history: Sequence[HistoryItem]) -> list[RankedItem]:
        if not candidates:
            return []
        interest = self.scorer.score(history, candidates)
        w = self.weights
        personal = bool(history)
        ranked = []
        sims = interest.similarity or [0.0] * len(candidates)
        for cand, score, ev, sim in zip(candidates, interest.scores, interest.evidence, sims, strict=True):
            if personal:
                total = w.relevance * cand.relevance + w.interest * score + w.popularity * cand.popularity
            else:  # cold start: no history, so relevance and popularity only
                total = (w.relevance + w.interest) * cand.relevance + w.popularity * cand.popularity
            reason = self._reason(cand, sim, history[ev] if personal and ev is not None else None)
            ranked.append(RankedItem(cand.product_id, total, reason,
                                     {"relevance": cand.relevance, "interest": score, "popularity": cand.popularity}))
        return sorted(ranked, key=lambda r: r.score, reverse=True)

    @staticmethod
    def _reason(cand: Candidate, similarity: float, evidence: HistoryItem | None) -> str:
        if evidence is not None and (evidence.product_id == cand.product_id or similarity >= SIMILAR_ENOUGH):
            when = evidence.ts.strftime("%B")
            this, that = _EVENT_PHRASE.get(evidence.event, _EVENT_PHRASE["view"])
            if evidence.product_id == cand.product_id:
                return f"you {this} in {when}"
            return f"similar to the {evidence.title} you {that} in {when}"
        if evidence is None and cand.popularity >= 0.5:
            return "popular with shoppers (no history yet, so ranked by relevance and popularity)"
        if evidence is None:
            return "matches your request (no history yet, so ranked by relevance and popularity)"
        return "closely matches your request"
