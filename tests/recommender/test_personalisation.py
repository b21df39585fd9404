"""Two demo shoppers with different histories get different rankings for the same request."""

from __future__ import annotations

import pytest

from assistant.session import SessionState

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_same_request_different_shoppers_different_rankings(assistant, catalog) -> None:
    maya = assistant.respond(SessionState(customer_id="C001"), "gift ideas under $60")  # runner, hiker
    daniel = assistant.respond(SessionState(customer_id="C002"), "gift ideas under $60")  # cook, home
    assert maya.product_ids != daniel.product_ids
    assert all(p.price <= 60 for p in maya.products + daniel.products)
    maya_cats = {catalog.require(p).category for p in maya.product_ids}
    daniel_cats = {catalog.require(p).category for p in daniel.product_ids}
    assert maya_cats & {"sports", "outdoor", "shoes"}
    assert daniel_cats & {"kitchen", "home"}


def test_returning_shopper_gets_reasons_from_history(assistant) -> None:
    reply = assistant.respond(SessionState(customer_id="C001"), "running shoes under $80")
    reasons = [p.reason for p in reply.products]
    assert any("you bought" in r for r in reasons), reasons
    guest = assistant.respond(SessionState(), "running shoes under $80")
    assert all("no history yet" in p.reason for p in guest.products)


def test_a_trained_scorer_is_picked_up_by_the_ranker(settings, services) -> None:
    """`aisle scorer train` on a copy of the demo store: the ranker then scores interest with the
    fine-tuned cross-encoder and still explains each item from the shopper's history."""
    from assistant.services import Services
    from recommender.store_scorer import CrossEncoderInterestScorer

    assert services.is_built()
    copy = Services(settings)
    copy.settings = settings.model_copy(update={"data_dir": settings.data_dir / "scorer-test"})
    copy.__dict__.update(db=services.db, index=services.index, embedder=services.embedder)
    copy.train_scorer(progress=False, max_cases=40)
    assert isinstance(copy.ranker.scorer, CrossEncoderInterestScorer)
    reply = copy.assistant.respond(SessionState(customer_id="C001"), "running shoes under $80")
    assert reply.products and all(p.price <= 80 for p in reply.products)
    assert all(0.0 <= p.score <= 2.0 for p in reply.products)
