"""Per-conversation state: the constraints in force, what was shown, who the shopper is."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import partial

from assistant.money import format_money
from assistant.orders.tools import ProposedAction
from assistant.slots import FILTER_FIELDS, SlotUpdate
from knowledge.retrieval.filters import AttributeValue, ProductFilter
from knowledge.schemas import DEFAULT_CURRENCY

# What a session id may be: it is stored, logged and used as a key (and in guest ids "guest:<id>").
SESSION_ID = re.compile(r"^[A-Za-z0-9._-]{1,48}$")
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
             "fifth": 4, "5th": 4, "sixth": 5, "6th": 5}
_ORDINAL_RE = re.compile(r"(?<!\w)(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|last|#\d+)\b", re.I)
_NO_FILTER = ProductFilter()  # each hard constraint's value when it is not in force


@dataclass(frozen=True)
class Constraints:
    """The constraints in force in a conversation: the hard ones, applied in the stores' queries
    (``filter``), and the soft ones around them."""

    filter: ProductFilter = field(default_factory=ProductFilter)
    product_label: str | None = None  # the shopper's words for the product types ("running shoes")
    use: str | None = None  # what it is for ("flat feet"): steers ranking, never filters
    currency: str = DEFAULT_CURRENCY  # the store's (``Catalog.currency``), which budgets are in: from the slots

    def describe(self) -> list[str]:
        """Human-readable chips, e.g. ['running shoes', 'blue', 'for flat feet', 'under $80.00'] (the
        budget in the store's currency: 'under €80.00' in a euro store)."""
        return [chip for chip, _fields in self.chips()]

    def chips(self) -> list[tuple[str, tuple[str, ...]]]:
        """Each chip with the fields it stands for (removing the chip clears them): ``filter``'s fields
        by their names, and ``product_label`` and ``use``."""
        hard = self.filter
        chips: list[tuple[str, tuple[str, ...]]] = []
        if self.product_label or hard.category:
            chips.append((self.product_label or hard.category or "",
                          ("category", "subcategories", "product_label") if not self.product_label
                          else ("subcategories", "product_label")))
        if hard.brand:
            chips.append((hard.brand, ("brand",)))
        if hard.color:
            chips.append((hard.color, ("color",)))
        if hard.size:
            chips.append((f"size {hard.size}", ("size",)))
        chips += [(label, ("attributes",)) for label, _value in self.attribute_chips()]
        if self.use:
            chips.append((f"for {self.use}", ("use",)))
        money = partial(format_money, currency=self.currency)
        if hard.min_price is not None and hard.max_price is not None:
            chips.append((f"{money(hard.min_price)}–{money(hard.max_price)}", ("min_price", "max_price")))
        elif hard.max_price is not None:
            chips.append((f"under {money(hard.max_price)}", ("max_price",)))
        elif hard.min_price is not None:
            chips.append((f"over {money(hard.min_price)}", ("min_price",)))
        if hard.in_stock_only:
            chips.append(("in stock", ("in_stock_only",)))
        chips += [(label, (name,)) for label, name, _value in self.exclusion_chips()]
        return chips

    def exclusion_chips(self) -> list[tuple[str, str, str]]:
        """One chip for each value left out, in the catalog's spelling ("not Pacewell", "not black",
        "no leather", "not running shoes"), with its ``filter`` field and value: removing the chip
        removes that value only."""
        hard = self.filter
        return ([(f"not {b}", "exclude_brands", b) for b in hard.exclude_brands]
                + [(f"not {c}", "exclude_colors", c) for c in hard.exclude_colors]
                + [(f"no {m}", "exclude_materials", m) for m in hard.exclude_materials]
                + [(f"not {c}", "exclude_categories", c) for c in hard.exclude_categories])

    def attribute_chips(self) -> list[tuple[str, AttributeValue]]:
        """One chip for each attribute value asked for ("women"): removing it removes that value only."""
        return [(wanted.value, wanted) for wanted in self.filter.attributes]

    def without(self, chip: str) -> Constraints:
        """These constraints with one chip removed ("running shoes" → still shoes; "shoes" → anything).
        ``ValueError`` names the chips in force when ``chip`` is not one of them."""
        for label, name, value in self.exclusion_chips():
            if label.casefold() == chip.strip().casefold():
                return self._with({name: tuple(v for v in getattr(self.filter, name) if v != value)})
        for label, wanted in self.attribute_chips():
            if label.casefold() == chip.strip().casefold():
                return self._with({"attributes": tuple(v for v in self.filter.attributes if v != wanted)})
        for label, names in self.chips():
            if label.casefold() == chip.strip().casefold():
                return self._with({name: getattr(_NO_FILTER, name, None) for name in names})
        chips = ", ".join(repr(c) for c in self.describe()) or "none"
        raise ValueError(f"No filter {chip!r} is in force (filters: {chips}).")

    def _with(self, changes: Mapping[str, object]) -> Constraints:
        """These constraints with ``changes``, by field name (``filter``'s fields or the soft ones)."""
        hard = {name: value for name, value in changes.items() if name in FILTER_FIELDS}
        soft = {name: value for name, value in changes.items() if name not in FILTER_FIELDS}
        return replace(self, filter=replace(self.filter, **hard), **soft)  # type: ignore[arg-type]

    def is_new_search(self, update: SlotUpdate) -> bool:
        """Naming another product type or category starts over."""
        if update.filter.subcategories:
            return update.filter.subcategories != self.filter.subcategories
        return bool(update.filter.category and update.filter.category != self.filter.category)

    def merge(self, update: SlotUpdate, cheaper_than: float | None = None) -> Constraints:
        """Apply a message's update. A new category starts a new search (old filters dropped,
        except those restated); otherwise mentioned values replace old ones ("actually blue")."""
        base = self
        if self.is_new_search(update):
            base = Constraints(ProductFilter(in_stock_only=self.filter.in_stock_only), currency=self.currency)
        changes = {name: value for name, value in update.mentioned_values().items() if value is not None}
        if update.currency:  # the store's currency, which the message's amounts are in
            changes["currency"] = update.currency
        if update.clear_budget:
            changes.update(min_price=None, max_price=None)
        for name in update.cleared - update.mentioned:  # "any color", "forget the brand"
            changes[name] = None
        if update.cheaper and cheaper_than is not None:
            changes["max_price"] = round(cheaper_than - 0.01, 2)
        if "subcategories" not in changes and "category" in changes and base.filter.subcategories:
            changes.update(subcategories=(), product_label=None)  # "shoes" after "running shoes"
        changes.update(_exclusions_after(base.filter, update, changes))
        if "attributes" in changes:  # "for men" after "for women" replaces it; other attributes stay
            new = update.filter.attributes
            names = {v.name for v in new}
            changes["attributes"] = tuple(v for v in base.filter.attributes if v.name not in names) + new
        merged = base._with(changes)
        low, high = merged.filter.min_price, merged.filter.max_price
        if low is not None and high is not None and low > high:
            # "under 40" after "over 60": the newest bound wins, the other one is dropped.
            merged = merged._with({"min_price": None} if "max_price" in changes else {"max_price": None})
        return merged


def _exclusions_after(current: ProductFilter, update: SlotUpdate, changes: Mapping[str, object]) -> dict[str, object]:
    """The exclusions after a message: new ones add to those in force ("not Pacewell", then "and not
    red"); a value the message asks for is no longer left out ("actually Pacewell is fine"), and one it
    leaves out is no longer asked for; "any brand" / "any color" clear that kind's exclusions too.
    Returns the fields that change (a positive one set to None when the message leaves its value out)."""

    def text(name: str) -> str:
        value = changes.get(name)
        return value.lower() if isinstance(value, str) else ""

    def words(name: str) -> tuple[str, ...]:
        value = changes.get(name, ()) if name in update.mentioned else ()
        return tuple(value) if isinstance(value, tuple) else ()

    subcategories = changes.get("subcategories", ())
    kinds = [s.lower() for s in subcategories] if isinstance(subcategories, tuple) else []
    asked = {
        "exclude_brands": {text("brand")},
        "exclude_colors": {text("color")},
        "exclude_categories": {text("category"), *kinds},
        "exclude_materials": set(),
    }
    clearing = {"exclude_brands": "brand", "exclude_colors": "color"}
    out: dict[str, object] = {}
    for name, wanted in asked.items():
        before: tuple[str, ...] = getattr(current, name)
        if clearing.get(name) in update.cleared - update.mentioned:
            before = ()
        values = tuple(v for v in dict.fromkeys([*before, *words(name)]) if v.lower() not in wanted)
        if values != getattr(current, name):
            out[name] = values
    for name, positive in (("exclude_brands", "brand"), ("exclude_colors", "color")):
        value = changes[positive] if positive in changes else getattr(current, positive)
        if isinstance(value, str) and value.lower() in {v.lower() for v in words(name)}:
            out[positive] = None  # "not Pacewell" while Pacewell was asked for
    return out


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
    listed_product_ids: list[str] = field(default_factory=list)  # the last list of several items shown
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

    def show(self, product_ids: list[str]) -> None:
        """Put ``product_ids`` on screen; a list of several is also kept as the last list (``listed_product_ids``)."""
        self.shown_product_ids = list(product_ids)
        if len(product_ids) >= 2:
            self.listed_product_ids = list(product_ids)

    def referenced_products(self, text: str, lists: bool = False) -> list[str]:
        """Shown product ids the message points at ("the second one", "first and last", "#2").
        ``lists``: a position beyond what is on screen is read in the last list of several items
        ("the second one" after an answer that showed one item)."""
        picks: list[str] = []
        for m in _ORDINAL_RE.finditer(text):
            word = m.group(1).lower()
            if word == "last":
                index = len(self.shown_product_ids) - 1
            elif word.startswith("#"):
                index = int(word[1:]) - 1
            else:
                index = _ORDINALS[word]
            ids = self.shown_product_ids
            if lists and not 0 <= index < len(ids) and len(self.listed_product_ids) > len(ids):
                ids = self.listed_product_ids
                index = len(ids) - 1 if word == "last" else index
            if 0 <= index < len(ids):
                pid = ids[index]
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
