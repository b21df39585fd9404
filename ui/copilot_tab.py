"""The agent copilot tab: the queue, the selected conversation with the customer's profile, orders
and interactions, an editable suggested reply with its sources, and next-best products.

The suggestion is ``Conversations.suggest``: the shopper chat's own routing, retrieval, ranking and
policy code, run without side effects. Named API endpoints: ``/queue``, ``/conversation``,
``/suggest``, ``/send``, ``/tickets``, ``/ticket``, ``/close_ticket``.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.errors import AisleError
from assistant.reply import ProductRef
from assistant.services.copilot import CopilotService
from assistant.services.copilot_views import QUEUE_COLUMNS
from ui.api import Endpoint
from ui.cards import refs_html

EMPTY_SOURCES = "_Pick a conversation; its suggested reply and sources appear here._"


def copilot_tab(copilot: CopilotService, app: gr.Blocks) -> list[Endpoint]:
    """Build the tab inside the current Blocks; return its API endpoints."""

    def fail(exc: Exception) -> gr.Error:
        return gr.Error(str(exc))

    def on_refresh(handed_off_only: bool):
        return copilot.queue_rows(handed_off_only)

    def on_pick(evt: gr.SelectData):
        row = evt.row_value if isinstance(evt.row_value, list) else []
        return str(row[0]) if row else ""

    def on_show(session_id: str):
        if not session_id:
            return [], "", "", [], EMPTY_SOURCES, "", refs_html([]), {}, ""
        try:
            view = copilot.conversation(session_id)
        except LookupError as exc:
            raise fail(exc) from exc
        return (view["transcript"], view["profile"], view["orders"], view["interactions"],
                "_Writing a suggestion…_", "", refs_html([]), {}, "")

    def on_tick(session_id: str, shown: list[dict[str, str]]):
        """Keep the open transcript current while the shopper keeps writing."""
        if not session_id:
            return gr.skip()
        messages = copilot.transcript(session_id)
        return messages if messages and len(messages) != len(shown or []) else gr.skip()

    def on_suggest(session_id: str):
        if not session_id:
            return EMPTY_SOURCES, "", refs_html([]), {}
        try:
            data = copilot.suggest(session_id)
        except (LookupError, AisleError) as exc:
            return f"_{exc}_", "", refs_html([]), {}
        products = [ProductRef(**p) for p in data["next_best_products"]]
        return (data["sources_markdown"], data["text"],
                refs_html(products, hosts=copilot.link_hosts), data["sources"])

    def on_send(session_id: str, text: str, author: str, sources: dict[str, list[str]], request: gr.Request):
        name = getattr(request, "username", None) or author
        try:
            copilot.send(session_id, text, name, sources)
        except (LookupError, AisleError) as exc:
            raise fail(exc) from exc
        view = copilot.conversation(session_id)
        return view["transcript"], "", "Sent. The shopper sees it in their chat."

    def on_close(session_id: str, handed_off_only: bool):
        try:
            copilot.close_ticket_of(session_id or "")
        except LookupError as exc:
            raise fail(exc) from exc
        return copilot.conversation(session_id)["profile"], copilot.queue_rows(handed_off_only)

    with gr.Tab("Agent copilot"):
        with gr.Row():
            handed_only = gr.Checkbox(label="handed off only", value=False, scale=0, elem_id="copilot-handed-only")
            refresh_button = gr.Button("Refresh queue", scale=0, elem_id="copilot-refresh")
        queue = gr.Dataframe(headers=QUEUE_COLUMNS, value=[], interactive=False, wrap=True, elem_id="copilot-queue",
                             max_height=260)
        with gr.Row():
            picked = gr.Textbox(label="Conversation", placeholder="session id", scale=2, elem_id="copilot-session")
            close_button = gr.Button("Close ticket", scale=0, elem_id="copilot-close")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                transcript = gr.Chatbot(label="Transcript", height=360, elem_id="copilot-transcript")
                suggestion = gr.Textbox(label="Suggested reply (edit, then send)", lines=5, elem_id="copilot-reply")
                with gr.Row():
                    author = gr.Textbox(label="Your name", value="agent", scale=1, elem_id="copilot-author")
                    suggest_button = gr.Button("Suggest again", scale=0, elem_id="copilot-suggest")
                    send_button = gr.Button("Send to customer", variant="primary", scale=0, elem_id="copilot-send")
                status = gr.Markdown(elem_id="copilot-status")
                sources = gr.Markdown(EMPTY_SOURCES, elem_id="copilot-sources")
            with gr.Column(scale=2, min_width=280):
                profile = gr.Markdown(elem_id="copilot-profile")
                gr.Markdown("**Orders**")
                orders = gr.Markdown(elem_id="copilot-orders")
                gr.Markdown("**Recent interactions**")
                interactions = gr.Dataframe(headers=["when", "event", "product"], value=[], interactive=False)
                gr.Markdown("**Next-best products**")
                next_best = gr.HTML(refs_html([]), elem_id="copilot-next-best")
        suggestion_sources = gr.State({})
        timer = gr.Timer(5.0)

    private: dict[str, Any] = {"api_visibility": "private"}
    detail = [transcript, profile, orders, interactions, sources, suggestion, next_best, suggestion_sources, status]
    refresh_button.click(on_refresh, handed_only, queue, **private)
    handed_only.change(on_refresh, handed_only, queue, **private)
    app.load(on_refresh, handed_only, queue, **private)
    queue.select(on_pick, None, picked, **private).then(on_show, picked, detail, **private).then(
        on_suggest, picked, [sources, suggestion, next_best, suggestion_sources], **private)
    picked.submit(on_show, picked, detail, **private).then(
        on_suggest, picked, [sources, suggestion, next_best, suggestion_sources], **private)
    suggest_button.click(on_suggest, picked, [sources, suggestion, next_best, suggestion_sources], **private)
    send_button.click(on_send, [picked, suggestion, author, suggestion_sources], [transcript, suggestion, status],
                      **private)
    close_button.click(on_close, [picked, handed_only], [profile, queue], **private)
    timer.tick(on_tick, [picked, transcript], transcript, show_progress="hidden", queue=False, **private)

    def ticket_api(ticket_id: str) -> dict[str, Any]:
        try:
            return copilot.ticket(ticket_id)
        except LookupError as exc:
            raise fail(exc) from exc

    def close_ticket_api(ticket_id: str) -> dict[str, Any]:
        try:
            return copilot.close_ticket(ticket_id)
        except LookupError as exc:
            raise fail(exc) from exc

    def conversation_api(session_id: str) -> dict[str, Any]:
        try:
            return copilot.conversation(session_id)
        except LookupError as exc:
            raise fail(exc) from exc

    def suggest_api(session_id: str) -> dict[str, Any]:
        try:
            return copilot.suggest(session_id)
        except (LookupError, AisleError) as exc:
            raise fail(exc) from exc

    def send_api(session_id: str, text: str, author: str) -> dict[str, Any]:
        try:
            return copilot.send(session_id, text, author)
        except (LookupError, AisleError) as exc:
            raise fail(exc) from exc

    return [
        (copilot.queue, ["bool"], "queue"),
        (conversation_api, ["str"], "conversation"),
        (suggest_api, ["str"], "suggest"),
        (send_api, ["str", "str", "str"], "send"),
        (copilot.tickets_json, ["bool"], "tickets"),
        (ticket_api, ["str"], "ticket"),
        (close_ticket_api, ["str"], "close_ticket"),
    ]

