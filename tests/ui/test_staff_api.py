"""The staff app's API (agent copilot and store admin) on a real loopback server, driven with
``gradio_client`` next to the shopper widget's API."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.integration]


# -- the agent copilot ---------------------------------------------------------------------------
def test_a_shopper_conversation_shows_up_in_the_queue(client, staff, session_for) -> None:
    s1 = session_for("C001")
    client.predict("running shoes under $80", s1, api_name="/reply")

    queue = staff.predict(False, api_name="/queue")

    [row] = [c for c in queue if c["session_id"] == s1]
    assert (row["customer_id"], row["messages"], row["open_ticket"]) == ("C001", 2, None)
    assert row["last_user_text"] == "running shoes under $80"


def test_handed_off_conversations_come_first_in_the_queue(client, staff, session_for) -> None:
    s2 = session_for()
    reply = client.predict("I want to talk to a human", s2, api_name="/reply")
    assert reply["handoff"]

    queue = staff.predict(False, api_name="/queue")
    waiting = [bool(c["open_ticket"]) for c in queue]
    assert waiting == sorted(waiting, reverse=True)  # every open ticket before the rest
    [row] = [c for c in queue if c["session_id"] == s2]
    assert row["open_ticket"] == reply["ticket_id"] == row["ticket_id"]
    handed = staff.predict(True, api_name="/queue")
    assert s2 in [c["session_id"] for c in handed]
    assert all(c["ticket_id"] for c in handed)


def test_a_conversation_has_the_profile_orders_and_transcript(client, staff, services, session_for) -> None:
    s3 = session_for("C001")
    client.predict("running shoes under $80", s3, api_name="/reply")

    view = staff.predict(s3, api_name="/conversation")

    assert view["customer_id"] == "C001" and view["customer"]["name"] == "Maya Chen"
    assert "**Maya Chen** (`C001`)" in view["profile"]
    orders = services.db.orders_for("C001")
    assert orders and view["order_ids"] == [o.id for o in orders]
    assert orders[0].id in view["orders"]
    assert [m["role"] for m in view["transcript"]] == ["user", "assistant"]
    assert view["transcript"][0]["content"] == "running shoes under $80"
    assert view["ticket"] is None


def test_an_unknown_conversation_is_a_clear_error(staff) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="no conversation 'staff-api-nope'"):
        staff.predict("staff-api-nope", api_name="/conversation")


def test_suggest_returns_text_sources_and_next_best_products(client, staff, services, session_for) -> None:
    s4 = session_for("C001")
    client.predict("running shoes under $80", s4, api_name="/reply")

    suggestion = staff.predict(s4, api_name="/suggest")

    assert suggestion["session_id"] == s4 and suggestion["for_message"] == "running shoes under $80"
    assert suggestion["text"].strip() and suggestion["intent"] == "product_search"
    assert suggestion["sources"]["product_ids"]
    assert all(pid in services.current.catalog for pid in suggestion["sources"]["product_ids"])
    assert "**Products:**" in suggestion["sources_markdown"]
    assert suggestion["next_best"] and all(pid in services.current.catalog for pid in suggestion["next_best"])
    assert [p["id"] for p in suggestion["next_best_products"]] == suggestion["next_best"]
    assert len(staff.predict(s4, api_name="/conversation")["transcript"]) == 2  # nothing stored


def test_an_agent_message_reaches_the_shopper(client, staff, session_for) -> None:
    from gradio_client.exceptions import AppError

    s5 = session_for("C001")
    client.predict("do you ship to Canada?", s5, api_name="/reply")

    sent = staff.predict(s5, "Hi Maya, yes we do: 5-8 business days.", "Ana", api_name="/send")

    assert (sent["role"], sent["author"], sent["session_id"]) == ("agent", "Ana", s5)
    polled = client.predict(s5, 0, api_name="/agent_messages")
    assert [(m["id"], m["text"]) for m in polled] == [(sent["id"], "Hi Maya, yes we do: 5-8 business days.")]
    assert client.predict(s5, sent["id"], api_name="/agent_messages") == []
    view = staff.predict(s5, api_name="/conversation")
    assert view["transcript"][-1]["content"] == "**Agent Ana:** Hi Maya, yes we do: 5-8 business days."
    with pytest.raises(AppError, match="empty"):
        staff.predict(s5, "   ", "Ana", api_name="/send")
    with pytest.raises(AppError, match="no conversation"):
        staff.predict("staff-api-nope", "Hello?", "Ana", api_name="/send")


# -- the store admin -----------------------------------------------------------------------------
CATALOG_CSV = """id,title,brand,category,subcategory,price,stock,attributes,tags,description
TSTAPI-901,Brass Wax Seal Stamp,Inkwell & Co,office,stationery,18.50,12,"{""material"": ""brass""}",letters; gift,A brass wax seal stamp with a walnut handle for sealing letters.
TSTAPI-902,Sealing Wax Sticks (6 pack),Inkwell & Co,office,stationery,9.75,30,"{""color"": [""red"", ""gold""]}",letters,Six glue-gun sealing wax sticks in deep red and antique gold.
TSTAPI-903,Broken Quill Nib,Inkwell & Co,office,stationery,-4.00,3,,letters,A row with a negative price.
"""


def test_a_catalog_upload_stores_good_rows_and_lists_the_bad_row_by_line(staff, services, tmp_path: Path) -> None:
    # A catalog file with a bad row only adds and updates: demo products absent from it are kept.
    from gradio_client import handle_file

    before = {p.id for p in services.db.products()}
    path = tmp_path / "new_products.csv"
    path.write_text(CATALOG_CSV, encoding="utf-8")

    result = staff.predict("catalog", handle_file(str(path)), api_name="/upload")

    [error] = result["errors"]
    assert error["line"] == 4 and "price" in error["message"] and error["file"].endswith(".csv")
    after = {p.id for p in services.db.products()}
    assert after == before | {"TSTAPI-901", "TSTAPI-902"}
    assert services.current.catalog.get("TSTAPI-901").price == 18.50
    assert services.current.catalog.get("TSTAPI-902").colors == ["red", "gold"]
    assert "TSTAPI-903" not in services.current.catalog and "SHO-001" in services.current.catalog
    assert any(line.startswith("catalog") or "catalog" in line for line in result["lines"])


def test_an_upload_of_an_unknown_kind_is_a_clear_error(staff, tmp_path: Path) -> None:
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    path = tmp_path / "x.csv"
    path.write_text("id\nX-1\n", encoding="utf-8")
    with pytest.raises(AppError, match="Pick what the file holds: one of catalog, faq"):
        staff.predict("products", handle_file(str(path)), api_name="/upload")


def test_reports_have_intents_resolutions_and_a_summary(client, staff, session_for) -> None:
    s6 = session_for()
    client.predict("do you ship to Canada?", s6, api_name="/reply")

    reports = staff.predict(30, api_name="/reports")

    assert reports["days"] == 30
    assert reports["intents"] and {"day", "intent", "count"} <= set(reports["intents"][0])
    assert "faq" in {row["intent"] for row in reports["intents"]}
    assert {row["resolution"] for row in reports["resolution"]} == {"answered", "handed off", "unanswered"}
    assert reports["summary"]["replies"] > 0 and reports["summary"]["conversations"] > 0
    assert 0 < reports["summary"]["answered_share"] <= 1


# -- the shopper's comparison and filter chips ---------------------------------------------------
def test_compare_two_products_through_the_api(client, services) -> None:
    from gradio_client.exceptions import AppError

    rows = client.predict("SHO-001, SHO-002", api_name="/compare")["rows"]
    assert rows[0] == ["", services.current.catalog.get("SHO-001").title, services.current.catalog.get("SHO-002").title]
    assert rows[1][0] == "Price" and rows[1][1] == f"${services.current.catalog.get('SHO-001').price:,.2f}"
    with pytest.raises(AppError, match="Give two or more product ids"):
        client.predict("SHO-001", api_name="/compare")
    with pytest.raises(AppError, match="Unknown product ids: NOPE-1"):
        client.predict("SHO-001,NOPE-1", api_name="/compare")


def test_remove_filter_through_the_api(client, services, session_for) -> None:
    from gradio_client.exceptions import AppError

    s7 = session_for()
    first = client.predict("running shoes under $80 for flat feet", s7, api_name="/reply")
    assert "for flat feet" in first["constraints"]

    reply = client.predict(s7, "for flat feet", api_name="/remove_filter")

    assert "for flat feet" not in reply["constraints"] and "under $80.00" in reply["constraints"]
    assert reply["products"] and all(p["price"] <= 80 for p in reply["products"])
    with pytest.raises(AppError, match="No filter 'purple'"):
        client.predict(s7, "purple", api_name="/remove_filter")
    with pytest.raises(AppError, match="not a session id this server issued"):
        client.predict("C001", "under $80.00", api_name="/remove_filter")


# -- a staff password ----------------------------------------------------------------------------
def test_a_staff_password_keeps_the_staff_api_private(services) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    from aisle.web import create_server
    from ui.server import BackgroundServer

    with BackgroundServer(create_server(services, staff_password="pw")) as locked:
        with pytest.raises(AuthenticationError):
            Client(f"{locked.url}/staff/", verbose=False)
        with pytest.raises((AuthenticationError, ValueError), match="Could not login"):  # gradio answers 400
            Client(f"{locked.url}/staff/", auth=("ana", "wrong"), verbose=False)
        agent = Client(f"{locked.url}/staff/", auth=("ana", "pw"), verbose=False)
        assert isinstance(agent.predict(False, api_name="/queue"), list)
        shopper = Client(f"{locked.url}/", verbose=False)  # the shopper widget needs no password
        assert shopper.predict("", api_name="/start_session")["session_id"]


def test_outside_demo_mode_the_staff_app_is_closed_without_a_password(services) -> None:
    import httpx

    from aisle.web import create_server
    from ui.server import BackgroundServer

    with BackgroundServer(create_server(services, customer_picker=False, staff_password="")) as closed:
        for path in ("/staff/", "/staff/gradio_api/info", "/staff/config"):
            page = httpx.get(closed.url + path)
            assert page.status_code == 503 and "AISLE_STAFF_PASSWORD" in page.text
        assert httpx.get(closed.url + "/staff", follow_redirects=True).status_code == 503
        assert httpx.post(closed.url + "/staff/gradio_api/queue/join", json={}).status_code == 503


def test_staff_without_a_trailing_slash_redirects(server) -> None:
    import httpx

    page = httpx.get(server.url + "/staff", follow_redirects=True)
    assert page.status_code == 200 and str(page.url).endswith("/staff/")
