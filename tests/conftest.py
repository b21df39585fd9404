"""Shared fixtures: one demo store per test session, built with the real bundled models."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Tests never read the developer's aisle.toml or AISLE_* variables, and never reach a hub.
for _key in [k for k in os.environ if k.startswith("AISLE_")]:
    del os.environ[_key]
os.environ["AISLE_CONFIG"] = "/nonexistent/aisle.toml"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.config import Settings  # noqa: E402
from knowledge.demo_store.simulate import NOW  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
# The converted LLM is cached in the repo's state folder and shared across test runs.
MODELS_DIR = REPO / ".aisle" / "models"
TEST_SAFETY = {"per_client_rate": "2000/minute", "per_session_rate": "200/minute"}
# Every turn asks the LLM, however slow the machine: what a test sees must not depend on timing (the
# default "auto" skips the LLM's lead when recent leads were slow; tests/unit/test_lead_gate.py and test_lead_garnish.py test that).
TEST_LLM = {"garnish": "always"}


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # Every web test calls from 127.0.0.1, so the per-client limit is raised; tests of the limits
    # themselves build their own.
    return Settings(data_dir=tmp_path_factory.mktemp("store"), models_dir=MODELS_DIR, clock=NOW,
                    safety=TEST_SAFETY, llm=TEST_LLM)


@pytest.fixture(scope="session")
def services(settings: Settings):
    from aisle.wiring import Services

    services = Services(settings)
    services.build_demo(progress=False)
    return services


@pytest.fixture(scope="session")
def assistant(services):
    return services.current.assistant


@pytest.fixture(scope="session")
def catalog(services):
    return services.current.catalog


@pytest.fixture(scope="session")
def embedder(services):
    return services.embedder



@pytest.fixture(scope="session")
def second_store(services, tmp_path_factory: pytest.TempPathFactory):
    """"Harbor & Pine" (``tests/second_store.py``), imported through ``Services.ingest`` as ``aisle
    ingest`` does, on the same loaded models as the demo store."""
    from aisle.wiring import Services
    from tests.second_store import STORE_NAME, write_second_store

    tmp = tmp_path_factory.mktemp("second-store")
    paths = write_second_store(tmp / "files")
    store = Services(Settings(data_dir=tmp / "store", models_dir=MODELS_DIR, clock=NOW, store_name=STORE_NAME,
                              safety=TEST_SAFETY, llm=TEST_LLM))
    store.__dict__["embedder"] = services.embedder  # the bundled models, loaded once
    store.__dict__["llm"] = services.llm
    report = store.ingest(**paths)
    assert not report.errors, report.lines()
    return store


@pytest.fixture(scope="session")
def kestrel(services, tmp_path_factory: pytest.TempPathFactory):
    """The second bundled sample store, "Kestrel Supply" (EUR, its own policy, ``N`` + 7-digit order
    numbers), built as ``aisle demo --store kestrel`` builds it, on the demo's loaded models."""
    from aisle.wiring import Services

    store = Services(Settings(data_dir=tmp_path_factory.mktemp("kestrel"), models_dir=MODELS_DIR, clock=NOW,
                              safety=TEST_SAFETY, llm=TEST_LLM))
    store.__dict__["embedder"] = services.embedder
    store.__dict__["llm"] = services.llm
    report = store.build_demo(progress=False, store="kestrel")
    assert not report.errors, report.lines()
    return store


@pytest.fixture(scope="session", params=["demo", "kestrel", "imported"])
def any_store(request: pytest.FixtureRequest):
    """The two bundled stores and "Harbor & Pine", imported with ``aisle ingest`` and no policy file."""
    return request.getfixturevalue({"demo": "services", "kestrel": "kestrel", "imported": "second_store"}[request.param])


# Fixtures that load a real model (the bundled MiniLM embedder or the LLM) or build a store with one,
# and the servers built on them. A test that uses any of them, directly or through another fixture, is
# ``slow``: ``pytest -m "not slow"`` is the unit tier, on fakes, in seconds.
REAL_MODEL_FIXTURES = frozenset({
    "services", "assistant", "catalog", "embedder", "second_store", "kestrel", "any_store",
    "server", "client", "staff", "session_for", "open_page",  # tests/ui, tests/browser, tests/load
    "store_assistant",  # tests/assistant/test_store_intents.py
    "small_store",  # tests/faults/test_faults.py: a store ingested with the real embedder
})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if REAL_MODEL_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


# -- real PostgreSQL and Redis (started by `.ci/services`, which `make test` runs) ----------------------
# Tests that need them skip when they are not running (a bare `pytest`), except where REQUIRE_TEST_SERVICES
# is set (CI): there a missing server fails the test instead of hiding it.
_POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "")
_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


def _service_missing(name: str, variable: str) -> None:
    message = f"{name} is not running ({variable} unset): `eval \"$(bash .ci/services)\"` starts it"
    if os.environ.get("REQUIRE_TEST_SERVICES"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test (an SQLAlchemy URL), dropped afterwards."""
    if not _POSTGRES_ADMIN_URL:
        _service_missing("PostgreSQL", "TEST_POSTGRES_URL")
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"aisle_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(_POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def redis_url() -> str:
    """The test Redis server's URL. Tests share it: each keeps to keys of its own (a unique prefix)."""
    if not _REDIS_URL:
        _service_missing("Redis", "TEST_REDIS_URL")
    return _REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own on the shared test Redis; its keys are deleted afterwards."""
    import uuid

    import redis

    prefix = f"aisle-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store's database on both engines Aisle runs on: an SQLite file in a folder not yet made
    (the default), and a fresh PostgreSQL database (skipped where PostgreSQL is not running)."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'state' / 'aisle.db'}"
