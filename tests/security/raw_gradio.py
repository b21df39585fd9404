"""An attacker's HTTP client for a Gradio app: no gradio_client, no browser — just the routes the
server exposes, so hidden (``private``) events are as reachable as documented ones.

* ``dependencies(base)`` lists every event the app's ``/config`` describes (fn index, API name,
  visibility, input kinds), documented or not;
* ``queue_call`` joins the queue for any fn index (``/gradio_api/queue/join`` + the SSE stream), with
  any query string (what a page load sees) and any session hash;
* ``run_call`` posts a non-queued event (``/gradio_api/run/predict``);
* ``named_call`` uses the REST route ``/gradio_api/call/<api_name>``.

Each returns a ``Response``: whether the event succeeded and the raw text the server sent back
(what an attacker would read, scanned whole for leaks).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import httpx

TIMEOUT = 300.0


@dataclass(frozen=True)
class Dependency:
    fn_index: int
    api_name: str | None
    visibility: str
    queued: bool
    input_kinds: tuple[str, ...]  # component types, e.g. ("textbox", "state", "chatbot")
    trigger: tuple[int, str] | None  # (component id, event) the browser fires it with

    @property
    def label(self) -> str:
        return f"fn {self.fn_index} ({self.api_name or 'unnamed'}, {self.visibility})"


@dataclass(frozen=True)
class Response:
    ok: bool
    text: str
    status: int = 200
    output: Any = None


def new_session_hash() -> str:
    return secrets.token_hex(6)


def dependencies(base: str) -> list[Dependency]:
    config = httpx.get(base + "config", timeout=30).json()
    kinds = {c["id"]: c["type"] for c in config["components"]}
    out = []
    for dep in config["dependencies"]:
        targets = dep.get("targets") or []
        out.append(Dependency(dep["id"], dep.get("api_name"), dep.get("api_visibility") or "public",
                              dep.get("queue") is not False, tuple(kinds.get(i, "?") for i in dep["inputs"]),
                              tuple(targets[0]) if targets else None))  # type: ignore[arg-type]
    return out


def named_endpoints(base: str) -> dict[str, list[dict[str, Any]]]:
    """``/gradio_api/info``: each documented endpoint's parameters."""
    info = httpx.get(base + "gradio_api/info", timeout=30).json()
    return {name: spec["parameters"] for name, spec in info["named_endpoints"].items()}


def queue_call(base: str, dep: Dependency, data: list[Any], session_hash: str | None = None, query: str = "",
               event_data: Any = None) -> Response:
    session_hash = session_hash or new_session_hash()
    body = {"data": data, "fn_index": dep.fn_index, "session_hash": session_hash, "event_data": event_data,
            "trigger_id": dep.trigger[0] if dep.trigger else None}
    joined = httpx.post(f"{base}gradio_api/queue/join{'?' + query if query else ''}", json=body, timeout=30)
    if joined.status_code != 200:
        return Response(False, joined.text, joined.status_code)
    event_id = joined.json()["event_id"]
    texts: list[str] = []
    with httpx.stream("GET", f"{base}gradio_api/queue/data", params={"session_hash": session_hash},
                      timeout=TIMEOUT) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            texts.append(line)
            message = json.loads(line[5:])
            if message.get("event_id") == event_id and message.get("msg") == "process_completed":
                output = message.get("output") or {}
                return Response(bool(message.get("success")), "\n".join(texts), 200, output.get("data"))
    return Response(False, "\n".join(texts) or "stream closed", 200)


def run_call(base: str, dep: Dependency, data: list[Any], session_hash: str | None = None) -> Response:
    """A non-queued event (the widget's poll), as the browser sends it."""
    body = {"data": data, "fn_index": dep.fn_index, "session_hash": session_hash or new_session_hash(),
            "event_data": None, "trigger_id": dep.trigger[0] if dep.trigger else None}
    answer = httpx.post(base + "gradio_api/run/predict", json=body, timeout=TIMEOUT)
    payload = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else None
    ok = answer.status_code == 200 and isinstance(payload, dict) and "error" not in payload
    return Response(ok, answer.text, answer.status_code, payload.get("data") if isinstance(payload, dict) else None)


def named_call(base: str, api_name: str, data: list[Any]) -> Response:
    posted = httpx.post(f"{base}gradio_api/call/{api_name}", json={"data": data}, timeout=30)
    if posted.status_code != 200:
        return Response(False, posted.text, posted.status_code)
    event_id = posted.json()["event_id"]
    result = httpx.get(f"{base}gradio_api/call/{api_name}/{event_id}", timeout=TIMEOUT)
    return Response("event: complete" in result.text, result.text, result.status_code)


def call(base: str, dep: Dependency, data: list[Any], session_hash: str | None = None, query: str = "") -> Response:
    """Whichever route the browser would use for this event."""
    if dep.queued:
        return queue_call(base, dep, data, session_hash, query)
    return run_call(base, dep, data, session_hash)
