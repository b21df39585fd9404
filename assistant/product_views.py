"""A product as the shopper's widget shows it outside a reply: the details panel after a card is
clicked, and a side-by-side comparison. Catalog facts only, priced as replies quote them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from assistant.answers.draft import price_text
from knowledge.schemas import Product


@dataclass(frozen=True)
class ProductDetails:
    id: str
    title: str
    brand: str
    category: str
    price_text: str  # "€49.00", "€49.00 (was €59.00)", "from €39.00"
    stock: int
    rating: float | None
    review_count: int
    description: str
    colors: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    image_url: str | None = None  # as the catalog gives it (pages check it: ``assistant/safety/images.py``)
    url: str | None = None  # the product's page in the store
    attributes: dict[str, str] = field(default_factory=dict)  # every other attribute, as text


def product_details(product: Product) -> ProductDetails:
    return ProductDetails(
        id=product.id, title=product.title, brand=product.brand, category=product.category,
        price_text=price_text(product), stock=product.stock, rating=product.rating,
        review_count=product.review_count, description=product.description, colors=tuple(product.colors),
        sizes=tuple(product.sizes), image_url=product.image_url, url=product.url,
        attributes={k: _text(v) for k, v in product.attributes.items()},
    )


def _text(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


COMPARE_ROWS: tuple[tuple[str, Callable[[ProductDetails], str]], ...] = (
    ("Price", lambda p: p.price_text), ("Brand", lambda p: p.brand),
    ("Rating", lambda p: f"★ {p.rating:.1f} ({p.review_count})" if p.rating is not None else "—"),
    ("Stock", lambda p: "out of stock" if p.stock <= 0 else f"{p.stock} in stock"),
    ("Colors", lambda p: ", ".join(p.colors) or "—"), ("Sizes", lambda p: ", ".join(p.sizes) or "—"))


def comparison_rows(products: Sequence[ProductDetails]) -> list[list[str]]:
    """Rows of a side-by-side comparison: a header of titles, the common facts, then every attribute
    any of the products has ("—" where one lacks it)."""
    rows = [["", *(p.title for p in products)]]
    rows += [[name, *(get(p) for p in products)] for name, get in COMPARE_ROWS]
    keys = sorted({k for p in products for k in p.attributes})
    rows += [[k.replace("_", " "), *(p.attributes.get(k, "—") for p in products)] for k in keys]
    return rows
