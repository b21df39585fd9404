"""HR@k and NDCG@k with one relevant item, checked by hand and (when installed) against ranx."""

from __future__ import annotations

import math
import random

import pytest

from recommender.metrics import hit_rate_at_k, ndcg_at_k, paired_bootstrap, summarize

RANKING = [f"p{i}" for i in range(12)]  # p0 is ranked first


def test_perfect_ranking_scores_one() -> None:
    for k in (1, 5, 10):
        assert hit_rate_at_k(RANKING, "p0", k) == 1.0
        assert ndcg_at_k(RANKING, "p0", k) == 1.0


def test_target_third_gives_half_ndcg() -> None:
    assert ndcg_at_k(RANKING, "p2", 5) == 0.5  # 1 / log2(2 + 2), exactly
    assert hit_rate_at_k(RANKING, "p2", 5) == 1.0
    assert ndcg_at_k(RANKING, "p2", 2) == 0.0  # rank 2 is outside the top 2


def test_target_at_rank_seven_hits_at_ten_only() -> None:
    assert hit_rate_at_k(RANKING, "p7", 5) == 0.0
    assert ndcg_at_k(RANKING, "p7", 5) == 0.0
    assert hit_rate_at_k(RANKING, "p7", 10) == 1.0
    assert ndcg_at_k(RANKING, "p7", 10) == pytest.approx(1 / math.log2(9))
    assert ndcg_at_k(RANKING, "p7", 8) == pytest.approx(1 / math.log2(9))  # last place still inside k
    assert hit_rate_at_k(RANKING, "p7", 7) == 0.0


def test_absent_target_is_a_miss() -> None:
    assert hit_rate_at_k(RANKING, "zz", 10) == 0.0
    assert ndcg_at_k(RANKING, "zz", 10) == 0.0
    assert hit_rate_at_k([], "p0", 5) == 0.0
    assert ndcg_at_k([], "p0", 5) == 0.0


def test_k_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="k must be at least 1"):
        hit_rate_at_k(RANKING, "p0", 0)


def test_summarize_means_over_cases() -> None:
    cases = [(RANKING, "p0"),   # HR@5 1, NDCG@5 1,   HR@10 1, NDCG@10 1
             (RANKING, "p2"),   # HR@5 1, NDCG@5 0.5, HR@10 1, NDCG@10 0.5
             (RANKING, "p7"),   # HR@5 0, NDCG@5 0,   HR@10 1, NDCG@10 1/log2(9)
             (RANKING, "zz")]   # a miss everywhere
    summary = summarize(cases)
    assert list(summary) == ["HR@5", "NDCG@5", "HR@10", "NDCG@10", "cases"]
    assert summary["cases"] == 4.0
    assert summary["HR@5"] == pytest.approx(2 / 4)
    assert summary["NDCG@5"] == pytest.approx(1.5 / 4)
    assert summary["HR@10"] == pytest.approx(3 / 4)
    assert summary["NDCG@10"] == pytest.approx((1 + 0.5 + 1 / math.log2(9)) / 4)


def test_summarize_reads_a_generator_and_other_ks() -> None:
    summary = summarize(((RANKING, t) for t in ("p0", "p1")), ks=(1,))
    assert summary == {"HR@1": 0.5, "NDCG@1": 0.5, "cases": 2.0}


def test_summarize_refuses_no_cases() -> None:
    with pytest.raises(ValueError, match="no cases"):
        summarize([])


def test_matches_ranx_on_random_rankings() -> None:
    ranx = pytest.importorskip("ranx")
    rng = random.Random(7)
    items = [f"i{n}" for n in range(30)]
    qrels, run, ours = {}, {}, []
    for q in range(25):
        ranked = rng.sample(items, 15)
        target = rng.choice(items)  # sometimes ranked beyond 10, sometimes not ranked at all
        qrels[f"q{q}"] = {target: 1}
        run[f"q{q}"] = {doc: float(15 - pos) for pos, doc in enumerate(ranked)}
        ours.append((ranked, target))
    expected = ranx.evaluate(ranx.Qrels(qrels), ranx.Run(run), ["ndcg@10", "hit_rate@10", "ndcg@5"])
    summary = summarize(ours)
    assert 0 < summary["HR@10"] < 1  # the sample has both hits and misses
    assert summary["NDCG@10"] == pytest.approx(expected["ndcg@10"])
    assert summary["HR@10"] == pytest.approx(expected["hit_rate@10"])
    assert summary["NDCG@5"] == pytest.approx(expected["ndcg@5"])


def test_paired_bootstrap_interval_is_above_zero_only_for_a_consistent_gain() -> None:
    rng = random.Random(5)
    base = [rng.random() for _ in range(400)]
    better = [min(1.0, b + 0.05 + rng.gauss(0, 0.05)) for b in base]
    noisy = [b + rng.gauss(0, 0.05) for b in base]
    gain = paired_bootstrap(base, better, resamples=1000)
    assert 0 < gain["low"] < gain["difference"] < gain["high"]
    assert gain["relative"] == pytest.approx(gain["difference"] / (sum(base) / len(base)), abs=1e-3)
    assert gain["cases"] == 400 and gain["resamples"] == 1000
    same = paired_bootstrap(base, noisy, resamples=1000)
    assert same["low"] < 0 < same["high"]


def test_paired_bootstrap_refuses_unpaired_lists() -> None:
    with pytest.raises(ValueError, match="same length"):
        paired_bootstrap([0.1, 0.2], [0.1])
