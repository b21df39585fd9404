"""HTML for product cards, constraint chips, comparisons, sources and a clicked card's details: pure
functions (every value escaped), shared by the shopper widget and the agent copilot.

A product's image is shown when it is on an allowed host (``[safety] allowed_link_hosts``) or a file
Aisle serves from its images folder (``IMAGES_ROUTE``); its title links to its page in the store when
that page is on an allowed host. Anything else gets the placeholder and no link."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from urllib.parse import quote

from assistant.money import format_money
from assistant.product_views import ProductDetails, comparison_rows
from assistant.reply import ProductRef, Reply
from assistant.safety.images import image_source, web_link_allowed

IMAGES_ROUTE = "/images"  # where ui/server.py serves <data_dir>/images/

CSS = """
.aisle-cards {display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 10px;}
.aisle-card {border: 1px solid #d7dbe0; border-radius: 10px; padding: 10px; background: #fff; color: #1d232b;
  cursor: pointer;}
.aisle-card:hover, .aisle-card:focus {border-color: #3b6ea8; outline: none; box-shadow: 0 0 0 2px #3b6ea833;}
.aisle-card .ph {height: 70px; border-radius: 8px; display: flex; align-items: center; justify-content: center;
  font-size: 28px; font-weight: 700; color: #fff; margin-bottom: 8px;}
.aisle-card .img {display: block; width: 100%; height: 70px; object-fit: contain; border-radius: 8px;
  margin-bottom: 8px; background: #f3f5f7;}
.aisle-card .t {font-weight: 600; font-size: 14px; line-height: 1.25;}
.aisle-card .t a, .aisle-details a {color: inherit; text-decoration: underline;}
.aisle-card .p {font-size: 16px; font-weight: 700; margin-top: 4px;}
.aisle-card .was {font-size: 12px; color: #5b6470;}
.aisle-card .s {font-size: 12px;} .aisle-card .s.out {color: #b3261e;} .aisle-card .s.in {color: #1b7f3b;}
.aisle-card .r {font-size: 12px; color: #5b6470; margin-top: 4px; font-style: italic;}
.aisle-chip {display: inline-flex; align-items: center; gap: 4px; padding: 2px 4px 2px 10px; margin: 2px;
  border-radius: 12px; background: #e8eef7; color: #1d3b63; font-size: 13px;}
.aisle-chip button {border: none; background: transparent; color: #1d3b63; cursor: pointer; font-size: 15px;
  line-height: 1; padding: 0 4px; border-radius: 8px;}
.aisle-chip button:hover, .aisle-chip button:focus {background: #c9d7ec;}
.aisle-card .cmp {margin-top: 6px; font-size: 12px; border: 1px solid #b8c2cf; border-radius: 6px; background: #f6f8fa;
  color: #1d232b; padding: 2px 8px; cursor: pointer;}
.aisle-card .cmp[aria-pressed="true"] {background: #3b6ea8; color: #fff; border-color: #3b6ea8;}
.aisle-compare {width: 100%; border-collapse: collapse; font-size: 13px; margin-top: 8px;}
.aisle-compare th, .aisle-compare td {border: 1px solid #d7dbe0; padding: 4px 6px; text-align: left; vertical-align: top;}
.aisle-details {border: 1px solid #d7dbe0; border-radius: 10px; padding: 10px; margin-top: 8px; font-size: 14px;}
.aisle-details .t {font-weight: 600;} .aisle-details .d {margin-top: 6px; color: #3a424d;}
@media (max-width: 640px) { .aisle-cards {grid-template-columns: 1fr 1fr;} .aisle-card .r {display: none;} }
"""
# gr.HTML's js_on_load: a click (or Enter/Space) on a card fires the component's "click" event with
# the card's product id, read in Python from ``gr.EventData``: ``{"product_id": ...}`` to open it, or
# ``{"compare": ...}`` from its Compare button.
CARD_CLICK_JS = """
const fire = (event) => {
  if (event.target.closest('a')) return;  // the title's link to the store opens the product page
  const toggle = event.target.closest('[data-compare]');
  if (toggle && element.contains(toggle)) { trigger('click', {compare: toggle.dataset.compare}); return; }
  const card = event.target.closest('[data-product-id]');
  if (card && element.contains(card)) trigger('click', {product_id: card.dataset.productId});
};
element.addEventListener('click', fire);
element.addEventListener('keydown', (event) => {
  if (event.target.closest('a')) return;
  if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); fire(event); }
});
"""
_PALETTE = ("#3b6ea8", "#a8553b", "#3b8a5a", "#7a4fa0", "#a0894f", "#4f8fa0", "#a04f6e", "#5a5f6b")


def _placeholder(category: str) -> str:
    color = _PALETTE[sum(map(ord, category)) % len(_PALETTE)]
    return f'<div class="ph" style="background:{color}" aria-hidden="true">{escape(category[:1].upper())}</div>'


def image_src(image_url: str | None, hosts: Iterable[str] = ()) -> str | None:
    """Where a card loads ``image_url`` from (``image_source`` decides whether it may): the URL itself,
    or Aisle's images route for a file of the images folder; None: the placeholder is shown."""
    source = image_source(image_url, hosts)
    if source is None:
        return None
    return source.url or f"{IMAGES_ROUTE}/{quote(source.file or '')}"


def _media(category: str, image_url: str | None, hosts: Iterable[str]) -> str:
    src = image_src(image_url, hosts)
    if src is None:
        return _placeholder(category)
    return f'<img class="img" src="{escape(src)}" alt="" loading="lazy" referrerpolicy="no-referrer">'


def _title(title: str, url: str | None, hosts: Iterable[str]) -> str:
    """The title, linked to the product's page when that page is on an allowed host (a new tab)."""
    if not web_link_allowed(url, hosts):
        return escape(title)
    return (f'<a href="{escape(url or "")}" target="_blank" rel="noopener noreferrer" '
            f'title="Open in the store">{escape(title)}</a>')


def _ref_price(ref: ProductRef) -> str:
    price = format_money(ref.price, ref.currency)
    return f"from {price}" if ref.price_max is not None else price


# The chips' remove buttons: ``{"chip": ...}`` in ``gr.EventData``.
CHIP_REMOVE_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('[data-chip]');
  if (button && element.contains(button)) trigger('click', {chip: button.dataset.chip});
});
"""


def product_card(ref: ProductRef, compared: bool = False, hosts: Iterable[str] = ()) -> str:
    """``hosts``: the allowed link hosts, for the product's image and page."""
    hosts = list(hosts)
    stock = ("out of stock", "out") if ref.stock <= 0 else (
        (f"only {ref.stock} left", "in") if ref.stock < 5 else ("in stock", "in"))
    rating = f" · ★ {ref.rating:.1f}" if ref.rating is not None else ""
    was = (f'<div class="was">was <s>{escape(format_money(ref.compare_at_price, ref.currency))}</s></div>'
           if ref.compare_at_price is not None else "")
    return (
        f'<div class="aisle-card" data-product-id="{escape(ref.id)}" role="button" tabindex="0" '
        f'title="Show details">{_media(ref.category, ref.image_url, hosts)}'
        f'<div class="t">{_title(ref.title, ref.url, hosts)}</div>'
        f'<div class="p">{escape(_ref_price(ref))}</div>{was}'
        f'<div class="s {stock[1]}">{stock[0]}{rating}</div>'
        f'<div class="r">{escape(ref.reason)}</div>'
        f'<button class="cmp" type="button" data-compare="{escape(ref.id)}" aria-pressed="{str(compared).lower()}" '
        f'title="Add to the comparison">{"✓ Comparing" if compared else "Compare"}</button></div>'
    )


def cards_html(reply: Reply | None, compared: list[str] | tuple[str, ...] = (), hosts: Iterable[str] = ()) -> str:
    return refs_html(reply.products if reply is not None else [], compared, hosts)


def refs_html(refs: list[ProductRef], compared: list[str] | tuple[str, ...] = (), hosts: Iterable[str] = ()) -> str:
    if not refs:
        return '<div class="aisle-cards-empty">Products I suggest will appear here.</div>'
    hosts = list(hosts)
    return '<div class="aisle-cards">' + "".join(product_card(p, p.id in compared, hosts) for p in refs) + "</div>"


def compare_html(products: list[ProductDetails]) -> str:
    if len(products) < 2:
        hint = "Pick one more product to compare." if products else ""
        return f'<div class="aisle-details-empty">{hint}</div>'
    head, *rows = comparison_rows(products)
    cells = "".join(f"<th>{escape(c)}</th>" for c in head)
    body = "".join("<tr>" + f"<th>{escape(r[0])}</th>" + "".join(f"<td>{escape(c)}</td>" for c in r[1:]) + "</tr>"
                   for r in rows)
    return f'<table class="aisle-compare" data-compare-table="1"><tr>{cells}</tr>{body}</table>'



def card_details(product: ProductDetails | None, hosts: Iterable[str] = ()) -> str:
    """The panel under the cards: what a shopper sees after clicking a card (``hosts``: as for cards)."""
    if product is None:
        return '<div class="aisle-details-empty">Click a product card to see its details.</div>'
    hosts = list(hosts)
    rating = f" · ★ {product.rating:.1f} ({product.review_count} reviews)" if product.rating is not None else ""
    options = [f"{name}: {', '.join(values)}" for name, values in (("colors", product.colors),
                                                                    ("sizes", product.sizes)) if values]
    stock = "out of stock" if product.stock <= 0 else f"{product.stock} in stock"
    image = (f'<img class="img" src="{escape(src)}" alt="{escape(product.title)}" loading="lazy" '
             f'referrerpolicy="no-referrer" style="max-height: 160px; max-width: 100%;">'
             if (src := image_src(product.image_url, hosts)) else "")
    return (
        f'<div class="aisle-details" data-detail-id="{escape(product.id)}">{image}'
        f'<div class="t">{_title(product.title, product.url, hosts)}</div>'
        f'<div>{escape(product.brand)} · <b>{escape(product.price_text)}</b> · {stock}{rating}</div>'
        + (f'<div>{escape(" · ".join(options))}</div>' if options else "")
        + f'<div class="d">{escape(product.description)}</div></div>'
    )


def chips_html(chips: list[str], removable: bool = True) -> str:
    if not chips:
        return '<div class="aisle-chips">No filters yet.</div>'
    def chip(c: str) -> str:
        button = (f'<button type="button" data-chip="{escape(c)}" aria-label="Remove filter {escape(c)}" '
                  f'title="Remove this filter">×</button>') if removable else ""
        return f'<span class="aisle-chip">{escape(c)}{button}</span>'
    return '<div class="aisle-chips">' + "".join(chip(c) for c in chips) + "</div>"


def sources_markdown(reply: Reply | None) -> str:
    if reply is None:
        return ""
    lines = [f"**Intent:** {reply.intent} ({reply.confidence:.2f})"]
    if reply.faq:
        lines.append("**Policy sources:** " + ", ".join(f"`{f.cited}` {f.title}" for f in reply.faq))
    if reply.order_ids:
        lines.append("**Orders:** " + ", ".join(f"`{o}`" for o in reply.order_ids))
    if reply.products:
        lines.append("**Products:** " + ", ".join(f"`{p.id}`" for p in reply.products))
    if reply.handoff:
        lines.append("**Handed off to a human agent.**")
    return "\n\n".join(lines)
