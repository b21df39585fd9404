"""Two ``Conversations`` on one Redis, as two Aisle processes of one store hold them, on the real
models and both bundled stores: a signed-in shopper's conversation alternates between them message by
message and keeps its constraints, the items shown and a pending cancel until its "yes"."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from assistant.conversations import Conversations
from assistant.identity import Identity
from assistant.session_store import RedisSessionStates
from tests.shared_conversation import continue_across

pytestmark = pytest.mark.slow  # the stores are looked up by name: the real-model fixtures are not seen at collection


@pytest.mark.parametrize("store_name", ["services", "kestrel"])
def test_two_processes_continue_each_others_conversation(request: pytest.FixtureRequest, store_name: str,
                                                         redis_url: str, redis_prefix: str) -> None:
    store = request.getfixturevalue(store_name)
    processes = [Conversations(lambda: store.current.assistant, store.conversation_store, store.session_registry,
                               store.settings.now, states=RedisSessionStates(redis.Redis.from_url(redis_url),
                                                                             redis_prefix))
                 for _ in range(2)]
    customer, order = next((c.id, o) for c in reversed(store.db.customers()) for o in store.db.orders_for(c.id)
                           if o.status.value == "pending" and not store.order_log.entries(order_id=o.id))
    session_id = processes[1].start(Identity(customer, "token"))

    def respond(i: int, sid: str, message: str) -> dict[str, Any]:
        return processes[i % 2].respond(sid, message).to_dict()

    def applied() -> int:
        return sum(e.outcome.value == "applied" for e in store.order_log.entries(order_id=order.id))

    continue_across(respond, session_id, store.current.catalog, order, lambda: store.db.order(order.id).status.value,
                    applied)
