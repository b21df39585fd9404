"""Per-session and per-client rate limits on chat messages (the ``limits`` package, moving window,
in memory when one Aisle process serves a store; several processes share a Redis storage URI, by
default the ``shared_state_url``).

A shopper over the limit gets a clear message saying when to try again; nothing is stored for the
refused message.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

from limits import RateLimitItem, parse_many, storage, strategies

from assistant.errors import RateLimited


class MessageRateLimits:
    def __init__(self, per_session: str = "20/minute;200/hour", per_client: str = "60/minute;600/hour",
                 storage_uri: str = "memory://", key_prefix: str = "LIMITS",
                 on_refused: Callable[[str], None] = lambda kind: None):
        """``per_session``/``per_client``: ``limits`` strings, e.g. ``"20/minute;200/hour"``;
        ``key_prefix``: the keys' prefix in a shared (Redis) storage; ``on_refused`` is told the kind
        ("session" or "client") of each refusal (metrics, logs)."""
        self.per_session = parse_many(per_session) if per_session else []
        self.per_client = parse_many(per_client) if per_client else []
        self.on_refused = on_refused
        options = {"key_prefix": key_prefix} if storage_uri.startswith("redis") else {}
        self.limiter = strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_uri, **options))

    def check(self, session_id: str, client: str | None = None) -> None:
        """Count one message; ``RateLimited`` if the session or the client (its IP) is over a limit."""
        session = hashlib.sha256(session_id.encode()).hexdigest()[:32]  # a session id is a credential: not a key
        keys: list[tuple[RateLimitItem, str, str]] = [(item, "session", session) for item in self.per_session]
        if client:
            keys += [(item, "client", client) for item in self.per_client]
        self._count(keys)

    def check_client(self, client: str) -> None:
        """Count one request that is not a message (a new session) against the client's limit."""
        self._count([(item, "client", client) for item in self.per_client])

    def _count(self, keys: list[tuple[RateLimitItem, str, str]]) -> None:
        for item, kind, key in keys:  # test all first: a refused message uses up no allowance
            if not self.limiter.test(item, kind, key):
                reset = self.limiter.get_window_stats(item, kind, key).reset_time
                wait = max(1, math.ceil(reset - time.time()))
                self.on_refused(kind)
                who = "this conversation" if kind == "session" else "your network address"
                what = "messages" if kind == "session" else "requests"
                raise RateLimited(f"Too many {what} from {who} ({item.amount} per {_per(item)}). "
                                  f"Please wait {wait} s and try again.", retry_after=wait)
        for item, kind, key in keys:
            self.limiter.hit(item, kind, key)


def _per(item: RateLimitItem) -> str:
    unit = item.GRANULARITY.name
    return unit if item.multiples == 1 else f"{item.multiples} {unit}s"
