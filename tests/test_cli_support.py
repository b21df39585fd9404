"""``aisle support tickets`` and ``aisle support audit`` read what the chat stored."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from aisle.cli import app
from knowledge.store.order_log import ActionEntry, Outcome
from knowledge.store.tickets import HandoffReason


def test_support_commands_list_tickets_and_the_audit_log(services) -> None:
    now = services.settings.now()
    ticket = services.tickets.create("cli-session", "C002", HandoffReason.ASKED, "Customer: C002", [], [], now)
    services.order_log.record(ActionEntry(session_id="cli-session", action="cancel", outcome=Outcome.REFUSED,
                                          order_id="MM-100007", detail="processing"), now)
    data_dir = str(services.settings.data_dir)
    runner = CliRunner()

    tickets = runner.invoke(app, ["support", "tickets", "--data-dir", data_dir, "--json"])
    assert tickets.exit_code == 0, tickets.output
    assert ticket.id in [t["id"] for t in json.loads(tickets.output)]

    audit = runner.invoke(app, ["support", "audit", "--order", "mm-100007", "--data-dir", data_dir, "--json"])
    assert audit.exit_code == 0, audit.output
    [entry] = [e for e in json.loads(audit.output) if e["session_id"] == "cli-session"]
    assert (entry["action"], entry["outcome"], entry["detail"]) == ("cancel", "refused", "processing")

    text = runner.invoke(app, ["support", "audit", "--session", "cli-session", "--data-dir", data_dir])
    assert "MM-100007 cancel refused: processing" in text.output
