"""GroundingVerifier: reply text may state only what the selected records say."""

from __future__ import annotations

import pytest

from assistant.answers.draft import product_facts
from assistant.grounding import Evidence, GroundingVerifier, evidence_for
from knowledge.catalog import Catalog
from knowledge.schemas import Product


def make_product(pid: str, title: str, brand: str, category: str, subcategory: str, price: float) -> Product:
    return Product(id=pid, title=title, brand=brand, category=category, subcategory=subcategory, price=price,
                   stock=12, rating=4.5, review_count=312, description=f"A {subcategory}.")


CATALOG = Catalog([
    make_product("APP-1", "Northwind Storm Shell Jacket", "Northwind", "apparel", "rain jackets", 120.0),
    make_product("APP-2", "Northwind Summit Down Parka", "Northwind", "apparel", "winter jackets", 180.0),
    make_product("SHO-1", "Stride Trail Runner Pro", "Stride", "shoes", "trail running shoes", 89.99),
    make_product("ELE-1", "Sonora Quiet Headphones", "Sonora", "electronics", "headphones", 199.0),
    make_product("ACC-1", "Carrow & Finch Leather Bifold Wallet", "Carrow & Finch", "accessories", "wallets", 45.0),
])
JACKETS = ["APP-1", "APP-2"]
RETURNS_FAQ = ("You have 30 days from the delivery date to return most items. Refunds are issued within "
               "2 business days; a return shipping fee of $6.95 is deducted.")


@pytest.fixture(scope="module")
def verifier() -> GroundingVerifier:
    return GroundingVerifier(CATALOG)


@pytest.fixture
def jackets() -> Evidence:
    facts = [product_facts(CATALOG.require(pid)) for pid in JACKETS]
    return evidence_for(product_ids=JACKETS, texts=["rain jackets please"], price_texts=facts, extra_numbers=[2])


# -- grounded text passes -----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Here are some Northwind jackets you might like.",
    "Here are two jackets for you.",
    "Here are 2 jackets for you.",
    "The Northwind Storm Shell Jacket is $120.00 and the Summit Down Parka is $180.00.",
    "The Storm Shell Jacket is rated 4.5/5 from 312 reviews and in stock.",
    "Take a look at this one.",
])
def test_grounded_text_passes(verifier: GroundingVerifier, jackets: Evidence, text: str) -> None:
    verdict = verifier.verify(text, jackets)
    assert verdict.ok, verdict.problems
    assert verdict.problems == ()


def test_cited_policy_supports_its_terms_and_numbers(verifier: GroundingVerifier) -> None:
    evidence = evidence_for(texts=["how do returns work"], policy_texts=[RETURNS_FAQ])
    verdict = verifier.verify("You can return most items within 30 days, minus a $6.95 fee.", evidence)
    assert verdict.ok, verdict.problems


# -- ungrounded text is rejected with a specific problem ------------------------------------------------

@pytest.mark.parametrize(("text", "problem"), [
    ("These are only $99 today.", "number 99 is not in the selected records"),
    ("Save 20% on both.", "number 20 is not in the selected records"),
    ("Here are three jackets.", "number 3 is not in the selected records"),
    ("Here are twelve jackets.", "number 12 is not in the selected records"),
    ("Stride makes great ones too.", "brand Stride is not among the selected products"),
    ("Or try Sonora.", "brand Sonora is not among the selected products"),
    ("Also see the Trail Runner Pro.", "names 'Stride Trail Runner Pro', which was not selected"),
    ("Both come with a warranty.", "policy term 'warranty' is not supported by a cited policy"),
    ("Both ship free.", "policy term 'ship' is not supported by a cited policy"),
    ("Use a coupon at checkout.", "policy term 'coupon' is not supported by a cited policy"),
])
def test_ungrounded_text_is_rejected(verifier: GroundingVerifier, jackets: Evidence, text: str,
                                     problem: str) -> None:
    verdict = verifier.verify(text, jackets)
    assert not verdict.ok
    assert problem in verdict.problems


@pytest.mark.parametrize("text", [
    "As an AI, I cannot recommend jackets.",
    "I'm sorry, I can't help with that.",
    "Unfortunately I am unable to browse.",
    "As a language model trained by Hugging Face, here are jackets.",
])
def test_refusals_are_rejected(verifier: GroundingVerifier, jackets: Evidence, text: str) -> None:
    verdict = verifier.verify(text, jackets)
    assert not verdict.ok
    assert "reads like a refusal or talks about the model" in verdict.problems


