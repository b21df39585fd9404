"""Column types shared by the store's tables.

Every timestamp is stored as naive UTC (see ``knowledge.schemas.UtcDatetime``). SQLite keeps a
datetime's wall time and drops its offset; PostgreSQL's ``timestamp without time zone`` would convert
an aware value to the server's time zone first. ``UtcDateTime`` converts an aware value to naive UTC
before either sees it, so a value reads back the same on both.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A ``DateTime`` column holding naive UTC; an aware value is converted on the way in."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value
