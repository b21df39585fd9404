"""Alembic's environment for the store: migrates the connection ``knowledge.store.migrate`` passes in
(``config.attributes["connection"]``), against every table of ``knowledge.store.schema``."""

from __future__ import annotations

from alembic import context

from knowledge.store.schema import STORE_METADATA

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the store's migrations run from code: knowledge.store.migrate.upgrade_schema")

# render_as_batch: SQLite alters a table by copying it; autogenerate writes new revisions that way
context.configure(connection=connection, target_metadata=STORE_METADATA, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
