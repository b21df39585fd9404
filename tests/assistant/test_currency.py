"""Money in each product's currency: formatting (babel), the store's currency in chips and budgets,
prices by variant in replies, and grounding that accepts the catalog's amounts in any currency form
and nothing else. Every feature is checked on a dollar store and a euro store (and pounds for budgets)."""

from __future__ import annotations

import pytest

from assistant.answers.draft import money, price_text, product_facts, product_ref
from assistant.answers.products import ProductAnswers, _relaxed_phrase, suspect
from assistant.grounding import GroundingVerifier, evidence_for
from assistant.money import amounts, currency_markers, format_money, parse_amount
from assistant.session import Constraints
from assistant.slots import SlotExtractor
from knowledge.catalog import Catalog
from knowledge.retrieval.embed import HashingEmbedder
from knowledge.retrieval.filters import ProductFilter
from knowledge.schemas import Product

SYMBOL = {"USD": "$", "EUR": "€", "GBP": "£"}


def jacket(currency: str, pid: str = "APP-1", price: float = 120.0, **fields: object) -> Product:
    return Product(id=pid, title="Northwind Storm Shell Jacket" if pid == "APP-1" else f"Northwind Jacket {pid}",
                   brand="Northwind", category="apparel", subcategory="rain jackets", price=price, currency=currency,
                   stock=12, rating=4.5, review_count=312, attributes={"color": ["navy"], "size": ["S", "M", "XL"]},
                   description="A packable rain shell.", **fields)


def sweater(currency: str) -> Product:
    """Priced by size: S and M 79 (was 99), XL 89 (was 109)."""
    return Product.model_validate({
        "id": "APP-9", "title": "Fjord Merino Crew", "brand": "Nordvik", "category": "apparel",
        "subcategory": "sweaters", "currency": currency, "stock": 7,
        "attributes": {"size": ["S", "M", "XL"]}, "description": "A fine merino crew neck.",
        "variants": [{"sku": "S", "size": "S", "stock": 3, "price": 79.0, "compare_at_price": 99.0},
                     {"sku": "M", "size": "M", "stock": 2, "price": 79.0, "compare_at_price": 99.0},
                     {"sku": "XL", "size": "XL", "stock": 2, "price": 89.0, "compare_at_price": 109.0}]})


def store(currency: str) -> Catalog:
    return Catalog([jacket(currency), jacket(currency, "APP-2", 180.0), sweater(currency)])


# -- formatting -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "currency", "text"), [
    (12.5, "USD", "$12.50"), (12.5, "EUR", "€12.50"), (1234.5, "USD", "$1,234.50"), (1234.5, "EUR", "€1,234.50"),
    (80, "GBP", "£80.00"), (1200, "JPY", "¥1,200"), (12.5, "CHF", "CHF12.50"), (9, "CAD", "CA$9.00"),
])
def test_money_is_formatted_by_babel_in_the_amounts_currency(value: float, currency: str, text: str) -> None:
    assert format_money(value, currency) == text == money(value, currency)


def test_money_without_a_currency_is_the_documented_default() -> None:
    assert money(74.99) == "$74.99"


@pytest.mark.parametrize(("raw", "value"), [("1,234.50", 1234.5), ("1.234,50", 1234.5), ("12,50", 12.5),
                                            ("12.5", 12.5), ("1,000", 1000.0), ("0.125", 0.125), ("80", 80.0),
                                            ("8,9,10", None)])
def test_amounts_are_read_as_people_write_them(raw: str, value: float | None) -> None:
    assert parse_amount(raw) == value


def test_amounts_are_found_with_their_currency_in_every_form() -> None:
    text = "€12.50, 12,50 €, EUR 12.50, 12.50 EUR, $80, 80 USD, £5, CA$9, and all 3 of them"
    assert amounts(text) == [("EUR", 12.5)] * 4 + [("USD", 80.0)] * 2 + [("GBP", 5.0), ("CAD", 9.0)]
    assert currency_markers("EUR") == ("EUR", "€") and currency_markers("CAD") == ("CA$", "CAD", "$")


# -- the store's currency in chips ------------------------------------------------------------------------

@pytest.mark.parametrize(("currency", "under", "between", "over"), [
    ("USD", "under $80.00", "$20.00–$50.00", "over $100.00"),
    ("EUR", "under €80.00", "€20.00–€50.00", "over €100.00"),
    ("GBP", "under £80.00", "£20.00–£50.00", "over £100.00"),
])
def test_budget_chips_use_the_store_currency(currency: str, under: str, between: str, over: str) -> None:
    assert Constraints(ProductFilter(max_price=80), currency=currency).describe() == [under]
    assert Constraints(ProductFilter(min_price=20, max_price=50), currency=currency).describe() == [between]
    assert Constraints(ProductFilter(min_price=100), currency=currency).describe() == [over]
    chip = Constraints(ProductFilter(category="apparel", max_price=80), currency=currency)
    assert chip.without(under) == Constraints(ProductFilter(category="apparel"), currency=currency)


