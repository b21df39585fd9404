"""The shopper's chat widget (Gradio): a thin adapter over ``ShopperService``
(``assistant/services/shopper.py``).

Who the shopper is is the server's decision, never the caller's: the page's load event issues a
session for a guest, for the customer a valid sign-in token names (``?token=`` from the embed
snippet, see ``assistant/identity.py``), or, in demo mode only, for the customer picked in the "You
are" menu. The session id lives in server-side state; no endpoint takes a customer id. Named API
endpoints, for ``gradio_client`` (each call's own gradio session holds a session id too, so an empty
``session_id`` means "this client's session", started as a guest when it has none):

* ``/start_session`` — ``(token)`` → ``{"session_id", "signed_in", "customer_id", "demo_mode", "note"}``;
  a new session for the token's customer (or a guest), kept as this client's session.
* ``/chat`` — ``(message)`` → streamed ``(history, cards_html, chips_html, sources_md, cleared)`` in this
  client's session.
* ``/reply`` — ``(message, session_id)`` → the ``Reply`` as JSON, with its ``session_id``.
* ``/remove_filter`` — ``(session_id, chip)`` → the ``Reply`` after searching again without it.
* ``/compare`` — ``(product_ids)`` (comma-separated) → ``{"rows": [[field, a, b, ...], ...]}``.
* ``/click`` — ``(session_id, product_id)`` → the stored ``click`` event.
* ``/feedback`` — ``(session_id, message_index, reply_text, rating)`` → the stored rating.
* ``/agent_messages`` — ``(session_id, after_id)`` → messages a support agent sent into the conversation.
* demo mode only: ``/customers`` (the customers one can act as) and ``/demo_sign_in`` ``(customer_id)``.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.errors import AisleError
from assistant.identity import GUEST
from assistant.reply import PartialText, ProductRef, Reply
from assistant.services.shopper import DEMO_CUSTOMERS_SHOWN, ShopperService
from assistant.shopper_sessions import GUEST_CHOICE
from ui.api import Endpoint, register
from ui.cards import (
    CARD_CLICK_JS,
    CHIP_REMOVE_JS,
    card_details,
    cards_html,
    chips_html,
    compare_html,
    refs_html,
    sources_markdown,
)

MAX_COMPARED = 3
DEMO_BANNER = ("**Demo mode:** anyone can act as any customer with the *You are* menu. A real store turns "
               "this off (`[ui] customer_picker = false`) and signs shoppers in with the embed's token.")


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


def agent_bubble(message: dict[str, Any]) -> dict[str, str]:
    """An agent's message (``ShopperService.agent_messages``) as the shopper sees it: an assistant
    bubble signed by the team."""
    return {"role": "assistant", "content": f"**Support team ({message.get('author') or 'agent'}):** {message['text']}"}


def client_of(request: gr.Request | None) -> str | None:
    """The caller's address, for per-client rate limits."""
    client = getattr(request, "client", None)
    return getattr(client, "host", None) or None


def query_params(request: gr.Request | None) -> dict[str, str]:
    return dict(request.query_params) if request is not None else {}


def _customer_choices(shopper: ShopperService) -> list[tuple[str, str]]:
    choices = [("Guest (no history, not signed in)", GUEST_CHOICE)]
    for customer in shopper.demo_customers(DEMO_CUSTOMERS_SHOWN):
        choices.append((f"{customer['name']} ({customer['id']})", customer["id"]))
    return choices


