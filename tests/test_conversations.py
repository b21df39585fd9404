"""Scripted conversations (tests/conversations/*.yaml) through the real turn loop and models.

Each turn's ``expect`` block asserts on state and facts, not wording. Every turn is also checked
for grounding: each price in the reply text must be a price of a product in the reply, an order
total, or a figure in a cited FAQ entry or in the shopper's own message.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.errors import InvalidMessage
from assistant.money import format_money
from assistant.session import SessionState
from assistant.slots import suits_use
from knowledge.retrieval.filters import ProductFilter

CONVERSATIONS = sorted((Path(__file__).parent / "conversations").glob("*.yaml"))
# An amount written as money, in any of the stores' currencies: "$12", "€12.50", "12,50 €", "EUR 12.50", "12.50 EUR".
_CODE = r"(?:USD|EUR|GBP|CAD|AUD|CHF|JPY)"
_PRICE = re.compile(rf"(?:[$€£¥]|\b{_CODE}\s?)\s?(\d[\d,.]*\d|\d)|(\d[\d,.]*\d|\d)\s?(?:[€£]|{_CODE}\b)")


def _prices(text: str) -> list[float]:
    """The amounts ``_PRICE`` finds ("12,50" is twelve and a half, "1,299.50" a thousand and more)."""
    out = []
    for m in _PRICE.finditer(text):
        raw = m.group(1) or m.group(2)
        out.append(float(raw.replace(",", ".") if re.fullmatch(r"\d+,\d{1,2}", raw) else raw.replace(",", "")))
    return out


STORES = {"demo": "services", "kestrel": "kestrel"}  # a conversation's ``stores`` → the fixture of each


def _load() -> list[Any]:
    """One case per conversation and store: ``stores`` (default ``[demo]``) lists the bundled stores a
    conversation runs on; those not about one store's own products and orders run on both."""
    cases = []
    for path in CONVERSATIONS:
        for convo in yaml.safe_load(path.read_text(encoding="utf-8")):
            for store in convo.get("stores", ["demo"]):
                assert store in STORES, f"{path.name}: {convo['name']}: unknown store {store!r}"
                cases.append(pytest.param(convo, store, id=f"{path.stem}:{convo['name']}[{store}]"))
    return cases


def _allowed_prices(reply, services, message: str) -> set[float]:
    allowed = {p.price for p in reply.products}
    for ref in reply.products:  # prices by variant, and "was" prices, are the product's facts too
        product = services.current.catalog.require(ref.id)
        allowed |= {product.price_of(v) for v in product.variants}
        allowed |= {x for x in [product.compare_at_price, *(product.compare_at_of(v) for v in product.variants)] if x}
    for order_id in reply.order_ids:
        order = services.db.order(order_id)
        allowed |= {order.total, order.shipping} | {i.unit_price for i in order.items}
    faq = {e.id: e for e in services.db.faq_entries()}
    # the shopper's own constraints (e.g. "under $148.99" after "cheaper") are facts of the session
    texts = [message, *reply.constraints] + [faq[f.id].body for f in reply.faq if f.id in faq]
    for text in texts:
        allowed |= set(_prices(text))
        allowed |= {float(v) for v in re.findall(r"\d+(?:\.\d+)?", text)}
    # a price difference in a comparison is derived from the two prices shown
    if len(reply.products) == 2:
        allowed.add(round(abs(reply.products[0].price - reply.products[1].price), 2))
    return allowed


def _shown(shown_before: list[str], position: int | str) -> str:
    """The id of the item at ``position`` (1-based, or "last") of what was on screen before the turn."""
    assert shown_before, "nothing was shown before this turn"
    index = len(shown_before) - 1 if position == "last" else int(position) - 1
    assert 0 <= index < len(shown_before), f"only {len(shown_before)} items were shown"
    return shown_before[index]


