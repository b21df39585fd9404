"""Headless Debian Chromium (``/usr/bin/chromium``, installed by ``make test``) driven by Playwright
against the real app on loopback. A failing test leaves a screenshot of each of its pages in its
output folder (pytest's ``tmp_path``), and the path is printed in the failure report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without these, Chromium keeps trying to reach Google's services, which this network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--disable-extensions"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def server(services):
    from aisle.web import create_server
    from ui.server import BackgroundServer

    with BackgroundServer(create_server(services, staff_password="", customer_picker=True)) as running:
        yield running


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` (part of `make test`) installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser, server, request, tmp_path):
    """``open_page(path, **context_options)`` → a page on the app; every page opened is screenshotted
    into ``tmp_path`` if the test fails, and each page records the URLs it requested."""
    contexts = []

    def open_(path: str = "/", **options):
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(90_000)  # a reply from the CPU model can take a while on a busy machine
        page.requested = []
        page.on("request", lambda r: page.requested.append(r.url))
        page.goto(server.url + path)
        return page

    yield open_
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for i, context in enumerate(contexts):
        if failed:
            for j, page in enumerate(context.pages):
                shot = tmp_path / f"failure-{i}-{j}.png"
                page.screenshot(path=str(shot), full_page=True)
                print(f"screenshot: {shot}")
        context.close()
