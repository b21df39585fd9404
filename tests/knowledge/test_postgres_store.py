"""Both bundled stores imported into PostgreSQL through the real ingest path (``Services.build_demo``,
as ``aisle demo --store NAME`` with ``database_url`` set), with the bundled embedder: the database holds
what the same import stored in SQLite, and importing the files again stores nothing new."""

from __future__ import annotations

from pathlib import Path

import pytest

from aisle.wiring import Services
from assistant.config import Settings
from knowledge.demo_store.simulate import NOW
from knowledge.sample_stores import SAMPLE_STORES
from tests.conftest import MODELS_DIR, TEST_LLM, TEST_SAFETY


def _contents(store: Services) -> dict[str, object]:
    db = store.db
    return {"products": db.products(), "faq": db.faq_entries(), "customers": db.customers(),
            "orders": {c.id: db.orders_for(c.id) for c in db.customers()}, "events": db.events_by_customer(),
            "meta": {k: db.meta(k) for k in ("origin", "sample_store", "store_name")}}


def _built(key: str, services: Services, data_dir: Path, database_url: str = "") -> Services:
    """A new store built from the bundled sample ``key`` (on the session's loaded models)."""
    store = Services(Settings(data_dir=data_dir, models_dir=MODELS_DIR, clock=NOW, database_url=database_url,
                              safety=TEST_SAFETY, llm=TEST_LLM))
    store.__dict__["embedder"] = services.embedder  # the bundled model, loaded once
    store.__dict__["llm"] = services.llm
    report = store.build_demo(progress=False, store=key)
    assert not report.errors, report.lines()
    return store


@pytest.mark.parametrize("key", list(SAMPLE_STORES))
def test_a_bundled_store_imports_into_postgres_as_into_sqlite_and_again_adds_nothing(
        key, postgres_url, services, tmp_path):
    # a fresh SQLite build to compare with: the session's stores change as other tests act on them
    on_sqlite = _built(key, services, tmp_path / "sqlite")
    store = _built(key, services, tmp_path / "postgres", postgres_url)


    assert store.db.engine.dialect.name == "postgresql"
    assert _contents(store) == _contents(on_sqlite)
    assert len(store.current.catalog) == len(on_sqlite.current.catalog)

    again = store.ingest(**SAMPLE_STORES[key].paths())

    stored = {f.kind: f.stored for f in again.files}
    assert stored["interactions"] == 0, again.lines()
    assert not stored["catalog"].changed and not stored["faq"].changed
    assert store.db.count("interactions") == on_sqlite.db.count("interactions")
