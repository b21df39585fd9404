"""LangChain retrievers over the same search core as the chat (``knowledge.retrieval.search.Retriever``).

``ProductRetriever`` runs the hybrid (or dense / BM25) product search with the shopper's filters
applied inside each store's query; ``FaqRetriever`` returns FAQ sections with their citation ids.
Both are ``langchain_core`` ``BaseRetriever`` runnables (``invoke``, ``batch``, chains)::

    docs = ProductRetriever(retriever=services.retriever, filters=ProductFilter(max_price=80)).invoke("trail shoes")
    docs[0].id, docs[0].metadata["price"]
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from knowledge.retrieval.filters import ProductFilter
from knowledge.retrieval.search import ProductHit, Retriever, SearchMode


def product_document(hit: ProductHit, rank: int) -> Document:
    p = hit.product
    return Document(
        id=p.id,
        page_content=p.search_text(),
        metadata={"id": p.id, "title": p.title, "brand": p.brand, "category": p.category,
                  "subcategory": p.subcategory, "price": float(p.price), "currency": p.currency, "in_stock": p.in_stock,
                  "colors": p.colors, "sizes": p.sizes, "rank": rank, "score": hit.score, "fused_score": hit.fused},
    )


class ProductRetriever(BaseRetriever):
    """Products for a query as ``Document``s (id = product id), best first."""

    retriever: Any  # knowledge.retrieval.search.Retriever (not a pydantic model)
    filters: ProductFilter | None = None
    k: int = 10
    mode: SearchMode | None = None  # None = the retriever's default (hybrid when BM25 is loaded)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        core: Retriever = self.retriever
        hits = core.search_products(query, self.filters, k=self.k, mode=self.mode)
        return [product_document(h, rank) for rank, h in enumerate(hits, start=1)]


class FaqRetriever(BaseRetriever):
    """FAQ sections for a query as ``Document``s (id = chunk id such as ``returns-window#2``; the
    entry id, title, topic and date in the metadata), best first, current policies only."""

    retriever: Any
    k: int = 3

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        core: Retriever = self.retriever
        docs = []
        for hit in core.search_faq(query, k=self.k):
            for chunk in hit.chunks:
                docs.append(Document(id=chunk.id, page_content=chunk.text, metadata={
                    "id": chunk.id, "entry_id": hit.entry.id, "title": hit.entry.title, "topic": hit.entry.topic,
                    "updated": hit.entry.updated.isoformat(), "score": chunk.score}))
        return sorted(docs, key=lambda d: -d.metadata["score"])
