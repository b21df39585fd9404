"""Seeded generator of the Kestrel Supply sample store: catalog, FAQ, customers, orders and browsing.

* Catalog: one ``Spec`` per category (``catalog_spec.py``); every product gets a model name, a finer
  kind, attributes drawn from the kind's choices, colours and sizes, and one variant per colour x size
  with its own price (the size's surcharge on top of the base price) and stock. Descriptions are built
  from the spec's phrase pools, filled with the product's attributes.
* FAQ: copied from ``faq_entries.py`` (hand-written).
* Shoppers: 80 customers with category tastes, a price level, favourite colours, a clothing size and a
  shoe size. Sessions view products drawn by affinity and go down the funnel view -> click ->
  add_to_cart -> purchase; the purchases of a session become one order (1-3 items) whose status
  follows its age relative to ``NOW``.
* The first six customers are personas whose orders are scripted (``PLANNED``) so that tests and demos
  can rely on them: delivered 5, 20 and 40 days ago, two orders holding a water bottle for one customer
  and one for another, non-returnable socks and earbuds, a chair inside its 30-day window, and so on.
  Their browsing is simulated like everyone's, without purchases.

Run ``python -m knowledge.kestrel_store.generate`` to rewrite the JSONL files next to this module;
the same seed always gives the same bytes.
"""

from __future__ import annotations

import json
import math
import random
import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from knowledge.kestrel_store.catalog_spec import COLOR_CODES, MODEL_NAMES, SPECS, USE_PHRASES, Spec
from knowledge.kestrel_store.faq_entries import FAQ_ENTRIES

HERE = Path(__file__).parent
NOW = datetime(2026, 11, 23, 12, 0, 0)  # the clock of knowledge.demo_store.simulate, which tests pin
START = NOW - timedelta(days=240)
SEED = 20261124
CURRENCY = "EUR"
N_CUSTOMERS = 80
SHIPPING_FEE, FREE_SHIPPING_FROM = 4.90, 60.0  # stated in the FAQ entry "ship-costs"
RETURN_DAYS, FURNITURE_RETURN_DAYS = 14, 30  # policy.toml
FURNITURE = ("office chair", "desk")
NON_RETURNABLE = ("sock", "earbuds")
ONE_PER_ORDER = ("office chair", "desk", "desk lamp", "backpack", "sneaker", "earbuds", "rain jacket", "water bottle")
ORDER_LETTER, FIRST_ORDER_NUMBER = "N", 4810000
PRODUCT_URL = "https://kestrel-supply.example/products/{slug}"
IMAGE_URL = "https://images.kestrel-supply.example/{slug}.jpg"
SALE_SHARE = 0.1
EMPTY_VALUES = {"none", "no", "not insulated"}  # a phrase naming one of these is skipped

FIRST = ("Anouk Matteo Léa Jonas Zofia Pieter Sanne Lukas Chiara Mathis Elin Tomás Ingrid Kasper Marta Jules "
         "Noor Felix Amélie Bram Giulia Oskar Helena Mikkel Inés Ruben Klara Nils Aoife Dario Maud Emil Julia "
         "Sven Lotte Hugo Agnieszka Teodor Carla Wout").split()
LAST = ("Jansen Moretti Dubois Schmidt Kowalczyk Peeters Lindqvist Novák Fernández Horvat Keller Laurent "
        "Visser Rossi Nielsen Costa Bauer Wouters O'Brien Ferrari Hansen Silva Mertens Lehmann Virtanen "
        "Bakker Ricci Andersen Leroy Fischer").split()
