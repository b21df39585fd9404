"""One web server for everything: the shopper widget at ``/``, the staff app (copilot and admin)
at ``/staff``, the embed snippet at ``/embed.js`` with an example page at ``/embed/example``, and the
store's product images from ``<data_dir>/images/`` at ``/images/`` (``ui/images.py``).

All assets come from Aisle itself: the theme uses the system's fonts, so no page fetches anything
from a CDN or a font service.
"""

from __future__ import annotations

import hmac
import socket
import threading
import time
from importlib.resources import files
from typing import Any

import gradio as gr
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assistant.config import UISettings
from assistant.services.admin import AdminService
from assistant.services.copilot import CopilotService
from assistant.services.shopper import ShopperService
from ui.cards import CSS
from ui.images import add_image_route
from ui.metrics_route import MetricsPage, add_metrics_route, waiting_requests
from ui.shopper import build_shopper
from ui.staff import build_staff

STATIC = files("ui") / "static"
STAFF_PATH = "/staff"
# System fonts only: gradio's default theme would fetch its fonts from Google.
THEME = gr.themes.Soft(font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
                       font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"])


STAFF_CLOSED = """<!doctype html><meta charset="utf-8"><title>Staff app closed</title>
<p>The staff app (agent copilot and store admin) needs a password outside demo mode: set the
environment variable <code>{env}</code> and restart Aisle.</p>"""


def staff_auth(password: str) -> Any:
    """Any agent name with the shared staff password (compared in constant time); the name signs
    the agent's messages."""
    if not password:
        return None
    return lambda username, given: bool(username.strip()) and hmac.compare_digest(given.encode(), password.encode())


def build_app(shopper: ShopperService, copilot: CopilotService, admin: AdminService, ui: UISettings,
              staff_password: str = "", concurrency: int = 4, queue_size: int | None = None,
              metrics: MetricsPage | None = None) -> FastAPI:
    """The whole web app over the application services. In demo mode (``shopper.demo_mode``) visitors
    may act as any customer. ``staff_password``: without one the staff app is open in demo mode only,
    else closed. ``concurrency``: replies computed at once per app; ``queue_size``: requests waiting
    beyond that before new ones get "queue is full, try again" at once (default ``ui.queue_size``).
    ``metrics``: served at ``/metrics`` (``ui/metrics_route.py``), with the queues' waiting requests."""
    demo_mode = shopper.demo_mode
    app = FastAPI(title=f"{shopper.store_name} · Aisle")

    @app.get("/embed.js", include_in_schema=False)
    def embed_js() -> Response:
        return Response((STATIC / "embed.js").read_text(), media_type="text/javascript",
                        headers={"Cache-Control": "max-age=300"})

    @app.get("/embed/example", include_in_schema=False)
    def embed_example() -> HTMLResponse:
        return HTMLResponse((STATIC / "example-store.html").read_text())

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    add_image_route(app, shopper.image_file)  # the store's product images
    if metrics is not None:
        add_metrics_route(app, metrics)

    waiting = ui.queue_size if queue_size is None else queue_size
    widget = build_shopper(shopper).queue(default_concurrency_limit=concurrency, max_size=waiting)
    queued = [widget]
    common: dict[str, Any] = {"theme": THEME, "css": CSS, "show_error": True, "footer_links": ["api"]}
    if staff_password or demo_mode:
        staff = build_staff(shopper.store_name, copilot, admin)
        staff.queue(default_concurrency_limit=concurrency, max_size=waiting)
        queued.append(staff)
        app = gr.mount_gradio_app(app, staff, path=STAFF_PATH, auth=staff_auth(staff_password), **common)
    else:
        @app.api_route(STAFF_PATH + "/{rest:path}", methods=["GET", "HEAD", "POST"], include_in_schema=False)
        def staff_closed(rest: str) -> HTMLResponse:
            return HTMLResponse(STAFF_CLOSED.format(env=ui.staff_password_env), status_code=503)

    @app.api_route(STAFF_PATH, methods=["GET", "HEAD"], include_in_schema=False)
    def staff_slash(request: Request) -> RedirectResponse:
        """``/staff`` (the README's link) → ``/staff/``, where the staff app is mounted; a link checker's
        HEAD gets the same answer, and the query string is kept."""
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(STAFF_PATH + "/" + query)

    if metrics is not None:
        metrics.watch_queue(waiting_requests(queued))
    return gr.mount_gradio_app(app, widget, path="/", **common)


class BackgroundServer:
    """The app served by uvicorn on a thread (tests, benchmarks): ``with BackgroundServer(app) as s:``
    (``port`` 0: a free one)."""

    def __init__(self, app: FastAPI, port: int = 0, host: str = "127.0.0.1"):
        if not port:
            with socket.socket() as sock:
                sock.bind((host, 0))
                port = int(sock.getsockname()[1])
        self.url = f"http://{host}:{port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the web server did not start on {self.url}")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
