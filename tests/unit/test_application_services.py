"""The application services the pages call (``assistant/services/``), on both bundled sample stores
built on fakes: what the shopper's widget may do, what an agent's copilot sees, and how the admin's
requests are checked. Ids, customers and e-mails come from each store's own data."""

from __future__ import annotations

import pytest

from assistant.errors import InvalidMessage, UnknownSession
from assistant.identity import GUEST
from assistant.services.copilot import NoOpenTicket
from tests.store_chat import customer_with


@pytest.fixture
def shopper(fake_store):
    return fake_store.shopper(demo_mode=True)


# -- the shopper ------------------------------------------------------------------------------------------
def test_a_comparison_has_the_products_facts_and_names_unknown_ids(fake_store, shopper) -> None:
    a, b = list(fake_store.current.catalog)[:2]
    rows = shopper.comparison([a.id, b.id])
    assert rows[0] == ["", a.title, b.title]
    assert {r[0] for r in rows} >= {"Price", "Brand", "Stock"}
    with pytest.raises(InvalidMessage, match="Unknown product ids: NOPE-1"):
        shopper.comparison([a.id, "NOPE-1"])
    with pytest.raises(InvalidMessage, match="two or more"):
        shopper.comparison([a.id])


def test_details_come_from_the_catalog_in_its_currency(fake_store, shopper) -> None:
    product = next(iter(fake_store.current.catalog))
    details = shopper.product(product.id)
    assert details is not None and details.title == product.title and details.brand == product.brand
    assert details.price_text.startswith(("from ", "$", "€")) and shopper.product("NOPE-1") is None


def test_a_click_is_the_sessions_own_and_a_session_must_be_issued(fake_store, shopper) -> None:
    customer, _orders = customer_with(fake_store)
    session_id = shopper.sessions.start(shopper.sessions.demo_identity(customer))
    product = next(iter(fake_store.current.catalog))
    click = shopper.click(session_id, product.id)
    assert click["logged"] and click["customer_id"] == customer and click["session_id"] == session_id
    with pytest.raises(UnknownSession):
        shopper.click("never-issued", product.id)


def test_only_demo_mode_lists_customers_to_act_as(fake_store, shopper) -> None:
    listed = shopper.demo_customers()
    assert {c["id"] for c in listed} == {c.id for c in fake_store.db.customers()}
    with pytest.raises(InvalidMessage, match="demo mode"):
        fake_store.shopper(demo_mode=False).demo_customers()
    with pytest.raises(InvalidMessage, match="demo mode"):
        fake_store.shopper(demo_mode=False).sessions.demo_identity(listed[0]["id"])


def test_links_and_images_follow_the_safety_rules(shopper) -> None:
    assert "evil.example" not in shopper.echo("see [this](https://evil.example/x)")
    assert shopper.image_file("../secret.png") is None and shopper.image_file("missing.png") is None


# -- the copilot ------------------------------------------------------------------------------------------
def test_an_agent_sees_a_guests_order_only_after_the_guest_verified_it(fake_store) -> None:
    customer, orders = customer_with(fake_store)
    order = orders[0]
    email = fake_store.db.customer(customer).email
    conversations, copilot = fake_store.conversations, fake_store.copilot
    session_id = conversations.start(GUEST)

    asked = conversations.respond(session_id, f"where is order #{order.id}?")
    assert asked.order_ids == [] and "e-mail" in asked.text
    view = copilot.conversation(session_id)
    assert view["customer"] is None and view["order_ids"] == [] and order.id not in view["orders"]

    shown = conversations.respond(session_id, f"it's {email}")
    assert shown.order_ids == [order.id], shown.text
    assert copilot.conversation(session_id)["order_ids"] == [order.id]


def test_an_agent_sees_a_signed_in_customers_orders(fake_store, shopper) -> None:
    customer, orders = customer_with(fake_store)
    session_id = shopper.sessions.start(shopper.sessions.demo_identity(customer))
    shopper.respond(session_id, "hello")
    view = fake_store.copilot.conversation(session_id)
    assert view["customer_id"] == customer and view["order_ids"] == [o.id for o in orders]
    assert orders[0].id in view["orders"]


def test_the_queue_puts_open_tickets_first_and_a_ticket_closes_once(fake_store) -> None:
    conversations, copilot = fake_store.conversations, fake_store.copilot
    handed = conversations.start(GUEST)
    assert conversations.respond(handed, "I want to talk to a human").handoff
    later = conversations.start(GUEST)
    conversations.respond(later, "hello")

    queue = copilot.queue()
    assert queue[0]["session_id"] == handed and queue[0]["open_ticket"]
    assert copilot.queue_rows()[0][0] == handed
    closed = copilot.close_ticket_of(handed)
    assert closed["status"] == "closed"
    with pytest.raises(NoOpenTicket):
        copilot.close_ticket_of(handed)
    with pytest.raises(NoOpenTicket):
        copilot.close_ticket_of(later)
    with pytest.raises(LookupError):
        copilot.conversation("never-issued")


# -- the admin --------------------------------------------------------------------------------------------
def test_an_upload_names_what_is_missing_before_touching_the_store(fake_store) -> None:
    before = fake_store.db.count("products")
    with pytest.raises(ValueError, match="one of catalog, faq"):
        fake_store.admin.upload("products", "/tmp/catalog.jsonl")
    with pytest.raises(ValueError, match="Choose a .jsonl or .csv file"):
        fake_store.admin.upload("catalog", None)
    assert fake_store.db.count("products") == before


def test_reports_clamp_the_window(fake_store) -> None:
    assert fake_store.admin.reports(0)["days"] == 30  # no window given: the default
    assert fake_store.admin.reports(5000)["days"] == 366
    summary = fake_store.admin.reports(7)["summary"]
    assert summary and all(isinstance(k, str) for k in summary)
