"""What operations sees of the application: one record per shopper turn, the copilot's actions,
rate-limit refusals and errors, handed to an ``Operations`` sink (the composition root's writes JSON
log lines and Prometheus metrics: ``aisle/operations.py``).

Nothing here carries what a shopper typed or a raw session id (a session id is a bearer credential):
a session is named by ``session_digest``; the lead's reasons are fixed labels (``lead_outcome``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.conversations import resolution_of
from assistant.lead_outcome import LeadOutcome, lead_outcome
from assistant.reply import PartialText, Reply

TurnKind = Literal["message", "filter_removed"]


def session_digest(session_id: str) -> str:
    """A stable name for a session in logs: not the id (which signs the shopper in), and not reversible."""
    return hashlib.sha256(f"aisle-session:{session_id}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class TurnRecord:
    session: str  # session_digest
    kind: TurnKind
    intent: str
    resolution: str  # answered, unanswered, handed_off
    failed: bool
    handoff: bool
    lead: LeadOutcome
    products: int
    reply_ms: float  # the whole turn, as the caller waited for it
    first_text_ms: float  # until the first streamed text
    stage_ms: dict[str, float] = field(default_factory=dict)  # intent, answer, retrieval, ranking, lead, …

    @property
    def fallbacks(self) -> list[str]:
        """What fell short of a full answer: the deterministic lead replacing the LLM's, no answer, a handoff."""
        return [name for name, happened in (("deterministic_lead", self.lead.fell_back),
                                            ("unanswered", self.failed), ("handoff", self.handoff)) if happened]

    def fields(self) -> dict[str, Any]:
        """The record as a log line's fields."""
        return {"session": self.session, "kind": self.kind, "intent": self.intent, "resolution": self.resolution,
                "failed": self.failed, "handoff": self.handoff, "lead": self.lead.source, "lead_why": self.lead.why,
                "lead_reasons": list(self.lead.reasons), "products": self.products, "fallbacks": self.fallbacks,
                "reply_ms": self.reply_ms, "first_text_ms": self.first_text_ms, "stage_ms": self.stage_ms}


def turn_record(session_id: str, kind: TurnKind, reply: Reply, reply_s: float, first_text_s: float) -> TurnRecord:
    return TurnRecord(session_digest(session_id), kind, reply.intent, resolution_of(reply).value.replace(" ", "_"),
                      reply.failed, reply.handoff, lead_outcome(reply), len(reply.products),
                      round(reply_s * 1000, 2), round(first_text_s * 1000, 2), dict(reply.stage_ms))


class Operations:
    """Where the application reports what operations sees; this base reports nowhere (tests, scripts)."""

    def turn(self, record: TurnRecord) -> None:
        """A shopper turn was answered."""

    def turn_error(self, kind: TurnKind, session: str, error: BaseException) -> None:
        """A shopper turn ended in an error (a refused message, a failure); ``session``: its digest."""

    def rate_limited(self, kind: str) -> None:
        """A message or a new session was refused by a rate limit: ``kind`` "session" or "client"."""

    def copilot(self, action: Literal["suggest", "send"], session: str, reply: Reply | None = None,
                took_s: float = 0.0) -> None:
        """A support agent asked for a suggestion or sent a message into a conversation."""

    def in_flight(self) -> AbstractContextManager[None]:
        """Held while a turn is being answered."""
        return nullcontext()


NO_OPERATIONS = Operations()


def observed(operations: Operations, session_id: str, kind: TurnKind,
             events: Iterator[PartialText | Reply]) -> Iterator[PartialText | Reply]:
    """``events`` passed through unchanged, timed and reported: the turn when its ``Reply`` comes, or
    the error that ended it."""
    started = time.perf_counter()
    first: float | None = None
    with operations.in_flight():
        try:
            for event in events:
                if isinstance(event, Reply):
                    took = time.perf_counter() - started
                    operations.turn(turn_record(session_id, kind, event, took, took if first is None else first))
                elif first is None:
                    first = time.perf_counter() - started
                yield event
        except Exception as exc:
            operations.turn_error(kind, session_digest(session_id), exc)
            raise
