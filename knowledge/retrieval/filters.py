"""The shopper's hard constraints as one plain value type, ``ProductFilter``, with its exact check.

Each store translates it into its own dialect where it queries: the Chroma adapter into a ``where``
(``vector_index.chroma_where``), the BM25 module into a boolean mask over its products
(``lexical.FilterColumns``). ``FieldIn`` selects records by one metadata field (FAQ sections of
given entries). Nothing here knows a store.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.schemas import Product

ANY = "*"  # a color or size the shopper did not ask for, in ``stock_keys``


@dataclass(frozen=True)
class ProductFilter:
    """Hard constraints, applied inside each store's query (not after it).

    A product whose variants differ in price is indexed with its lowest (``price``) and highest
    (``price_max``) price: the query keeps it when that range meets the budget, and ``matches`` then
    checks that a variant the shopper could buy (of the asked color and size) fits the budget."""

    category: str | None = None
    subcategories: tuple[str, ...] = ()
    brand: str | None = None
    color: str | None = None
    size: str | None = None
    min_price: float | None = None
    max_price: float | None = None
    in_stock_only: bool = False

    def stock_key(self) -> str:
        """The ``stock_keys`` entry a product needs to pass the in-stock constraint."""
        return f"{(self.color or ANY).lower()}|{(self.size or ANY).lower()}"

    def matches(self, product: Product) -> bool:
        """The same constraints as the stores' queries, for candidates that do not come from an index
        (history-based recommendations) — applied before they are scored — with the budget checked
        exactly (``fits_budget``)."""
        return not (
            (self.category and product.category != self.category)
            or (self.subcategories and product.subcategory not in self.subcategories)
            or (self.brand and product.brand.lower() != self.brand.lower())
            or (self.color and self.color.lower() not in {c.lower() for c in product.colors})
            or (self.size and self.size.lower() not in {z.lower() for z in product.sizes})
            or (self.in_stock_only and not product.in_stock_for(self.color, self.size))
            or not self.fits_budget(product)
        )

    def fits_budget(self, product: Product) -> bool:
        """Whether a variant the shopper could buy, of the asked color and size, costs within the budget."""
        if self.min_price is None and self.max_price is None:
            return True
        return product.fits_budget(self.min_price, self.max_price, self.color, self.size, self.in_stock_only)


@dataclass(frozen=True)
class FieldIn:
    """Records whose metadata ``field`` is one of ``values`` (e.g. the sections of given FAQ entries)."""

    field: str
    values: tuple[str, ...]


RecordFilter = ProductFilter | FieldIn


def stock_keys(product: Product) -> list[str]:
    """"color|size" pairs (either may be ``*``, not asked) for which a unit is in stock: the
    in-stock filter as metadata, so a store applies ``Product.in_stock_for`` in its query."""
    colors = [c.lower() for c in product.colors]
    sizes = [z.lower() for z in product.sizes]
    keys: set[str] = set()
    if not product.variants and product.in_stock:
        keys = {f"{c}|{z}" for c in [ANY, *colors] for z in [ANY, *sizes]}
    for v in product.variants:
        if v.stock <= 0:
            continue
        vc = [v.color.lower()] if v.color else colors
        vz = [v.size.lower()] if v.size else sizes
        keys |= {f"{c}|{z}" for c in [ANY, *vc] for z in [ANY, *vz]}
    return sorted(keys)
