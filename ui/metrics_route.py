"""``/metrics``: the app's Prometheus metrics, for the operator only.

Metrics reveal the store's traffic, so the route needs a bearer token when one is configured; without
one it answers loopback clients only, and never a request that came through a proxy (a reverse proxy on
the same host would otherwise make every visitor look local).
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

METRICS_PATH = "/metrics"
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


@dataclass(frozen=True)
class MetricsPage:
    render: Callable[[], tuple[bytes, str]]  # the exposition text and its content type
    token: str = ""  # the bearer token a scraper must send; '' = loopback clients only
    token_env: str = "AISLE_METRICS_TOKEN"  # named in the refusal, so an operator knows what to set
    watch_queue: Callable[[Callable[[], int]], None] = field(default=lambda waiting: None)


def waiting_requests(apps: Sequence[gr.Blocks]) -> Callable[[], int]:
    """How many requests wait in these Gradio apps' queues for a free worker."""
    def count() -> int:
        return sum(len(queue) for app in apps if (queue := getattr(app, "_queue", None)) is not None)
    return count


def refusal(request: Request, token: str, token_env: str) -> Response | None:
    """Why this request may not read the metrics (a response), or None if it may."""
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return None
        return PlainTextResponse("A bearer token is required for /metrics.\n", status_code=401,
                                 headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    host = request.client.host if request.client else ""
    if _loopback(host) and not any(h in request.headers for h in PROXY_HEADERS):
        return None
    return PlainTextResponse(f"/metrics answers only local requests; set {token_env} to a token and send it as "
                             "'Authorization: Bearer <token>' to scrape from elsewhere.\n", status_code=403)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def add_metrics_route(app: FastAPI, page: MetricsPage) -> None:
    @app.get(METRICS_PATH, include_in_schema=False)
    def metrics(request: Request) -> Any:
        refused = refusal(request, page.token, page.token_env)
        if refused is not None:
            return refused
        body, content_type = page.render()
        return Response(body, media_type=content_type)