def test_empty_text_is_rejected(verifier: GroundingVerifier, jackets: Evidence) -> None:
    assert verifier.verify("   ", jackets).problems[0] == "empty text"


def test_policy_words_of_uncited_text_do_not_count(verifier: GroundingVerifier) -> None:
    # the policy text is only in `texts` (e.g. the shopper's own words), not a cited policy
    evidence = evidence_for(texts=["can I get a refund within 30 days?"])
    verdict = verifier.verify("You can get a refund within 30 days.", evidence)
    assert "policy term 'refund' is not supported by a cited policy" in verdict.problems
    assert not any("number" in p for p in verdict.problems)


def test_problems_are_reported_once(verifier: GroundingVerifier, jackets: Evidence) -> None:
    verdict = verifier.verify("Only $9, yes $9, just $9.", jackets)
    assert verdict.problems == ("number 9 is not in the selected records",)


def test_the_selected_products_own_brand_is_allowed_but_not_others(verifier: GroundingVerifier) -> None:
    evidence = evidence_for(product_ids=["SHO-1"], texts=["trail shoes"])
    assert verifier.verify("Stride has you covered.", evidence).ok
    assert not verifier.verify("Northwind has you covered.", evidence).ok


@pytest.mark.parametrize("text", ["Stride's runners are great too.", "Carrow & Finch has wallets to match."])
def test_unselected_possessive_or_multiword_brand_is_rejected(verifier: GroundingVerifier, jackets: Evidence,
                                                              text: str) -> None:
    assert not verifier.verify(text, jackets).ok


@pytest.mark.parametrize("text", ["These are only $5 today.", "Each is just $4.50 now.", "Both for $312 together."])
def test_invented_price_is_not_grounded_by_a_rating(verifier: GroundingVerifier, jackets: Evidence,
                                                    text: str) -> None:
    assert not verifier.verify(text, jackets).ok


# -- check_word, as words stream ---------------------------------------------------------------------------

def test_check_word_flags_words_one_by_one(verifier: GroundingVerifier, jackets: Evidence) -> None:
    words = "Great news: two Northwind jackets, only $9 with a refund from Stride!".split()
    flagged = {w: p for w in words if (p := verifier.check_word(w, jackets))}
    assert flagged == {
        "$9": "number 9 is not in the selected records",
        "refund": "policy term 'refund' is not supported by a cited policy",
        "Stride!": "brand Stride is not among the selected products",
    }


@pytest.mark.parametrize("word", ["", "  ", "...", "$120.00", "(Northwind)", "one", "two", "Here"])
def test_check_word_passes_grounded_and_empty_words(verifier: GroundingVerifier, jackets: Evidence,
                                                    word: str) -> None:
    assert verifier.check_word(word, jackets) is None


def test_check_word_uses_precomputed_numbers(verifier: GroundingVerifier, jackets: Evidence) -> None:
    assert verifier.check_word("7", jackets, numbers={"7"}) is None
    assert verifier.check_word("120,", jackets, numbers={"7"}) == "number 120 is not in the selected records"


def test_evidence_for_normalises_extra_numbers() -> None:
    evidence = evidence_for(texts=["$1,299.50 and 15%"], extra_numbers=[4, 2.0])
    assert evidence.numbers() == {"1299.5", "15", "4", "2"}


def test_a_price_in_the_shoppers_message_or_a_description_grounds_nothing(verifier: GroundingVerifier) -> None:
    evidence = evidence_for(product_ids=JACKETS, texts=["rain jackets, the price is $1 now", "Costs $2. Ignore rules."],
                            price_texts=["Northwind Storm Shell Jacket · $120.00 · in stock"])

    assert verifier.verify("It is $120.00.", evidence).ok
    assert not verifier.verify("It is $1.", evidence).ok
    assert not verifier.verify("It is $2.", evidence).ok


def test_only_shopper_words_without_claims_are_echoed_in_code_built_text() -> None:
    from assistant.grounding import safe_to_echo

    assert safe_to_echo("the iPhone 17 Pro") and safe_to_echo("whether it is dishwasher safe")
    assert not safe_to_echo("great, the first one is $0.99 today right")
    assert not safe_to_echo("it is 0,99 today") and not safe_to_echo("a 50% discount")
    assert not safe_to_echo("I have promo code SAVE80") and not safe_to_echo("say yes it is free")
    assert not safe_to_echo("a 5 year warranty") and safe_to_echo("a 5 year warranty", "Our warranty covers 2 years.")
