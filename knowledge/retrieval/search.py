"""Product and FAQ retrieval, with the shopper's constraints as filters inside each store's query.

Products are found by hybrid search: BM25 keyword scores (``knowledge/retrieval/lexical.py``) and MiniLM
vectors in Chroma, each taking its top candidates among the products that pass the filters, fused
by reciprocal rank fusion. FAQ entries are indexed whole and as section chunks (``returns-window#2``):
entries are ranked by their whole text (by their best section when they are too long for the
encoder's window), and answers quote and cite the sections that match; the entry id is the root
of every chunk id.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from knowledge.catalog import Catalog
from knowledge.retrieval.lexical import LexicalIndex
from knowledge.retrieval.vector_index import IndexRecord, VectorIndex
from knowledge.schemas import FaqEntry, Product

PRODUCTS = "products"
FAQ = "faq"
FAQ_CHUNKS = "faq_chunks"
ANY = "*"  # a color or size the shopper did not ask for, in ``stock_keys``
SearchMode = Literal["hybrid", "dense", "bm25"]
# Reciprocal rank fusion: score = sum over lists of weight / (RRF_K + rank). k = 60 with equal weights is
# the standard setting (Cormack et al. 2009); bench/retrieval_quality.py checks it against a grid fitted on
# the "tune" half of bench/data/judged_queries.jsonl, which did not carry over to the "test" half.
RRF_K = 60
BM25_WEIGHT = 1.0
# From this many products on, dense search scans the stored vectors in memory under the filter mask
# (exact, ~1.5 KB of RAM a product) instead of Chroma's filtered query; see bench/scale.py.
IN_MEMORY_MIN = 5000
FUSION_DEPTH = 50  # each retriever's candidates that enter the fusion (at least k)
CHUNK_WORDS = 80  # FAQ bodies longer than this are split into sections of about equal size
# Longer entries do not fit MiniLM's 256-token window whole: they are ranked by their best section.
LONG_ENTRY_WORDS = 180


@dataclass(frozen=True)
class ProductFilter:
    """Hard constraints, applied inside the Chroma query (not after it).

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
        if self.min_price is not None:  # the highest price is the lowest one when "price_max" is absent
            clauses.append({"$or": [{"price": {"$gte": float(self.min_price)}},
                                    {"price_max": {"$gte": float(self.min_price)}}]})
        if self.max_price is not None:
            clauses.append({"price": {"$lte": float(self.max_price)}})
        if self.in_stock_only:  # a unit in stock in the asked color and size (see ``stock_keys``)
            clauses.append({"stock_keys": {"$contains": self.stock_key()}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def stock_key(self) -> str:
        return f"{(self.color or ANY).lower()}|{(self.size or ANY).lower()}"

    def matches(self, product: Product) -> bool:
        """The same constraints as ``to_where``, for candidates that do not come from the index
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
class ProductHit:
    product: Product
    score: float  # cosine similarity of the request to the product (the ranker's relevance scale)
    fused: float = 0.0  # the reciprocal-rank-fusion score that ordered the hits (0 for one retriever)


@dataclass(frozen=True)
class FaqChunk:
    id: str  # "<entry id>#<n>", n from 1
    entry_id: str
    text: str
    score: float = 0.0  # cosine similarity to the query, when retrieved

    @property
    def number(self) -> int:
        return int(self.id.rpartition("#")[2])


@dataclass(frozen=True)
class FaqHit:
    entry: FaqEntry
    score: float  # the best chunk's cosine similarity
    chunks: tuple[FaqChunk, ...] = ()  # the entry's retrieved chunks, best first


def stock_keys(product: Product) -> list[str]:
    """"color|size" pairs (either may be ``*``, not asked) for which a unit is in stock: the
    in-stock filter as metadata, so the vector store applies ``Product.in_stock_for`` in its query."""
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


def _hash(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def product_record(product: Product) -> IndexRecord:
    low, high = product.price_range
    meta: dict[str, Any] = {
        "category": product.category,
        "subcategory": product.subcategory,
        "brand": product.brand.lower(),
        "price": float(low),  # the lowest price; "price_max" only when the variants differ in price
        "in_stock": product.in_stock,
        "rating": float(product.rating or 0.0),
    }
    if high != low:
        meta["price_max"] = float(high)
    if product.colors:
        meta["colors"] = product.colors
    if product.sizes:
        meta["sizes"] = product.sizes
    if keys := stock_keys(product):
        meta["stock_keys"] = keys
    # the metadata is part of the hash: a change in what is filtered on rewrites the record
    return IndexRecord(product.id, product.search_text(), _hash(product.content_hash(), meta), meta)


def current_faq(entries: list[FaqEntry]) -> list[FaqEntry]:
    """Drop entries superseded by a newer one that exists (the newer policy wins)."""
    ids = {e.id for e in entries}
    return [e for e in entries if not (e.superseded_by and e.superseded_by in ids)]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def faq_chunks(entry: FaqEntry, max_words: int = CHUNK_WORDS) -> list[FaqChunk]:
    """The entry's body in sections: paragraphs (blank-line separated) kept whole when they fit, long
    ones split at sentence ends into parts of about equal size; short neighbours are not merged
    across paragraphs. Ids are ``<entry id>#1``, ``#2``, … in reading order."""
    parts: list[str] = []
    for paragraph in re.split(r"\n\s*\n", entry.body.strip()):
        sentences = _sentences(" ".join(paragraph.split()))
        words = sum(len(s.split()) for s in sentences)
        if not sentences:
            continue
        pieces = -(-words // max_words)  # ceil
        target = words / pieces
        current: list[str] = []
        count = 0
        for sentence in sentences:
            n = len(sentence.split())
            if current and count + n / 2 > target:
                parts.append(" ".join(current))
                current, count = [], 0
            current.append(sentence)
            count += n
        parts.append(" ".join(current))
    return [FaqChunk(f"{entry.id}#{i}", entry.id, text) for i, text in enumerate(parts, start=1)]


def faq_record(entry: FaqEntry) -> IndexRecord:
    """The whole entry (collection ``FAQ``)."""
    return IndexRecord(
        entry.id, entry.search_text(), entry.content_hash(), {"topic": entry.topic, "updated": entry.updated.isoformat()}
    )


def faq_chunk_records(entry: FaqEntry) -> list[IndexRecord]:
    """One record per section (collection ``FAQ_CHUNKS``): the entry's title gives each its context."""
    meta = {"entry_id": entry.id, "topic": entry.topic, "updated": entry.updated.isoformat()}
    return [IndexRecord(c.id, f"{entry.title}\n{c.text}", _hash(entry.content_hash(), c.id), meta)
            for c in faq_chunks(entry)]


def rrf(rankings: Sequence[Sequence[str]], k: float = RRF_K, weights: Sequence[float] | None = None) -> dict[str, float]:
    """Reciprocal rank fusion: each id scores ``sum(weight / (k + rank))`` over the lists it is in
    (rank from 1). Returned best first; ties keep the order of first appearance."""
    weights = weights if weights is not None else [1.0] * len(rankings)
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, id_ in enumerate(ranking, start=1):
            fused[id_] = fused.get(id_, 0.0) + weight / (k + rank)
    return dict(sorted(fused.items(), key=lambda kv: -kv[1]))


class FilterColumns:
    """The filterable fields of the products at ``ids`` as arrays and per-value masks, so a
    ``ProductFilter`` becomes a boolean mask with a few numpy operations (the same constraints as
    ``ProductFilter.matches`` and the Chroma ``where``, in-stock through ``stock_keys``)."""

    def __init__(self, ids: Sequence[str], catalog: Catalog):
        n = len(ids)
        self.known = np.zeros(n, dtype=bool)
        self.price = np.full(n, np.nan)  # the lowest price of each product
        self.price_max = np.full(n, np.nan)  # and its highest
        self.values: dict[str, dict[str, np.ndarray]] = {f: {} for f in
                                                         ("category", "subcategory", "brand", "colors", "sizes", "stock")}
        rows: dict[str, dict[str, list[int]]] = {f: {} for f in self.values}
        for i, id_ in enumerate(ids):
            product = catalog.get(id_)
            if product is None:
                continue
            self.known[i] = True
            self.price[i], self.price_max[i] = product.price_range
            for name, vals in (("category", [product.category]), ("subcategory", [product.subcategory]),
                               ("brand", [product.brand.lower()]), ("colors", product.colors),
                               ("sizes", product.sizes), ("stock", stock_keys(product))):
                for v in vals:
                    rows[name].setdefault(v, []).append(i)
        for name, by_value in rows.items():
            for v, idx in by_value.items():
                mask = np.zeros(n, dtype=bool)
                mask[idx] = True
                self.values[name][v] = mask

    def _is(self, name: str, value: str) -> np.ndarray:
        found = self.values[name].get(value)
        return found if found is not None else np.zeros_like(self.known)

    def mask(self, f: ProductFilter) -> np.ndarray:
        out = self.known.copy()
        if f.category:
            out &= self._is("category", f.category)
        if f.subcategories:
            out &= np.logical_or.reduce([self._is("subcategory", s) for s in f.subcategories])
        if f.brand:
            out &= self._is("brand", f.brand.lower())
        if f.color:
            out &= self._is("colors", f.color.lower())
        if f.size:
            out &= self._is("sizes", f.size.lower())
        if f.min_price is not None:
            out &= self.price_max >= float(f.min_price)
        if f.max_price is not None:
            out &= self.price <= float(f.max_price)
        if f.in_stock_only:
            out &= self._is("stock", f.stock_key())
        return out


class Retriever:
    """Searches products (hybrid, dense or BM25) and FAQ chunks; returns our records with scores.

    Without a ``lexical`` index, product search is dense only."""

    def __init__(self, index: VectorIndex, catalog: Catalog, faq_entries: list[FaqEntry],
                 lexical: LexicalIndex | None = None, mode: SearchMode = "hybrid",
                 rrf_k: float = RRF_K, bm25_weight: float = BM25_WEIGHT, depth: int = FUSION_DEPTH,
                 in_memory_min: int = IN_MEMORY_MIN):
        self.index = index
        self.catalog = catalog
        self.faq = {e.id: e for e in faq_entries}
        self.lexical = lexical
        self.mode: SearchMode = mode if lexical is not None else "dense"
        self.rrf_k = rrf_k
        self.bm25_weight = bm25_weight
        self.depth = depth
        self._columns: FilterColumns | None = None
        self._matrix: tuple[np.ndarray, np.ndarray] | None = None
        self.in_memory_min = in_memory_min

    # -- products -------------------------------------------------------------------------------
    def allowed(self, filters: ProductFilter) -> np.ndarray | None:
        """The filter as a mask over the BM25 index's products; a product the catalog does not know
        is never allowed. Computed on columns built once per retriever (a few ms at 50k products)."""
        assert self.lexical is not None
        if self._columns is None:
            self._columns = FilterColumns(self.lexical.ids, self.catalog)
        return self._columns.mask(filters)

    def dense_ids(self, query: str, filters: ProductFilter, k: int) -> dict[str, float]:
        """The top ``k`` by cosine under the filter: id -> cosine similarity, best first. Chroma's
        query (its ``where``) for small catalogs; from ``IN_MEMORY_MIN`` products on, an exact scan of
        the stored vectors under the filter mask (Chroma's filtered query takes ~100 ms at 50k)."""
        if self.lexical is None or len(self.lexical.ids) < self.in_memory_min:
            return {h.id: h.score for h in self.index.query(PRODUCTS, query, k=k, where=filters.to_where())}
        ids = self.lexical.ids
        matrix, has_vector = self.dense_matrix()
        allowed = self.allowed(filters)
        assert allowed is not None
        scores = np.where(allowed & has_vector, matrix @ self.index.query_vector(query), -np.inf)
        top = np.flatnonzero(np.isfinite(scores))
        if len(top) > k:
            top = top[np.argpartition(-scores[top], k - 1)[:k]]
        order = sorted(top, key=lambda i: (-scores[i], ids[i]))
        return {ids[i]: float(scores[i]) for i in order}

    def dense_matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """The products' stored vectors in BM25 index order (read from Chroma once per retriever) and
        which products have one."""
        if self._matrix is None:
            assert self.lexical is not None
            ids = self.lexical.ids
            found: dict[str, np.ndarray] = {}
            for start in range(0, len(ids), 5000):
                found.update(self.index.vectors(PRODUCTS, ids[start : start + 5000]))
            dim = len(next(iter(found.values()))) if found else 1
            matrix = np.zeros((len(ids), dim), dtype=np.float32)
            has_vector = np.zeros(len(ids), dtype=bool)
            for i, id_ in enumerate(ids):
                if (vector := found.get(id_)) is not None:
                    matrix[i], has_vector[i] = vector, True
            self._matrix = (matrix, has_vector)
        return self._matrix

    def bm25_ids(self, query: str, filters: ProductFilter, k: int) -> dict[str, float]:
        """BM25's top ``k`` among the products that pass the filter: id -> BM25 score, best first."""
        if self.lexical is None:
            return {}
        return dict(self.lexical.search(query, k, self.allowed(filters)))

    def search_products(self, query: str, filters: ProductFilter | None = None, k: int = 20,
                        mode: SearchMode | None = None) -> list[ProductHit]:
        """The ``k`` best products for ``query`` that pass ``filters`` (applied inside each store's
        query, before its top k). ``mode``: ``hybrid`` (default when a BM25 index is loaded) fuses
        BM25 and dense candidates by reciprocal rank; ``dense`` or ``bm25`` use one retriever."""
        filters = filters or ProductFilter()
        mode = mode or self.mode
        if k <= 0:
            return []
        if mode == "dense" or self.lexical is None:
            dense = self.dense_ids(query, filters, k)
            return self._hits(list(dense)[:k], dense, {}, filters)
        depth = max(k, self.depth) if mode == "hybrid" else k
        lexical = self.bm25_ids(query, filters, depth)
        if mode == "bm25":
            ids = list(lexical)[:k]
            return self._hits(ids, self.relevance(query, ids), {}, filters)
        dense = self.dense_ids(query, filters, depth)
        fused = rrf([list(dense), list(lexical)], self.rrf_k, [1.0, self.bm25_weight])
        ids = list(fused)[:k]
        cosine = dict(dense)
        missing = [i for i in ids if i not in cosine]
        cosine.update(self.relevance(query, missing))
        return self._hits(ids, cosine, fused, filters)

    def _hits(self, ids: Sequence[str], cosine: Mapping[str, float], fused: Mapping[str, float],
              filters: ProductFilter) -> list[ProductHit]:
        out = []
        for id_ in ids:
            product = self.catalog.get(id_)
            if product is None:
                continue  # index ahead of the catalog during a re-ingest; skip, never invent
            if not filters.fits_budget(product):
                continue  # the index filters on the price range; a variant of the asked kind must fit
            out.append(ProductHit(product, float(cosine.get(id_, 0.0)), float(fused.get(id_, 0.0))))
        return out

    def relevance(self, query: str, product_ids: list[str]) -> dict[str, float]:
        """Cosine similarity of the request to products found another way (same scale as search)."""
        stored = self.index.vectors(PRODUCTS, product_ids)
        if not stored:
            return {}
        query_vector = self.index.query_vector(query)
        return {pid: float(vec @ query_vector) for pid, vec in stored.items()}

    # -- FAQ ----------------------------------------------------------------------------------------
    def search_faq(self, query: str, k: int = 3) -> list[FaqHit]:
        """The ``k`` best current entries, each with its matching sections (best first). An entry is
        scored by its whole text, or by its best section if it is too long for the encoder (more
        than ``LONG_ENTRY_WORDS`` words). Superseded or unknown entries are never returned."""
        scores = {h.id: h.score for h in self.index.query(FAQ, query, k=2 * k) if h.id in self.faq}
        chunk_hits = self.index.query(FAQ_CHUNKS, query, k=4 * k)
        if scores:  # every section of the entries found whole, to quote and cite the matching ones
            chunk_hits += self.index.query(FAQ_CHUNKS, query, k=1000, where={"entry_id": {"$in": list(scores)}})
        chunks: dict[str, dict[str, FaqChunk]] = {}
        for h in chunk_hits:
            entry_id = h.id.rpartition("#")[0]
            entry = self.faq.get(entry_id)
            if entry is None:
                continue
            text = h.text.split("\n", 1)[1] if h.text.startswith(entry.title + "\n") else h.text
            chunks.setdefault(entry_id, {})[h.id] = FaqChunk(h.id, entry_id, text, h.score)
        for entry_id, found in chunks.items():
            if len(self.faq[entry_id].body.split()) > LONG_ENTRY_WORDS:
                scores[entry_id] = max(scores.get(entry_id, -1.0), max(c.score for c in found.values()))
        hits = [FaqHit(self.faq[e], score, tuple(sorted(chunks.get(e, {}).values(), key=lambda c: -c.score)))
                for e, score in scores.items()]
        return sorted(hits, key=lambda h: -h.score)[:k]
