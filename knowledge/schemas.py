"""The records a store brings (products, FAQ entries, customers, orders, interaction events) and the
chat feedback the assistant collects.

These pydantic models are the documented import format (see ``knowledge/IMPORT_FORMAT.md``);
every importer validates rows against them, so a bad row is reported with its line number.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar
from urllib.parse import urlsplit

from babel.numbers import list_currencies
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)


def _to_naive_utc(value: datetime) -> datetime:
    """Store every timestamp as naive UTC: SQL columns drop offsets, so convert before they do."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


UtcDatetime = Annotated[datetime, AfterValidator(_to_naive_utc)]

# The longest id, category or SKU the store's tables hold (their VARCHAR columns). SQLite would store a
# longer one anyway, PostgreSQL refuses the whole import: a longer one is a bad row on both.
ID_MAX = 64
EMAIL_MAX = 256


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    # Optional fields added to the format later: left out of the content hash while unset, so a
    # record written before they existed hashes as it did then (re-ingesting it changes nothing).
    _LATER_FIELDS: ClassVar[frozenset[str]] = frozenset()

    def _hash_payload(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        for name in self._LATER_FIELDS:
            if data.get(name) is None:
                data.pop(name, None)
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, list) and value and all(isinstance(v, _Record) for v in value):
                data[name] = [v._hash_payload() for v in value]
        return data

    def content_hash(self) -> str:
        """A stable hash of the record's content, used to skip unchanged records on re-ingest."""
        payload = json.dumps(self._hash_payload(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


CURRENCIES = frozenset(list_currencies())  # ISO 4217 codes (babel's CLDR data)
DEFAULT_CURRENCY = "USD"  # a product's currency when its row names none (the documented default)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif")
# A file in the store's images folder (``<data_dir>/images/``): plain path segments, no "..", no hidden files.
_IMAGE_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*(?:/[A-Za-z0-9_][A-Za-z0-9._-]*)*$")
Price = Annotated[float, Field(gt=0, lt=1_000_000)]


def _web_url(value: str) -> str:
    """An absolute http(s) URL with a host; anything else (``javascript:``, ``data:``, ``//host``) is refused."""
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http:// or https:// URL with a host, not {value[:60]!r}")
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise ValueError("must not contain spaces or control characters")
    return value


def image_path_error(value: str) -> str | None:
    """Why ``value`` is not a file name inside the images folder (None if it is one)."""
    if ".." in value.split("/") or value.startswith("/") or "\\" in value:
        return "a path in the images folder must be relative and must not contain '..'"
    if not _IMAGE_PATH.match(value):
        return "a path in the images folder may use only A-Z a-z 0-9 . _ - and /, and no hidden (.name) parts"
    if not value.lower().endswith(IMAGE_SUFFIXES):
        return f"an image file must end in one of {', '.join(IMAGE_SUFFIXES)}"
    return None


def _above(compare_at: float | None, price: float | None, what: str) -> float | None:
    """A compare-at ("was") price must be above the price it is compared with."""
    if compare_at is not None and price is not None and compare_at <= price:
        raise ValueError(f"must be greater than {what} {price:g}")
    return compare_at


class Variant(_Record):
    _LATER_FIELDS = frozenset({"price", "compare_at_price"})

    sku: str = Field(min_length=1, max_length=ID_MAX)
    color: str | None = None
    size: str | None = None
    stock: int = Field(ge=0)
    price: Price | None = None  # None: the product's price
    compare_at_price: Price | None = None  # the "was" price, above the variant's own price

    @field_validator("compare_at_price")
    @classmethod
    def _above_price(cls, value: float | None, info: ValidationInfo) -> float | None:
        return _above(value, info.data.get("price"), "the variant's price")

    def matches(self, color: str | None = None, size: str | None = None,
                exclude_colors: Collection[str] = ()) -> bool:
        """A variant without a color (size) matches any asked color (size); one whose color is in
        ``exclude_colors`` (lower case) never matches."""
        return ((color is None or self.color is None or self.color.lower() == color.lower())
                and (size is None or self.size is None or self.size.lower() == size.lower())
                and not (exclude_colors and self.color is not None and self.color.lower() in exclude_colors))


class Product(_Record):
    _LATER_FIELDS = frozenset({"compare_at_price", "image_url", "url"})

    id: str = Field(min_length=1, max_length=ID_MAX, pattern=r"^[A-Za-z0-9._-]+$")
    title: str = Field(min_length=2, max_length=200)
    brand: str = Field(min_length=1)
    category: str = Field(min_length=1, max_length=ID_MAX)
    subcategory: str = ""
    price: Price  # may be left out when every variant has its own price: then the lowest of them
    compare_at_price: Price | None = None  # the "was" price, above ``price``
    currency: str = Field(default=DEFAULT_CURRENCY, min_length=3, max_length=3)
    stock: int = Field(ge=0)
    rating: float | None = Field(default=None, ge=0, le=5)
    review_count: int = Field(default=0, ge=0)
    attributes: dict[str, str | list[str]] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    description: str = Field(min_length=1)
    variants: list[Variant] = Field(default_factory=list)
    image_url: str | None = Field(default=None, max_length=2000)  # http(s) URL, or a file in <data_dir>/images/
    url: str | None = Field(default=None, max_length=2000)  # the product's page in the store (http(s))

    @model_validator(mode="before")
    @classmethod
    def _price_from_variants(cls, data: Any) -> Any:
        """No ``price`` (or an empty one) while every variant has its own: the lowest variant price."""
        if not isinstance(data, dict) or data.get("price") not in (None, ""):
            return data
        variants = data.get("variants")
        if not isinstance(variants, list) or not variants:
            return data  # pydantic reports "price: Field required"
        prices = [v.get("price") if isinstance(v, dict) else getattr(v, "price", None) for v in variants]
        if all(p in (None, "") for p in prices):
            return data  # pydantic reports "price: Field required"
        if any(p in (None, "") for p in prices):
            missing = [str(v.get("sku") if isinstance(v, dict) else getattr(v, "sku", "?"))
                       for v, p in zip(variants, prices, strict=True) if p in (None, "")]
            raise ValueError(f"price is required unless every variant has its own price "
                             f"(variants without one: {', '.join(missing[:5])})")
        try:
            return {**data, "price": min(float(p) for p in prices if p is not None)}
        except (TypeError, ValueError):
            return data  # a malformed variant price is reported on that variant

    @field_validator("category", "subcategory")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if code not in CURRENCIES:
            raise ValueError(f"{value!r} is not an ISO 4217 currency code (such as USD, EUR, GBP)")
        return code

    @field_validator("compare_at_price")
    @classmethod
    def _above_price(cls, value: float | None, info: ValidationInfo) -> float | None:
        return _above(value, info.data.get("price"), "the price")

    @field_validator("url")
    @classmethod
    def _page_url(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else _web_url(value.strip())

    @field_validator("image_url")
    @classmethod
    def _image_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if urlsplit(value).scheme or value.startswith("//"):
            return _web_url(value)
        if (problem := image_path_error(value)) is not None:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _stock_matches_variants(self) -> Product:
        if self.variants and sum(v.stock for v in self.variants) != self.stock:
            raise ValueError(
                f"stock {self.stock} differs from the sum of variant stock "
                f"{sum(v.stock for v in self.variants)}"
            )
        for v in self.variants:  # a variant's own compare-at price with its own price is checked on the variant
            if v.price is None and v.compare_at_price is not None and v.compare_at_price <= self.price:
                raise ValueError(f"variant {v.sku}: compare_at_price {v.compare_at_price:g} must be greater "
                                 f"than its price {self.price:g} (the product's)")
        return self

    # -- prices -----------------------------------------------------------------------------------
    def price_of(self, variant: Variant | None = None) -> float:
        """What ``variant`` costs (its own price, else the product's); the product's price for None."""
        return variant.price if variant is not None and variant.price is not None else self.price

    def compare_at_of(self, variant: Variant | None = None) -> float | None:
        """The "was" price of ``variant``: its own, or the product's when it has no price of its own."""
        if variant is None:
            return self.compare_at_price
        if variant.compare_at_price is not None:
            return variant.compare_at_price
        return self.compare_at_price if variant.price is None else None

    @property
    def prices(self) -> list[float]:
        """Every price the product is sold at (each variant's, or the product's without variants)."""
        return [self.price_of(v) for v in self.variants] or [self.price]

    @property
    def price_range(self) -> tuple[float, float]:
        """The lowest and highest price over the variants (equal when they all cost the same)."""
        prices = self.prices
        return min(prices), max(prices)

    def matching_variants(self, color: str | None = None, size: str | None = None,
                          exclude_colors: Collection[str] = ()) -> list[Variant]:
        return [v for v in self.variants if v.matches(color, size, exclude_colors)]

    def buyable_variants(self, color: str | None = None, size: str | None = None,
                         in_stock_only: bool = False, exclude_colors: Collection[str] = ()) -> list[Variant]:
        """The variants a shopper asking for ``color``/``size`` (and none of ``exclude_colors``, lower
        case) could buy: the matching ones in stock (all matching ones when none is in stock, unless
        ``in_stock_only``); when no variant matches, every variant not of an excluded color (none if
        ``in_stock_only``)."""
        matching = self.matching_variants(color, size, exclude_colors)
        if not matching:
            return [] if in_stock_only else self.matching_variants(exclude_colors=exclude_colors) or list(self.variants)
        available = [v for v in matching if v.stock > 0]
        return available if available or in_stock_only else matching

    def prices_for(self, color: str | None = None, size: str | None = None, in_stock_only: bool = False,
                   exclude_colors: Collection[str] = ()) -> list[float]:
        """The prices of ``buyable_variants`` (the product's price when it has no variants)."""
        if not self.variants:
            return [self.price]
        return [self.price_of(v) for v in self.buyable_variants(color, size, in_stock_only, exclude_colors)]

    def offer(self, color: str | None = None, size: str | None = None,
              exclude_colors: Collection[str] = ()) -> tuple[float, float, float | None]:
        """What a shopper asking for ``color``/``size`` (and none of ``exclude_colors``) is quoted: the
        lowest and highest price of the variants they could buy, and the compare-at ("was") price when
        those share one price and one compare-at price (else None)."""
        if not self.variants:
            return self.price, self.price, self.compare_at_price
        variants = self.buyable_variants(color, size, exclude_colors=exclude_colors) or list(self.variants)
        prices = [self.price_of(v) for v in variants]
        was = {self.compare_at_of(v) for v in variants}
        low, high = min(prices), max(prices)
        return low, high, was.pop() if low == high and len(was) == 1 else None

    def fits_budget(self, min_price: float | None = None, max_price: float | None = None, color: str | None = None,
                    size: str | None = None, in_stock_only: bool = False, exclude_colors: Collection[str] = ()) -> bool:
        """Whether some variant the shopper could buy (see ``prices_for``) costs between the bounds."""
        return any((min_price is None or p >= min_price) and (max_price is None or p <= max_price)
                   for p in self.prices_for(color, size, in_stock_only, exclude_colors))

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    def _attribute_list(self, name: str) -> list[str]:
        """The attribute's values, then those only its variants name ("purple" on one variant)."""
        value = self.attributes.get(name)
        values = [] if value is None else [value] if isinstance(value, str) else list(value)
        values += [getattr(v, name) or "" for v in self.variants]
        return list(dict.fromkeys(v.strip().lower() for v in values if v.strip()))

    @property
    def colors(self) -> list[str]:
        return self._attribute_list("color")

    @property
    def sizes(self) -> list[str]:
        return self._attribute_list("size")

    def in_stock_for(self, color: str | None = None, size: str | None = None,
                     exclude_colors: Collection[str] = ()) -> bool:
        """Whether some unit matches the color/size and is of none of ``exclude_colors`` (lower case;
        a variant without one matches any); products without variants use total stock."""
        if not self.variants:
            return self.in_stock
        return any(v.stock > 0 and v.matches(color, size, exclude_colors) for v in self.variants)

    def search_text(self) -> str:
        """The text that is embedded and indexed for retrieval."""
        attrs = "; ".join(
            f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in self.attributes.items()
        )
        return (
            f"{self.title}. {self.subcategory or self.category} by {self.brand}. "
            f"Tags: {', '.join(self.tags)}. {attrs}. {self.description}"
        )


class FaqEntry(_Record):
    id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._-]+$")
    title: str = Field(min_length=3)
    topic: str = Field(min_length=1)
    updated: date
    body: str = Field(min_length=10)
    superseded_by: str | None = None

    def search_text(self) -> str:
        return f"{self.title}\n{self.body}"


class Customer(_Record):
    id: str = Field(min_length=1, max_length=ID_MAX, pattern=r"^[A-Za-z0-9._-]+$")
    name: str = Field(min_length=1)
    email: str = Field(max_length=EMAIL_MAX, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    city: str = ""
    joined: date | None = None


class OrderStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class OrderItem(_Record):
    product_id: str
    sku: str | None = None
    title: str
    quantity: int = Field(ge=1)
    unit_price: float = Field(ge=0)


class Order(_Record):
    id: str = Field(min_length=1, max_length=ID_MAX, pattern=r"^[A-Za-z0-9._-]+$")
    customer_id: str = Field(max_length=ID_MAX)
    status: OrderStatus
    placed_at: UtcDatetime
    updated_at: UtcDatetime
    items: list[OrderItem] = Field(min_length=1)
    shipping: float = Field(default=0.0, ge=0)
    total: float = Field(ge=0)
    currency: str = "USD"
    shipping_address: str
    carrier: str | None = None
    tracking_number: str | None = None
    estimated_delivery: date | None = None
    delivered_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _tracking_when_shipped(self) -> Order:
        if self.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED) and not self.tracking_number:
            raise ValueError(f"a {self.status.value} order needs a tracking_number")
        if self.status is OrderStatus.DELIVERED and self.delivered_at is None:
            raise ValueError("a delivered order needs delivered_at")
        return self


class EventType(StrEnum):
    VIEW = "view"
    CLICK = "click"
    ADD_TO_CART = "add_to_cart"
    PURCHASE = "purchase"


class Interaction(_Record):
    customer_id: str = Field(max_length=ID_MAX)
    product_id: str = Field(max_length=ID_MAX)
    event: EventType
    ts: UtcDatetime
    session_id: str = Field(default="", max_length=ID_MAX)


class Rating(StrEnum):
    UP = "up"
    DOWN = "down"


MAX_FEEDBACK_TEXT = 2000  # characters of a rated reply that are kept


class Feedback(_Record):
    """A shopper's thumbs up or down on one assistant reply, with what that reply showed."""

    session_id: str = Field(min_length=1, max_length=64)
    customer_id: str = Field(min_length=1, max_length=64)
    rating: Rating
    message_index: int | None = Field(default=None, ge=0)  # position in the chat history
    intent: str = Field(default="", max_length=32)
    reply_text: str = ""
    product_ids: list[str] = Field(default_factory=list)
    ts: UtcDatetime

    @field_validator("reply_text")
    @classmethod
    def _truncate(cls, value: str) -> str:
        return value[:MAX_FEEDBACK_TEXT]
