"""The web app, assembled: the application services of a ``Services`` handed to ``ui.server``."""

from __future__ import annotations

import os

import uvicorn
from fastapi import FastAPI

from aisle.wiring import Services
from ui.metrics_route import MetricsPage
from ui.server import build_app


def create_server(services: Services, customer_picker: bool | None = None, embed_secret: str | None = None,
                  staff_password: str | None = None, concurrency: int | None = None,
                  queue_size: int | None = None, metrics_token: str | None = None) -> FastAPI:
    """``customer_picker``: demo mode (default: ``Services.demo_mode``); ``embed_secret``: the sign-in
    tokens' key (default: from ``[ui] embed_secret_env``); ``staff_password`` (default: from ``[ui]
    staff_password_env``): without one the staff app is open in demo mode only, else closed.
    ``concurrency`` and ``queue_size``: as ``ui.server.build_app`` takes them (default: ``[ui]`` settings);
    ``metrics_token``: as ``metrics_page`` takes it."""
    ui = services.settings.ui
    password = os.environ.get(ui.staff_password_env, "") if staff_password is None else staff_password
    return build_app(services.shopper(customer_picker, embed_secret), services.copilot, services.admin, ui,
                     staff_password=password, concurrency=concurrency or ui.concurrency, queue_size=queue_size,
                     metrics=metrics_page(services, metrics_token))


def metrics_page(services: Services, token: str | None = None) -> MetricsPage:
    """``/metrics`` over the services' metrics; ``token`` (default: from ``[ops] metrics_token_env``; '' =
    loopback clients only) is the bearer token a scraper must send."""
    env = services.settings.ops.metrics_token_env
    metrics = services.metrics
    return MetricsPage(metrics.render, os.environ.get(env, "") if token is None else token, env, metrics.watch_queue)


def serve(services: Services, host: str, port: int) -> None:
    """Serve the app; uvicorn's lines go through the process's logging setup (``aisle/logs.py``)."""
    level = services.settings.ops.log_level.lower()
    uvicorn.run(create_server(services), host=host, port=port, log_config=None, log_level=level)
