"""The store admin's reports over time, read from the stored conversations, feedback and events.

Every series covers a window of ``days`` calendar days ending on ``today`` (inclusive; timestamps are
naive UTC, so days are UTC days). ``today`` defaults to the latest day with a stored message or rating,
so a demo or an idle store still shows its data, and to ``date.today()`` when nothing is stored. Each
series is a list of row dicts sorted by day, ``day`` an ISO date string, ready for a table or a plot:

- ``intents``: assistant replies per day per intent (``"unknown"`` where a reply has none).
- ``resolution``: assistant replies per day by how the turn ended (answered, handed off,
  unanswered); every day with a reply has a row for all three, zeros included, so stacks are stable.
- ``feedback``: thumbs up and down per day from the feedback table, both ratings on every rated day.
- ``click_through``: impressions are the product cards shown in assistant replies that day (the
  length of each reply's ``sources.product_ids``); clicks are ``click`` events from a stored
  conversation's session on a product an assistant reply in that session had shown at or before the
  click, each (session, product) pair counted once a day; ``ctr`` is clicks / impressions.
- ``summary``: the window's totals: conversations, replies, resolution shares, ratings and overall CTR.

Rows are grouped by day in Python after a windowed select, which keeps the SQL portable.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from knowledge.schemas import EventType, Rating
from knowledge.store.conversations import Resolution, Role, conversations, messages
from knowledge.store.database import StoreDatabase, feedback, interactions

RESOLUTIONS = [r.value for r in Resolution]
RATINGS = [r.value for r in Rating]


def _product_ids(sources: str | None) -> list[str]:
    ids = json.loads(sources or "{}").get("product_ids") or []
    return [str(i) for i in ids]


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _filled(counts: Counter[tuple[str, str]], key: str, values: list[str]) -> list[dict[str, Any]]:
    """Rows for every value on every day seen in ``counts``, zeros included."""
    days = sorted({day for day, _ in counts})
    return [{"day": day, key: value, "count": counts[(day, value)]} for day in days for value in values]


class StoreReports:
    """Daily series and window totals for the admin's reports page."""

    def __init__(self, db: StoreDatabase):
        self.db = db

    # -- the window ---------------------------------------------------------------------------
    def latest_day(self) -> date:
        """The latest day with a stored message or rating, or ``date.today()`` when there is none."""
        with self.db.engine.connect() as conn:
            stamps = [conn.execute(select(func.max(messages.c.ts))).scalar(),
                      conn.execute(select(func.max(feedback.c.ts))).scalar()]
        found = [s for s in stamps if s is not None]
        return max(found).date() if found else date.today()

    def window(self, days: int = 30, today: date | None = None) -> tuple[datetime, datetime]:
        """``[start, end)`` covering the ``days`` days ending on ``today``."""
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}")
        last = today or self.latest_day()
        end = datetime.combine(last + timedelta(days=1), time.min)
        return end - timedelta(days=days), end

    def _replies(self, days: int, today: date | None) -> list[Any]:
        start, end = self.window(days, today)
        m = messages.c
        query = (select(m.session_id, m.intent, m.resolution, m.sources, m.ts)
                 .where(m.role == Role.ASSISTANT.value, m.ts >= start, m.ts < end).order_by(m.pk))
        with self.db.engine.connect() as conn:
            return list(conn.execute(query).all())

    # -- the series -----------------------------------------------------------------------------
    def intents(self, days: int = 30, today: date | None = None) -> list[dict[str, Any]]:
        """Rows ``{"day", "intent", "count"}``: assistant replies per day per intent."""
        counts = Counter((r.ts.date().isoformat(), r.intent or "unknown") for r in self._replies(days, today))
        return [{"day": day, "intent": intent, "count": n} for (day, intent), n in sorted(counts.items())]

    def resolution(self, days: int = 30, today: date | None = None) -> list[dict[str, Any]]:
        """Rows ``{"day", "resolution", "count"}``, all three resolutions on every day with a reply."""
        counts = Counter((r.ts.date().isoformat(), r.resolution) for r in self._replies(days, today))
        return _filled(counts, "resolution", RESOLUTIONS)

    def feedback(self, days: int = 30, today: date | None = None) -> list[dict[str, Any]]:
        """Rows ``{"day", "rating", "count"}``: thumbs up and down per day, both on every rated day."""
        start, end = self.window(days, today)
        f = feedback.c
        with self.db.engine.connect() as conn:
            rows = conn.execute(select(f.ts, f.rating).where(f.ts >= start, f.ts < end)).all()
        return _filled(Counter((ts.date().isoformat(), rating) for ts, rating in rows), "rating", RATINGS)

    def click_through(self, days: int = 30, today: date | None = None) -> list[dict[str, Any]]:
        """Rows ``{"day", "impressions", "clicks", "ctr"}`` for every day with impressions or clicks."""
        impressions: Counter[str] = Counter()
        for reply in self._replies(days, today):
            impressions[reply.ts.date().isoformat()] += len(_product_ids(reply.sources))
        clicks: Counter[str] = Counter(day for day, _, _ in self._clicks(days, today))
        return [{"day": day, "impressions": impressions[day], "clicks": clicks[day],
                 "ctr": _share(clicks[day], impressions[day])}
                for day in sorted(set(impressions) | set(clicks))]

    def _clicks(self, days: int, today: date | None) -> set[tuple[str, str, str]]:
        """Distinct ``(day, session_id, product_id)`` clicks on products the session's replies showed."""
        start, end = self.window(days, today)
        i, m = interactions.c, messages.c
        with self.db.engine.connect() as conn:
            events = conn.execute(
                select(i.ts, i.session_id, i.product_id)
                .where(i.event == EventType.CLICK.value, i.ts >= start, i.ts < end,
                       i.session_id.in_(select(conversations.c.session_id)))
            ).all()
            sessions = sorted({e.session_id for e in events})
            shown = conn.execute(
                select(m.session_id, m.sources, m.ts)
                .where(m.role == Role.ASSISTANT.value, m.session_id.in_(sessions), m.ts < end)
            ).all() if sessions else []
        first_shown: dict[tuple[str, str], datetime] = {}
        for reply in shown:
            for product_id in _product_ids(reply.sources):
                key = (reply.session_id, product_id)
                first_shown[key] = min(first_shown.get(key, reply.ts), reply.ts)
        found = set()
        for e in events:
            shown_at = first_shown.get((e.session_id, e.product_id))
            if shown_at is not None and shown_at <= e.ts:
                found.add((e.ts.date().isoformat(), e.session_id, e.product_id))
        return found

    def summary(self, days: int = 30, today: date | None = None) -> dict[str, Any]:
        """Totals over the window: conversations, replies, resolution shares, ratings and overall CTR."""
        start, end = self.window(days, today)
        replies = self._replies(days, today)
        resolutions = Counter(r.resolution for r in replies)
        ratings: Counter[str] = Counter()
        for row in self.feedback(days, today):
            ratings[row["rating"]] += row["count"]
        impressions = sum(len(_product_ids(r.sources)) for r in replies)
        clicks = len(self._clicks(days, today))
        with self.db.engine.connect() as conn:
            sessions = conn.execute(select(func.count(func.distinct(messages.c.session_id)))
                                    .where(messages.c.ts >= start, messages.c.ts < end)).scalar_one()
        return {
            "start": start.date().isoformat(), "end": (end - timedelta(days=1)).date().isoformat(),
            "conversations": int(sessions), "replies": len(replies),
            "answered_share": _share(resolutions[Resolution.ANSWERED.value], len(replies)),
            "handed_off_share": _share(resolutions[Resolution.HANDED_OFF.value], len(replies)),
            "unanswered_share": _share(resolutions[Resolution.UNANSWERED.value], len(replies)),
            "thumbs_up": ratings[Rating.UP.value], "thumbs_down": ratings[Rating.DOWN.value],
            "impressions": impressions, "clicks": clicks, "ctr": _share(clicks, impressions),
        }

