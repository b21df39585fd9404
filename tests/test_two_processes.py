"""Two real ``aisle serve`` processes behind an imagined load balancer: one PostgreSQL database
(``postgres_url``), one Redis (``redis_url``, ``shared_state_url``), one Chroma server, one store built
once by ``aisle demo``. A signed-in shopper's conversation alternates between them on every message,
over HTTP: ``gradio_client`` on one process, the raw REST route (``tests/security/raw_gradio.py``, as
an attacker would call it) on the other. What a turn on one process left (constraints, the items
shown, a pending cancel) is what the next turn on the other reads, and the "yes" applies it once. A
guest's order verified on one process is what the copilot on the other may show, and an agent's
message sent from one reaches the widget polling the other.

Then two processes without ``shared_state_url`` on the same store: the same alternation loses the
constraints and the proposal (as ``test_without_shared_state_the_other_process_forgets`` shows in
process, in tests/unit/test_shared_conversations.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from knowledge.catalog import Catalog
from knowledge.demo_store.simulate import NOW
from knowledge.schemas import Order
from knowledge.store.database import StoreDatabase
from knowledge.store.order_log import OrderLog
from tests.conftest import MODELS_DIR, REPO
from tests.knowledge.conftest import chroma_server, free_port, stop_process
from tests.security import raw_gradio
from tests.shared_conversation import continue_across, shopping_messages

pytestmark = pytest.mark.slow  # builds a store and starts two servers on the real models

SECRET = "two-processes-embed-secret-" + "x" * 16
START_S = 600  # a server's start (both load the models at once on a busy machine)


def aisle_env(data_dir: Path, postgres_url: str, chroma_url: str, redis_url: str | None, prefix: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AISLE_")}
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
                "NO_COLOR": "1", "PYTHONPATH": str(REPO), "AISLE_CONFIG": "/nonexistent/aisle.toml",
                "AISLE_DATA_DIR": str(data_dir), "AISLE_MODELS_DIR": str(MODELS_DIR),
                "AISLE_DATABASE_URL": postgres_url, "AISLE_RETRIEVAL__CHROMA_URL": chroma_url,
                "AISLE_CLOCK": NOW.isoformat(), "AISLE_EMBED_SECRET": SECRET,
                "AISLE_LLM__GARNISH": "never",  # the deterministic leads: the test is about state, not prose
                "AISLE_SAFETY__PER_CLIENT_RATE": "2000/minute"})
    if redis_url:
        env.update({"AISLE_SHARED_STATE_URL": redis_url, "AISLE_SHARED_STATE_PREFIX": prefix})
    return env


def aisle(env: dict[str, str], *args: str, timeout: int = 900) -> str:
    done = subprocess.run([sys.executable, "-m", "aisle.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done.stdout


@contextmanager
def aisle_serve(env: dict[str, str], log_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    with log_path.open("w") as log:
        server = subprocess.Popen([sys.executable, "-m", "aisle.cli", "serve", "--host", "127.0.0.1", "--port",
                                   str(port), "--no-train-scorer"], cwd=REPO, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            yield server, f"http://127.0.0.1:{port}/"
        finally:
            stop_process(server, timeout=30)


def wait_until_up(servers: list[tuple[subprocess.Popen[bytes], str]], logs: list[Path]) -> None:
    deadline = time.monotonic() + START_S
    for (server, base), log in zip(servers, logs, strict=True):
        while True:
            assert server.poll() is None, log.read_text()[-4000:]
            try:
                if httpx.get(base + "config", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"{base} did not start:\n{log.read_text()[-4000:]}"
            time.sleep(1)


def raw_json(response: raw_gradio.Response) -> dict[str, Any]:
    """The JSON result of a REST call, as its event stream carried it."""
    assert response.ok, response.text[-2000:]
    data = [line[len("data:"):] for line in response.text.splitlines() if line.startswith("data:")]
    return json.loads(data[-1])[0]


def rest_reply(base: str, message: str, session_id: str) -> dict[str, Any]:
    """``/reply`` by the bare REST route: no gradio_client, no Gradio session of this process."""
    return raw_json(raw_gradio.named_call(base, "reply", [message, session_id]))


@contextmanager
def two_servers(env: dict[str, str], logs: Path) -> Iterator[tuple[str, str]]:
    """Two ``aisle serve`` processes with ``env``, started together: their base URLs."""
    with ExitStack() as stack:
        paths = [logs / "a.log", logs / "b.log"]
        servers = [stack.enter_context(aisle_serve(env, log)) for log in paths]
        wait_until_up(servers, paths)
        yield servers[0][1], servers[1][1]


def pending_orders(db: StoreDatabase) -> list[tuple[str, Order]]:
    return [(c.id, o) for c in db.customers() for o in db.orders_for(c.id) if o.status.value == "pending"]


def test_a_conversation_alternating_between_two_processes(tmp_path: Path, postgres_url: str, redis_url: str,
                                                          redis_prefix: str) -> None:
    from gradio_client import Client

    started = time.monotonic()
    with chroma_server(tmp_path / "chroma") as chroma_url:
        env = aisle_env(tmp_path / "data", postgres_url, chroma_url, redis_url, redis_prefix)
        aisle(env, "demo")  # the store, built once: PostgreSQL, the Chroma server, the BM25 files
        built = time.monotonic()
        db = StoreDatabase(postgres_url)
        log = OrderLog(db)
        catalog = Catalog(db.products())
        (customer, order), (unshared_customer, unshared_order) = pending_orders(db)[:2]

        def applied(order_id: str) -> int:
            return sum(e.outcome.value == "applied" for e in log.entries(order_id=order_id))

        with two_servers(env, tmp_path) as (a, b):
            up = time.monotonic()
            token = aisle(env, "token", customer).strip()  # the store's backend mints one per page view
            widget = Client(a, verbose=False)
            signed_in = widget.predict(token, api_name="/start_session")
            assert signed_in["customer_id"] == customer and signed_in["signed_in"]
            session_id = signed_in["session_id"]
            # the token is spent on every process: replayed on B it signs no one in
            assert not raw_json(raw_gradio.named_call(b, "start_session", [token]))["signed_in"]

            def respond(i: int, sid: str, message: str) -> dict[str, Any]:
                if i % 2:  # process B, as an attacker's script would call it
                    return rest_reply(b, message, sid)
                return widget.predict(message, sid, api_name="/reply")

            replies = continue_across(respond, session_id, catalog, order, lambda: db.order(order.id).status.value,
                                      lambda: applied(order.id))
            assert all(r["session_id"] == session_id for r in replies)
            # the identity is the server's: B served the signed-in customer's orders without being told who
            assert replies[4]["order_ids"] == [order.id]
            chatted = time.monotonic()

            # a guest asks about an order on A and proves it with its e-mail on B; the copilot on A may then
            # show it (a guest's orders only once verified in that conversation: the shared state says so)
            other = next(o for c in reversed(db.customers()) for o in db.orders_for(c.id) if o.id != order.id)
            owner = db.customer(other.customer_id)
            assert owner is not None
            guest = widget.predict("", api_name="/start_session")["session_id"]
            asked = widget.predict(f"where is order {other.id}?", guest, api_name="/reply")
            assert other.shipping_address not in asked["text"]
            assert rest_reply(b, owner.email, guest)["order_ids"] == [other.id]
            staff_a = Client(a + "staff/", verbose=False)
            assert staff_a.predict(guest, api_name="/conversation")["order_ids"] == [other.id]
            # an agent answers from B's copilot; the widget polling A shows it
            sent = Client(b + "staff/", verbose=False).predict(guest, "Hi, Ana from support here.", "Ana",
                                                               api_name="/send")
            polled = widget.predict(guest, 0, api_name="/agent_messages")
            assert [(m["id"], m["text"]) for m in polled] == [(sent["id"], "Hi, Ana from support here.")]

        # the same alternation without shared_state_url: each process restores the conversation from its
        # transcript, which holds no constraints and no pending proposal
        alone = aisle_env(tmp_path / "data", postgres_url, chroma_url, None, redis_prefix)
        (tmp_path / "unshared").mkdir()
        with two_servers(alone, tmp_path / "unshared") as (a, b):
            widget = Client(a, verbose=False)
            sid = widget.predict(aisle(alone, "token", unshared_customer).strip(), api_name="/start_session")[
                "session_id"]
            search, refine, _ = shopping_messages(catalog)
            first = widget.predict(search, sid, api_name="/reply")
            refined = rest_reply(b, refine, sid)
            assert not set(first["constraints"]) < set(refined["constraints"]), refined["constraints"]
            proposal = widget.predict(f"cancel order #{unshared_order.id}", sid, api_name="/reply")
            assert proposal["pending_action"] == "cancel"
            rest_reply(b, "yes", sid)
            assert db.order(unshared_order.id).status.value == "pending" and applied(unshared_order.id) == 0
        db.engine.dispose()
    print(f"\ntwo processes: build {built - started:.0f} s, start {up - built:.0f} s, "
          f"6 alternating turns {chatted - up:.1f} s, total {time.monotonic() - started:.0f} s")
