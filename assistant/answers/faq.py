"""Policy and FAQ answers, cited by entry id; says so (and offers a human) when nothing fits."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answers.draft import Draft
from assistant.grounding import evidence_for
from assistant.reply import FaqRef
from knowledge.retrieval import Retriever
from knowledge.schemas import FaqEntry

HANDOFF_QUERY = "Can I talk to a real person instead of the assistant? support hours"


def _excerpt(body: str, max_words: int = 90) -> str:
    """Whole sentences of the entry, up to about ``max_words`` words."""
    out, count = [], 0
    for sentence in re.split(r"(?<=[.!?])\s+", body.strip()):
        out.append(sentence)
        count += len(sentence.split())
        if count >= max_words:
            break
    return " ".join(out)


class FaqAnswers:
    def __init__(self, retriever: Retriever, k: int = 3, min_score: float = 0.35):
        self.retriever = retriever
        self.k = k
        self.min_score = min_score

    def answer(self, message: str) -> Draft:
        hits = self.retriever.search_faq(message, k=self.k)
        if not hits or hits[0].score < self.min_score:
            return Draft(
                "faq",
                "I couldn't find that in our store policies, and I'd rather not guess. "
                "Would you like me to connect you with a human agent?",
                failed=True,
            )
        related = [h.entry for h in hits[1:] if h.score >= self.min_score + 0.1]
        return self.cite(hits[0].entry, message, related)

    def cite(self, entry: FaqEntry, message: str, related: Sequence[FaqEntry] = (), intent: str = "faq") -> Draft:
        """Answer with ``entry`` (an excerpt and its id), listing ``related`` entries."""
        body = f"{_excerpt(entry.body)}\n\nSource: [{entry.id}] {entry.title}"
        if related:
            body += "\nRelated: " + "; ".join(f"[{r.id}] {r.title}" for r in related)
        evidence = evidence_for(texts=[message], policy_texts=[entry.body])
        return Draft(intent, "Here's our policy on that:", body, topic=f"our policy on {entry.topic}",
                     faq=[FaqRef(entry.id, entry.title)], evidence=evidence)

    def handoff(self, reason: str) -> Draft:
        hits = self.retriever.search_faq(HANDOFF_QUERY, k=1)
        body = ""
        refs = []
        if hits:
            entry = hits[0].entry
            body = f"{_excerpt(entry.body, 60)}\n\nSource: [{entry.id}] {entry.title}"
            refs = [FaqRef(entry.id, entry.title)]
        return Draft("handoff", f"I'll connect you with a human agent ({reason}). "
                     "They'll see this conversation, so you won't need to repeat yourself.",
                     body, faq=refs, handoff=True)
