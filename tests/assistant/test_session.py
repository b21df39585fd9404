"""Constraints.merge across turns, the constraint chips, the store filter, and ordinal references."""

from __future__ import annotations

import pytest

from assistant.session import Constraints, SessionState
from assistant.slots import SlotUpdate
from knowledge.retrieval.filters import ProductFilter


def update(cheaper: bool = False, clear_budget: bool = False, product_label: str | None = None,
           use: str | None = None, **hard: object) -> SlotUpdate:
    """A SlotUpdate that mentions exactly the given values, like SlotExtractor builds one: ``hard`` are
    ``ProductFilter`` fields."""
    result = SlotUpdate(ProductFilter(**hard), product_label=product_label, use=use,  # type: ignore[arg-type]
                        cheaper=cheaper, clear_budget=clear_budget)
    given = {**hard, "product_label": product_label, "use": use}
    result.mentioned = {k for k, v in given.items() if v is not None}
    return result


RUNNING = Constraints(ProductFilter(category="shoes", subcategories=("running shoes",), color="blue", max_price=80.0),
                      product_label="running shoes")


# -- merge ---------------------------------------------------------------------------------------

def test_unmentioned_constraints_carry_over() -> None:
    merged = RUNNING.merge(update(size="9"))
    assert merged == Constraints(ProductFilter(category="shoes", subcategories=("running shoes",), color="blue",
                                               size="9", max_price=80.0), product_label="running shoes")


def test_empty_update_changes_nothing() -> None:
    assert RUNNING.merge(update()) == RUNNING


def test_correction_replaces_the_value() -> None:
    merged = RUNNING.merge(update(color="red"))
    assert merged.filter.color == "red"
    assert merged.filter.subcategories == ("running shoes",) and merged.filter.max_price == 80.0


def test_new_budget_replaces_old_budget() -> None:
    assert RUNNING.merge(update(max_price=60.0)).filter.max_price == 60.0


def test_new_product_type_resets_old_filters() -> None:
    start = Constraints(ProductFilter(category="shoes", subcategories=("running shoes",), brand="Stride",
                                      color="blue", size="9", min_price=20.0, max_price=80.0),
                        product_label="running shoes")
    merged = start.merge(update(subcategories=("tents",), product_label="tents", category="outdoor"))
    assert merged == Constraints(ProductFilter(category="outdoor", subcategories=("tents",)), product_label="tents")


def test_new_search_keeps_what_the_message_restates() -> None:
    merged = RUNNING.merge(update(subcategories=("tents",), product_label="tents", category="outdoor",
                                  max_price=300.0))
    assert (merged.filter.subcategories, merged.filter.max_price, merged.filter.color) == (("tents",), 300.0, None)


def test_new_category_resets_old_filters_and_subcategories() -> None:
    merged = RUNNING.merge(update(category="outdoor"))
    assert merged == Constraints(ProductFilter(category="outdoor"))


def test_new_search_keeps_in_stock_only() -> None:
    start = Constraints(ProductFilter(category="shoes", color="blue", in_stock_only=True))
    merged = start.merge(update(category="outdoor"))
    assert merged.filter.in_stock_only is True and merged.filter.color is None


def test_same_product_type_restated_is_not_a_new_search() -> None:
    merged = RUNNING.merge(update(subcategories=("running shoes",), product_label="running shoes",
                                  category="shoes", size="10"))
    assert (merged.filter.color, merged.filter.max_price, merged.filter.size) == ("blue", 80.0, "10")


def test_broader_category_of_same_kind_drops_the_product_type_only() -> None:
    merged = RUNNING.merge(update(category="shoes"))  # "shoes" after "running shoes"
    assert merged.filter.subcategories == () and merged.product_label is None
    assert (merged.filter.category, merged.filter.color, merged.filter.max_price) == ("shoes", "blue", 80.0)


def test_clear_budget_removes_both_bounds() -> None:
    start = Constraints(ProductFilter(category="shoes", min_price=20.0, max_price=80.0))
    merged = start.merge(update(clear_budget=True))
    assert merged.filter.min_price is None and merged.filter.max_price is None
    assert merged.filter.category == "shoes"


def test_cheaper_is_just_below_the_reference_price() -> None:
    merged = RUNNING.merge(update(cheaper=True), cheaper_than=69.99)
    assert merged.filter.max_price == pytest.approx(69.98)
    assert merged.filter.color == "blue"


def test_cheaper_without_a_reference_keeps_the_budget() -> None:
    assert RUNNING.merge(update(cheaper=True)).filter.max_price == 80.0


def test_conflicting_max_keeps_the_newest_bound() -> None:
    start = Constraints(ProductFilter(category="shoes", min_price=60.0))
    merged = start.merge(update(max_price=40.0))  # "over 60" then "under 40"
    assert (merged.filter.min_price, merged.filter.max_price) == (None, 40.0)


def test_conflicting_min_keeps_the_newest_bound() -> None:
    start = Constraints(ProductFilter(category="shoes", max_price=40.0))
    merged = start.merge(update(min_price=60.0))  # "under 40" then "over 60"
    assert (merged.filter.min_price, merged.filter.max_price) == (60.0, None)


def test_cheaper_below_the_minimum_drops_the_minimum() -> None:
    start = Constraints(ProductFilter(category="shoes", min_price=100.0))
    merged = start.merge(update(cheaper=True), cheaper_than=89.99)
    assert (merged.filter.min_price, merged.filter.max_price) == (None, pytest.approx(89.98))


