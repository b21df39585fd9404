"""Typos corrected against each store's own words (``assistant/vocabulary/typos.py``), and budgets read as
people say them (``assistant/number_words.py``, ``budget_patterns``), on both bundled sample stores built
on fakes. The typos are made here from each store's own catalog: a letter left out, doubled or two swapped."""

from __future__ import annotations

import copy
import random
from collections import Counter
from pathlib import Path

import pytest
import yaml

from aisle.current_store import CurrentStore
from assistant.chat import Assistant
from assistant.money import format_money
from assistant.session import SessionState
from assistant.slots import SlotExtractor
from assistant.vocabulary.typos import SpellingCorrector, policy_words
from bench.spelling import words_by_kind

TESTS = Path(__file__).resolve().parents[1]


def corrector(store) -> SpellingCorrector:
    spelling = store.current.assistant.spelling
    assert spelling is not None  # on by default ([understanding] spelling)
    return spelling


def assistant_with(store, **understanding: object) -> Assistant:
    """The store's assistant built with these ``[understanding]`` settings (the rest as they are)."""
    other = copy.copy(store)
    settings = store.settings
    other.settings = settings.model_copy(update={"understanding": settings.understanding.model_copy(update=understanding)})
    return CurrentStore(other).assistant


def typos(word: str, rng: random.Random) -> list[str]:
    """``word`` with a letter left out, a letter doubled and two letters swapped (never the first letter)."""
    i = rng.randrange(1, len(word) - 1)
    return [word[:i] + word[i + 1:], word[:i] + word[i] + word[i:], word[:i] + word[i + 1] + word[i] + word[i + 2:]]


@pytest.mark.parametrize("kind", ["brand", "product type", "colour", "material", "gender", "tag"])
def test_typos_of_the_stores_own_words_are_read_back(fake_store, kind: str) -> None:
    catalog, spelling = fake_store.current.catalog, corrector(fake_store)
    rng = random.Random(17)
    read_back, misread, tried = 0, [], 0
    for word in words_by_kind(catalog)[kind]:
        longest = max(word.split(), key=len)
        if len(longest) < 5 or not longest.isalpha():
            continue
        for typo in typos(longest, rng):
            if spelling.is_known(typo.lower()):  # the typo is itself a word ("beds" of "beads")
                continue
            tried += 1
            result = spelling.correct(word.replace(longest, typo))
            got = result.text.lower()
            if got == word.lower() or spelling.meaning.get(got) == spelling.meaning.get(word.lower()):
                read_back += 1
                assert result.corrections and result.corrections[0].typed.lower() == typo.lower()
            elif result.corrections:
                misread.append((typo, result.text))
    if not tried:
        pytest.skip(f"this store's catalog has no {kind} words of five letters or more")
    assert tried - read_back <= max(1, 0.1 * tried), (read_back, tried, misread)  # ambiguous: "woen" (women, woven)
    assert len(misread) <= 0.05 * tried, misread


def test_a_brand_keeps_the_stores_own_case(fake_store) -> None:
    brand = max(fake_store.current.catalog.brands, key=len)
    longest = max(brand.split(), key=len)
    typed = brand.replace(longest, (longest[:2] + longest[3:]).lower())
    assert corrector(fake_store).correct(f"anything by {typed}?").text == f"anything by {brand}?"


def _real_messages() -> list[str]:
    messages = [turn["user"] for path in sorted((TESTS / "conversations").glob("*.yaml"))
                if path.name != "spelling.yaml"  # its typos are on purpose
                for convo in yaml.safe_load(path.read_text(encoding="utf-8")) for turn in convo["turns"]
                if isinstance(turn.get("user"), str)]
    ordinary = yaml.safe_load((TESTS / "data" / "ordinary_messages.yaml").read_text(encoding="utf-8"))
    return messages + [text for m in ordinary for text in ([m["text"]] if "text" in m else m["turns"])]


