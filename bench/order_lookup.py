"""Which order does a message get answered about? Order requests on three stores with different order
numbers, through the real assistant, against the old fixed-pattern lookup measured in the same run.

Stores: the demo ("Maple & Main", ``MM-`` + 6 digits), the second sample store ("Kestrel Supply",
``N`` + 7 digits) and "Harbor & Pine" (``W`` + 7 digits, imported with ``aisle ingest`` and no policy).
For each store, a signed-in customer with several orders sends order requests:

- naming one of their orders in four forms (``#ID``, lower case, in parentheses, "order number ID"),
- naming a number in the store's shape that does not exist, and another customer's order,
- asking to cancel a named order, and asking after "my order" with no number.

A reply is **wrong** when it shows or proposes an action on an order other than the one named (or any
order when the named one is not the shopper's or does not exist). The baseline is the lookup Aisle used
before (a fixed ``[A-Z]{2}-\\d{6}`` pattern, falling back to the most recent order), applied to the same
messages. Prints JSON; ``make bench`` runs it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.output import emit  # noqa: E402

OLD_PATTERN = re.compile(r"\b[A-Z]{2}-\d{6}\b", re.I)


def old_lookup(message: str, orders: list) -> str | None:
    """The order the fixed pattern picked: the matched id, else the customer's most recent order."""
    m = OLD_PATTERN.search(message)
    return m.group(0).upper() if m else (orders[0].id if orders else None)


def cases(store, customers: int) -> list[tuple[str, str, str | None]]:
    """(customer, message, the order the reply may be about: None = no order at all)."""
    out = []
    everyone = store.db.customers()
    picked = [c for c in everyone if len(store.db.orders_for(c.id)) >= 2][:customers]
    for customer in picked:
        orders = store.db.orders_for(customer.id)
        older = orders[-1].id
        missing = next(c for c in (re.sub(r"\d", d, older) for d in "98765") if store.db.order(c) is None)
        foreign = next(o.id for c in everyone if c.id != customer.id for o in store.db.orders_for(c.id))
        out += [(customer.id, f"Where is my order #{older}?", older),
                (customer.id, f"any news on {older.lower()}", older),
                (customer.id, f"my parcel ({older}) hasn't arrived", older),
                (customer.id, f"order number {older}: status please", older),
                (customer.id, f"Please cancel order #{older}", older),
                (customer.id, f"Where is my order #{missing}?", None),
                (customer.id, f"cancel order {foreign}", None),
                (customer.id, "where is my order?", orders[0].id)]
    return out


def run_store(name: str, store, customers: int) -> dict:
    from assistant.session import SessionState

    rows = cases(store, customers)
    wrong = old_wrong = 0
    examples = []
    started = time.perf_counter()
    for n, (customer, message, expected) in enumerate(rows):
        state = SessionState(session_id=f"bench-{name}-{n}", customer_id=customer)
        reply = store.current.assistant.respond(state, message)
        about = set(reply.order_ids) | ({state.pending_action.order_id} if state.pending_action else set())
        if about - {expected}:
            wrong += 1
            examples.append({"message": message, "answered_about": sorted(about), "named": expected})
        own = store.db.orders_for(customer)
        old = old_lookup(message, own)
        if old != expected and old in {o.id for o in own}:  # another of the shopper's orders, shown or acted on
            old_wrong += 1
    seconds = time.perf_counter() - started
    return {"requests": len(rows), "wrong_order": wrong, "baseline_wrong_order": old_wrong,
            "wrong_rate": round(wrong / len(rows), 3), "baseline_wrong_rate": round(old_wrong / len(rows), 3),
            "ms_per_request": round(1000 * seconds / len(rows), 1), "wrong_examples": examples[:5]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=6, help="customers per store")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "order_lookup.json")
    args = parser.parse_args()

    from aisle.wiring import Services
    from assistant.config import Settings
    from knowledge.demo_store.simulate import NOW
    from tests.second_store import STORE_NAME, write_second_store

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        demo = Services(Settings(data_dir=root / "demo", models_dir=REPO / ".aisle" / "models", clock=NOW))
        demo.build_demo(progress=False)
        kestrel = Services(Settings(data_dir=root / "kestrel", models_dir=demo.settings.models_dir, clock=NOW))
        imported = Services(Settings(data_dir=root / "imported", models_dir=demo.settings.models_dir, clock=NOW))
        for other in (kestrel, imported):
            other.__dict__["embedder"], other.__dict__["llm"] = demo.embedder, demo.llm
        kestrel.build_demo(progress=False, store="kestrel")
        imported.ingest(store_name=STORE_NAME, **write_second_store(root / "files"))
        for name, store in (("maple-main", demo), ("kestrel", kestrel), ("harbor-pine (no policy)", imported)):
            results[name] = run_store(name, store, args.customers)
    total = sum(r["requests"] for r in results.values())
    wrong = sum(r["wrong_order"] for r in results.values())
    baseline = sum(r["baseline_wrong_order"] for r in results.values())
    emit({"benchmark": "order lookup on three stores", "stores": results,
          "summary": {"requests": total, "wrong_order": wrong, "baseline_wrong_order": baseline,
                      "wrong_rate": round(wrong / total, 3), "baseline_wrong_rate": round(baseline / total, 3),
                      "wrong_vs_baseline": round(wrong / baseline, 3) if baseline else None}}, args.out)


if __name__ == "__main__":
    main()
