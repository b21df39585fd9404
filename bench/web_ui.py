"""The web app as its users meet it, on a copy of the demo store served on loopback.

Measured: a reply through the shopper API (``/reply``) against the same reply in-process (the
baseline: what the web layer adds); the streamed ``/chat``'s time to its first update against its
full reply; a copilot suggestion (``/suggest``) against a shopper reply; and, in headless Chromium
when ``/usr/bin/chromium`` exists, the shopper page's load time, bytes and requests (all of them
must be to Aisle itself: no CDN) and how long an agent's message takes to show in an open widget
(it polls every 2 s).

Run: ``make bench`` (or ``python bench/web_ui.py [--rounds N] [--out FILE]``); prints JSON.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.output import percentiles  # noqa: E402  (the repo is on the path only now)

MESSAGES = [
    "running shoes under $80 for flat feet",
    "what about in blue?",
    "noise cancelling headphones",
    "do you ship to Canada?",
    "how long do refunds take?",
    "a warm winter jacket for women",
    "cast iron skillet under $60",
    "hi there",
]
CHROMIUM = Path("/usr/bin/chromium")


def _store_copy(source: Path, into: Path) -> Path:
    """The demo store without its model cache (shared, read-only), so the bench never adds
    conversations to the store a developer uses."""
    target = into / "store"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("models", "*.lock"))
    return target


def _page_load(url: str, rounds: int, staff: Any) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]
    loads: list[float] = []
    requests: list[str] = []
    transferred = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)
        for i in range(rounds):
            context = browser.new_context()
            page = context.new_page()
            sizes: list[int] = []
            page.on("request", lambda r: requests.append(r.url))
            page.on("response", lambda r, sizes=sizes: sizes.append(int(r.headers.get("content-length", 0) or 0)))
            start = time.perf_counter()
            page.goto(url + "/")
            page.locator("#aisle-message textarea").wait_for(state="visible")
            loads.append(time.perf_counter() - start)
            if i == 0:
                transferred = sum(sizes)
                delivery = _agent_delivery(page, staff, rounds=3)
            context.close()
        browser.close()
    outside = sorted({u for u in requests if not u.startswith(url) and not u.startswith("data:")})
    return {"page_ready": percentiles(loads), "requests_first_load": len(requests) // max(rounds, 1),
            "declared_bytes_first_load": transferred, "requests_outside_aisle": outside,
            "agent_message_to_widget": delivery}


def _agent_delivery(page: Any, staff: Any, rounds: int) -> dict[str, Any]:
    """From an agent's ``/send`` to the text showing in an open widget (it polls every 2 s)."""
    box = page.locator("#aisle-message textarea")
    box.fill("hi there")
    box.press("Enter")
    page.wait_for_function("document.querySelector('#aisle-message textarea').value === ''")
    session = staff.predict(False, api_name="/queue")[0]["session_id"]  # the most recent conversation
    times = []
    for i in range(rounds):
        text = f"Agent note number {i}."
        start = time.perf_counter()
        staff.predict(session, text, "bench", api_name="/send")
        page.get_by_text(text).wait_for()
        times.append(time.perf_counter() - start)
    return {"poll_interval_s": 2.0, **percentiles(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("bench/results/web_ui.json"))
    parser.add_argument("--store", type=Path, default=REPO / ".aisle")
    options = parser.parse_args()

    from gradio_client import Client

    from aisle.web import create_server
    from aisle.wiring import Services
    from assistant.config import Settings
    from bench.output import emit
    from ui.server import BackgroundServer

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=_store_copy(options.store, Path(tmp)), models_dir=options.store / "models")
        services = Services(settings)
        services.warm_up()
        # the demo as `make run` serves it: demo mode, so the staff app is open without a password
        with BackgroundServer(create_server(services, staff_password="", customer_picker=True)) as server:
            shop = Client(f"{server.url}/", verbose=False)
            staff = Client(f"{server.url}/staff/", verbose=False)
            direct, web, first, full, suggest = [], [], [], [], []
            for _round in range(options.rounds):
                direct_session = services.conversations.start()
                web_session = shop.predict("", api_name="/start_session")["session_id"]
                for i, message in enumerate(MESSAGES):
                    start = time.perf_counter()
                    services.conversations.respond(direct_session, message)
                    direct.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    shop.predict(message, web_session, api_name="/reply")
                    web.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    job = shop.submit(message, api_name="/chat")
                    while not job.outputs() and not job.done():
                        time.sleep(0.005)
                    first.append(time.perf_counter() - start)
                    job.result()
                    full.append(time.perf_counter() - start)
                    if i % 2 == 0:
                        start = time.perf_counter()
                        staff.predict(web_session, api_name="/suggest")
                        suggest.append(time.perf_counter() - start)
            page = (_page_load(server.url, options.rounds, staff) if CHROMIUM.exists()
                    else {"skipped": "no /usr/bin/chromium"})
    result: dict[str, Any] = {
        "messages": len(MESSAGES), "rounds": options.rounds,
        "reply_in_process": percentiles(direct), "reply_over_api": percentiles(web),
        "api_overhead_ratio_p50": round(statistics.median(web) / statistics.median(direct), 3),
        "chat_stream_first_update": percentiles(first), "chat_stream_full": percentiles(full),
        "first_update_share_of_full_p50": round(statistics.median(first) / statistics.median(full), 3),
        "copilot_suggestion": percentiles(suggest),
        "suggestion_vs_reply_ratio_p50": round(statistics.median(suggest) / statistics.median(web), 3),
        "shopper_page": page,
    }
    emit(result, options.out)


if __name__ == "__main__":
    main()
