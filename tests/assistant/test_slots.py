"""SlotExtractor: budgets, sizes, colors, brands, categories and product types from one message."""

from __future__ import annotations

import pytest

from assistant.slots import SlotExtractor, suits_use
from knowledge.catalog import Catalog
from knowledge.schemas import Product


def make_product(pid: str, title: str, brand: str, category: str, subcategory: str, price: float,
                 colors: tuple[str, ...] = (), sizes: tuple[str, ...] = ()) -> Product:
    attributes: dict[str, str | list[str]] = {}
    if colors:
        attributes["color"] = list(colors)
    if sizes:
        attributes["size"] = list(sizes)
    return Product(id=pid, title=title, brand=brand, category=category, subcategory=subcategory, price=price,
                   stock=10, attributes=attributes, description=f"A {subcategory}.")


def small_catalog() -> Catalog:
    return Catalog([
        make_product("SHO-1", "Stride Trail Runner Pro", "Stride", "shoes", "trail running shoes", 89.99,
                     ("blue", "gray"), ("8", "9", "10")),
        make_product("SHO-2", "Stride Road Runner", "Stride", "shoes", "running shoes", 69.99,
                     ("black", "red"), ("9", "10")),
        make_product("SHO-3", "Cozyfoot Wool Slipper", "Cozyfoot", "shoes", "slippers", 29.0, ("gray",), ("M", "L")),
        make_product("APP-1", "Northwind Storm Shell Jacket", "Northwind", "apparel", "rain jackets", 120.0,
                     ("navy", "yellow"), ("S", "M", "L", "XL")),
        make_product("APP-2", "Northwind Summit Down Parka", "Northwind", "apparel", "winter jackets", 180.0,
                     ("black",), ("M", "L")),
        make_product("OUT-1", "Trailhead Basecamp Dome Tent", "Trailhead", "outdoor", "tents", 249.0, ("green",)),
        make_product("ELE-1", "Sonora Quiet Noise Cancelling Headphones", "Sonora", "electronics",
                     "noise cancelling headphones", 199.0, ("black",)),
        make_product("ELE-2", "Sonora Studio Wired Headphones", "Sonora", "electronics", "wired headphones", 49.0),
        make_product("TOY-1", "Puzzlecraft Mountain Lake Jigsaw", "Puzzlecraft", "toys", "jigsaw puzzles", 19.99),
        make_product("SPO-1", "Hydroflow Insulated Bottle", "Hydroflow", "sports", "water bottles", 24.0, ("blue",)),
        make_product("KIT-1", "Ember Cast Iron Skillet", "Ember", "kitchen", "skillets", 39.0),
    ])


@pytest.fixture(scope="module")
def extractor() -> SlotExtractor:
    return SlotExtractor(small_catalog())


# -- budgets ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "low", "high"), [
    ("running shoes under $80", None, 80.0),
    ("something below 80 dollars", None, 80.0),
    ("up to $49.50", None, 49.5),
    ("between 50 and 100", 50.0, 100.0),
    ("$40-$60", 40.0, 60.0),
    ("20 to 40 dollars", 20.0, 40.0),
    ("around $100", 80.0, 120.0),
    ("over 30", 30.0, None),
])
def test_budget_phrases(extractor: SlotExtractor, text: str, low: float | None, high: float | None) -> None:
    update = extractor.extract(text)
    assert (update.filter.min_price, update.filter.max_price) == (low, high)
    assert ("min_price" in update.mentioned) is (low is not None)
    assert ("max_price" in update.mentioned) is (high is not None)


def test_cheaper_sets_flag_not_a_price(extractor: SlotExtractor) -> None:
    update = extractor.extract("cheaper")
    assert update.cheaper is True
    assert update.filter.max_price is None and update.filter.min_price is None
    assert not update.is_empty()


def test_any_price_clears_the_budget(extractor: SlotExtractor) -> None:
    update = extractor.extract("any price is fine")
    assert update.clear_budget is True
    assert update.filter.max_price is None and update.filter.min_price is None


