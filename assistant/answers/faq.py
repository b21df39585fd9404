"""Policy and FAQ answers, citing the entry's sections used (``returns-window#2``); says so (and
offers a human) when nothing fits."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answers.draft import Draft, store_label
from assistant.grounding import evidence_for
from assistant.reply import FaqRef
from assistant.stage_times import stage
from knowledge.retrieval.search import FaqChunk, FaqHit, Retriever, faq_chunks
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
        with stage("retrieval"):
            hits = self.retriever.search_faq(message, k=self.k)
        if not hits or hits[0].score < self.min_score:
            return Draft(
                "faq",
                "I couldn't find that in our store policies, and I'd rather not guess. "
                "Would you like me to connect you with a human agent?",
                failed=True,
            )
        related = [h.entry for h in hits[1:] if h.score >= self.min_score + 0.1]
        return self.cite(hits[0].entry, message, related, chunks=self.used_chunks(hits[0]))

    def matches(self, message: str) -> bool:
        """Whether an entry of the store's FAQ answers ``message`` well enough to be quoted."""
        with stage("retrieval"):
            hits = self.retriever.search_faq(message, k=1)
        return bool(hits) and hits[0].score >= self.min_score

    def used_chunks(self, hit: FaqHit) -> list[FaqChunk]:
        """The sections of the entry the answer quotes: every matching one that clears the bar (the
        best always does), in reading order; all of them if none was retrieved."""
        if not hit.chunks:
            return faq_chunks(hit.entry)
        return sorted((c for c in hit.chunks if c.score >= self.min_score or c is hit.chunks[0]), key=lambda c: c.number)

    def cite(self, entry: FaqEntry, message: str, related: Sequence[FaqEntry] = (), intent: str = "faq",
             chunks: Sequence[FaqChunk] | None = None) -> Draft:
        """Answer with ``chunks`` of ``entry`` (default: all of it), citing their ids, and list ``related``
        entries. The policy terms a lead may use come from the quoted sections only."""
        used = list(chunks) if chunks else faq_chunks(entry)
        text = " ".join(c.text for c in used)
        ids = ", ".join(c.id for c in used)
        body = f"{_excerpt(text)}\n\nSource: [{ids}] {entry.title}"
        if related:
            body += "\nRelated: " + "; ".join(f"[{r.id}] {r.title}" for r in related)
        evidence = evidence_for(texts=[message], policy_texts=[text])
        return Draft(intent, "Here's our policy on that:", body, topic=f"our policy on {store_label(entry.topic)}",
                     faq=[FaqRef(entry.id, entry.title, tuple(c.id for c in used))], evidence=evidence)

    def handoff(self, reason: str) -> Draft:
        hits = self.retriever.search_faq(HANDOFF_QUERY, k=1)
        body = ""
        refs = []
        if hits:
            entry = hits[0].entry
            used = self.used_chunks(hits[0])
            ids = ", ".join(c.id for c in used)
            body = f"{_excerpt(' '.join(c.text for c in used), 60)}\n\nSource: [{ids}] {entry.title}"
            refs = [FaqRef(entry.id, entry.title, tuple(c.id for c in used))]
        return Draft("handoff", f"I'll connect you with a human agent ({reason}). "
                     "They'll see this conversation, so you won't need to repeat yourself.",
                     body, faq=refs, handoff=True)