def test_merge_returns_a_new_object() -> None:
    before = Constraints(ProductFilter(category="shoes"))
    before.merge(update(color="red"))
    assert before.filter.color is None


# -- describe and the store filter ------------------------------------------------------------------

def test_describe_chips_in_order() -> None:
    constraints = Constraints(ProductFilter(category="shoes", brand="Stride", color="blue", size="9", max_price=80.0,
                                            in_stock_only=True), product_label="running shoes")
    assert constraints.describe() == ["running shoes", "Stride", "blue", "size 9", "under $80.00", "in stock"]


@pytest.mark.parametrize(("low", "high", "chip"), [
    (50.0, 100.0, "$50.00–$100.00"), (None, 80.0, "under $80.00"), (30.0, None, "over $30.00"),
])
def test_describe_budget_chip(low: float | None, high: float | None, chip: str) -> None:
    assert Constraints(ProductFilter(category="toys", min_price=low, max_price=high)).describe() == ["toys", chip]


def test_describe_empty_and_category_only() -> None:
    assert Constraints().describe() == []
    assert Constraints(ProductFilter(category="outdoor")).describe() == ["outdoor"]


def test_the_store_filter_holds_the_messages_hard_values_and_not_the_label() -> None:
    merged = Constraints().merge(update(
        category="shoes", subcategories=("running shoes", "trail running shoes"), product_label="running shoes",
        brand="Stride", color="blue", size="9", min_price=20.0, max_price=80.0, in_stock_only=True))
    assert merged.filter == ProductFilter(
        category="shoes", subcategories=("running shoes", "trail running shoes"), brand="Stride", color="blue",
        size="9", min_price=20.0, max_price=80.0, in_stock_only=True)
    assert merged.product_label == "running shoes"


def test_empty_constraints_give_no_store_filter() -> None:
    assert Constraints().filter == ProductFilter()


# -- references to shown products -------------------------------------------------------------------

SHOWN = ["P1", "P2", "P3", "P4"]


@pytest.mark.parametrize(("text", "picks"), [
    ("the second one", ["P2"]),
    ("is the 2nd one waterproof?", ["P2"]),
    ("compare the first and last", ["P1", "P4"]),
    ("third vs first", ["P3", "P1"]),
    ("the last one please", ["P4"]),
    ("the first, and the first again", ["P1"]),
    ("show me more", []),
])
def test_referenced_products(text: str, picks: list[str]) -> None:
    assert SessionState(shown_product_ids=list(SHOWN)).referenced_products(text) == picks


@pytest.mark.parametrize("text", ["the sixth one", "the fifth one", "#9"])
def test_out_of_range_ordinals_are_ignored(text: str) -> None:
    assert SessionState(shown_product_ids=list(SHOWN)).referenced_products(text) == []


def test_nothing_shown_means_nothing_referenced() -> None:
    assert SessionState().referenced_products("the first one and the last one") == []


@pytest.mark.parametrize(("text", "picks"), [("#3", ["P3"]), ("tell me about #2", ["P2"])])
def test_hash_number_references(text: str, picks: list[str]) -> None:
    assert SessionState(shown_product_ids=list(SHOWN)).referenced_products(text) == picks


# -- the use slot and cleared constraints -----------------------------------------------------------

def test_use_is_a_chip_after_size_and_before_the_budget() -> None:
    constraints = Constraints(ProductFilter(category="shoes", color="blue", size="9", max_price=80.0),
                              product_label="running shoes", use="flat feet")
    assert constraints.describe() == ["running shoes", "blue", "size 9", "for flat feet", "under $80.00"]


def test_use_is_never_a_store_filter() -> None:
    assert Constraints().merge(update(use="hiking")).filter == ProductFilter()
    assert Constraints().merge(update(category="shoes", use="hiking")).filter == ProductFilter(category="shoes")


def test_use_carries_over_refinements_and_is_replaced_by_a_correction() -> None:
    start = RUNNING.merge(update(use="flat feet"))
    assert start.merge(update(color="black")).use == "flat feet"
    assert start.merge(update(max_price=60.0)).use == "flat feet"
    assert start.merge(update(use="trail running")).use == "trail running"


def test_new_search_drops_the_use_unless_restated() -> None:
    start = RUNNING.merge(update(use="flat feet"))
    assert start.merge(update(subcategories=("tents",), product_label="tents", category="outdoor")).use is None
    restated = start.merge(update(subcategories=("tents",), product_label="tents", category="outdoor", use="camping"))
    assert restated.use == "camping"


@pytest.mark.parametrize("name", ["color", "size", "brand", "use"])
def test_cleared_constraint_is_dropped_and_the_rest_kept(name: str) -> None:
    start = Constraints(ProductFilter(category="shoes", brand="Stride", color="blue", size="9", max_price=80.0),
                        use="hiking")
    cleared = update()
    cleared.cleared = {name}
    merged = start.merge(cleared)
    assert getattr(merged.filter if name != "use" else merged, name) is None
    assert merged.filter.max_price == 80.0 and merged.filter.category == "shoes"


def test_cleared_constraint_restated_in_the_same_message_keeps_the_new_value() -> None:
    restated = update(color="red")
    restated.cleared = {"color"}
    assert RUNNING.merge(restated).filter.color == "red"
