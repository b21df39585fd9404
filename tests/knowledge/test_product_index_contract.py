"""The ``ProductIndex`` contract, one suite run against every implementation: the Chroma adapter
embedded (on disk) and through a Chroma server (``chroma run``, marked slow: it starts a process).
Records are embedded with ``HashingEmbedder``; each test uses its own collection names."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from knowledge.retrieval.embed import HashingEmbedder
from knowledge.retrieval.filters import AttributeValue, FieldIn, ProductFilter
from knowledge.retrieval.index import IndexRecord, ProductIndex
from knowledge.retrieval.search import product_record
from knowledge.retrieval.vector_index import VectorIndex
from knowledge.schemas import Product, Variant
from knowledge.store.database import SyncCounts


def item(pid: str, title: str, category: str, subcategory: str, price: float, stock: int, colors=(), sizes=(),
         variants=(), brand: str = "Acme", material: str | None = None, tags=(), fit: str | None = None) -> Product:
    attributes: dict[str, str | list[str]] = {"fit": fit} if fit else {}
    if colors:
        attributes["color"] = list(colors)
    if sizes:
        attributes["size"] = list(sizes)
    if material:
        attributes["material"] = material
    return Product(id=pid, title=title, brand=brand, category=category, subcategory=subcategory, price=price,
                   stock=stock, attributes=attributes, tags=list(tags), description=f"{title} for everyday use.",
                   variants=list(variants))


PRODUCTS = [
    item("S1", "Road Running Shoe", "shoes", "running", 80.0, 5, ["blue", "black"], ["8", "9"],
         brand="Pacer", material="engineered mesh, rubber sole", fit="wide"),
    item("S2", "Trail Shoe", "shoes", "trail", 120.0, 0, ["green"], brand="Pacer", material="suede and leather",
         fit="narrow"),
    item("S3", "Beach Sandal", "shoes", "sandals", 30.0, 4, ["blue"], material="EVA foam", tags=["PVC-free"],
         fit="any"),
    item("K1", "Stoneware Coffee Mug", "kitchen", "mugs", 12.0, 10, tags=["ceramics"]),
    item("K2", "Electric Kettle", "kitchen", "kettles", 60.0, 2, ["silver"], brand="Boil Co"),
    item("A1", "Cotton Tee", "apparel", "t-shirts", 15.0, 3, ["Blue", "white"], ["M", "L"], material="organic cotton",
         variants=[Variant(sku="A1-B", color="blue", size="M", stock=0),
                   Variant(sku="A1-W", color="white", size="L", stock=3, price=25.0)]),
    item("A2", "Black Wool Beanie", "apparel", "hats", 22.0, 4, ["black"], brand="Pacer", material="merino wool",
         variants=[Variant(sku="A2-K", color="black", stock=4)]),
    item("A3", "Sock Pack", "apparel", "socks", 9.0, 6, ["black", "white", "gray"], ["M"], tags=["leather-free"],
         variants=[Variant(sku="A3-K", color="black", size="M", stock=6, price=9.0),
                   Variant(sku="A3-W", color="white", size="M", stock=0, price=12.0),
                   Variant(sku="A3-G", color="gray", size="M", stock=0, price=12.0)]),
]
BY_ID = {p.id: p for p in PRODUCTS}
FILTERS = [
    ProductFilter(),
    ProductFilter(category="shoes"),
    ProductFilter(subcategories=("running",)),
    ProductFilter(subcategories=("running", "trail", "mugs")),
    ProductFilter(color="blue"),
    ProductFilter(color="BLUE", size="m"),
    ProductFilter(size="L"),
    ProductFilter(min_price=20, max_price=80),
    ProductFilter(min_price=20),
    ProductFilter(max_price=15),
    ProductFilter(in_stock_only=True),
    ProductFilter(color="blue", in_stock_only=True),
    ProductFilter(size="M", in_stock_only=True),
    ProductFilter(category="shoes", color="blue", max_price=100, in_stock_only=True),
    ProductFilter(category="garden"),
    # exclusions: brand, category or product type, material (a word of the attributes or tags), colour
    ProductFilter(exclude_brands=("pacer",)),
    ProductFilter(exclude_brands=("Pacer", "Boil Co"), category="shoes"),
    ProductFilter(exclude_categories=("shoes",)),
    ProductFilter(exclude_categories=("t-shirts", "mugs")),
    ProductFilter(exclude_materials=("leather",)),
    ProductFilter(exclude_materials=("wool", "cotton")),
    ProductFilter(exclude_materials=("pvc",)),
    ProductFilter(exclude_materials=("ceramic",)),
    ProductFilter(exclude_colors=("black",)),
    ProductFilter(exclude_colors=("black", "blue")),
    ProductFilter(exclude_colors=("white", "black", "gray", "blue")),
    ProductFilter(exclude_colors=("black",), in_stock_only=True),
    ProductFilter(exclude_colors=("black",), size="m", in_stock_only=True),
    ProductFilter(exclude_colors=("black",), max_price=10),
    ProductFilter(exclude_colors=("black",), color="black"),
    ProductFilter(exclude_colors=("blue",), color="white", in_stock_only=True),
    ProductFilter(exclude_brands=("pacer",), exclude_colors=("silver",), exclude_materials=("cotton",),
                  exclude_categories=("sandals",), in_stock_only=True),
    # a wanted attribute value rules out the products with the values it names; those without the attribute pass
    ProductFilter(attributes=(AttributeValue("fit", "wide", ("narrow",)),)),
    ProductFilter(attributes=(AttributeValue("fit", "wide", ("narrow", "any")),), category="shoes"),
    ProductFilter(attributes=(AttributeValue("fit", "narrow", ("wide",)),), exclude_brands=("pacer",)),
]


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.slow)])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ProductIndex]:
    embedder = HashingEmbedder(dimension=64)
    if request.param == "embedded":
        yield VectorIndex(tmp_path / "chroma", embedder)
    else:
        yield VectorIndex(tmp_path / "unused", embedder, url=request.getfixturevalue("shared_chroma_url"))


@pytest.fixture
def name() -> str:
    """A collection of this test's own (the server is shared by the session)."""
    return f"contract-{uuid.uuid4().hex[:12]}"


