"""Comparisons, multi-part questions, the last list of several items, what a store doesn't carry and the
relevance floor, on both sample stores built on the fakes: what rules decide (issue 17, part 5).

Every item, attribute, brand and colour is taken from (or checked against) each store's own catalog."""

from __future__ import annotations

from collections import defaultdict

import pytest

from assistant.answers.products import above_floor
from assistant.comparatives import (
    MEASURES,
    PRICE,
    RATING,
    CatalogMeasures,
    asks_comparison,
    asks_for_others,
    quantity,
    split_parts,
)
from assistant.intents.classifier import Intent, IntentPrediction
from assistant.not_carried import BASIC_COLORS, CatalogWords
from assistant.session import SessionState
from knowledge.schemas import Product
from recommender.types import Candidate
from tests.store_chat import assistant_with


def three_of_a_kind(catalog) -> list[Product]:
    """Three products of one product type with three different prices (from the store's catalog)."""
    kinds: dict[str, list[Product]] = defaultdict(list)
    for p in catalog:
        if len(set(p.prices)) == 1 and p.rating is not None:
            kinds[p.subcategory or p.category].append(p)
    for items in kinds.values():
        by_price = list({p.price: p for p in items}.values())
        if len(by_price) >= 3:
            return by_price[:3]
    raise AssertionError("no product type with three prices")


def showing(products: list[Product]) -> SessionState:
    state = SessionState(last_intent="product_search")
    state.show([p.id for p in products])
    return state


# -- reading -------------------------------------------------------------------------------------------
def test_two_questions_in_one_message_are_split() -> None:
    assert split_parts("what is the price of the third one, and is it cheaper than the first?") == [
        "what is the price of the third one", "is it cheaper than the first?"]
    assert split_parts("is the first one dishwasher safe and does it have a 5 year warranty?") == [
        "is the first one dishwasher safe", "does it have a 5 year warranty?"]
    assert split_parts("a jacket in black and white") == ["a jacket in black and white"]


def test_a_comparison_question_is_not_a_request_for_other_items() -> None:
    assert asks_comparison("is it cheaper than the first?").measure == PRICE
    assert asks_comparison("which is better rated, the first or the second?").measure == RATING
    lightest = asks_comparison("the lightest of these")
    assert lightest.measure == "weight" and lightest.superlative and not lightest.more
    for request in ("anything cheaper than the second one?", "something cheaper", "do you have anything cheaper than that?"):
        assert asks_comparison(request) is None, request


def test_quantities_are_compared_in_one_unit() -> None:
    assert quantity("0.9 kg").value == quantity("900 g").value and quantity("0.9 kg").kind == "mass"
    assert quantity("1.5 mm").value < quantity("1 cm").value


def test_measure_words_find_the_catalogs_own_attribute_keys(fake_store) -> None:
    catalog = fake_store.current.catalog
    measures = CatalogMeasures(catalog)
    numeric = {k for p in catalog for k, v in p.attributes.items() if isinstance(v, str) and quantity(v)}
    assert set(measures.keys) == numeric
    for measure, _more in MEASURES.values():
        for key in measures.keys_for(measure):
            assert key in numeric and set(key.lower().replace("_", " ").split()) & set(measure.split())


# -- answers -------------------------------------------------------------------------------------------
def test_the_price_of_the_third_and_whether_it_is_cheaper_than_the_first(fake_store) -> None:
    first, _second, third = three_of_a_kind(fake_store.current.catalog)
    state = showing([first, _second, third])
    reply = assistant_with(fake_store).respond(state, "what is the price of the third one, and is it cheaper than the first?")
    assert reply.intent == "compare" and [p.id for p in reply.products] == [third.id, first.id]
    from assistant.answers.draft import price_text

    assert price_text(third) in reply.text and price_text(first) in reply.text
    assert ("Yes:" if third.price < first.price else "No:") in reply.text
    assert state.shown_product_ids == [first.id, _second.id, third.id]  # a question keeps the list on screen


def test_which_is_cheaper_and_the_best_rated_of_these(fake_store) -> None:
    items = three_of_a_kind(fake_store.current.catalog)
    state = showing(items)
    assistant = assistant_with(fake_store)
    cheaper = assistant.respond(state, "which is cheaper, the first or the second?")
    assert cheaper.products[0].id == min(items[:2], key=lambda p: p.price).id
    best = assistant.respond(state, "which is the best rated of these?")
    assert best.products[0].id == max(items, key=lambda p: p.rating or 0).id


