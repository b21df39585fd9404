"""The LLM gate: whether this turn's opening sentence is written by the LLM or is the draft's own.

The facts of a reply are selected by code in milliseconds; the LLM's lead is a garnish that takes
about a second on a CPU, and one model writes one lead at a time. When every turn waits for it,
replies queue behind the model. With ``[llm] garnish = "auto"`` a turn asks the LLM only when
replies are not queueing (fewer than ``lead_busy_turns`` other turns are being answered), no other
lead is being generated, and the recent leads kept to ``lead_budget_ms``; otherwise it takes the
deterministic lead at once and the reply says why (``Reply.lead_skipped``). ``"always"`` waits for
the LLM every turn (the model's own lock queues them), ``"never"`` never asks it.

One gate per process (``Services.lead_gate``), shared by every reply writer, so the shopper chat and
the copilot's suggestions see the same load.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

Garnish = Literal["auto", "always", "never"]

BUSY = "another reply's lead was being written"
GARNISH_OFF = "LLM leads are off ([llm] garnish = \"never\")"
QUEUEING = "replies were queueing"
OVER_BUDGET = "recent leads took longer than"


def skip_label(reason: str) -> str:
    """A short, fixed name for why the gate skipped the LLM (a metric label; ``reason`` carries numbers)."""
    for label, start in (("queueing", QUEUEING), ("busy", BUSY), ("over_budget", OVER_BUDGET), ("off", GARNISH_OFF)):
        if reason.startswith(start):
            return label
    return "other"


class LeadGate:
    """Decides, turn by turn, whether the LLM may write the lead, and times the leads it admits.

    Turns are counted while they run (``turn()``, entered by the assistant for each message).
    ``window``: how many recent leads the budget is judged on (their median); ``forget_after_s``: a
    lead older than this no longer counts, so after a slow spell the LLM is tried again."""

    def __init__(self, garnish: Garnish = "auto", budget_ms: int = 3000, busy_turns: int = 2, window: int = 3,
                 forget_after_s: float = 20.0, clock: Callable[[], float] = time.monotonic):
        self.garnish = garnish
        self.budget_s = budget_ms / 1000
        self.busy_turns = busy_turns
        self.turns = 0  # turns being answered now
        self.forget_after_s = forget_after_s
        self._clock = clock
        self._slot = threading.Lock()  # "auto": one lead at a time, never waited for
        self._lock = threading.Lock()
        self._recent: deque[tuple[float, float]] = deque(maxlen=window)  # (finished at, seconds taken)

    def over_budget(self) -> bool:
        """The recent leads (median) took longer than the budget."""
        now = self._clock()
        with self._lock:
            recent = [took for done, took in self._recent if now - done <= self.forget_after_s]
        return bool(recent) and statistics.median(recent) > self.budget_s

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Counts a turn as being answered while the block runs."""
        with self._lock:
            self.turns += 1
        try:
            yield
        finally:
            with self._lock:
                self.turns -= 1

    def refusal(self) -> str:
        """Why this turn would not ask the LLM now ('' = it would), without taking the slot."""
        if self.garnish == "never":
            return GARNISH_OFF
        if self.garnish == "always":
            return ""
        others = self.turns - 1  # besides the turn asking
        if others >= self.busy_turns:
            return f"{QUEUEING} ({others} other turns being answered)"
        if self._slot.locked():
            return BUSY
        if self.over_budget():
            return f"{OVER_BUDGET} {self.budget_s * 1000:.0f} ms"
        return ""

    @contextmanager
    def admit(self) -> Iterator[str]:
        """Yields '' when this turn may ask the LLM (in "auto", holding the one slot until the block
        ends), else why not. The time an admitted lead takes is remembered for the budget."""
        reason = self.refusal()
        if reason:
            yield reason
            return
        slotted = self.garnish == "auto"
        if slotted and not self._slot.acquire(blocking=False):
            yield BUSY
            return
        started = self._clock()
        try:
            yield ""
        finally:
            finished = self._clock()
            with self._lock:
                self._recent.append((finished, finished - started))
            if slotted:
                self._slot.release()
