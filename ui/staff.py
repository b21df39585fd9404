"""The staff app: the agent copilot and the store admin, served apart from the shopper widget
(at ``/staff``, behind a password when ``AISLE_STAFF_PASSWORD`` is set)."""

from __future__ import annotations

import gradio as gr

from assistant.services.admin import AdminService
from assistant.services.copilot import CopilotService
from ui.admin_tab import admin_tab
from ui.api import register
from ui.copilot_tab import copilot_tab


def build_staff(store_name: str, copilot: CopilotService, admin: AdminService) -> gr.Blocks:
    with gr.Blocks(title=f"{store_name} · staff") as app:
        gr.Markdown(f"## {store_name} · support copilot and store admin")
        endpoints = copilot_tab(copilot, app)
        endpoints += admin_tab(admin, app)
        register(endpoints)
    return app
