"""The admin's reports on a temporary SQLite file, written through the real stores across three days."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from knowledge.schemas import EventType, Feedback, Interaction
from knowledge.store.conversations import ConversationStore, Resolution
from knowledge.store.database import StoreDatabase
from knowledge.store.reports import StoreReports

D1 = datetime(2026, 5, 1, 9, 0)
D2 = D1 + timedelta(days=1)
D3 = D1 + timedelta(days=2)


@pytest.fixture
def db(store_url) -> StoreDatabase:
    return StoreDatabase(store_url)


def turn(store: ConversationStore, session: str, intent: str, resolution: Resolution, now: datetime,
         products: list[str] | None = None) -> None:
    store.record_turn(session, "C1", "hi", "reply", intent, resolution,
                      {"product_ids": products or [], "faq_ids": [], "order_ids": []}, now)


def click(db: StoreDatabase, session: str, product: str, ts: datetime,
          event: EventType = EventType.CLICK) -> None:
    db.add_interactions([Interaction(customer_id="C1", product_id=product, event=event, ts=ts,
                                     session_id=session)])


def rate(db: StoreDatabase, rating: str, ts: datetime) -> None:
    db.add_feedback(Feedback(session_id="s1", customer_id="C1", rating=rating, ts=ts))


@pytest.fixture
def reports(db) -> StoreReports:
    store = ConversationStore(db)
    # day 1: two searches showing 3 + 1 cards, one FAQ answer; day 2: a handoff; day 3: an unanswered search
    turn(store, "s1", "product_search", Resolution.ANSWERED, D1, ["P1", "P2", "P3"])
    turn(store, "s1", "faq", Resolution.ANSWERED, D1 + timedelta(minutes=5))
    turn(store, "s2", "product_search", Resolution.ANSWERED, D1 + timedelta(hours=1), ["P9"])
    turn(store, "s2", "order_status", Resolution.HANDED_OFF, D2)
    turn(store, "s3", "product_search", Resolution.UNANSWERED, D3, ["P5", "P6"])
    store.add_agent_message("s2", "An agent here", "ana", {"product_ids": ["P7"]}, D2 + timedelta(minutes=1))

    click(db, "s1", "P1", D1 + timedelta(minutes=1))
    click(db, "s1", "P1", D1 + timedelta(minutes=2))  # the same pair again that day: counted once
    click(db, "s1", "P2", D1 + timedelta(minutes=3))
    click(db, "s1", "P4", D1 + timedelta(minutes=4))  # never shown in s1
    click(db, "s1", "P3", D1 + timedelta(minutes=5), EventType.VIEW)  # not a click
    click(db, "web", "P1", D1 + timedelta(minutes=6))  # not a stored conversation
    click(db, "s2", "P7", D2 + timedelta(minutes=2))  # shown by an agent, not an assistant reply
    click(db, "s1", "P3", D2)  # shown in s1 the day before: counts on day 2
    click(db, "s3", "P5", D3 - timedelta(minutes=1))  # before s3's reply showed it

    rate(db, "up", D1)
    rate(db, "up", D1 + timedelta(hours=2))
    rate(db, "down", D3)
    return StoreReports(db)


def test_intents_count_assistant_replies_per_day(reports):
    assert reports.intents() == [
        {"day": "2026-05-01", "intent": "faq", "count": 1},
        {"day": "2026-05-01", "intent": "product_search", "count": 2},
        {"day": "2026-05-02", "intent": "order_status", "count": 1},
        {"day": "2026-05-03", "intent": "product_search", "count": 1},
    ]


def test_resolution_rows_are_zero_filled_for_every_day_with_a_reply(reports):
    rows = reports.resolution()

    assert len(rows) == 9
    assert {(r["day"], r["resolution"]): r["count"] for r in rows} == {
        ("2026-05-01", "answered"): 3, ("2026-05-01", "handed off"): 0, ("2026-05-01", "unanswered"): 0,
        ("2026-05-02", "answered"): 0, ("2026-05-02", "handed off"): 1, ("2026-05-02", "unanswered"): 0,
        ("2026-05-03", "answered"): 0, ("2026-05-03", "handed off"): 0, ("2026-05-03", "unanswered"): 1,
    }
    assert [r["day"] for r in rows] == sorted(r["day"] for r in rows)


def test_feedback_counts_ratings_per_day(reports):
    assert reports.feedback() == [
        {"day": "2026-05-01", "rating": "up", "count": 2},
        {"day": "2026-05-01", "rating": "down", "count": 0},
        {"day": "2026-05-03", "rating": "up", "count": 0},
        {"day": "2026-05-03", "rating": "down", "count": 1},
    ]


def test_click_through_counts_only_clicks_on_products_the_session_was_shown(reports):
    assert reports.click_through() == [
        {"day": "2026-05-01", "impressions": 4, "clicks": 2, "ctr": 0.5},
        {"day": "2026-05-02", "impressions": 0, "clicks": 1, "ctr": 0.0},
        {"day": "2026-05-03", "impressions": 2, "clicks": 0, "ctr": 0.0},
    ]


def test_summary_totals_the_window(reports):
    assert reports.summary() == {
        "start": "2026-04-04", "end": "2026-05-03", "conversations": 3, "replies": 5,
        "answered_share": 0.6, "handed_off_share": 0.2, "unanswered_share": 0.2,
        "thumbs_up": 2, "thumbs_down": 1, "impressions": 6, "clicks": 3, "ctr": 0.5,
    }


def test_the_window_ends_on_today_and_spans_days(reports):
    # the two days ending on May 2: the third day's rows are cut off, and so is anything before May 1
    two_days = reports.intents(days=2, today=date(2026, 5, 2))
    assert [r["day"] for r in two_days] == ["2026-05-01", "2026-05-01", "2026-05-02"]
    assert reports.click_through(days=1, today=date(2026, 5, 2)) == [
        {"day": "2026-05-02", "impressions": 0, "clicks": 1, "ctr": 0.0}]
    assert [r["day"] for r in reports.feedback(days=1)] == ["2026-05-03", "2026-05-03"]
    summary = reports.summary(days=1, today=date(2026, 5, 2))
    assert (summary["start"], summary["end"], summary["conversations"], summary["replies"]) == (
        "2026-05-02", "2026-05-02", 1, 1)
    assert (summary["handed_off_share"], summary["thumbs_up"], summary["clicks"], summary["ctr"]) == (
        1.0, 0, 1, 0.0)
    assert reports.resolution(days=7, today=date(2026, 4, 30)) == []


def test_today_defaults_to_the_latest_stored_day(reports, db):
    assert reports.latest_day() == date(2026, 5, 3)
    rate(db, "down", D3 + timedelta(days=4))
    assert reports.latest_day() == date(2026, 5, 7)
    assert [r["day"] for r in reports.intents(days=5)] == ["2026-05-03"]


def test_an_empty_database_reports_nothing(db):
    reports = StoreReports(db)  # creates the conversation tables itself

    assert reports.latest_day() == date.today()
    assert reports.intents() == reports.resolution() == reports.feedback() == reports.click_through() == []
    summary = reports.summary()
    assert summary["end"] == date.today().isoformat()
    assert {k: v for k, v in summary.items() if k not in ("start", "end")} == {
        "conversations": 0, "replies": 0, "answered_share": 0.0, "handed_off_share": 0.0,
        "unanswered_share": 0.0, "thumbs_up": 0, "thumbs_down": 0, "impressions": 0, "clicks": 0, "ctr": 0.0,
    }


def test_days_must_be_positive(reports):
    with pytest.raises(ValueError):
        reports.intents(days=0)
