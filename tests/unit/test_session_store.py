"""Where a conversation's state is kept between turns (``assistant/session_store.py``), on a real Redis
(``redis_url``; skipped without one, failed under REQUIRE_TEST_SERVICES): the whole state round-trips,
two processes' stores see each other's writes, the turn lock serializes, states expire, and a payload
this Aisle cannot read loads as nothing (the conversation is then restored from its transcript)."""

from __future__ import annotations

import dataclasses
import json
import threading
import time

import pytest
import redis

from assistant.errors import ConversationBusy
from assistant.orders.tools import ActionKind, ProposedAction, ReturnReason
from assistant.session import Constraints, SessionState, Turn
from assistant.session_store import (
    STATE_FORMAT,
    MemorySessionStates,
    RedisSessionStates,
    decode_state,
    encode_state,
    state_key,
)
from knowledge.retrieval.filters import AttributeValue, ProductFilter


def every_field_set() -> SessionState:
    """A state with no field at its default, down to the filter's and the proposal's fields."""
    wanted = ProductFilter(category="footwear", subcategories=("running shoes", "trail shoes"), brand="Pacewell",
                           color="blue", size="42", min_price=20.0, max_price=80.5, in_stock_only=True,
                           exclude_brands=("Stride",), exclude_colors=("black",), exclude_materials=("leather",),
                           exclude_categories=("socks",),
                           attributes=(AttributeValue("gender", "women", ("men", "kids")),))
    return SessionState(
        session_id="s3ss10n-Id_1", customer_id="C042",
        constraints=Constraints(wanted, product_label="running shoes", use="flat feet", currency="EUR"),
        shown_product_ids=["P1", "P2"], listed_product_ids=["P1", "P2", "P3"], search_query="running shoes",
        last_intent="order_change", pending_order_id="MM-100001", verified_order_ids={"MM-100002", "MM-100003"},
        order_request="cancel it", failed_verifications=1,
        pending_action=ProposedAction(ActionKind.EXCHANGE, "MM-100002", "C042", ("P1",), new_sku="P1-42-blue",
                                      new_address="1 Main St", reason=ReturnReason.DEFECTIVE, missing="variant",
                                      id="act-1"),
        failures=2, ticket_id="T-7", turns=[Turn("user", "hi"), Turn("assistant", "Hello!", "greeting", ("P1",))],
        messages_sent=5)


def test_the_example_sets_every_field() -> None:
    """So the round trip below covers a field added later too."""
    state = every_field_set()
    defaults = {SessionState: SessionState(session_id="x", turns=[]), Constraints: Constraints(), ProductFilter: ProductFilter(),
                ProposedAction: ProposedAction(ActionKind.CANCEL, "", "")}
    for value in (state, state.constraints, state.constraints.filter, state.pending_action):
        default = defaults[type(value)]
        same = [f.name for f in dataclasses.fields(value) if getattr(value, f.name) == getattr(default, f.name)]
        assert same == [], f"{type(value).__name__} fields left at their default: {same}"


@pytest.fixture
def client(redis_url: str):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def test_every_field_round_trips_through_redis(client, redis_prefix: str) -> None:
    state = every_field_set()
    RedisSessionStates(client, redis_prefix).save(state)
    loaded = RedisSessionStates(client, redis_prefix).load(state.session_id)
    assert loaded == state and loaded is not state
    assert isinstance(loaded.verified_order_ids, set) and isinstance(loaded.constraints.filter.attributes[0],
                                                                     AttributeValue)
    assert loaded.pending_action is not None and loaded.pending_action.kind is ActionKind.EXCHANGE
    assert loaded.turns[1].product_ids == ("P1",)


def test_two_stores_on_one_redis_see_each_others_writes(redis_url: str, redis_prefix: str) -> None:
    a = RedisSessionStates(redis.Redis.from_url(redis_url), redis_prefix)
    b = RedisSessionStates(redis.Redis.from_url(redis_url), redis_prefix)
    state = SessionState(session_id="shared-1", customer_id="C001")
    assert b.load("shared-1") is None
    a.save(state)
    seen = b.load("shared-1")
    assert seen == state
    seen.shown_product_ids = ["P9"]
    b.save(seen)
    assert a.load("shared-1").shown_product_ids == ["P9"]
    other = RedisSessionStates(redis.Redis.from_url(redis_url), redis_prefix + "-other")
    assert other.load("shared-1") is None  # another store's prefix


def test_keys_are_digests_not_session_ids(client, redis_prefix: str) -> None:
    states = RedisSessionStates(client, redis_prefix)
    states.save(SessionState(session_id="secret-session-id"))
    with states.turn("secret-session-id"):
        keys = [k.decode() for k in client.scan_iter(f"{redis_prefix}:*")]
    assert state_key(redis_prefix, "session", "secret-session-id") in keys and len(keys) == 2
    assert not any("secret-session-id" in k for k in keys)


