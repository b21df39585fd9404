"""Start the real Gradio app on loopback and talk to it through ``gradio_client``."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_chat_endpoint_streams_a_grounded_reply_with_cards(client, session_for) -> None:
    session_for("C001")  # this client's session: Maya, in demo mode
    history, cards, chips, sources, cleared = client.predict("running shoes under $80 for flat feet", api_name="/chat")
    assert history[-1]["role"] == "assistant"
    reply_text = history[-1]["content"][0]["text"]
    assert "$" in reply_text
    assert 'data-product-id="SHO-' in cards
    assert "running shoes" in chips and "under $80.00" in chips
    assert "product_search" in sources
    assert cleared == ""


def test_chat_endpoint_streams_the_reply_in_several_updates(client, session_for) -> None:
    session_for()
    job = client.submit("do you ship to Canada?", api_name="/chat")
    final = job.result()

    updates = job.outputs()
    assert len(updates) >= 2, "the reply came in one piece"
    texts = [u[0][-1]["content"][0]["text"] for u in updates if u[0] and u[0][-1]["role"] == "assistant"]
    assert texts and texts[-1] == final[0][-1]["content"][0]["text"]


def test_chat_endpoint_keeps_constraints_across_turns(client, session_for) -> None:
    session_for()
    client.predict("running shoes under $80 for flat feet", api_name="/chat")
    _, cards, chips, _, _ = client.predict("what about in blue?", api_name="/chat")
    assert "blue" in chips and "under $80.00" in chips
    assert "data-product-id" in cards


def test_reply_endpoint_returns_the_reply_object(client, session_for) -> None:
    session = session_for()
    reply = client.predict("do you ship to Canada?", session, api_name="/reply")
    assert reply["session_id"] == session
    assert reply["intent"] == "faq"
    assert reply["faq"] and reply["faq"][0]["id"].startswith("shipping")
    assert reply["grounded"] in (True, False) and isinstance(reply["problems"], list)


def test_reply_without_a_session_id_uses_the_clients_own(client, session_for) -> None:
    session = session_for("C001")
    reply = client.predict("where is my order?", "", api_name="/reply")
    assert reply["session_id"] == session and reply["order_ids"]


def test_customers_endpoint_lists_demo_customers(client) -> None:
    customers = client.predict(api_name="/customers")
    assert len(customers) >= 100
    assert {"id": "C001", "name": "Maya Chen"} in customers


@pytest.mark.parametrize("message, expected", [("   ", "empty"), ("x" * 51_200, "limit")])
def test_bad_messages_get_a_clear_error(client, message: str, expected: str) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=expected):
        client.predict(message, "", api_name="/reply")


# -- feedback: card clicks and thumbs on replies -------------------------------------------------
def test_click_endpoint_logs_a_signed_in_click_in_the_customer_history(client, services, session_for) -> None:
    session = session_for("C045")
    reply = client.predict("a water bottle for hiking", session, api_name="/reply")
    product_id = reply["products"][0]["id"]

    logged = client.predict(session, product_id, api_name="/click")

    assert logged == {"logged": True, "event": "click", "customer_id": "C045", "session_id": session,
                      "product_id": product_id, "new": True}
    newest = services.db.history("C045")[0]
    assert (newest.product_id, newest.event, newest.session_id) == (product_id, "click", session)


def test_click_endpoint_stores_a_guest_click_under_the_session(client, services, session_for) -> None:
    session = session_for()
    logged = client.predict(session, "SHO-001", api_name="/click")

    assert logged["customer_id"] == f"guest:{session}"
    assert [(e.product_id, e.event) for e in services.db.history(f"guest:{session}")] == [("SHO-001", "click")]


def test_feedback_endpoint_stores_the_rated_reply_with_its_intent_and_products(client, services, session_for) -> None:
    session = session_for()
    reply = client.predict("running shoes under $80", session, api_name="/reply")
    client.predict("do you ship to Canada?", session, api_name="/reply")

    down = client.predict(session, 1, "", "down", api_name="/feedback")

    assert down["logged"] and down["intent"] == "product_search" and down["rating"] == "down"
    assert down["product_ids"] == [p["id"] for p in reply["products"]] and down["product_ids"]
    stored = [f for f in services.db.feedback(limit=1000) if f.session_id == session]
    assert [(f.rating, f.customer_id, f.message_index, f.intent) for f in stored] == [
        ("down", f"guest:{session}", 1, "product_search")]
    assert stored[0].reply_text == reply["text"][:2000]


def test_feedback_endpoint_finds_a_reply_by_its_text(client, services, session_for) -> None:
    session = session_for("C045")
    reply = client.predict("do you ship to Canada?", session, api_name="/reply")

    up = client.predict(session, None, reply["text"], "up", api_name="/feedback")

    assert (up["rating"], up["intent"], up["customer_id"], up["message_index"]) == ("up", "faq", "C045", None)
    assert services.db.feedback_counts()["up"] >= 1


@pytest.mark.parametrize("args, expected", [
    (("", "NOPE-1"), "Unknown product id"),
    (("not-issued-session", "SHO-001"), "not a session id this server issued"),
])
def test_bad_clicks_get_a_clear_error(client, args, expected: str) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=expected):
        client.predict(*args, api_name="/click")


@pytest.mark.parametrize("args, expected", [
    ((None, "Some reply.", "meh"), "'up' or 'down'"),
    ((1, "", "up"), "Which reply"),
])
def test_bad_ratings_get_a_clear_error(client, session_for, args, expected: str) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=expected):
        client.predict(session_for(), *args, api_name="/feedback")


def test_demo_sign_in_refuses_an_unknown_customer(client) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Unknown customer 'C999'"):
        client.predict("C999", api_name="/demo_sign_in")


def test_a_handoff_shows_up_in_the_copilot_queue_and_can_be_closed(client, staff, services, session_for) -> None:
    session = session_for("C002")
    client.predict("where is my order?", session, api_name="/reply")
    reply = client.predict("I want to talk to a human", session, api_name="/reply")
    assert reply["handoff"] and reply["ticket_id"]

    queue = staff.predict(False, api_name="/tickets")
    [ticket] = [t for t in queue if t["id"] == reply["ticket_id"]]
    assert ticket["session_id"] == session and ticket["customer_id"] == "C002"
    assert ticket["reason"] == "asked for a person" and "order_status" in ticket["summary"]
    assert [turn["role"] for turn in ticket["transcript"]][-1] == "user"

    closed = staff.predict(reply["ticket_id"], api_name="/close_ticket")
    assert closed["status"] == "closed" and closed["closed"]
    assert reply["ticket_id"] not in [t["id"] for t in staff.predict(False, api_name="/tickets")]
    assert reply["ticket_id"] in [t["id"] for t in staff.predict(True, api_name="/tickets")]
    with pytest.raises(Exception, match="no ticket"):
        staff.predict("HT-99999", api_name="/ticket")


def test_an_order_action_needs_a_yes_through_the_api_too(client, services, session_for) -> None:
    session = session_for("C101")
    proposal = client.predict("cancel order MM-100539", session, api_name="/reply")
    assert proposal["pending_action"] == "cancel" and services.db.order("MM-100539").status.value == "pending"
    done = client.predict("yes", session, api_name="/reply")
    assert done["pending_action"] is None and services.db.order("MM-100539").status.value == "cancelled"
    audit = services.order_log.entries(session_id=session)
    assert [e.outcome.value for e in reversed(audit)] == ["proposed", "applied"]
