"""The records a store brings (products, FAQ entries, customers, orders, interaction events) and the
chat feedback the assistant collects.

These pydantic models are the documented import format (see ``knowledge/IMPORT_FORMAT.md``);
every importer validates rows against them, so a bad row is reported with its line number.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator


def _to_naive_utc(value: datetime) -> datetime:
    """Store every timestamp as naive UTC: SQL columns drop offsets, so convert before they do."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


UtcDatetime = Annotated[datetime, AfterValidator(_to_naive_utc)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def content_hash(self) -> str:
        """A stable hash of the record's content, used to skip unchanged records on re-ingest."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


class Variant(_Record):
    sku: str = Field(min_length=1)
    color: str | None = None
    size: str | None = None
    stock: int = Field(ge=0)


class Product(_Record):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    title: str = Field(min_length=2, max_length=200)
    brand: str = Field(min_length=1)
    category: str = Field(min_length=1)
    subcategory: str = ""
    price: float = Field(gt=0, lt=1_000_000)
    currency: str = Field(default="USD", min_length=3, max_length=3)
    stock: int = Field(ge=0)
    rating: float | None = Field(default=None, ge=0, le=5)
    review_count: int = Field(default=0, ge=0)
    attributes: dict[str, str | list[str]] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    description: str = Field(min_length=1)
    variants: list[Variant] = Field(default_factory=list)

    @field_validator("category", "subcategory")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()

    @model_validator(mode="after")
    def _stock_matches_variants(self) -> Product:
        if self.variants and sum(v.stock for v in self.variants) != self.stock:
            raise ValueError(
                f"stock {self.stock} differs from the sum of variant stock "
                f"{sum(v.stock for v in self.variants)}"
            )
        return self

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    def _attribute_list(self, name: str) -> list[str]:
        value = self.attributes.get(name)
        if value is None:
            return []
        values = [value] if isinstance(value, str) else value
        return [v.strip().lower() for v in values if v.strip()]

    @property
    def colors(self) -> list[str]:
        return self._attribute_list("color")

    @property
    def sizes(self) -> list[str]:
        return self._attribute_list("size")

    def in_stock_for(self, color: str | None = None, size: str | None = None) -> bool:
        """Whether some unit matches the color/size (a variant without one matches any); products
        without variants use total stock."""
        if not self.variants:
            return self.in_stock
        return any(
            v.stock > 0
            and (color is None or v.color is None or v.color.lower() == color)
            and (size is None or v.size is None or v.size.lower() == size.lower())
            for v in self.variants
        )

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
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    name: str = Field(min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
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
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    customer_id: str
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
    customer_id: str
    product_id: str
    event: EventType
    ts: UtcDatetime
    session_id: str = ""


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