# city, country code, streets, postcode maker
CITIES: list[tuple[str, str, list[str], str]] = [
    ("Utrecht", "NL", ["Oudegracht", "Biltstraat", "Twijnstraat"], "35{d}{d} {L}{L}"),
    ("Rotterdam", "NL", ["Witte de Withstraat", "Nieuwe Binnenweg"], "30{d}{d} {L}{L}"),
    ("Ghent", "BE", ["Veldstraat", "Kortrijksesteenweg"], "90{d}0"),
    ("Antwerp", "BE", ["Meir", "Kloosterstraat"], "20{d}0"),
    ("Leipzig", "DE", ["Karl-Liebknecht-Straße", "Eisenbahnstraße"], "041{d}{d}"),
    ("Hamburg", "DE", ["Schanzenstraße", "Osterstraße"], "20{d}{d}{d}"),
    ("Lyon", "FR", ["Rue de la République", "Cours Gambetta"], "6900{d}"),
    ("Nantes", "FR", ["Rue Crébillon", "Boulevard Guist'hau"], "4400{d}"),
    ("Milan", "IT", ["Via Tortona", "Corso di Porta Ticinese"], "201{d}{d}"),
    ("Kraków", "PL", ["ulica Długa", "ulica Karmelicka"], "31-{d}{d}{d}"),
    ("Porto", "PT", ["Rua de Cedofeita", "Rua das Flores"], "4050-{d}{d}{d}"),
    ("Copenhagen", "DK", ["Jægersborggade", "Istedgade"], "2{d}00"),
    ("Vienna", "AT", ["Neubaugasse", "Praterstraße"], "10{d}0"),
    ("Valencia", "ES", ["Carrer de Sueca", "Carrer de Russafa"], "460{d}{d}"),
    ("Tallinn", "EE", ["Telliskivi", "Kalamaja tänav"], "10{d}{d}{d}"),
]
CARRIERS = {"NL": ["PostNL", "PostNL", "DHL"], "BE": ["PostNL", "DPD"], "DE": ["DHL", "DHL", "DPD"]}
OTHER_CARRIERS = ["DHL", "DPD"]
APPAREL_SIZES = ["XS", "S", "M", "L", "XL", "XXL"]
CATEGORIES = [s.category for s in SPECS]
PRICE_LEVEL = {"budget": 0.6, "mid": 1.0, "premium": 1.6}


# -- catalog ------------------------------------------------------------------------------------------
def _shop_price(value: float) -> float:
    """A price as a shop writes it: 24.95 below 150, 289.00 from there."""
    if value >= 150:
        return float(math.floor(value / 10) * 10 + 9)
    return round(math.floor(value) + 0.95, 2)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _ascii(text).lower()).strip("-")


def _code(size: str) -> str:
    return re.sub(r"[^A-Z0-9-]", "", size.upper())


def _words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"


NUMBER_WORDS = ["no colours", "one colour", "two colours", "three colours", "four colours"]


_VOWEL_SOUND = re.compile(r"\b([Aa]) (?=(?:[aeiouAEIOU](?!ni|se|sb|SB)|8|1[18]\b|18/|E[A-Z]))")


def _articles(text: str) -> str:
    """"a EVA sole" -> "an EVA sole", "a 8 mm drop" -> "an 8 mm drop" (but "a USB-C port" stays)."""
    return _VOWEL_SOUND.sub(lambda m: m.group(1) + "n ", text)


def _fill(template: str, context: dict[str, str]) -> str | None:
    """The template filled with the product's values; None when it is for other subkinds or names a
    value that is absent ("not insulated")."""
    if "|" in template:
        kinds, template = template.split("|", 1)
        if context["sub"] not in {k.strip() for k in kinds.split(",")}:
            return None
    names = re.findall(r"\{([^}]+)\}", template)
    if any(context[n] in EMPTY_VALUES for n in names):
        return None
    text = _articles(template.format_map(context))
    return text[0].upper() + text[1:]


def _description(spec: Spec, context: dict[str, str], rng: random.Random) -> str:
    def pick(pool: list[str], avoid: set[str]) -> str | None:
        options = [t for t in pool if t not in avoid and _fill(t, context) is not None]
        return rng.choice(options) if options else None

    used: set[str] = set()
    sentences = []
    for pool, chance in ((spec.intro, 1.0), (spec.detail, 1.0), (spec.detail, 0.45), (spec.extra, 0.75)):
        if rng.random() >= chance:
            continue
        template = pick(pool, used)
        if template is not None:
            used.add(template)
            sentences.append(_fill(template, context))
    return " ".join(s for s in sentences if s)


