"""Product and FAQ retrieval, with the shopper's constraints as filters inside each store's query.

Products are found by hybrid search: BM25 keyword scores (``knowledge/retrieval/lexical.py``) and MiniLM
vectors in the vector index (``index.ProductIndex``; Chroma), each taking its top candidates among the
products that pass the filters, fused by reciprocal rank fusion. The filter (``filters.ProductFilter``)
is handed to each store as it is: each translates it into its own dialect. FAQ entries are indexed whole and as section chunks (``returns-window#2``):
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
from knowledge.retrieval.filters import (
    FieldIn,
    ProductFilter,
    attribute_pairs,
    color_set,
    material_words,
    stock_color_sets,
    stock_keys,
)
from knowledge.retrieval.index import IndexRecord, ProductIndex
from knowledge.retrieval.lexical import FilterColumns, LexicalIndex
from knowledge.schemas import FaqEntry, Product

PRODUCTS = "products"
FAQ = "faq"
FAQ_CHUNKS = "faq_chunks"
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
    # what exclusions filter on ("anything but black", "no wool"; see ``filters.ProductFilter``)
    if product.colors:
        meta["color_set"] = color_set(product.colors)
    if color_sets := stock_color_sets(product):
        meta["stock_color_sets"] = color_sets
    if materials := material_words(product):
        meta["materials"] = sorted(materials)
    if pairs := attribute_pairs(product):  # "for women" (``ProductFilter.attributes``)
        meta["attribute_pairs"] = pairs
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


class Retriever:
    """Searches products (hybrid, dense or BM25) and FAQ chunks; returns our records with scores.

    Without a ``lexical`` index, product search is dense only."""

    def __init__(self, index: ProductIndex, catalog: Catalog, faq_entries: list[FaqEntry],
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
            return {h.id: h.score for h in self.index.query(PRODUCTS, query, k=k, where=filters)}
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
            if not filters.matches(product):
                # the index filters on the price range (a variant of the asked kind must fit), and an
                # index not yet re-synced since its metadata gained a key lets every record pass a
                # filter on that key: the exact check has the last word
                continue
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
            chunk_hits += self.index.query(FAQ_CHUNKS, query, k=1000, where=FieldIn("entry_id", tuple(scores)))
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
