"""Chroma in client/server mode: a `chroma run` server on loopback, an ingest and a filtered hybrid
search through it (``[retrieval] chroma_url``). The server fixture is in ``conftest.py``; the store
contract itself is checked against a server in ``test_product_index_contract.py``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aisle.wiring import Services
from assistant.config import RetrievalSettings, Settings
from knowledge.ingest import index_mismatches
from knowledge.retrieval.filters import ProductFilter
from knowledge.retrieval.search import PRODUCTS

pytestmark = pytest.mark.slow  # the real MiniLM embedder and a Chroma server


def test_ingest_and_filtered_hybrid_search_through_a_chroma_server(tmp_path: Path, chroma_url: str) -> None:
    rows = [
        {"id": "K1", "title": "Stoneware Mug", "brand": "Acme", "category": "kitchen", "price": 12.0, "stock": 4,
         "attributes": {"color": ["red"]}, "description": "A stoneware mug for coffee."},
        {"id": "K2", "title": "Stoneware Mug Large", "brand": "Acme", "category": "kitchen", "price": 18.0,
         "stock": 0, "attributes": {"color": ["blue"]}, "description": "A large stoneware mug for tea."},
        {"id": "K3", "title": "Steel Kettle", "brand": "Brio", "category": "kitchen", "price": 45.0, "stock": 2,
         "attributes": {"color": ["blue"]}, "description": "A whistling steel kettle."},
    ]
    catalog = tmp_path / "catalog.jsonl"
    catalog.write_text("".join(json.dumps(r) + "\n" for r in rows))
    settings = Settings(data_dir=tmp_path / "store", retrieval=RetrievalSettings(chroma_url=chroma_url))
    services = Services(settings)
    report = services.ingest(catalog=catalog)
    assert report.index[PRODUCTS].added == 3
    assert not (tmp_path / "store" / "chroma").exists()  # the vectors live in the server
    assert index_mismatches(services.db, services.index) == {}

    hits = services.current.retriever.search_products("stoneware mug", ProductFilter(color="blue"), k=3)
    assert [h.product.id for h in hits][:1] == ["K2"] and "K1" not in {h.product.id for h in hits}
    in_stock = services.current.retriever.search_products("stoneware mug", ProductFilter(max_price=20, in_stock_only=True), k=3)
    assert [h.product.id for h in in_stock] == ["K1"]

    # a second app process (here: a second client) sees the same index; a re-ingest writes nothing
    other = Services(settings)
    assert other.index.count(PRODUCTS) == 3
    assert other.ingest(catalog=catalog).index[PRODUCTS].unchanged == 3
