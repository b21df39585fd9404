"""Where a live conversation's ``SessionState`` is kept between its turns, and the lock a turn holds.

A turn loads the state, answers and saves it, all under the conversation's lock, so two messages of
one conversation are answered one after the other even when they land on two Aisle processes:

- ``MemorySessionStates``: this process's memory (one process serves the store). ``load`` hands out
  the live object itself, as fast as a dict lookup; the lock is a ``threading.Lock``.
- ``RedisSessionStates``: a Redis server every Aisle process of the store shares (``shared_state_url``).
  The state is stored whole as JSON (pydantic's ``TypeAdapter`` over the dataclasses) with a format
  version, under a digest of the session id (ids are bearer credentials: they are never written as
  keys), for ``ttl_s`` after its last turn; the lock is redis-py's ``Lock``, which expires on its own
  if the process holding it dies.

A payload of another format version, or one that does not parse, loads as nothing: the conversation
is then restored from its stored transcript (``Conversations._restore``), as after a restart.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Protocol

from pydantic import TypeAdapter, ValidationError

from assistant.errors import ConversationBusy, SharedStateUnavailable
from assistant.session import SessionState

if TYPE_CHECKING:
    from redis import Redis

log = logging.getLogger(__name__)

STATE_FORMAT = 1  # bump when SessionState changes shape: older payloads are then restored from the transcript
LOCK_WAIT_S = 60.0  # how long a message waits for the same conversation's previous turn
TURN_LOCK_S = 120.0  # a Redis turn lock expires after this (a process that died mid-turn frees it)
BUSY = "This conversation is still busy with an earlier message. Please wait a moment and send it again."
UNAVAILABLE = ("Conversations cannot be reached for a moment (the shared conversation store did not answer). "
               "Please try again shortly.")

_STATE = TypeAdapter(SessionState)


def encode_state(state: SessionState) -> bytes:
    return json.dumps({"format": STATE_FORMAT, "state": _STATE.dump_python(state, mode="json")}).encode()


def decode_state(payload: bytes | str, session_id: str) -> SessionState | None:
    """The state in ``payload``, or None for another format version or a payload that does not parse
    (or that holds another session's state)."""
    try:
        data = json.loads(payload)
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            found = data.get("format") if isinstance(data, dict) else None
            log.warning("conversation state of format %r (this Aisle reads %d): restoring it from the transcript",
                        found, STATE_FORMAT)
            return None
        state = _STATE.validate_python(data["state"])
    except (ValueError, KeyError, ValidationError) as exc:  # json.JSONDecodeError is a ValueError
        log.warning("unreadable conversation state (%s): restoring it from the transcript", type(exc).__name__)
        return None
    return state if state.session_id == session_id else None


class SessionStateStore(Protocol):
    def load(self, session_id: str) -> SessionState | None:
        """The conversation's state as its last turn saved it, or None (never saved, expired, unreadable)."""

    def save(self, state: SessionState) -> None: ...

    def adopt(self, state: SessionState) -> SessionState:
        """A state just restored from the transcript: the one to use (in memory, the one another
        thread adopted first)."""

    def turn(self, session_id: str) -> AbstractContextManager[None]:
        """Held for a whole turn (load → answer → save); ``ConversationBusy`` if it cannot be had soon."""


class MemorySessionStates:
    """This process's live conversations, the most recently used ``max_sessions`` of them."""

    def __init__(self, max_sessions: int = 5000, wait_s: float = LOCK_WAIT_S):
        self.max_sessions = max_sessions
        self.wait_s = wait_s
        self._states: OrderedDict[str, SessionState] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def load(self, session_id: str) -> SessionState | None:
        with self._guard:
            state = self._states.get(session_id)
            if state is not None:
                self._states.move_to_end(session_id)
            return state

    def save(self, state: SessionState) -> None:
        with self._guard:
            self._remember(state)

    def adopt(self, state: SessionState) -> SessionState:
        with self._guard:
            state = self._states.get(state.session_id, state)
            self._remember(state)
            return state

    def _remember(self, state: SessionState) -> None:
        self._states[state.session_id] = state
        self._states.move_to_end(state.session_id)
        while len(self._states) > self.max_sessions:
            old, _ = self._states.popitem(last=False)
            self._locks.pop(old, None)

    @contextmanager
    def turn(self, session_id: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(session_id, threading.Lock())
        if not lock.acquire(timeout=self.wait_s):
            raise ConversationBusy(BUSY)
        try:
            yield
        finally:
            lock.release()
            with self._guard:  # a turn of an id never issued (refused inside it) leaves no lock behind
                if session_id not in self._states:
                    self._locks.pop(session_id, None)


def state_key(prefix: str, kind: str, session_id: str) -> str:
    """A Redis key for one session: a digest of its id, never the id itself."""
    return f"{prefix}:{kind}:{hashlib.sha256(session_id.encode()).hexdigest()}"


class RedisSessionStates:
    """Conversations shared by every Aisle process of a store, in Redis under ``prefix``."""

    def __init__(self, client: Redis, prefix: str = "aisle", ttl_s: int = 86400, wait_s: float = LOCK_WAIT_S,
                 lock_s: float = TURN_LOCK_S):
        self.client = client
        self.prefix = prefix
        self.ttl_s = ttl_s
        self.wait_s = wait_s
        self.lock_s = lock_s

    @contextmanager
    def _reached(self) -> Iterator[None]:
        """Redis down or unreachable: a clear error for the shopper, the cause in the log."""
        from redis.exceptions import ConnectionError, TimeoutError

        try:
            yield
        except (ConnectionError, TimeoutError) as exc:
            log.error("the shared conversation store did not answer: %s", exc)
            raise SharedStateUnavailable(UNAVAILABLE) from exc

    def load(self, session_id: str) -> SessionState | None:
        with self._reached():
            payload = self.client.get(state_key(self.prefix, "session", session_id))
        return None if payload is None else decode_state(payload, session_id)  # type: ignore[arg-type]

    def save(self, state: SessionState) -> None:
        payload = encode_state(state)
        with self._reached():
            self.client.set(state_key(self.prefix, "session", state.session_id), payload, ex=self.ttl_s)

    def adopt(self, state: SessionState) -> SessionState:
        return state  # saved by the turn that changes it: a read never overwrites a turn's save

    @contextmanager
    def turn(self, session_id: str) -> Iterator[None]:
        from redis.exceptions import LockError

        lock = self.client.lock(state_key(self.prefix, "lock", session_id), timeout=self.lock_s,
                                blocking_timeout=self.wait_s, thread_local=False)
        with self._reached():
            acquired = lock.acquire()
        if not acquired:
            raise ConversationBusy(BUSY)
        try:
            yield
        finally:
            try:
                with self._reached():
                    lock.release()
            except LockError:  # it expired during a turn longer than lock_s (and may be another's now)
                log.warning("a conversation's turn lock expired before its turn ended (over %.0f s)", self.lock_s)
            except SharedStateUnavailable:
                pass  # the turn is done; the lock expires on its own
