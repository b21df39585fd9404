"""Start the real Gradio app on loopback and talk to it through ``gradio_client``."""

from __future__ import annotations

import socket

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def client(services):
    from gradio_client import Client

    from ui.app import build_app, launch_app

    app = build_app(services)
    port = _free_port()
    launch_app(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    try:
        yield Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        app.close()


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
