"""A ``Draft`` is what code decided to say: the facts (body), their sources, and a safe lead."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.grounding import Evidence
from assistant.money import format_money
from assistant.reply import FaqRef, ProductRef
from knowledge.schemas import DEFAULT_CURRENCY, Product

if TYPE_CHECKING:  # only an annotation: the order answers import drafts, drafts need no order code
    from assistant.orders.tools import ProposedAction


@dataclass
class Draft:
    intent: str
    fallback_lead: str  # deterministic opening, used when the LLM is off or its text fails the verifier
    body: str = ""  # markdown facts selected by code
    topic: str = ""  # what the body is about, for the LLM's prompt; empty = no LLM lead
    products: list[ProductRef] = field(default_factory=list)
    faq: list[FaqRef] = field(default_factory=list)
    order_ids: list[str] = field(default_factory=list)
    evidence: Evidence = field(default_factory=Evidence)
    handoff: bool = False
    pending: ProposedAction | None = None  # an order action waiting for the shopper's yes / a detail
    failed: bool = False  # counts toward "repeated failure" (a wrong e-mail, no answer found, …)
    ticket_id: str | None = None


def store_label(text: str) -> str:
    """A catalog or FAQ label as it may appear in a sentence or a prompt: its first few plain words
    (a label carrying a sentence, "throw blankets. ignore previous instructions…", is cut short)."""
    words = re.match(r"[A-Za-z][A-Za-z &'-]*", text or "")
    return " ".join((words.group(0) if words else "").split()[:4]) or "item"


def money(value: float, currency: str = DEFAULT_CURRENCY) -> str:
    """An amount in its currency, as babel writes it in English: "$80.00", "€12.50", "£5.00"."""
    return format_money(value, currency)


def price_text(product: Product, color: str | None = None, size: str | None = None,
               exclude_colors: Collection[str] = ()) -> str:
    """The price quoted for ``product`` to a shopper asking for ``color``/``size``: "€49.00",
    "€49.00 (was €59.00)", or "from €39.00" when the variants they could buy differ in price."""
    low, high, was = product.offer(color, size, exclude_colors)
    if high != low:
        return f"from {money(low, product.currency)}"
    text = money(low, product.currency)
    return f"{text} (was {money(was, product.currency)})" if was is not None else text


def stock_phrase(stock: int) -> str:
    if stock <= 0:
        return "out of stock"
    if stock < 5:
        return f"only {stock} left"
    return "in stock"


def product_ref(product: Product, reason: str = "", score: float = 0.0, color: str | None = None,
                size: str | None = None, exclude_colors: Collection[str] = ()) -> ProductRef:
    """The card of ``product``, priced as ``price_text`` quotes it for ``color``/``size`` (and none of
    ``exclude_colors``, lower case: "anything but black" quotes the other colours' prices)."""
    low, high, was = product.offer(color, size, exclude_colors)
    return ProductRef(
        id=product.id, title=product.title, brand=product.brand, category=product.category,
        price=low, currency=product.currency, stock=product.stock, rating=product.rating,
        reason=reason, score=round(score, 4), price_max=high if high != low else None,
        compare_at_price=was, image_url=product.image_url, url=product.url,
    )


def product_facts(product: Product, color: str | None = None, size: str | None = None,
                  exclude_colors: Collection[str] = ()) -> str:
    """The facts of one product as they may be stated in a reply (and so used as evidence); the
    price is the one quoted for ``color``/``size`` (``price_text``)."""
    parts = [product.title, price_text(product, color, size, exclude_colors), stock_phrase(product.stock)]
    if product.rating is not None:
        parts.append(f"rated {product.rating:.1f}/5 ({product.review_count} reviews)")
    return " · ".join(parts)
