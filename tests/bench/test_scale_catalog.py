"""The scale benchmark's generated catalog: deterministic, valid, recombined (no demo product copied),
and its queries' filters leave products to find."""

from __future__ import annotations

import json

from bench.scale import generate, queries
from knowledge.catalog import Catalog
from knowledge.demo_store import CATALOG
from knowledge.retrieval.lexical import FilterColumns


def test_the_generated_catalog_is_deterministic_valid_and_not_copied() -> None:
    products = generate(600)
    assert [p.model_dump() for p in products] == [p.model_dump() for p in generate(600)]
    assert len({p.id for p in products}) == 600
    demo = [json.loads(line) for line in CATALOG.read_text().splitlines() if line.strip()]
    assert not {p.title for p in products} & {d["title"] for d in demo}
    assert not {p.description for p in products} & {d["description"] for d in demo}
    assert {p.category for p in products} == {d["category"] for d in demo}
    assert 0.8 < sum(p.in_stock for p in products) / len(products) < 1.0

    columns = FilterColumns([p.id for p in products], Catalog(products))
    qs = queries(products, n=100)
    found = [int(columns.mask(f).sum()) for _, f in qs]
    assert sum(n > 0 for n in found) >= 90  # the filters are selective but rarely empty
    assert any(f.brand for _, f in qs) and any(f.color for _, f in qs) and any(f.size for _, f in qs)
    assert any(f.min_price is not None for _, f in qs) and any(f.in_stock_only for _, f in qs)
