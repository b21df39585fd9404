"""What a turn produces: the reply object and the streaming events that build it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ProductRef:
    id: str
    title: str
    brand: str
    category: str
    price: float  # the price quoted: the lowest of the variants the shopper could buy
    currency: str
    stock: int
    rating: float | None
    reason: str
    score: float = 0.0
    price_max: float | None = None  # set when those variants differ in price ("from €39.00")
    compare_at_price: float | None = None  # the "was" price, when there is one for the quoted price
    image_url: str | None = None  # as the catalog gives it (cards check it against the allowed hosts)
    url: str | None = None  # the product's page in the store

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


@dataclass(frozen=True)
class FaqRef:
    id: str  # the FAQ entry: the root of every chunk id
    title: str
    chunks: tuple[str, ...] = ()  # the sections the answer used ("returns-window#2"); empty = whole entry

    @property
    def cited(self) -> str:
        return ", ".join(self.chunks) or self.id


@dataclass(frozen=True)
class Reply:
    text: str
    intent: str
    confidence: float
    products: list[ProductRef] = field(default_factory=list)
    faq: list[FaqRef] = field(default_factory=list)
    order_ids: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    grounded: bool = True  # the LLM's text passed the verifier (or none was used)
    used_fallback: bool = False  # the deterministic lead replaced the LLM's
    lead_skipped: str = ""  # why the LLM was not asked for the lead (busy, over budget, off); '' = it was, or none needed
    problems: list[str] = field(default_factory=list)
    handoff: bool = False
    ticket_id: str | None = None  # the handoff ticket this conversation has open
    pending_action: str | None = None  # an order action waiting for "yes" (or a detail): its kind
    failed: bool = False  # the assistant could not help (no answer found, out of scope, a wrong e-mail)
    corrections: list[tuple[str, str]] = field(default_factory=list)  # typos read as store words: (typed, read as)
    stage_ms: dict[str, float] = field(default_factory=dict)  # how long each stage took (assistant/stage_times.py)

    @property
    def product_ids(self) -> list[str]:
        return [p.id for p in self.products]

    @property
    def faq_ids(self) -> list[str]:
        return [f.id for f in self.faq]

    def to_dict(self) -> dict[str, Any]:
        """What a client is sent: the reply without its stage timings (those are the operator's)."""
        data = asdict(self)
        del data["stage_ms"]
        return data


@dataclass(frozen=True)
class PartialText:
    """The reply text so far (cumulative, verified), streamed before the final ``Reply``.

    Cumulative rather than a delta so that a lead sentence the verifier rejects at its end can be
    replaced by the deterministic one: the next ``PartialText`` is simply shorter or different."""

    text: str
