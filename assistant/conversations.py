"""Live conversations: the server keeps each chat's ``SessionState`` by session id, so the shopper
widget, scripts and the agent copilot act on the same conversation, and stores every turn.

The shopper's messages go through ``stream``; a support agent reads the transcript, asks for a
``suggest``-ion (the assistant's own answer, computed without side effects), edits it and ``send``-s
it; the shopper's widget picks agent messages up with ``agent_messages``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from assistant.chat import FILTER_REMOVED, Assistant, clean_message
from assistant.errors import InvalidMessage
from assistant.links import restrict_links
from assistant.privacy import mask_personal_data
from assistant.rate_limits import MessageRateLimits
from assistant.reply import PartialText, ProductRef, Reply
from assistant.session import SESSION_ID, SessionState, Turn
from knowledge.conversations import ConversationStore, Message, Resolution, Role

MAX_LIVE_SESSIONS = 5000


def resolution_of(reply: Reply) -> Resolution:
    if reply.handoff:
        return Resolution.HANDED_OFF
    return Resolution.UNANSWERED if reply.failed else Resolution.ANSWERED


def sources_of(reply: Reply) -> dict[str, list[str]]:
    return {"product_ids": reply.product_ids, "faq_ids": [f.cited for f in reply.faq], "order_ids": reply.order_ids}


@dataclass(frozen=True)
class Suggestion:
    """A reply for an agent to edit: its text, where its facts come from, and products to offer."""

    session_id: str
    for_message: str  # the shopper message it answers
    reply: Reply
    next_best: list[ProductRef] = field(default_factory=list)

    @property
    def sources(self) -> dict[str, list[str]]:
        return sources_of(self.reply)

    def to_dict(self) -> dict[str, object]:
        return {"session_id": self.session_id, "for_message": self.for_message, "text": self.reply.text,
                "intent": self.reply.intent, "sources": self.sources, "grounded": self.reply.grounded,
                "next_best": [p.id for p in self.next_best]}


class Conversations:
    def __init__(self, assistant: Callable[[], Assistant], store: ConversationStore, now: Callable[[], datetime],
                 max_message_chars: int = 2000, max_sessions: int = MAX_LIVE_SESSIONS,
                 rate_limits: MessageRateLimits | None = None, max_turns: int = 200,
                 link_hosts: Sequence[str] = ()):
        """``assistant`` is looked up on every use: a re-index replaces it, live sessions stay.
        ``link_hosts``: the hosts chat text may link to (see ``assistant/links.py``)."""
        self._assistant = assistant
        self.store = store
        self.now = now
        self.max_message_chars = max_message_chars
        self.max_sessions = max_sessions
        self.rate_limits = rate_limits
        self.max_turns = max_turns
        self.link_hosts = list(link_hosts)
        self._sessions: OrderedDict[str, SessionState] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @property
    def assistant(self) -> Assistant:
        return self._assistant()

    # -- sessions -----------------------------------------------------------------------------
    def session(self, session_id: str, customer_id: str | None = None) -> SessionState:
        """The live session, restored from its stored transcript after a restart, or a new one.
        A session belongs to one identity: another customer id for it is refused."""
        if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
            raise InvalidMessage(f"Session id {session_id!r} is not valid: use 1-48 letters, digits, '.', '_' or '-'.")
        customer_id = customer_id or None
        with self._guard:
            state = self._sessions.pop(session_id, None)
            if state is None:
                state = self._restore(session_id, customer_id)
            self._sessions[session_id] = state
            while len(self._sessions) > self.max_sessions:
                old, _ = self._sessions.popitem(last=False)
                self._locks.pop(old, None)
        if state.customer_id != customer_id:
            raise InvalidMessage(f"Session {session_id} belongs to someone else: start a new session.")
        return state

    def _restore(self, session_id: str, customer_id: str | None) -> SessionState:
        stored = self.store.get(session_id)
        if stored is None:
            return SessionState(session_id=session_id, customer_id=customer_id)
        turns = [Turn(m.role.value, m.text, m.intent or None, tuple(m.sources.get("product_ids", ())))
                 for m in self.store.messages(session_id)]
        shown = next((list(t.product_ids) for t in reversed(turns) if t.product_ids), [])
        return SessionState(session_id=session_id, customer_id=stored.customer_id or None, turns=turns[-100:],
                            shown_product_ids=shown, ticket_id=stored.ticket_id or None,
                            last_intent=next((t.intent for t in reversed(turns) if t.intent), None),
                            messages_sent=sum(t.role == "user" for t in turns))

    def _lock(self, session_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(session_id, threading.Lock())

    def belongs_to(self, session_id: str, customer_id: str | None) -> bool:
        """Whether this identity may continue the session (true for a session not started yet)."""
        with self._guard:
            live = self._sessions.get(session_id)
        if live is not None:
            return live.customer_id == (customer_id or None)
        stored = self.store.get(session_id)
        return stored is None or (stored.customer_id or None) == (customer_id or None)

    # -- the shopper's side -------------------------------------------------------------------
    def stream(self, session_id: str, customer_id: str | None, message: str,
               client: str | None = None) -> Iterator[PartialText | Reply]:
        """One shopper turn, streamed; the turn is stored when its reply is complete. ``client``
        (the caller's address) is rate-limited with the session; a refused message stores nothing."""
        state = self.session(session_id, customer_id)
        with self._lock(session_id):
            if state.messages_sent >= self.max_turns:
                raise InvalidMessage(f"This conversation has reached its limit of {self.max_turns} messages. "
                                     "Please start a new conversation (reload the page) to go on.")
            if self.rate_limits is not None:
                self.rate_limits.check(session_id, client)
            yield from self._recorded(state, self.assistant.stream(state, message))

    def respond(self, session_id: str, customer_id: str | None, message: str, client: str | None = None) -> Reply:
        return _last_reply(self.stream(session_id, customer_id, message, client))

    def remove_constraint(self, session_id: str, customer_id: str | None, chip: str) -> Reply:
        """The shopper removed a filter chip: the search runs again without it (stored as a turn)."""
        state = self.session(session_id, customer_id)
        with self._lock(session_id):
            try:
                return _last_reply(self._recorded(state, self.assistant.remove_constraint(state, chip)))
            except ValueError as exc:
                raise InvalidMessage(str(exc)) from exc

    def _recorded(self, state: SessionState, events: Iterator[PartialText | Reply]) -> Iterator[PartialText | Reply]:
        """Links only to allowed hosts in what is shown; the turn stored with personal data masked."""
        for event in events:
            if isinstance(event, PartialText):
                yield PartialText(restrict_links(event.text, self.link_hosts))
                continue
            event = replace(event, text=restrict_links(event.text, self.link_hosts))
            user = state.turns[-2].text  # masked by the assistant when it remembered the turn
            self.store.record_turn(state.session_id, state.customer_id or "", restrict_links(user, self.link_hosts),
                                   mask_personal_data(event.text), event.intent, resolution_of(event),
                                   sources_of(event), self.now(), event.ticket_id)
            yield event

    def agent_messages(self, session_id: str, after: int = 0) -> list[Message]:
        """Messages an agent sent into this conversation after message id ``after``."""
        return self.store.messages(session_id, after, roles=[Role.AGENT])

    # -- the agent's side ---------------------------------------------------------------------
    def transcript(self, session_id: str) -> list[Message]:
        return self.store.messages(session_id)

    def suggest(self, session_id: str) -> Suggestion:
        """The assistant's answer to the shopper's latest message, for an agent to edit (no side effects)."""
        stored = self.store.get(session_id)
        if stored is None:
            raise LookupError(f"no conversation {session_id!r}")
        users = [m for m in self.store.messages(session_id, roles=[Role.USER]) if not m.text.startswith(FILTER_REMOVED)]
        if not users:
            raise LookupError(f"conversation {session_id} has no shopper message to answer")
        state = self.session(session_id, stored.customer_id or None)
        with self._lock(session_id):
            reply = self.assistant.suggest(state, users[-1].text)
            products = self.assistant.products.next_best(state.customer_id, state.constraints, state.search_query)
        return Suggestion(session_id, users[-1].text, reply, products)

    def send(self, session_id: str, text: str, author: str = "agent",
             sources: dict[str, list[str]] | None = None) -> Message:
        """An agent's (edited) message into the conversation: stored, and shown in the shopper's chat."""
        text = mask_personal_data(restrict_links(clean_message(text, self.max_message_chars), self.link_hosts))
        author = (author or "agent").strip()[:64]
        message = self.store.add_agent_message(session_id, text, author, sources or {}, self.now())
        with self._guard:
            state = self._sessions.get(session_id)
        if state is not None:
            with self._lock(session_id):
                state.turns = [*state.turns, Turn("agent", text)]
        return message


def _last_reply(events: Iterator[PartialText | Reply]) -> Reply:
    reply = None
    for event in events:
        if isinstance(event, Reply):
            reply = event
    assert reply is not None
    return reply
