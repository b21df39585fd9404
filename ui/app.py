"""The Gradio app: a thin adapter over ``Services`` (no business logic here).

Named API endpoints (for ``gradio_client``):
* ``/chat``  — ``(message, customer_id)`` → streamed ``(history, cards_html, chips_html, sources_md)``;
  the conversation's memory is kept per browser/client session.
* ``/reply`` — ``(message, customer_id, session_id)`` → the ``Reply`` as a dict (JSON), for scripts.
* ``/customers`` — the demo customers one can act as.
* ``/click`` — ``(session_id, customer_id, product_id)`` → ``{"logged": true, "new": ..., "customer_id": ...}``:
  stores a product-card click as a ``click`` event (a guest's is stored as ``guest:<session_id>``).
* ``/feedback`` — ``(session_id, customer_id, message_index, reply_text, rating)`` → the stored rating:
  thumbs ``up``/``down`` on an assistant reply, found by its chat-history index in a ``/reply`` session
  (user and assistant messages alternate from 0) or by its text.

* ``/tickets`` — ``(include_closed)`` → the handoff queue, oldest first; ``/ticket`` — ``(ticket_id)`` → one
  ticket (summary, transcript, order ids); ``/close_ticket`` — ``(ticket_id)`` → the closed ticket.

In the browser, clicking a card (``gr.HTML`` with a ``js_on_load`` hook) logs the click and shows the
product's details; the chat's thumbs (``gr.Chatbot.like``) store ratings the same way.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import asdict
from typing import Any

import gradio as gr

from assistant.errors import AisleError
from assistant.reply import PartialText, Reply
from assistant.services import Services
from assistant.session import SessionState
from ui.cards import CARD_CLICK_JS, CSS, card_details, cards_html, chips_html, sources_markdown
from ui.copilot import QUEUE_COLUMNS, queue_rows, ticket_json, ticket_markdown

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


def like_rating(liked: bool | str) -> str | None:
    """``gr.LikeData.liked`` as a rating: True is up, False down; "" (a thumb taken back) is None."""
    if isinstance(liked, bool):
        return "up" if liked else "down"
    return {"like": "up", "dislike": "down"}.get(liked.strip().lower())


def message_text(value: Any) -> str:
    """The text of a chat message as gradio hands it over: a string, content dicts, or lists of them."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return message_text(value.get("text", value.get("value", value.get("content", ""))))
    if isinstance(value, list | tuple):
        return "\n".join(t for t in map(message_text, value) if t)
    return ""


