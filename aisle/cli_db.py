"""``aisle db``: the store database's schema, for an operator (``aisle db current``, ``aisle db upgrade``).

Any Aisle process brings the schema to the newest revision when it opens the store, so ``upgrade`` is
for an operator who wants the migration done (and seen) before starting the servers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from assistant.config import Settings
from assistant.errors import KnowledgeError

db_app = typer.Typer(help="The store database's schema (Alembic migrations).", no_args_is_help=True)

DataDir = Annotated[Path | None, typer.Option(help="state folder (default: settings)")]
DatabaseUrl = Annotated[str | None, typer.Option(help="SQLAlchemy URL (default: settings' database_url)")]


def _url(data_dir: Path | None, database_url: str | None) -> str:
    if database_url:
        return database_url
    return (Settings(data_dir=data_dir) if data_dir else Settings()).database_url


def _fail(exc: Exception) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@db_app.command("current")
def db_current(data_dir: DataDir = None, database_url: DatabaseUrl = None,
               as_json: Annotated[bool, typer.Option("--json", help="print as JSON")] = False) -> None:
    """The database's schema revision and the newest this Aisle knows; changes nothing."""
    from sqlalchemy.exc import SQLAlchemyError

    from knowledge.store.migrate import describe

    try:
        state = describe(_url(data_dir, database_url))
    except SQLAlchemyError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(state))
        return
    typer.echo(f"database: {state['database']}")
    if not state["exists"]:
        typer.echo("revision: none: there is no database file yet (the store makes it when first opened)")
    else:
        typer.echo(f"revision: {state['current'] or 'none (empty, or built before migrations)'}")
    typer.echo(f"newest:   {state['head']}" + ("" if state["up_to_date"] else "  (run `aisle db upgrade`)"))


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Migrate the database to the newest schema (one process at a time; nothing stored is lost)."""
    from sqlalchemy.exc import SQLAlchemyError

    from knowledge.store.database import StoreDatabase

    try:
        db = StoreDatabase(_url(data_dir, database_url))
    except (KnowledgeError, SQLAlchemyError) as exc:
        _fail(exc)
    before, after = db.schema_change
    db.engine.dispose()
    if before == after:
        typer.echo(f"already at the newest revision, {after}")
    else:
        typer.echo(f"upgraded from {before or 'no revision'} to {after}")
