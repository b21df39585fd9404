"""Hybrid product search (BM25 + Chroma/MiniLM, reciprocal rank fusion), the LangChain adapters and
FAQ chunk citations, on the demo store with the real models (no mocks)."""

from __future__ import annotations

from datetime import date

import pytest
from langchain_core.documents import Document

from assistant.answers.faq import FaqAnswers
from knowledge.catalog import Catalog
from knowledge.retrieval.filters import ProductFilter
from knowledge.retrieval.langchain_retriever import FaqRetriever, ProductRetriever
from knowledge.retrieval.lexical import LexicalIndex
from knowledge.retrieval.search import (
    FAQ,
    FAQ_CHUNKS,
    LONG_ENTRY_WORDS,
    Retriever,
    current_faq,
    faq_chunk_records,
    faq_chunks,
    faq_record,
    product_record,
    rrf,
)
from knowledge.retrieval.vector_index import VectorIndex
from knowledge.schemas import FaqEntry

# -- fusion math (no store) ------------------------------------------------------------------------


def test_rrf_scores_by_hand():
    fused = rrf([["a", "b", "c"], ["c", "a", "d"]], k=60)
    assert fused == pytest.approx({"a": 1 / 61 + 1 / 62, "c": 1 / 63 + 1 / 61, "b": 1 / 62, "d": 1 / 63})
    assert list(fused) == ["a", "c", "b", "d"]  # 0.032523 > 0.032266 > 0.016129 > 0.015873


def test_rrf_weights_and_k_change_the_order():
    # weight 2 on the second list: c = 1/63 + 2/61 = 0.048660 beats a = 1/61 + 2/62 = 0.048651
    assert list(rrf([["a", "b", "c"], ["c", "a", "d"]], k=60, weights=[1.0, 2.0]))[:2] == ["c", "a"]
    # k=1: b = 1/3 + 1/2 (in both lists) > a = 1/2 > c = 1/4
    assert rrf([["a", "b", "c"], ["b"]], k=1) == pytest.approx({"b": 1 / 3 + 1 / 2, "a": 1 / 2, "c": 1 / 4})
    assert list(rrf([["a", "b", "c"], ["b"]], k=1)) == ["b", "a", "c"]
    assert rrf([[], []]) == {}


def test_faq_chunks_split_long_bodies_into_sections():
    body = " ".join(f"Sentence number {i} of the returns policy has a few more words." for i in range(20))
    entry = FaqEntry(id="returns-window", title="Returns window", topic="returns", updated=date(2026, 1, 1), body=body)
    chunks = faq_chunks(entry, max_words=60)
    assert [c.id for c in chunks] == [f"returns-window#{i}" for i in range(1, len(chunks) + 1)]
    assert len(chunks) == 4  # 220 words in sections of at most about 60
    assert all(c.entry_id == "returns-window" for c in chunks)
    assert " ".join(c.text for c in chunks).split() == body.split()  # nothing lost or repeated
    short = entry.model_copy(update={"body": "Thirty days.\n\nFree label for defects."})
    assert [c.text for c in faq_chunks(short)] == ["Thirty days.", "Free label for defects."]  # paragraphs


# -- the demo store --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def retriever(services) -> Retriever:
    return services.current.retriever


@pytest.mark.integration
def test_chat_uses_hybrid_search_with_a_persisted_bm25_index(services, retriever):
    assert retriever.mode == "hybrid" and retriever.lexical is not None
    assert (services.lexical_path / "aisle_ids.json").is_file()
    loaded = LexicalIndex.load(services.lexical_path)
    assert loaded.ids == retriever.lexical.ids
    assert loaded.fingerprint == retriever.lexical.fingerprint


@pytest.mark.integration
def test_bm25_index_is_rebuilt_when_the_catalog_changes(services, tmp_path):
    records = [product_record(p) for p in services.current.catalog]
    first = LexicalIndex.open(tmp_path / "bm25", records)
    assert LexicalIndex.open(tmp_path / "bm25", records).fingerprint == first.fingerprint
    changed = LexicalIndex.open(tmp_path / "bm25", records[:-1])
    assert changed.fingerprint != first.fingerprint and len(changed.ids) == len(records) - 1
    assert LexicalIndex.load(tmp_path / "bm25").ids == changed.ids  # saved


@pytest.mark.integration
def test_bm25_masks_the_filter_before_taking_the_top_k(retriever, catalog):
    rare = ProductFilter(brand="Kilnworth")  # 4 of 404 products
    assert sum(rare.matches(p) for p in catalog) == 4
    unfiltered = list(retriever.bm25_ids("gift", ProductFilter(), 3))
    assert not any(catalog.require(i).brand == "Kilnworth" for i in unfiltered)  # top-k then filter finds none
    found = list(retriever.bm25_ids("gift", rare, 3))
    assert len(found) == 3 and all(catalog.require(i).brand == "Kilnworth" for i in found)


@pytest.mark.integration
@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_search_keeps_k_items_that_only_rare_products_pass(retriever, catalog, mode):
    rare = ProductFilter(category="kitchen", color="red")  # a dutch oven, a blender, a hand mixer
    assert sum(rare.matches(p) for p in catalog) == 3
    top = [h.product for h in retriever.search_products("running shoes", None, 3, mode)]
    assert not any(rare.matches(p) for p in top)
    hits = retriever.search_products("running shoes", rare, 3, mode)
    assert len(hits) == 3 and all(rare.matches(h.product) for h in hits)