def build_app(services: Services) -> gr.Blocks:
    assistant = services.assistant
    store = services.settings.store_name
    api_sessions: OrderedDict[str, SessionState] = OrderedDict()

    def new_session(customer: str | None, session_id: str | None = None) -> SessionState:
        state = SessionState(customer_id=None if not customer or customer == GUEST else customer)
        if session_id is not None:
            state.session_id = session_id
        return state

    def api_state(customer: str, session_id: str) -> SessionState:
        """The ``/reply`` session with this id, or a fresh one under that id."""
        return api_sessions.get(f"{customer or GUEST}:{session_id}") or new_session(customer, session_id)

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
        return [], cards_html(None), chips_html([]), "", card_details(None), new_session(customer)

    def open_card(state: SessionState | None, customer: str, evt: gr.EventData):
        """A card was clicked in the browser: log the click, show the product's details."""
        state = state if state is not None else new_session(customer)
        data = evt._data if isinstance(evt._data, dict) else {}
        product_id = str(data.get("product_id") or "")
        try:
            services.feedback.click(state, product_id)
        except AisleError as exc:
            raise gr.Error(str(exc)) from exc
        return card_details(services.catalog.get(product_id)), state

    def rate_reply(state: SessionState | None, customer: str, evt: gr.LikeData) -> None:
        """A thumb on an assistant message; taking a thumb back keeps the earlier rating on record."""
        rating = like_rating(evt.liked)
        if rating is None:
            return
        index = evt.index if isinstance(evt.index, int) else evt.index[0]
        try:
            services.feedback.rate(state or new_session(customer), rating, index, message_text(evt.value))
        except AisleError as exc:
            raise gr.Error(str(exc)) from exc

    def reply_api(message: str, customer: str, session_id: str) -> dict[str, Any]:
        """One turn for scripts: the Reply as JSON; memory kept per session_id."""
        key = f"{customer or GUEST}:{session_id}"
        state = api_sessions.pop(key, None) or new_session(customer, session_id)
        api_sessions[key] = state
        while len(api_sessions) > MAX_API_SESSIONS:
            api_sessions.popitem(last=False)
        try:
            return assistant.respond(state, message).to_dict()
        except AisleError as exc:
            raise gr.Error(str(exc)) from exc

    def customers_api() -> list[dict[str, str]]:
        return [{"id": c.id, "name": c.name} for c in services.db.customers()]

    def click_api(session_id: str, customer: str, product_id: str) -> dict[str, Any]:
        """Log a product-card click for scripts and other front ends."""
        try:
            click = services.feedback.click(api_state(customer, session_id), product_id)
        except AisleError as exc:
            raise gr.Error(str(exc)) from exc
        return {"logged": True, "event": "click", **asdict(click)}

    def feedback_api(session_id: str, customer: str, message_index: float | None, reply_text: str,
                     rating: str) -> dict[str, Any]:
        """Log a thumbs up/down on a reply of a ``/reply`` session (by history index or text)."""
        index = None if message_index is None else int(message_index)
        try:
            record = services.feedback.rate(api_state(customer, session_id), rating, index, reply_text or "")
        except AisleError as exc:
            raise gr.Error(str(exc)) from exc
        return {"logged": True, **record.model_dump(mode="json")}

    # -- agent copilot: the handoff queue ------------------------------------------------------------
    def _ticket(ticket_id: str):
        try:
            return services.tickets.get(ticket_id.strip())
        except LookupError as exc:
            raise gr.Error(str(exc)) from exc

    def queue_view(include_closed: bool) -> list[list[str]]:
        return queue_rows(services.tickets.queue(None if include_closed else "open"))

    def show_ticket(ticket_id: str) -> str:
        ticket = _ticket(ticket_id)
        orders = [o for o in map(services.db.order, ticket.order_ids) if o is not None]
        return ticket_markdown(ticket, orders)

    def pick_ticket(evt: gr.SelectData) -> tuple[str, str]:
        row = evt.row_value if isinstance(evt.row_value, list) else []
        ticket_id = str(row[0]) if row else ""
        return ticket_id, show_ticket(ticket_id) if ticket_id else ticket_markdown(None, [])

    def close_from_ui(ticket_id: str, include_closed: bool) -> tuple[str, list[list[str]]]:
        services.tickets.close(_ticket(ticket_id).id, services.settings.now())
        return show_ticket(ticket_id), queue_view(include_closed)

    def tickets_api(include_closed: bool = False) -> list[dict[str, Any]]:
        """The handoff queue (open tickets, oldest first; all tickets with ``include_closed``)."""
        return [ticket_json(t) for t in services.tickets.queue(None if include_closed else "open")]

    def ticket_api(ticket_id: str) -> dict[str, Any]:
        return ticket_json(_ticket(ticket_id))

    def close_ticket_api(ticket_id: str) -> dict[str, Any]:
        return ticket_json(services.tickets.close(_ticket(ticket_id).id, services.settings.now()))

    with gr.Blocks(title=f"{store} assistant") as app:
        state = gr.State(None)
        gr.Markdown(f"## {store} · shopping assistant")
        with gr.Tab("Shop"), gr.Row(equal_height=False):
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
                cards = gr.HTML(cards_html(None), js_on_load=CARD_CLICK_JS)
                details = gr.HTML(card_details(None), js_on_load=None)
                sources = gr.Markdown()
        with gr.Tab("Agent copilot"):
            gr.Markdown("**Handoff tickets** — conversations passed to a person, oldest first.")
            with gr.Row():
                refresh = gr.Button("Refresh queue", scale=0)
                show_closed = gr.Checkbox(label="include closed", value=False, scale=0)
            queue = gr.Dataframe(headers=QUEUE_COLUMNS, value=[], interactive=False, wrap=True)
            with gr.Row():
                picked = gr.Textbox(label="Ticket", placeholder="HT-1", scale=1)
                close = gr.Button("Close ticket", scale=0)
            ticket_view = gr.Markdown(ticket_markdown(None, []))
        outputs = [chatbot, cards, chips, sources, state, box]
        box.submit(chat, [box, customer, chatbot, state], outputs, api_name="chat")
        send.click(chat, [box, customer, chatbot, state], outputs, api_visibility="private")
        customer.change(switch_customer, customer, [chatbot, cards, chips, sources, details, state],
                        api_visibility="private")
        cards.click(open_card, [state, customer], [details, state], api_visibility="private")
        chatbot.like(rate_reply, [state, customer], None, api_visibility="private")
        refresh.click(queue_view, show_closed, queue, api_visibility="private")
        show_closed.change(queue_view, show_closed, queue, api_visibility="private")
        queue.select(pick_ticket, None, [picked, ticket_view], api_visibility="private")
        picked.submit(show_ticket, picked, ticket_view, api_visibility="private")
        close.click(close_from_ui, [picked, show_closed], [ticket_view, queue], api_visibility="private")
        app.load(queue_view, show_closed, queue, api_visibility="private")
        hidden = gr.Column(visible=False)
        with hidden:
            api_message, api_customer, api_session = gr.Textbox(), gr.Textbox(), gr.Textbox()
            api_product, api_text, api_rating = gr.Textbox(), gr.Textbox(), gr.Textbox()
            api_index = gr.Number(precision=0)
            api_out = gr.JSON()
            api_go = gr.Button()
            api_list = gr.Button()
            api_click = gr.Button()
            api_rate = gr.Button()
            api_ticket_id, api_all = gr.Textbox(), gr.Checkbox()
            api_tickets, api_ticket, api_close = gr.Button(), gr.Button(), gr.Button()
        api_go.click(reply_api, [api_message, api_customer, api_session], api_out, api_name="reply")
        api_list.click(customers_api, None, api_out, api_name="customers")
        api_click.click(click_api, [api_session, api_customer, api_product], api_out, api_name="click")
        api_rate.click(feedback_api, [api_session, api_customer, api_index, api_text, api_rating], api_out,
                       api_name="feedback")
        api_tickets.click(tickets_api, api_all, api_out, api_name="tickets")
        api_ticket.click(ticket_api, api_ticket_id, api_out, api_name="ticket")
        api_close.click(close_ticket_api, api_ticket_id, api_out, api_name="close_ticket")
    return app


def launch_app(app: gr.Blocks, host: str, port: int, **kwargs: Any) -> Any:
    """Queue and serve; gradio 6 takes the page CSS at launch."""
    return app.queue(default_concurrency_limit=4).launch(
        server_name=host, server_port=port, show_error=True, css=CSS, **kwargs
    )
