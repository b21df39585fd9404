"""The shopper's chat widget (Gradio): a thin adapter over ``Services.conversations``.

Every conversation lives on the server by session id, so the widget, scripts (``/reply``) and the
agent copilot see the same one. Named API endpoints, for ``gradio_client``:

* ``/chat`` — ``(message, customer_id)`` → streamed ``(history, cards_html, chips_html, sources_md, cleared)``;
  the conversation is kept per client session.
* ``/reply`` — ``(message, customer_id, session_id)`` → the ``Reply`` as JSON.
* ``/remove_filter`` — ``(session_id, customer_id, chip)`` → the ``Reply`` after searching again without it.
* ``/compare`` — ``(product_ids)`` (comma-separated) → ``{"rows": [[field, a, b, ...], ...]}``.
* ``/click`` — ``(session_id, customer_id, product_id)`` → the stored ``click`` event.
* ``/feedback`` — ``(session_id, customer_id, message_index, reply_text, rating)`` → the stored rating.
* ``/agent_messages`` — ``(session_id, after_id)`` → messages a support agent sent into the conversation.
* ``/customers`` — the demo customers one can act as.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

import gradio as gr

from assistant.errors import AisleError
from assistant.links import restrict_links
from assistant.reply import PartialText, ProductRef, Reply
from assistant.services import Services
from knowledge.conversations import Message
from ui.api import register
from ui.cards import (
    CARD_CLICK_JS,
    CHIP_REMOVE_JS,
    card_details,
    cards_html,
    chips_html,
    compare_html,
    compare_table,
    refs_html,
    sources_markdown,
)
from ui.identity import signed_customer

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
MAX_COMPARED = 3


def new_session_id() -> str:
    return uuid.uuid4().hex[:16]


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


def agent_bubble(message: Message) -> dict[str, str]:
    """An agent's message as the shopper sees it: an assistant bubble signed by the team."""
    return {"role": "assistant", "content": f"**Support team ({message.author or 'agent'}):** {message.text}"}


def customer_of(choice: str | None) -> str | None:
    return None if not choice or choice == GUEST else choice


def client_of(request: gr.Request | None) -> str | None:
    """The caller's address, for per-client rate limits."""
    client = getattr(request, "client", None)
    return getattr(client, "host", None) or None


def _customer_choices(services: Services) -> list[tuple[str, str]]:
    choices = [("Guest (no history, not signed in)", GUEST)]
    for customer in services.db.customers()[:40]:
        choices.append((f"{customer.name} ({customer.id})", customer.id))
    return choices


