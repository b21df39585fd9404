"""Constraint chips: each filter in force as a removable chip, and removing one clears its fields."""

from __future__ import annotations

import pytest

from assistant.session import Constraints
from knowledge.retrieval.filters import ProductFilter

FULL = Constraints(ProductFilter(category="shoes", subcategories=("running",), brand="Pacewell", color="blue",
                                 size="9", min_price=None, max_price=80.0, in_stock_only=True),
                   product_label="running shoes", use="flat feet")


def test_chips_list_every_filter_in_order_with_the_fields_they_stand_for() -> None:
    assert FULL.chips() == [
        ("running shoes", ("subcategories", "product_label")),
        ("Pacewell", ("brand",)),
        ("blue", ("color",)),
        ("size 9", ("size",)),
        ("for flat feet", ("use",)),
        ("under $80.00", ("max_price",)),
        ("in stock", ("in_stock_only",)),
    ]
    assert FULL.describe() == [label for label, _ in FULL.chips()]


def test_no_constraints_no_chips() -> None:
    assert Constraints().chips() == [] and Constraints().describe() == []


def test_a_category_alone_is_a_chip_that_clears_the_category() -> None:
    shoes = Constraints(ProductFilter(category="shoes"))
    assert shoes.chips() == [("shoes", ("category", "subcategories", "product_label"))]
    assert shoes.without("shoes") == Constraints()


def test_budget_chips_for_a_range_a_ceiling_and_a_floor() -> None:
    ranged = Constraints(ProductFilter(min_price=20.0, max_price=50.0))
    assert ranged.chips() == [("$20.00–$50.00", ("min_price", "max_price"))]
    assert ranged.without("$20.00–$50.00") == Constraints()
    assert Constraints(ProductFilter(max_price=80)).describe() == ["under $80.00"]
    floor = Constraints(ProductFilter(min_price=100.0))
    assert floor.describe() == ["over $100.00"]
    assert floor.without("over $100.00").filter.min_price is None


def test_removing_running_shoes_keeps_the_shoes_category() -> None:
    rest = FULL.without("running shoes")
    assert rest.filter.category == "shoes"
    assert rest.filter.subcategories == () and rest.product_label is None
    assert rest.describe()[0] == "shoes"
    assert rest.without("shoes").filter.category is None


@pytest.mark.parametrize("chip, field, cleared", [
    ("Pacewell", "brand", None),
    ("blue", "color", None),
    ("size 9", "size", None),
    ("for flat feet", "use", None),
    ("under $80.00", "max_price", None),
    ("in stock", "in_stock_only", False),
])
def test_removing_one_chip_clears_only_its_field(chip: str, field: str, cleared: object) -> None:
    rest = FULL.without(chip)
    assert getattr(rest if field == "use" else rest.filter, field) == cleared
    assert chip not in rest.describe()
    assert [c for c in FULL.describe() if c != chip] == rest.describe()


def test_chip_match_is_case_insensitive_and_trims_spaces() -> None:
    assert FULL.without("  RUNNING Shoes ").product_label is None
    assert FULL.without("IN STOCK").filter.in_stock_only is False
    assert FULL.without("pacewell").filter.brand is None


def test_an_unknown_chip_is_a_value_error_naming_the_filters_in_force() -> None:
    with pytest.raises(ValueError, match="No filter 'red' is in force") as caught:
        FULL.without("red")
    assert "'running shoes'" in str(caught.value) and "'under $80.00'" in str(caught.value)
    with pytest.raises(ValueError, match=r"filters: none"):
        Constraints().without("blue")


def test_without_returns_a_new_object_and_leaves_the_original() -> None:
    before = FULL.describe()
    FULL.without("blue")
    assert FULL.describe() == before