def test_an_attribute_comparison_uses_the_catalogs_numbers(fake_store) -> None:
    catalog = fake_store.current.catalog
    measures = CatalogMeasures(catalog)
    word = next(w for w, (m, more) in MEASURES.items() if m not in (PRICE, RATING) and not more
                and " " not in w and not w.endswith("est") and measures.keys_for(m))
    measure = MEASURES[word][0]
    pair = None
    for kind in {p.subcategory for p in catalog}:
        valued = [p for p in catalog if p.subcategory == kind and measures.value(p, measure)]
        if len(valued) >= 2 and measures.kinds_agree(valued[:2], measure) and \
                measures.value(valued[0], measure)[0] != measures.value(valued[1], measure)[0]:
            pair = valued[:2]
            break
    assert pair is not None
    reply = assistant_with(fake_store).respond(showing(pair), f"is the second one {word} than the first?")
    second_less = measures.value(pair[1], measure)[0] < measures.value(pair[0], measure)[0]
    assert reply.text.count("Yes:" if second_less else "No:") == 1, reply.text


def test_a_part_the_listing_does_not_state_is_named(fake_store) -> None:
    first, second, third = three_of_a_kind(fake_store.current.catalog)
    word = "zorblax"  # a property no listing states
    assert all(word not in p.search_text().lower() for p in fake_store.current.catalog)
    reply = assistant_with(fake_store).respond(showing([first, second, third]),
                                               f"is the first one {word} and what is its price?")
    assert f"doesn't state whether it is {word}" in reply.text
    assert [p.id for p in reply.products] == [first.id]


# -- references -----------------------------------------------------------------------------------------
def test_compare_the_first_two_after_an_answer_that_showed_one_item(fake_store) -> None:
    items = three_of_a_kind(fake_store.current.catalog)
    state = showing(items)
    state.show([items[2].id])  # a later answer showed one item
    reply = assistant_with(fake_store).respond(state, "compare the first two")
    assert reply.intent == "compare" and [p.id for p in reply.products] == [items[0].id, items[1].id]
    state = showing(items)
    state.show([items[2].id])
    old = assistant_with(fake_store, comparatives=False).respond(state, "compare the first two")
    assert not old.products  # flag off: today's "show me a couple of products first"


