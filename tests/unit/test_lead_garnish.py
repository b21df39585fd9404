"""The LLM lead is a garnish: through a whole ``Assistant`` on both bundled stores (built on fakes, see
``tests/unit/conftest.py``), a turn asks the LLM only when the gate lets it, and the reply records
which lead it used and why the LLM was not asked."""

from __future__ import annotations

import logging

import pytest

from assistant.config import Settings
from assistant.lead_gate import BUSY, GARNISH_OFF, LeadGate
from assistant.llm import FakeChatModel
from tests.store_chat import chat

LEAD = "Here is a comparison."  # grounded for any store: framing words and the answer's own topic


@pytest.fixture
def writer(fake_store, monkeypatch):
    """The store's reply writer with a scripted LLM that writes a grounded lead (restored after the test)."""
    writer = fake_store.current.assistant.writer
    monkeypatch.setattr(writer, "llm", FakeChatModel([LEAD]))
    return writer


def compare(store):
    """A turn whose answer has a topic, so it would ask the LLM: "compare the first two" with items shown."""
    shown = [p.id for p in list(store.current.catalog)[:4]]
    reply, _ = chat(store, None, "compare the first two", shown=shown)
    assert reply.intent == "compare", (reply.intent, reply.text)
    return reply


def test_the_store_builds_one_gate_from_its_settings_and_every_writer_uses_it(fake_store) -> None:
    assert fake_store.lead_gate.garnish == Settings().llm.garnish == "auto"
    assert fake_store.current.assistant.writer.gate is fake_store.lead_gate


def test_the_garnish_setting_chooses_the_gate(tmp_path) -> None:
    from aisle.wiring import Services

    for garnish in ("auto", "always", "never"):
        services = Services(Settings(data_dir=tmp_path, llm={"garnish": garnish, "lead_budget_ms": 1500,
                                                              "lead_busy_turns": 3}))
        gate = services.lead_gate
        assert (gate.garnish, gate.budget_s, gate.busy_turns) == (garnish, 1.5, 3)


def test_an_idle_gate_lets_the_llm_write_the_lead_and_the_reply_says_so(fake_store, writer, monkeypatch) -> None:
    monkeypatch.setattr(writer, "gate", LeadGate("auto"))
    reply = compare(fake_store)
    assert reply.text.startswith(LEAD)
    assert not reply.used_fallback and reply.lead_skipped == "" and reply.grounded


def test_while_another_lead_is_generated_the_turn_takes_the_deterministic_lead(fake_store, writer, monkeypatch,
                                                                             caplog) -> None:
    gate = LeadGate("auto")
    monkeypatch.setattr(writer, "gate", gate)
    with caplog.at_level(logging.INFO, logger="assistant.writer"), gate.admit() as held:
        assert held == ""
        reply = compare(fake_store)
    assert reply.used_fallback and reply.lead_skipped == BUSY
    assert reply.problems == [] and reply.grounded, "a skipped lead is no verifier failure"
    assert not reply.text.startswith(LEAD) and writer.llm.prompts == [], "the LLM was not asked"
    assert any(BUSY in r.getMessage() and "deterministic lead" in r.getMessage() for r in caplog.records)


def test_while_replies_queue_the_turn_takes_the_deterministic_lead(fake_store, writer, monkeypatch) -> None:
    gate = LeadGate("auto", busy_turns=2)
    monkeypatch.setattr(writer, "gate", gate)
    with gate.turn(), gate.turn():  # two other turns being answered
        reply = compare(fake_store)
    assert reply.used_fallback and reply.lead_skipped == "replies were queueing (2 other turns being answered)"
    assert writer.llm.prompts == [] and gate.turns == 0
    assert compare(fake_store).text.startswith(LEAD), "once they are answered, the LLM writes the lead again"


def test_leads_over_budget_pause_the_llm(fake_store, writer, monkeypatch) -> None:
    now = [0.0]
    gate = LeadGate("auto", budget_ms=3000, clock=lambda: now[0])
    with gate.admit():
        now[0] += 9.0  # a lead that took 9 s
    monkeypatch.setattr(writer, "gate", gate)
    reply = compare(fake_store)
    assert reply.used_fallback and reply.lead_skipped == "recent leads took longer than 3000 ms"
    assert writer.llm.prompts == []


def test_always_waits_for_the_llm_and_never_does_not_ask_it(fake_store, writer, monkeypatch) -> None:
    monkeypatch.setattr(writer, "gate", LeadGate("always"))
    assert compare(fake_store).text.startswith(LEAD)
    monkeypatch.setattr(writer, "gate", LeadGate("never"))
    reply = compare(fake_store)
    assert reply.used_fallback and reply.lead_skipped == GARNISH_OFF
    assert len(writer.llm.prompts) == 1, "only the 'always' turn asked the LLM"
