"""First-stage ranking: blend request relevance, the shopper's interest and popularity.

Every ranked item carries a one-line reason drawn from data: the history item that explains it
for a returning shopper, or relevance/popularity for a newcomer (cold start says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from recommender.scorer import InterestScorer, InterestScores
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
    def __init__(self, scorer: InterestScorer, weights: RankerWeights | None = None, rescore_top: int | None = None):
        """``rescore_top``: the interest scorer sees only this many candidates, the best by relevance
        and popularity (the first stage); the rest keep that order below them, with no interest."""
        self.scorer = scorer
        self.weights = weights or RankerWeights()
        self.rescore_top = rescore_top

    def _interest(self, candidates: Sequence[Candidate], history: Sequence[HistoryItem]) -> InterestScores:
        """The scorer's interest in each candidate; 0 beyond the first stage's top ``rescore_top``.
        Interest is never negative, so those rescored all stay above those that are not."""
        top = self.rescore_top
        if not history or top is None or len(candidates) <= top:
            return self.scorer.score(history, candidates)
        w = self.weights
        first = sorted(range(len(candidates)), key=lambda i: -(w.relevance * candidates[i].relevance
                                                               + w.popularity * candidates[i].popularity))[:top]
        found = self.scorer.score(history, [candidates[i] for i in first])
        scores = [0.0] * len(candidates)
        evidence: list[int | None] = [None] * len(candidates)
        similarity = [0.0] * len(candidates)
        for j, i in enumerate(first):
            scores[i], evidence[i] = found.scores[j], found.evidence[j]
            similarity[i] = found.similarity[j] if found.similarity else 0.0
        return InterestScores(scores, evidence, similarity)

    def rank(self, candidates: Sequence[Candidate], history: Sequence[HistoryItem]) -> list[RankedItem]:
        if not candidates:
            return []
        interest = self._interest(candidates, history)
        w = self.weights
        personal = bool(history)
        ranked = []
        sims = interest.similarity or [0.0] * len(candidates)
        for cand, score, ev, sim in zip(candidates, interest.scores, interest.evidence, sims, strict=True):
            if personal:
                total = w.relevance * cand.relevance + w.interest * score + w.popularity * cand.popularity
            else:  # cold start: no history, so relevance and popularity only
                total = (w.relevance + w.interest) * cand.relevance + w.popularity * cand.popularity
            reason = self._reason(cand, sim, history[ev] if personal and ev is not None else None, personal)
            ranked.append(RankedItem(cand.product_id, total, reason,
                                     {"relevance": cand.relevance, "interest": score, "popularity": cand.popularity}))
        return sorted(ranked, key=lambda r: r.score, reverse=True)

    @staticmethod
    def _reason(cand: Candidate, similarity: float, evidence: HistoryItem | None, personal: bool) -> str:
        if evidence is not None and (evidence.product_id == cand.product_id or similarity >= SIMILAR_ENOUGH):
            when = evidence.ts.strftime("%B")
            this, that = _EVENT_PHRASE.get(evidence.event, _EVENT_PHRASE["view"])
            if evidence.product_id == cand.product_id:
                return f"you {this} in {when}"
            return f"similar to the {evidence.title} you {that} in {when}"
        if not personal and cand.popularity >= 0.5:
            return "popular with shoppers (no history yet, so ranked by relevance and popularity)"
        if not personal:
            return "matches your request (no history yet, so ranked by relevance and popularity)"
        return "closely matches your request"
