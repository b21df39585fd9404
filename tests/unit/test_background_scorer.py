"""The interest scorer trained behind a running server (``aisle/background_scorer.py``), on both
sample stores built on fakes: the training starts only when the store has no trained scorer and no
other training holds the lock; its progress file is what the admin shows (not started, running, done,
failed); and the server ranks with a new scorer as soon as the training writes its card.

Each test works on a copy of the store's ``Services`` with its own data folder (the database and
index shared), so the scorer, lock and progress files written here never reach another test."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aisle.background_scorer import ScorerWatch, start_training, training_command
from assistant.session import SessionState
from recommender.cross_encoder import CARD_FILE, read_card, update_card
from recommender.scorer import EmbeddingInterestScorer
from recommender.store_scorer import CrossEncoderInterestScorer
from recommender.training_progress import ProgressFile, TrainingRunning, training_lock, training_running
from ui.admin_tab import training_markdown

REPO = Path(__file__).resolve().parents[2]
# A held-out validation as ``recommender.store_validation.validate`` records it in the scorer's card.
VALIDATION = {"cases": 30, "chosen": "embedding",
              "results": {"embedding": {"weights": {"relevance": 0.6, "interest": 0.8, "popularity": 0.0},
                                        "ndcg10": 0.31, "hr10": 0.52},
                          "cross-encoder": {"weights": {"relevance": 0.6, "interest": 0.5, "popularity": 0.05},
                                            "ndcg10": 0.29, "hr10": 0.5}}}


@pytest.fixture
def store(fake_store, tmp_path: Path):
    """The sample store with a data folder of its own (no scorer, no lock, no progress file)."""
    from aisle.wiring import Services

    copy = Services(fake_store.settings.model_copy(update={"data_dir": tmp_path / "store"}))
    copy.__dict__.update(db=fake_store.db, index=fake_store.index, embedder=fake_store.embedder, llm=fake_store.llm)
    return copy


def write_card(services, validation: dict | None) -> Path:
    """The card a training writes: first when the fine-tuned model is saved, then with its validation."""
    scorer_dir = services.scorer_dir
    scorer_dir.mkdir(parents=True, exist_ok=True)
    update_card(scorer_dir, pairs=2800, data="700 next-item cases")
    if validation is not None:
        update_card(scorer_dir, validation=validation)
    return scorer_dir / CARD_FILE


SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_training_starts_only_without_a_scorer_and_never_twice(store) -> None:
    data_dir = store.settings.data_dir
    with training_lock(data_dir):  # another process is training this store
        assert training_running(data_dir)
        assert start_training(store, SLEEPER) is None
    assert not training_running(data_dir)

    write_card(store, None)  # a training stopped between the fine-tune and its validation: not a scorer
    assert not store.has_trained_scorer()
    child = start_training(store, SLEEPER)
    assert child is not None
    try:
        assert child.poll() is None  # running in the background
    finally:
        child.kill()
        child.wait()

    write_card(store, VALIDATION)
    assert store.has_trained_scorer()
    assert start_training(store, SLEEPER) is None


def test_a_second_training_is_refused_by_the_lock(store) -> None:
    """`aisle scorer train` (the background child's own command, at the lowest priority) stops at
    once while another process holds the store's training lock, and writes no progress over it."""
    data_dir = store.settings.data_dir
    command = training_command(data_dir)
    assert command[-2:] == ["--nice", "19"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "AISLE_CONFIG": "/nonexistent/aisle.toml", "NO_COLOR": "1"}
    with training_lock(data_dir):
        result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "already being trained" in result.stderr
    assert store.admin.training()["state"] == "not started"
    with training_lock(data_dir), pytest.raises(TrainingRunning):  # the admin's own retrain too
        store.train_scorer(progress=False)


def test_the_admin_follows_the_training_from_its_progress_file(store) -> None:
    data_dir = store.settings.data_dir
    status = store.admin.training()
    assert status == {"state": "not started", "ranking_with": "embedding"}
    assert "not trained yet" in training_markdown(status)

    progress = ProgressFile(data_dir, min_interval_s=0.0)
    with training_lock(data_dir):
        progress.started()
        progress.step("fine-tuning", 640, 2800)
        status = store.admin.training()
        assert (status["state"], status["step"], status["done"], status["total"]) == ("running", "fine-tuning", 640, 2800)
        assert status["elapsed_s"] >= 0 and status["pid"] == os.getpid() and status["ranking_with"] == "embedding"
        assert "640 of 2800 training pairs" in training_markdown(status)
        progress.step("validating", 12, 200)
        assert store.admin.training()["step"] == "validating"

    # the lock is gone but the file still says "running": that training was killed
    status = store.admin.training()
    assert status["state"] == "failed" and "stopped before it finished" in status["error"]

    with training_lock(data_dir):
        progress.started()
        write_card(store, VALIDATION)
        progress.finished(read_card(store.scorer_dir))
    status = store.admin.training()
    assert (status["state"], status["chosen"], status["cases"], status["ranking_with"]) == ("done", "embedding", 30,
                                                                                            "embedding")
    assert set(status["results"]) == {"embedding", "cross-encoder"}
    assert "chose **embedding affinity** (NDCG@10: embedding 0.3100, cross-encoder 0.2900)" in training_markdown(status)


def test_a_scorer_trained_before_progress_files_reads_as_done(store) -> None:
    write_card(store, {**VALIDATION, "chosen": "cross-encoder"})
    status = store.admin.training()
    assert (status["state"], status["chosen"], status["ranking_with"]) == ("done", "cross-encoder", "cross-encoder")


def test_a_failed_training_says_why_and_the_chat_keeps_embedding_affinity(store, tmp_path: Path) -> None:
    """A real training run through ``Services.train_scorer`` whose base model is missing."""
    store.settings = store.settings.model_copy(
        update={"embedder": store.settings.embedder.model_copy(update={"model": str(tmp_path / "no-such-model")})})
    with pytest.raises(Exception):  # noqa: B017  (whatever the model loader raises is recorded as it is)
        store.train_scorer(progress=False, max_cases=20, validation_cases=5)
    status = store.admin.training()
    assert status["state"] == "failed" and "no-such-model" in status["error"]
    assert status["ranking_with"] == "embedding"
    assert "training failed" in training_markdown(status)
    assert not training_running(store.settings.data_dir)  # the lock went with the failure
    assert isinstance(store.current.ranker.scorer, EmbeddingInterestScorer)
    reply = store.current.assistant.respond(SessionState(customer_id="C001"), "running shoes")
    assert reply.text


def test_the_server_ranks_with_a_new_scorer_as_soon_as_its_card_appears(store) -> None:
    before = store.current
    assert isinstance(before.ranker.scorer, EmbeddingInterestScorer) and before.ranker.weights.interest == 0.3
    watch = ScorerWatch(store)
    assert not watch.check()  # nothing changed: nothing rebuilt
    assert store.current is before

    write_card(store, VALIDATION)  # the background training wrote its validated card
    assert watch.check()
    ranker = store.current.ranker
    assert store.current is not before
    assert (ranker.weights.relevance, ranker.weights.interest, ranker.weights.popularity) == (0.6, 0.8, 0.0)
    reply = store.current.assistant.respond(SessionState(customer_id="C001"), "running shoes")
    assert reply.products

    # the watch's own thread: a new validation that chose the cross-encoder is picked up by itself
    watch.start(every_s=0.05)
    try:
        update_card(store.scorer_dir, validation={**VALIDATION, "chosen": "cross-encoder"})
        deadline = time.monotonic() + 10
        while not isinstance(store.current.ranker.scorer, CrossEncoderInterestScorer):
            assert time.monotonic() < deadline, "the watch did not reload the store"
            time.sleep(0.05)
    finally:
        watch.stop()
    assert store.current.ranker.weights.interest == 0.5


def test_the_staff_api_shows_the_training(store) -> None:
    """The admin's ``/training`` endpoint on a served staff app reads the same progress file."""
    from gradio_client import Client

    from aisle.web import create_server
    from ui.server import BackgroundServer

    progress = ProgressFile(store.settings.data_dir, min_interval_s=0.0)
    with BackgroundServer(create_server(store, staff_password="", customer_picker=True)) as server:
        staff = Client(f"{server.url}/staff/", verbose=False)
        assert staff.predict(api_name="/training")["state"] == "not started"
        with training_lock(store.settings.data_dir):
            progress.started()
            progress.step("validating", 40, 200)
            status = staff.predict(api_name="/training")
        assert (status["state"], status["step"], status["done"], status["total"]) == ("running", "validating", 40, 200)
        progress.failed(RuntimeError("the store has no interactions to learn from"))
        status = staff.predict(api_name="/training")
        assert status["state"] == "failed" and "no interactions" in status["error"]
        assert status["ranking_with"] == "embedding"


def test_another_processs_ingest_reaches_this_ones_store(fake_store, store, tmp_path: Path) -> None:
    """Several processes serve one store: an ingest through one (its admin's upload) changes the
    database's data version, and the others' watch rebuilds their catalog and search from it."""
    from aisle.wiring import Services
    from knowledge.ingest import ingest_store

    other = Services(fake_store.settings.model_copy(update={"data_dir": tmp_path / "other"}))
    other.__dict__.update(db=fake_store.db, index=fake_store.index, embedder=fake_store.embedder)
    before = store.current
    watch = ScorerWatch(store)
    assert not watch.check()
    ingest_store(other.db, other.index, other.settings.data_dir, {}, other.lexical_path)  # the other process
    assert watch.check() and store.current is not before
    assert not watch.check()  # once


def test_the_watch_reaps_the_background_training_when_it_ends(store) -> None:
    child = start_training(store, [sys.executable, "-c", "raise SystemExit(3)"])
    assert child is not None
    watch = ScorerWatch(store, child)
    watch.start(every_s=0.05)
    try:
        deadline = time.monotonic() + 30
        while watch.training is not None:
            assert time.monotonic() < deadline, "the ended training was never reaped"
            time.sleep(0.05)
    finally:
        watch.stop()
    assert child.returncode == 3  # reaped: no zombie left behind a long-running server
