"""The in-memory catalog: products by id and the vocabulary shoppers use to narrow a search."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from knowledge.schemas import DEFAULT_CURRENCY, Product


class Catalog:
    """Products by id, plus the categories, brands, colors, sizes and tags that occur in them, and
    the store's currency: the one most of its products are priced in (ties: the first by code).

    >>> Catalog([]).categories, Catalog([]).currency
    ([], 'USD')
    """

    def __init__(self, products: Iterable[Product]):
        self._by_id = {p.id: p for p in products}
        self.category_counts = Counter(p.category for p in self._by_id.values())
        self.categories = sorted(self.category_counts)
        self.subcategories = sorted({p.subcategory for p in self._by_id.values() if p.subcategory})
        self.brands = sorted({p.brand for p in self._by_id.values()})
        self.colors = sorted({c for p in self._by_id.values() for c in p.colors})
        self.sizes = sorted({s for p in self._by_id.values() for s in p.sizes})
        # what products are tagged for ("flat feet", "hiking", "toddler"): the vocabulary of the use slot
        self.tags = sorted({t.strip().lower() for p in self._by_id.values() for t in p.tags if t.strip()})
        currencies = Counter(p.currency for p in self._by_id.values())
        self.currency = min(currencies, key=lambda c: (-currencies[c], c)) if currencies else DEFAULT_CURRENCY

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Product]:
        return iter(self._by_id.values())

    def __contains__(self, product_id: object) -> bool:
        return product_id in self._by_id

    def get(self, product_id: str) -> Product | None:
        return self._by_id.get(product_id)

    def require(self, product_id: str) -> Product:
        product = self._by_id.get(product_id)
        if product is None:
            raise KeyError(f"unknown product id {product_id!r}")
        return product
