"""The three faces of Aisle in a real browser: the shopper widget (also embedded and on a phone),
the agent copilot and the store admin, against the demo store and the real models."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.browser]

BOT = "[aria-label^=\"bot's message\"]"


def ask(page, text: str, root=None) -> str:
    """Send a message and wait for the whole reply (the box clears when it is complete)."""
    from playwright.sync_api import expect

    root = root or page
    replies = root.locator(BOT).count()
    box = root.locator("#aisle-message textarea")
    box.fill(text)
    box.press("Enter")
    expect(root.locator(BOT)).to_have_count(replies + 1)
    expect(box).to_have_value("")
    return root.locator(BOT).last.inner_text()


def eventually(check: Callable[[], object], timeout: float = 20.0):
    """The value of ``check`` once it is truthy (events are written by the server as they arrive)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def loopback_only(page, server) -> list[str]:
    return [url for url in page.requested if not url.startswith(server.url) and not url.startswith("data:")]


def test_shopper_gets_cards_and_a_card_click_is_logged(open_page, server, services) -> None:
    from playwright.sync_api import expect

    page = open_page("/")
    reply = ask(page, "running shoes under $80 for flat feet")

    assert "$" in reply
    expect(page.locator("#aisle-chips")).to_contain_text("under $80.00")
    cards = page.locator("#aisle-cards [data-product-id]")
    assert cards.count() >= 2
    prices = [float(p.replace("$", "").replace(",", "")) for p in cards.locator(".p").all_inner_texts()]
    assert prices and all(p <= 80 for p in prices)

    first = cards.first
    product_id = first.get_attribute("data-product-id")
    first.locator(".t").click()
    expect(page.locator(f'#aisle-details [data-detail-id="{product_id}"]')).to_be_visible()
    clicks = eventually(lambda: [e for c, events in services.db.events_by_customer().items() if c.startswith("guest:")
                                 for e in events if e.product_id == product_id and e.event.value == "click"])
    assert clicks, "the card click was not stored as an interaction"
    assert loopback_only(page, server) == [], "the page fetched something from outside Aisle"


def test_a_filter_chip_can_be_removed_and_two_cards_compared(open_page) -> None:
    from playwright.sync_api import expect

    page = open_page("/")
    ask(page, "running shoes under $80 for flat feet")
    page.locator('#aisle-chips [data-chip="under $80.00"]').click()
    expect(page.locator(BOT).last).to_contain_text('Removed the filter "under $80.00"')
    expect(page.locator("#aisle-chips")).not_to_contain_text("under $80.00")
    expect(page.locator("#aisle-chips")).to_contain_text("running shoes")

    cards = page.locator("#aisle-cards [data-product-id]")
    titles = cards.locator(".t").all_inner_texts()[:2]
    page.locator("#aisle-cards [data-compare]").nth(0).click()
    expect(page.locator("#aisle-cards [data-compare]").nth(0)).to_have_attribute("aria-pressed", "true")
    page.locator("#aisle-cards [data-compare]").nth(1).click()
    table = page.locator("#aisle-details [data-compare-table]")
    expect(table).to_be_visible()
    for title in titles:
        expect(table).to_contain_text(title)
    expect(table).to_contain_text("Price")


def test_a_thumbs_down_is_stored_with_the_rated_reply(open_page, services) -> None:
    page = open_page("/")
    reply = ask(page, "do you ship to Canada?")

    def downs() -> list:
        return [f for f in services.db.feedback(limit=10_000) if f.rating.value == "down" and f.intent == "faq"]

    before = len(downs())
    page.locator("#aisle-chat button[aria-label='Dislike']").last.click()

    assert eventually(lambda: len(downs()) > before), "the thumbs-down was not stored"
    newest = max(downs(), key=lambda f: f.pk if hasattr(f, "pk") else f.ts)
    assert newest.reply_text.split()[:3] == reply.split()[:3]


def test_the_widget_works_on_a_phone_and_embedded_in_a_store_page(open_page, server) -> None:
    from playwright.sync_api import expect

    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
             "device_scale_factor": 2}
    page = open_page("/", **phone)
    ask(page, "a water bottle for hiking")
    assert page.evaluate("document.documentElement.scrollWidth") <= 392, "the page scrolls sideways on a phone"
    box = page.locator("#aisle-message textarea").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.locator("#aisle-cards [data-product-id]").first.scroll_into_view_if_needed()
    expect(page.locator("#aisle-cards [data-product-id]").first).to_be_in_viewport()

    store = open_page("/embed/example", **phone)
    store.locator("#aisle-launcher").click()
    expect(store.locator("#aisle-chat-frame")).to_be_visible()
    assert "embed=1" in (store.locator("#aisle-chat-frame").get_attribute("src") or "")
    frame = store.frame_locator("#aisle-chat-frame")
    expect(frame.locator("#aisle-message textarea")).to_be_visible()
    expect(frame.locator("#aisle-customer")).to_be_hidden()  # an embedded shopper can't pick an identity
    frame_reply = ask(store, "do you ship to Canada?", root=frame)
    assert frame_reply.strip()
    assert loopback_only(store, server) == [] and loopback_only(page, server) == []


