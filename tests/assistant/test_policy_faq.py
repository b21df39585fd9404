"""Each bundled store's policy file agrees with its own FAQ: the entries it cites exist and are current,
and the windows, fees, statuses and categories it enforces are the ones those entries state."""

from __future__ import annotations

import re

import pytest

from knowledge.importers import read_records
from knowledge.retrieval.search import current_faq
from knowledge.sample_stores import SAMPLE_STORES, SampleStore
from knowledge.schemas import FaqEntry, Product
from knowledge.store_policy import StorePolicy, read_policy

_DELIVERY_WINDOW = re.compile(r"(\d+) days (?:of|from|after) (?:the )?(?:delivery|the day it (?:was )?delivered)", re.I)


class Store:
    def __init__(self, sample: SampleStore):
        paths = sample.paths()
        faq = read_records(paths["faq"], FaqEntry)  # type: ignore[arg-type]
        catalog = read_records(paths["catalog"], Product)  # type: ignore[arg-type]
        assert not faq.errors and not catalog.errors
        self.faq = {e.id: e for e in current_faq(faq.records)}
        self.categories = {p.category for p in catalog.records}
        self.policy: StorePolicy = read_policy(paths["policy"])  # type: ignore[arg-type]

    def body(self, faq_id: str | None) -> str:
        assert faq_id, "the rule cites no FAQ entry"
        return self.faq[faq_id].body


@pytest.fixture(scope="module", params=sorted(SAMPLE_STORES))
def store(request: pytest.FixtureRequest) -> Store:
    return Store(SAMPLE_STORES[request.param])


def test_policy_fits_the_store(store: Store) -> None:
    assert store.policy.problems(store.faq, store.categories) == []
    assert not store.policy.default


def test_return_and_exchange_windows_are_the_faqs(store: Store) -> None:
    returns, exchanges = store.policy.returns, store.policy.exchanges
    assert f"{returns.window_days} days" in store.body(returns.faq)
    for category, window in returns.by_category.items():
        assert f"{window.days} days" in store.body(window.faq or returns.faq), category
    assert f"{exchanges.window_days} days" in store.body(exchanges.faq)


def test_no_cited_entry_states_another_window(store: Store) -> None:
    returns, exchanges = store.policy.returns, store.policy.exchanges
    windows = {returns.window_days, exchanges.window_days} | {w.days for w in returns.by_category.values()}
    cited = {faq_id for _key, faq_id in store.policy.cited()}
    stated = {int(d) for faq_id in cited for d in _DELIVERY_WINDOW.findall(store.faq[faq_id].body)}
    assert stated <= windows, f"the FAQ states windows {sorted(stated - windows)} the policy does not have"


def test_return_fee_is_the_faqs(store: Store) -> None:
    fee = store.policy.returns.shipping_fee
    if fee:  # "6.95" or "3,95"
        assert re.search(f"{fee:.2f}".replace(".", "[.,]"), store.body(store.policy.returns.fee_faq))


def test_cancel_and_address_statuses_are_the_faqs(store: Store) -> None:
    cancel, address = store.policy.cancel, store.policy.address_change
    for status in cancel.statuses:
        assert status.value in store.body(cancel.faq).lower(), status
    if address.handling == "self_service":
        for status in address.statuses:
            assert status.value in store.body(address.faq).lower(), status


def test_category_rules_are_the_faqs(store: Store) -> None:
    returns = store.policy.returns
    for category in returns.non_returnable:
        assert re.search(rf"\b{re.escape(category)}", store.body(returns.non_returnable_faq), re.I), category
    if returns.unopened_only:
        assert "unopened" in store.body(returns.unopened_only_faq).lower()


def test_exchange_limit_is_the_faqs(store: Store) -> None:
    limit = store.policy.exchanges.per_item_limit
    if limit is not None:
        words = {1: r"\bonce\b|one time", 2: r"\btwice\b|two times|2 times"}.get(limit, rf"\b{limit} times")
        assert re.search(words, store.body(store.policy.exchanges.limit_faq), re.I)


def test_stores_differ() -> None:
    """The bundled stores are not copies of one another: other windows, other excluded categories."""
    policies = [read_policy(s.paths()["policy"]) for s in SAMPLE_STORES.values()]  # type: ignore[arg-type]
    assert len({p.returns.window_days for p in policies}) == len(policies)
    assert len({tuple(p.returns.non_returnable) for p in policies}) == len(policies)
