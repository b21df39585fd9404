"""IntentClassifier with the real bundled embedder, on held-out messages (tests/data/intents_heldout.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.intents.classifier import Intent, IntentClassifier, load_examples

pytestmark = pytest.mark.slow
HELDOUT = Path(__file__).resolve().parents[1] / "data" / "intents_heldout.yaml"
SHOWN_INTENTS = {Intent.PRODUCT_QUESTION, Intent.COMPARE}  # asked while products are on screen
MIN_ACCURACY = 0.8


def heldout() -> list[tuple[str, Intent]]:
    data = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))
    return [(text, Intent(label)) for label, texts in data.items() for text in texts]


@pytest.fixture(scope="module")
def classifier(services) -> IntentClassifier:
    """The demo store's classifier: its order numbers are the demo's (``MM-`` + 6 digits)."""
    return services.intent_classifier


def test_heldout_set_is_big_enough_and_new() -> None:
    cases = heldout()
    assert len(cases) >= 45
    for intent in Intent:
        assert sum(1 for _, label in cases if label is intent) >= 5, intent
    training = {t.lower().strip() for texts in load_examples().values() for t in texts}
    assert not [t for t, _ in cases if t.lower().strip() in training]


def test_heldout_accuracy(classifier: IntentClassifier) -> None:
    cases = heldout()
    misses = []
    for text, expected in cases:
        got = classifier.predict(text, products_shown=expected in SHOWN_INTENTS)
        if got.intent is not expected:
            misses.append(f"{text!r}: expected {expected.value}, got {got.intent.value} "
                          f"(rule={got.rule}, confidence={got.confidence:.2f})")
    accuracy = 1 - len(misses) / len(cases)
    print(f"\nheld-out intent accuracy: {accuracy:.3f} ({len(cases) - len(misses)}/{len(cases)})")
    print("\n".join(misses))
    assert accuracy >= MIN_ACCURACY, "\n".join(misses)


@pytest.mark.parametrize(("text", "shown", "intent", "rule"), [
    ("any news on MM-100123?", False, Intent.ORDER_STATUS, "order id"),
    ("I want to return MM-100123", False, Intent.ORDER_CHANGE, "order id + change"),
    ("please cancel mm-100123", True, Intent.ORDER_CHANGE, "order id + change"),
    ("compare them", True, Intent.COMPARE, "compare shown items"),
    ("talk to a human", False, Intent.HANDOFF, "asks for a human"),
    ("talk to a human", True, Intent.HANDOFF, "asks for a human"),
    ("I want to return my order", False, Intent.ORDER_CHANGE, "change to my order"),
    ("is the second one waterproof?", True, Intent.PRODUCT_QUESTION, "question about a shown item"),
])
def test_cues_override_the_embedding_vote(classifier: IntentClassifier, text: str, shown: bool,
                                          intent: Intent, rule: str) -> None:
    prediction = classifier.predict(text, products_shown=shown)
    assert (prediction.intent, prediction.rule) == (intent, rule)
    assert prediction.confidence >= 0.9


def test_compare_needs_products_on_screen(classifier: IntentClassifier) -> None:
    assert classifier.predict("compare them", products_shown=False).rule is None


def test_policy_question_about_returns_is_not_an_order_change(classifier: IntentClassifier) -> None:
    prediction = classifier.predict("what is your policy on returning opened items?")
    assert prediction.intent is Intent.FAQ


def test_scores_cover_every_intent(classifier: IntentClassifier) -> None:
    scores = classifier.predict("hello there").scores
    assert set(scores) == {i.value for i in Intent}
    assert all(-1.0 <= s <= 1.0 for s in scores.values())


@pytest.mark.parametrize("text", [
    "which is better, the first or the second?",  # a compare example of prompts/intents.yaml itself
    "which is warmer, the first or the last?",
])
def test_question_about_two_shown_items_is_a_comparison(classifier: IntentClassifier, text: str) -> None:
    assert classifier.predict(text, products_shown=True).intent is Intent.COMPARE
