"""Load as a store sees it: ``aisle serve`` in its own process, shoppers from other processes.

The demo store is built in a temporary folder (or ``--store`` is copied there). For each ``--mode``
(the LLM lead's ``[llm] garnish``: ``auto``, ``always``, ``never``), a fresh copy is served by ``aisle
serve`` with per-client and per-session rate limits off (``AISLE_SAFETY__...``), and driven from
``--client-procs`` other processes: each simulated shopper is one ``gradio_client.Client`` that opens
its own session the way the page does (``/start_session``: a guest session held in server-side
state) and sends ``--turns`` messages through ``/reply`` in that session (no session id sent: the
server's state names it). The first message carries a budget of the shopper's own (``under $40`` …),
the others refine it (the same few refinements for every shopper); a reply that names another session, or carries another shopper's budget, is
cross-talk. Measured: p50/p95 reply latency, replies per second from the first message to the last
reply (every shopper sends at once, so the server is saturated), errors, cross-talk, which lead each
reply used, and the server process's CPU and peak memory (psutil on its PID); baseline in the same
run: ``--alone`` shoppers one after another on the same server. Then a burst on a server with 1 worker and a queue of 2
must answer "queue is full" at once.

Run: ``python bench/load.py [--sessions 50] [--turns 2] [--mode auto,always]``; prints JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PRODUCTS = ("running shoes", "hiking boots", "rain jacket", "water bottle", "yoga mat", "backpack")
REFINEMENTS = ("what about in blue?", "do you have any in black?", "any in green?")
MODES = ("auto", "always", "never")
NO_RATE_LIMITS = {"AISLE_SAFETY__PER_CLIENT_RATE": "", "AISLE_SAFETY__PER_SESSION_RATE": ""}


def budget_of(session: int) -> int:
    """A distinct budget per session, so replies can be told apart."""
    return 40 + session


def messages_of(session: int, turns: int) -> list[str]:
    first = f"{PRODUCTS[session % len(PRODUCTS)]} under ${budget_of(session)}"
    return [first, *(REFINEMENTS[n % len(REFINEMENTS)] for n in range(turns - 1))]


def mismatch(reply: dict[str, Any], session_id: str, session: int) -> tuple[str, str]:
    """(cross-talk, misreading) of a reply to ``session``'s message: it names another session or
    carries another shopper's budget; or it lacks its own budget (a misreading, not cross-talk)."""
    own = f"under ${budget_of(session)}.00"
    chips = reply.get("constraints") or []
    others = [c for c in chips if c.startswith("under ") and c != own]
    if reply.get("session_id") != session_id or others:
        return f"session {session}: reply for {reply.get('session_id')!r} with {chips}", ""
    return "", ("" if own in chips else f"session {session}: {chips} lack {own!r}")


@dataclass
class Turn:
    session: int
    turn: int
    seconds: float
    done_at: float  # time.time() when the reply arrived
    error: str = ""
    cross_talk: str = ""
    misread: str = ""
    lead: str = ""  # "llm", "skipped" (the gate: busy, over budget, off), "rejected" (verifier), "none" (not needed)
    skipped: str = ""


def lead_kind(reply: dict[str, Any]) -> str:
    if not reply.get("used_fallback"):
        return "llm"
    if reply.get("lead_skipped"):
        return "skipped"
    return "rejected" if reply.get("problems") else "none"


@dataclass
class LoadResult:
    sessions: int
    turns: list[Turn] = field(default_factory=list)
    open_errors: list[str] = field(default_factory=list)
    started_at: float = 0.0  # time.time() when every shopper sent its first message
    client_cpu_s: float = 0.0

    @property
    def replies(self) -> list[Turn]:
        return [t for t in self.turns if not t.error]

    @property
    def errors(self) -> list[str]:
        return self.open_errors + [f"session {t.session} turn {t.turn}: {t.error}" for t in self.turns if t.error]

    @property
    def cross_talk(self) -> list[str]:
        return [t.cross_talk for t in self.turns if t.cross_talk]

    @property
    def latencies(self) -> list[float]:
        return [t.seconds for t in self.replies]

    @property
    def seconds(self) -> float:
        return max((t.done_at for t in self.turns), default=self.started_at) - self.started_at

    def summary(self) -> dict[str, Any]:
        from bench.output import percentiles

        replies = self.replies
        kinds = {k: sum(t.lead == k for t in replies) for k in ("llm", "skipped", "rejected", "none")}
        reasons: dict[str, int] = {}
        for t in replies:
            if t.skipped:
                reasons[t.skipped] = reasons.get(t.skipped, 0) + 1
        return {"sessions": self.sessions, "replies": len(replies), "errors": len(self.errors),
                "error_examples": self.errors[:3], "cross_talk": len(self.cross_talk),
                "cross_talk_examples": self.cross_talk[:3],
                "misread": sum(bool(t.misread) for t in replies), **percentiles(self.latencies, 1),
                "replies_per_s": round(len(replies) / self.seconds, 2) if self.seconds else 0.0,
                "seconds": round(self.seconds, 1),
                "leads": {**kinds, "llm_share": round(kinds["llm"] / len(replies), 3) if replies else 0.0,
                          "skipped_because": reasons},
                "client_cpu_s": round(self.client_cpu_s, 1)}