def _prices(spec: Spec, base: float, on_sale: bool, size: str | None) -> tuple[float, float | None]:
    """(price, compare_at_price) of one version: the size's surcharge on the base, 20% off when on sale."""
    regular = round(base + (spec.surcharge.get(size, 0.0) if size else 0.0), 2)
    if not on_sale:
        return regular, None
    sale = _shop_price(regular * 0.8)
    assert sale < regular
    return sale, regular


def _stock(spec: Spec, rng: random.Random) -> int:
    if rng.random() < 0.12:
        return 0
    return rng.randint(1, 12) if spec.category in FURNITURE else rng.randint(1, 45)


def make_catalog(rng: random.Random) -> list[dict[str, Any]]:
    products: list[dict[str, Any]] = []
    descriptions: set[str] = set()
    for spec in SPECS:
        names = rng.sample(MODEL_NAMES, spec.count)
        kinds = [spec.subkinds[n % len(spec.subkinds)] for n in range(spec.count)]
        rng.shuffle(kinds)
        for n, (model, kind) in enumerate(zip(names, kinds, strict=True), start=1):
            pid = f"KS-{spec.code}-{n:04d}"
            brand = rng.choice(spec.brands)
            attrs = {name: rng.choice(choices) for name, choices in kind.attributes.items()}
            title = f"{brand} {model} {kind.qualifier} {spec.noun}"
            slug = _slug(f"{brand} {model} {kind.qualifier} {spec.noun}")
            single = rng.random() < spec.single_share
            colors = rng.sample(spec.colors, 1 if single else rng.randint(*spec.n_colors))
            sizes = [] if single else list(rng.choice(spec.size_sets))
            base = _shop_price(rng.uniform(*kind.price))
            on_sale = rng.random() < SALE_SHARE
            sold_out = rng.random() < 0.03

            variants: list[dict[str, Any]] = []
            if len(colors) > 1 or sizes:
                for color in colors:
                    for size in list[str | None](sizes) or [None]:
                        price, compare_at = _prices(spec, base, on_sale, size)
                        sku = f"{pid}-{COLOR_CODES[color]}" + (f"-{_code(size)}" if size else "")
                        variant: dict[str, Any] = {"sku": sku, "color": color}
                        if size:
                            variant["size"] = size
                        variant["price"] = price
                        if compare_at is not None:
                            variant["compare_at_price"] = compare_at
                        variant["stock"] = 0 if sold_out else _stock(spec, rng)
                        variants.append(variant)
                price = min(v["price"] for v in variants)
                compare_at = min(v["compare_at_price"] for v in variants) if on_sale else None
                stock = sum(v["stock"] for v in variants)
            else:
                price, compare_at = _prices(spec, base, on_sale, None)
                stock = 0 if sold_out else _stock(spec, rng)
            uses = list(dict.fromkeys(kind.tags + rng.sample(spec.uses, rng.randint(1, 2))))
            tags = list(uses)
            text_values = " ".join(attrs.values()).lower()
            for word in ("merino", "recycled", "organic", "linen", "leather"):
                if word in text_values and word not in tags:
                    tags.append(word)
            if on_sale:
                tags.append("sale")
            context = {**attrs, "model": model, "brand": brand, "sub": kind.name, "noun": spec.noun,
                       "brand_s": brand + ("'" if brand.endswith("s") else "'s"),
                       "n_colors": NUMBER_WORDS[len(colors)],
                       "priced_by_size": "" if len({v["price"] for v in variants}) > 1 else "none",
                       "uses": _words([USE_PHRASES[u] for u in uses if u in USE_PHRASES][:2] or ["every day"])}
            description = _description(spec, context, rng)
            for _ in range(100):  # every product reads differently
                if description not in descriptions:
                    break
                description = _description(spec, context, rng)
            else:
                raise ValueError(f"{pid}: no description that differs from the others")
            descriptions.add(description)
            attributes: dict[str, Any] = {"color": colors}
            if sizes:
                attributes["size"] = sizes
            attributes.update(attrs)
            product: dict[str, Any] = {
                "id": pid, "title": title, "brand": brand, "category": spec.category, "subcategory": kind.name,
                "price": price}
            if compare_at is not None:
                product["compare_at_price"] = compare_at
            product |= {
                "currency": CURRENCY, "stock": stock, "rating": round(rng.uniform(3.6, 4.9), 1),
                "review_count": int(rng.lognormvariate(3.6, 1.1)), "attributes": attributes, "tags": tags,
                "description": description,
                "url": PRODUCT_URL.format(slug=slug), "image_url": IMAGE_URL.format(slug=slug)}
            if variants:
                product["variants"] = variants
            products.append(product)
    return products