def records(*texts: str) -> list[IndexRecord]:
    return [IndexRecord(f"r{i}", text, f"h-{text}", {"group": "odd" if i % 2 else "even"})
            for i, text in enumerate(texts)]


def test_sync_adds_updates_and_deletes_by_content_hash(index: ProductIndex, name: str) -> None:
    assert index.count(name) == 0 and index.hashes(name) == {}
    first = records("red mug", "blue kettle", "green tee")
    assert index.sync(name, first) == SyncCounts(added=3, updated=0, deleted=0, unchanged=0)
    assert index.count(name) == 3
    assert index.hashes(name) == {"r0": "h-red mug", "r1": "h-blue kettle", "r2": "h-green tee"}
    assert index.sync(name, first) == SyncCounts(added=0, updated=0, deleted=0, unchanged=3)

    changed = [first[0], IndexRecord("r1", "steel kettle", "h-steel kettle"), IndexRecord("r9", "oak spoon", "h-oak")]
    assert index.sync(name, changed) == SyncCounts(added=1, updated=1, deleted=1, unchanged=1)
    assert index.hashes(name) == {"r0": "h-red mug", "r1": "h-steel kettle", "r9": "h-oak"}
    assert index.sync(name, []) == SyncCounts(added=0, updated=0, deleted=3, unchanged=0)
    assert index.count(name) == 0


def test_drop_empties_a_collection_and_leaves_the_others(index: ProductIndex, name: str) -> None:
    index.sync(name, records("red mug", "blue kettle"))
    index.sync(f"{name}-other", records("oak spoon"))
    index.drop(name)
    assert index.count(name) == 0 and index.hashes(name) == {} and index.query(name, "mug") == []
    assert index.count(f"{name}-other") == 1
    index.drop(f"{name}-never-written")  # dropping what is not there is fine
    assert index.sync(name, records("red mug")).added == 1


def test_vectors_round_trip_and_match_the_query_vector(index: ProductIndex, name: str) -> None:
    index.sync(name, records("red mug", "blue kettle"))
    stored = index.vectors(name, ["r1", "r0", "missing", "r1"])
    assert set(stored) == {"r0", "r1"}
    assert np.allclose(stored["r0"], index.query_vector("red mug"), atol=1e-5)
    assert index.vectors(name, []) == {}


def test_query_orders_hits_by_similarity_with_text(index: ProductIndex, name: str) -> None:
    index.sync(name, records("red stoneware mug", "blue steel kettle", "green cotton tee", "red cotton tee"))
    hits = index.query(name, "red cotton tee", k=3)
    assert [h.id for h in hits][:1] == ["r3"] and hits[0].text == "red cotton tee"
    assert len(hits) == 3 and all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)
    query = index.query_vector("red cotton tee")
    for h in hits:  # the score is the cosine similarity of the stored vector to the query
        assert h.score == pytest.approx(float(index.vectors(name, [h.id])[h.id] @ query), abs=1e-4)
    assert len(index.query(name, "tee", k=50)) == 4
    assert index.query(name, "tee", k=0) == []
    assert index.query(f"{name}-empty", "tee") == []


