"""Exclusions ("not Pacewell", "no leather", "anything but black", "no t-shirts") on both bundled sample
stores, on the fakes: how they are read (words drawn from each store's own catalog), how they merge
across turns and show as removable chips, and that a search shows nothing they leave out."""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest

from assistant.session import Constraints
from assistant.slots import SlotExtractor
from knowledge.catalog import Catalog
from knowledge.retrieval.filters import ProductFilter
from tests.exclusion_words import a_material, brand_of_a_type, only_and_more_colour
from tests.store_chat import chat

LEADS = ["not {}", "no {}", "anything but {}", "except {}", "other than {}", "without {}", "not from {}",
         "no more {}", "I don't want {}", "nothing from {}", "except for {}", "i'd rather not have {}",
         "that aren't {}", "which isn't {}", "that are not from {}", "not made by {}"]


@cache
def reader(catalog: Catalog, exclusions: bool = True) -> SlotExtractor:
    return SlotExtractor(catalog, exclusions=exclusions)


# -- reading ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lead", LEADS)
def test_each_phrasing_excludes_a_brand_and_never_asks_for_it(fake_store, lead: str) -> None:
    catalog = fake_store.current.catalog
    _kind, brand = brand_of_a_type(catalog)
    text = lead.format(brand)
    update = reader(catalog).extract(text)
    assert update.filter.exclude_brands == (brand,), (text, update.mentioned_values())
    assert update.filter.brand is None and "brand" not in update.mentioned


@pytest.mark.parametrize("lead", ["not {}", "anything but {}", "except {}", "other than {}", "no {}", "nothing in {}",
                                  "I don't want {}"])
def test_a_negated_colour_is_excluded_and_not_asked_for(fake_store, lead: str) -> None:
    catalog = fake_store.current.catalog
    color = only_and_more_colour(catalog)
    update = reader(catalog).extract(lead.format(color))
    assert update.filter.exclude_colors == (color,) and update.filter.color is None


def test_a_list_of_colours_and_a_wanted_one_with_an_unwanted_one(fake_store) -> None:
    catalog = fake_store.current.catalog
    first, second, third = [c for c, _ in Counter(c for p in catalog for c in p.colors).most_common(3)]
    update = reader(catalog).extract(f"anything but {first}, {second} or {third}")
    assert update.filter.exclude_colors == (first, second, third)
    update = reader(catalog).extract(f"{first}, not {second}")
    assert update.filter.color == first and update.filter.exclude_colors == (second,)


@pytest.mark.parametrize("lead", ["no {}", "without {}", "{}-free", "not made of {}", "non-{}", "nothing made of {}",
                                  "that aren't {}", "which isn't made of {}"])
def test_a_negated_material_is_excluded(fake_store, lead: str) -> None:
    catalog = fake_store.current.catalog
    material = a_material(catalog)
    update = reader(catalog).extract(lead.format(material))
    assert update.filter.exclude_materials == (material,), (lead, update.mentioned_values())


def test_a_product_type_with_a_brand_left_out(fake_store) -> None:
    catalog = fake_store.current.catalog
    kind, brand = brand_of_a_type(catalog)
    for text in (f"{kind} not {brand}", f"{kind} but not from {brand}", f"{kind}, anything but {brand}"):
        update = reader(catalog).extract(text)
        assert kind in update.filter.subcategories and update.filter.exclude_brands == (brand,), text
        assert update.filter.brand is None


def test_a_negated_category_or_product_type_is_left_out_not_searched(fake_store) -> None:
    catalog = fake_store.current.catalog
    kind, _brand = brand_of_a_type(catalog)
    update = reader(catalog).extract(f"no {kind}")
    assert kind in update.filter.exclude_categories and not update.filter.subcategories
    category = sorted(catalog.categories)[0]
    update = reader(catalog).extract(f"anything but {category}")
    assert category in update.filter.exclude_categories and update.filter.category is None


@pytest.mark.parametrize(("text", "field", "value"), [
    ("no budget", "min_price", None), ("but no more than 90", "max_price", 90.0),
    ("not more than 50", "max_price", 50.0), ("no less than 30", "min_price", 30.0),
])
def test_budget_phrases_with_no_and_not_read_as_before(fake_store, text: str, field: str, value: float | None) -> None:
    update = reader(fake_store.current.catalog).extract(text)
    assert getattr(update.filter, field) == value and not update.filter.has_exclusions()


def test_no_then_a_comma_is_an_answer_not_an_exclusion(fake_store) -> None:
    catalog = fake_store.current.catalog
    _kind, brand = brand_of_a_type(catalog)
    update = reader(catalog).extract(f"no, {brand} instead")
    assert update.filter.brand == brand and not update.filter.has_exclusions()


def test_with_exclusions_off_negated_words_read_as_today(fake_store) -> None:
    catalog = fake_store.current.catalog
    _kind, brand = brand_of_a_type(catalog)
    color = only_and_more_colour(catalog)
    on, off = reader(catalog).extract(f"not {brand}"), reader(catalog, exclusions=False).extract(f"not {brand}")
    assert on.filter.exclude_brands == (brand,) and off.filter.brand == brand and not off.filter.has_exclusions()
    assert reader(catalog, exclusions=False).extract(f"anything but {color}").filter.color == color


