"""Two Aisle processes on one store, stood for by two ``Conversations`` over the same database, each
with its own Redis connection (``shared_state_url``): a conversation continues whichever one answers
its next message. On the fakes, both bundled stores; the real models: tests/test_shared_state_real.py,
and two real servers over HTTP: tests/test_two_processes.py."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from assistant.config import Settings
from assistant.conversations import Conversations
from assistant.errors import AisleError, RateLimited
from assistant.identity import Identity
from assistant.safety.rate_limits import MessageRateLimits
from assistant.session_store import MemorySessionStates, RedisSessionStates, SessionStateStore, state_key
from tests.shared_conversation import continue_across, shopping_messages


def process(store, states: SessionStateStore, limits: MessageRateLimits | None = None) -> Conversations:
    """What one Aisle process of ``store`` holds: its own ``Conversations`` on the shared database."""
    return Conversations(lambda: store.current.assistant, store.conversation_store, store.session_registry,
                         store.settings.now, rate_limits=limits, states=states)


def redis_states(url: str, prefix: str) -> RedisSessionStates:
    return RedisSessionStates(redis.Redis.from_url(url), prefix)


def pending_order(store) -> tuple[str, Any]:
    """A customer with a pending order no other test cancelled yet (the fake stores are shared; the
    other tests pick from the first customers)."""
    for customer in reversed(store.db.customers()):
        for order in store.db.orders_for(customer.id):
            if order.status.value == "pending" and not store.order_log.entries(order_id=order.id):
                return customer.id, order
    raise AssertionError("no pending order left")


def alternate(store, processes: list[Conversations]) -> tuple[str, Any, Any]:
    customer, order = pending_order(store)
    session_id = processes[0].start(Identity(customer, "token"))

    def respond(i: int, sid: str, message: str) -> dict[str, Any]:
        return processes[i % 2].respond(sid, message).to_dict()

    def applied() -> int:
        return sum(e.outcome.value == "applied" for e in store.order_log.entries(order_id=order.id))

    return session_id, order, lambda: continue_across(respond, session_id, store.current.catalog, order,
                                                      lambda: store.db.order(order.id).status.value, applied)


def test_a_conversation_continues_on_the_other_process(fake_store, redis_url: str, redis_prefix: str) -> None:
    a, b = (process(fake_store, redis_states(redis_url, redis_prefix)) for _ in range(2))
    session_id, _, run = alternate(fake_store, [a, b])
    run()
    # the other process's view after the last turn: the turns of both, nothing pending
    state = b.session(session_id)
    assert state.messages_sent == 6 and state.pending_action is None


def test_without_shared_state_the_other_process_forgets(fake_store) -> None:
    """Why ``shared_state_url`` exists: each process restores the conversation from its transcript,
    which holds no constraints and no pending proposal."""
    a, b = process(fake_store, MemorySessionStates()), process(fake_store, MemorySessionStates())
    customer, order = pending_order(fake_store)
    session_id = a.start(Identity(customer, "token"))
    search, refine, _ = shopping_messages(fake_store.current.catalog)
    first = a.respond(session_id, search)
    refined = b.respond(session_id, refine)
    assert not set(first.constraints) < set(refined.constraints), refined.constraints  # the category is lost
    assert b.respond(session_id, f"cancel order #{order.id}").pending_action == "cancel"
    done = a.respond(session_id, "yes")
    assert done.pending_action is None and fake_store.db.order(order.id).status.value == "pending"


def test_an_unreadable_shared_state_is_restored_from_the_transcript(fake_store, redis_url: str,
                                                                   redis_prefix: str) -> None:
    states = redis_states(redis_url, redis_prefix)
    conversations = process(fake_store, states)
    session_id = conversations.start(Identity(None, "guest"))
    search, _, _ = shopping_messages(fake_store.current.catalog)
    shown = conversations.respond(session_id, search).product_ids
    states.client.set(state_key(redis_prefix, "session", session_id), b'{"format": 0, "state": {}}')
    state = conversations.session(session_id)
    assert state.shown_product_ids == shown and state.messages_sent == 1  # as after a restart
    assert conversations.respond(session_id, "tell me about the second one").product_ids == [shown[1]]


def test_an_agents_message_reaches_the_state_on_every_process(fake_store, redis_url: str,
                                                              redis_prefix: str) -> None:
    a, b = (process(fake_store, redis_states(redis_url, redis_prefix)) for _ in range(2))
    session_id = a.start(Identity(None, "guest"))
    a.respond(session_id, "hello")
    b.send(session_id, "Hi, this is Sam from support.", "sam")
    assert a.session(session_id).turns[-1].text == "Hi, this is Sam from support."
    assert [m.text for m in a.agent_messages(session_id)] == ["Hi, this is Sam from support."]


def test_rate_limits_count_across_processes(fake_store, redis_url: str, redis_prefix: str) -> None:
    def limits() -> MessageRateLimits:
        return MessageRateLimits("2/minute", "", redis_url, key_prefix=f"{redis_prefix}:limits")

    a, b = (process(fake_store, redis_states(redis_url, redis_prefix), limits()) for _ in range(2))
    session_id = a.start(Identity(None, "guest"))
    a.respond(session_id, "hello")
    b.respond(session_id, "hello again")
    with pytest.raises(RateLimited, match="2 per minute"):
        a.respond(session_id, "and again")


def test_settings_share_state_and_rate_limits(tmp_path, redis_url: str, redis_prefix: str) -> None:
    from aisle.wiring import Services

    services = Services(Settings(data_dir=tmp_path, shared_state_url=redis_url, shared_state_prefix=redis_prefix,
                                 safety={"per_session_rate": "1/minute"}))
    assert isinstance(services.conversations.states, RedisSessionStates)
    storage = services.conversations.rate_limits.limiter.storage  # type: ignore[union-attr]
    assert type(storage).__name__ == "RedisStorage" and storage.key_prefix == f"{redis_prefix}:limits"
    assert isinstance(Services(Settings(data_dir=tmp_path)).conversations.states, MemorySessionStates)


def test_a_bad_shared_state_url_is_a_clear_error_naming_the_setting(tmp_path) -> None:
    from pydantic import ValidationError

    from aisle.wiring import Services

    with pytest.raises(ValidationError, match="shared_state_url 'http://cache:6379' is not a Redis URL"):
        Settings(shared_state_url="http://cache:6379")
    services = Services(Settings(data_dir=tmp_path, shared_state_url="redis://:hunter2@127.0.0.1:1/0"))
    with pytest.raises(AisleError, match=r"shared_state_url redis://:\*\*\*@127.0.0.1:1/0: cannot reach Redis") as err:
        services.session_states  # noqa: B018
    assert "hunter2" not in str(err.value)


def test_a_shared_state_expires_into_a_restore(fake_store, redis_url: str, redis_prefix: str) -> None:
    """Past ``shared_state_ttl_s`` a conversation goes on from its transcript (a stale proposal is gone)."""
    states = redis_states(redis_url, redis_prefix)
    conversations = process(fake_store, states)
    customer, order = pending_order(fake_store)
    session_id = conversations.start(Identity(customer, "token"))
    assert conversations.respond(session_id, f"cancel order #{order.id}").pending_action == "cancel"
    states.client.delete(state_key(redis_prefix, "session", session_id))  # as its TTL does
    assert conversations.session(session_id).pending_action is None
    conversations.respond(session_id, "yes")
    assert fake_store.db.order(order.id).status.value == "pending"