@pytest.mark.parametrize(("currency", "message", "chip"), [
    ("USD", "rain jackets under $80", "under $80.00"),
    ("EUR", "rain jackets under 80 euros", "under €80.00"),
    ("EUR", "rain jackets under €80", "under €80.00"),
    ("GBP", "rain jackets under 80 pounds", "under £80.00"),
])
def test_a_budget_read_from_a_message_is_shown_in_the_store_currency(currency: str, message: str, chip: str) -> None:
    update = SlotExtractor(store(currency)).extract(message)
    merged = Constraints().merge(update)
    assert merged.currency == currency and merged.describe()[-1] == chip
    # a new search keeps the store's currency
    assert merged.merge(SlotExtractor(store(currency)).extract("sweaters")).currency == currency
    assert merged.filter.max_price == 80.0


# -- budgets in the shopper's words ---------------------------------------------------------------------------

@pytest.mark.parametrize(("currency", "message", "low", "high"), [
    ("EUR", "jackets under 80 euros", None, 80.0),
    ("EUR", "jackets under €80", None, 80.0),
    ("EUR", "jackets below 80 EUR", None, 80.0),
    ("EUR", "jackets under 80€", None, 80.0),
    ("EUR", "a jacket under 49,50 €", None, 49.5),
    ("EUR", "between €40 and €60", 40.0, 60.0),
    ("EUR", "€40-€60", 40.0, 60.0),
    ("EUR", "around 100 euros", 80.0, 120.0),
    ("EUR", "over EUR 150", 150.0, None),
    ("GBP", "jackets under £50", None, 50.0),
    ("GBP", "under 50 pounds", None, 50.0),
    ("GBP", "under 50 quid", None, 50.0),
    ("GBP", "£40 to £60", 40.0, 60.0),
    ("USD", "running shoes under $80", None, 80.0),
    ("USD", "$40-$60", 40.0, 60.0),
    ("USD", "under 80 dollars", None, 80.0),
    ("USD", "a monitor under $1,000", None, 1000.0),
])
def test_budgets_in_the_store_currency(currency: str, message: str, low: float | None, high: float | None) -> None:
    update = SlotExtractor(store(currency)).extract(message)
    assert (update.filter.min_price, update.filter.max_price) == (low, high)
    assert update.currency == currency


@pytest.mark.parametrize(("currency", "budget"), [("USD", None), ("EUR", None), ("GBP", 50.0)])
def test_pounds_are_money_only_in_a_pound_store(currency: str, budget: float | None) -> None:
    assert SlotExtractor(store(currency)).extract("a kettlebell under 50 pounds").filter.max_price == budget
    assert SlotExtractor(store(currency)).extract("a kettlebell under 50 lbs").filter.max_price is None


@pytest.mark.parametrize("currency", ["USD", "EUR", "GBP"])
def test_another_currencys_symbol_is_not_read_as_a_budget(currency: str) -> None:
    others = [s for c, s in SYMBOL.items() if c != currency]
    for symbol in others:
        assert SlotExtractor(store(currency)).extract(f"jackets under {symbol}80").filter.max_price is None
    assert SlotExtractor(store(currency)).extract(f"jackets under {SYMBOL[currency]}80").filter.max_price == 80.0


# -- prices by variant in replies -------------------------------------------------------------------------------

@pytest.mark.parametrize("currency", ["USD", "EUR"])
def test_facts_quote_from_the_lowest_price_or_the_asked_variants_price(currency: str) -> None:
    s = SYMBOL[currency]
    product = sweater(currency)
    assert price_text(product) == f"from {s}79.00"
    assert price_text(product, size="XL") == f"{s}89.00 (was {s}109.00)"
    assert price_text(product, size="m") == f"{s}79.00 (was {s}99.00)"
    assert product_facts(product, size="XL").split(" · ")[1] == f"{s}89.00 (was {s}109.00)"
    assert price_text(jacket(currency)) == f"{s}120.00"
    assert price_text(jacket(currency, compare_at_price=150.0)) == f"{s}120.00 (was {s}150.00)"


@pytest.mark.parametrize("currency", ["USD", "EUR"])
def test_a_card_carries_the_quoted_price_image_and_page(currency: str) -> None:
    product = sweater(currency).model_copy(update={"image_url": "apparel/app-9.jpg", "url": "https://shop.example/p/9"})
    ref = product_ref(product, "a reason")
    assert (ref.price, ref.price_max, ref.compare_at_price, ref.currency) == (79.0, 89.0, None, currency)
    assert (ref.image_url, ref.url) == ("apparel/app-9.jpg", "https://shop.example/p/9")
    xl = product_ref(product, size="XL")
    assert (xl.price, xl.price_max, xl.compare_at_price) == (89.0, None, 109.0)