@pytest.mark.integration
def test_in_stock_filter_checks_the_asked_variant_inside_both_stores(retriever, catalog):
    # APP-001 is in stock, with stock in white only in size M; black only in size L
    flt = ProductFilter(category="apparel", color="white", size="L", in_stock_only=True)
    expected = {p.id for p in catalog if flt.matches(p)}
    assert "APP-001" not in expected
    dense = set(retriever.dense_ids("cotton t-shirt", flt, 50))
    bm25 = set(retriever.bm25_ids("cotton t-shirt", flt, 50))
    assert dense == expected and bm25 <= expected and bm25


@pytest.mark.integration
def test_hybrid_hits_carry_cosine_relevance_and_fused_order(retriever):
    hits = retriever.search_products("Pacewell running shoes for flat feet", ProductFilter(max_price=100), 10)
    fused = [h.fused for h in hits]
    assert fused == sorted(fused, reverse=True) and fused[0] > 0
    assert all(-1.0 <= h.score <= 1.0 for h in hits)
    assert hits[0].product.brand == "Pacewell" and all(h.product.price <= 100 for h in hits)


# -- LangChain -------------------------------------------------------------------------------------
@pytest.mark.integration
def test_langchain_product_retriever_returns_documents_with_ids_and_metadata(retriever):
    lc = ProductRetriever(retriever=retriever, filters=ProductFilter(category="shoes", max_price=80), k=5)
    docs = lc.invoke("running shoes for flat feet")
    assert len(docs) == 5 and all(isinstance(d, Document) for d in docs)
    assert [d.metadata["rank"] for d in docs] == [1, 2, 3, 4, 5]
    assert all(d.id == d.metadata["id"] and d.metadata["category"] == "shoes" and d.metadata["price"] <= 80
               for d in docs)
    assert docs[0].page_content == retriever.catalog.require(docs[0].id).search_text()
    batch = ProductRetriever(retriever=retriever, k=2, mode="bm25").batch(["tent", "air fryer"])
    assert [len(b) for b in batch] == [2, 2] and batch[1][0].metadata["subcategory"] == "air fryers"


@pytest.mark.integration
def test_langchain_faq_retriever_returns_cited_chunks(retriever):
    docs = FaqRetriever(retriever=retriever, k=2).invoke("do you ship to Canada?")
    assert docs and all("#" in d.id and d.id.startswith(d.metadata["entry_id"] + "#") for d in docs)
    assert docs[0].metadata["entry_id"] in {"shipping-canada", "shipping-destinations"}
    scores = [d.metadata["score"] for d in docs]
    assert scores == sorted(scores, reverse=True)


# -- FAQ answers cite chunks -----------------------------------------------------------------------
@pytest.mark.integration
def test_faq_answer_cites_the_chunks_it_quotes(retriever):
    draft = FaqAnswers(retriever).answer("can I return an opened lipstick?")
    assert not draft.failed
    ref = draft.faq[0]
    assert ref.id == "returns-beauty" and ref.chunks and all(c.startswith("returns-beauty#") for c in ref.chunks)
    assert f"Source: [{', '.join(ref.chunks)}]" in draft.body
    quoted = {c.id: c.text for c in faq_chunks(retriever.faq["returns-beauty"])}
    assert quoted[ref.chunks[0]].split(".")[0] in draft.body


@pytest.mark.integration
def test_faq_answer_says_so_and_offers_a_human_when_nothing_fits(retriever):
    draft = FaqAnswers(retriever).answer("what is the airspeed velocity of an unladen swallow?")
    assert draft.failed and not draft.faq and "human" in draft.fallback_lead


@pytest.mark.integration
def test_newer_policy_wins_with_chunks(services, tmp_path):
    old = FaqEntry(id="returns-2025", title="How many days do I have to return an item?", topic="returns",
                   updated=date(2025, 1, 1), body="You have 14 days to return an item.", superseded_by="returns-2026")
    new = FaqEntry(id="returns-2026", title="How many days do I have to return an item?", topic="returns",
                   updated=date(2026, 1, 1), body="You have 30 days from delivery to return an item.")
    index = VectorIndex(tmp_path / "chroma", services.embedder)
    # a stale index still holding the old entry and its chunks: they are never returned
    index.sync(FAQ, [faq_record(e) for e in (old, new)])
    index.sync(FAQ_CHUNKS, [r for e in (old, new) for r in faq_chunk_records(e)])
    retriever = Retriever(index, Catalog([]), current_faq([old, new]))
    hits = retriever.search_faq("how long do I have to return something?", k=3)
    assert [h.entry.id for h in hits] == ["returns-2026"]
    draft = FaqAnswers(retriever).answer("how long do I have to return something?")
    assert draft.faq[0].chunks == ("returns-2026#1",) and "30 days" in draft.body and "14" not in draft.body


@pytest.mark.integration
def test_a_long_entry_is_found_by_its_best_section(services, tmp_path):
    filler = " ".join(f"Paragraph filler sentence {i} about loyalty points and store credit." for i in range(30))
    long = FaqEntry(id="loyalty", title="Loyalty programme terms", topic="loyalty", updated=date(2026, 1, 1),
                    body=f"{filler}\n\nGift wrapping is free for loyalty members at checkout.")
    short = FaqEntry(id="shipping", title="Shipping times", topic="shipping", updated=date(2026, 1, 1),
                     body="Standard shipping takes 3 to 5 business days.")
    assert len(long.body.split()) > LONG_ENTRY_WORDS
    index = VectorIndex(tmp_path / "chroma", services.embedder)
    index.sync(FAQ, [faq_record(e) for e in (long, short)])
    index.sync(FAQ_CHUNKS, [r for e in (long, short) for r in faq_chunk_records(e)])
    hits = Retriever(index, Catalog([]), [long, short]).search_faq("is gift wrapping free?", k=1)
    assert hits[0].entry.id == "loyalty"
    assert hits[0].chunks[0].id == f"loyalty#{len(faq_chunks(long))}"  # the last section says it