def test_a_restored_conversation_keeps_the_last_list(fake_store, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.identity import GUEST
    from assistant.session_store import MemorySessionStates

    conversations = fake_store.conversations
    session_id = conversations.start(GUEST)
    listed = conversations.respond(session_id, three_of_a_kind(fake_store.current.catalog)[0].category)
    assert len(listed.products) >= 2
    conversations.respond(session_id, "tell me about the second one")
    monkeypatch.setattr(conversations, "states", MemorySessionStates())  # as after a restart: restored from the stored turns
    state = conversations.session(session_id)
    assert state.listed_product_ids == [p.id for p in listed.products]


# -- what the store doesn't carry ---------------------------------------------------------------------------
def test_a_made_up_model_is_not_carried_and_gets_no_policy_quote(fake_store) -> None:
    catalog = fake_store.current.catalog
    name = "Zentrix X200 Pro"
    assert all("zentrix" not in p.search_text().lower() for p in catalog)
    reply = assistant_with(fake_store).respond(SessionState(), f"how much is the {name}?")
    assert reply.intent == "product_search" and not reply.faq and not reply.products
    assert f"couldn't find the {name}" in reply.text
    old = assistant_with(fake_store, not_carried=False).respond(SessionState(), f"how much is the {name}?")
    assert "couldn't find the" not in old.text


def test_a_made_up_brand_of_a_kind_the_store_has_gets_that_kind(fake_store) -> None:
    catalog = fake_store.current.catalog
    kind = three_of_a_kind(catalog)[0].subcategory
    reply = assistant_with(fake_store).respond(SessionState(), f"do you sell Zentrix {kind}?")
    assert "couldn't find “Zentrix" in reply.text and reply.products
    assert all(catalog.require(p.id).brand != "Zentrix" for p in reply.products)


def test_a_colour_no_item_comes_in_is_named(fake_store) -> None:
    catalog = fake_store.current.catalog
    words = CatalogWords(catalog)
    colour = sorted(c for c in BASIC_COLORS if c not in words.colors and not any(c in x.split() for x in words.colors))[0]
    kind = three_of_a_kind(catalog)[0].subcategory
    reply = assistant_with(fake_store).respond(SessionState(), f"{kind} in {colour}")
    assert reply.products and all(colour not in catalog.require(p.id).colors for p in reply.products)
    assert f"none of these is {colour}" in reply.text
    old = assistant_with(fake_store, not_carried=False).respond(SessionState(), f"{kind} in {colour}")
    assert "none of these is" not in old.text


def test_policy_questions_stay_with_the_faq(fake_store) -> None:
    words = CatalogWords(fake_store.current.catalog, [e.body for e in fake_store.db.faq_entries()])
    for entry in fake_store.db.faq_entries()[:20]:
        assert words.missing(entry.title) is None or any(c.isupper() for c in entry.title[1:]), entry.title


# -- relevance floor ---------------------------------------------------------------------------------------
def test_the_relevance_floor_is_a_share_of_the_best_match() -> None:
    cands = [Candidate(str(i), "", "", r) for i, r in enumerate([0.6, 0.5, 0.3, 0.1])]
    assert [c.product_id for c in above_floor(cands, 0.6)] == ["0", "1"]
    assert above_floor(cands, 0.0) == cands
    assert above_floor([Candidate("x", "", "", -0.1)], 0.6) == [Candidate("x", "", "", -0.1)]


def test_the_relevance_floor_reaches_the_assistant(fake_store) -> None:
    from assistant.config import UnderstandingSettings

    assert fake_store.current.assistant.products.relevance_floor == UnderstandingSettings().relevance_floor > 0
    assert fake_store.current.assistant.router.parts is not None


@pytest.mark.parametrize("text", ["hello", "where is my order?", "what is your return policy?"])
def test_other_messages_are_not_comparisons(text: str) -> None:
    assert asks_comparison(text) is None


def test_each_part_about_one_item_gets_its_fact(fake_store) -> None:
    catalog = fake_store.current.catalog
    first = next(p for p in catalog if p.colors and len(set(p.prices)) == 1)
    others = [p for p in catalog if p.id != first.id][:2]
    colour = first.colors[0].lower()
    missing = sorted(c for c in BASIC_COLORS if c not in {x.lower() for x in first.colors})[0]
    reply = assistant_with(fake_store).respond(
        showing([first, *others]), f"does the first one come in {colour} and does it come in {missing}?")
    assert f"it comes in {colour}" in reply.text and f"it doesn't come in {missing}" in reply.text
    assert [p.id for p in reply.products] == [first.id]


# -- round 2: requests for better-rated items, policy questions, requests for goods ------------------------
def test_a_comparative_with_no_subject_asks_for_other_items() -> None:
    for request in ("better rated than the first?", "is there one with a better rating than the first",
                    "anything cheaper than the second one?"):
        assert asks_for_others(request) is not None and asks_comparison(request) is None, request
    for question in ("is it better rated than the first?", "which is better rated, the first or the second?"):
        assert asks_for_others(question) is None and asks_comparison(question) is not None, question


def test_better_rated_than_the_first_shows_only_higher_rated_items(fake_store) -> None:
    catalog = fake_store.current.catalog
    items = sorted(three_of_a_kind(catalog), key=lambda p: p.rating or 0)
    assistant = assistant_with(fake_store)
    for reference in (items[0], max(catalog, key=lambda p: p.rating or 0)):
        state = showing([reference])
        reply = assistant.respond(state, "better rated than the first?")
        assert reply.intent == "product_search"
        assert all((catalog.get(p.id).rating or 0) > (reference.rating or 0) for p in reply.products), reference.id
        if not reply.products:
            assert f"better rated than the {reference.title}" in reply.text
    off = assistant_with(fake_store, comparatives=False).respond(showing([items[0]]), "better rated than the first?")
    assert off.intent != "product_search"  # flag off: today's reading (a question about the shown item)


def test_a_policy_question_naming_goods_is_a_faq_question(fake_store) -> None:
    intents = fake_store.current.assistant.intents
    kind = next(p.subcategory for p in fake_store.current.catalog if p.subcategory)
    prediction = intents.predict(f"what's the return policy on {kind}?", products_shown=True)
    assert (prediction.intent, prediction.rule) == (Intent.FAQ, "asks about a policy")
    assert intents.predict("what's the return policy on the lamp I ordered?").rule != "asks about a policy"


def test_a_request_for_goods_voted_an_order_question_is_a_search(fake_store) -> None:
    text = "do you have the Zorbulex 9 pro"
    vote = IntentPrediction(Intent.ORDER_STATUS, 0.4, {})
    on = assistant_with(fake_store).router.intent(SessionState(), text, vote)[0]
    off = assistant_with(fake_store, not_carried=False).router.intent(SessionState(), text, vote)[0]
    assert (on, off) == (Intent.PRODUCT_SEARCH, Intent.ORDER_STATUS)
    assert assistant_with(fake_store).router.intent(SessionState(), "where is my order?", vote)[0] is Intent.ORDER_STATUS