def test_a_store_page_signs_its_shopper_in_with_a_one_time_token(browser, services, open_page) -> None:
    """A real store's server (no demo picker): a valid token signs its customer in once; the same
    URL again is a guest. The demo's own page says it is in demo mode."""
    from playwright.sync_api import expect

    from aisle.web import create_server
    from assistant.identity import mint_embed_token
    from ui.server import BackgroundServer

    expect(open_page("/").locator("#aisle-demo-mode")).to_contain_text("Demo mode")
    secret = "browser-test-secret-" + "b" * 20
    customer = "C002"
    own = {o.id for o in services.db.orders_for(customer)}
    with BackgroundServer(create_server(services, customer_picker=False, embed_secret=secret,
                                        staff_password="pw")) as store:
        url = f"{store.url}/?embed=1&token={mint_embed_token(customer, secret)}"
        context = browser.new_context()
        try:
            page = context.new_page()
            page.set_default_timeout(90_000)
            page.goto(url)
            expect(page.locator("#aisle-demo-mode")).to_have_count(0)
            expect(page.locator("#aisle-customer")).to_have_count(0)
            signed_in = ask(page, "where is my order?")
            assert any(order_id in signed_in for order_id in own), signed_in
            page.goto(url)  # the same token again: a replay, so a guest
            replayed = ask(page, "where is my order?")
            assert not any(order_id in replayed for order_id in own) and "e-mail" in replayed, replayed
        finally:
            context.close()


def test_a_handoff_reaches_the_copilot_and_the_agents_edited_reply_reaches_the_shopper(open_page, services) -> None:
    from playwright.sync_api import expect

    shop = open_page("/")
    ask(shop, "where is my order?")
    reply = ask(shop, "I want to talk to a human")
    ticket_id = re.search(r"HT-\d+", reply).group(0)  # type: ignore[union-attr]

    staff = open_page("/staff/")
    staff.locator("#copilot-refresh").click()
    cell = staff.locator("#copilot-queue [role=gridcell]", has_text=f"{ticket_id} (open)").first
    expect(cell).to_be_visible()
    cell.click()  # selects the row: its conversation opens
    expect(staff.locator("#copilot-transcript")).to_contain_text("I want to talk to a human")
    expect(staff.locator("#copilot-profile")).to_contain_text(ticket_id)
    suggestion = staff.locator("#copilot-reply textarea")
    expect(suggestion).not_to_have_value("", timeout=120_000)
    expect(staff.locator("#copilot-sources")).not_to_contain_text("Writing a suggestion")

    edited = "Hi, Ana from the support team here. Could you share your order number so I can check it?"
    suggestion.fill(edited)
    staff.locator("#copilot-author input, #copilot-author textarea").first.fill("Ana")
    staff.locator("#copilot-send").click()
    expect(staff.locator("#copilot-status")).to_contain_text("Sent")
    expect(staff.locator("#copilot-transcript")).to_contain_text(edited)

    expect(shop.locator("#aisle-chat")).to_contain_text(edited, timeout=30_000)  # the widget polls every 2 s
    expect(shop.locator("#aisle-chat")).to_contain_text("Support team (Ana)")
    [ticket] = [t for t in services.tickets.queue("open") if t.id == ticket_id]
    sent = [m for m in services.conversation_store.messages(ticket.session_id) if m.role.value == "agent"]
    assert [(m.author, m.text) for m in sent] == [("Ana", edited)]


def test_an_admin_upload_lists_the_bad_row_by_line_and_keeps_the_rest(open_page, services, tmp_path) -> None:
    from playwright.sync_api import expect

    upload = tmp_path / "new-customers.csv"
    upload.write_text("id,name,email,city,joined\n"
                      "CUP-1,Rosa Diaz,rosa.diaz@example.com,Austin TX,2025-01-02\n"
                      "CUP-2,No Email,not-an-email,Austin TX,2025-01-03\n"
                      "CUP-3,Omar Haddad,omar.haddad@example.com,Leeds,2025-02-04\n")

    staff = open_page("/staff/")
    staff.get_by_role("tab", name="Store admin").click()
    staff.locator("#admin-kind input").click()
    staff.get_by_role("option", name="customers").click()
    staff.locator("#admin-file input[type=file]").set_input_files(str(upload))
    expect(staff.locator("#admin-file")).to_contain_text("new-customers")  # the name and ".csv" are two spans
    staff.locator("#admin-import").click()

    expect(staff.locator("#admin-result")).to_contain_text("1 bad row(s) skipped")
    errors = staff.locator("#admin-errors")
    expect(errors).to_contain_text("new-customers.csv")
    expect(errors).to_contain_text("email")
    assert "3" in errors.locator("[role=gridcell]").all_inner_texts()  # the bad row's line (header: line 1)
    assert services.db.customer("CUP-1") is not None and services.db.customer("CUP-3") is not None
    assert services.db.customer("CUP-2") is None