@pytest.mark.parametrize(("text", "budget"), [
    ("4 person tent", None), ("1000 piece puzzle", None), ("32 oz bottle", None), ("10 mm drop", None),
    ("a tent for over 4 people", None), ("under 80 dollars for 2 people", 80.0),
])
def test_numbers_with_units_are_not_money(extractor: SlotExtractor, text: str, budget: float | None) -> None:
    update = extractor.extract(text)
    assert update.filter.min_price is None
    assert update.filter.max_price == budget


@pytest.mark.parametrize("text", [
    "a puzzle under 1000 pieces", "a water bottle under 32 oz", "shoes under 10 mm drop", "toys for 10-12 years",
])
def test_units_after_a_budget_word_are_not_money(extractor: SlotExtractor, text: str) -> None:
    update = extractor.extract(text)
    assert update.filter.min_price is None and update.filter.max_price is None, update.filter


def test_thousands_separator_in_a_budget(extractor: SlotExtractor) -> None:
    assert extractor.extract("a monitor under $1,000").filter.max_price == 1000.0


# -- colors, sizes, brands, categories ------------------------------------------------------------

@pytest.mark.parametrize(("text", "color"), [
    ("in blue", "blue"), ("something in grey", "gray"), ("dark blue please", "navy"), ("a RED one", "red"),
])
def test_colors_and_synonyms(extractor: SlotExtractor, text: str, color: str) -> None:
    update = extractor.extract(text)
    assert update.filter.color == color
    assert "color" in update.mentioned


@pytest.mark.parametrize(("text", "size"), [
    ("size 9", "9"), ("size 9.5", "9.5"), ("size M", "M"), ("size: xl", "XL"), ("in a medium", "M"),
    ("do you have it in XL", "XL"), ("an extra large", "XL"), ("size small", "S"),
])
def test_sizes(extractor: SlotExtractor, text: str, size: str) -> None:
    update = extractor.extract(text)
    assert update.filter.size == size
    assert "size" in update.mentioned


def test_bare_unambiguous_letter_size(extractor: SlotExtractor) -> None:
    assert extractor.extract("XL please").filter.size == "XL"


def test_sizes_are_not_read_from_object_sizes(extractor: SlotExtractor) -> None:
    assert extractor.extract("a large tent").filter.size is None
    assert extractor.extract("a small backpack").filter.size is None


def test_brand_is_matched_case_insensitively_and_returned_as_in_catalog(extractor: SlotExtractor) -> None:
    update = extractor.extract("anything from stride?")
    assert update.filter.brand == "Stride"
    assert "brand" in update.mentioned


def test_no_slots_in_plain_chat(extractor: SlotExtractor) -> None:
    update = extractor.extract("hello, how are you")
    assert update.is_empty()
    assert update.filter.category is None and update.filter.brand is None and update.filter.color is None


@pytest.mark.parametrize(("text", "category"), [
    ("something for camping", "outdoor"),
    ("a gift for my dad who likes cooking", "kitchen"),
    ("new sneakers", "shoes"),
    ("gadgets for my desk", "electronics"),
])
def test_category_words(extractor: SlotExtractor, text: str, category: str) -> None:
    update = extractor.extract(text)
    assert update.filter.category == category
    assert not update.filter.subcategories


def test_category_words_of_categories_the_store_lacks_are_ignored(extractor: SlotExtractor) -> None:
    assert extractor.extract("a new dog leash").filter.category is None  # no pets category in this store


# -- product types --------------------------------------------------------------------------------

def test_full_subcategory_name_beats_shorter_names(extractor: SlotExtractor) -> None:
    update = extractor.extract("trail running shoes for muddy paths")
    assert update.filter.subcategories == ("trail running shoes",)
    assert update.product_label == "trail running shoes"
    assert update.filter.category == "shoes"


def test_shorter_full_name_matches_only_itself(extractor: SlotExtractor) -> None:
    update = extractor.extract("running shoes")
    assert update.filter.subcategories == ("running shoes",)


def test_head_noun_matches_every_subcategory_ending_in_it(extractor: SlotExtractor) -> None:
    update = extractor.extract("headphones for the office")
    assert update.filter.subcategories == ("noise cancelling headphones", "wired headphones")
    assert update.product_label == "headphones"
    assert update.filter.category == "electronics"
    jackets = extractor.extract("jackets")
    assert jackets.filter.subcategories == ("rain jackets", "winter jackets")