def test_the_turn_lock_serializes_two_threads(redis_url: str, redis_prefix: str) -> None:
    """Two processes' turns of one conversation: the second starts only when the first has saved."""
    stores = [RedisSessionStates(redis.Redis.from_url(redis_url), redis_prefix) for _ in range(2)]
    stores[0].save(SessionState(session_id="busy-1"))
    events: list[str] = []
    first_in = threading.Event()

    def turn(i: int) -> None:
        with stores[i].turn("busy-1"):
            events.append(f"start {i}")
            state = stores[i].load("busy-1")
            assert state is not None
            first_in.set()
            time.sleep(0.3)  # a turn that takes a while: the other waits, it does not interleave
            state.messages_sent += 1
            stores[i].save(state)
            events.append(f"end {i}")

    threads = [threading.Thread(target=turn, args=(0,)), threading.Thread(target=turn, args=(1,))]
    threads[0].start()
    first_in.wait(5)
    threads[1].start()
    for t in threads:
        t.join(10)
    assert events == ["start 0", "end 0", "start 1", "end 1"]
    assert stores[1].load("busy-1").messages_sent == 2  # neither turn's save was lost


def test_a_conversation_busy_past_the_wait_is_a_clear_error(client, redis_prefix: str) -> None:
    holder = RedisSessionStates(client, redis_prefix)
    waiter = RedisSessionStates(client, redis_prefix, wait_s=0.2)
    busy = pytest.raises(ConversationBusy, match="still busy with an earlier message")
    with holder.turn("held-1"), busy, waiter.turn("held-1"):
        pass
    with waiter.turn("held-1"):  # free again once the turn ended
        pass
    memory = MemorySessionStates(wait_s=0.1)
    with memory.turn("held-2"), pytest.raises(ConversationBusy), memory.turn("held-2"):
        pass


def test_a_crashed_turns_lock_expires(client, redis_prefix: str) -> None:
    """A process that died mid-turn never releases its lock: it expires after ``lock_s``."""
    dead = RedisSessionStates(client, redis_prefix, lock_s=0.5)
    lock = client.lock(state_key(redis_prefix, "lock", "orphan-1"), timeout=0.5)
    assert lock.acquire(blocking=False)  # as a turn on a killed process left it
    with RedisSessionStates(client, redis_prefix, wait_s=5).turn("orphan-1"):
        pass
    assert dead.load("orphan-1") is None


def test_a_state_expires_after_its_ttl(client, redis_prefix: str) -> None:
    states = RedisSessionStates(client, redis_prefix, ttl_s=1)
    states.save(SessionState(session_id="short-1"))
    key = state_key(redis_prefix, "session", "short-1")
    assert 0 < client.pttl(key) <= 1000
    RedisSessionStates(client, redis_prefix, ttl_s=3600).save(SessionState(session_id="short-1"))
    assert client.ttl(key) > 3000  # each save starts its time again
    client.pexpire(key, 50)
    time.sleep(0.2)
    assert states.load("short-1") is None


@pytest.mark.parametrize("payload", [
    b"not json", b"[1, 2]", b'{"format": 1}', b'{"format": 1, "state": {"session_id": 5, "turns": "x"}}',
    json.dumps({"format": STATE_FORMAT + 1, "state": {"session_id": "old-1"}}).encode(),
    json.dumps({"format": 0, "state": {"session_id": "old-1"}}).encode(),
])
def test_an_unreadable_or_other_format_payload_loads_as_nothing(client, redis_prefix: str, payload: bytes) -> None:
    client.set(state_key(redis_prefix, "session", "old-1"), payload)
    assert RedisSessionStates(client, redis_prefix).load("old-1") is None


def test_a_payload_of_another_session_is_not_used() -> None:
    assert decode_state(encode_state(SessionState(session_id="a-1")), "b-2") is None
    assert decode_state(encode_state(SessionState(session_id="a-1")), "a-1") == SessionState(session_id="a-1")


def test_a_redis_that_does_not_answer_is_a_clear_error() -> None:
    from assistant.errors import SharedStateUnavailable

    down = RedisSessionStates(redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1))
    for attempt in (lambda: down.load("s-1"), lambda: down.save(SessionState(session_id="s-1")),
                    lambda: down.turn("s-1").__enter__()):
        with pytest.raises(SharedStateUnavailable, match="cannot be reached for a moment"):
            attempt()


def test_turns_of_ids_never_issued_leave_no_locks_in_memory(fake_store) -> None:
    from assistant.errors import UnknownSession

    conversations = fake_store.conversations
    memory = conversations.states
    assert isinstance(memory, MemorySessionStates)
    before = len(memory._locks)
    for i in range(50):
        with pytest.raises(UnknownSession):
            conversations.respond(f"made-up-{i}", "hello")
    assert len(memory._locks) == before


def test_memory_hands_out_the_live_state() -> None:
    """One process: no copy, no serialization: as fast as today's dict."""
    memory = MemorySessionStates(max_sessions=2)
    state = SessionState(session_id="m-1")
    memory.save(state)
    assert memory.load("m-1") is state
    assert memory.adopt(SessionState(session_id="m-1")) is state  # another thread restored it first
    memory.save(SessionState(session_id="m-2"))
    memory.load("m-1")  # used last
    memory.save(SessionState(session_id="m-3"))
    assert memory.load("m-2") is None and memory.load("m-1") is state
