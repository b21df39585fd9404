"""Pure helpers of the web app: the copilot's views, the HTML of comparisons and chips, and an
agent's message as the shopper sees it (sign-in tokens: ``tests/assistant/test_identity.py``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from assistant.product_views import comparison_rows, product_details
from assistant.services.copilot_views import queue_order, queue_rows, sources_markdown, transcript_messages
from knowledge.schemas import Product
from knowledge.store.conversations import Conversation, Message, Role
from knowledge.store.tickets import HandoffReason, Ticket
from ui.cards import chips_html

T0 = datetime(2026, 3, 1, 12, 0)


# -- the copilot's views -------------------------------------------------------------------------
def _conversation(session_id: str, minutes: int, ticket_id: str = "", last: str = "") -> Conversation:
    return Conversation(session_id, "C001", T0, T0 + timedelta(minutes=minutes), ticket_id, 2, last)


def _ticket(pk: int, session_id: str, minutes: int) -> Ticket:
    return Ticket(f"HT-{pk}", session_id, "C001", HandoffReason.ASKED, "summary",
                  created=T0 + timedelta(minutes=minutes))


def test_the_queue_puts_open_tickets_first_oldest_ticket_first_then_by_recency() -> None:
    recent = [_conversation("s-new", 50), _conversation("t-late", 40), _conversation("s-mid", 30),
              _conversation("t-early", 20), _conversation("s-old", 10)]
    open_tickets = [_ticket(1, "t-early", 1), _ticket(2, "t-late", 2)]  # the store's queue: oldest first

    ordered = [c.session_id for c in queue_order(recent, open_tickets)]

    assert ordered == ["t-early", "t-late", "s-new", "s-mid", "s-old"]


def test_queue_rows_mark_the_open_ticket_and_show_guests() -> None:
    closed = Conversation("s-closed", "", T0, T0 + timedelta(minutes=5), "HT-7", 4, "thanks " * 30)
    rows = queue_rows([closed, _conversation("t-1", 1, last="help")], [_ticket(3, "t-1", 0)])
    assert rows[0] == ["t-1", "C001", "HT-3 (open)", "Mar 01 12:01", "help"]
    assert rows[1][:3] == ["s-closed", "guest", "HT-7"] and len(rows[1][4]) == 80


def test_the_transcript_shows_agent_messages_with_their_author() -> None:
    messages = [Message(1, "s", Role.USER, "where is my order?", T0),
                Message(2, "s", Role.ASSISTANT, "It shipped.", T0, intent="order_status", resolution="answered"),
                Message(3, "s", Role.AGENT, "I checked: it arrives Friday.", T0, author="Ana")]
    assert transcript_messages(messages) == [
        {"role": "user", "content": "where is my order?"},
        {"role": "assistant", "content": "It shipped."},
        {"role": "assistant", "content": "**Agent Ana:** I checked: it arrives Friday."},
    ]


def test_sources_markdown_lists_faq_product_and_order_ids() -> None:
    text = sources_markdown({"faq_ids": ["returns-window"], "product_ids": ["SHO-001", "SHO-002"],
                             "order_ids": ["MM-100001"]}, ["Order MM-100001: shipped"])
    assert "**Policy (FAQ):** `returns-window`" in text
    assert "**Products:** `SHO-001`, `SHO-002`" in text
    assert "**Orders:** `MM-100001`" in text
    assert text.endswith("Order MM-100001: shipped")
    assert sources_markdown({}) == "_No records were needed for this reply._"
    assert sources_markdown({"faq_ids": [], "product_ids": [], "order_ids": []}).startswith("_No records")


# -- comparison rows and chips -------------------------------------------------------------------
def _product(pid: str, price: float, brand: str, **attributes: str | list[str]) -> Product:
    return Product(id=pid, title=f"Shoe {pid}", brand=brand, category="shoes", price=price, stock=3,
                   rating=4.5, review_count=12, attributes=attributes, description="A shoe.")


def test_comparison_rows_have_price_brand_and_every_attribute() -> None:
    a = _product("A-1", 74.99, "Pacewell", color=["blue", "black"], drop="8 mm")
    b = _product("B-2", 1299.5, "Stridecraft", weight="250 g")

    rows = comparison_rows([product_details(a), product_details(b)])

    assert rows[0] == ["", "Shoe A-1", "Shoe B-2"]
    by_name = {r[0]: r[1:] for r in rows[1:]}
    assert by_name["Price"] == ["$74.99", "$1,299.50"]
    assert by_name["Brand"] == ["Pacewell", "Stridecraft"]
    assert by_name["Rating"] == ["★ 4.5 (12)", "★ 4.5 (12)"]
    assert by_name["Stock"] == ["3 in stock", "3 in stock"]
    assert by_name["drop"] == ["8 mm", "—"] and by_name["weight"] == ["—", "250 g"]
    assert by_name["color"] == ["blue, black", "—"]
    assert all(len(r) == 3 for r in rows)


def test_chips_html_has_a_remove_button_per_chip_with_an_escaped_chip() -> None:
    html = chips_html(["running shoes", 'size "9" <b>'])
    assert html.count('data-chip="') == 2
    assert 'data-chip="running shoes"' in html
    assert 'data-chip="size &quot;9&quot; &lt;b&gt;"' in html and "<b>" not in html
    assert 'aria-label="Remove filter running shoes"' in html
    assert "data-chip" not in chips_html(["blue"], removable=False)
    assert "No filters yet" in chips_html([])


def test_an_agent_bubble_is_signed_by_the_team() -> None:
    from ui.shopper import agent_bubble

    message = Message(9, "s", Role.AGENT, "Your parcel arrives Friday.", T0, author="Ana").to_dict()
    assert agent_bubble(message) == {"role": "assistant",
                                     "content": "**Support team (Ana):** Your parcel arrives Friday."}
    anonymous = Message(10, "s", Role.AGENT, "Hi!", T0).to_dict()
    assert agent_bubble(anonymous)["content"] == "**Support team (agent):** Hi!"