def test_singular_names_match_plural_subcategories(extractor: SlotExtractor) -> None:
    update = extractor.extract("a tent")
    assert update.filter.subcategories == ("tents",)
    assert update.filter.category == "outdoor"


def test_category_name_head_noun_gives_no_subcategories(extractor: SlotExtractor) -> None:
    update = extractor.extract("shoes")
    assert update.filter.category == "shoes"
    assert update.filter.subcategories == ()
    assert "subcategories" not in update.mentioned


def test_product_type_and_constraints_together(extractor: SlotExtractor) -> None:
    update = extractor.extract("Stride running shoes in blue, size 9, under $80")
    hard = update.filter
    assert (hard.subcategories, hard.brand, hard.color, hard.size, hard.max_price) == (
        ("running shoes",), "Stride", "blue", "9", 80.0)


def test_subcategory_shared_across_categories_has_no_single_category() -> None:
    catalog = Catalog([
        make_product("A", "Alpha Rain Shell", "Alpha", "apparel", "rain jackets", 80.0),
        make_product("B", "Beta Trail Shell", "Beta", "outdoor", "rain jacket", 90.0),
    ])
    update = SlotExtractor(catalog).extract("a rain jacket")
    assert set(update.filter.subcategories) == {"rain jackets", "rain jacket"}
    assert update.filter.category is None  # filtering on one category would hide the other's jackets


# -- refinement or new request ---------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "in blue", "cheaper", "size 9 instead", "what about under $50", "any in stride?", "do you have it in grey",
])
def test_refinements(extractor: SlotExtractor, text: str) -> None:
    assert extractor.is_refinement(text, extractor.extract(text)) is True


@pytest.mark.parametrize("text", [
    "a gift for my dad who likes cooking", "headphones", "something waterproof for hiking trips",
])
def test_new_requests_are_not_refinements(extractor: SlotExtractor, text: str) -> None:
    assert extractor.is_refinement(text, extractor.extract(text)) is False


# -- the use slot: what the product is for, from the catalog's tags ------------------------------------

def make_tagged(pid: str, category: str, subcategory: str, tags: tuple[str, ...],
                attributes: dict[str, str | list[str]] | None = None) -> Product:
    return Product(id=pid, title=f"{pid} {subcategory}", brand="Acme", category=category, subcategory=subcategory,
                   price=50.0, stock=5, tags=list(tags), attributes=attributes or {}, description="A product.")


@pytest.fixture(scope="module")
def tagged() -> SlotExtractor:
    return SlotExtractor(Catalog([
        make_tagged("S1", "shoes", "running shoes", ("running", "flat feet", "stability", "budget")),
        make_tagged("S2", "shoes", "trail running shoes", ("trail running", "mud")),
        make_tagged("S3", "shoes", "hiking boots", ("hiking", "day hiking", "waterproof")),
        make_tagged("T1", "toys", "building sets", ("toddler", "kids 3+", "gift")),
        make_tagged("A1", "apparel", "rain jackets", ("rain", "travel", "packable"), {"color": ["blue"]}),
        make_tagged("O1", "outdoor", "tents", ("camping", "backpacking", "tents")),
        make_tagged("K1", "kitchen", "skillets", ("cast iron", "camping")),
    ]))


@pytest.mark.parametrize(("text", "use"), [
    ("running shoes for flat feet", "flat feet"),
    ("something for hiking", "hiking"),
    ("shoes for trail running", "trail running"),
    ("a toy for a toddler", "toddler"),
    ("toys for toddlers", "toddler"),
    ("a jacket for travel", "travel"),
    ("a jacket for traveling", "travel"),
    ("waterproof for rain", "rain"),
    ("boots for long hikes", "hiking"),
    ("boots for day hiking", "day hiking"),
    ("a stove to go camping", "camping"),
    ("good for wet weather", "rain"),
])
def test_use_phrases(tagged: SlotExtractor, text: str, use: str) -> None:
    update = tagged.extract(text)
    assert update.use == use
    assert "use" in update.mentioned


