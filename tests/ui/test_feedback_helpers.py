"""The pure pieces behind the UI's feedback: like ratings, message text, clickable cards, details."""

from __future__ import annotations

import pytest

from assistant.product_views import product_details
from assistant.reply import ProductRef, Reply
from knowledge.schemas import Product
from ui.cards import CARD_CLICK_JS, card_details, cards_html
from ui.shopper import like_rating, message_text


@pytest.mark.parametrize("liked, rating", [(True, "up"), (False, "down"), ("Like", "up"), ("Dislike", "down"),
                                            ("", None), ("Flag", None)])
def test_like_data_becomes_a_rating(liked, rating) -> None:
    assert like_rating(liked) == rating


@pytest.mark.parametrize("value", ["Hi there.", [{"type": "text", "text": "Hi there."}],
                                   [[{"type": "text", "text": "Hi there."}]], {"content": "Hi there."}])
def test_message_text_reads_every_shape_gradio_sends(value) -> None:
    assert message_text(value) == "Hi there."


def test_cards_are_keyboard_reachable_buttons_the_click_hook_reads() -> None:
    ref = ProductRef(id="P-1", title="Lamp <b>", brand="Acme", category="home", price=12.5, currency="USD",
                     stock=3, rating=4.0, reason="popular")
    html = cards_html(Reply(text="", intent="product_search", confidence=1.0, products=[ref]))

    assert 'data-product-id="P-1" role="button" tabindex="0"' in html and "Lamp &lt;b&gt;" in html
    assert "closest('[data-product-id]')" in CARD_CLICK_JS and "product_id" in CARD_CLICK_JS


def test_card_details_show_what_the_shopper_clicked() -> None:
    product = Product(id="P-1", title="Desk Lamp", brand="Acme", category="home", price=1234.5, stock=0,
                      rating=4.25, review_count=12, attributes={"color": ["black", "white"]},
                      description="Bright & small.")

    html = card_details(product_details(product))

    assert "Desk Lamp" in html and "$1,234.50" in html and "out of stock" in html
    assert "★ 4.2 (12 reviews)" in html and "colors: black, white" in html and "Bright &amp; small." in html
    assert "Click a product card" in card_details(None)