def build_shopper(shopper: ShopperService) -> gr.Blocks:
    """In demo mode (``shopper.demo_mode``) visitors may act as any customer; otherwise a shopper is a
    guest or signed in by a token the store minted."""
    demo_mode = shopper.demo_mode
    store = shopper.store_name
    examples = shopper.examples()
    hosts = shopper.link_hosts  # where cards may show images from and link to (besides Aisle)
    sessions = shopper.sessions

    def _fail(exc: Exception) -> gr.Error:
        return gr.Error(str(exc))

    def chat(message: str, session_id: str | None, history: list[dict[str, Any]], request: gr.Request):
        if not session_id:
            session_id, history = sessions.start(GUEST, client_of(request)), []
        history = [*history, {"role": "user", "content": shopper.echo(message)}]
        reply: Reply | None = None
        try:
            for event in shopper.stream(session_id, message, client_of(request)):
                if isinstance(event, PartialText):
                    yield (history + [{"role": "assistant", "content": event.text}], gr.skip(), gr.skip(), gr.skip(),
                           session_id, gr.skip(), gr.skip())
                else:
                    reply = event
        except AisleError as exc:
            raise _fail(exc) from exc
        assert reply is not None
        history = history + [{"role": "assistant", "content": reply.text}]
        yield (history, cards_html(reply, hosts=hosts), chips_html(reply.constraints), sources_markdown(reply), session_id,
               reply.products, "")

    def start(request: gr.Request):
        """A new conversation when the page loads: a guest, or the customer a valid ``token`` signs in."""
        params = query_params(request)
        identity = sessions.from_token(params.get("token"))
        try:
            session_id = sessions.start(identity, client_of(request))
        except AisleError as exc:
            raise _fail(exc) from exc
        embedded = params.get("embed") == "1"
        shown_header = gr.update(visible=not embedded)
        ready = gr.update(interactive=True)  # the box opens once the session exists (else a message would start a guest's)
        if not demo_mode:
            return session_id, shown_header, ready, ready
        return (session_id, shown_header, ready, ready,
                gr.update(value=identity.customer_id or GUEST_CHOICE, visible=not embedded))

    def switch_customer(customer: str, request: gr.Request):
        """Demo mode: the "You are" menu starts a new conversation as the picked customer."""
        try:
            session_id = sessions.start(sessions.demo_identity(customer), client_of(request))
        except AisleError as exc:
            raise _fail(exc) from exc
        return [], cards_html(None), chips_html([]), "", card_details(None), session_id, [], [], 0

    def open_card(session_id: str | None, shown: list[ProductRef], compared: list[str], evt: gr.EventData,
                  request: gr.Request):
        """A card was clicked: log the click and show the product; or its Compare button toggled."""
        data = evt._data if isinstance(evt._data, dict) else {}
        if data.get("compare"):
            pid = str(data["compare"])
            compared = [p for p in compared if p != pid] if pid in compared else [*compared, pid][-MAX_COMPARED:]
            return compare_html(shopper.products(compared)), refs_html(shown, compared, hosts), session_id, compared
        product_id = str(data.get("product_id") or "")
        try:
            session_id = sessions.ensure(None, session_id, client_of(request))
            shopper.click(session_id, product_id)
        except AisleError as exc:
            raise _fail(exc) from exc
        return card_details(shopper.product(product_id), hosts), gr.skip(), session_id, compared

    def remove_chip(session_id: str | None, history: list[dict[str, Any]], evt: gr.EventData, request: gr.Request):
        data = evt._data if isinstance(evt._data, dict) else {}
        try:
            reply = shopper.remove_filter(sessions.ensure(None, session_id, client_of(request)),
                                          str(data.get("chip") or ""))
        except AisleError as exc:
            raise _fail(exc) from exc
        history = [*history, {"role": "assistant", "content": reply.text}]
        return history, cards_html(reply, hosts=hosts), chips_html(reply.constraints), sources_markdown(reply), reply.products, []

    def rate_reply(session_id: str | None, evt: gr.LikeData) -> None:
        """A thumb on a reply; taking a thumb back keeps the earlier rating on record."""
        rating = like_rating(evt.liked)
        if rating is None or not session_id:
            return
        index = evt.index if isinstance(evt.index, int) else evt.index[0]
        try:
            shopper.rate(session_id, rating, index, message_text(evt.value))
        except AisleError as exc:
            raise _fail(exc) from exc

    def poll(session_id: str | None, seen: int, history: list[dict[str, Any]]):
        """New agent messages for this conversation (the widget asks every few seconds)."""
        if not session_id:
            return gr.skip(), gr.skip()
        new = shopper.agent_messages(session_id, int(seen or 0))
        if not new:
            return gr.skip(), gr.skip()
        return [*history, *map(agent_bubble, new)], new[-1]["id"]

    # -- API-only endpoints: each takes this client's session (server-side state) last ---------
    def start_session_api(token: str, held: str | None, request: gr.Request):
        identity = sessions.from_token(token)
        try:
            session_id = sessions.start(identity, client_of(request))
        except AisleError as exc:
            raise _fail(exc) from exc
        return sessions.summary(session_id, identity), session_id

    def demo_sign_in_api(customer: str, held: str | None, request: gr.Request):
        try:
            identity = sessions.demo_identity(customer)
            session_id = sessions.start(identity, client_of(request))
        except AisleError as exc:
            raise _fail(exc) from exc
        return sessions.summary(session_id, identity), session_id

    def reply_api(message: str, session_id: str, held: str | None, request: gr.Request):
        """One turn for scripts: the Reply as JSON; memory kept per session id."""
        try:
            session_id = sessions.ensure(session_id, held, client_of(request))
            reply = shopper.respond(session_id, message, client_of(request))
        except AisleError as exc:
            raise _fail(exc) from exc
        return {**reply.to_dict(), "session_id": session_id}, held or session_id

    def remove_filter_api(session_id: str, chip: str, held: str | None, request: gr.Request):
        try:
            session_id = sessions.ensure(session_id, held, client_of(request))
            reply = shopper.remove_filter(session_id, chip)
        except AisleError as exc:
            raise _fail(exc) from exc
        return {**reply.to_dict(), "session_id": session_id}, held or session_id

    def compare_api(product_ids: str) -> dict[str, Any]:
        try:
            return {"rows": shopper.comparison([p.strip() for p in str(product_ids).split(",") if p.strip()])}
        except AisleError as exc:
            raise _fail(exc) from exc

    def customers_api() -> list[dict[str, str]]:
        try:
            return shopper.demo_customers()
        except AisleError as exc:
            raise _fail(exc) from exc

    def click_api(session_id: str, product_id: str, held: str | None, request: gr.Request):
        try:
            session_id = sessions.ensure(session_id, held, client_of(request))
            click = shopper.click(session_id, product_id)
        except AisleError as exc:
            raise _fail(exc) from exc
        return click, held or session_id

    def feedback_api(session_id: str, message_index: float | None, reply_text: str, rating: str,
                     held: str | None, request: gr.Request):
        index = None if message_index is None else int(message_index)
        try:
            session_id = sessions.ensure(session_id, held, client_of(request))
            record = shopper.rate(session_id, rating, index, reply_text or "")
        except AisleError as exc:
            raise _fail(exc) from exc
        return record, held or session_id

    def agent_messages_api(session_id: str, after: float | None, held: str | None, request: gr.Request):
        try:
            session_id = sessions.ensure(session_id, held, client_of(request))
            messages = shopper.agent_messages(session_id, int(after or 0))
        except AisleError as exc:
            raise _fail(exc) from exc
        return messages, held or session_id

    with gr.Blocks(title=f"{store} assistant") as app:
        session = gr.State(None)
        shown = gr.State([])
        compared = gr.State([])
        seen = gr.State(0)
        header = gr.Markdown(f"## {store} · shopping assistant")
        if demo_mode:
            gr.Markdown(DEMO_BANNER, elem_id="aisle-demo-mode")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                chatbot = gr.Chatbot(label="Chat", height=460, elem_id="aisle-chat",
                                     placeholder="Ask about products, orders or policies.",
                                     feedback_options=("Like", "Dislike"))
                with gr.Row():
                    box = gr.Textbox(placeholder=f"e.g. {examples[0]}", show_label=False, interactive=False,
                                     scale=5, max_length=shopper.max_message_chars * 2, autofocus=True,
                                     elem_id="aisle-message")
                    send = gr.Button("Send", variant="primary", scale=1, min_width=70, elem_id="aisle-send",
                                     interactive=False)
                gr.Examples(examples, inputs=box, label="Try")
            with gr.Column(scale=2, min_width=280):
                # the picker exists only in demo mode: otherwise there is no component to send a customer id in
                if demo_mode:
                    customer = gr.Dropdown(_customer_choices(shopper), value=GUEST_CHOICE,
                                           label="You are (demo customers)", elem_id="aisle-customer")
                gr.Markdown("**Your filters** (× removes one)")
                chips = gr.HTML(chips_html([]), js_on_load=CHIP_REMOVE_JS, elem_id="aisle-chips")
                gr.Markdown("**Suggested products**")
                cards = gr.HTML(cards_html(None), js_on_load=CARD_CLICK_JS, elem_id="aisle-cards")
                details = gr.HTML(card_details(None), elem_id="aisle-details")
                sources = gr.Markdown(elem_id="aisle-sources")
        timer = gr.Timer(2.0)

        private: dict[str, Any] = {"api_visibility": "private"}
        outputs = [chatbot, cards, chips, sources, session, shown, box]
        box.submit(chat, [box, session, chatbot], outputs, api_name="chat")
        send.click(chat, [box, session, chatbot], outputs, **private)
        app.load(start, None, [session, header, box, send, customer] if demo_mode else [session, header, box, send],
                 **private)
        if demo_mode:
            customer.input(switch_customer, customer, [chatbot, cards, chips, sources, details, session, shown,
                                                       compared, seen], **private)
        cards.click(open_card, [session, shown, compared], [details, cards, session, compared], **private)
        chips.click(remove_chip, [session, chatbot], [chatbot, cards, chips, sources, shown, compared], **private)
        chatbot.like(rate_reply, [session], None, **private)
        # polls skip the queue: many open widgets must never fill it and crowd out replies
        timer.tick(poll, [session, seen, chatbot], [chatbot, seen], show_progress="hidden", queue=False, **private)

        endpoints: list[Endpoint] = [
            (start_session_api, ["str"], "start_session"),
            (reply_api, ["str", "str"], "reply"),
            (remove_filter_api, ["str", "str"], "remove_filter"),
            (click_api, ["str", "str"], "click"),
            (feedback_api, ["str", "int", "str", "str"], "feedback"),
            (agent_messages_api, ["str", "int"], "agent_messages"),
        ]
        if demo_mode:
            endpoints.append((demo_sign_in_api, ["str"], "demo_sign_in"))
        register(endpoints, session)
        catalog_endpoints: list[Endpoint] = [(compare_api, ["str"], "compare")]
        if demo_mode:
            catalog_endpoints.append((customers_api, [], "customers"))
        register(catalog_endpoints)
    return app
