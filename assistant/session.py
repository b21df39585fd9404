"""Per-conversation state: the constraints in force, what was shown, who the shopper is."""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass, field, replace
from functools import partial

from assistant.money import format_money
from assistant.orders.tools import ProposedAction
from assistant.slots import SlotUpdate
from knowledge.retrieval.search import ProductFilter
from knowledge.schemas import DEFAULT_CURRENCY

# What a session id may be: it is stored, logged and used as a key (and in guest ids "guest:<id>").
SESSION_ID = re.compile(r"^[A-Za-z0-9._-]{1,48}$")
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
             "fifth": 4, "5th": 4, "sixth": 5, "6th": 5}
_ORDINAL_RE = re.compile(r"(?<!\w)(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|last|#\d+)\b", re.I)


@dataclass(frozen=True)
class Constraints:
    category: str | None = None
    product_types: tuple[str, ...] = ()
    product_label: str | None = None
    brand: str | None = None
    color: str | None = None
    size: str | None = None
    min_price: float | None = None
    max_price: float | None = None
    in_stock_only: bool = False
    use: str | None = None  # what it is for ("flat feet"): steers ranking, never filters
    currency: str = DEFAULT_CURRENCY  # the store's (``Catalog.currency``), which budgets are in: from the slots

    def to_filter(self) -> ProductFilter:
        fields = asdict(self)
        fields.pop("product_label")
        fields.pop("use")
        fields.pop("currency")
        fields["subcategories"] = fields.pop("product_types")
        return ProductFilter(**fields)

    def describe(self) -> list[str]:
        """Human-readable chips, e.g. ['running shoes', 'blue', 'for flat feet', 'under $80.00'] (the
        budget in the store's currency: 'under €80.00' in a euro store)."""
        return [chip for chip, _fields in self.chips()]

    def chips(self) -> list[tuple[str, tuple[str, ...]]]:
        """Each chip with the fields it stands for (removing the chip clears them)."""
        chips: list[tuple[str, tuple[str, ...]]] = []
        if self.product_label or self.category:
            chips.append((self.product_label or self.category or "",
                          ("category", "product_types", "product_label") if not self.product_label
                          else ("product_types", "product_label")))
        if self.brand:
            chips.append((self.brand, ("brand",)))
        if self.color:
            chips.append((self.color, ("color",)))
        if self.size:
            chips.append((f"size {self.size}", ("size",)))
        if self.use:
            chips.append((f"for {self.use}", ("use",)))
        money = partial(format_money, currency=self.currency)
        if self.min_price is not None and self.max_price is not None:
            chips.append((f"{money(self.min_price)}–{money(self.max_price)}", ("min_price", "max_price")))
        elif self.max_price is not None:
            chips.append((f"under {money(self.max_price)}", ("max_price",)))
        elif self.min_price is not None:
            chips.append((f"over {money(self.min_price)}", ("min_price",)))
        if self.in_stock_only:
            chips.append(("in stock", ("in_stock_only",)))
        return chips

    def without(self, chip: str) -> Constraints:
        """These constraints with one chip removed ("running shoes" → still shoes; "shoes" → anything).
        ``ValueError`` names the chips in force when ``chip`` is not one of them."""
        for label, fields in self.chips():
            if label.casefold() == chip.strip().casefold():
                empty: dict[str, object] = {"product_types": (), "in_stock_only": False}
                return replace(self, **{name: empty.get(name) for name in fields})  # type: ignore[arg-type]
        chips = ", ".join(repr(c) for c in self.describe()) or "none"
        raise ValueError(f"No filter {chip!r} is in force (filters: {chips}).")

    def is_new_search(self, update: SlotUpdate) -> bool:
        """Naming another product type or category starts over."""
        if update.product_types:
            return tuple(update.product_types) != self.product_types
        return bool(update.category and update.category != self.category)

    def merge(self, update: SlotUpdate, cheaper_than: float | None = None) -> Constraints:
        """Apply a message's update. A new category starts a new search (old filters dropped,
        except those restated); otherwise mentioned values replace old ones ("actually blue")."""
        base = self
        if self.is_new_search(update):
            base = Constraints(in_stock_only=self.in_stock_only, currency=self.currency)
        changes: dict[str, object] = {
            name: getattr(update, name) for name in update.mentioned if getattr(update, name) is not None
        }
        if update.currency:  # the store's currency, which the message's amounts are in
            changes["currency"] = update.currency
        if update.clear_budget:
            changes.update(min_price=None, max_price=None)
        for name in update.cleared - update.mentioned:  # "any color", "forget the brand"
            changes[name] = None
        if update.cheaper and cheaper_than is not None:
            changes["max_price"] = round(cheaper_than - 0.01, 2)
        if "product_types" not in changes and "category" in changes and base.product_types:
            changes.update(product_types=(), product_label=None)  # "shoes" after "running shoes"
        merged = replace(base, **changes)  # type: ignore[arg-type]
        if (merged.min_price is not None and merged.max_price is not None
                and merged.min_price > merged.max_price):
            # "under 40" after "over 60": the newest bound wins, the other one is dropped.
            merged = replace(merged, min_price=None) if "max_price" in changes else replace(merged, max_price=None)
        return merged


@dataclass
class Turn:
    role: str  # "user" | "assistant"
    text: str
    intent: str | None = None
    product_ids: tuple[str, ...] = ()  # the product cards an assistant turn showed


@dataclass
class SessionState:
    """Everything remembered across turns of one conversation."""

    session_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    customer_id: str | None = None
    constraints: Constraints = field(default_factory=Constraints)
    shown_product_ids: list[str] = field(default_factory=list)
    search_query: str = ""
    last_intent: str | None = None
    pending_order_id: str | None = None  # asked for its e-mail, not yet verified
    verified_order_ids: set[str] = field(default_factory=set)
    order_request: str = ""  # the change asked for while credentials were missing
    failed_verifications: int = 0
    pending_action: ProposedAction | None = None  # proposed by code; written only after an explicit yes
    failures: int = 0  # consecutive turns the assistant could not help with
    ticket_id: str | None = None  # open handoff ticket
    turns: list[Turn] = field(default_factory=list)
    messages_sent: int = 0  # the shopper's messages in this conversation (turns keeps only the latest)

    def referenced_products(self, text: str) -> list[str]:
        """Shown product ids the message points at ("the second one", "first and last", "#2")."""
        picks: list[str] = []
        for m in _ORDINAL_RE.finditer(text):
            word = m.group(1).lower()
            if word == "last":
                index = len(self.shown_product_ids) - 1
            elif word.startswith("#"):
                index = int(word[1:]) - 1
            else:
                index = _ORDINALS[word]
            if 0 <= index < len(self.shown_product_ids):
                pid = self.shown_product_ids[index]
                if pid not in picks:
                    picks.append(pid)
        return picks

    def assistant_turn(self, index: int | None = None, text: str = "") -> Turn | None:
        """The assistant turn a rating points at: the one at ``index`` of the chat history (user and
        assistant turns alternate, as in ``turns``) if its text agrees, else the newest with ``text``."""
        text = text.strip()
        if index is not None and 0 <= index < len(self.turns):
            turn = self.turns[index]
            if turn.role == "assistant" and (not text or turn.text.strip() == text):
                return turn
        if text:
            for turn in reversed(self.turns):
                if turn.role == "assistant" and turn.text.strip() == text:
                    return turn
        return None
