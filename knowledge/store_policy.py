"""A store's order policy as data: what may be cancelled, changed, returned or exchanged, and when.

The policy file (TOML or YAML, ``aisle ingest --policy``) is validated here with pydantic and checked
against the store's own FAQ and catalog: every FAQ id it cites must be a current entry, every category
it names must be one of the catalog's. Errors name the key (``returns.by_category.electronics.faq``).

A store without a policy file gets ``DEFAULT_POLICY``: cancel only while not yet shipped; address
changes, returns and exchanges go to a person as a ticket, and nothing is cited. The eligibility
rules that read a policy are in ``assistant/orders/policy.py``.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from knowledge.errors import ImportFileError
from knowledge.schemas import OrderStatus

META_KEY = "policy"  # where the store's policy is kept (store_meta, as JSON)


class Handling(StrEnum):
    SELF_SERVICE = "self_service"  # the assistant proposes the change and applies it on the shopper's yes
    TICKET = "ticket"  # the request goes to the store's team as a ticket; nothing is changed by the assistant


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CancelRule(_Rule):
    handling: Handling = Handling.SELF_SERVICE
    statuses: list[OrderStatus] = Field(default=[OrderStatus.PENDING, OrderStatus.PROCESSING],
                                        description="statuses in which an order may be cancelled")
    faq: str | None = Field(default=None, description="FAQ entry cited when a cancel is allowed")
    refused_faq: str | None = Field(default=None, description="FAQ entry cited when it is not")


class AddressChangeRule(_Rule):
    handling: Handling = Handling.TICKET
    statuses: list[OrderStatus] = Field(default=[OrderStatus.PENDING])
    faq: str | None = None
    no_po_box_shipping: list[float] = Field(default_factory=list, description="shipping charges (e.g. express "
                                            "rates) whose orders cannot be sent to a P.O. box")
    po_box_faq: str | None = None


class CategoryWindow(_Rule):
    days: int = Field(ge=0, le=3650)
    faq: str | None = None


class ReturnRule(_Rule):
    handling: Handling = Handling.TICKET
    window_days: int = Field(default=30, ge=0, le=3650, description="days from delivery")
    faq: str | None = None
    by_category: dict[str, CategoryWindow] = Field(default_factory=dict, description="categories with a window "
                                                   "of their own")
    non_returnable: list[str] = Field(default_factory=list, description="categories that cannot be returned")
    non_returnable_faq: str | None = None
    unopened_only: list[str] = Field(default_factory=list, description="categories returnable only unopened")
    unopened_only_faq: str | None = None
    shipping_fee: float = Field(default=0.0, ge=0, description="deducted from a refund for a change of mind; "
                                "defective, damaged and wrong items are free")
    fee_faq: str | None = None

    @model_validator(mode="after")
    def _categories_once(self) -> ReturnRule:
        both = set(self.non_returnable) & (set(self.unopened_only) | set(self.by_category))
        if both:
            raise ValueError(f"non_returnable categories {sorted(both)} also have a return rule")
        return self


class ExchangeRule(_Rule):
    handling: Handling = Handling.TICKET
    window_days: int = Field(default=30, ge=0, le=3650)
    same_product_only: bool = Field(default=True, description="only another size or colour of the same product")
    per_item_limit: int | None = Field(default=1, ge=1, description="exchanges per item; empty = no limit")
    faq: str | None = None
    different_product_faq: str | None = None
    limit_faq: str | None = None
    out_of_stock_faq: str | None = None


class StorePolicy(_Rule):
    cancel: CancelRule = CancelRule()
    address_change: AddressChangeRule = AddressChangeRule()
    returns: ReturnRule = ReturnRule()
    exchanges: ExchangeRule = ExchangeRule()
    default: bool = Field(default=False, exclude=True)  # True only for DEFAULT_POLICY

    def cited(self) -> Iterator[tuple[str, str]]:
        """(key, FAQ id) for every FAQ entry the policy cites."""
        for section in ("cancel", "address_change", "returns", "exchanges"):
            rule = getattr(self, section)
            for name, value in rule:
                if name.endswith("faq") and value:
                    yield f"{section}.{name}", value
        for category, window in self.returns.by_category.items():
            if window.faq:
                yield f"returns.by_category.{category}.faq", window.faq

    def categories(self) -> Iterator[tuple[str, str]]:
        """(key, category) for every category the policy names."""
        for category in self.returns.by_category:
            yield f"returns.by_category.{category}", category
        for name in ("non_returnable", "unopened_only"):
            for i, category in enumerate(getattr(self.returns, name)):
                yield f"returns.{name}[{i}]", category

    def problems(self, faq_ids: Iterable[str], categories: Iterable[str]) -> list[str]:
        """What does not fit the store: cited FAQ ids that are not current entries, categories the
        catalog does not have. Empty when the policy fits."""
        faq, known = set(faq_ids), {c.lower() for c in categories}
        out = [f"{key}: FAQ entry {value!r} is not in the store's current FAQ" for key, value in self.cited()
               if value not in faq]
        out += [f"{key}: category {value!r} is not a category of the catalog" for key, value in self.categories()
                if value.lower() not in known]
        return out

    def to_json(self) -> str:
        return self.model_dump_json()


DEFAULT_POLICY = StorePolicy(default=True)


class PolicyFileError(ImportFileError):
    """A policy file that cannot be read, is not valid, or does not fit the store."""


def _location(error: Any) -> str:
    return ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in error["loc"]).replace(".[", "[")


def parse_policy(data: object, source: str) -> StorePolicy:
    """Validate policy data (a mapping); errors name ``source`` and each bad key."""
    try:
        return StorePolicy.model_validate(data)
    except ValidationError as exc:
        lines = [f"{_location(e) or '(top level)'}: {e['msg']}" for e in exc.errors()]
        raise PolicyFileError(f"{source}: invalid policy:\n  " + "\n  ".join(lines)) from None


def read_policy(path: Path) -> StorePolicy:
    """Read a policy file (``.toml``, ``.yaml`` or ``.yml``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyFileError(f"{path}: cannot read the policy file ({exc.strerror or exc})") from None
    try:
        if path.suffix.lower() == ".toml":
            data: object = tomllib.loads(text)
        elif path.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
        else:
            raise PolicyFileError(f"{path}: a policy file must be .toml, .yaml or .yml")
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise PolicyFileError(f"{path}: not valid {path.suffix.lstrip('.').upper()}: {exc}") from None
    return parse_policy(data, str(path))


def stored_policy(raw: str | None) -> StorePolicy:
    """The policy kept in the store's metadata, or ``DEFAULT_POLICY`` when the store has none."""
    if not raw:
        return DEFAULT_POLICY
    return parse_policy(json.loads(raw), "the stored policy")
