"""Issue 17, round 3, on both sample stores built on the fakes: picks that lack a word of the request the
best match has are left out (``RequestCoverage``), superlative searches list best first (``BestFirst``),
"lighter / better rated / cheaper than that one" searches stay with the item's kind (``Beyond``), and
the speller's two-edit typos. Every product, word and measure comes from each store's own
catalog."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from assistant.answers.coverage import RequestCoverage
from assistant.comparatives import MEASURES, PRICE, RATING, BestFirst, CatalogMeasures
from assistant.session import SessionState
from knowledge.schemas import Product
from recommender.types import Candidate
from tests.store_chat import chat


def candidate(p: Product, relevance: float) -> Candidate:
    return Candidate(p.id, p.title, p.search_text(), relevance)


def coverage(store) -> RequestCoverage:
    found = store.current.assistant.products.coverage
    assert found is not None  # on by default ([understanding] term_coverage)
    return found


def kinds(catalog) -> dict[str, list[Product]]:
    by_kind: dict[str, list[Product]] = defaultdict(list)
    for p in catalog:
        by_kind[p.subcategory or p.category].append(p)
    return by_kind


def distinguishing_word(store) -> tuple[Product, str, list[Product]]:
    """A product, a word of its title that names no kind of goods, and the other products of its kind whose
    text lacks that word."""
    cover = coverage(store)
    names_kind = cover.kind_of  # a word for a kind ("daypack" for backpacks) is the filter's business
    for items in kinds(store.current.catalog).values():
        if len(items) < 3:
            continue
        for p in items:
            for word in re.findall(r"[A-Za-z]{5,}", p.title):
                stems = cover.tokens(word)
                if not stems or stems[0] in cover.ignored or names_kind(word.lower()) is not None:
                    continue
                lacking = [o for o in items if o.id != p.id and stems[0] not in cover.tokens(o.search_text())]
                if len(lacking) >= 2:
                    return p, word, lacking
    raise AssertionError("no title word that only some items of a kind have")


# -- which picks the request's words leave out -------------------------------------------------------------
def test_picks_lacking_a_word_the_best_match_shares_with_the_request_are_left_out(fake_store) -> None:
    best, word, lacking = distinguishing_word(fake_store)
    kind = best.subcategory or best.category
    cands = [candidate(best, 0.7), *(candidate(p, 0.69) for p in lacking)]
    kept = coverage(fake_store).keep(cands, f"{kind} {word}")
    assert [c.product_id for c in kept] == [best.id]
    # a request without that word keeps them all
    assert coverage(fake_store).keep(cands, kind) == cands


def test_words_for_the_kind_searched_are_not_required(fake_store) -> None:
    best, _, lacking = distinguishing_word(fake_store)
    kind = best.subcategory or best.category
    searched = fake_store.current.assistant.router.slots.extract(kind).filter
    cands = [candidate(best, 0.7), *(candidate(p, 0.69) for p in lacking)]
    cover = coverage(fake_store)
    assert cover.keep(cands, f"{kind} {kind}", searched) == cands  # the kind's own words, whatever the titles say


def test_a_word_no_title_has_cuts_nothing(fake_store) -> None:
    best, _, lacking = distinguishing_word(fake_store)
    cands = [candidate(best, 0.7), *(candidate(p, 0.6) for p in lacking)]
    assert coverage(fake_store).keep(cands, f"{best.subcategory or best.category} for my sister") == cands


def test_the_product_a_request_names_is_the_best_match_though_less_relevant(fake_store) -> None:
    named, word, lacking = distinguishing_word(fake_store)
    cands = [candidate(lacking[0], 0.7), candidate(named, 0.65), candidate(lacking[1], 0.6)]
    assert [c.product_id for c in coverage(fake_store).keep(cands, f"the {word} one")] == [named.id]
    far = [candidate(lacking[0], 0.7), candidate(named, 0.3)]  # far below the best: not what it names
    assert coverage(fake_store).keep(far, f"the {word} one") == far


def test_a_count_with_its_unit_leaves_out_other_counts() -> None:
    words = RequestCoverage(lambda text: re.findall(r"[a-z0-9]{2,}", text.lower()))
    tents = [Candidate(str(n), f"Dome {n}-Person Tent", f"Dome {n}-Person Tent. A tent.", r)
             for n, r in ((4, 0.7), (2, 0.69), (6, 0.68))]
    plain = Candidate("x", "Family Dome Tent", "Family Dome Tent. Room for every person.", 0.6)
    kept = words.keep([*tents, plain], "a 4 person tent")
    assert [c.product_id for c in kept] == ["4", "x"]  # one that states no count stays


def test_a_budget_number_is_not_a_word_each_pick_must_say() -> None:
    words = RequestCoverage(lambda text: re.findall(r"[a-z0-9]{2,}", text.lower()))
    gifts = [Candidate("a", "Throw Blanket", "Throw Blanket. Machine wash at 60 degrees.", 0.7),
             Candidate("b", "Board Game", "Board Game. For game night.", 0.69)]
    assert words.keep(gifts, "gift ideas under 60") == gifts


def test_coverage_off_keeps_every_pick(fake_store) -> None:
    from aisle.current_store import CurrentStore

    other = type(fake_store).__new__(type(fake_store))
    other.__dict__.update(fake_store.__dict__)
    other.settings = fake_store.settings.model_copy(
        update={"understanding": fake_store.settings.understanding.model_copy(update={"term_coverage": False})})
    assert CurrentStore(other).assistant.products.coverage is None


def test_the_assistant_shows_only_items_with_the_distinguishing_word(fake_store) -> None:
    best, word, _ = distinguishing_word(fake_store)
    cover = coverage(fake_store)
    reply, _ = chat(fake_store, None, f"{best.subcategory or best.category} {word}")
    stem = cover.tokens(word)[0]
    shown = [fake_store.current.catalog.get(p) for p in reply.product_ids]
    assert shown and all(p is not None and stem in cover.tokens(p.search_text()) for p in shown), reply.text


# -- superlatives: best first ---------------------------------------------------------------------------------
def _kind_with_values(store, value) -> tuple[str, list[Product]]:
    """A product type the slots read, with three or more items whose values differ."""
    catalog = store.current.catalog
    slots = store.current.assistant.router.slots
    for kind, items in sorted(kinds(catalog).items(), key=lambda kv: -len(kv[1])):
        values = {value(p) for p in items if value(p) is not None}
        if len(values) >= 3 and kind in slots.extract(kind).filter.subcategories:
            return kind, items
    raise AssertionError("no product type with three values")


@pytest.mark.parametrize(("word", "measure"), [("cheapest", PRICE), ("best rated", RATING)])
def test_a_superlative_search_lists_best_first(fake_store, word: str, measure: str) -> None:
    measures = CatalogMeasures(fake_store.current.catalog)
    kind, _ = _kind_with_values(fake_store, lambda p: measures.value(p, measure))
    reply, _ = chat(fake_store, None, f"the {word} {kind}")
    values = [measures.value(fake_store.current.catalog.require(pid), measure)[0] for pid in reply.product_ids]
    assert len(values) >= 2 and f"{word} first" in reply.text
    assert values == sorted(values, reverse=measure == RATING)


def test_an_attribute_superlative_shows_each_value(fake_store) -> None:
    catalog = fake_store.current.catalog
    measures = CatalogMeasures(catalog)
    word, (measure, _) = next((w, m) for w, m in MEASURES.items() if w.endswith("est") and " " not in w
                              and m[0] not in (PRICE, RATING) and measures.keys_for(m[0]))
    order = BestFirst.of(f"the {word} one", measures)
    assert order is not None and order.measure == measure
    kind, items = _kind_with_values(fake_store, lambda p: measures.value(p, measure))
    stated = [p for p in items if measures.value(p, measure) is not None]
    assert order.shown(stated[0]) == measures.value(stated[0], measure)[1]  # "weight 1.2 kg", as the listing states it
    reply, _ = chat(fake_store, None, f"the {word} {kind}")
    assert f"{word} first" in reply.text
    firsts = [measures.value(catalog.require(pid), measure) for pid in reply.product_ids]
    known = [v[0] for v in firsts if v is not None]
    assert known == sorted(known, reverse=order.more)
    assert all(v is None or v[1] in reply.text for v in firsts)


def test_no_superlative_keeps_the_ranking() -> None:
    assert BestFirst.of("tents for camping", CatalogMeasures([])) is None
    assert BestFirst.of("the lightest tent", CatalogMeasures([])) is None  # no catalog weight to order by


def test_a_superlative_naming_another_kind_is_a_new_search(fake_store) -> None:
    catalog = fake_store.current.catalog
    slots = fake_store.current.assistant.router.slots
    readable = [k for k, items in kinds(catalog).items() if len(items) >= 2 and k in slots.extract(k).filter.subcategories]
    first, second = readable[:2]
    reply, _ = chat(fake_store, None, first, f"which is the cheapest {second}")
    assert reply.intent == "product_search" and reply.product_ids
    assert all(catalog.require(pid).subcategory == second for pid in reply.product_ids)


# -- measured against a shown item ------------------------------------------------------------------------------
def _state_showing(product: Product) -> SessionState:
    state = SessionState(last_intent="product_search", search_query=product.title)
    state.show([product.id])
    return state


def test_cheaper_than_the_first_stays_with_its_kind_or_says_nothing_is(fake_store) -> None:
    catalog = fake_store.current.catalog
    assistant = fake_store.current.assistant
    for items in kinds(catalog).values():
        if len(items) < 3:
            continue
        for reference in (min(items, key=lambda p: p.price), max(items, key=lambda p: p.price)):
            reply = assistant.respond(_state_showing(reference), "anything cheaper than the first one?")
            assert reply.intent == "product_search"
            shown = [catalog.require(pid) for pid in reply.product_ids]
            assert all(p.subcategory == reference.subcategory and p.price < reference.price for p in shown)
            if not shown:
                assert f"cheaper than the {reference.title}" in reply.text
        return


def test_lighter_than_that_one_shows_only_lighter_items(fake_store) -> None:
    catalog = fake_store.current.catalog
    measures = CatalogMeasures(catalog)
    word = next((w for w, (m, more) in MEASURES.items() if m not in (PRICE, RATING) and not more
                 and w.endswith("er") and measures.keys_for(m)), None)
    if word is None:
        pytest.skip("this store's catalog states no measure a comparative word asks for")
    measure = MEASURES[word][0]
    kind, items = _kind_with_values(fake_store, lambda p: measures.value(p, measure))
    stated = sorted((p for p in items if measures.value(p, measure) is not None), key=lambda p: measures.value(p, measure)[0])
    for reference in (stated[-1], stated[0]):
        reply = fake_store.current.assistant.respond(_state_showing(reference), f"anything {word} than that one?")
        assert reply.intent == "product_search", reply.text
        shown = [catalog.require(pid) for pid in reply.product_ids]
        assert all(measures.value(p, measure)[0] < measures.value(reference, measure)[0] for p in shown)
        if reference is stated[0]:
            assert not shown and f"{word} than the {reference.title}" in reply.text


# -- typos of two edits ------------------------------------------------------------------------------------------
def _store_words_with(store, test) -> list[str]:
    spelling = store.current.assistant.spelling
    return sorted(w for w in spelling.words if " " not in w and w.isalpha() and len(w) > 5 and test(w))


def test_letters_swapped_apart_and_doubled_letters_typed_once_are_corrected(fake_store) -> None:
    spelling = fake_store.current.assistant.spelling
    doubled = _store_words_with(fake_store, lambda w: re.search(r"(.)\1", w) is not None)
    read = 0
    for word in doubled:
        typo = re.sub(r"(.)\1+", r"\1", word)
        if typo == word or spelling.is_known(typo) or len(typo) <= 4:
            continue
        fixed = spelling.correct(typo).text.lower()
        read += fixed == word or spelling.meaning.get(fixed) == spelling.meaning[word]
    assert read >= 1
    swapped = next(w for w in _store_words_with(fake_store, lambda w: w[1] != w[3]))
    typo = swapped[0] + swapped[3] + swapped[2] + swapped[1] + swapped[4:]
    if not spelling.is_known(typo):
        fixed = spelling.correct(typo).text.lower()
        assert fixed == swapped or spelling.meaning.get(fixed) == spelling.meaning[swapped]



def _kind_of_brands(catalog) -> list[Product]:
    """Items of one product type from two brands or more, one of the brands with two items."""
    for items in kinds(catalog).values():
        brands = {p.brand for p in items}
        if len(items) >= 3 and len(brands) >= 2:
            return items
    raise AssertionError("no product type with two brands")


@pytest.mark.parametrize("message", ["more like the second one", "something similar to the second"])
def test_more_like_a_shown_item_searches_its_kind_without_it(fake_store, message: str) -> None:
    catalog = fake_store.current.catalog
    items = _kind_of_brands(catalog)
    state = SessionState(last_intent="product_search", search_query=items[0].subcategory)
    state.show([p.id for p in items[:3]])
    reply = fake_store.current.assistant.respond(state, message)
    assert reply.intent == "product_search" and reply.product_ids, reply.text
    assert items[1].id not in reply.product_ids
    assert all(catalog.require(pid).subcategory == items[1].subcategory for pid in reply.product_ids)
    assert f"like the {items[1].title}" in reply.text


def test_a_different_brand_than_a_shown_item_leaves_its_brand_out(fake_store) -> None:
    catalog = fake_store.current.catalog
    items = _kind_of_brands(catalog)
    state = SessionState(last_intent="product_search", search_query=items[0].subcategory)
    state.show([p.id for p in items[:3]])
    reply = fake_store.current.assistant.respond(state, "any from a different brand than the first?")
    assert reply.intent == "product_search" and reply.product_ids, reply.text
    assert all(catalog.require(pid).brand != items[0].brand for pid in reply.product_ids)
    assert f"not {items[0].brand}" in reply.constraints  # a chip the shopper can remove


# -- what the store doesn't carry, read from names, not from a word one description mentions ------------------
def test_a_thing_only_one_description_mentions_is_not_carried(fake_store) -> None:
    from assistant.not_carried import CatalogWords

    catalog = fake_store.current.catalog
    words = CatalogWords(catalog)
    named = {w for p in catalog for w in re.findall(r"[a-z]+", p.search_text().replace(p.description, "").lower())}
    once = sorted(w for w in {w for p in catalog for w in re.findall(r"[a-z]{6,}", p.description.lower())}
                  if w not in named and not w.endswith("s") and sum(w in p.description.lower() for p in catalog) == 1)
    if not once:
        pytest.skip("no word that only one description mentions")
    word = once[len(once) // 2]
    assert not words.has(word)
    reply, _ = chat(fake_store, None, f"do you sell {word}?")
    assert "couldn't find" in reply.text and not reply.product_ids, reply.text


def test_a_use_no_item_of_the_kind_is_listed_for_is_named(fake_store) -> None:
    from assistant.slots import suits_use

    catalog = fake_store.current.catalog
    slots = fake_store.current.assistant.router.slots
    tags = sorted({t for p in catalog for t in p.tags if len(t) > 4})
    for kind, items in sorted(kinds(catalog).items()):
        if len(items) < 2 or kind not in slots.extract(kind).filter.subcategories:
            continue
        for tag in tags:
            if not any(suits_use(p, tag) for p in items) and slots.extract(f"{kind} for {tag}").use == tag:
                reply, _ = chat(fake_store, None, f"{kind} for {tag}")
                if reply.product_ids:
                    assert f"is listed for {tag}" in reply.text, reply.text
                    return
    pytest.skip("no product type and use the slots read with nothing of the type listed for it")


def test_something_like_a_kind_is_a_new_search_not_a_shown_item(fake_store) -> None:
    catalog = fake_store.current.catalog
    items = _kind_of_brands(catalog)
    other = next(p for p in catalog if p.subcategory != items[0].subcategory and p.subcategory)
    state = SessionState(last_intent="product_search", search_query=items[0].subcategory)
    state.show([p.id for p in items[:3]])
    reply = fake_store.current.assistant.respond(state, f"something like a {other.subcategory}")
    assert reply.intent == "product_search" and "like the" not in reply.text, reply.text  # not "like the <shown item>"


def test_a_word_known_only_as_a_form_of_another_is_corrected_one_letter_from_a_store_word() -> None:
    from assistant.vocabulary.typos import SpellingCorrector, StoreWords

    words = StoreWords(written={"burgundy": "burgundy", "jacket": "jacket", "slipper": "slipper"},
                       meaning={"burgundy": "color burgundy", "jacket": "type jacket", "slipper": "type slipper"},
                       names=frozenset({"jacket", "slipper"}))
    spelling = SpellingCorrector(words, {"burg", "andy", "jack", "slip", "what"})
    assert spelling.is_known("burgandy") and spelling.is_known("sliper")  # burg + andy, slip + er
    assert spelling.correct("a hoodie in burgandy").text == "a hoodie in burgundy"
    assert spelling.correct("cozy sliper").text == "cozy slipper"
    assert spelling.correct("all jacked up").text == "all jacked up"  # a verb form is a word of its own