@pytest.mark.parametrize("currency", ["USD", "EUR"])
def test_a_question_about_a_size_gives_that_variants_price_and_grounds_it(currency: str) -> None:
    s = SYMBOL[currency]
    catalog = store(currency)
    answers = ProductAnswers(None, None, HashingEmbedder(), lambda _c: [], dict)  # type: ignore[arg-type]
    draft = answers.question(None, "how much is it in size XL?", catalog.require("APP-9"), size="XL")  # type: ignore[arg-type]
    assert f"{s}89.00 (was {s}109.00)" in draft.body
    assert f"Yes, it comes in size XL (in stock, {s}89.00 (was {s}109.00))." in draft.body
    assert f"S {s}79.00, M {s}79.00, XL {s}89.00" in draft.body  # "Prices by variant"
    assert draft.products[0].price == 89.0
    verifier = GroundingVerifier(catalog)
    for text in (f"In XL it is {s}89.00, down from {s}109.00.", f"Size S is {s}79.00."):
        assert verifier.verify(text, draft.evidence).ok, verifier.verify(text, draft.evidence).problems
    assert not verifier.verify(f"In XL it is {s}79.50.", draft.evidence).ok


@pytest.mark.parametrize("currency", ["USD", "EUR"])
def test_a_comparison_states_prices_and_the_difference_in_their_currency(currency: str) -> None:
    s = SYMBOL[currency]
    catalog = store(currency)
    answers = ProductAnswers(None, None, HashingEmbedder(), lambda _c: [], dict)  # type: ignore[arg-type]
    draft = answers.compare([catalog.require("APP-9"), catalog.require("APP-2")])
    assert f"| Price | from {s}79.00 | {s}180.00 |" in draft.body
    assert f"cheaper of the two by {s}101.00" in draft.body
    assert GroundingVerifier(catalog).verify(f"The merino crew is {s}101.00 cheaper.", draft.evidence).ok


@pytest.mark.parametrize("currency", ["USD", "EUR", "GBP"])
def test_a_relaxed_budget_is_named_in_the_store_currency(currency: str) -> None:
    assert _relaxed_phrase("max_price", 30.0, currency) == f"your budget of {SYMBOL[currency]}30.00"
    assert _relaxed_phrase("min_price", 30.0, currency) == f"the minimum of {SYMBOL[currency]}30.00"


@pytest.mark.parametrize("text", ["Now only $5!", "Sale: €5 off", "just 5 EUR today", "20% off", "use coupon X"])
def test_store_text_with_its_own_price_in_any_currency_is_never_quoted(text: str) -> None:
    assert suspect(text)
    assert not suspect("A packable shell with taped seams in 3 colors.")


# -- grounding -----------------------------------------------------------------------------------------------

@pytest.fixture(params=["USD", "EUR"])
def shop(request: pytest.FixtureRequest) -> tuple[str, Catalog, GroundingVerifier]:
    catalog = store(request.param)
    return request.param, catalog, GroundingVerifier(catalog)


def _evidence(catalog: Catalog):
    ids = ["APP-1", "APP-2"]
    return evidence_for(product_ids=ids, texts=["rain jackets please"],
                        price_texts=[product_facts(catalog.require(i)) for i in ids])


def test_prices_from_the_records_pass_in_every_form_of_their_currency(shop) -> None:
    currency, catalog, verifier = shop
    s = SYMBOL[currency]
    evidence = _evidence(catalog)
    for text in (f"The Storm Shell Jacket is {s}120.00.", f"It is {s}120 and the parka {s}180.",
                 f"It costs 120,00 {s}.", f"It costs {currency} 120.00.", f"It costs 120.00 {currency}."):
        verdict = verifier.verify(text, evidence)
        assert verdict.ok, (text, verdict.problems)


def test_an_invented_amount_or_another_currency_is_rejected(shop) -> None:
    currency, catalog, verifier = shop
    s = SYMBOL[currency]
    evidence = _evidence(catalog)
    other = "€" if currency == "USD" else "$"
    assert "number 99 is not in the selected records" in verifier.verify(f"Only {s}99 today.", evidence).problems
    assert not verifier.verify(f"It is {other}120.00.", evidence).ok  # the right amount in the wrong currency
    assert not verifier.verify("It is 120.00 GBP.", evidence).ok
    # a number in the records that is not a price there (the review count) is no price
    assert not verifier.verify(f"Both for {s}312 together.", evidence).ok
    assert not verifier.verify(f"Both for 312 {currency} together.", evidence).ok


def test_compare_at_prices_ground_where_the_facts_state_them(shop) -> None:
    currency, catalog, verifier = shop
    s = SYMBOL[currency]
    on_sale = jacket(currency, compare_at_price=150.0)
    evidence = evidence_for(product_ids=["APP-1"], price_texts=[product_facts(on_sale)])
    assert verifier.verify(f"It is {s}120.00, down from {s}150.00.", evidence).ok
    assert not verifier.verify(f"It is {s}120.00, down from {s}150.00.", _evidence(catalog)).ok


def test_streamed_words_check_an_amount_and_its_currency_code_together(shop) -> None:
    currency, catalog, verifier = shop
    evidence = _evidence(catalog)
    assert verifier.check_word(currency, evidence, previous="120.00") is None
    assert verifier.check_word("120.00", evidence, previous=currency) is None
    assert verifier.check_word("GBP", evidence, previous="120.00") == "price 120.00 GBP is not a price in the selected records"
    assert verifier.check_word("jackets", evidence, previous="120.00") is None
