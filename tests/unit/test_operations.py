"""What operations sees, on both bundled sample stores built on fakes: one JSON ``turn`` line per shopper
turn (stages, lead, fallbacks), the copilot's and the rate limits' events, ``/metrics`` moving with real
turns and refusing whoever may not read it (over raw HTTP), and nothing sensitive in either."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.config import Settings
from assistant.errors import RateLimited
from assistant.identity import GUEST
from assistant.lead_gate import LeadGate, skip_label
from assistant.operations import session_digest
from tests.ops_checks import check_turn_line, events, json_log, personal_conversation, samples, total
from ui.server import BackgroundServer

TOKEN = "metrics-token-for-tests-0123456789"


def test_each_turn_is_one_json_line_with_stages_and_lead_and_nothing_sensitive(fake_store, tmp_path) -> None:
    shopper = fake_store.shopper(demo_mode=True)
    session_id, messages, email = personal_conversation(fake_store)
    with json_log(tmp_path / "aisle.log") as read:
        replies = [shopper.respond(session_id, m) for m in messages]
        lines = read()
    turns = events(lines, "turn")
    assert len(turns) == len(messages), lines
    for line, reply in zip(turns, replies, strict=True):
        check_turn_line(line)
        assert line["intent"] == reply.intent and line["products"] == len(reply.products)
        assert line["session"] == session_digest(session_id) and line["store"] == fake_store.store_name
        assert line["stage_ms"] == reply.stage_ms
    search = turns[0]
    assert search["intent"] == "product_search" and {"retrieval", "ranking"} <= set(search["stage_ms"])
    # the fake LLM writes nothing: the verifier rejects it, the deterministic lead is a fallback
    assert search["lead"] == "deterministic" and search["lead_why"] == "rejected" and "empty" in search["lead_reasons"]
    assert "deterministic_lead" in search["fallbacks"]
    text = (tmp_path / "aisle.log").read_text()
    assert session_id not in text and email not in text and all(m not in text for m in messages)


def test_a_copilot_suggestion_and_message_are_events(fake_store, tmp_path) -> None:
    shopper = fake_store.shopper(demo_mode=True)
    session_id, messages, email = personal_conversation(fake_store)
    shopper.respond(session_id, messages[0])
    with json_log(tmp_path / "aisle.log") as read:
        suggestion = fake_store.copilot.suggest(session_id)
        fake_store.copilot.send(session_id, f"I've checked it for you ({email})", "Robin")
        lines = read()
    suggested, sent = events(lines, "copilot_suggest"), events(lines, "copilot_send")
    assert len(suggested) == 1 and len(sent) == 1
    assert suggested[0]["intent"] == suggestion["intent"] and suggested[0]["session"] == session_digest(session_id)
    assert {"intent", "answer"} <= set(suggested[0]["stage_ms"])
    text = (tmp_path / "aisle.log").read_text()
    assert session_id not in text and email not in text and "Robin" not in text


def test_metrics_count_turns_stages_and_rate_limit_refusals(fake_store, tmp_path) -> None:
    """A store whose conversations may send two messages a minute: the third is refused, and counted."""
    from aisle.wiring import Services

    store = Services(Settings(data_dir=fake_store.settings.data_dir, clock=fake_store.settings.clock,
                              safety={"per_session_rate": "2/minute", "per_client_rate": "100/minute"}))
    store.__dict__["embedder"], store.__dict__["llm"] = fake_store.embedder, fake_store.llm
    shopper = store.shopper(demo_mode=True)
    session_id, messages, email = personal_conversation(store)
    with json_log(tmp_path / "aisle.log") as read:
        replies = [shopper.respond(session_id, m) for m in messages[:2]]
        with pytest.raises(RateLimited):
            shopper.respond(session_id, messages[2])
        lines = read()
    metrics_text = store.metrics.render()[0].decode()
    m = samples(metrics_text)
    assert total(m, "aisle_turn_seconds_count") == 2
    for reply in replies:
        assert total(m, "aisle_turn_seconds_count", intent=reply.intent) >= 1
        assert total(m, "aisle_turns_total", intent=reply.intent) >= 1
    assert total(m, "aisle_turn_stage_seconds_count", stage="intent") == 2
    assert total(m, "aisle_rate_limited_total", kind="session") == 1
    assert total(m, "aisle_turns_refused_total", error="RateLimited") == 1
    assert total(m, "aisle_turns_in_flight") == 0
    assert total(m, "aisle_fallbacks_total", kind="deterministic_lead") == 2  # the fake LLM's leads were rejected
    assert total(m, "aisle_lead_rejections_total", reason="empty") == 2
    assert [line["limit"] for line in events(lines, "rate_limited")] == ["session"]
    assert [line["error"] for line in events(lines, "turn_refused")] == ["RateLimited"]
    for secret in (session_id, email, *messages):
        assert secret not in metrics_text and secret not in (tmp_path / "aisle.log").read_text()


def test_a_new_session_over_the_client_limit_is_counted(fake_store) -> None:
    from aisle.wiring import Services

    store = Services(Settings(data_dir=fake_store.settings.data_dir, safety={"per_client_rate": "1/minute"}))
    store.conversations.start(GUEST, client="192.0.2.10")
    with pytest.raises(RateLimited):
        store.conversations.start(GUEST, client="192.0.2.10")
    metrics_text = store.metrics.render()[0].decode()
    assert total(samples(metrics_text), "aisle_rate_limited_total", kind="client") == 1
    assert "192.0.2.10" not in metrics_text


def test_the_gates_reasons_have_fixed_labels() -> None:
    clock = [0.0]
    gate = LeadGate("auto", budget_ms=10, busy_turns=1, clock=lambda: clock[0])
    assert skip_label(LeadGate("never").refusal()) == "off"
    with gate.turn(), gate.turn():
        assert skip_label(gate.refusal()) == "queueing"
    with gate.admit() as refused, gate.turn():
        assert refused == ""
        assert skip_label(gate.refusal()) == "busy"
        clock[0] = 1.0
    assert skip_label(gate.refusal()) == "over_budget"


# -- /metrics over raw HTTP ------------------------------------------------------------------------------------
def test_metrics_answer_loopback_clients_only_without_a_token(fake_store) -> None:
    from aisle.web import create_server

    app = create_server(fake_store, customer_picker=True, metrics_token="")
    with BackgroundServer(app) as server:
        local = httpx.get(f"{server.url}/metrics", timeout=30)
        proxied = httpx.get(f"{server.url}/metrics", headers={"X-Forwarded-For": "203.0.113.7"}, timeout=30)
    assert local.status_code == 200 and "aisle_turn_seconds" in local.text
    assert local.headers["content-type"].startswith("text/plain")
    assert proxied.status_code == 403 and "AISLE_METRICS_TOKEN" in proxied.text
    with TestClient(app, client=("203.0.113.7", 40000)) as remote:  # a request from another host
        refused = remote.get("/metrics")
    assert refused.status_code == 403 and "aisle_" not in refused.text


def test_metrics_need_the_bearer_token_when_one_is_set(fake_store, monkeypatch) -> None:
    from aisle.web import create_server

    monkeypatch.setenv(fake_store.settings.ops.metrics_token_env, TOKEN)
    with BackgroundServer(create_server(fake_store, customer_picker=True)) as server:
        url = f"{server.url}/metrics"
        bare = httpx.get(url, timeout=30)
        wrong = httpx.get(url, headers={"Authorization": "Bearer not-the-token"}, timeout=30)
        basic = httpx.get(url, headers={"Authorization": f"Basic {TOKEN}"}, timeout=30)
        right = httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        health = httpx.get(f"{server.url}/healthz", timeout=30)
    for refused in (bare, wrong, basic):
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
        assert "aisle_" not in refused.text
    assert right.status_code == 200 and "aisle_turns_in_flight" in right.text
    assert health.status_code == 200  # the health check stays open


def test_access_lines_leave_out_the_query_string_and_its_sign_in_token(tmp_path) -> None:
    with json_log(tmp_path / "aisle.log") as read:
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET",
                                                 "/?token=eyJ.sign-in.token&embed=1", "1.1", 200)
        lines = read()
    assert lines[-1]["message"] == '127.0.0.1:5000 - "GET / HTTP/1.1" 200'
    assert "token" not in (tmp_path / "aisle.log").read_text()