def test_field_in_selects_records_by_metadata(index: ProductIndex, name: str) -> None:
    index.sync(name, records("a mug", "a kettle", "a tee", "a spoon"))
    assert {h.id for h in index.query(name, "mug", k=10, where=FieldIn("group", ("odd",)))} == {"r1", "r3"}
    assert {h.id for h in index.query(name, "mug", k=10, where=FieldIn("group", ("odd", "even")))} == {
        "r0", "r1", "r2", "r3"}
    assert index.query(name, "mug", k=10, where=FieldIn("group", ("none",))) == []


@pytest.fixture
def products(index: ProductIndex, name: str) -> str:
    index.sync(name, [product_record(p) for p in PRODUCTS])
    return name


@pytest.mark.parametrize("flt", FILTERS, ids=repr)
def test_product_filter_restricts_hits_as_matches_says(index: ProductIndex, products: str, flt: ProductFilter) -> None:
    """The store keeps a product when its price range meets the budget; of those, the ones with a
    variant of the asked kind within the budget (``fits_budget``) are exactly the ones ``matches``."""
    found = {h.id for h in index.query(products, "shoe mug tee kettle sandal", k=50, where=flt)}
    expected = {p.id for p in PRODUCTS if flt.matches(p)}
    assert expected <= found
    assert {i for i in found if flt.fits_budget(BY_ID[i])} == expected


def test_the_price_range_is_what_the_store_filters_on(index: ProductIndex, products: str) -> None:
    # A1 costs 15 (blue M, sold out) or 25 (white L): a budget of 20+ keeps it, of 20+ in blue it is
    # kept by the store (its range meets the budget) and dropped by the exact check
    assert "A1" in {h.id for h in index.query(products, "tee", k=50, where=ProductFilter(min_price=20))}
    blue = ProductFilter(min_price=20, color="blue")
    assert "A1" in {h.id for h in index.query(products, "tee", k=50, where=blue)}
    assert not blue.matches(BY_ID["A1"])


@pytest.mark.parametrize("flt", [f for f in FILTERS if f.has_exclusions() or f.attributes], ids=repr)
def test_the_bm25_mask_applies_the_same_exclusions(flt: ProductFilter) -> None:
    """The BM25 store's mask (``FilterColumns``) leaves out what ``matches`` leaves out, exactly
    (it checks the budget exactly too, after the query)."""
    from knowledge.catalog import Catalog
    from knowledge.retrieval.lexical import FilterColumns

    ids = [p.id for p in PRODUCTS]
    mask = FilterColumns(ids, Catalog(PRODUCTS)).mask(flt)
    kept = {i for i, keep in zip(ids, mask.tolist(), strict=True) if keep}
    assert {i for i in kept if flt.fits_budget(BY_ID[i])} == {p.id for p in PRODUCTS if flt.matches(p)}


def test_exclusions_as_the_shopper_means_them() -> None:
    """A colour excludes only products sold in nothing else; "<word>-free" does not name the word."""
    kept = {p.id for p in PRODUCTS if ProductFilter(exclude_colors=("black",)).matches(p)}
    assert "A2" not in kept and {"S1", "A3"} <= kept  # only black: out; black and other colours: in
    # the sock pack is in stock only in black: "anything but black, in stock" leaves it out
    assert not ProductFilter(exclude_colors=("black",), in_stock_only=True).matches(BY_ID["A3"])
    # its other colours cost 12: "anything but black under 10" leaves it out too
    assert not ProductFilter(exclude_colors=("black",), max_price=10).matches(BY_ID["A3"])
    assert ProductFilter(max_price=10).matches(BY_ID["A3"])
    assert not ProductFilter(exclude_materials=("leather",)).matches(BY_ID["S2"])  # "suede and leather"
    assert ProductFilter(exclude_materials=("leather",)).matches(BY_ID["A3"])  # tagged "leather-free"
    assert not ProductFilter(exclude_materials=("wool",)).matches(BY_ID["A2"])  # "merino wool"
    assert not ProductFilter(exclude_categories=("hats",)).matches(BY_ID["A2"])  # a product type
    assert not ProductFilter(exclude_brands=("PACER",)).matches(BY_ID["S1"])
    wide = ProductFilter(attributes=(AttributeValue("fit", "wide", ("narrow",)),))
    assert wide.matches(BY_ID["S1"]) and not wide.matches(BY_ID["S2"])  # wide: in; narrow: out
    assert wide.matches(BY_ID["S3"]) and wide.matches(BY_ID["K1"])  # a value it does not rule out; no fit at all
