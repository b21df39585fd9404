"""The Prometheus metrics of one app (prometheus-client), in a registry of their own: not the library's
global one, so several apps in one process (tests) never share or clash."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

TURN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
STAGE_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


class AisleMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.turn_seconds = Histogram("aisle_turn_seconds", "Shopper turns: the whole reply, by intent",
                                      ["intent"], buckets=TURN_BUCKETS, registry=r)
        self.first_text_seconds = Histogram("aisle_turn_first_text_seconds", "Shopper turns: until the first "
                                            "streamed text", buckets=TURN_BUCKETS, registry=r)
        self.stage_seconds = Histogram("aisle_turn_stage_seconds", "Shopper turns: one stage (intent, answer, "
                                       "retrieval, ranking, lead, spelling)", ["stage"], buckets=STAGE_BUCKETS,
                                       registry=r)
        self.turns = Counter("aisle_turns", "Shopper turns answered", ["intent", "resolution"], registry=r)
        self.fallbacks = Counter("aisle_fallbacks", "Turns that fell short: the deterministic lead replacing "
                                 "the LLM's, no answer, a handoff", ["kind"], registry=r)
        self.leads = Counter("aisle_leads", "Reply leads by writer (llm, deterministic) and why",
                             ["source", "why"], registry=r)
        self.lead_rejections = Counter("aisle_lead_rejections", "LLM leads the verifier rejected, by reason",
                                       ["reason"], registry=r)
        self.lead_skips = Counter("aisle_lead_skips", "Turns the LLM gate kept from asking the LLM, by reason",
                                  ["reason"], registry=r)
        self.in_flight = Gauge("aisle_turns_in_flight", "Shopper turns being answered now", registry=r)
        self.queue_waiting = Gauge("aisle_web_queue_waiting", "Requests waiting in the web app's queue for a "
                                   "free worker", registry=r)
        self.rate_limited = Counter("aisle_rate_limited", "Messages and new sessions refused by a rate limit",
                                    ["kind"], registry=r)
        self.refused = Counter("aisle_turns_refused", "Shopper turns refused with a message to the shopper "
                               "(rate limit, invalid message, unknown session, …)", ["error"], registry=r)
        self.errors = Counter("aisle_errors", "Unexpected errors", ["where", "error"], registry=r)
        self.copilot = Counter("aisle_copilot_actions", "Support agents' suggestions and sent messages",
                               ["action"], registry=r)

    def watch_queue(self, waiting: Callable[[], int]) -> None:
        """Read the web queue's waiting requests from ``waiting`` at each scrape."""
        self.queue_waiting.set_function(lambda: float(waiting()))

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
