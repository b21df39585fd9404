"""The LLM gate with the real bundled models, on both bundled stores: a turn that arrives while another
lead is being generated takes the deterministic lead without asking the LLM; once the LLM is free, the
next turn asks it again (its lead is shown or, if the verifier rejects it, replaced, with the problem)."""

from __future__ import annotations

import pytest

from assistant.lead_gate import BUSY, LeadGate
from tests.store_chat import chat


@pytest.fixture(params=["services", "kestrel"])
def store(request: pytest.FixtureRequest):
    return request.getfixturevalue(request.param)


def compare(store):
    shown = [p.id for p in list(store.current.catalog)[:4]]
    reply, _ = chat(store, None, "compare the first two", shown=shown)
    assert reply.intent == "compare", (reply.intent, reply.text)
    return reply


def test_a_busy_llm_is_skipped_and_a_free_one_is_asked(store, monkeypatch) -> None:
    gate = LeadGate("auto")
    monkeypatch.setattr(store.current.assistant.writer, "gate", gate)
    with gate.admit():
        skipped = compare(store)
    asked = compare(store)

    assert skipped.used_fallback and skipped.lead_skipped == BUSY and skipped.problems == []
    assert asked.lead_skipped == ""
    assert (not asked.used_fallback) or asked.problems, "the LLM was asked: its lead, or why it was replaced"
