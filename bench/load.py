"""Load on the real web app over loopback: N concurrent shopper sessions through ``gradio_client``.

Each session is one ``gradio_client.Client`` (its own server-side conversation) sending a search
with its own budget, then a refinement; every reply must carry that session's own budget chip
(``under $X``) — a reply with another session's budget is cross-talk. Measured: errors, cross-talk,
p50/p95 reply latency, replies per second, the server's memory before and after; and a burst on a
tiny queue, which must answer "busy, try again" at once instead of hanging.

Run: ``make bench`` (or ``python bench/load.py [--sessions 50] [--duration 240]``); prints JSON.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PRODUCTS = ("running shoes", "hiking boots", "rain jacket", "water bottle", "yoga mat", "backpack")


@dataclass
class LoadResult:
    sessions: int
    replies: int = 0
    errors: list[str] = field(default_factory=list)
    cross_talk: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        from bench.output import percentiles

        return {"sessions": self.sessions, "replies": self.replies, "errors": len(self.errors),
                "error_examples": self.errors[:3], "cross_talk": len(self.cross_talk),
                **percentiles(self.latencies, 1),
                "replies_per_s": round(self.replies / self.seconds, 2) if self.seconds else 0.0,
                "seconds": round(self.seconds, 1)}


def budget_of(session: int) -> int:
    """A distinct budget per session, so replies can be told apart."""
    return 40 + session


def run_load(url: str, sessions: int, turns: int = 2, duration: float = 240.0) -> LoadResult:
    """``sessions`` shoppers at once, each sending up to ``turns`` messages, until ``duration`` s."""
    from gradio_client import Client

    result = LoadResult(sessions)
    lock = threading.Lock()
    deadline = time.monotonic() + duration
    start = time.monotonic()

    def shopper(i: int) -> None:
        budget = f"under ${budget_of(i)}.00"
        messages = [f"{PRODUCTS[i % len(PRODUCTS)]} under ${budget_of(i)}", "what about in blue?",
                    "something cheaper"][:turns]
        try:
            client = Client(f"{url}/", verbose=False)
        except Exception as exc:  # noqa: BLE001  (every failure is counted, none may pass unseen)
            with lock:
                result.errors.append(f"session {i}: connect: {exc}")
            return
        for n, message in enumerate(messages):
            if time.monotonic() > deadline:
                return
            sent = time.perf_counter()
            try:
                reply = client.predict(message, "", api_name="/reply")  # this client's own (guest) session
            except Exception as exc:  # noqa: BLE001
                with lock:
                    result.errors.append(f"session {i} turn {n}: {exc}")
                return
            took = time.perf_counter() - sent
            chips = reply.get("constraints", [])
            others = [c for c in chips if c.startswith("under $") and c != budget]
            with lock:
                result.replies += 1
                result.latencies.append(took)
                if n < 2 and (budget not in chips or others):  # "cheaper" may lower the budget itself
                    result.cross_talk.append(f"session {i} turn {n}: {chips}")

    with ThreadPoolExecutor(max_workers=sessions) as pool:
        list(pool.map(shopper, range(sessions)))
    result.seconds = time.monotonic() - start
    return result


def busy_burst(url: str, requests: int) -> dict[str, Any]:
    """Fire ``requests`` replies at once at a server with a tiny queue: the overflow must be refused
    quickly with a "queue is full" error, and nothing may hang."""
    from gradio_client import Client

    client = Client(f"{url}/", verbose=False)
    outcomes: list[tuple[str, float]] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        sent = time.perf_counter()
        try:
            client.predict("do you ship to Canada?", "", api_name="/reply")
            kind = "answered"
        except Exception as exc:  # noqa: BLE001
            kind = "busy" if "full" in str(exc).lower() else f"error: {exc}"
        with lock:
            outcomes.append((kind, time.perf_counter() - sent))

    with ThreadPoolExecutor(max_workers=requests) as pool:
        list(pool.map(one, range(requests)))
    busy = [t for k, t in outcomes if k == "busy"]
    return {"requests": requests, "answered": sum(k == "answered" for k, _ in outcomes), "busy": len(busy),
            "other_errors": [k for k, _ in outcomes if k not in ("answered", "busy")],
            "slowest_busy_ms": round(max(busy) * 1000, 1) if busy else None}


def _rss_mb() -> float:
    """This process's resident memory now (Linux /proc), in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--turns", type=int, default=2)
    parser.add_argument("--duration", type=float, default=300.0)
    parser.add_argument("--out", type=Path, default=Path("bench/results/load.json"))
    parser.add_argument("--store", type=Path, default=REPO / ".aisle")
    options = parser.parse_args()

    from aisle.web import create_server
    from aisle.wiring import Services
    from assistant.config import Settings
    from bench.output import emit
    from ui.server import BackgroundServer

    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        shutil.copytree(options.store, store, ignore=shutil.ignore_patterns("models", "*.lock"))
        # everyone calls from 127.0.0.1 here, so the per-client limit is off for this run
        settings = Settings(data_dir=store, models_dir=options.store / "models",
                            safety={"per_client_rate": "", "per_session_rate": "100/minute"})
        services = Services(settings)
        services.warm_up()
        before = _rss_mb()
        with BackgroundServer(create_server(services, staff_password="")) as server:
            warm = run_load(server.url, 1, options.turns, 120)  # baseline: one shopper alone
            load = run_load(server.url, options.sessions, options.turns, options.duration)
        after = _rss_mb()
        with BackgroundServer(create_server(services, staff_password="", concurrency=1, queue_size=2)) as tiny:
            burst = busy_burst(tiny.url, 12)
    emit({"load": load.summary(), "single_session_baseline": warm.summary(),
          "p50_vs_single_session": round(statistics.median(load.latencies or [0]) /
                                         max(statistics.median(warm.latencies or [1]), 1e-9), 2),
          "server_rss_mb": {"before": before, "after": after}, "busy_burst": burst}, options.out)


if __name__ == "__main__":
    main()
