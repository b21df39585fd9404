"""A value of one of the store's categorical product attributes as a hard filter ("running shoes for
women"), on both bundled sample stores, on the fakes. Which attributes count is read from each store's
catalog (``assistant/attribute_values.py``); a store whose catalog has none reads no such filter."""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest

from aisle.current_store import CurrentStore
from assistant.attribute_values import MIN_CATEGORIES, MIN_SHARE, categorical_attributes
from assistant.session import Constraints
from assistant.slots import SlotExtractor
from knowledge.catalog import Catalog
from knowledge.retrieval.filters import AttributeValue
from tests.store_chat import chat


@cache
def reader(catalog: Catalog, on: bool = True) -> SlotExtractor:
    return SlotExtractor(catalog, attribute_filters=on)


def attribute_with_a_type(catalog: Catalog) -> tuple[str, str, str, str] | None:
    """A categorical attribute, one of its values, a value that rules it out, and a product type sold
    with both values (the attribute filter then narrows that type); None when the store has none."""
    for name in sorted(categorical_attributes(catalog)):
        by_type: dict[str, Counter[str]] = {}
        for p in catalog:
            value = p.attributes.get(name)
            if isinstance(value, str):
                by_type.setdefault(p.subcategory, Counter())[value.lower()] += 1
        for kind, counts in sorted(by_type.items(), key=lambda kv: -len(kv[1])):
            for value in sorted(counts):
                wanted = reader(catalog).extract(f"{kind} for {value}").filter.attributes
                others = [o for o in counts if wanted and o in wanted[0].others]
                if others:
                    return name, value, others[0], kind
    return None


def test_the_categorical_attributes_are_read_from_the_catalog(fake_store) -> None:
    catalog = fake_store.current.catalog
    found = categorical_attributes(catalog)
    products = list(catalog)
    for name, values in found.items():  # few one-word values, on many products of several categories
        having = [p for p in products if isinstance(p.attributes.get(name), str)]
        assert len(values) >= 2 and all(" " not in v for v in values)
        assert len(having) >= MIN_SHARE * len(products) and len({p.category for p in having}) >= MIN_CATEGORIES
    if not found:  # then no attribute word of the store reads as a filter
        words = {str(v).lower() for p in products for k, v in p.attributes.items() if isinstance(v, str)}
        assert not any(reader(catalog).extract(f"something {w}").filter.attributes for w in sorted(words)[:200])


def test_a_value_in_its_common_forms_filters_and_leaves_out_the_others(fake_store) -> None:
    catalog = fake_store.current.catalog
    picked = attribute_with_a_type(catalog)
    if picked is None:
        assert not categorical_attributes(catalog)
        pytest.skip("this store's catalog has no categorical attribute shared across categories")
    name, value, other, kind = picked
    for text in (f"{kind} for {value}", f"{value}'s {kind}", f"{value}s {kind}".replace("ss ", "s ")):
        wanted = reader(catalog).extract(text).filter.attributes
        assert [(w.name, w.value) for w in wanted] == [(name, value)], text
        assert other in wanted[0].others and value not in wanted[0].others
    assert not reader(catalog, on=False).extract(f"{kind} for {value}").filter.attributes  # off: as before
    reply, state = chat(fake_store, None, f"{kind} for {value}")
    assert reply.product_ids and value in state.constraints.describe()
    for pid in reply.product_ids:
        shown = catalog.require(pid).attributes.get(name)
        assert not (isinstance(shown, str) and shown.lower() == other), (pid, shown)


def test_the_chip_merges_replaces_and_is_removable(fake_store) -> None:
    catalog = fake_store.current.catalog
    picked = attribute_with_a_type(catalog)
    if picked is None:
        pytest.skip("this store's catalog has no categorical attribute shared across categories")
    _name, value, other, kind = picked
    slots = reader(catalog)
    c = Constraints().merge(slots.extract(f"{kind} for {value}"))
    assert value in c.describe()
    c = c.merge(slots.extract(f"for {other} then"))
    assert [w.value for w in c.filter.attributes] == [other] and value not in c.describe()
    c = c.without(other)
    assert c.filter.attributes == () and other not in c.describe() and c.filter.subcategories


def test_a_value_that_covers_others_passes_their_filter() -> None:
    """"unisex" (a general word, ``_COVERS``) is for women and men: a product that says so passes both."""
    from knowledge.schemas import Product

    def shoe(pid: str, category: str, who: str) -> Product:
        return Product(id=pid, title=f"{who} shoe", brand="Acme", category=category, subcategory=f"{category} x",
                       price=10.0, stock=1, attributes={"audience": who}, description="a shoe")

    products = [shoe(f"{c}{i}", c, w) for i, w in enumerate(["women", "men", "unisex"] * 2)
                for c in ("shoes", "apparel", "bags", "outdoor")]
    catalog = Catalog(products)
    assert categorical_attributes(catalog) == {"audience": ("men", "unisex", "women")}
    wanted = SlotExtractor(catalog, attribute_filters=True).extract("bags for ladies").filter
    assert wanted.attributes == (AttributeValue("audience", "women", ("men",)),)
    assert {p.attributes["audience"] for p in products if wanted.matches(p)} == {"women", "unisex"}


def test_the_setting_reaches_the_assistant(fake_store, monkeypatch: pytest.MonkeyPatch) -> None:
    assert fake_store.settings.understanding.attribute_filters  # on by default
    assert fake_store.current.assistant.router.slots._attribute_values is not None
    off = fake_store.settings.understanding.model_copy(update={"attribute_filters": False})
    monkeypatch.setattr(fake_store, "settings", fake_store.settings.model_copy(update={"understanding": off}))
    assert CurrentStore(fake_store).assistant.router.slots._attribute_values is None
