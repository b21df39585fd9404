"""The materials shoppers may leave out ("no leather", "without wool", "PFC-free") in one store.

``materials.yaml`` lists general words for materials; a word counts in a store only when a product
of its catalog names it (``filters.material_words``: the words of its attributes other than colour
and size, and of its tags), so "leather" means nothing in a store that names no leather.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from importlib import resources

import yaml

from knowledge.catalog import Catalog
from knowledge.retrieval.filters import material_words


@cache
def general_materials() -> tuple[tuple[str, ...], ...]:
    """Groups of spellings of one material (lower case)."""
    text = resources.files("assistant").joinpath("vocabulary/materials.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, list) or not all(isinstance(g, list) and g and all(
            isinstance(w, str) and w == w.strip().lower() and w for w in g) for g in data):
        raise ValueError("materials.yaml must be a list of groups of lower-case words")
    return tuple(tuple(group) for group in data)


def store_materials(catalog: Catalog, taken: Collection[str] = ()) -> dict[str, str]:
    """A shopper's word for a material → the store's word for it (the spelling its catalog uses), for
    the materials its catalog names; words in ``taken`` (the store's colours, brands) are left out."""
    named: set[str] = set()
    for product in catalog:
        named |= material_words(product)
    out: dict[str, str] = {}
    for group in general_materials():
        own = [w for w in group if w in named]
        if own:
            out.update({word: own[0] for word in group if word not in taken})
    return out
