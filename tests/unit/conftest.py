"""The unit tier: an ``Assistant`` built from fakes, in seconds, with no real model.

``fake_store`` is a bundled sample store ("maple-main", then "kestrel") built as ``aisle demo`` builds
it, in a temporary folder, with two fakes injected before the build:

* ``HashingEmbedder`` (``knowledge.retrieval.embed``) for the bundled MiniLM embedder: a deterministic
  bag-of-words hash, so search is lexical-ish and the intent classifier's embedding vote means nothing;
  tests assert only what cues and rules decide (order numbers, handoff words, "compare" with items
  shown, the order policy, slot extraction);
* ``FakeChatModel`` (``assistant.llm``) for the LLM: it returns no text, so every reply is the
  deterministic lead the reply writer falls back to.

Everything else is real: the SQLite database, the order log, the policy file, the catalog, and an
embedded Chroma index in the temporary folder. The clock is ``knowledge.demo_store.simulate.NOW``, the
simulated store's "today". None of these tests is ``slow``: ``pytest -m "not slow"`` runs them.
"""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.llm import FakeChatModel
from knowledge.demo_store.simulate import NOW
from knowledge.retrieval.embed import HashingEmbedder

FAKE_STORES = ["maple-main", "kestrel"]


def build_fake_store(data_dir, store: str):
    """A ``Services`` for the bundled sample ``store`` on the fakes, built in ``data_dir``."""
    from aisle.wiring import Services

    services = Services(Settings(data_dir=data_dir, clock=NOW,
                                 safety={"per_client_rate": "2000/minute", "per_session_rate": "200/minute"}))
    services.__dict__["embedder"] = HashingEmbedder()
    services.__dict__["llm"] = FakeChatModel()
    report = services.build_demo(progress=False, store=store)
    assert not report.errors, report.lines()
    return services


@pytest.fixture(scope="session", params=FAKE_STORES)
def fake_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Each bundled sample store in turn, built on the fakes (see the module docstring)."""
    return build_fake_store(tmp_path_factory.mktemp(f"fake-{request.param}"), request.param)
