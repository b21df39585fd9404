"""Product and FAQ retrieval over the vector index, with the shopper's constraints as store filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from knowledge.catalog import Catalog
from knowledge.schemas import FaqEntry, Product
from knowledge.vector_index import IndexRecord, VectorIndex

PRODUCTS = "products"
FAQ = "faq"


@dataclass(frozen=True)
class ProductFilter:
    """Hard constraints, applied inside the Chroma query (not after it)."""

    category: str | None = None
    subcategories: tuple[str, ...] = ()
    brand: str | None = None
    color: str | None = None
    size: str | None = None
    min_price: float | None = None
    max_price: float | None = None
    in_stock_only: bool = False

    def to_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.category:
            clauses.append({"category": self.category})
        if len(self.subcategories) == 1:
            clauses.append({"subcategory": self.subcategories[0]})
        elif self.subcategories:
            clauses.append({"subcategory": {"$in": list(self.subcategories)}})
        if self.brand:
            clauses.append({"brand": self.brand.lower()})
        if self.color:
            clauses.append({"colors": {"$contains": self.color.lower()}})
        if self.size:
            clauses.append({"sizes": {"$contains": self.size.lower()}})
        if self.min_price is not None:
            clauses.append({"price": {"$gte": float(self.min_price)}})
        if self.max_price is not None:
            clauses.append({"price": {"$lte": float(self.max_price)}})
        if self.in_stock_only:
            clauses.append({"in_stock": True})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def matches(self, product: Product) -> bool:
        """The same constraints as ``to_where``, for candidates that do not come from the index
        (history-based recommendations) — applied before they are scored."""
        return not (
            (self.category and product.category != self.category)
            or (self.subcategories and product.subcategory not in self.subcategories)
            or (self.brand and product.brand.lower() != self.brand.lower())
            or (self.color and self.color.lower() not in {c.lower() for c in product.colors})
            or (self.size and self.size.lower() not in {z.lower() for z in product.sizes})
            or (self.min_price is not None and float(product.price) < float(self.min_price))
            or (self.max_price is not None and float(product.price) > float(self.max_price))
            or (self.in_stock_only and not product.in_stock_for(self.color, self.size))
        )


@dataclass(frozen=True)
class ProductHit:
    product: Product
    score: float


@dataclass(frozen=True)
class FaqHit:
    entry: FaqEntry
    score: float


def product_record(product: Product) -> IndexRecord:
    meta: dict[str, Any] = {
        "category": product.category,
        "subcategory": product.subcategory,
        "brand": product.brand.lower(),
        "price": float(product.price),
        "in_stock": product.in_stock,
        "rating": float(product.rating or 0.0),
    }
    if product.colors:
        meta["colors"] = product.colors
    if product.sizes:
        meta["sizes"] = product.sizes
    return IndexRecord(product.id, product.search_text(), product.content_hash(), meta)


def current_faq(entries: list[FaqEntry]) -> list[FaqEntry]:
    """Drop entries superseded by a newer one that exists (the newer policy wins)."""
    ids = {e.id for e in entries}
    return [e for e in entries if not (e.superseded_by and e.superseded_by in ids)]


def faq_record(entry: FaqEntry) -> IndexRecord:
    return IndexRecord(
        entry.id, entry.search_text(), entry.content_hash(), {"topic": entry.topic, "updated": entry.updated.isoformat()}
    )


class Retriever:
    """Searches products and FAQ answers; returns our records with similarity scores."""

    def __init__(self, index: VectorIndex, catalog: Catalog, faq_entries: list[FaqEntry]):
        self.index = index
        self.catalog = catalog
        self.faq = {e.id: e for e in faq_entries}

    def search_products(self, query: str, filters: ProductFilter | None = None, k: int = 20) -> list[ProductHit]:
        filters = filters or ProductFilter()
        hits = self.index.query(PRODUCTS, query, k=k, where=filters.to_where())
        out = []
        for hit in hits:
            product = self.catalog.get(hit.id)
            if product is None:
                continue  # index ahead of the catalog during a re-ingest; skip, never invent
            if filters.in_stock_only and not product.in_stock_for(filters.color, filters.size):
                continue
            out.append(ProductHit(product, hit.score))
        return out

    def relevance(self, query: str, product_ids: list[str]) -> dict[str, float]:
        """Cosine similarity of the request to products found another way (same scale as search)."""
        stored = self.index.vectors(PRODUCTS, product_ids)
        if not stored:
            return {}
        query_vector = self.index.query_vector(query)
        return {pid: float(vec @ query_vector) for pid, vec in stored.items()}

    def search_faq(self, query: str, k: int = 3) -> list[FaqHit]:
        hits = self.index.query(FAQ, query, k=k)
        return [FaqHit(self.faq[h.id], h.score) for h in hits if h.id in self.faq]
