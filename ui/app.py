"""The Gradio app: a thin adapter over ``Services`` (no business logic here).

Named API endpoints (for ``gradio_client``):
* ``/chat``  — ``(message, customer_id)`` → streamed ``(history, cards_html, chips_html, sources_md)``;
  the conversation's memory is kept per browser/client session.
* ``/reply`` — ``(message, customer_id, session_id)`` → the ``Reply`` as a dict (JSON), for scripts.
* ``/customers`` — the demo customers one can act as.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import gradio as gr

from assistant.errors import AisleError
from assistant.reply import PartialText, Reply
from assistant.services import Services
from assistant.session import SessionState
from ui.cards import CSS, cards_html, chips_html, sources_markdown

GUEST = "guest"
EXAMPLES = [
    "running shoes under $80 for flat feet",
    "what about in blue?",
    "compare the first two",
    "where is my order?",
    "can I return my last order?",
    "do you ship to Canada?",
    "talk to a human",
]
MAX_API_SESSIONS = 1000


def _customer_choices(services: Services) -> list[tuple[str, str]]:
    choices = [("Guest (no history, not signed in)", GUEST)]
    for customer in services.db.customers()[:40]:
        choices.append((f"{customer.name} ({customer.id})", customer.id))
    return choices


def build_app(services: Services) -> gr.Blocks:
    assistant = services.assistant
    store = services.settings.store_name
    api_sessions: OrderedDict[str, SessionState] = OrderedDict()

    def new_session(customer: str | None) -> SessionState:
        return SessionState(customer_id=None if not customer or customer == GUEST else customer)

    def chat(message: str, customer: str, history: list[dict[str, Any]], state: SessionState | None):
        state = state if state is not None else new_session(customer)
        try:
            events = assistant.stream(state, message)
            history = [*history, {"role": "user", "content": message}]
            reply: Reply | None = None
            for event in events:
                if isinstance(event, PartialText):
                    yield (history + [{"role": "assistant", "content": event.text}], gr.skip(), gr.skip(),
                           gr.skip(), state, "")
                else:
                    reply = event
        except AisleError as exc:
            raise gr.Error(str(exc)) from exc
        assert reply is not None
        history = history + [{"role": "assistant", "content": reply.text}]
        yield history, cards_html(reply), chips_html(reply.constraints), sources_markdown(reply), state, ""

    def switch_customer(customer: str):
        return [], cards_html(None), chips_html([]), "", new_session(customer)

    def reply_api(message: str, customer: str, session_id: str) -> dict[str, Any]:
        """One turn for scripts: the Reply as JSON; memory kept per session_id."""
        key = f"{customer}:{session_id}"
        state = api_sessions.pop(key, None) or new_session(customer)
        api_sessions[key] = state
        while len(api_sessions) > MAX_API_SESSIONS:
            api_sessions.popitem(last=False)
        try:
            return assistant.respond(state, message).to_dict()
        except AisleError as exc:
            raise gr.Error(str(exc)) from exc

    def customers_api() -> list[dict[str, str]]:
        return [{"id": c.id, "name": c.name} for c in services.db.customers()]

    with gr.Blocks(title=f"{store} assistant") as app:
        state = gr.State(None)
        gr.Markdown(f"## {store} · shopping assistant")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(label="Chat", height=520, placeholder="Ask about products, orders or policies.")
                with gr.Row():
                    box = gr.Textbox(placeholder="e.g. running shoes under $80 for flat feet", show_label=False,
                                     scale=5, max_length=services.settings.max_message_chars * 2, autofocus=True)
                    send = gr.Button("Send", variant="primary", scale=1, min_width=80)
                gr.Examples(EXAMPLES, inputs=box, label="Try")
            with gr.Column(scale=2, min_width=280):
                customer = gr.Dropdown(_customer_choices(services), value=GUEST, label="You are (demo customers)")
                gr.Markdown("**Your filters**")
                chips = gr.HTML(chips_html([]))
                gr.Markdown("**Suggested products**")
                cards = gr.HTML(cards_html(None))
                sources = gr.Markdown()
        outputs = [chatbot, cards, chips, sources, state, box]
        box.submit(chat, [box, customer, chatbot, state], outputs, api_name="chat")
        send.click(chat, [box, customer, chatbot, state], outputs, api_visibility="private")
        customer.change(switch_customer, customer, [chatbot, cards, chips, sources, state], api_visibility="private")
        hidden = gr.Column(visible=False)
        with hidden:
            api_message, api_customer, api_session = gr.Textbox(), gr.Textbox(), gr.Textbox()
            api_out = gr.JSON()
            api_go = gr.Button()
            api_list = gr.Button()
        api_go.click(reply_api, [api_message, api_customer, api_session], api_out, api_name="reply")
        api_list.click(customers_api, None, api_out, api_name="customers")
    return app


def launch_app(app: gr.Blocks, host: str, port: int, **kwargs: Any) -> Any:
    """Queue and serve; gradio 6 takes the page CSS at launch."""
    return app.queue(default_concurrency_limit=4).launch(
        server_name=host, server_port=port, show_error=True, css=CSS, **kwargs
    )
