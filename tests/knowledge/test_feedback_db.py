"""The feedback table on a temporary SQLite file: round trip, counts by rating, rejected ratings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from knowledge.schemas import MAX_FEEDBACK_TEXT, Feedback, Rating
from knowledge.store.database import StoreDatabase, feedback

T0 = datetime(2026, 5, 1, 12, 0, 0)


def rating(value: str, minutes: int = 0, **extra) -> Feedback:
    fields = {"session_id": "s1", "customer_id": "C1", "intent": "product_search", "reply_text": "Here you go.",
              "product_ids": ["P1", "P2"], "message_index": 1, **extra}
    return Feedback(rating=value, ts=T0 + timedelta(minutes=minutes), **fields)


@pytest.fixture
def db(store_url) -> StoreDatabase:
    return StoreDatabase(store_url)


def test_a_rating_round_trips_with_its_product_ids(db):
    record = rating("up")

    pk = db.add_feedback(record)

    assert pk == 1
    assert db.feedback() == [record]
    assert db.feedback()[0].product_ids == ["P1", "P2"]
    assert db.count("feedback") == 1


def test_ratings_are_listed_newest_first_and_limited(db):
    for minutes, value in enumerate(["up", "down", "up"]):
        db.add_feedback(rating(value, minutes, message_index=2 * minutes + 1))

    newest = db.feedback(limit=2)

    assert [f.message_index for f in newest] == [5, 3]
    assert [f.rating for f in newest] == [Rating.UP, Rating.DOWN]


def test_counts_by_rating_include_zero(db):
    assert db.feedback_counts() == {"up": 0, "down": 0}
    for value in ["up", "down", "down"]:
        db.add_feedback(rating(value))

    assert db.feedback_counts() == {"up": 1, "down": 2}


def test_a_guest_rating_without_a_known_reply(db):
    db.add_feedback(rating("down", customer_id="guest:s1", intent="", product_ids=[], message_index=None))

    [stored] = db.feedback()
    assert stored.customer_id == "guest:s1" and stored.message_index is None and stored.product_ids == []


def test_long_replies_are_truncated_and_timestamps_kept_in_utc(db):
    db.add_feedback(Feedback(session_id="s2", customer_id="C1", rating="up", reply_text="y" * 5000,
                             ts=datetime(2026, 5, 1, 16, 0, tzinfo=UTC)))

    [stored] = db.feedback()
    assert stored.reply_text == "y" * MAX_FEEDBACK_TEXT
    assert stored.ts == datetime(2026, 5, 1, 16, 0)  # naive UTC, like every stored timestamp


@pytest.mark.parametrize("value", ["meh", "", "UP!", None])
def test_a_bad_rating_is_rejected_before_it_reaches_the_table(db, value):
    with pytest.raises(ValidationError, match="rating"):
        db.add_feedback(rating(value))
    assert db.count("feedback") == 0


def test_the_table_itself_rejects_a_bad_rating(db):
    row = {"session_id": "s1", "customer_id": "C1", "rating": "meh", "ts": T0}
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(insert(feedback).values(**row))
    assert db.count("feedback") == 0


def test_a_journal_replay_applies_a_rating_once_on_every_engine(db, tmp_path):
    """A process killed between the commit and the journal's 'done' mark: the replay finds the rating
    already applied (its journal id is claimed in ``journal_applied``) and stores nothing twice."""
    from knowledge.store.journal import Journal, apply_entry

    journal = Journal(tmp_path / "journal")
    payload = rating("up").model_dump(mode="json")
    entry_id = journal.append("feedback", payload, "rating")
    [entry] = journal.pending()
    assert entry.id == entry_id and apply_entry(db, entry)  # committed; the 'done' line never written

    report = journal.replay(db)

    assert (report.applied, report.already, report.left) == (0, 1, 0)
    assert db.feedback_counts() == {"up": 1, "down": 0}
    assert journal.pending() == []
