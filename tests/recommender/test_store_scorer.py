"""Training cases from a store's interaction log."""

from __future__ import annotations

from datetime import datetime, timedelta

from knowledge.schemas import EventType, Interaction
from recommender.store_scorer import customer_sequences, next_item_cases, split_customers

T0 = datetime(2026, 5, 1, 9)


def _event(pid: str, event: EventType, minutes: int) -> Interaction:
    return Interaction(customer_id="C", product_id=pid, event=event, ts=T0 + timedelta(minutes=minutes))


def test_cases_follow_clicks_carts_and_purchases_in_time_order() -> None:
    events = [_event("B", EventType.CLICK, 5), _event("A", EventType.PURCHASE, 1), _event("V", EventType.VIEW, 3),
              _event("B", EventType.ADD_TO_CART, 6), _event("C", EventType.CLICK, 9), _event("A", EventType.CLICK, 12)]
    assert next_item_cases({"C": events}) == [(["A"], "B"), (["A", "B"], "C")]


def test_views_alone_make_no_case_and_history_is_capped() -> None:
    views = [_event(f"V{i}", EventType.VIEW, i) for i in range(5)]
    assert next_item_cases({"C": views}) == []
    clicks = [_event(f"P{i}", EventType.CLICK, i) for i in range(15)]
    cases = next_item_cases({"C": clicks}, max_history=4)
    assert cases[-1] == (["P10", "P11", "P12", "P13"], "P14")


def test_sequences_keep_first_reach_order_and_customers_split_whole() -> None:
    events = [_event("B", EventType.CLICK, 5), _event("A", EventType.PURCHASE, 1), _event("B", EventType.PURCHASE, 8),
              _event("V", EventType.VIEW, 3), _event("C", EventType.ADD_TO_CART, 9)]
    assert customer_sequences({"C": events}) == {"C": ["A", "B", "C"]}
    customers = [f"C{i:03d}" for i in range(40)]
    train, held = split_customers(customers, held_out=0.15)
    assert len(held) == 6 and not train & held and train | held == set(customers)
    assert split_customers(list(reversed(customers)), held_out=0.15) == (train, held)  # order-independent
    assert split_customers(["only"]) == ({"only"}, set())
