"""Product cards as a store's catalog makes them: the image (from an allowed host, or a file Aisle
serves from its images folder), the title linked to the product page, prices in each product's
currency; and the image route, which serves image files of that folder only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.answers.draft import product_ref
from assistant.product_views import comparison_rows, product_details
from assistant.reply import ProductRef
from assistant.safety.images import image_file
from knowledge.schemas import Product
from ui.cards import card_details, image_src, product_card, refs_html
from ui.images import add_image_route

HOSTS = ["shop.example"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def ref(currency: str = "EUR", **fields: object) -> ProductRef:
    base: dict = {"id": "APP-1", "title": "Merino Crew", "brand": "Nordvik", "category": "apparel", "price": 79.0,
                  "currency": currency, "stock": 7, "rating": 4.5, "reason": "matches your request"}
    return ProductRef(**(base | fields))


def product(currency: str, **fields: object) -> Product:
    return Product(id="APP-1", title="Merino Crew", brand="Nordvik", category="apparel", price=79.0,
                   currency=currency, stock=7, description="A merino crew neck.", **fields)


# -- images -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["https://shop.example/img/a.jpg", "https://cdn.shop.example/a.jpg",
                                 "http://shop.example/a.png"])
def test_a_card_shows_an_image_from_an_allowed_host(url: str) -> None:
    html = product_card(ref(image_url=url), hosts=HOSTS)
    assert f'<img class="img" src="{url}"' in html and 'referrerpolicy="no-referrer"' in html
    assert 'class="ph"' not in html


@pytest.mark.parametrize("url", ["https://evil.example/pixel.png", "https://shop.example.evil.example/a.png",
                                 "javascript:alert(1)", "data:image/png;base64,AAAA", "//evil.example/a.png",
                                 "../secret.png", "/etc/a.png"])
def test_a_card_refuses_an_image_from_anywhere_else(url: str) -> None:
    html = product_card(ref(image_url=url), hosts=HOSTS)
    assert "<img" not in html and 'class="ph"' in html
    assert "evil" not in html and "javascript" not in html and "secret" not in html


def test_no_allowed_hosts_means_no_outside_images() -> None:
    assert "<img" not in product_card(ref(image_url="https://shop.example/a.jpg"))


def test_a_file_of_the_images_folder_is_loaded_from_aisle() -> None:
    html = product_card(ref(image_url="apparel/app 1.jpg"))
    assert image_src("apparel/app-1.jpg") == "/images/apparel/app-1.jpg"
    assert "<img" not in html  # not a valid file name (a space): placeholder
    html = product_card(ref(image_url="apparel/app-1.jpg"))
    assert '<img class="img" src="/images/apparel/app-1.jpg"' in html


# -- links ---------------------------------------------------------------------------------------------------

def test_the_title_links_to_the_product_page_on_an_allowed_host() -> None:
    html = product_card(ref(url="https://shop.example/p/app-1?x=1&y=2"), hosts=HOSTS)
    assert ('<a href="https://shop.example/p/app-1?x=1&amp;y=2" target="_blank" rel="noopener noreferrer"'
            in html)
    assert ">Merino Crew</a>" in html


@pytest.mark.parametrize("url", ["https://evil.example/p/1", "javascript:alert(1)", "/p/1", None])
def test_no_link_to_a_page_elsewhere(url: str | None) -> None:
    html = product_card(ref(url=url), hosts=HOSTS)
    assert "<a " not in html and "evil" not in html and "javascript" not in html
    assert '<div class="t">Merino Crew</div>' in html


def test_everything_on_a_card_is_escaped() -> None:
    html = product_card(ref(title='<script>x</script>"', url='https://shop.example/p/"onmouseover="x',
                            image_url='https://shop.example/a.png"onerror="x'), hosts=HOSTS)
    assert "<script>" not in html and '"onmouseover=' not in html and '"onerror=' not in html
    assert "&lt;script&gt;" in html


def test_card_clicks_leave_the_title_link_alone() -> None:
    from ui.cards import CARD_CLICK_JS

    assert CARD_CLICK_JS.count("closest('a')") == 2


# -- prices -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("currency", "symbol"), [("USD", "$"), ("EUR", "€"), ("GBP", "£")])
def test_card_prices_are_in_the_products_currency(currency: str, symbol: str) -> None:
    assert f'<div class="p">{symbol}79.00</div>' in product_card(ref(currency))
    ranged = product_card(ref(currency, price_max=89.0))
    assert f'<div class="p">from {symbol}79.00</div>' in ranged
    sale = product_card(ref(currency, compare_at_price=99.0))
    assert f'<div class="was">was <s>{symbol}99.00</s></div>' in sale
    assert "$" not in product_card(ref(currency)) or currency == "USD"


@pytest.mark.parametrize(("currency", "symbol"), [("USD", "$"), ("EUR", "€")])
def test_a_card_from_the_catalog_quotes_from_its_lowest_variant(currency: str, symbol: str) -> None:
    priced = Product.model_validate({
        "id": "APP-9", "title": "Fjord Crew", "brand": "Nordvik", "category": "apparel", "currency": currency,
        "stock": 3, "description": "A crew.", "image_url": "apparel/app-9.webp", "url": "https://shop.example/p/9",
        "variants": [{"sku": "S", "size": "S", "stock": 1, "price": 79.0}, {"sku": "XL", "size": "XL", "stock": 2, "price": 89.0}]})
    html = refs_html([product_ref(priced, "reason")], hosts=HOSTS)
    assert f"from {symbol}79.00" in html and 'src="/images/apparel/app-9.webp"' in html
    assert 'href="https://shop.example/p/9"' in html


@pytest.mark.parametrize(("currency", "symbol"), [("USD", "$"), ("EUR", "€")])
def test_details_and_comparisons_use_the_products_currency(currency: str, symbol: str) -> None:
    item = product(currency, compare_at_price=99.0, image_url="https://shop.example/a.jpg",
                   url="https://shop.example/p/1")
    details = card_details(product_details(item), HOSTS)
    assert f"<b>{symbol}79.00 (was {symbol}99.00)</b>" in details
    assert 'src="https://shop.example/a.jpg"' in details and 'href="https://shop.example/p/1"' in details
    assert "<img" not in card_details(product_details(item)) and "<a " not in card_details(product_details(item))
    other = Product(id="B", title="Wool Crew", brand="Nordvik", category="apparel", price=95.0, currency=currency,
                    stock=2, description="A crew.")
    assert comparison_rows([product_details(item), product_details(other)])[1] == ["Price", f"{symbol}79.00 (was {symbol}99.00)", f"{symbol}95.00"]


# -- the image route ----------------------------------------------------------------------------------------

@pytest.fixture
def images(tmp_path: Path) -> Path:
    folder = tmp_path / "images"
    (folder / "apparel").mkdir(parents=True)
    (folder / "apparel" / "app-1.png").write_bytes(PNG)
    (folder / "notes.txt").write_text("not an image")
    (folder / ".hidden.png").write_bytes(PNG)
    (tmp_path / "secret.png").write_bytes(b"secret")
    os.symlink(tmp_path / "secret.png", folder / "link.png")
    return folder


@pytest.fixture
def client(images: Path) -> TestClient:
    app = FastAPI()
    add_image_route(app, lambda path: image_file(images, path))
    return TestClient(app)


def test_the_image_route_serves_an_image_of_the_folder(client: TestClient) -> None:
    response = client.get("/images/apparel/app-1.png")
    assert response.status_code == 200 and response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", [
    "/images/..%2Fsecret.png", "/images/%2e%2e/secret.png", "/images/apparel/..%2F..%2Fsecret.png",
    "/images/link.png", "/images/.hidden.png", "/images/notes.txt", "/images/missing.png",
    "/images/%2Fetc%2Fpasswd", "/images/apparel", "/images/",
])
def test_the_image_route_refuses_anything_else(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and b"secret" not in response.content


@pytest.mark.parametrize("path", ["../secret.png", "apparel/../../secret.png", "/etc/passwd", "link.png",
                                  ".hidden.png", "notes.txt", "apparel"])
def test_image_file_resolves_only_image_files_inside_the_folder(images: Path, path: str) -> None:
    assert image_file(images, path) is None
    assert image_file(images, "apparel/app-1.png") == (images / "apparel" / "app-1.png").resolve()