def run_load(url: str, sessions: int, turns: int = 2, first: int = 0, go_at: float | None = None) -> LoadResult:
    """Shoppers ``first`` … ``first + sessions - 1`` on threads of this process: each opens its session
    as the page does, waits until ``go_at`` (``time.time()``; default: once all are open), then sends
    ``turns`` messages, each after the last reply."""
    from gradio_client import Client

    result = LoadResult(sessions)
    lock = threading.Lock()
    opened = threading.Barrier(sessions)
    cpu_at_start = [0.0]

    def shopper(i: int) -> None:
        client = session_id = None
        try:
            client = Client(f"{url}/", verbose=False)
            session_id = client.predict("", api_name="/start_session")["session_id"]
        except Exception as exc:  # noqa: BLE001  (every failure is counted, none may pass unseen)
            with lock:
                result.open_errors.append(f"session {i}: open: {exc}")
        with contextlib.suppress(threading.BrokenBarrierError):  # a shopper that failed to open still counts
            opened.wait(timeout=600)
        if go_at is not None:
            time.sleep(max(0.0, go_at - time.time()))
        with lock:
            if not result.started_at:
                result.started_at, cpu_at_start[0] = time.time(), _cpu_seconds()
        if client is None:
            return
        for n, message in enumerate(messages_of(i, turns)):
            sent = time.perf_counter()
            try:
                reply = client.predict(message, "", api_name="/reply")  # this client's own session
            except Exception as exc:  # noqa: BLE001
                with lock:
                    result.turns.append(Turn(i, n, time.perf_counter() - sent, time.time(), error=str(exc)[:300]))
                return
            took = time.perf_counter() - sent
            cross, misread = mismatch(reply, session_id or "", i)
            with lock:
                result.turns.append(Turn(i, n, took, time.time(), cross_talk=cross, misread=misread,
                                         lead=lead_kind(reply), skipped=reply.get("lead_skipped") or ""))

    with ThreadPoolExecutor(max_workers=sessions) as pool:
        list(pool.map(shopper, range(first, first + sessions)))
    result.client_cpu_s = _cpu_seconds() - cpu_at_start[0]
    return result


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def drive(url: str, sessions: int, turns: int, client_procs: int) -> LoadResult:
    """``sessions`` shoppers split over ``client_procs`` processes, all sending their first message at
    the same moment (once every session is open)."""
    procs = max(1, min(client_procs, sessions))
    shares = [sessions // procs + (p < sessions % procs) for p in range(procs)]
    firsts = [sum(shares[:p]) for p in range(procs)]
    go_at = time.time() + 20 + sessions * 0.4  # time for every process to start and open its sessions
    with ProcessPoolExecutor(procs, mp_context=get_context("spawn")) as pool:
        parts = list(pool.map(run_load, [url] * procs, shares, [turns] * procs, firsts, [go_at] * procs))
    whole = LoadResult(sessions)
    for part in parts:
        whole.turns += part.turns
        whole.open_errors += part.open_errors
        whole.client_cpu_s += part.client_cpu_s
    whole.started_at = min(p.started_at for p in parts if p.started_at)
    if whole.started_at > go_at + 1:
        whole.open_errors.append(f"shoppers started {whole.started_at - go_at:.1f} s late (sessions opened slowly)")
    return whole


def one_at_a_time(url: str, shoppers: int, turns: int) -> LoadResult:
    """The baseline: ``shoppers`` shoppers (one per product kind) one after another, from this process."""
    whole = LoadResult(1)
    for i in range(shoppers):
        part = run_load(url, 1, turns, first=i)
        whole.turns += part.turns
        whole.open_errors += part.open_errors
        whole.client_cpu_s += part.client_cpu_s
        whole.started_at = whole.started_at or part.started_at
    return whole


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


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_mode(mode: str, store: Path, workdir: Path, options: argparse.Namespace) -> dict[str, Any]:
    """One ``aisle serve`` on a fresh copy of ``store`` with ``[llm] garnish = mode``: a lone shopper, then the load."""
    from bench.load_server import ServerProcess

    data = workdir / mode
    shutil.copytree(store, data, ignore=shutil.ignore_patterns("models", "*.lock"))
    settings = {**NO_RATE_LIMITS, "AISLE_LLM__GARNISH": mode, **dict(kv.split("=", 1) for kv in options.server_env)}
    with (workdir / f"serve-{mode}.log").open("w") as log, ServerProcess(data, settings, options.models, log) as server:
        started = server.usage()
        alone = one_at_a_time(server.url, options.alone, options.turns)
        before = load_average()
        load = drive(server.url, options.sessions, options.turns, options.client_procs)
        time.sleep(0.3)  # a last CPU sample after the last reply
        window = max(load.seconds, 1e-9)
        cpu = server.cpu_between(load.started_at, load.started_at + window)
        usage = server.usage()
        return {"settings": settings, "alone": alone.summary(), "load": load.summary(),
                "server": {"pid": server.pid, "cpu_s": round(cpu, 1), "cores_busy": round(cpu / window, 2),
                           "cpu_ms_per_reply": round(1000 * cpu / max(len(load.replies), 1), 1),
                           "rss_after_start_mb": started["rss_mb"], "rss_after_load_mb": usage["rss_mb"],
                           "peak_rss_mb": usage["peak_rss_mb"], "threads": usage["threads"]},
                "load_average": {"before": before, "after": load_average()},
                "p50_vs_alone": round(_p50(load) / max(_p50(alone), 1e-9), 2)}


def run_burst(store: Path, workdir: Path, options: argparse.Namespace) -> dict[str, Any]:
    from bench.load_server import ServerProcess

    data = workdir / "burst"
    shutil.copytree(store, data, ignore=shutil.ignore_patterns("models", "*.lock"))
    settings = {**NO_RATE_LIMITS, "AISLE_UI__CONCURRENCY": "1", "AISLE_UI__QUEUE_SIZE": "2"}
    with (workdir / "serve-burst.log").open("w") as log, ServerProcess(data, settings, options.models, log) as server:
        return busy_burst(server.url, 12)


def _p50(result: LoadResult) -> float:
    ordered = sorted(result.latencies) or [0.0]
    return ordered[len(ordered) // 2]


def goals(load: dict[str, Any]) -> dict[str, bool]:
    """Issue 18's goal at 50 sessions × 2 turns on 2 cores."""
    return {"p50<=3s": load["p50_ms"] <= 3000, "p95<=8s": load["p95_ms"] <= 8000,
            "replies_per_s>=10": load["replies_per_s"] >= 10, "no_errors": load["errors"] == 0,
            "no_cross_talk": load["cross_talk"] == 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--turns", type=int, default=2)
    parser.add_argument("--mode", default="auto,always", help=f"comma-separated [llm] garnish modes: {', '.join(MODES)}")
    parser.add_argument("--alone", type=int, default=len(PRODUCTS), help="shoppers in the one-at-a-time baseline")
    parser.add_argument("--client-procs", type=int, default=2, help="processes the shoppers are spread over")
    parser.add_argument("--store", type=Path, help="a built store folder to copy (default: build the demo store)")
    parser.add_argument("--models", type=Path, default=REPO / ".aisle" / "models", help="converted model cache")
    parser.add_argument("--server-env", action="append", default=[], metavar="AISLE_X=V",
                        help="an extra setting for the server (repeatable)")
    parser.add_argument("--no-burst", action="store_true", help="skip the full-queue burst")
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/load.json")
    options = parser.parse_args()
    modes = [m.strip() for m in options.mode.split(",") if m.strip()]
    if not modes or any(m not in MODES for m in modes):
        parser.error(f"--mode takes {', '.join(MODES)}, comma-separated")

    from bench.load_server import build_demo_store
    from bench.output import emit

    with tempfile.TemporaryDirectory(prefix="aisle-load-") as tmp:
        workdir = Path(tmp)
        store = workdir / "store"
        machine = {"cpus": os.cpu_count(), "load_average_at_start": load_average()}
        if options.store:
            shutil.copytree(options.store, store, ignore=shutil.ignore_patterns("models", "*.lock"))
        else:
            with (workdir / "demo.log").open("w") as log:
                build_demo_store(store, options.models, log)
        results = {mode: run_mode(mode, store, workdir, options) for mode in modes}
        burst = None if options.no_burst else run_burst(store, workdir, options)
    summary: dict[str, Any] = {"machine": machine, "sessions": options.sessions, "turns": options.turns,
                               "client_procs": options.client_procs, "modes": results}
    if "auto" in results:
        summary["goals_auto"] = goals(results["auto"]["load"])
    if "auto" in results and "always" in results:
        auto, always = results["auto"]["load"], results["always"]["load"]
        summary["auto_vs_always"] = {
            "p50": round(auto["p50_ms"] / max(always["p50_ms"], 1e-9), 3),
            "p95": round(auto["p95_ms"] / max(always["p95_ms"], 1e-9), 3),
            "replies_per_s": round(auto["replies_per_s"] / max(always["replies_per_s"], 1e-9), 2)}
    summary["busy_burst"] = burst
    summary["machine"]["load_average_at_end"] = load_average()
    emit(summary, options.out)


if __name__ == "__main__":
    main()
