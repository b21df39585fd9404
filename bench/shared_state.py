"""What keeping conversations in a shared Redis (``shared_state_url``) adds to a turn: the turn's
lock, load and save of a ``SessionState`` (``assistant/session_store.py``), against this process's
memory (the baseline, measured in the same run), for a new conversation and a long one (100 turns,
what a session keeps, with constraints, a list shown and a pending proposal). Also the size of a
stored state. Needs a Redis: ``--redis-url`` (default ``$TEST_REDIS_URL``, which ``.ci/services``
prints). Prints JSON (also written to ``bench/results/shared_state.json``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import redis  # noqa: E402

from assistant.orders.tools import ActionKind, ProposedAction  # noqa: E402
from assistant.session import Constraints, SessionState, Turn  # noqa: E402
from assistant.session_store import MemorySessionStates, RedisSessionStates, SessionStateStore, encode_state  # noqa: E402
from bench.output import emit, percentiles  # noqa: E402
from knowledge.retrieval.filters import ProductFilter  # noqa: E402


def long_state(session_id: str) -> SessionState:
    turns = [Turn("user" if i % 2 == 0 else "assistant", f"message {i} about running shoes under 80 " * 3,
                  "product_search", tuple(f"P{i}{j}" for j in range(4)) if i % 2 else ()) for i in range(100)]
    return SessionState(session_id=session_id, customer_id="C001",
                        constraints=Constraints(ProductFilter(category="footwear", subcategories=("running shoes",),
                                                              color="blue", max_price=80.0), "running shoes"),
                        shown_product_ids=["P1", "P2", "P3", "P4"], listed_product_ids=["P1", "P2", "P3", "P4"],
                        pending_action=ProposedAction(ActionKind.CANCEL, "MM-100001", "C001", id="a1"),
                        verified_order_ids={"MM-100001"}, turns=turns, messages_sent=50)


def turn_seconds(states: SessionStateStore, state: SessionState, rounds: int) -> list[float]:
    """One turn's storage work: the lock, the load, the save (no answer in between)."""
    states.save(state)
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        with states.turn(state.session_id):
            loaded = states.load(state.session_id)
            assert loaded is not None
            states.save(loaded)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis-url", default=os.environ.get("TEST_REDIS_URL", ""))
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "shared_state.json")
    args = parser.parse_args()
    if not args.redis_url:
        parser.error("give --redis-url (or run `eval \"$(bash .ci/services)\"` for TEST_REDIS_URL)")
    client = redis.Redis.from_url(args.redis_url)
    prefix = f"aisle-bench-{uuid.uuid4().hex[:8]}"
    makers: dict[str, Callable[[str], SessionState]] = {
        "new": lambda sid: SessionState(session_id=sid), "100 turns": long_state}
    result: dict[str, object] = {"rounds": args.rounds, "load_average": os.getloadavg()}
    try:
        for name, make in makers.items():
            memory = percentiles(turn_seconds(MemorySessionStates(), make("m-" + name.replace(" ", "")), args.rounds), 4)
            shared = percentiles(turn_seconds(RedisSessionStates(client, prefix), make("r-" + name.replace(" ", "")),
                                              args.rounds), 4)
            result[name] = {"memory (baseline)": memory, "redis": shared,
                            "state_bytes": len(encode_state(make("x"))),
                            "redis_minus_memory_p50_ms": round(shared["p50_ms"] - memory["p50_ms"], 4),
                            "redis_over_memory_p50": round(shared["p50_ms"] / max(memory["p50_ms"], 1e-4), 1)}
    finally:
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    emit(result, args.out)


if __name__ == "__main__":
    main()
