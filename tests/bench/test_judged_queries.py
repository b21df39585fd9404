"""The retrieval benchmark's judged query set is valid: enough queries, graded 0–3, every judged
product exists in the demo catalog and passes the query's filters, both halves present."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from knowledge.demo_store import CATALOG
from knowledge.retrieval.filters import ProductFilter
from knowledge.schemas import Product

JUDGED = Path(__file__).resolve().parents[2] / "bench" / "data" / "judged_queries.jsonl"


def test_judged_queries_are_valid() -> None:
    catalog = {p.id: p for p in (Product.model_validate_json(line) for line in CATALOG.read_text().splitlines()
                                 if line.strip())}
    queries = [json.loads(line) for line in JUDGED.read_text().splitlines() if line.strip()]
    assert len(queries) >= 100
    assert len({q["id"] for q in queries}) == len(queries)
    assert len({q["query"].lower() for q in queries}) == len(queries)
    assert Counter(q["split"] for q in queries).keys() == {"tune", "test"}
    for q in queries:
        assert q["query"].strip() and q["kind"], q
        filters = ProductFilter(**q.get("filters", {}))
        assert q["relevance"] and max(q["relevance"].values()) == 3, q["id"]  # something fully relevant
        for pid, grade in q["relevance"].items():
            assert pid in catalog, (q["id"], pid)
            assert isinstance(grade, int) and 0 <= grade <= 3, (q["id"], pid, grade)
            assert grade == 0 or filters.matches(catalog[pid]), (q["id"], pid, "fails the query's filters")
    assert sum(1 for q in queries if q.get("filters")) >= 10
