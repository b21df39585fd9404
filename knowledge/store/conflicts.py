"""Inserts that skip or overwrite a row whose key is already stored, in each database's own SQL.

SQLite and PostgreSQL both say ``INSERT ... ON CONFLICT``; SQLAlchemy builds it from each dialect's
own ``insert``. Another database gets ``None``, and the caller falls back to portable SQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite


def upsert_insert(conn: Any, table: Table) -> Any | None:
    """``table``'s dialect-specific insert with ``on_conflict_do_nothing``/``on_conflict_do_update``,
    or ``None`` when ``conn``'s database has no ``ON CONFLICT``."""
    name = conn.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    return None
