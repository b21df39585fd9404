"""The LLM gate (``assistant/lead_gate.py``): when a turn asks the LLM for its lead, and when it takes the
deterministic lead at once. Time is a fake clock: no test waits or measures."""

from __future__ import annotations

import pytest

from assistant.lead_gate import BUSY, GARNISH_OFF, LeadGate


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def admitted(gate: LeadGate) -> str:
    with gate.admit() as refused:
        return refused


def timed_lead(gate: LeadGate, clock: FakeClock, seconds: float) -> None:
    with gate.admit() as refused:
        assert refused == ""
        clock.now += seconds


def test_auto_asks_the_llm_when_nothing_else_is_generating() -> None:
    gate = LeadGate("auto")
    assert admitted(gate) == ""
    assert admitted(gate) == "", "the slot is given back when a lead ends"


def test_auto_skips_while_another_lead_is_being_generated() -> None:
    gate = LeadGate("auto")
    with gate.admit() as first:
        assert first == ""
        assert gate.refusal() == BUSY
        assert admitted(gate) == BUSY
    assert admitted(gate) == ""


def test_auto_skips_when_replies_are_queueing() -> None:
    gate = LeadGate("auto", busy_turns=2)
    with gate.turn(), gate.turn():
        with gate.turn():  # this turn, with two others being answered
            assert admitted(gate) == "replies were queueing (2 other turns being answered)"
        with gate.turn():  # the count follows turns ending
            assert gate.turns == 3
    with gate.turn(), gate.turn():  # one other turn: not queueing
        assert admitted(gate) == ""
    assert gate.turns == 0


def test_the_slot_is_given_back_when_a_lead_fails() -> None:
    gate = LeadGate("auto")
    with pytest.raises(RuntimeError), gate.admit():
        raise RuntimeError("the backend broke")
    assert admitted(gate) == ""


def test_auto_skips_when_recent_leads_took_longer_than_the_budget() -> None:
    clock = FakeClock()
    gate = LeadGate("auto", budget_ms=3000, window=3, forget_after_s=20, clock=clock)
    timed_lead(gate, clock, 1.0)
    timed_lead(gate, clock, 5.0)
    assert not gate.over_budget(), "the median of 1 s and 5 s is within 3 s"
    timed_lead(gate, clock, 6.0)
    assert gate.over_budget(), "the median of 1, 5 and 6 s is not"
    assert admitted(gate) == "recent leads took longer than 3000 ms"


def test_slow_leads_are_forgotten_so_the_llm_is_tried_again() -> None:
    clock = FakeClock()
    gate = LeadGate("auto", budget_ms=3000, forget_after_s=20, clock=clock)
    timed_lead(gate, clock, 8.0)
    assert admitted(gate).startswith("recent leads took longer")
    clock.now += 21
    assert admitted(gate) == ""


def test_always_asks_the_llm_even_while_replies_queue_another_lead_is_generated_or_leads_are_slow() -> None:
    clock = FakeClock()
    gate = LeadGate("always", budget_ms=1000, clock=clock)
    timed_lead(gate, clock, 9.0)
    with gate.admit() as first, gate.turn(), gate.turn(), gate.turn():
        assert first == ""
        assert admitted(gate) == ""


def test_never_never_asks_the_llm() -> None:
    gate = LeadGate("never")
    assert admitted(gate) == GARNISH_OFF