def test_real_messages_are_left_as_they_are(fake_store) -> None:
    """The scripted conversations and ordinary shopper messages hold no typos: none is changed."""
    spelling = corrector(fake_store)
    messages = _real_messages()
    assert len(messages) > 200
    changed = {m: spelling.correct(m).corrections for m in messages if spelling.correct(m).corrections}
    assert not changed


@pytest.mark.parametrize("message", [
    "show me the red one", "is there one for the beach?", "what goes with it", "then the cheaper one",
    "size 10.5 in XL", "under 80", "jane.doe@example.com", "https://example.com/item?id=3", "my order #123-456",
])
def test_common_words_numbers_and_addresses_are_never_corrected(fake_store, message: str) -> None:
    assert corrector(fake_store).correct(message).text == message


def test_the_stores_order_numbers_are_never_corrected(fake_store) -> None:
    spelling = corrector(fake_store)
    for order_id in fake_store.db.order_ids()[:50]:
        assert spelling.correct(f"where is {order_id}").text == f"where is {order_id}"


def _typo_search(store) -> tuple[str, str, str]:
    """A search for one of the commonest colours of the store's largest category, the colour misspelt (a
    letter doubled) so that the store's corrector reads it back."""
    catalog = store.current.catalog
    category = catalog.category_counts.most_common(1)[0][0]
    colors = Counter(c for p in catalog if p.category == category for c in p.colors if len(c) >= 4)
    for color, _ in colors.most_common():
        message = f"{color[:2]}{color[2]}{color[2:]} {category}"
        if corrector(store).correct(message).text == f"{color} {category}":
            return message, color, category
    raise AssertionError(f"no colour of {category} is read back from a typo")


def test_the_chip_shows_the_stores_word(fake_store) -> None:
    message, color, category = _typo_search(fake_store)
    reply = fake_store.current.assistant.respond(SessionState(), message)
    assert color in reply.constraints, (message, reply.constraints)
    assert (message.split()[0], color) in reply.corrections
    assert f'(you typed "{message.split()[0]}")' in reply.text  # the reply says what it read
    assert reply.text.index("Showing results for") < reply.text.index("1.")


def test_off_the_message_is_read_as_typed(fake_store) -> None:
    message, color, _ = _typo_search(fake_store)
    assistant = assistant_with(fake_store, spelling=False)
    assert assistant.spelling is None
    reply = assistant.respond(SessionState(), message)
    assert color not in reply.constraints and not reply.corrections
    assert "Showing results for" not in reply.text


def test_the_shoppers_turn_is_remembered_as_typed(fake_store) -> None:
    message, _, _ = _typo_search(fake_store)
    state = SessionState()
    fake_store.current.assistant.respond(state, message)
    assert state.turns[0].text == message
    assert state.search_query != message  # the search read the store's word


# -- budgets as people say them ---------------------------------------------------------------------------
SPOKEN = [  # message → (min, max); amounts in the store's own currency
    ("under a hundred", (None, 100)),
    ("shoes under two hundred", (None, 200)),
    ("less than 2 hundred", (None, 200)),
    ("something 50-ish", (40, 60)),
    ("50ish", (40, 60)),
    ("about fifty", (40, 60)),
    ("around 60 or so", (48, 72)),
    ("no more than a hundred", (None, 100)),
    ("between forty and sixty", (40, 60)),
    ("under a hundred and twenty", (None, 120)),
    ("twenty-five {word} or less", (None, 25)),
    ("under 80 {word}", (None, 80)),
    ("sub-100", (None, 100)),
    ("50 tops", (None, 50)),
    ("40 at most", (None, 40)),
    ("for 25 or less", (None, 25)),
    ("70 and below", (None, 70)),
    ("my budget's 60", (None, 60)),
    ("I have 60 to spend", (None, 60)),
    ("under 70ish", (None, 70)),
    ("lamp < 50", (None, 50)),
    ("approx 30", (24, 36)),
    ("~30", (24, 36)),
    ("100+", (100, None)),
    ("less than 1k", (None, 1000)),
    ("a mug under a tenner", (None, 10)),
]


