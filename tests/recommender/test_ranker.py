"""The first-stage ranker: history moves similar items up, reasons come from data, cold start says so."""

from __future__ import annotations

from datetime import datetime

import pytest

from knowledge.catalog import Catalog
from knowledge.retrieval.embed import HashingEmbedder
from knowledge.schemas import EventType, Interaction, Product
from recommender.history import collapse_events
from recommender.ranker import Ranker
from recommender.scorer import EmbeddingInterestScorer
from recommender.types import Candidate, HistoryItem

APRIL, MAY = datetime(2026, 4, 3, 10), datetime(2026, 5, 9, 18)


def _candidates() -> list[Candidate]:
    # equal relevance: only history and popularity can separate them
    return [Candidate("K1", "Cast iron skillet", "cast iron skillet pan kitchen cooking sear", 0.5, 0.2),
            Candidate("S1", "Trail running shoe", "trail running shoe grip mud mountain", 0.5, 0.2),
            Candidate("T1", "Wooden puzzle", "wooden puzzle toddler toy", 0.5, 0.9)]


def _history(text: str, title: str, event: str = "purchase", pid: str = "H1") -> list[HistoryItem]:
    return [HistoryItem(pid, title, text, event, MAY)]


@pytest.fixture()
def ranker() -> Ranker:
    return Ranker(EmbeddingInterestScorer(HashingEmbedder()))


def test_history_moves_the_similar_item_to_the_top(ranker) -> None:
    runner = ranker.rank(_candidates(), _history("trail running shoe lightweight grip mud", "Ridge Trail Runner"))
    cook = ranker.rank(_candidates(), _history("cast iron skillet cooking sear steak", "Iron Pan", pid="H2"))
    assert runner[0].product_id == "S1"
    assert cook[0].product_id == "K1"
    assert runner[0].components["interest"] > runner[-1].components["interest"]


def test_reason_names_the_history_item_and_month(ranker) -> None:
    top = ranker.rank(_candidates(), _history("trail running shoe grip mud mountain", "Ridge Trail Runner"))[0]
    assert top.reason == "similar to the Ridge Trail Runner you bought in May"


def test_an_item_seen_before_says_so(ranker) -> None:
    history = _history("trail running shoe grip mud mountain", "Trail running shoe", "add_to_cart", pid="S1")
    top = ranker.rank(_candidates(), history)[0]
    assert (top.product_id, top.reason) == ("S1", "you added this to your cart in May")


def test_cold_start_ranks_by_relevance_and_popularity_and_says_so(ranker) -> None:
    ranked = ranker.rank(_candidates(), [])
    assert ranked[0].product_id == "T1"  # the popular one, relevance being equal
    assert all("no history yet" in r.reason for r in ranked)
    assert all(r.components["interest"] == 0.0 for r in ranked)


def test_empty_candidates_rank_to_nothing(ranker) -> None:
    assert ranker.rank([], _history("x", "X")) == []


def test_stored_vectors_are_used_instead_of_embedding_again() -> None:
    class Counting(HashingEmbedder):
        calls = 0

        def embed(self, texts):
            Counting.calls += len(texts)
            return super().embed(texts)

    base = HashingEmbedder()
    stored = {c.product_id: base.embed([c.text])[0] for c in _candidates()}
    scorer = EmbeddingInterestScorer(Counting(), stored=lambda ids: {i: stored[i] for i in ids if i in stored})
    scorer.score(_history("trail shoe", "T"), _candidates())
    assert Counting.calls == 1  # only the history item, which has no stored vector


def _product(pid: str) -> Product:
    return Product(id=pid, title=f"Thing {pid}", brand="B", category="home", price=10, stock=1, description="d")


def test_collapse_events_keeps_one_item_per_product_with_its_strongest_event() -> None:
    catalog = Catalog([_product("A"), _product("B")])
    events = [Interaction(customer_id="C", product_id="A", event=EventType.VIEW, ts=MAY),
              Interaction(customer_id="C", product_id="A", event=EventType.PURCHASE, ts=APRIL),
              Interaction(customer_id="C", product_id="B", event=EventType.CLICK, ts=APRIL),
              Interaction(customer_id="C", product_id="GONE", event=EventType.VIEW, ts=MAY)]
    items = collapse_events(events, catalog)
    assert [(i.product_id, i.event) for i in items] == [("A", "purchase"), ("B", "click")]
    assert items[0].ts == APRIL  # dated by the purchase, the event the reason will name


class _Recording(EmbeddingInterestScorer):
    """Embedding affinity that remembers which candidates it was asked about."""

    seen: list[str]

    def score(self, history, candidates):
        self.seen = [c.product_id for c in candidates]
        return super().score(history, candidates)


def _spread_candidates() -> list[Candidate]:
    return [Candidate(f"C{i}", f"Item {i}", f"item {i} kitchen pan" if i % 2 else f"item {i} trail shoe",
                      relevance=1.0 - 0.1 * i, popularity=0.1) for i in range(6)]


def test_rescore_top_asks_the_scorer_about_the_first_stages_best_only() -> None:
    scorer = _Recording(HashingEmbedder())
    ranked = Ranker(scorer, rescore_top=3).rank(_spread_candidates()[::-1], _history("trail shoe", "Trail Shoe"))
    assert sorted(scorer.seen) == ["C0", "C1", "C2"]  # the three most relevant, whatever the input order
    assert {r.product_id for r in ranked[:3]} == {"C0", "C1", "C2"}
    assert [r.product_id for r in ranked[3:]] == ["C3", "C4", "C5"]  # first-stage order below them
    assert all(r.components["interest"] == 0.0 for r in ranked[3:])
    assert not any("no history yet" in r.reason for r in ranked)  # the shopper has a history


def test_rescore_top_changes_nothing_when_there_are_few_candidates_or_no_history() -> None:
    history = _history("trail running shoe grip mud mountain", "Ridge Trail Runner")
    full = Ranker(EmbeddingInterestScorer(HashingEmbedder())).rank(_candidates(), history)
    top = Ranker(EmbeddingInterestScorer(HashingEmbedder()), rescore_top=3).rank(_candidates(), history)
    assert full == top
    cold = Ranker(EmbeddingInterestScorer(HashingEmbedder()), rescore_top=1).rank(_candidates(), [])
    assert cold[0].product_id == "T1" and all("no history yet" in r.reason for r in cold)