def build_shopper(services: Services, customer_picker: bool = True, embed_secret: str = "") -> gr.Blocks:
    """``customer_picker``: let the visitor act as any demo customer (a demo store's switch; a real
    store signs its shopper in through the embed snippet's ``customer`` + ``sig`` parameters)."""
    conversations = services.conversations
    store = services.settings.store_name

    def _fail(exc: Exception) -> gr.Error:
        return gr.Error(str(exc))

    def chat(message: str, customer: str, session_id: str | None, history: list[dict[str, Any]],
             request: gr.Request):
        if not session_id or not conversations.belongs_to(session_id, customer_of(customer)):
            session_id, history = new_session_id(), []  # another identity starts its own conversation
        history = [*history, {"role": "user", "content": restrict_links(str(message), conversations.link_hosts)}]
        reply: Reply | None = None
        try:
            for event in conversations.stream(session_id, customer_of(customer), message, client_of(request)):
                if isinstance(event, PartialText):
                    yield (history + [{"role": "assistant", "content": event.text}], gr.skip(), gr.skip(), gr.skip(),
                           session_id, gr.skip(), gr.skip())
                else:
                    reply = event
        except AisleError as exc:
            raise _fail(exc) from exc
        assert reply is not None
        history = history + [{"role": "assistant", "content": reply.text}]
        yield (history, cards_html(reply), chips_html(reply.constraints), sources_markdown(reply), session_id,
               reply.products, "")

    def start(customer: str, request: gr.Request):
        """A new conversation; an embedding page may sign its shopper in (``customer`` + ``sig``)."""
        params = dict(request.query_params) if request is not None else {}
        signed = signed_customer(params.get("customer", ""), params.get("sig", ""), embed_secret)
        if signed and services.db.customer(signed) is not None:
            customer = signed
        embedded = params.get("embed") == "1"
        return (new_session_id(), gr.update(value=customer, visible=customer_picker and not embedded),
                gr.update(visible=not embedded))

    def switch_customer(customer: str):
        return [], cards_html(None), chips_html([]), "", card_details(None), new_session_id(), [], [], 0

    def open_card(session_id: str | None, customer: str, shown: list[ProductRef], compared: list[str],
                  evt: gr.EventData):
        """A card was clicked: log the click and show the product; or its Compare button toggled."""
        session_id = session_id or new_session_id()
        data = evt._data if isinstance(evt._data, dict) else {}
        if data.get("compare"):
            pid = str(data["compare"])
            compared = [p for p in compared if p != pid] if pid in compared else [*compared, pid][-MAX_COMPARED:]
            products = [p for p in map(services.catalog.get, compared) if p is not None]
            return compare_html(products), refs_html(shown, compared), session_id, compared
        product_id = str(data.get("product_id") or "")
        try:
            services.feedback.click(conversations.session(session_id, customer_of(customer)), product_id)
        except AisleError as exc:
            raise _fail(exc) from exc
        return card_details(services.catalog.get(product_id)), gr.skip(), session_id, compared

    def remove_chip(session_id: str | None, customer: str, history: list[dict[str, Any]], evt: gr.EventData):
        data = evt._data if isinstance(evt._data, dict) else {}
        try:
            reply = conversations.remove_constraint(session_id or new_session_id(), customer_of(customer),
                                                    str(data.get("chip") or ""))
        except AisleError as exc:
            raise _fail(exc) from exc
        history = [*history, {"role": "assistant", "content": reply.text}]
        return history, cards_html(reply), chips_html(reply.constraints), sources_markdown(reply), reply.products, []

    def rate_reply(session_id: str | None, customer: str, evt: gr.LikeData) -> None:
        """A thumb on a reply; taking a thumb back keeps the earlier rating on record."""
        rating = like_rating(evt.liked)
        if rating is None or not session_id:
            return
        index = evt.index if isinstance(evt.index, int) else evt.index[0]
        try:
            state = conversations.session(session_id, customer_of(customer))
            services.feedback.rate(state, rating, index, message_text(evt.value))
        except AisleError as exc:
            raise _fail(exc) from exc

    def poll(session_id: str | None, seen: int, history: list[dict[str, Any]]):
        """New agent messages for this conversation (the widget asks every few seconds)."""
        if not session_id:
            return gr.skip(), gr.skip()
        new = conversations.agent_messages(session_id, int(seen or 0))
        if not new:
            return gr.skip(), gr.skip()
        return [*history, *map(agent_bubble, new)], new[-1].id

    # -- API-only endpoints -----------------------------------------------------------------
    def reply_api(message: str, customer: str, session_id: str, request: gr.Request) -> dict[str, Any]:
        """One turn for scripts: the Reply as JSON; memory kept per session_id."""
        try:
            return conversations.respond(session_id, customer_of(customer), message, client_of(request)).to_dict()
        except AisleError as exc:
            raise _fail(exc) from exc

    def remove_filter_api(session_id: str, customer: str, chip: str) -> dict[str, Any]:
        try:
            return conversations.remove_constraint(session_id, customer_of(customer), chip).to_dict()
        except AisleError as exc:
            raise _fail(exc) from exc

    def compare_api(product_ids: str) -> dict[str, Any]:
        ids = [p.strip() for p in str(product_ids).split(",") if p.strip()]
        unknown = [p for p in ids if p not in services.catalog]
        if len(ids) < 2 or unknown:
            raise gr.Error(f"Unknown product ids: {', '.join(unknown)}" if unknown
                           else "Give two or more product ids, separated by commas.")
        return {"rows": compare_table([services.catalog.get(p) for p in ids])}  # type: ignore[misc]

    def customers_api() -> list[dict[str, str]]:
        return [{"id": c.id, "name": c.name} for c in services.db.customers()]

    def click_api(session_id: str, customer: str, product_id: str) -> dict[str, Any]:
        try:
            click = services.feedback.click(conversations.session(session_id, customer_of(customer)), product_id)
        except AisleError as exc:
            raise _fail(exc) from exc
        return {"logged": True, "event": "click", **asdict(click)}

    def feedback_api(session_id: str, customer: str, message_index: float | None, reply_text: str,
                     rating: str) -> dict[str, Any]:
        index = None if message_index is None else int(message_index)
        try:
            state = conversations.session(session_id, customer_of(customer))
            record = services.feedback.rate(state, rating, index, reply_text or "")
        except AisleError as exc:
            raise _fail(exc) from exc
        return {"logged": True, **record.model_dump(mode="json")}

    def agent_messages_api(session_id: str, after: float | None) -> list[dict[str, Any]]:
        return [m.to_dict() for m in conversations.agent_messages(session_id, int(after or 0))]

    with gr.Blocks(title=f"{store} assistant") as app:
        session = gr.State(None)
        shown = gr.State([])
        compared = gr.State([])
        seen = gr.State(0)
        header = gr.Markdown(f"## {store} · shopping assistant")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                chatbot = gr.Chatbot(label="Chat", height=460, elem_id="aisle-chat",
                                     placeholder="Ask about products, orders or policies.",
                                     feedback_options=("Like", "Dislike"))
                with gr.Row():
                    box = gr.Textbox(placeholder="e.g. running shoes under $80 for flat feet", show_label=False,
                                     scale=5, max_length=services.settings.max_message_chars * 2, autofocus=True,
                                     elem_id="aisle-message")
                    send = gr.Button("Send", variant="primary", scale=1, min_width=70, elem_id="aisle-send")
                gr.Examples(EXAMPLES, inputs=box, label="Try")
            with gr.Column(scale=2, min_width=280):
                customer = gr.Dropdown(_customer_choices(services), value=GUEST, label="You are (demo customers)",
                                       visible=customer_picker, elem_id="aisle-customer")
                gr.Markdown("**Your filters** (× removes one)")
                chips = gr.HTML(chips_html([]), js_on_load=CHIP_REMOVE_JS, elem_id="aisle-chips")
                gr.Markdown("**Suggested products**")
                cards = gr.HTML(cards_html(None), js_on_load=CARD_CLICK_JS, elem_id="aisle-cards")
                details = gr.HTML(card_details(None), elem_id="aisle-details")
                sources = gr.Markdown(elem_id="aisle-sources")
        timer = gr.Timer(2.0)

        private: dict[str, Any] = {"api_visibility": "private"}
        outputs = [chatbot, cards, chips, sources, session, shown, box]
        box.submit(chat, [box, customer, session, chatbot], outputs, api_name="chat")
        send.click(chat, [box, customer, session, chatbot], outputs, **private)
        app.load(start, customer, [session, customer, header], **private)
        customer.input(switch_customer, customer, [chatbot, cards, chips, sources, details, session, shown, compared,
                                                   seen], **private)
        cards.click(open_card, [session, customer, shown, compared], [details, cards, session, compared], **private)
        chips.click(remove_chip, [session, customer, chatbot], [chatbot, cards, chips, sources, shown, compared],
                    **private)
        chatbot.like(rate_reply, [session, customer], None, **private)
        # polls skip the queue: many open widgets must never fill it and crowd out replies
        timer.tick(poll, [session, seen, chatbot], [chatbot, seen], show_progress="hidden", queue=False, **private)

        register([
            (reply_api, ["str", "str", "str"], "reply"),
            (remove_filter_api, ["str", "str", "str"], "remove_filter"),
            (compare_api, ["str"], "compare"),
            (customers_api, [], "customers"),
            (click_api, ["str", "str", "str"], "click"),
            (feedback_api, ["str", "str", "int", "str", "str"], "feedback"),
            (agent_messages_api, ["str", "int"], "agent_messages"),
        ])
    return app
