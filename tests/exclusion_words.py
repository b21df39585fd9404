"""Words for exclusion tests, drawn from a store's own catalog: a product type with several brands, a
colour some products come in alone and others with more, a material some products name."""

from __future__ import annotations

from collections import Counter

from assistant.vocabulary.materials import store_materials
from knowledge.catalog import Catalog
from knowledge.retrieval.filters import ProductFilter


def brand_of_a_type(catalog: Catalog) -> tuple[str, str]:
    """A product type (subcategory) sold by more than one brand — a category when no type is (a small
    store) — and one of those brands."""
    for field in ("subcategory", "category"):
        brands: dict[str, Counter[str]] = {}
        for p in catalog:
            brands.setdefault(getattr(p, field), Counter())[p.brand] += 1
        kind = max(brands, key=lambda s: (len(brands[s]), sum(brands[s].values()), s))
        if len(brands[kind]) > 1:
            return kind, brands[kind].most_common(1)[0][0]
    raise AssertionError("no kind of goods with more than one brand")


def colour_to_leave_out(catalog: Catalog) -> tuple[str, str]:
    """A product type (or category) and a colour: some of its products come only in that colour,
    others in another one too."""
    for field in ("subcategory", "category"):
        for color, _n in Counter(c for p in catalog for c in p.colors).most_common():
            alone = {getattr(p, field) for p in catalog if p.colors == [color]}
            other = {getattr(p, field) for p in catalog if set(p.colors) - {color}}
            if kinds := sorted(alone & other):
                return kinds[0], color
    raise AssertionError("no colour that some products come in alone")


def only_and_more_colour(catalog: Catalog) -> str:
    """A colour some products come in only, and others with other colours too."""
    for color, _n in Counter(c for p in catalog for c in p.colors).most_common():
        alone = [p for p in catalog if p.colors == [color]]
        mixed = [p for p in catalog if color in p.colors and len(p.colors) > 1]
        if alone and mixed:
            return color
    raise AssertionError("no colour that is both alone and mixed")


def a_material(catalog: Catalog) -> str:
    """A material the store names on some products but not on most."""
    materials = sorted(set(store_materials(catalog).values()))
    filters = {m: ProductFilter(exclude_materials=(m,)) for m in materials}
    counts = {m: sum(not f.matches(p) for p in catalog) for m, f in filters.items()}
    return max((m for m in materials if counts[m] < len(catalog) / 2), key=lambda m: (counts[m], m))
