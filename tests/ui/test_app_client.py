"""Start the real Gradio app on loopback and talk to it through ``gradio_client``."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_chat_endpoint_streams_a_grounded_reply_with_cards(client) -> None:
    history, cards, chips, sources, cleared = client.predict(
        "running shoes under $80 for flat feet", "C001", api_name="/chat"
    )
    assert history[-1]["role"] == "assistant"
    reply_text = history[-1]["content"][0]["text"]
    assert "$" in reply_text
    assert 'data-product-id="SHO-' in cards
    assert "running shoes" in chips and "under $80.00" in chips
    assert "product_search" in sources
    assert cleared == ""


def test_chat_endpoint_streams_the_reply_in_several_updates(client) -> None:
    job = client.submit("do you ship to Canada?", "guest", api_name="/chat")
    final = job.result()

    updates = job.outputs()
    assert len(updates) >= 2, "the reply came in one piece"
    texts = [u[0][-1]["content"][0]["text"] for u in updates if u[0] and u[0][-1]["role"] == "assistant"]
    assert texts and texts[-1] == final[0][-1]["content"][0]["text"]


def test_chat_endpoint_keeps_constraints_across_turns(client) -> None:
    client.predict("running shoes under $80 for flat feet", "guest", api_name="/chat")
    _, cards, chips, _, _ = client.predict("what about in blue?", "guest", api_name="/chat")
    assert "blue" in chips and "under $80.00" in chips
    assert "data-product-id" in cards


def test_reply_endpoint_returns_the_reply_object(client) -> None:
    reply = client.predict("do you ship to Canada?", "guest", "api-session-1", api_name="/reply")
    assert reply["intent"] == "faq"
    assert reply["faq"] and reply["faq"][0]["id"].startswith("shipping")
    assert reply["grounded"] in (True, False) and isinstance(reply["problems"], list)


def test_customers_endpoint_lists_demo_customers(client) -> None:
    customers = client.predict(api_name="/customers")
    assert len(customers) >= 100
    assert {"id": "C001", "name": "Maya Chen"} in customers


@pytest.mark.parametrize("message, expected", [("   ", "empty"), ("x" * 51_200, "limit")])
def test_bad_messages_get_a_clear_error(client, message: str, expected: str) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=expected):
        client.predict(message, "guest", "api-session-2", api_name="/reply")


# -- feedback: card clicks and thumbs on replies -------------------------------------------------
def test_click_endpoint_logs_a_signed_in_click_in_the_customer_history(client, services) -> None:
    reply = client.predict("a water bottle for hiking", "C045", "click-session-1", api_name="/reply")
    product_id = reply["products"][0]["id"]

    logged = client.predict("click-session-1", "C045", product_id, api_name="/click")

    assert logged == {"logged": True, "event": "click", "customer_id": "C045", "session_id": "click-session-1",
                      "product_id": product_id, "new": True}
    newest = services.db.history("C045")[0]
    assert (newest.product_id, newest.event, newest.session_id) == (product_id, "click", "click-session-1")


def test_click_endpoint_stores_a_guest_click_under_the_session(client, services) -> None:
    logged = client.predict("guest-click-1", "guest", "SHO-001", api_name="/click")

    assert logged["customer_id"] == "guest:guest-click-1"
    assert [(e.product_id, e.event) for e in services.db.history("guest:guest-click-1")] == [("SHO-001", "click")]


def test_feedback_endpoint_stores_the_rated_reply_with_its_intent_and_products(client, services) -> None:
    reply = client.predict("running shoes under $80", "guest", "rate-session-1", api_name="/reply")
    client.predict("do you ship to Canada?", "guest", "rate-session-1", api_name="/reply")

    down = client.predict("rate-session-1", "guest", 1, "", "down", api_name="/feedback")

    assert down["logged"] and down["intent"] == "product_search" and down["rating"] == "down"
    assert down["product_ids"] == [p["id"] for p in reply["products"]] and down["product_ids"]
    stored = [f for f in services.db.feedback(limit=1000) if f.session_id == "rate-session-1"]
    assert [(f.rating, f.customer_id, f.message_index, f.intent) for f in stored] == [
        ("down", "guest:rate-session-1", 1, "product_search")]
    assert stored[0].reply_text == reply["text"][:2000]


def test_feedback_endpoint_finds_a_reply_by_its_text(client, services) -> None:
    reply = client.predict("do you ship to Canada?", "C045", "rate-session-2", api_name="/reply")

    up = client.predict("rate-session-2", "C045", None, reply["text"], "up", api_name="/feedback")

    assert (up["rating"], up["intent"], up["customer_id"], up["message_index"]) == ("up", "faq", "C045", None)
    assert services.db.feedback_counts()["up"] >= 1


@pytest.mark.parametrize("args, expected", [
    (("click-session-9", "guest", "NOPE-1"), "Unknown product id"),
    (("click-session-10", "C999", "SHO-001"), "Unknown customer"),
])
def test_bad_clicks_get_a_clear_error(client, args, expected: str) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=expected):
        client.predict(*args, api_name="/click")


@pytest.mark.parametrize("args, expected", [
    (("rate-session-9", "guest", None, "Some reply.", "meh"), "'up' or 'down'"),
    (("rate-session-9", "guest", 1, "", "up"), "Which reply"),
])
def test_bad_ratings_get_a_clear_error(client, args, expected: str) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=expected):
        client.predict(*args, api_name="/feedback")


def test_a_handoff_shows_up_in_the_copilot_queue_and_can_be_closed(client, staff, services) -> None:
    client.predict("where is my order?", "C002", "handoff-session-1", api_name="/reply")
    reply = client.predict("I want to talk to a human", "C002", "handoff-session-1", api_name="/reply")
    assert reply["handoff"] and reply["ticket_id"]

    queue = staff.predict(False, api_name="/tickets")
    [ticket] = [t for t in queue if t["id"] == reply["ticket_id"]]
    assert ticket["session_id"] == "handoff-session-1" and ticket["customer_id"] == "C002"
    assert ticket["reason"] == "asked for a person" and "order_status" in ticket["summary"]
    assert [turn["role"] for turn in ticket["transcript"]][-1] == "user"

    closed = staff.predict(reply["ticket_id"], api_name="/close_ticket")
    assert closed["status"] == "closed" and closed["closed"]
    assert reply["ticket_id"] not in [t["id"] for t in staff.predict(False, api_name="/tickets")]
    assert reply["ticket_id"] in [t["id"] for t in staff.predict(True, api_name="/tickets")]
    with pytest.raises(Exception, match="no ticket"):
        staff.predict("HT-99999", api_name="/ticket")


def test_an_order_action_needs_a_yes_through_the_api_too(client, services) -> None:
    proposal = client.predict("cancel order MM-100539", "C101", "cancel-session-1", api_name="/reply")
    assert proposal["pending_action"] == "cancel" and services.db.order("MM-100539").status.value == "pending"
    done = client.predict("yes", "C101", "cancel-session-1", api_name="/reply")
    assert done["pending_action"] is None and services.db.order("MM-100539").status.value == "cancelled"
    audit = services.order_log.entries(session_id="cancel-session-1")
    assert [e.outcome.value for e in reversed(audit)] == ["proposed", "applied"]
