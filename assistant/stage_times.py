"""How long each stage of one turn took (intent, retrieval, ranking, the LLM lead, …), in milliseconds.

A turn opens a ``StageTimes`` and runs its synchronous steps inside ``times.measuring()``; code deep
in the turn (the product search) marks its own stages with ``stage("retrieval")`` without being handed
the timer. ``measuring`` must not span a ``yield``: a streamed turn may resume on another thread, so
the timer is current only while a block runs without yielding (the lead is timed by its caller).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[StageTimes | None] = ContextVar("aisle_stage_times", default=None)


class StageTimes:
    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    def add(self, stage: str, seconds: float) -> None:
        """Adds to the stage's time: a stage that runs twice in a turn (two searches) counts both."""
        self.ms[stage] = round(self.ms.get(stage, 0.0) + seconds * 1000, 2)

    @contextmanager
    def measuring(self) -> Iterator[StageTimes]:
        """Makes this the turn's timer while the block runs (``stage`` adds to it)."""
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)

    @contextmanager
    def timing(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - started)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Times the block as ``name`` in the current turn's ``StageTimes``; nothing when no turn is timed."""
    times = _current.get()
    if times is None:
        yield
        return
    with times.timing(name):
        yield