def _budget(slots: SlotExtractor, text: str) -> tuple[float | None, float | None]:
    update = slots.extract(text)
    return update.filter.min_price, update.filter.max_price


@pytest.mark.parametrize(("message", "bounds"), SPOKEN)
def test_budgets_as_people_say_them(fake_store, message: str, bounds: tuple[float | None, float | None]) -> None:
    catalog = fake_store.current.catalog
    word = {"USD": "bucks", "EUR": "euros"}[catalog.currency]  # the bundled stores' currencies
    slots = SlotExtractor(catalog, spoken_amounts=True)
    assert _budget(slots, message.format(word=word)) == bounds


def test_slang_for_money_counts_only_in_its_currency(fake_store) -> None:
    catalog = fake_store.current.catalog
    slots = SlotExtractor(catalog, spoken_amounts=True)
    dollars = catalog.currency == "USD"
    assert _budget(slots, "80 bucks or less") == ((None, 80) if dollars else (None, None))
    assert _budget(slots, "80 euros max") == ((None, None) if dollars else (None, 80))
    assert _budget(slots, f"{format_money(80, catalog.currency)} tops") == (None, 80)


@pytest.mark.parametrize("message", ["for two people", "choose from three colours", "a pack of three",
                                     "size 10 or less", "one of the ten best under 50"])
def test_counts_and_sizes_are_not_prices(fake_store, message: str) -> None:
    slots = SlotExtractor(fake_store.current.catalog, spoken_amounts=True)
    low, high = _budget(slots, message)
    assert low is None and high in (None, 50)


def test_spoken_budgets_off_is_todays_reading(fake_store) -> None:
    catalog = fake_store.current.catalog
    today, spoken = SlotExtractor(catalog), SlotExtractor(catalog, spoken_amounts=True)
    assert _budget(today, "under a hundred") == (None, None) and _budget(spoken, "under a hundred") == (None, 100)
    misread_today = {"less than 1k", "under 70ish"}  # read as 1 and as 56–84 without spoken amounts
    for message, _ in SPOKEN:  # what today's reader already read, it still reads the same way
        text = message.format(word="dollars")
        if _budget(today, text) != (None, None) and text not in misread_today:
            assert _budget(today, text) == _budget(spoken, text) or "hundred" in text, text


def test_a_spoken_budget_refines_the_search(fake_store) -> None:
    slots = SlotExtractor(fake_store.current.catalog, spoken_amounts=True)
    update = slots.extract("what about under two hundred?")
    assert update.filter.max_price == 200 and slots.is_refinement("what about under two hundred?", update)


def test_the_words_of_the_stores_policy_titles_are_corrected_too(fake_store) -> None:
    """"whats ur retrun polcy": the FAQ's own words (titles, topics) are store words as well."""
    current = fake_store.current
    titles = [text for e in current.faq_entries for text in (e.title, e.topic)]
    vocabulary, catalog = current.assistant.router.slots.store_vocabulary, current.catalog
    with_policy = SpellingCorrector.for_store(vocabulary, catalog, titles)
    without = SpellingCorrector.for_store(vocabulary, catalog)
    new = sorted(w for w in policy_words(titles) if w not in without.words and len(w) >= 6)
    assert new
    read = {w: with_policy.correct(w[0] + w[2] + w[1] + w[3:]).text for w in new}  # two letters swapped
    assert sum(read[w] == w for w in new) >= len(new) / 2, read
    before = {w: without.correct(w[0] + w[2] + w[1] + w[3:]).text for w in new}
    assert sum(read[w] == w for w in new) > sum(before[w] == w for w in new), before
    assert with_policy.correct("what is your policy").text == "what is your policy"  # common words stay