# -- shoppers -----------------------------------------------------------------------------------------
@dataclass
class Shopper:
    id: str
    name: str
    email: str
    city: str
    country: str
    joined: str
    home: str
    work: str
    tastes: dict[str, float]
    level: float
    colors: list[str]
    size: str  # XS..XXL
    shoe: int  # EU shoe size
    persona: bool = False
    brands: dict[str, float] = field(default_factory=dict)

    def affinity(self, product: dict[str, Any], median: float, rng: random.Random) -> float:
        taste = self.tastes.get(product["category"], 0.0)
        if taste <= 0:
            return 0.0
        brand = self.brands.setdefault(product["brand"], math.exp(rng.gauss(0, 0.6)))
        color = 1.6 if set(product["attributes"]["color"]) & set(self.colors) else 1.0
        gap = math.log(product["price"] / (median * self.level))
        price = math.exp(-(gap**2) / (2 * 0.5**2))
        return taste * brand * color * (0.15 + price) * (0.6 + 0.1 * product["rating"])


# id, name, city index, tastes, price level, colours, clothing size, shoe size
PERSONAS: list[tuple[str, str, int, dict[str, float], str, list[str], str, int]] = [
    ("KC-0001", "Anouk de Vries", 0, {"backpack": .25, "rain jacket": .2, "water bottle": .2, "earbuds": .15,
                                      "t-shirt": .2}, "mid", ["navy", "olive", "sage"], "M", 39),
    ("KC-0002", "Matteo Bianchi", 8, {"office chair": .25, "desk": .2, "desk lamp": .2, "mug": .15,
                                      "notebook": .1, "water bottle": .1}, "premium", ["black", "walnut", "charcoal"],
     "L", 43),
    ("KC-0003", "Léa Martin", 6, {"sock": .2, "sneaker": .2, "water bottle": .15, "rain jacket": .15, "t-shirt": .15,
                                  "hoodie": .15}, "mid", ["rust", "ochre", "sand"], "S", 38),
    ("KC-0004", "Jonas Weber", 4, {"t-shirt": .3, "hoodie": .2, "sock": .1, "sneaker": .2, "earbuds": .2},
     "budget", ["black", "charcoal", "olive"], "XXL", 45),
    ("KC-0005", "Zofia Nowak", 9, {"notebook": .35, "mug": .2, "backpack": .2, "desk lamp": .15, "hoodie": .1},
     "budget", ["sage", "ochre", "burgundy"], "S", 37),
    ("KC-0006", "Pieter Claes", 2, {"mug": .3, "sock": .3, "notebook": .2, "water bottle": .2}, "budget",
     ["navy", "white", "teal"], "L", 44),
]


def _postcode(pattern: str, rng: random.Random) -> str:
    out = []
    for part in re.split(r"(\{[dL]\})", pattern):
        if part == "{d}":
            out.append(str(rng.randint(0, 9)))
        elif part == "{L}":
            out.append(rng.choice("ABCDEHJKLMNPRSTVWXZ"))
        else:
            out.append(part)
    return "".join(out)


def _address(city_index: int, rng: random.Random) -> str:
    city, country, streets, postcode = CITIES[city_index]
    return f"{rng.choice(streets)} {rng.randint(1, 240)}, {_postcode(postcode, rng)} {city}, {country}"


