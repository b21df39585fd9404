"""The shopper's words come from the store's catalog: its names in any spelling, its colours and sizes
(variants included), general synonyms only where they lead to the store's words, and the store's own
synonyms from its settings. Every rule is checked on stores of different shapes: three small stores
built here, the small catalog of test_slots and the demo catalog.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.config import Settings
from assistant.errors import UnknownStoreWord
from assistant.slots import SlotExtractor
from assistant.vocabulary import Kind, StoreVocabulary, general_synonyms
from assistant.vocabulary.general import parse
from assistant.vocabulary.spelling import Respeller, parts, spellings
from knowledge.catalog import Catalog
from knowledge.demo_store import catalog_products
from knowledge.schemas import Product, Variant
from tests.assistant.test_slots import small_catalog


def product(pid: str, title: str, brand: str, category: str, subcategory: str = "", colors: tuple[str, ...] = (),
            variants: tuple[tuple[str | None, str | None], ...] = ()) -> Product:
    """A product; ``variants`` are (color, size) pairs with 5 units each."""
    return Product(id=pid, title=title, brand=brand, category=category, subcategory=subcategory, price=20.0,
                   stock=5 * len(variants) or 5, attributes={"color": list(colors)} if colors else {},
                   description=f"{title}.",
                   variants=[Variant(sku=f"{pid}-{i}", color=c, size=z, stock=5) for i, (c, z) in enumerate(variants)])


def three_things() -> Catalog:
    """A store that sells t-shirts, water bottles and office chairs, and nothing else. Purple is a
    colour of variants only; "750 ml" a size of variants only."""
    return Catalog([
        product("TS-1", "Loomwell Crew Neck T-Shirt", "Loomwell", "t-shirt", colors=("white", "black"),
                variants=(("white", "M"), ("purple", "L"))),
        product("TS-2", "Loomwell Pocket T-Shirt", "Loomwell", "t-shirt", colors=("black",)),
        product("WB-1", "Tidewell Steel Water Bottle", "Tidewell", "water bottle", colors=("teal",),
                variants=(("teal", "500 ml"), ("purple", "750 ml"))),
        product("OC-1", "Postura Mesh Office Chair", "Postura", "office chair", colors=("gray",)),
    ])


def combined_names() -> Catalog:
    """A store whose categories combine kinds of goods, as many shop systems name them."""
    return Catalog([
        product("HG-1", "Fern Hand Trowel", "Fern", "home & garden"),
        product("TG-1", "Castle Siege Board Game", "Meeple", "toys & games"),
    ])


@pytest.fixture(scope="module")
def store() -> SlotExtractor:
    return SlotExtractor(three_things())


@pytest.fixture(scope="module")
def demo() -> SlotExtractor:
    return SlotExtractor(Catalog(catalog_products()))


@pytest.fixture(scope="module")
def small() -> SlotExtractor:
    return SlotExtractor(small_catalog())


# -- the store's own words ----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "a t-shirt in purple", "a t shirt in purple", "a tshirt in purple", "two T-Shirts in purple",
    "a tee in purple", "tees in purple please",
])
def test_a_t_shirt_in_purple(store: SlotExtractor, text: str) -> None:
    update = store.extract(text)
    assert (update.filter.category, update.filter.color) == ("t-shirt", "purple")
    assert not update.filter.subcategories  # this store has no subcategories: the category is the kind
    assert {"category", "color"} <= update.mentioned


@pytest.mark.parametrize(("text", "category"), [
    ("a water bottle", "water bottle"), ("water bottles under $30", "water bottle"),
    ("a water-bottle", "water bottle"), ("an office chair", "office chair"), ("office chairs", "office chair"),
])
def test_every_category_name_is_a_word_of_the_store(store: SlotExtractor, text: str, category: str) -> None:
    assert store.extract(text).filter.category == category


def test_colours_and_sizes_of_variants_count(store: SlotExtractor) -> None:
    words = store.store_vocabulary
    assert "purple" in words.colors and "750 ml" in words.sizes  # in no attributes, only in variants
    assert "purple" in three_things().colors  # the catalog (and the search filter) counts them too
    update = store.extract("a water bottle in size 750 ml")
    assert (update.filter.category, update.filter.size) == ("water bottle", "750 ml")


def test_colour_synonyms_lead_to_the_store_spelling(store: SlotExtractor) -> None:
    assert store.extract("an office chair in grey").filter.color == "gray"
    grey_store = SlotExtractor(Catalog([product("C-1", "Slate Chair", "Slate", "chairs", colors=("grey",))]))
    assert grey_store.extract("a chair in gray").filter.color == "grey"  # the store writes it "grey"
    assert store.extract("a tee in maroon").filter.color is None  # neither burgundy nor maroon is sold here


def test_brands_come_from_the_catalog(store: SlotExtractor, small: SlotExtractor) -> None:
    assert store.extract("anything from postura?").filter.brand == "Postura"
    assert small.extract("anything from postura?").filter.brand is None


def test_parts_of_combined_category_names() -> None:
    extractor = SlotExtractor(combined_names())
    assert extractor.extract("something for home and garden").filter.category == "home & garden"
    assert extractor.extract("a garden trowel").filter.category == "home & garden"
    assert extractor.extract("a board game for four").filter.category == "toys & games"  # "board game" → games
    assert extractor.extract("new sneakers").filter.category is None


# -- general synonyms: only where they lead to the store's words -------------------------------------

def test_general_synonyms_that_lead_nowhere_in_this_store_are_dropped(store: SlotExtractor) -> None:
    kinds = store.store_vocabulary.kinds
    assert kinds["tee"] == Kind("t-shirt")
    assert "flask" not in kinds  # no general synonym: a store adds it (see test_store_synonyms)
    assert not {"sneaker", "footwear", "cooking", "gadget", "tent", "camping"} & set(kinds)
    for text in ("new sneakers", "some footwear", "a gadget", "a gift for my dad who likes cooking"):
        update = store.extract(text)
        assert update.filter.category is None and not update.filter.subcategories, text


def test_one_general_word_means_what_each_store_has(store: SlotExtractor, small: SlotExtractor,
                                                    demo: SlotExtractor) -> None:
    assert store.store_vocabulary.kinds["tee"] == Kind("t-shirt")
    assert small.store_vocabulary.kinds["tee"] == Kind("apparel")  # no t-shirts there: the broader kind
    assert demo.store_vocabulary.kinds["tee"] == Kind("apparel", ("t-shirts",))  # the demo's product type
    update = demo.extract("a tee in purple")
    assert (update.filter.category, update.filter.subcategories, update.product_label, update.filter.color) == (
        "apparel", ("t-shirts",), "tee", "purple")
    assert small.extract("new sneakers").filter.category == "shoes"
    assert demo.extract("some trousers").filter.subcategories == ("pants",)


def test_words_of_one_store_do_not_reach_another(store: SlotExtractor, small: SlotExtractor,
                                                 demo: SlotExtractor) -> None:
    assert store.extract("an office chair").filter.category == "office chair"
    assert demo.extract("an office chair").filter.subcategories == ("office chairs",)
    office = small.extract("an office chair")  # the small store sells no chairs and has no office
    assert office.filter.category is None and not office.filter.subcategories
    assert small.extract("a water bottle").filter.subcategories == ("water bottles",)
    assert demo.extract("a new dog leash").filter.category == "pets"
    assert store.extract("a new dog leash").filter.category is None


def test_the_demo_store_keeps_its_broad_words(demo: SlotExtractor) -> None:
    for text, category in [("something for camping", "outdoor"), ("a gift for my dad who likes cooking", "kitchen"),
                           ("a gadget for my dad", "electronics"), ("new sneakers", "shoes"), ("some footwear", "shoes"),
                           ("skincare for my mom", "beauty"), ("clothes for a trip", "apparel")]:
        assert demo.extract(text).filter.category == category, text


def test_a_kettle_for_pour_over_stays_a_kettle(demo: SlotExtractor) -> None:
    """Respelling ("pour over" → "pour-over") never turns what it is for into what it is."""
    update = demo.extract("gooseneck kettle for pour over")
    assert update.filter.subcategories == ("electric kettles",)
    assert demo.extract("a pour over set").filter.subcategories == ("pour-over",)


# -- the store's own synonyms --------------------------------------------------------------------------

def test_store_synonyms(store: SlotExtractor) -> None:
    assert store.extract("a flask").filter.category is None  # no general synonym makes a flask a water bottle
    own = SlotExtractor(three_things(), {"water bottle": ["flask", "canteen"], "purple": ["violet"],
                                         "Postura": ["posture co"]})
    flask = own.extract("two flasks in violet")
    assert (flask.filter.category, flask.filter.color) == ("water bottle", "purple")
    assert own.extract("a steel canteen").filter.category == "water bottle"
    assert own.extract("a chair by posture co").filter.brand == "Postura"


def test_store_synonyms_win_over_head_nouns(demo: SlotExtractor) -> None:
    assert demo.extract("a desk chair").filter.subcategories == ("standing desks",)  # "desk" is the demo's head noun
    own = SlotExtractor(Catalog(catalog_products()), {"office chairs": ["desk chair"]})
    assert own.extract("a desk chair").filter.subcategories == ("office chairs",)


def test_a_store_synonym_under_a_word_the_catalog_lacks_is_an_error() -> None:
    with pytest.raises(UnknownStoreWord, match=r"'water botle'.*office chair, t-shirt, water bottle"):
        SlotExtractor(three_things(), {"water botle": ["flask"]})
    with pytest.raises(UnknownStoreWord, match="'running shoes'"):  # a product type of another store
        SlotExtractor(three_things(), {"running shoes": ["runners"]})
    runners = SlotExtractor(Catalog(catalog_products()), {"running shoes": ["runners"]}).extract("runners")
    assert runners.filter.subcategories == ("running shoes",)


def test_store_synonyms_from_settings_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "aisle.toml"
    config.write_text('[vocabulary.synonyms]\n"Water Bottle" = ["Flask", "canteen"]\n', encoding="utf-8")
    monkeypatch.setenv("AISLE_CONFIG", str(config))
    settings = Settings()
    assert settings.vocabulary.synonyms == {"water bottle": ["flask", "canteen"]}
    assert SlotExtractor(three_things(), settings.vocabulary.synonyms).extract("a flask").filter.category == "water bottle"
    # the same setting does not fit a store without water bottles: the error names the key
    with pytest.raises(UnknownStoreWord, match="'water bottle'"):
        SlotExtractor(combined_names(), settings.vocabulary.synonyms)
    monkeypatch.setenv("AISLE_VOCABULARY__SYNONYMS", '{"office chair": ["desk chair"]}')
    from_env = Settings().vocabulary.synonyms
    assert SlotExtractor(three_things(), from_env).extract("a desk chair").filter.category == "office chair"


def test_settings_refuse_ambiguous_or_empty_synonyms() -> None:
    with pytest.raises(ValidationError, match="'flask' is listed under both"):
        Settings(vocabulary={"synonyms": {"water bottle": ["flask"], "t-shirt": ["Flask"]}})
    with pytest.raises(ValidationError, match="empty shopper word"):
        Settings(vocabulary={"synonyms": {"water bottle": [" "]}})
    assert Settings().vocabulary.synonyms == {}


# -- the pieces ---------------------------------------------------------------------------------------

def test_spellings() -> None:
    assert {"t-shirt", "t-shirts", "t shirt", "tshirt", "tshirts"} <= spellings("T-Shirts")
    assert {"home & garden", "home and garden"} <= spellings("Home & Garden")
    assert "shoe" in spellings("shoes")
    assert parts("home & garden") == ["home", "garden"] and parts("shoes") == []


def test_respeller_keeps_plurals() -> None:
    respell = Respeller.for_names(["t-shirts", "e-readers"])
    assert respell("two tshirts and a t shirt") == "two t-shirts and a t-shirt"
    assert respell("an e reader") == "an e-reader"
    assert respell("a shirt") == "a shirt"


def test_the_general_synonyms_file_is_well_formed() -> None:
    general = general_synonyms()
    assert "t-shirt" in general.neighbours("tee")
    assert general.neighbours("footwear")[0] == "shoes"
    assert general.color_group("grey") == ("gray", "grey")
    words = {w for g in general.same for w in g} | set(general.look_in)
    assert not {"top", "cap", "home"} & words  # too often something else ("top rated", "price cap")
    with pytest.raises(ValueError, match="lower-case"):
        parse({"same": [["Tee", "t-shirt"]], "look_in": {}, "colors": [], "uses": {}})
    with pytest.raises(ValueError, match="sections"):
        parse({"same": []})


def test_store_vocabulary_without_general_synonyms() -> None:
    bare = StoreVocabulary(three_things(), general=parse({"same": [], "look_in": {}, "colors": [], "uses": {}}))
    assert bare.kinds == {} and bare.kind_of("t shirt") == Kind("t-shirt")
    assert bare.kind_of("office chairs") == Kind("office chair") and bare.kind_of("tent") is None
