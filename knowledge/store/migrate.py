"""Bring a store's database to the newest schema with Alembic, driven from code (no alembic.ini).

The migration scripts live in ``knowledge/store/migrations/`` (``env.py`` reads the tables of
``knowledge.store.schema``; ``versions/`` holds one file per revision, the first being the baseline:
the schema as ``create_all`` built it before migrations). Opening a store (``StoreDatabase``) calls
``upgrade_schema``, so a store is always at head once open; ``aisle db upgrade`` / ``aisle db current``
do the same for an operator.

A database built by ``create_all`` (tables, but no ``alembic_version``) is upgraded like an empty one:
the baseline creates only the tables that are missing, so nothing stored is touched, and records the
baseline revision.

Several processes may open one database at once (Aisle behind a load balancer). Only one migrates:
on PostgreSQL the upgrade runs in one transaction holding a transaction-level advisory lock (DDL is
transactional there, so a failed migration leaves the previous schema); on an SQLite file an
``flock`` on ``<file>.migrate.lock`` serialises them. Whoever waited finds the schema at head.
Within a process a lock keeps threads apart too (Alembic's ``context`` is process-global: two
threads migrating at once, even two databases, would run each other's operations).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, text

from knowledge.errors import SchemaTooNew

MIGRATIONS = Path(__file__).parent / "migrations"
# Alembic's ``context`` and ``op`` are module-level proxies: one migration at a time in a process
_ALEMBIC = threading.Lock()
# pg_advisory_xact_lock's key: any bigint, the same in every process ("Aisle" in ASCII)
ADVISORY_LOCK_KEY = int.from_bytes(b"Aisle", "big")


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code; ``env.py`` migrates ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, f"no migrations in {MIGRATIONS}"
    return head


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at (None: never migrated, e.g. empty or built by ``create_all``)."""
    return MigrationContext.configure(conn).get_current_revision()


def _known(revision: str) -> bool:
    return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None


def _check_known(revision: str | None) -> None:
    try:
        known = revision is None or _known(revision)
    except Exception:  # noqa: BLE001 - alembic raises for an unknown id
        known = False
    if not known:
        raise SchemaTooNew(f"the store's database is at schema revision {revision}, which this Aisle does not "
                           f"know (its newest is {head_revision()}): it was migrated by a newer Aisle; run that "
                           "version, or restore a backup taken before the upgrade")


@contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    fd = os.open(f"{database}.migrate.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another process is migrating this file: wait for it
        yield
    finally:
        os.close(fd)


def upgrade_schema(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Migrate the database to ``revision`` (default: the newest) unless it is there already;
    returns (the revision before, the revision after)."""
    target = head_revision() if revision == "head" else revision
    with engine.connect() as conn:
        before = current_revision(conn)
    if before == target:  # the usual case: nothing to lock, nothing to load
        return before, target
    _check_known(before)
    with _ALEMBIC, _file_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        before = current_revision(conn)  # another process may have migrated while this one waited
        if before != target:
            _check_known(before)
            command.upgrade(alembic_config(conn), revision)
    return before, target


def describe(url: str) -> dict[str, Any]:
    """What ``aisle db current`` prints: the database (password hidden), its revision and the newest;
    changes nothing."""
    engine = create_engine(url)
    file = engine.url.database if engine.dialect.name == "sqlite" else None
    exists = not file or file == ":memory:" or file.startswith("file:") or Path(file).is_file()
    current = None
    try:
        if exists:  # (connecting would create an SQLite file)
            with engine.connect() as conn:
                current = current_revision(conn)
    finally:
        engine.dispose()
    return {"database": engine.url.render_as_string(hide_password=True), "exists": exists, "current": current,
            "head": head_revision(), "up_to_date": current == head_revision()}


def write_revision(engine: Engine, message: str) -> str:
    """For a developer who changed a table: write a new revision into ``migrations/versions/`` with what
    autogenerate finds between the tables declared in code and ``engine``'s database (at head first).
    Read it before committing: autogenerate misses renames and some type changes."""
    upgrade_schema(engine)
    with engine.connect() as conn:
        script = command.revision(alembic_config(conn), message=message, autogenerate=True)
    path = script.path if script is not None and not isinstance(script, list) else ""
    return str(path)