def _check(expect: dict[str, Any], reply, services, state: SessionState, catalog,
           shown_before: list[str] | None = None) -> None:
    products = [catalog.require(p.id) for p in reply.products]
    shown_before = shown_before or []
    if "intent" in expect:
        wanted = expect["intent"] if isinstance(expect["intent"], list) else [expect["intent"]]
        assert reply.intent in wanted, f"intent {reply.intent} not in {wanted}"
    if "min_products" in expect:
        assert len(products) >= expect["min_products"], reply.text
    if "max_products" in expect:
        assert len(products) <= expect["max_products"], reply.text
    if "categories" in expect:
        assert products and all(p.category in expect["categories"] for p in products), \
            [(p.id, p.category) for p in products]
    if "max_price" in expect:
        assert all(p.price <= expect["max_price"] for p in products), [(p.id, p.price) for p in products]
    if "min_price" in expect:
        assert all(p.price >= expect["min_price"] for p in products), [(p.id, p.price) for p in products]
    if "color" in expect:
        assert products and all(expect["color"] in p.colors for p in products), [(p.id, p.colors) for p in products]
    if "size" in expect:
        assert products and all(expect["size"].lower() in p.sizes for p in products)
    if "brand" in expect:
        assert products and all(p.brand == expect["brand"] for p in products)
    if "brands_not" in expect:  # exclusions: no product of these brands
        assert products and not {p.brand for p in products} & set(expect["brands_not"]), [p.brand for p in products]
    if "colors_not_only" in expect:  # no product that comes only in these colours
        assert products and all(not p.colors or set(p.colors) - set(expect["colors_not_only"]) for p in products), \
            [(p.id, p.colors) for p in products]
    if "materials_not" in expect:  # no product whose attributes, tags or title name these materials
        left_out = ProductFilter(exclude_materials=tuple(expect["materials_not"]))
        assert products and all(left_out.matches(p) for p in products), [p.id for p in products]
    if "in_stock" in expect:
        assert all(p.in_stock for p in products)
    if "product_ids_any" in expect:
        assert set(reply.product_ids) & set(expect["product_ids_any"]), reply.product_ids
    if "product_ids_exactly" in expect:
        assert reply.product_ids == expect["product_ids_exactly"]
    for chip in expect.get("constraints_include", []):
        assert chip in reply.constraints, f"{chip!r} not in {reply.constraints}"
    for chip in expect.get("constraints_exclude", []):
        assert chip not in reply.constraints, f"{chip!r} in {reply.constraints}"
    if "constraints_exact" in expect:
        assert reply.constraints == expect["constraints_exact"], reply.constraints
    if "suits_use" in expect:  # the top item is, per its catalog tags/attributes, for that use
        assert products and suits_use(products[0], expect["suits_use"]), (products[0].id, products[0].tags)
    if "shown_items" in expect:  # the reply is about these items of what was on screen ("the second one")
        wanted = [_shown(shown_before, pos) for pos in expect["shown_items"]]
        assert reply.product_ids == wanted, (reply.product_ids, wanted)
    if "cheaper_than_shown" in expect:  # every item costs less than that item shown before
        limit = catalog.require(_shown(shown_before, expect["cheaper_than_shown"])).price
        assert all(p.price < limit for p in products), ([(p.id, p.price) for p in products], limit)
        assert f"under {format_money(limit - 0.01, catalog.currency)}" in reply.constraints, reply.constraints
    if "faq_ids_any" in expect:
        assert set(reply.faq_ids) & set(expect["faq_ids_any"]), reply.faq_ids
    if "faq_ids_none" in expect:
        assert not reply.faq_ids
    if "order_ids" in expect:
        assert reply.order_ids == expect["order_ids"]
    if expect.get("no_order_data"):
        assert not reply.order_ids and "Tracking:" not in reply.text
    for text in expect.get("text_contains", []):
        assert text.lower() in reply.text.lower(), f"{text!r} not in reply: {reply.text[:300]}"
    for text in expect.get("text_not_contains", []):
        assert text.lower() not in reply.text.lower(), f"{text!r} in reply: {reply.text[:300]}"
    if "handoff" in expect:
        assert reply.handoff is expect["handoff"]


def _check_service(expect: dict[str, Any], reply, services, state: SessionState, audit: list[str]) -> None:
    """Order actions, audit log and handoff tickets, checked in the database itself."""
    if "pending_action" in expect:
        assert reply.pending_action == expect["pending_action"], f"pending {reply.pending_action}"
    if "audit" in expect:  # the audit outcomes this turn logged, in order
        assert audit == expect["audit"], f"audit {audit}"
    for order_id, status in expect.get("order_status", {}).items():
        assert services.db.order(order_id).status.value == status
    for order_id, address in expect.get("shipping_address", {}).items():
        assert services.db.order(order_id).shipping_address == address
    for order_id, kinds in expect.get("requests", {}).items():
        requests = services.order_log.requests_for(order_id)
        assert [(r.kind, r.new_sku) if r.new_sku else r.kind for r in requests] == [
            tuple(k) if isinstance(k, list) else k for k in kinds], requests
    if "ticket" in expect:
        ticket = services.tickets.open_for(state.session_id)
        assert (ticket is not None) is expect["ticket"] and (reply.ticket_id is not None) is expect["ticket"]
        if ticket is not None:
            assert reply.ticket_id == ticket.id and reply.handoff
            if "ticket_reason" in expect:
                assert ticket.reason.value == expect["ticket_reason"]
            for text in expect.get("ticket_summary_contains", []):
                assert text in ticket.summary, ticket.summary


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.parametrize(("convo", "store"), _load())
def test_conversation(convo: dict[str, Any], store: str, request: pytest.FixtureRequest) -> None:
    services = request.getfixturevalue(STORES[store])
    assistant, catalog = services.current.assistant, services.current.catalog
    state = SessionState(customer_id=convo.get("customer"))
    for number, turn in enumerate(convo["turns"], start=1):
        expect = turn.get("expect", {})
        if "error" in expect:
            with pytest.raises(InvalidMessage, match=expect["error"]):
                assistant.respond(state, turn["user"] * turn.get("repeat", 1))
            continue
        logged = len(services.order_log.entries(session_id=state.session_id))
        shown_before = list(state.shown_product_ids)
        reply = assistant.respond(state, turn["user"])
        context = f"turn {number} {turn['user']!r}: "
        try:
            _check(expect, reply, services, state, catalog, shown_before)
            new = services.order_log.entries(session_id=state.session_id)[: -logged or None]
            _check_service(expect, reply, services, state, [e.outcome.value for e in reversed(new)])
            allowed = _allowed_prices(reply, services, turn["user"])
            for amount in _prices(reply.text):
                assert amount in allowed, f"ungrounded price {amount:g}"
        except AssertionError as exc:
            raise AssertionError(context + str(exc)) from exc


WORDS_ONLY = {"text_contains", "text_not_contains"}


def test_at_least_sixty_conversations_cover_every_intent_and_assert_facts() -> None:
    convos = list({id(c.values[0]): c.values[0] for c in _load()}.values())
    assert len(convos) >= 60
    for convo in convos:  # every conversation checks state or facts somewhere, not only wording
        keys = {k for turn in convo["turns"] for k in turn.get("expect", {})}
        assert keys - WORDS_ONLY, convo["name"]
    intents = set()
    for convo in convos:
        for turn in convo["turns"]:
            wanted = turn.get("expect", {}).get("intent")
            intents |= set(wanted if isinstance(wanted, list) else [wanted] if wanted else [])
    from assistant.intents.classifier import Intent

    assert {i.value for i in Intent} <= intents
