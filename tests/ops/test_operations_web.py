"""What operations sees of real turns (the bundled models, both sample stores) through the web app: one
JSON ``turn`` line per message sent to ``/reply``, ``/metrics`` counting them and a rate-limit refusal,
and neither showing the session id, the messages or the shopper's e-mail."""

from __future__ import annotations

import httpx
import pytest
from limits import parse_many

from tests.ops_checks import check_turn_line, events, json_log, personal_messages, samples, total


@pytest.fixture(params=["services", "kestrel"])
def store(request: pytest.FixtureRequest):
    return request.getfixturevalue(request.param)


def test_real_turns_are_logged_and_counted_and_a_refusal_too(store, tmp_path, monkeypatch) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from aisle.web import create_server
    from ui.server import BackgroundServer

    customer, messages, email = personal_messages(store)
    with BackgroundServer(create_server(store, customer_picker=True, metrics_token="")) as server, \
            json_log(tmp_path / "aisle.log") as read:
        def scrape() -> str:
            response = httpx.get(f"{server.url}/metrics", timeout=60)
            assert response.status_code == 200
            return response.text

        client = Client(f"{server.url}/", verbose=False)
        session_id = client.predict(customer, api_name="/demo_sign_in")["session_id"]
        before = samples(scrape())
        replies = [client.predict(m, session_id, api_name="/reply") for m in messages]
        after_turns = scrape()
        # one message a minute from now on: the first is answered, the next refused, and counted
        monkeypatch.setattr(store.conversations.rate_limits, "per_session", parse_many("1/minute"))
        client.predict("thanks", session_id, api_name="/reply")
        with pytest.raises(AppError, match="Too many messages"):
            client.predict("one more", session_id, api_name="/reply")
        after_refusal = scrape()
        lines = read()

    turns = events(lines, "turn")[: len(messages)]
    assert [t["intent"] for t in turns] == [r["intent"] for r in replies]
    for line, reply in zip(turns, replies, strict=True):
        check_turn_line(line)
        assert line["products"] == len(reply["products"]) and line["store"] == store.store_name
        assert line["lead"] == ("llm" if not reply["used_fallback"] else "deterministic")
    assert {"retrieval", "ranking"} <= set(turns[0]["stage_ms"])  # the search
    assert events(lines, "rate_limited")[0]["limit"] == "session"

    moved = samples(after_turns)
    assert total(moved, "aisle_turn_seconds_count") - total(before, "aisle_turn_seconds_count") == len(messages)
    for intent in {r["intent"] for r in replies}:
        n = sum(r["intent"] == intent for r in replies)
        assert total(moved, "aisle_turn_seconds_count", intent=intent) - total(
            before, "aisle_turn_seconds_count", intent=intent) == n
    assert total(moved, "aisle_turn_stage_seconds_count", stage="lead") - total(
        before, "aisle_turn_stage_seconds_count", stage="lead") == len(messages)
    refused = samples(after_refusal)
    assert total(refused, "aisle_rate_limited_total", kind="session") - total(
        moved, "aisle_rate_limited_total", kind="session") == 1
    assert total(refused, "aisle_turns_in_flight") == 0

    logged = (tmp_path / "aisle.log").read_text()
    for secret in (session_id, email, *messages):
        assert secret not in logged and secret not in after_refusal
