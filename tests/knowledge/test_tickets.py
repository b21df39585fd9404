"""Handoff tickets: one open ticket per conversation, a queue for the copilot, closing."""

from __future__ import annotations

from datetime import datetime

import pytest

from assistant.handoff import Handoff, is_frustrated, summarise
from assistant.session import Constraints, SessionState, Turn
from knowledge.retrieval.filters import ProductFilter
from knowledge.store.database import StoreDatabase
from knowledge.store.tickets import HandoffReason, TicketStore

NOW = datetime(2026, 11, 23, 12, 0)


@pytest.fixture
def store(store_url) -> TicketStore:
    return TicketStore(StoreDatabase(store_url))


def test_one_open_ticket_per_session_and_a_first_come_queue(store: TicketStore) -> None:
    handoff = Handoff(store, lambda cid: {"C1": "Maya Chen"}.get(cid), lambda: NOW)
    first = SessionState(session_id="s1", customer_id="C1")
    second = SessionState(session_id="s2")
    a = handoff.open(first, HandoffReason.ASKED, "talk to a human")
    b = handoff.open(second, HandoffReason.FRUSTRATION, "this is useless")
    assert handoff.open(first, HandoffReason.FRUSTRATION, "hello??").id == a.id
    assert [t.id for t in store.queue()] == [a.id, b.id]
    assert first.ticket_id == a.id and a.customer_id == "C1" and "Maya Chen (C1)" in a.summary
    assert a.transcript[-1] == {"role": "user", "text": "talk to a human"}
    closed = store.close(a.id, NOW)
    assert closed.status == "closed" and [t.id for t in store.queue()] == [b.id]
    assert handoff.open(first, HandoffReason.ASKED, "again").id not in (a.id, b.id)
    with pytest.raises(LookupError):
        store.get("HT-999")
    with pytest.raises(LookupError):
        store.close("not-a-ticket", NOW)


def test_summary_says_who_why_what_and_the_last_messages() -> None:
    state = SessionState(customer_id=None, constraints=Constraints(ProductFilter(category="shoes", max_price=80.0)))
    state.turns = [Turn("user", "running shoes under 80", "product_search"), Turn("assistant", "...")]
    state.pending_order_id, state.failed_verifications = "MM-100123", 2
    text = summarise(state, HandoffReason.REPEATED_FAILURE, None, "why won't you help me")
    for part in ("guest (not signed in)", "repeated failure", "product_search", "MM-100123 (NOT verified)",
                 "Failed e-mail verifications: 2", "under $80.00", '"why won\'t you help me"'):
        assert part in text, text


@pytest.mark.parametrize(("text", "frustrated"), [
    ("this is useless", True), ("I'm so frustrated with this", True), ("WHERE IS MY ORDER!! NOBODY ANSWERS", True),
    ("worst service ever", True), ("are you kidding me", True),
    ("where is my order?", False), ("I need waterproof boots!!", False), ("is this jacket useful in rain?", False),
    ("I'm frustrated by wet feet, need boots", False),
])
def test_frustration(text: str, frustrated: bool) -> None:
    assert is_frustrated(text) is frustrated