def make_shoppers(rng: random.Random) -> list[Shopper]:
    shoppers = []
    used_names: set[str] = set()
    for n in range(1, N_CUSTOMERS + 1):
        cid = f"KC-{n:04d}"
        if n <= len(PERSONAS):
            _, name, city_index, tastes, level, colors, size, shoe = PERSONAS[n - 1]
        else:
            while True:
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                if name not in used_names:
                    break
            city_index = rng.randrange(len(CITIES))
            weights = [rng.gammavariate(0.35, 1.0) for _ in CATEGORIES]
            total = sum(weights)
            tastes = {c: w / total for c, w in zip(CATEGORIES, weights, strict=True) if w / total > 0.04}
            level = rng.choice(["budget", "mid", "mid", "premium"])
            colors = rng.sample(sorted(COLOR_CODES), 3)
            size = rng.choice(APPAREL_SIZES[1:] + ["M", "L"])
            shoe = rng.randint(36, 46)
        used_names.add(name)
        first, last = name.split(" ", 1)
        email = f"{_slug(first)}.{_slug(last).replace('-', '')}@mail.kestrel.test"
        city, country = CITIES[city_index][0], CITIES[city_index][1]
        joined = (START - timedelta(days=rng.randint(5, 700))).date().isoformat()
        shoppers.append(Shopper(cid, name, email, f"{city}, {country}", country, joined,
                                _address(city_index, rng), _address(city_index, rng), tastes, PRICE_LEVEL[level],
                                colors, size, shoe, persona=n <= len(PERSONAS)))
    return shoppers


# -- orders -------------------------------------------------------------------------------------------
@dataclass
class Draft:
    """An order before its number is known (numbers follow the placing time)."""
    shopper: Shopper
    placed: datetime
    items: list[dict[str, Any]]
    status: str
    updated: datetime
    dispatched: bool
    delivered: datetime | None
    address: str


def _variant_for(product: dict[str, Any], shopper: Shopper, rng: random.Random,
                 size: str | None = None) -> dict[str, Any] | None:
    """The version a shopper buys: in stock, their size where the product has sizes, a liked colour if any."""
    variants = [v for v in product.get("variants", []) if v["stock"] > 0]
    if not product.get("variants"):
        return {} if product["stock"] > 0 else None
    if size is not None:
        variants = [v for v in variants if v.get("size") == size]
    elif product["category"] in ("t-shirt", "hoodie", "rain jacket"):
        variants = [v for v in variants if v.get("size") == shopper.size]
    elif product["category"] == "sneaker":
        variants = [v for v in variants if v.get("size") == str(shopper.shoe)]
    elif product["category"] == "sock":
        variants = [v for v in variants
                    if int(v["size"].split("-")[0]) <= shopper.shoe <= int(v["size"].split("-")[1])]
    if not variants:
        return None
    liked = [v for v in variants if v.get("color") in shopper.colors]
    return rng.choice(liked or variants)


def _item(product: dict[str, Any], variant: dict[str, Any], quantity: int) -> dict[str, Any]:
    item: dict[str, Any] = {"product_id": product["id"]}
    if variant:
        item["sku"] = variant["sku"]
    item |= {"title": product["title"], "quantity": quantity,
             "unit_price": variant["price"] if variant else product["price"]}
    return item


def _quantity(product: dict[str, Any], rng: random.Random) -> int:
    if product["category"] == "sock":
        return rng.choice([1, 1, 2, 3])
    if product["category"] in ("mug", "notebook"):
        return rng.choice([1, 1, 1, 2])
    return 1 if rng.random() < 0.93 else 2


def _window(items: list[dict[str, Any]], category_of: dict[str, str]) -> int | None:
    """Days after delivery in which the whole order could come back (None: something is non-returnable)."""
    categories = [category_of[i["product_id"]] for i in items]
    if any(c in NON_RETURNABLE for c in categories):
        return None
    return min(FURNITURE_RETURN_DAYS if c in FURNITURE else RETURN_DAYS for c in categories)


