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


def test_training_validates_on_held_out_customers_and_the_ranker_follows_the_card(settings, services) -> None:
    """`aisle scorer train` on a copy of the demo store: the card records both scorers' held-out
    NDCG@10 with their tuned blend weights, and the chat's ranker uses whichever the card chose."""
    from aisle.wiring import Services
    from recommender.cross_encoder import read_card, update_card
    from recommender.onnx_scorer import OnnxCrossEncoderScorer
    from recommender.scorer import EmbeddingInterestScorer
    from recommender.store_scorer import CrossEncoderInterestScorer
    from recommender.store_training import RESCORE_TOP
    from recommender.store_validation import GRID

    assert services.is_built()
    copy = Services(settings)
    copy.settings = settings.model_copy(update={"data_dir": settings.data_dir / "scorer-test"})
    copy.__dict__.update(db=services.db, index=services.index, embedder=services.embedder)
    out = copy.train_scorer(progress=False, max_cases=40, validation_cases=30)
    validation = read_card(out)["validation"]
    assert validation["cases"] == 30 and set(validation["results"]) == {"embedding", "cross-encoder"}
    for result in validation["results"].values():
        assert 0.0 <= result["ndcg10"] <= result["hr10"] <= 1.0
        assert all(result["weights"][k] in GRID[k] for k in GRID)
    chosen = validation["chosen"]
    assert validation["results"][chosen]["ndcg10"] == max(r["ndcg10"] for r in validation["results"].values())
    expected = CrossEncoderInterestScorer if chosen == "cross-encoder" else EmbeddingInterestScorer
    assert isinstance(copy.current.ranker.scorer, expected)
    assert copy.current.ranker.weights.relevance == validation["results"][chosen]["weights"]["relevance"]
    # validated as the chat ranks: the scorer re-scores the first stage's top candidates only
    assert validation["rescore_top"] == RESCORE_TOP == copy.current.ranker.rescore_top

    # whichever won here, the chat works on the fine-tuned scorer too
    validation["chosen"] = "cross-encoder"
    update_card(out, validation=validation)
    copy.reload()
    assert isinstance(copy.current.ranker.scorer, CrossEncoderInterestScorer)
    assert isinstance(copy.current.ranker.scorer.model, OnnxCrossEncoderScorer)
    reply = copy.current.assistant.respond(SessionState(customer_id="C001"), "running shoes under $80")
    assert reply.products and all(p.price <= 80 for p in reply.products)
    assert any("you bought" in p.reason or "similar to" in p.reason for p in reply.products)
