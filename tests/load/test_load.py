"""Concurrent shoppers on the real web app over loopback (the full 50-session run with timings is
``bench/load.py`` in ``make bench``): no errors, no cross-talk, and a full queue says "busy" at once."""

from __future__ import annotations

import pytest

from bench.load import busy_burst, run_load

pytestmark = [pytest.mark.slow, pytest.mark.integration]
SESSIONS = 30


def test_concurrent_sessions_each_keep_their_own_constraints(services) -> None:
    from aisle.web import create_server
    from ui.server import BackgroundServer

    with BackgroundServer(create_server(services, staff_password="")) as server:
        result = run_load(server.url, SESSIONS, turns=2)

    assert result.errors == []
    assert result.cross_talk == []
    assert len(result.replies) == 2 * SESSIONS


def test_a_full_queue_answers_busy_at_once_instead_of_hanging(services) -> None:
    from aisle.web import create_server
    from ui.server import BackgroundServer

    with BackgroundServer(create_server(services, staff_password="", concurrency=1, queue_size=2)) as server:
        burst = busy_burst(server.url, 12)

    assert burst["other_errors"] == []
    assert burst["busy"] >= 1 and burst["answered"] >= 1
    assert burst["slowest_busy_ms"] < 5000, burst
