"""First-stage ranking: blend request relevance, the shopper's interest and popularity.

Every ranked item carries a one-line reason drawn from data: the history item that explains it
for a returning shopper, or relevance/popularity for a newcomer (cold start says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from recommender.scorer import InterestScorer
from recommender.types import Candidate, HistoryItem, RankedItem

_EVENT_VERB = {"view": "viewed", "click": "looked at", "add_to_cart": "added to your cart", "purchase": "bought"}


@dataclass(frozen=True)
class BlendWeights:
    relevance: float = 0.6
    interest: float = 0.3
    popularity: float = 0.1


class Ranker:
    def __init__(self, scorer: InterestScorer, weights: BlendWeights | None = None):
        self.scorer = scorer
        self.weights = weights or BlendWeights()

    def rank(self, candidates: Sequence[Candidate], history: Sequence[HistoryItem]) -> list[RankedItem]:
        if not candidates:
            return []
        interest = self.scorer.score(history, candidates)
        w = self.weights
        personal = bool(history)
        ranked = []
        for cand, score, ev in zip(candidates, interest.scores, interest.evidence, strict=True):
            if personal:
                total = w.relevance * cand.relevance + w.interest * score + w.popularity * cand.popularity
            else:  # cold start: no history, so relevance and popularity only
                total = (w.relevance + w.interest) * cand.relevance + w.popularity * cand.popularity
            reason = self._reason(cand, score, history[ev] if personal and ev is not None else None)
            ranked.append(RankedItem(cand.product_id, total, reason,
                                     {"relevance": cand.relevance, "interest": score, "popularity": cand.popularity}))
        return sorted(ranked, key=lambda r: r.score, reverse=True)

    @staticmethod
    def _reason(cand: Candidate, interest: float, evidence: HistoryItem | None) -> str:
        if evidence is not None and interest >= 0.4:
            when = evidence.ts.strftime("%B")
            verb = _EVENT_VERB.get(evidence.event, "viewed")
            if evidence.product_id == cand.product_id:
                return f"you {verb} this in {when}"
            return f"similar to the {evidence.title} you {verb} in {when}"
        if evidence is None and cand.popularity >= 0.5:
            return "popular with shoppers (no history yet, so ranked by relevance and popularity)"
        if evidence is None:
            return "matches your request (no history yet, so ranked by relevance and popularity)"
        return "closely matches your request"
