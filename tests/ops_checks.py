"""Helpers for the operations tests (fakes and real models alike): the process's logging set up as JSON
lines into a file (and put back after), a shopper conversation that says personal things, and the
metrics parsed from ``/metrics``' text."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from aisle.logs import OWN_LOGGERS, UVICORN_LOGGERS, configure_logging
from assistant.config import OpsSettings
from assistant.lead_outcome import PROBLEM_LABELS
from tests.store_chat import customer_with

TURN_FIELDS = {"time", "level", "logger", "message", "event", "store", "session", "kind", "intent", "resolution",
               "failed", "handoff", "lead", "lead_why", "lead_reasons", "products", "fallbacks", "reply_ms",
               "first_text_ms", "stage_ms"}
LEAD_REASONS = {label for _, label in PROBLEM_LABELS} | {"queueing", "busy", "over_budget", "off", "other"}


def personal_messages(store) -> tuple[str, list[str], str]:
    """A customer with orders, the messages they send (a search, a policy question, an order question with
    their e-mail), and that e-mail: each store's own products, FAQ and orders."""
    customer, orders = customer_with(store)
    email = store.db.customer(customer).email
    product = next(iter(store.current.catalog))
    faq = store.current.faq_entries[0]
    return customer, [product.title, faq.title, f"where is order {orders[0].id}? my e-mail is {email}"], email


def personal_conversation(store) -> tuple[str, list[str], str]:
    """``personal_messages``, with a session issued for the customer (demo mode)."""
    customer, messages, email = personal_messages(store)
    session_id = store.conversations.start(store.shopper(demo_mode=True).sessions.demo_identity(customer))
    return session_id, messages, email


@contextmanager
def json_log(path: Path) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """``configure_logging`` with JSON lines into ``path`` while the block runs; yields a reader of the
    lines so far (each parsed: a line that is not one JSON object fails the test)."""
    names = ("", *OWN_LOGGERS)
    levels = {name: logging.getLogger(name).level for name in names}
    uvicorn = {name: (list(logging.getLogger(name).handlers), logging.getLogger(name).propagate)
               for name in UVICORN_LOGGERS}
    handler = configure_logging(OpsSettings(log_format="json", log_file=str(path)))
    try:
        yield lambda: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        for name, (handlers, propagate) in uvicorn.items():
            logging.getLogger(name).handlers[:] = handlers
            logging.getLogger(name).propagate = propagate


def events(lines: list[dict[str, Any]], event: str) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("event") == event]


def samples(metrics_text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of an exposition text by (name, labels)."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(metrics_text) for s in family.samples}


def total(metrics: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    want = set(labels.items())
    return sum(v for (n, ls), v in metrics.items() if n == name and want <= ls)


def check_turn_line(line: dict[str, Any]) -> None:
    """A ``turn`` line carries every field, its stages in ms, and its lead in fixed labels."""
    assert set(line) >= TURN_FIELDS, TURN_FIELDS - set(line)
    assert line["lead"] in ("llm", "deterministic") and line["lead_why"] in ("", "not_needed", "skipped", "rejected")
    assert (line["lead"] == "llm") == (line["lead_why"] == ""), line
    assert set(line["lead_reasons"]) <= LEAD_REASONS and bool(line["lead_reasons"]) == (
        line["lead_why"] in ("skipped", "rejected")), line
    assert line["resolution"] in ("answered", "unanswered", "handed_off")
    assert {"intent", "answer", "lead"} <= set(line["stage_ms"]) or line["kind"] == "filter_removed", line
    assert all(isinstance(ms, float | int) and ms >= 0 for ms in line["stage_ms"].values())
    assert line["reply_ms"] >= line["first_text_ms"] >= 0
    assert len(line["session"]) == 16
