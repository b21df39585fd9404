"""A store's own intents from a CSV, through the real turn loop: an FAQ-backed label is answered with
its entry, a label without one goes to a human with the label in the ticket, built-in intents still
work, and a bad file is refused at start-up with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from aisle.wiring import Services
from assistant.intents.model import BadIntentFile
from assistant.session import SessionState

SAMPLE = Path(__file__).resolve().parents[2] / "knowledge/demo_store/intents.csv"


@pytest.fixture(scope="module")
def store_assistant(services):
    settings = services.settings.model_copy(update={"intents_csv": SAMPLE})
    shop = Services(settings)
    return shop, shop.current.assistant


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.parametrize(("message", "intent"), [
    ("could you gift wrap the scarf for me?", "products-gift-wrap"),
    ("we own three shops and want wholesale pricing", "wholesale"),
    ("I'm writing an article about online stores, who can I talk to?", "press"),
    ("running shoes under $80", "product_search"),
    ("what's your return policy?", "faq"),
])
def test_store_intents_route_beside_the_built_in_ones(store_assistant, message: str, intent: str) -> None:
    shop, assistant = store_assistant
    state = SessionState()
    reply = assistant.respond(state, message)
    assert reply.intent == intent, reply.text
    if intent == "products-gift-wrap":
        assert reply.faq_ids == ["products-gift-wrap"] and not reply.handoff
    if intent in ("wholesale", "press"):
        ticket = shop.tickets.open_for(state.session_id)
        assert reply.handoff and ticket is not None and reply.ticket_id == ticket.id
        assert f"Store intent: {intent}" in ticket.summary and ticket.reason.value == "store intent"


@pytest.mark.slow
def test_store_rows_with_built_in_labels_add_examples(store_assistant) -> None:
    shop, _ = store_assistant
    assert "when will my stuff get here" in shop.intent_classifier.examples["order_status"]
    assert shop.store_intents.labels == ["press", "products-gift-wrap", "wholesale"]


def test_a_bad_intents_file_is_refused_with_its_line(services, tmp_path) -> None:
    bad = tmp_path / "intents.csv"
    bad.write_text("sentence,label\ngift wrap?,products-gift-wrap\nno label here\n", encoding="utf-8")
    shop = Services(services.settings.model_copy(update={"intents_csv": bad}))
    with pytest.raises(BadIntentFile, match="line 3"):
        shop.current.assistant  # noqa: B018


@pytest.mark.slow
@pytest.mark.integration
def test_the_llm_can_vote_on_store_intents_at_a_cross_validated_weight(services) -> None:
    from assistant.intents.model import LLM_WEIGHT

    settings = services.settings.model_copy(update={"intents_csv": SAMPLE, "intent_llm_vote": True})
    shop = Services(settings)
    model = shop.store_intents.model
    assert model.llm is not None and model.chosen["llm_weight"] in LLM_WEIGHT
    assert model.llm_weight == model.chosen["llm_weight"]
    state = SessionState()
    assert shop.current.assistant.respond(state, "could you gift wrap the scarf for me?").intent == "products-gift-wrap"
