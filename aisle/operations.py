"""The application's reports (``assistant/operations.py``) written as log events and Prometheus metrics.

Each shopper turn is one ``turn`` event (a JSON line with ``[ops] log_format = "json"``); the copilot's
actions, rate-limit refusals and errors are events of their own. None carries message text, a raw
session id or a client address.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Literal

from aisle.metrics import AisleMetrics
from assistant.errors import AisleError
from assistant.lead_outcome import lead_outcome
from assistant.operations import Operations, TurnKind, TurnRecord
from assistant.reply import Reply

EVENTS_LOGGER = "aisle.events"


class OperationsRecorder(Operations):
    def __init__(self, metrics: AisleMetrics, store: Callable[[], str], log: logging.Logger | None = None):
        """``store``: the store's name for each event (an ingest may rename it)."""
        self.metrics = metrics
        self.store = store
        self.log = log or logging.getLogger(EVENTS_LOGGER)

    def turn(self, record: TurnRecord) -> None:
        m = self.metrics
        m.turn_seconds.labels(record.intent).observe(record.reply_ms / 1000)
        m.first_text_seconds.observe(record.first_text_ms / 1000)
        for stage, ms in record.stage_ms.items():
            m.stage_seconds.labels(stage).observe(ms / 1000)
        m.turns.labels(record.intent, record.resolution).inc()
        for kind in record.fallbacks:
            m.fallbacks.labels(kind).inc()
        lead = record.lead
        m.leads.labels(lead.source, lead.why or "written").inc()
        counter = {"rejected": m.lead_rejections, "skipped": m.lead_skips}.get(lead.why)
        for reason in lead.reasons if counter is not None else ():
            counter.labels(reason).inc()  # type: ignore[union-attr]
        self.log.info("turn", extra={"event": "turn", "store": self.store(), **record.fields()})

    def turn_error(self, kind: TurnKind, session: str, error: BaseException) -> None:
        name = type(error).__name__
        fields = {"store": self.store(), "session": session, "kind": kind, "error": name}
        if isinstance(error, AisleError):  # the shopper was told what to do: a refusal, not a failure
            self.metrics.refused.labels(name).inc()
            self.log.info("turn refused", extra={"event": "turn_refused", **fields})
            return
        self.metrics.errors.labels("turn", name).inc()
        self.log.error("turn failed", extra={"event": "turn_error", **fields})

    def rate_limited(self, kind: str) -> None:
        self.metrics.rate_limited.labels(kind).inc()
        self.log.warning("rate limited", extra={"event": "rate_limited", "store": self.store(), "limit": kind})

    def copilot(self, action: Literal["suggest", "send"], session: str, reply: Reply | None = None,
                took_s: float = 0.0) -> None:
        self.metrics.copilot.labels(action).inc()
        fields: dict[str, object] = {"event": f"copilot_{action}", "store": self.store(), "session": session}
        if reply is not None:
            lead = lead_outcome(reply)
            fields |= {"intent": reply.intent, "lead": lead.source, "lead_why": lead.why,
                       "lead_reasons": list(lead.reasons), "products": len(reply.products),
                       "reply_ms": round(took_s * 1000, 2), "stage_ms": dict(reply.stage_ms)}
        self.log.info(f"copilot {action}", extra=fields)

    def in_flight(self) -> AbstractContextManager[None]:
        return self.metrics.in_flight.track_inprogress()  # type: ignore[return-value]