@pytest.mark.parametrize("text", [
    "running shoes under $80",  # no use at all
    "shoes for under $80",  # a budget, not a use
    "a gift for my dad",  # "gift" is what it is, not what it is for
    "a tent for budget trips",  # "budget" is the budget slot's word
    "hiking boots",  # part of the product type, not a use
    "jackets in blue",  # a color, even if a tag
])
def test_no_use_read(tagged: SlotExtractor, text: str) -> None:
    assert tagged.extract(text).use is None


def test_use_words_come_from_the_catalog_tags(tagged: SlotExtractor) -> None:
    assert {"flat feet", "hiking", "trail running", "toddler", "rain", "travel", "camping"} <= tagged.uses
    assert not {"budget", "gift", "tents"} & tagged.uses  # qualities and product types are not uses
    assert tagged.extract("shoes for yoga").use is None  # no product is tagged for yoga


def test_synonyms_only_for_tags_the_store_has(tagged: SlotExtractor) -> None:
    assert tagged.extract("something for biking").use is None  # no "cycling" tag in this store


def test_category_comes_from_the_rest_of_the_message_before_the_use(tagged: SlotExtractor) -> None:
    shoes = tagged.extract("shoes for a toddler")
    assert (shoes.filter.category, shoes.use, shoes.category_from_use) == ("shoes", "toddler", False)
    camping = tagged.extract("something for camping")
    assert (camping.filter.category, camping.use, camping.category_from_use) == ("outdoor", "camping", True)


def test_keep_category_forgets_a_category_read_only_from_the_use(tagged: SlotExtractor) -> None:
    update = tagged.extract("what about for camping?")
    update.keep_category()
    assert update.filter.category is None and "category" not in update.mentioned and update.use == "camping"
    shoes = tagged.extract("shoes for camping")
    shoes.keep_category()
    assert shoes.filter.category == "shoes"


def test_a_use_alone_is_a_refinement(tagged: SlotExtractor) -> None:
    for text in ("actually for trail running", "what about for flat feet?", "for a toddler please"):
        update = tagged.extract(text)
        update.keep_category()
        assert tagged.is_refinement(text, update), text


def test_strip_use(tagged: SlotExtractor) -> None:
    assert tagged.strip_use("running shoes for flat feet under $80") == "running shoes under $80"
    assert tagged.strip_use("running shoes") == "running shoes"


def test_suits_use_reads_tags_and_attributes() -> None:
    boots = make_tagged("B", "shoes", "hiking boots", ("day hiking", "waterproof"))
    assert suits_use(boots, "hiking") and suits_use(boots, "waterproof")
    assert not suits_use(boots, "camping")
    kids = make_tagged("K", "shoes", "sneakers", (), {"gender": "kids", "color": ["red"]})
    assert suits_use(kids, "kids")
    assert not suits_use(kids, "red")  # colors are the color slot's


# -- budget phrases and clearing constraints -----------------------------------------------------------

@pytest.mark.parametrize(("text", "low", "high"), [
    ("no more than 90", None, 90.0), ("not more than $40", None, 40.0), ("no less than 30", 30.0, None),
    ("more than 20", 20.0, None), ("less than 50", None, 50.0), ("under 80", None, 80.0),
])
def test_negated_comparisons(extractor: SlotExtractor, text: str, low: float | None, high: float | None) -> None:
    update = extractor.extract(text)
    assert (update.filter.min_price, update.filter.max_price) == (low, high)


@pytest.mark.parametrize("text", [
    "forget the budget", "drop the price limit", "no budget", "money is no object", "remove my budget",
])
def test_budget_removal_phrases(extractor: SlotExtractor, text: str) -> None:
    update = extractor.extract(text)
    assert update.clear_budget and update.changes_search()
    assert extractor.is_refinement(text, update), text


@pytest.mark.parametrize(("text", "cleared"), [
    ("any color is fine", {"color"}), ("forget the brand", {"brand"}), ("any size", {"size"}),
    ("any colour, any brand", {"color", "brand"}),
])
def test_clearing_a_constraint(extractor: SlotExtractor, text: str, cleared: set[str]) -> None:
    update = extractor.extract(text)
    assert update.cleared == cleared and update.changes_search()
    assert extractor.is_refinement(text, update), text


def test_a_new_value_is_not_a_clearing(extractor: SlotExtractor) -> None:
    assert extractor.extract("any size 10?").cleared == set()
    assert extractor.extract("any size 10?").filter.size == "10"