def _simulated_draft(shopper: Shopper, placed: datetime, items: list[dict[str, Any]],
                     category_of: dict[str, str], rng: random.Random) -> Draft:
    dispatch = placed + timedelta(hours=rng.uniform(27, 40))
    delivered = dispatch + timedelta(hours=rng.uniform(30, 100))
    address = shopper.home if rng.random() < 0.85 else shopper.work
    age = NOW - placed
    if age < timedelta(hours=14):
        if rng.random() < 0.1:
            return Draft(shopper, placed, items, "cancelled", min(NOW, placed + timedelta(hours=rng.uniform(0.2, 3))),
                         False, None, address)
        return Draft(shopper, placed, items, "pending", placed, False, None, address)
    if dispatch > NOW:
        return Draft(shopper, placed, items, "processing", placed + timedelta(hours=rng.uniform(1, 12)), False,
                     None, address)
    if rng.random() < 0.05:
        return Draft(shopper, placed, items, "cancelled", placed + timedelta(hours=rng.uniform(1, 12)), False, None,
                     address)
    if delivered > NOW:
        return Draft(shopper, placed, items, "shipped", dispatch, True, None, address)
    window = _window(items, category_of)
    since = (NOW - delivered).days
    if window is not None and since >= 4 and rng.random() < 0.09:
        returned = delivered + timedelta(days=rng.uniform(2, min(window, since) - 0.5))
        return Draft(shopper, placed, items, "returned", returned, True, delivered, address)
    return Draft(shopper, placed, items, "delivered", delivered, True, delivered, address)


@dataclass(frozen=True)
class Planned:
    """A scripted order of a persona: items as (category, size or None, quantity)."""
    customer: str
    items: tuple[tuple[str, str | None, int], ...]
    status: str
    days: float  # days before NOW: of delivery (delivered, returned), else of placing
    note: str


PLANNED: list[Planned] = [
    Planned("KC-0001", (("water bottle", "750 ml", 1), ("rain jacket", "M", 1)), "delivered", 20,
            "past the 14-day return window, inside the 30-day exchange window; one of two water bottles"),
    Planned("KC-0001", (("water bottle", "500 ml", 1),), "delivered", 5, "the second water bottle: 'the water "
            "bottle I ordered' is ambiguous for this customer"),
    Planned("KC-0001", (("backpack", "24 l", 1),), "pending", 0.15, "can be cancelled"),
    Planned("KC-0002", (("desk", "160 x 80 cm", 1),), "delivered", 40, "past the 30-day furniture window"),
    Planned("KC-0002", (("office chair", None, 1), ("mug", None, 2)), "delivered", 20,
            "mixed: the chair inside its 30-day window, the mug past 14 days"),
    Planned("KC-0002", (("water bottle", "1 l", 1),), "delivered", 5, "the only water bottle of this customer"),
    Planned("KC-0002", (("desk lamp", None, 1),), "shipped", 1.8, "too late to cancel"),
    Planned("KC-0003", (("rain jacket", "S", 1),), "returned", 60, "returned 8 days after delivery"),
    Planned("KC-0003", (("hoodie", "S", 1),), "delivered", 40, "past every window"),
    Planned("KC-0003", (("sock", None, 2), ("t-shirt", "S", 1)), "delivered", 5,
            "socks cannot be returned, the t-shirt can"),
    Planned("KC-0003", (("sneaker", "38", 1),), "processing", 1.1, "processing: still cancellable here"),
    Planned("KC-0004", (("hoodie", "XXL", 1),), "delivered", 25, "exchange yes, return no"),
    Planned("KC-0004", (("sneaker", "45", 1),), "cancelled", 15, "cancelled before dispatch"),
    Planned("KC-0004", (("t-shirt", "XXL", 1), ("earbuds", None, 1)), "delivered", 12,
            "an XXL priced above the smaller sizes; earbuds cannot be returned"),
    Planned("KC-0005", (("backpack", "18 l", 1),), "delivered", 9, "inside the 14-day window"),
    Planned("KC-0005", (("notebook", "A5", 3), ("mug", None, 1)), "pending", 0.25, "can be cancelled"),
    Planned("KC-0006", (("mug", None, 2), ("sock", None, 1)), "delivered", 3, "under the free-shipping threshold"),
    Planned("KC-0006", (("notebook", "A4", 1),), "shipped", 2.5, "in transit"),
]


