"""Live conversations: the server keeps each chat's ``SessionState`` by session id, so the shopper
widget, scripts and the agent copilot act on the same conversation, and stores every turn.

Sessions are issued by the server (``start``) for an identity it has verified; afterwards a session
id is all a client sends, and the identity comes from the registry, never from the caller.

The shopper's messages go through ``stream``; a support agent reads the transcript, asks for a
``suggest``-ion (the assistant's own answer, computed without side effects), edits it and ``send``-s
it; the shopper's widget picks agent messages up with ``agent_messages``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime

from assistant.chat import FILTER_REMOVED, Assistant, clean_message
from assistant.errors import InvalidMessage, UnknownSession
from assistant.identity import GUEST, Identity
from assistant.reply import PartialText, ProductRef, Reply
from assistant.safety.links import restrict_links
from assistant.safety.privacy import mask_personal_data
from assistant.safety.rate_limits import MessageRateLimits
from assistant.session import SESSION_ID, SessionState, Turn
from assistant.session_store import MemorySessionStates, SessionStateStore
from knowledge.store.conversations import ConversationStore, Message, Resolution, Role
from knowledge.store.sessions import SessionRegistry

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
    def __init__(self, assistant: Callable[[], Assistant], store: ConversationStore, registry: SessionRegistry,
                 now: Callable[[], datetime], max_message_chars: int = 2000, max_sessions: int = MAX_LIVE_SESSIONS,
                 rate_limits: MessageRateLimits | None = None, max_turns: int = 200,
                 link_hosts: Sequence[str] = (), states: SessionStateStore | None = None):
        """``assistant`` is looked up on every use: a re-index replaces it, live sessions stay.
        ``link_hosts``: the hosts chat text may link to (see ``assistant/safety/links.py``). ``registry`` holds
        the identity each issued session id belongs to. ``states``: where each conversation's state is
        kept between turns (default: this process's memory, the ``max_sessions`` most recent; a
        ``RedisSessionStates`` shares them with the store's other Aisle processes)."""
        self._assistant = assistant
        self.store = store
        self.registry = registry
        self.now = now
        self.max_message_chars = max_message_chars
        self.rate_limits = rate_limits
        self.max_turns = max_turns
        self.link_hosts = list(link_hosts)
        self.states: SessionStateStore = states if states is not None else MemorySessionStates(max_sessions)

    @property
    def assistant(self) -> Assistant:
        return self._assistant()

    # -- sessions -----------------------------------------------------------------------------
    def start(self, identity: Identity = GUEST, client: str | None = None) -> str:
        """Issue a new session for an identity the caller has verified (a checked token, the demo
        picker, a guest); the returned id is the only handle a client gets. Starts count against the
        ``client`` address's rate limit like messages do."""
        if self.rate_limits is not None and client:
            self.rate_limits.check_client(client)
        session_id = self.registry.issue(identity.customer_id, identity.signed_in_by, self.now())
        self.states.save(SessionState(session_id=session_id, customer_id=identity.customer_id))
        return session_id

    def session(self, session_id: str) -> SessionState:
        """The session's state as its last turn left it, else restored from its stored transcript (after a
        restart, or once its shared state expired). Its identity is the one it was issued for; an id the
        server never issued is refused (``UnknownSession``)."""
        if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
            raise UnknownSession("That is not a session id this server issued. Start a new conversation.")
        state = self.states.load(session_id)
        return state if state is not None else self.states.adopt(self._restore(session_id))

    @contextmanager
    def _turn(self, session_id: str) -> Iterator[SessionState]:
        """The session's state for one turn that may change it, under the conversation's lock (load →
        answer → ``states.save``): two messages of one conversation are answered one after the other."""
        if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
            raise UnknownSession("That is not a session id this server issued. Start a new conversation.")
        with self.states.turn(session_id):
            yield self.session(session_id)

    def identity(self, session_id: str) -> Identity:
        issued = self.registry.get(session_id)
        if issued is None:
            raise UnknownSession("That is not a session id this server issued. Start a new conversation.")
        return Identity(issued.customer_id, issued.signed_in_by)  # type: ignore[arg-type]

    def _restore(self, session_id: str) -> SessionState:
        issued = self.registry.get(session_id)
        if issued is None:
            raise UnknownSession("That is not a session id this server issued. Start a new conversation.")
        state = SessionState(session_id=session_id, customer_id=issued.customer_id)
        stored = self.store.get(session_id)
        if stored is None:
            return state
        turns = [Turn(m.role.value, m.text, m.intent or None, tuple(m.sources.get("product_ids", ())))
                 for m in self.store.messages(session_id)]
        state.turns = turns[-100:]
        state.shown_product_ids = next((list(t.product_ids) for t in reversed(turns) if t.product_ids), [])
        state.listed_product_ids = next((list(t.product_ids) for t in reversed(turns)
                                         if len(t.product_ids) >= 2 and t.intent == "product_search"), [])
        state.ticket_id = stored.ticket_id or None
        state.last_intent = next((t.intent for t in reversed(turns) if t.intent), None)
        state.messages_sent = sum(t.role == "user" for t in turns)
        return state

    # -- the shopper's side -------------------------------------------------------------------
    def stream(self, session_id: str, message: str, client: str | None = None) -> Iterator[PartialText | Reply]:
        """One shopper turn, streamed; the turn is stored when its reply is complete. ``client``
        (the caller's address) is rate-limited with the session; a refused message stores nothing."""
        with self._turn(session_id) as state:
            if state.messages_sent >= self.max_turns:
                raise InvalidMessage(f"This conversation has reached its limit of {self.max_turns} messages. "
                                     "Please start a new conversation (reload the page) to go on.")
            if self.rate_limits is not None:
                self.rate_limits.check(session_id, client)
            yield from self._recorded(state, self.assistant.stream(state, message))

    def respond(self, session_id: str, message: str, client: str | None = None) -> Reply:
        return _last_reply(self.stream(session_id, message, client))

    def remove_constraint(self, session_id: str, chip: str) -> Reply:
        """The shopper removed a filter chip: the search runs again without it (stored as a turn)."""
        with self._turn(session_id) as state:
            try:
                return _last_reply(self._recorded(state, self.assistant.remove_constraint(state, chip)))
            except ValueError as exc:
                raise InvalidMessage(str(exc)) from exc

    def _recorded(self, state: SessionState, events: Iterator[PartialText | Reply]) -> Iterator[PartialText | Reply]:
        """Links only to allowed hosts in what is shown; the turn stored with personal data masked, and
        the session's state saved before the reply is handed out (its next message may land on another
        process)."""
        for event in events:
            if isinstance(event, PartialText):
                yield PartialText(restrict_links(event.text, self.link_hosts))
                continue
            event = replace(event, text=restrict_links(event.text, self.link_hosts))
            user = state.turns[-2].text  # masked by the assistant when it remembered the turn
            self.store.record_turn(state.session_id, state.customer_id or "", restrict_links(user, self.link_hosts),
                                   mask_personal_data(event.text), event.intent, resolution_of(event),
                                   sources_of(event), self.now(), event.ticket_id)
            self.states.save(state)
            yield event

    def agent_messages(self, session_id: str, after: int = 0) -> list[Message]:
        """Messages an agent sent into this (issued) conversation after message id ``after``."""
        self.session(session_id)
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
        # a conversation stored before sessions were issued is adopted with its stored identity
        self.registry.adopt(session_id, stored.customer_id or None, "guest" if not stored.customer_id else "cli",
                            self.now())
        with self._turn(session_id) as state:  # changes nothing: nothing to save
            reply = self.assistant.suggest(state, users[-1].text)
            products = self.assistant.products.next_best(state.customer_id, state.constraints, state.search_query)
        return Suggestion(session_id, users[-1].text, reply, products)

    def send(self, session_id: str, text: str, author: str = "agent",
             sources: dict[str, list[str]] | None = None) -> Message:
        """An agent's (edited) message into the conversation: stored, and shown in the shopper's chat."""
        text = mask_personal_data(restrict_links(clean_message(text, self.max_message_chars), self.link_hosts))
        author = (author or "agent").strip()[:64]
        with self.states.turn(session_id):
            message = self.store.add_agent_message(session_id, text, author, sources or {}, self.now())
            state = self.states.load(session_id)  # else a restore reads it from the transcript
            if state is not None:
                state.turns = [*state.turns, Turn("agent", text)]
                self.states.save(state)
        return message


def _last_reply(events: Iterator[PartialText | Reply]) -> Reply:
    reply = None
    for event in events:
        if isinstance(event, Reply):
            reply = event
    assert reply is not None
    return reply
