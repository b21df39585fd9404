"""The catalog as stores keep it: prices by variant, compare-at prices, images, product pages and
currency — validated with errors that name the field, hashed as before when unused, and filtered
by the variant the shopper asked for. Every case runs on a dollar store and a euro store."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from knowledge.catalog import Catalog
from knowledge.importers import read_records
from knowledge.retrieval.embed import HashingEmbedder
from knowledge.retrieval.filters import ProductFilter
from knowledge.retrieval.lexical import FilterColumns
from knowledge.retrieval.search import PRODUCTS, Retriever, product_record
from knowledge.retrieval.vector_index import VectorIndex
from knowledge.schemas import Product

CURRENCIES = ["USD", "EUR"]
DOC = Path(__file__).resolve().parents[2] / "knowledge" / "IMPORT_FORMAT.md"


def row(currency: str = "USD", **fields: object) -> dict:
    base: dict = {"id": "APP-1", "title": "Merino Crew", "brand": "Nordvik", "category": "apparel",
                  "currency": currency, "stock": 7, "description": "A merino crew neck.",
                  "attributes": {"size": ["S", "M", "XL"]}}
    return {**base, **fields}


def sized(currency: str = "USD", **fields: object) -> dict:
    """A sweater priced by size: S and M 79 (M sold out), XL 89 (was 109)."""
    variants = [{"sku": "S", "size": "S", "stock": 5, "price": 79.0},
                {"sku": "M", "size": "M", "stock": 0, "price": 79.0},
                {"sku": "XL", "size": "XL", "stock": 2, "price": 89.0, "compare_at_price": 109.0}]
    return row(currency, variants=variants, **fields)


def problem(data: dict) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        Product.model_validate(data)
    return [(".".join(map(str, e["loc"])) or "row", e["msg"]) for e in caught.value.errors()]


# -- prices --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("currency", CURRENCIES)
def test_a_product_priced_by_variant_needs_no_price_of_its_own(currency: str) -> None:
    product = Product.model_validate(sized(currency))
    assert product.price == 79.0 and product.currency == currency
    assert product.price_range == (79.0, 89.0)
    assert [product.price_of(v) for v in product.variants] == [79.0, 79.0, 89.0]
    assert product.compare_at_of(product.variants[2]) == 109.0 and product.compare_at_of(product.variants[0]) is None


@pytest.mark.parametrize("currency", CURRENCIES)
def test_variants_without_a_price_take_the_products_price_and_compare_at_price(currency: str) -> None:
    data = row(currency, price=50.0, compare_at_price=65.0,
               variants=[{"sku": "S", "size": "S", "stock": 3}, {"sku": "XL", "size": "XL", "stock": 4, "price": 55.0}])
    product = Product.model_validate(data)
    assert product.prices == [50.0, 55.0]
    assert product.compare_at_of(product.variants[0]) == 65.0  # inherits with the price
    assert product.compare_at_of(product.variants[1]) is None  # its own price, no "was" of its own
    assert product.offer(size="S") == (50.0, 50.0, 65.0)
    assert product.offer() == (50.0, 55.0, None)


def test_an_omitted_price_is_required_when_a_variant_has_none() -> None:
    assert problem(row(variants=[{"sku": "S", "size": "S", "stock": 7}])) == [("price", "Field required")]
    partly = row(variants=[{"sku": "S", "size": "S", "stock": 3, "price": 20.0}, {"sku": "XL", "size": "XL", "stock": 4}])
    [(where, message)] = problem(partly)
    assert where == "row" and "price is required unless every variant has its own price" in message
    assert "XL" in message
    assert problem(row()) == [("price", "Field required")]


@pytest.mark.parametrize(("data", "field"), [
    (row(price=50.0, compare_at_price=50.0), "compare_at_price"),
    (row(price=50.0, compare_at_price=45.0), "compare_at_price"),
    (row(price=50.0, variants=[{"sku": "S", "stock": 7, "price": 40.0, "compare_at_price": 39.0}]),
     "variants.0.compare_at_price"),
])
def test_a_compare_at_price_must_be_above_the_price_it_belongs_to(data: dict, field: str) -> None:
    [(where, message)] = problem(data)
    assert where == field and "must be greater than" in message


def test_a_variant_compare_at_price_is_checked_against_the_inherited_price() -> None:
    [(where, message)] = problem(row(price=50.0, variants=[{"sku": "S", "stock": 7, "compare_at_price": 45.0}]))
    assert where == "row" and "variant S: compare_at_price 45 must be greater than its price 50" in message


@pytest.mark.parametrize("price", [0, -1, 1_000_000])
def test_a_variant_price_is_bounded_like_a_product_price(price: float) -> None:
    [(where, _)] = problem(row(price=10.0, variants=[{"sku": "S", "stock": 7, "price": price}]))
    assert where == "variants.0.price"


def test_currency_is_an_iso_code_upper_cased() -> None:
    assert Product.model_validate(row("eur", price=10.0)).currency == "EUR"
    assert Product.model_validate(row(price=10.0) | {"currency": "USD"}).currency == "USD"
    [(where, message)] = problem(row("XXQ", price=10.0))
    assert where == "currency" and "ISO 4217" in message


# -- images and product pages ------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["https://cdn.shop.example/a.jpg", "http://shop.example/img?id=3",
                                 "apparel/app-1.jpg", "app_1.webp", "a/b/c-1.PNG"])
def test_image_urls_and_image_files_are_accepted(url: str) -> None:
    assert Product.model_validate(row(price=10.0, image_url=url)).image_url == url


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JavaScript:alert(1)", "data:image/png;base64,AAAA", "ftp://shop.example/a.jpg",
    "//evil.example/a.jpg", "https://", "../secret.png", "a/../../b.png", "/etc/passwd.png", ".hidden.png",
    "a/.git/x.png", "a\\..\\b.png", "notes.txt", "image.svg", "a b.png",
])
def test_bad_image_urls_are_refused_naming_the_field(url: str) -> None:
    [(where, _message)] = problem(row(price=10.0, image_url=url))
    assert where == "image_url"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "shop.example/p/1", "mailto:a@b.example", "/p/1"])
def test_a_product_page_must_be_an_http_url(url: str) -> None:
    [(where, message)] = problem(row(price=10.0, url=url))
    assert where == "url" and "http" in message


def test_blank_image_and_page_cells_mean_none() -> None:
    product = Product.model_validate(row(price=10.0, image_url=" ", url=""))
    assert product.image_url is None and product.url is None


# -- the import files --------------------------------------------------------------------------------------

def test_csv_and_jsonl_rows_report_the_new_fields_by_line(tmp_path: Path) -> None:
    csv = tmp_path / "catalog.csv"
    csv.write_text(
        "id,title,brand,category,price,compare_at_price,currency,stock,description,image_url,url,variants\n"
        "K-1,Enamel Kettle,Acme,kitchen,34.50,42.00,GBP,12,A kettle.,https://cdn.shop.example/k.jpg,https://shop.example/k,\n"
        "K-2,Steel Kettle,Acme,kitchen,34.50,30.00,GBP,12,A kettle.,,,\n"
        "K-3,Glass Kettle,Acme,kitchen,,,EUR,3,A kettle.,kettles/k-3.jpg,,"
        '"[{""sku"": ""K-3-S"", ""stock"": 3, ""price"": 29.9}]"\n'
        "K-4,Tin Kettle,Acme,kitchen,20,,EUR,3,A kettle.,javascript:x(),,\n", encoding="utf-8")
    result = read_records(csv, Product)
    assert [p.id for p in result.records] == ["K-1", "K-3"]
    assert result.records[1].price == 29.9 and result.records[1].currency == "EUR"
    assert [str(e).split(":")[0:2] for e in result.errors] == [["line 3", " compare_at_price"],
                                                               ["line 5", " image_url"]]
    jsonl = tmp_path / "catalog.jsonl"
    jsonl.write_text(json.dumps(sized("EUR")) + "\n" + json.dumps(row("EUR", id="APP-2")) + "\n", encoding="utf-8")
    result = read_records(jsonl, Product)
    assert [p.id for p in result.records] == ["APP-1"]
    assert str(result.errors[0]) == "line 2: price: Field required"


def test_the_documented_catalog_examples_are_valid() -> None:
    text = DOC.read_text(encoding="utf-8")
    catalog = text[text.index("## Catalog"):text.index("## FAQ")]
    rows = [json.loads(block) for block in re.findall(r"```json\n(.*?)\n```", catalog, re.S)]
    products = [Product.model_validate(r) for r in rows]
    euro = next(p for p in products if p.currency == "EUR")
    assert euro.price == 79.0 and euro.image_url and euro.url and euro.offer(size="XL") == (89.0, 89.0, 109.0)
    for field in ("compare_at_price", "image_url", "`url`", "currency", "images folder", "<data_dir>/images/"):
        assert field in catalog


# -- content hashes ---------------------------------------------------------------------------------------

def _hash_before_these_fields(product: Product) -> str:
    """``content_hash`` as it was computed before variant prices, compare-at prices and images existed."""
    data = product.model_dump(mode="json")
    for name in ("compare_at_price", "image_url", "url"):
        assert data.pop(name) is None
    for variant in data["variants"]:
        assert variant.pop("price") is None and variant.pop("compare_at_price") is None
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


@pytest.mark.parametrize("currency", CURRENCIES)
def test_a_record_without_the_new_fields_hashes_as_before(currency: str) -> None:
    plain = Product.model_validate(row(currency, price=49.0, variants=[{"sku": "S", "size": "S", "stock": 7}]))
    assert plain.content_hash() == _hash_before_these_fields(plain)
    for change in ({"compare_at_price": 60.0}, {"image_url": "a.jpg"}, {"url": "https://shop.example/p"},
                   {"variants": [{"sku": "S", "size": "S", "stock": 7, "price": 45.0}]}):
        assert Product.model_validate(row(currency, price=49.0, variants=[{"sku": "S", "size": "S", "stock": 7}])
                                      | change).content_hash() != plain.content_hash()


# -- the store's currency ----------------------------------------------------------------------------------

def test_the_store_currency_is_the_one_most_products_use() -> None:
    def product(pid: str, currency: str) -> Product:
        return Product.model_validate(row(currency, id=pid, price=10.0))

    assert Catalog([product("A", "EUR"), product("B", "EUR"), product("C", "USD")]).currency == "EUR"
    assert Catalog([product("A", "USD")]).currency == "USD"
    assert Catalog([product("A", "GBP"), product("B", "EUR")]).currency == "EUR"  # a tie: the first code
    assert Catalog([]).currency == "USD"  # the field's documented default


# -- budgets meet the variant the shopper asked for ---------------------------------------------------------

@pytest.mark.parametrize("currency", CURRENCIES)
def test_a_budget_fits_when_a_buyable_variant_of_the_asked_size_fits(currency: str) -> None:
    product = Product.model_validate(sized(currency))
    assert product.fits_budget(max_price=80)  # S at 79
    assert not product.fits_budget(max_price=80, size="XL")  # XL is 89
    assert product.fits_budget(min_price=85, size="XL") and not product.fits_budget(min_price=85, size="S")
    assert not product.fits_budget(max_price=80, size="M", in_stock_only=True)  # M is sold out
    assert product.fits_budget(max_price=80, size="M")  # sold out, but its price fits
    assert product.prices_for(size="xl") == [89.0]


@pytest.mark.parametrize("currency", CURRENCIES)
def test_filters_keep_a_price_range_in_the_index_and_check_the_variant(currency: str) -> None:
    product = Product.model_validate(sized(currency))
    plain = Product.model_validate(row(currency, id="APP-2", price=60.0))
    meta = product_record(product).metadata
    assert meta["price"] == 79.0 and meta["price_max"] == 89.0
    assert "price_max" not in product_record(plain).metadata  # a catalog without variant prices indexes as before
    assert ProductFilter(max_price=80).matches(product)
    assert not ProductFilter(max_price=80, size="XL").matches(product)
    assert ProductFilter(min_price=85).matches(product) and not ProductFilter(min_price=85).matches(plain)
    columns = FilterColumns(["APP-1", "APP-2"], Catalog([product, plain]))
    assert columns.mask(ProductFilter(min_price=85)).tolist() == [True, False]
    assert columns.mask(ProductFilter(max_price=70)).tolist() == [False, True]


@pytest.mark.parametrize("currency", CURRENCIES)
def test_search_applies_variant_prices_inside_and_after_the_chroma_query(tmp_path: Path, currency: str) -> None:
    products = [Product.model_validate(sized(currency)),
                Product.model_validate(row(currency, id="APP-2", title="Wool Crew", price=95.0)),
                Product.model_validate(row(currency, id="APP-3", title="Cotton Crew", price=40.0))]
    catalog = Catalog(products)
    index = VectorIndex(tmp_path / "chroma", HashingEmbedder(dimension=64))
    index.sync(PRODUCTS, [product_record(p) for p in products])
    retriever = Retriever(index, catalog, [])

    def found(**limits: object) -> set[str]:
        return {h.product.id for h in retriever.search_products("crew neck", ProductFilter(**limits), k=10)}

    assert found(max_price=80) == {"APP-1", "APP-3"}  # APP-1's S is 79
    assert found(max_price=80, size="XL") == {"APP-3"}  # APP-1's XL is 89
    assert found(min_price=85) == {"APP-1", "APP-2"}  # the XL again
    assert found(min_price=85, size="S") == {"APP-2"}
    assert found(max_price=80, size="M", in_stock_only=True) == {"APP-3"}  # APP-1's M is sold out
    assert found(min_price=10) == {"APP-1", "APP-2", "APP-3"}