def _planned_draft(plan: Planned, shopper: Shopper, by_category: dict[str, list[dict[str, Any]]],
                   taken: set[str], rng: random.Random) -> Draft:
    items = []
    for category, size, quantity in plan.items:
        options = []
        for product in by_category[category]:
            if product["id"] in taken:
                continue
            variant = _variant_for(product, shopper, random.Random(product["id"]), size)
            if variant is not None and (size is None or product.get("variants")):
                options.append((product, variant))
        product, variant = rng.choice(options)
        taken.add(product["id"])
        items.append(_item(product, variant, quantity))
    hours = timedelta(hours=rng.uniform(1, 6))
    if plan.status in ("delivered", "returned"):
        delivered = NOW - timedelta(days=plan.days) - hours
        placed = delivered - timedelta(days=rng.uniform(2, 3.5))
        updated = delivered + timedelta(days=8) if plan.status == "returned" else delivered
        return Draft(shopper, placed, items, plan.status, updated, True, delivered, shopper.home)
    placed = NOW - timedelta(days=plan.days, minutes=rng.randint(1, 50))
    updated = {"pending": placed, "processing": placed + timedelta(hours=5),
               "shipped": placed + timedelta(hours=22), "cancelled": placed + timedelta(hours=2)}[plan.status]
    return Draft(shopper, placed, items, plan.status, updated, plan.status == "shipped", None, shopper.home)


def _tracking(carrier: str, rng: random.Random) -> str:
    if carrier == "PostNL":
        return f"3SKSTR{rng.randint(10**8, 10**9 - 1)}"
    if carrier == "DHL":
        return f"JJD0{rng.randint(10**13, 10**14 - 1)}"
    return f"0{rng.randint(10**12, 10**13 - 1)}"  # DPD: 14 digits


