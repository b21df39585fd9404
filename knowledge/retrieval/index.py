"""The contract of a vector store of named collections (products, FAQ entries and sections):
``ProductIndex``, with its records and hits. The Chroma adapter (``vector_index.VectorIndex``,
embedded or a Chroma server) is the implementation; ``tests/knowledge/test_product_index_contract.py``
runs one contract suite against both. Filters are our own types (``filters``), translated into the
store's dialect inside the implementation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from knowledge.retrieval.filters import RecordFilter
from knowledge.store.database import SyncCounts

MetadataValue = str | int | float | bool | list[str]


@dataclass(frozen=True)
class IndexRecord:
    id: str
    text: str
    content_hash: str
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    id: str
    score: float  # cosine similarity in [-1, 1]
    text: str = ""


class ProductIndex(Protocol):
    """Named collections of embedded records, each with a content hash and filterable metadata."""

    def count(self, name: str) -> int:
        """How many records collection ``name`` holds (0 for one never written)."""
        ...

    def hashes(self, name: str) -> dict[str, str | None]:
        """Every record's id and content hash (what ``sync`` compares against)."""
        ...

    def drop(self, name: str) -> None:
        """Delete collection ``name`` (it is created empty again on next use)."""
        ...

    def sync(self, name: str, records: Sequence[IndexRecord], batch_size: int = 128,
             progress: bool = False) -> SyncCounts:
        """Make collection ``name`` hold exactly ``records``: embed new/changed, delete absent."""
        ...

    def vectors(self, name: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored embeddings by id (ids not in the collection are left out)."""
        ...

    def query_vector(self, text: str) -> np.ndarray:
        """The embedding of a query text (the scale of ``vectors``)."""
        ...

    def query(self, name: str, text: str, k: int = 10, where: RecordFilter | None = None) -> list[Hit]:
        """The ``k`` records most similar to ``text`` among those that pass ``where``, best first."""
        ...
