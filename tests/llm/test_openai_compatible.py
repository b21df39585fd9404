"""The OpenAI-compatible backend against a small stand-in server on loopback."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.backends.openai_compatible import OpenAICompatibleChatModel
from assistant.config import LLMSettings
from assistant.errors import LLMBackendError
from assistant.llm import ChatMessage

PROMPT = [ChatMessage("user", "hello")]


class _StandIn(BaseHTTPRequestHandler):
    """Streams a fixed completion as server-sent events, like vLLM's /v1/chat/completions."""

    requests: list[dict] = []
    fail = False

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        if type(self).fail:
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"model crashed")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in ["Here are ", "some boots", "."]:
            chunk = {"choices": [{"delta": {"content": piece}}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture()
def server():
    _StandIn.requests, _StandIn.fail = [], False
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def test_streams_pieces_and_sends_greedy_request(server, monkeypatch) -> None:
    monkeypatch.setenv("TEST_LLM_KEY", "secret-123")
    model = OpenAICompatibleChatModel(LLMSettings(backend="openai", base_url=server, model="qwen-7b",
                                                  api_key_env="TEST_LLM_KEY"))
    assert list(model.stream(PROMPT, max_new_tokens=12, stop=(".",))) == ["Here are ", "some boots", "."]
    sent = _StandIn.requests[-1]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["body"]["temperature"] == 0 and sent["body"]["max_tokens"] == 12
    assert sent["body"]["stop"] == ["."] and sent["body"]["model"] == "qwen-7b"
    assert sent["auth"] == "Bearer secret-123"


def test_server_error_is_a_backend_error(server) -> None:
    _StandIn.fail = True
    model = OpenAICompatibleChatModel(LLMSettings(backend="openai", base_url=server))
    with pytest.raises(LLMBackendError, match="HTTP 500"):
        model.complete(PROMPT)


def test_unreachable_server_is_a_backend_error() -> None:
    model = OpenAICompatibleChatModel(LLMSettings(backend="openai", base_url="http://127.0.0.1:9/v1", timeout_s=2))
    with pytest.raises(LLMBackendError, match="cannot reach the LLM server"):
        model.complete(PROMPT)


@pytest.mark.slow
@pytest.mark.integration
def test_whole_turn_loop_runs_on_the_openai_backend(server, settings, services) -> None:
    from aisle.wiring import Services
    from assistant.session import SessionState

    assert services.is_built()  # the demo store this test reuses
    remote = settings.model_copy(update={"llm": LLMSettings(backend="openai", base_url=server)})
    assistant = Services(remote).current.assistant
    reply = assistant.respond(SessionState(), "waterproof hiking boots")
    assert reply.intent == "product_search" and reply.products
    assert reply.text.startswith("Here are some boots.") and not reply.used_fallback

    _StandIn.fail = True  # the server breaks: the reply still comes, with the deterministic lead
    reply = assistant.respond(SessionState(), "waterproof hiking boots")
    assert reply.products and reply.used_fallback
    assert any("LLM backend error" in p for p in reply.problems)
