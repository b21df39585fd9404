"""The staff app: the agent copilot and the store admin, served apart from the shopper widget
(at ``/staff``, behind a password when ``AISLE_STAFF_PASSWORD`` is set)."""

from __future__ import annotations

import gradio as gr

from assistant.services import Services
from ui.admin_tab import admin_tab
from ui.api import register
from ui.copilot_tab import copilot_tab


def build_staff(services: Services) -> gr.Blocks:
    with gr.Blocks(title=f"{services.store_name} · staff") as app:
        gr.Markdown(f"## {services.store_name} · support copilot and store admin")
        endpoints = copilot_tab(services, app)
        endpoints += admin_tab(services, app)
        register(endpoints)
    return app
