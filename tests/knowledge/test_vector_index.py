"""VectorIndex over a real on-disk Chroma, with the hashing embedder; Retriever and current_faq."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from knowledge.catalog import Catalog
from knowledge.retrieval.embed import HashingEmbedder
from knowledge.retrieval.filters import FieldIn, ProductFilter
from knowledge.retrieval.search import (
    FAQ,
    PRODUCTS,
    Retriever,
    current_faq,
    faq_record,
    product_record,
)
from knowledge.retrieval.vector_index import VectorIndex, chroma_where
from knowledge.schemas import FaqEntry, Product, Variant
from knowledge.store.database import SyncCounts


class CountingEmbedder(HashingEmbedder):
    """Remembers every text it was asked to embed."""

    def __init__(self) -> None:
        super().__init__(dimension=128)
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts.extend(texts)
        return super().embed(texts)


def product(pid, title, category, subcategory, brand, price, stock, colors=(), sizes=(), variants=()) -> Product:
    attributes = {}
    if colors:
        attributes["color"] = list(colors)
    if sizes:
        attributes["size"] = list(sizes)
    return Product(id=pid, title=title, brand=brand, category=category, subcategory=subcategory, price=price,
                   stock=stock, attributes=attributes, description=f"{title} for everyday use.",
                   variants=list(variants))


ITEMS = [
    product("S1", "Stride Road Running Shoe", "shoes", "running", "Pacewell", 80.0, 5, ["blue", "black"], ["8", "9"]),
    product("S2", "Ridge Trail Shoe", "shoes", "trail", "Ridge", 120.0, 0, ["green"]),
    product("S3", "Beach Sandal", "shoes", "sandals", "Pacewell", 30.0, 4, ["blue"]),
    product("K1", "Stoneware Coffee Mug", "kitchen", "mugs", "Acme", 12.0, 10),
    product("K2", "Electric Kettle", "kitchen", "kettles", "Acme", 60.0, 2, ["silver"]),
    product("A1", "Cotton Tee", "apparel", "t-shirts", "Plain", 15.0, 3, ["Blue", "white"], ["M", "L"],
            variants=[Variant(sku="A1-B", color="blue", size="M", stock=0),
                      Variant(sku="A1-W", color="white", size="L", stock=3)]),
]
ALL_IDS = {p.id for p in ITEMS}


def faq_entry(fid: str, title: str, superseded_by: str | None = None) -> FaqEntry:
    return FaqEntry(id=fid, title=title, topic="returns", updated=date(2026, 1, 1),
                    body=f"{title}: the details of this policy.", superseded_by=superseded_by)


@pytest.fixture
def embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture
def index(tmp_path, embedder) -> VectorIndex:
    return VectorIndex(tmp_path / "chroma", embedder)


@pytest.fixture
def product_index(index) -> VectorIndex:
    index.sync(PRODUCTS, [product_record(p) for p in ITEMS])
    return index


# -- sync -----------------------------------------------------------------------------------------
def test_first_sync_embeds_every_record(index, embedder):
    counts = index.sync(PRODUCTS, [product_record(p) for p in ITEMS], batch_size=4)

    assert counts == SyncCounts(added=6)
    assert len(embedder.texts) == 6
    assert index.count(PRODUCTS) == 6
    assert index.count(FAQ) == 0


def test_resync_of_unchanged_records_embeds_nothing(product_index, embedder):
    embedder.texts.clear()

    counts = product_index.sync(PRODUCTS, [product_record(p) for p in ITEMS])

    assert counts == SyncCounts(unchanged=6)
    assert embedder.texts == []


def test_resync_embeds_only_changed_and_deletes_stale(product_index, embedder):
    embedder.texts.clear()
    changed = ITEMS[0].model_copy(update={"title": "Stride Road Running Shoe v2"})
    records = [product_record(p) for p in [changed, *ITEMS[1:5]]]  # A1 dropped

    counts = product_index.sync(PRODUCTS, records)

    assert counts == SyncCounts(added=0, updated=1, deleted=1, unchanged=4)
    assert embedder.texts == [changed.search_text()]
    assert product_index.count(PRODUCTS) == 5
    hits = product_index.query(PRODUCTS, "cotton tee", k=10)
    assert "A1" not in {h.id for h in hits}


def test_index_persists_on_disk(product_index, tmp_path):
    reopened_embedder = CountingEmbedder()
    reopened = VectorIndex(tmp_path / "chroma", reopened_embedder)

    assert reopened.count(PRODUCTS) == 6
    assert reopened.sync(PRODUCTS, [product_record(p) for p in ITEMS]) == SyncCounts(unchanged=6)
    assert reopened_embedder.texts == []


# -- query ----------------------------------------------------------------------------------------
def test_query_returns_scores_in_range_sorted_descending(product_index):
    hits = product_index.query(PRODUCTS, ITEMS[3].search_text(), k=10)

    assert {h.id for h in hits} == ALL_IDS
    scores = [h.score for h in hits]
    assert all(-1.0 <= s <= 1.0 + 1e-6 for s in scores)
    assert scores == sorted(scores, reverse=True)
    assert hits[0].id == "K1" and hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert hits[0].text == ITEMS[3].search_text()


def test_query_respects_k_and_empty_collections(product_index):
    assert len(product_index.query(PRODUCTS, "shoe", k=2)) == 2
    assert product_index.query(PRODUCTS, "shoe", k=0) == []
    assert product_index.query(FAQ, "returns", k=3) == []


@pytest.mark.parametrize(("flt", "expected"), [
    (ProductFilter(category="shoes"), {"S1", "S2", "S3"}),
    (ProductFilter(subcategories=("running",)), {"S1"}),
    (ProductFilter(subcategories=("running", "trail")), {"S1", "S2"}),
    (ProductFilter(brand="PACEWELL"), {"S1", "S3"}),
    (ProductFilter(min_price=30, max_price=80), {"S1", "S3", "K2"}),
    (ProductFilter(max_price=15), {"K1", "A1"}),
    (ProductFilter(color="blue"), {"S1", "S3", "A1"}),
    (ProductFilter(size="M"), {"A1"}),
    (ProductFilter(in_stock_only=True), ALL_IDS - {"S2"}),
    (ProductFilter(category="shoes", max_price=100, in_stock_only=True, color="blue"), {"S1", "S3"}),
    (ProductFilter(category="garden"), set()),
])
def test_metadata_filters_are_applied_by_chroma(product_index, flt, expected):
    hits = product_index.query(PRODUCTS, "shoe mug tee kettle", k=50, where=flt)
    assert {h.id for h in hits} == expected


def test_filter_where_shapes():
    assert chroma_where(ProductFilter()) is None and chroma_where(None) is None
    assert chroma_where(ProductFilter(category="shoes")) == {"category": "shoes"}
    assert chroma_where(ProductFilter(subcategories=("a", "b"), in_stock_only=True)) == {
        "$and": [{"subcategory": {"$in": ["a", "b"]}}, {"stock_keys": {"$contains": "*|*"}}]}
    assert chroma_where(ProductFilter(color="Blue", in_stock_only=True)) == {
        "$and": [{"colors": {"$contains": "blue"}}, {"stock_keys": {"$contains": "blue|*"}}]}
    assert chroma_where(FieldIn("entry_id", ("a", "b"))) == {"entry_id": {"$in": ["a", "b"]}}
    assert chroma_where(ProductFilter(exclude_brands=("Pacer",), exclude_materials=("wool",))) == {
        "$and": [{"brand": {"$nin": ["pacer"]}}, {"materials": {"$not_contains": "wool"}}]}
    # a product is left out for its colours only when it comes in no other colour
    assert chroma_where(ProductFilter(exclude_colors=("Black", "red"), size="M", in_stock_only=True)) == {
        "$and": [{"sizes": {"$contains": "m"}}, {"stock_keys": {"$contains": "*|m"}},
                 {"color_set": {"$nin": ["black", "red", "black|red"]}},
                 {"stock_color_sets": {"$not_contains": "m=black"}}, {"stock_color_sets": {"$not_contains": "m=red"}},
                 {"stock_color_sets": {"$not_contains": "m=black|red"}}]}


def test_product_record_metadata():
    record = product_record(ITEMS[5])
    assert record.id == "A1"
    # only the white L variant is in stock: the in-stock filter's keys say exactly that
    assert record.metadata == {"category": "apparel", "subcategory": "t-shirts", "brand": "plain",
                               "price": 15.0, "in_stock": True, "rating": 0.0,
                               "colors": ["blue", "white"], "sizes": ["m", "l"],
                               "stock_keys": ["*|*", "*|l", "white|*", "white|l"],
                               # what exclusions filter on: its colours as one value, the colours in
                               # stock by size ("anything but white, in stock" leaves it out), its words
                               "color_set": "blue|white", "stock_color_sets": ["*=white", "l=white"],
                               "materials": ["cotton", "tee"]}
    assert "colors" not in product_record(ITEMS[3]).metadata  # Chroma cannot store empty lists
    assert "stock_keys" not in product_record(ITEMS[1]).metadata  # sold out
    # the hash covers the metadata too, so a change in what is filtered on rewrites the record
    restocked = ITEMS[5].model_copy(update={"variants": [v.model_copy(update={"stock": 1}) for v in ITEMS[5].variants],
                                            "stock": 4})
    assert product_record(restocked).content_hash != record.content_hash


# -- Retriever --------------------------------------------------------------------------------------
def test_search_products_skips_ids_unknown_to_the_catalog(product_index):
    catalog = Catalog([p for p in ITEMS if p.id != "S1"])
    retriever = Retriever(product_index, catalog, [])

    hits = retriever.search_products(ITEMS[0].search_text(), k=10)

    assert {h.product.id for h in hits} == ALL_IDS - {"S1"}
    assert all(h.product is catalog.get(h.product.id) for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_search_products_in_stock_checks_the_matching_variant(product_index):
    retriever = Retriever(product_index, Catalog(ITEMS), [])

    hits = retriever.search_products("tee", ProductFilter(color="blue", in_stock_only=True), k=10)

    # A1 has stock, but its blue variant is sold out.
    assert {h.product.id for h in hits} == {"S1", "S3"}
    white = retriever.search_products("tee", ProductFilter(color="white", in_stock_only=True), k=10)
    assert [h.product.id for h in white] == ["A1"]


def test_current_faq_drops_superseded_entries():
    old = faq_entry("returns-2025", "Returns window (old)", superseded_by="returns")
    new = faq_entry("returns", "Returns window")
    orphan = faq_entry("gift-2024", "Gift wrap", superseded_by="gift-2026")  # successor not present

    assert current_faq([old, new, orphan]) == [new, orphan]


def test_search_faq_returns_only_known_entries(index):
    entries = [faq_entry("returns", "Returns window"), faq_entry("shipping", "Shipping times"),
               faq_entry("returns-2025", "Returns window (old)", superseded_by="returns")]
    assert index.sync(FAQ, [faq_record(e) for e in current_faq(entries)]) == SyncCounts(added=2)
    retriever = Retriever(index, Catalog([]), entries[:1])

    hits = retriever.search_faq("returns window", k=3)

    assert [h.entry.id for h in hits] == ["returns"]
    assert faq_record(entries[0]).metadata == {"topic": "returns", "updated": "2026-01-01"}
