"""FeedbackLog on a temporary SQLite store: card clicks (signed in and guest) and reply ratings."""

from __future__ import annotations

from datetime import datetime

import pytest

from assistant.errors import AisleError, InvalidFeedback
from assistant.feedback import FeedbackLog, event_customer_id
from assistant.session import SessionState, Turn
from knowledge.catalog import Catalog
from knowledge.schemas import Customer, EventType, Product, Rating
from knowledge.store.database import StoreDatabase

NOW = datetime(2026, 11, 23, 12, 0, 0)


def product(pid: str) -> Product:
    return Product(id=pid, title=f"Item {pid}", brand="Acme", category="home", price=10.0, stock=3,
                   description="A thing.")


@pytest.fixture
def db(store_url) -> StoreDatabase:
    db = StoreDatabase(store_url)
    db.sync_products([product("P1"), product("P2"), product("P3")])
    db.upsert_customers([Customer(id="C1", name="Ann", email="ann@example.com")])
    return db


@pytest.fixture
def log(db) -> FeedbackLog:
    catalog = Catalog(db.products())
    return FeedbackLog(db, lambda pid: pid in catalog, lambda cid: db.customer(cid) is not None, lambda: NOW)


def chatted(**fields) -> SessionState:
    """A session with two exchanges, as the assistant records them (history indexes 0-3)."""
    state = SessionState(**fields)
    state.turns = [Turn("user", "lamps", "product_search"),
                   Turn("assistant", "Here are two lamps.", "product_search", ("P1", "P2")),
                   Turn("user", "do you ship to Canada?", "faq"),
                   Turn("assistant", "Yes, we ship to Canada.", "faq")]
    return state


# -- clicks --------------------------------------------------------------------------------------
def test_a_signed_in_click_is_the_newest_event_in_the_customer_history(log, db):
    state = SessionState(session_id="sess1", customer_id="C1")

    click = log.click(state, "P2")

    assert click.customer_id == "C1" and click.new
    [event] = db.history("C1")
    assert (event.product_id, event.event, event.session_id, event.ts) == ("P2", EventType.CLICK, "sess1", NOW)


def test_a_guest_click_is_stored_under_the_session(log, db):
    state = SessionState(session_id="abc123")

    click = log.click(state, " P1 ")

    assert click.customer_id == event_customer_id(state) == "guest:abc123"
    assert [(e.product_id, e.event) for e in db.history("guest:abc123")] == [("P1", EventType.CLICK)]


def test_the_same_click_at_the_same_time_is_stored_once(log, db):
    state = SessionState(session_id="s1", customer_id="C1")
    assert log.click(state, "P1").new
    assert not log.click(state, "P1").new
    assert len(db.history("C1")) == 1


@pytest.mark.parametrize("state, product_id, message", [
    (SessionState(session_id="s1"), "NOPE-9", "Unknown product id 'NOPE-9'"),
    (SessionState(session_id="s1"), "", "Unknown product id ''"),
    (SessionState(session_id="s1", customer_id="C404"), "P1", "Unknown customer 'C404'"),
    (SessionState(session_id=""), "P1", "Session id '' is not valid"),
    (SessionState(session_id="a b<script>"), "P1", "is not valid"),
])
def test_bad_clicks_are_refused_with_a_clear_error(log, db, state, product_id, message):
    with pytest.raises(InvalidFeedback, match=message) as caught:
        log.click(state, product_id)
    assert isinstance(caught.value, AisleError)
    assert db.count("interactions") == 0


# -- ratings -------------------------------------------------------------------------------------
def test_a_rating_by_history_index_records_the_reply_intent_and_products(log, db):
    record = log.rate(chatted(session_id="s1", customer_id="C1"), "up", message_index=1)

    assert db.feedback() == [record]
    assert (record.rating, record.intent, record.product_ids) == (Rating.UP, "product_search", ["P1", "P2"])
    assert (record.customer_id, record.session_id, record.message_index, record.ts) == ("C1", "s1", 1, NOW)
    assert record.reply_text == "Here are two lamps."


def test_a_guest_rating_by_text_finds_the_turn_when_the_index_is_stale(log, db):
    record = log.rate(chatted(session_id="g1"), "DOWN", message_index=7, reply_text="Yes, we ship to Canada.")

    assert (record.customer_id, record.rating, record.intent, record.product_ids) == ("guest:g1", "down", "faq", [])
    assert db.feedback_counts() == {"up": 0, "down": 1}


def test_a_reply_the_session_no_longer_holds_is_stored_with_its_text(log, db):
    record = log.rate(SessionState(session_id="gone"), "up", 3, "  An old reply.  ")

    assert (record.reply_text, record.intent, record.product_ids, record.message_index) == (
        "An old reply.", "", [], 3)


@pytest.mark.parametrize("rating, index, text, message", [
    ("meh", 1, "", "A rating is 'up' or 'down', not 'meh'"),
    ("", 1, "", "A rating is 'up' or 'down'"),
    ("up", 0, "", "Which reply?"),  # index 0 is the shopper's own message
    ("up", 99, "", "Which reply?"),
    ("up", None, "", "Which reply?"),
    ("up", -1, "", "negative"),
])
def test_bad_ratings_are_refused_with_a_clear_error(log, db, rating, index, text, message):
    with pytest.raises(InvalidFeedback, match=message):
        log.rate(chatted(session_id="s1", customer_id="C1"), rating, index, text)
    assert db.count("feedback") == 0