def test_the_setting_reaches_the_assistant(fake_store, monkeypatch: pytest.MonkeyPatch) -> None:
    from aisle.current_store import CurrentStore

    assert fake_store.settings.understanding.exclusions  # on by default
    assert fake_store.current.assistant.router.slots._negations is not None
    off = fake_store.settings.understanding.model_copy(update={"exclusions": False})
    monkeypatch.setattr(fake_store, "settings", fake_store.settings.model_copy(update={"understanding": off}))
    assert CurrentStore(fake_store).assistant.router.slots._negations is None


# -- merging, chips, removal ------------------------------------------------------------------------------
def test_exclusions_accumulate_a_positive_mention_lifts_one_and_a_new_search_resets(fake_store) -> None:
    catalog = fake_store.current.catalog
    slots = reader(catalog)
    kind, brand = brand_of_a_type(catalog)
    color = only_and_more_colour(catalog)
    c = Constraints().merge(slots.extract(f"{kind} not {brand}"))
    assert c.filter.exclude_brands == (brand,) and f"not {brand}" in c.describe()
    c = c.merge(slots.extract(f"and not {color}"))
    assert c.filter.exclude_brands == (brand,) and c.filter.exclude_colors == (color,)
    assert c.describe()[-2:] == [f"not {brand}", f"not {color}"]
    c = c.merge(slots.extract(f"actually {brand} is fine"))
    assert c.filter.brand == brand and c.filter.exclude_brands == () and c.filter.exclude_colors == (color,)
    c = c.merge(slots.extract(f"not {brand}"))  # left out again: no longer asked for
    assert c.filter.brand is None and c.filter.exclude_brands == (brand,)
    c = c.merge(slots.extract("any brand"))
    assert c.filter.exclude_brands == () and c.filter.exclude_colors == (color,)
    other = next(s for s in sorted(catalog.subcategories) if catalog.categories and s != kind
                 and next(p for p in catalog if p.subcategory == s).category
                 != next(p for p in catalog if p.subcategory == kind).category)
    fresh = c.merge(slots.extract(other))
    assert not fresh.filter.has_exclusions(), fresh


def test_each_exclusion_is_a_chip_that_removes_only_itself() -> None:
    c = Constraints(ProductFilter(category="shoes", exclude_brands=("Acme", "Bolt"), exclude_colors=("black",),
                                  exclude_materials=("leather",), exclude_categories=("sandals",)))
    assert c.describe() == ["shoes", "not Acme", "not Bolt", "not black", "no leather", "not sandals"]
    assert c.chips()[1] == ("not Acme", ("exclude_brands",))
    rest = c.without("not acme")
    assert rest.filter.exclude_brands == ("Bolt",) and rest.filter.exclude_colors == ("black",)
    assert c.without("no leather").filter.exclude_materials == ()
    assert c.without("not sandals").filter.exclude_categories == () and c.without("not sandals").filter.category
    with pytest.raises(ValueError, match="not Acme"):
        c.without("not Zed")


# -- searching --------------------------------------------------------------------------------------------
def test_a_product_type_not_of_a_brand_shows_none_of_it_and_a_chip(fake_store) -> None:
    catalog = fake_store.current.catalog
    kind, brand = brand_of_a_type(catalog)
    reply, state = chat(fake_store, None, f"{kind} not {brand}")
    products = [catalog.require(pid) for pid in reply.product_ids]
    assert products and all(p.brand != brand for p in products), [(p.id, p.brand) for p in products]
    assert f"not {brand}" in reply.constraints

    removed = list(fake_store.current.assistant.remove_constraint(state, f"not {brand}"))[-1]
    assert f"not {brand}" not in removed.constraints and not state.constraints.filter.exclude_brands


def test_anything_but_a_colour_shows_no_product_only_in_it(fake_store) -> None:
    catalog = fake_store.current.catalog
    color = only_and_more_colour(catalog)
    mixed = next(p for p in catalog if color in p.colors and len(p.colors) > 1)
    reply, _state = chat(fake_store, None, f"{mixed.subcategory}", f"anything but {color}")
    products = [catalog.require(pid) for pid in reply.product_ids]
    assert products and all(set(p.colors) - {color} or not p.colors for p in products), \
        [(p.id, p.colors) for p in products]
    assert f"not {color}" in reply.constraints
    # the store's search leaves out exactly what the exact check leaves out
    flt = ProductFilter(exclude_colors=(color,))
    hits = fake_store.current.retriever.search_products(color, flt, k=len(catalog))
    assert hits and all(flt.matches(h.product) for h in hits)


def test_no_material_shows_nothing_that_names_it(fake_store) -> None:
    catalog = fake_store.current.catalog
    material = a_material(catalog)
    flt = ProductFilter(exclude_materials=(material,))
    hits = fake_store.current.retriever.search_products(material, flt, k=50)
    assert hits and all(flt.matches(h.product) for h in hits)
    assert any(not flt.matches(p) for p in catalog)  # the store does have some: they are left out