def _seconds(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat()


def _order(number: int, draft: Draft, rng: random.Random) -> dict[str, Any]:
    subtotal = round(sum(i["unit_price"] * i["quantity"] for i in draft.items), 2)
    shipping = 0.0 if subtotal >= FREE_SHIPPING_FROM else SHIPPING_FEE
    order: dict[str, Any] = {
        "id": f"{ORDER_LETTER}{number}", "customer_id": draft.shopper.id, "status": draft.status,
        "placed_at": _seconds(draft.placed), "updated_at": _seconds(min(draft.updated, NOW)), "items": draft.items,
        "shipping": shipping, "total": round(subtotal + shipping, 2), "currency": CURRENCY,
        "shipping_address": draft.address}
    if draft.dispatched:
        carrier = rng.choice(CARRIERS.get(draft.shopper.country, OTHER_CARRIERS))
        order |= {"carrier": carrier, "tracking_number": _tracking(carrier, rng)}
    if draft.status != "cancelled":
        days = 2 if draft.shopper.country in ("NL", "BE") else 4
        order["estimated_delivery"] = (draft.placed + timedelta(days=1 + days)).date().isoformat()
    if draft.delivered is not None:
        order["delivered_at"] = _seconds(draft.delivered)
    return order


# -- browsing -----------------------------------------------------------------------------------------
FUNNEL = (("view", 1.0, 0.0), ("click", 0.35, 0.5), ("add_to_cart", 0.12, 0.45), ("purchase", 0.3, 0.5))


def simulate(products: list[dict[str, Any]], shoppers: list[Shopper], rng: random.Random
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in products:
        by_category[p["category"]].append(p)
    category_of = {p["id"]: p["category"] for p in products}
    medians = {c: statistics.median(p["price"] for p in ps) for c, ps in by_category.items()}
    events: list[dict[str, Any]] = []
    drafts: list[Draft] = []
    span = (NOW - START).total_seconds()

    def event(shopper: Shopper, product: dict[str, Any], name: str, ts: datetime, session: str) -> None:
        events.append({"customer_id": shopper.id, "product_id": product["id"], "event": name,
                       "ts": _seconds(min(ts, NOW)), "session_id": session})

    for shopper in shoppers:
        owned: set[str] = set()
        starts = sorted(START + timedelta(seconds=rng.random() * span) for _ in range(rng.randint(7, 17)))
        if not shopper.persona:
            for _ in range(2):  # recent visits, so that every order status occurs
                if rng.random() < 0.45:
                    low, high = rng.choice([(0.5, 13), (15, 26), (42, 110)])  # pending / processing / shipped
                    starts.append(NOW - timedelta(hours=rng.uniform(low, high)))
        cats = [c for c in shopper.tastes if c in by_category]
        for s_no, start in enumerate(starts):
            session = f"{shopper.id}-s{s_no:02d}"
            visited = rng.choices(cats, weights=[shopper.tastes[c] for c in cats], k=2 if rng.random() < 0.3 else 1)
            ts = start
            bought: list[dict[str, Any]] = []
            bought_kinds: set[str] = set()
            for category in dict.fromkeys(visited):
                pool = by_category[category]
                weights = [shopper.affinity(p, medians[category], rng) ** 2 + 1e-6 for p in pool]
                top = max(weights)
                picked = {p["id"]: p for p in rng.choices(pool, weights=weights, k=rng.randint(3, 7))}
                for product in picked.values():
                    strength = math.sqrt((shopper.affinity(product, medians[category], rng) ** 2 + 1e-6) / top)
                    for name, base, slope in FUNNEL:
                        if rng.random() > base + slope * strength:
                            break
                        ts += timedelta(seconds=rng.randint(15, 420))
                        if name == "purchase":
                            variant = _variant_for(product, shopper, rng)
                            if (shopper.persona or variant is None or product["id"] in owned or len(bought) >= 3
                                    or (category in ONE_PER_ORDER and category in bought_kinds)):
                                break  # personas' orders are scripted; nobody buys the same thing twice
                            bought_kinds.add(category)
                            bought.append(_item(product, variant, _quantity(product, rng)))
                            owned.add(product["id"])
                        event(shopper, product, name, ts, session)
            if bought:
                drafts.append(_simulated_draft(shopper, min(ts, NOW), bought, category_of, rng))

    by_id = {p["id"]: p for p in products}
    shopper_of = {s.id: s for s in shoppers}
    taken: dict[str, set[str]] = defaultdict(set)
    for n, plan in enumerate(PLANNED):
        shopper = shopper_of[plan.customer]
        draft = _planned_draft(plan, shopper, by_category, taken[plan.customer], rng)
        drafts.append(draft)
        ts = draft.placed - timedelta(minutes=rng.uniform(8, 30))
        for item in draft.items:
            for name in ("view", "click", "add_to_cart", "purchase"):
                ts = min(ts + timedelta(seconds=rng.randint(15, 120)), draft.placed)
                event(shopper, by_id[item["product_id"]], name, ts, f"{shopper.id}-p{n:02d}")

    drafts.sort(key=lambda d: (d.placed, d.shopper.id))
    orders = []
    number = FIRST_ORDER_NUMBER
    for draft in drafts:
        number += rng.randint(4, 60)
        orders.append(_order(number, draft, rng))
    events.sort(key=lambda e: (e["customer_id"], e["ts"], e["session_id"]))
    seen: set[tuple[str, str, str, str]] = set()
    unique = []
    for e in events:  # the import skips an event repeated at the same second
        key = (e["customer_id"], e["product_id"], e["event"], e["ts"])
        if key not in seen:
            seen.add(key)
            unique.append(e)
    return orders, unique


# -- files --------------------------------------------------------------------------------------------
def _customer(shopper: Shopper) -> dict[str, Any]:
    return {"id": shopper.id, "name": shopper.name, "email": shopper.email, "city": shopper.city,
            "joined": shopper.joined}


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def generate(folder: Path = HERE, seed: int = SEED) -> dict[str, Any]:
    """Write catalog, faq, customers, orders and interactions (``.jsonl``) into ``folder``; returns counts."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    products = make_catalog(rng)
    shoppers = make_shoppers(rng)
    orders, events = simulate(products, shoppers, rng)
    _write(folder / "catalog.jsonl", products)
    _write(folder / "faq.jsonl", FAQ_ENTRIES)
    _write(folder / "customers.jsonl", [_customer(s) for s in shoppers])
    _write(folder / "orders.jsonl", orders)
    _write(folder / "interactions.jsonl", events)
    return {"products": len(products), "variants": sum(len(p.get("variants", [])) for p in products),
            "faq": len(FAQ_ENTRIES), "customers": len(shoppers), "orders": len(orders),
            "by_status": dict(sorted(Counter(o["status"] for o in orders).items())), "events": len(events),
            "by_event": dict(sorted(Counter(e["event"] for e in events).items()))}


def main() -> None:
    counts = generate()
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
