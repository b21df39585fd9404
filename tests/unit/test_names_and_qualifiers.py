"""Names of several words read with one word mistyped ("insulted water bottle", "Crema lain"), names of one word
typed as two ("roll top"), and a qualifier anywhere in the message naming the store's more specific product type
("rain jacket for cycling" → "cycling rain jacket"), on both bundled sample stores built on fakes. The names
come from each store's own catalog; the typos are made here."""

from __future__ import annotations

import random

from assistant.product_types import GENERIC_HEADS, ProductTypeMatcher, _common_end, _normal
from tests.unit.test_spelling import assistant_with, corrector, typos


def _multi_word_names(store) -> list[str]:
    catalog = store.current.catalog
    return sorted({n for n in [*catalog.subcategories, *catalog.brands] if len(n.split()) > 1 and n.replace(" ", "").isalpha()})


def test_one_mistyped_word_of_a_name_is_read_with_the_rest(fake_store) -> None:
    """A word of a name of several words is read back even when the typo is itself an English word, as long
    as the name's other words are there as the store writes them."""
    spelling = corrector(fake_store)
    rng = random.Random(17)
    tried, misread = 0, []
    for name in _multi_word_names(fake_store):
        word = max(name.split(), key=len)
        if len(word) < 5:
            continue
        for typo in typos(word, rng):
            if typo.lower() in spelling.words:  # a store word of its own is what the shopper meant
                continue
            tried += 1
            got = spelling.correct(f"show me the {name.replace(word, typo)} please").text
            if f" {_normal(name)} " not in f" {_normal(got)} ":
                misread.append((typo, name, got))
    assert tried > 20
    assert len(misread) <= tried // 20, misread


def test_two_typed_words_that_spell_a_one_word_name_are_joined(fake_store) -> None:
    """"roll top" → "rolltop", "web cam" → "webcam": the store's one-word product types typed in two."""
    spelling = corrector(fake_store)
    catalog = fake_store.current.catalog
    names = sorted({w for n in [*catalog.subcategories, *catalog.categories] for w in n.lower().split()
                    if len(w) >= 6 and w.isalpha()})
    assert names
    for name in names:
        half = len(name) // 2
        assert name in spelling.correct(f"any {name[:half]} {name[half:]} here?").text.lower()


def _qualified_names(matcher: ProductTypeMatcher) -> list[tuple[str, str, str]]:
    """(product type, its qualifier words, the head words it shares with its siblings) for each product type
    that has siblings ending in the same words ("cycling" / "rain jacket" beside "city rain jacket")."""
    by_head: dict[str, list[str]] = {}
    for norm, sub in matcher._full:
        by_head.setdefault(norm.split()[-1], []).append(sub)
    found = []
    for head, subs in by_head.items():
        if len(subs) < 2 or head in GENERIC_HEADS:  # "oil", "set": never a product type alone
            continue
        shared = _common_end([_normal(s).split() for s in subs])
        for sub in subs:
            own = _normal(sub).split()[: len(_normal(sub).split()) - len(shared)]
            # a qualifier that is a product type of its own ("monitor" of "monitor light") names that one
            if own and not set(own) & set(shared) and matcher.match(" ".join(own)) is None:
                found.append((sub, " ".join(own), " ".join(shared)))
    return found


def test_a_qualifier_anywhere_names_the_more_specific_product_type(fake_store) -> None:
    catalog = fake_store.current.catalog
    matcher = ProductTypeMatcher(catalog, qualifiers=True)
    named = _qualified_names(matcher)
    assert named
    for sub, own, shared in named:
        match = matcher.match(f"a {shared} for {own}")
        assert match is not None and sub in match.subcategories, (sub, own, shared, match)
        assert not any(_normal(other).endswith(shared) and not set(_normal(other).split()) - set(shared.split())
                       - set(own.split()) for other in set(match.subcategories) if _normal(other) != _normal(sub)), match


def test_off_the_head_noun_alone_decides(fake_store) -> None:
    """``[understanding] qualifiers`` off: "a rain jacket for cycling" is every rain jacket, as before."""
    catalog = fake_store.current.catalog
    off, on = ProductTypeMatcher(catalog), ProductTypeMatcher(catalog, qualifiers=True)
    messages = [f"a {shared} for {own}" for _, own, shared in _qualified_names(off)]
    assert any(off.match(m) != on.match(m) for m in messages)
    assert all(off.match(m) == on.match(m) for m in ["a jacket", "something for the weekend", "hello there"])


def test_the_assistant_reads_the_qualifier_only_when_on(fake_store) -> None:
    named = _qualified_names(ProductTypeMatcher(fake_store.current.catalog))
    sub, own, shared = named[0]
    on = assistant_with(fake_store, qualifiers=True).router.slots.extract(f"a {shared} for {own}")
    off = assistant_with(fake_store, qualifiers=False).router.slots.extract(f"a {shared} for {own}")
    assert sub in on.filter.subcategories
    assert set(on.filter.subcategories) <= set(off.filter.subcategories) or not off.filter.subcategories


def test_a_qualifier_with_another_word_for_the_head_noun(fake_store) -> None:
    """"merino hoody" where the store sells "merino hoodie": a word of the same group as the store's head noun
    (the groups of ``synonyms.yaml``; here one made up from the store's own head) counts as that noun."""
    catalog = fake_store.current.catalog
    for sub, own, shared in _qualified_names(ProductTypeMatcher(catalog)):
        head = shared.split()[-1]
        other = f"{head}oid"  # a word no store has
        matcher = ProductTypeMatcher(catalog, qualifiers=True, same=[(head, other)])
        message = f"a {own} {' '.join([*shared.split()[:-1], other])}"
        match = matcher.match(message)
        assert match is not None and sub in match.subcategories, (message, match)
        assert ProductTypeMatcher(catalog, same=[(head, other)]).match(message) != match
