"""The agent copilot tab: the queue, the selected conversation with the customer's profile, orders
and interactions, an editable suggested reply with its sources, and next-best products.

The suggestion is ``Conversations.suggest``: the shopper chat's own routing, retrieval, ranking and
policy code, run without side effects. Named API endpoints: ``/queue``, ``/conversation``,
``/suggest``, ``/send``, ``/tickets``, ``/ticket``, ``/close_ticket``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import gradio as gr

from assistant.errors import AisleError
from assistant.orders.answers import order_summary
from assistant.reply import ProductRef
from assistant.services import Services
from knowledge.store.tickets import Ticket
from ui.api import Endpoint
from ui.cards import refs_html
from ui.copilot import (
    QUEUE_COLUMNS,
    interactions_rows,
    orders_markdown,
    profile_markdown,
    queue_order,
    queue_rows,
    sources_markdown,
    ticket_json,
    ticket_transcript,
    transcript_messages,
)

EMPTY_SOURCES = "_Pick a conversation; its suggested reply and sources appear here._"


class CopilotActions:
    """What the copilot does, as plain functions of ids (the tab and the API both call these)."""

    def __init__(self, services: Services):
        self.services = services
        self.conversations = services.conversations

    def _open_tickets(self) -> list[Ticket]:
        return self.services.tickets.queue("open")

    def queue(self, handed_off_only: bool = False) -> list[dict[str, Any]]:
        tickets = self._open_tickets()
        by_session = {t.session_id: t.id for t in tickets}
        recent = self.services.conversation_store.recent(200, handed_off_only)
        return [{**c.to_dict(), "open_ticket": by_session.get(c.session_id)} for c in queue_order(recent, tickets)]

    def queue_rows(self, handed_off_only: bool = False) -> list[list[str]]:
        return queue_rows(self.services.conversation_store.recent(200, handed_off_only), self._open_tickets())

    def ticket_for(self, session_id: str) -> Ticket | None:
        open_ticket = self.services.tickets.open_for(session_id)
        if open_ticket is not None:
            return open_ticket
        stored = self.services.conversation_store.get(session_id)
        if stored is not None and stored.ticket_id:
            try:
                return self.services.tickets.get(stored.ticket_id)
            except LookupError:
                return None
        return None

    def conversation(self, session_id: str) -> dict[str, Any]:
        """Everything the agent needs about one conversation."""
        stored = self.services.conversation_store.get(session_id)
        ticket = self.ticket_for(session_id)
        if stored is None and ticket is None:
            raise LookupError(f"no conversation {session_id!r}")
        customer_id = stored.customer_id if stored else ticket.customer_id if ticket else ""
        customer = self.services.db.customer(customer_id) if customer_id else None
        messages = self.conversations.transcript(session_id)
        transcript = transcript_messages(messages) if messages else ticket_transcript(ticket) if ticket else []
        if customer is not None:
            orders = self.services.db.orders_for(customer.id)
        else:  # a guest: only the orders they verified in this conversation
            verified = self.conversations.session(session_id).verified_order_ids if stored else set()
            orders = [o for o in map(self.services.db.order, sorted(verified)) if o is not None]
        events = self.services.db.history(customer_id, 10) if customer_id else []
        titles = {e.product_id: p.title for e in events if (p := self.services.catalog.get(e.product_id))}
        return {"session_id": session_id, "customer_id": customer_id or None,
                "customer": customer.model_dump(mode="json") if customer else None,
                "ticket": ticket_json(ticket) if ticket else None, "transcript": transcript,
                "profile": profile_markdown(customer, customer_id, ticket), "orders": orders_markdown(orders),
                "order_ids": [o.id for o in orders], "interactions": interactions_rows(events, titles)}

    def suggest(self, session_id: str) -> dict[str, Any]:
        suggestion = self.conversations.suggest(session_id)
        orders = [o for o in map(self.services.db.order, suggestion.reply.order_ids) if o is not None]
        data = suggestion.to_dict()
        data["sources_markdown"] = sources_markdown(suggestion.sources, [order_summary(o) for o in orders])
        data["next_best_products"] = [asdict(p) for p in suggestion.next_best]
        return data

    def send(self, session_id: str, text: str, author: str, sources: dict[str, list[str]] | None = None) -> dict[str, Any]:
        return self.conversations.send(session_id, text, author, sources).to_dict()


def copilot_tab(services: Services, app: gr.Blocks) -> list[Endpoint]:
    """Build the tab inside the current Blocks; return its API endpoints."""
    actions = CopilotActions(services)

    def fail(exc: Exception) -> gr.Error:
        return gr.Error(str(exc))

    def on_refresh(handed_off_only: bool):
        return actions.queue_rows(handed_off_only)

    def on_pick(evt: gr.SelectData):
        row = evt.row_value if isinstance(evt.row_value, list) else []
        return str(row[0]) if row else ""

    def on_show(session_id: str):
        if not session_id:
            return [], "", "", [], EMPTY_SOURCES, "", refs_html([]), {}, ""
        try:
            view = actions.conversation(session_id.strip())
        except LookupError as exc:
            raise fail(exc) from exc
        return (view["transcript"], view["profile"], view["orders"], view["interactions"],
                "_Writing a suggestion…_", "", refs_html([]), {}, "")

    def on_tick(session_id: str, shown: list[dict[str, str]]):
        """Keep the open transcript current while the shopper keeps writing."""
        if not session_id:
            return gr.skip()
        messages = actions.conversations.transcript(session_id.strip())
        return transcript_messages(messages) if messages and len(messages) != len(shown or []) else gr.skip()

    def on_suggest(session_id: str):
        if not session_id:
            return EMPTY_SOURCES, "", refs_html([]), {}
        try:
            data = actions.suggest(session_id.strip())
        except (LookupError, AisleError) as exc:
            return f"_{exc}_", "", refs_html([]), {}
        products = [ProductRef(**p) for p in data["next_best_products"]]
        return (data["sources_markdown"], data["text"],
                refs_html(products, hosts=services.settings.safety.allowed_link_hosts), data["sources"])

    def on_send(session_id: str, text: str, author: str, sources: dict[str, list[str]], request: gr.Request):
        name = getattr(request, "username", None) or author
        try:
            actions.send(session_id.strip(), text, name, sources)
        except (LookupError, AisleError) as exc:
            raise fail(exc) from exc
        view = actions.conversation(session_id.strip())
        return view["transcript"], "", "Sent. The shopper sees it in their chat."

    def on_close(session_id: str, handed_off_only: bool):
        ticket = actions.ticket_for(session_id.strip()) if session_id else None
        if ticket is None or ticket.status != "open":
            raise gr.Error("This conversation has no open ticket.")
        services.tickets.close(ticket.id, services.settings.now())
        return actions.conversation(session_id.strip())["profile"], actions.queue_rows(handed_off_only)

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

    def _ticket(ticket_id: str) -> Ticket:
        try:
            return services.tickets.get(ticket_id.strip())
        except LookupError as exc:
            raise fail(exc) from exc

    def conversation_api(session_id: str) -> dict[str, Any]:
        try:
            return actions.conversation(session_id.strip())
        except LookupError as exc:
            raise fail(exc) from exc

    def suggest_api(session_id: str) -> dict[str, Any]:
        try:
            return actions.suggest(session_id.strip())
        except (LookupError, AisleError) as exc:
            raise fail(exc) from exc

    def send_api(session_id: str, text: str, author: str) -> dict[str, Any]:
        try:
            return actions.send(session_id.strip(), text, author or "agent")
        except (LookupError, AisleError) as exc:
            raise fail(exc) from exc

    return [
        (actions.queue, ["bool"], "queue"),
        (conversation_api, ["str"], "conversation"),
        (suggest_api, ["str"], "suggest"),
        (send_api, ["str", "str", "str"], "send"),
        (lambda include_closed: [ticket_json(t) for t in services.tickets.queue(None if include_closed else "open")],
         ["bool"], "tickets"),
        (lambda ticket_id: ticket_json(_ticket(ticket_id)), ["str"], "ticket"),
        (lambda ticket_id: ticket_json(services.tickets.close(_ticket(ticket_id).id, services.settings.now())),
         ["str"], "close_ticket"),
    ]

