"""The Chroma adapter: persistent collections of embedded records with filterable metadata.

Chroma types stay inside this module. Embeddings are computed by our ``Embedder`` and passed in,
so Chroma never tries to fetch its own default model. Each record carries a content hash in its
metadata: re-syncing unchanged records embeds and writes nothing.

The database is the source of truth and the index is derived from it, so an embedded index that is
missing, or that Chroma cannot open (a corrupt ``chroma.sqlite3``), is started empty: a corrupt
folder is first moved aside to ``<name>.corrupt-<time>`` for inspection. ``started_empty`` then says
why, and the opener (``Services.index``) re-syncs it from the database.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from tqdm.auto import tqdm

from knowledge.retrieval.embed import Embedder
from knowledge.retrieval.filters import ANY, FieldIn, ProductFilter, RecordFilter, excluded_color_sets
from knowledge.retrieval.index import Hit, IndexRecord, MetadataValue
from knowledge.store.database import SyncCounts

__all__ = ["CHROMA_FILE", "Hit", "IndexRecord", "MetadataValue", "VectorIndex", "chroma_where"]

log = logging.getLogger(__name__)

QUERY_CACHE_SIZE = 256
CHROMA_FILE = "chroma.sqlite3"



def chroma_where(f: RecordFilter | None) -> dict[str, Any] | None:
    """A filter in Chroma's ``where`` dialect, over the metadata of ``search.product_record`` (the
    price range as ``price``/``price_max``, in-stock through ``stock_keys``); ``None`` for no constraint."""
    if f is None:
        return None
    if isinstance(f, FieldIn):
        return {f.field: {"$in": list(f.values)}}
    return _product_where(f)


def _product_where(f: ProductFilter) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if f.category:
        clauses.append({"category": f.category})
    if len(f.subcategories) == 1:
        clauses.append({"subcategory": f.subcategories[0]})
    elif f.subcategories:
        clauses.append({"subcategory": {"$in": list(f.subcategories)}})
    if f.brand:
        clauses.append({"brand": f.brand.lower()})
    if f.color:
        clauses.append({"colors": {"$contains": f.color.lower()}})
    if f.size:
        clauses.append({"sizes": {"$contains": f.size.lower()}})
    if f.min_price is not None:  # the highest price is the lowest one when "price_max" is absent
        clauses.append({"$or": [{"price": {"$gte": float(f.min_price)}},
                                {"price_max": {"$gte": float(f.min_price)}}]})
    if f.max_price is not None:
        clauses.append({"price": {"$lte": float(f.max_price)}})
    if f.in_stock_only:  # a unit in stock in the asked color and size (see ``filters.stock_keys``)
        clauses.append({"stock_keys": {"$contains": f.stock_key()}})
    clauses += _exclusions_where(f)
    # a wanted attribute value: no record holding one of the values it rules out (see ``filters``)
    clauses += [{"attribute_pairs": {"$not_contains": pair}} for pair in f.rejected_attribute_pairs()]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _exclusions_where(f: ProductFilter) -> list[dict[str, Any]]:
    """The exclusions as clauses over ``brand``, ``category``/``subcategory``, ``materials`` (a list),
    ``color_set`` and ``stock_color_sets`` (see ``search.product_record``). A record without a key
    passes Chroma's ``$nin``/``$not_contains``, as a product without colours passes ``matches``."""
    clauses: list[dict[str, Any]] = []
    if f.exclude_brands:
        clauses.append({"brand": {"$nin": sorted({b.lower() for b in f.exclude_brands})}})
    if f.exclude_categories:
        names = sorted({c.lower() for c in f.exclude_categories})
        clauses += [{"category": {"$nin": names}}, {"subcategory": {"$nin": names}}]
    clauses += [{"materials": {"$not_contains": m.lower()}} for m in sorted(set(f.exclude_materials))]
    if colors := f.excluded_colors:
        only_excluded = excluded_color_sets(colors)
        clauses.append({"color_set": {"$nin": only_excluded}})
        if f.in_stock_only and not f.color:  # in stock in the asked size, in a colour not excluded
            size = (f.size or ANY).lower()
            clauses += [{"stock_color_sets": {"$not_contains": f"{size}={s}"}} for s in only_excluded]
    return clauses


class VectorIndex:
    """Named collections in one Chroma database: embedded (on disk at ``path``), or a Chroma server
    (``chroma run``) at ``url`` such as ``http://127.0.0.1:8001``, shared by several app processes.
    The ``index.ProductIndex`` of the app."""

    def __init__(self, path: str | Path, embedder: Embedder, url: str = ""):
        import chromadb
        from chromadb.config import Settings

        self.path = Path(path)
        self.url = url
        self.started_empty: str | None = None  # why a local index was started empty, if it was
        self.embedder = embedder
        settings = Settings(anonymized_telemetry=False, allow_reset=False)
        if url:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"chroma_url {url!r}: expected http(s)://HOST:PORT")
            self._client = chromadb.HttpClient(
                host=parts.hostname, port=parts.port or (443 if parts.scheme == "https" else 8000),
                ssl=parts.scheme == "https", settings=settings,
            )
        else:
            self._client = self._open_local(settings)
        self._collections: dict[str, Any] = {}
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    def _open_local(self, settings: Any) -> Any:
        """The embedded Chroma client at ``path``; a missing store is created, an unreadable one moved
        aside and created anew (``started_empty`` says which)."""
        import chromadb

        existed = (self.path / CHROMA_FILE).is_file()
        self.started_empty = None if existed else f"no index at {self.path}"
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            client = chromadb.PersistentClient(path=str(self.path), settings=settings)
            client.list_collections()  # reads the store: a corrupt file fails here at the latest
            return client
        except Exception as exc:  # noqa: BLE001 - chromadb raises several types for a broken store
            if not existed:
                raise
            _forget_client(str(self.path))
            moved = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            while moved.exists():
                moved = moved.with_name(moved.name + "x")
            self.path.rename(moved)
            self.started_empty = f"the index at {self.path} could not be read ({exc}); it was moved to {moved}"
            log.warning("%s; rebuilding it from the database", self.started_empty)
            self.path.mkdir(parents=True)
            return chromadb.PersistentClient(path=str(self.path), settings=settings)

    def _collection(self, name: str) -> Any:
        if name not in self._collections:
            self._collections[name] = self._client.get_or_create_collection(
                name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            )
        return self._collections[name]

    def count(self, name: str) -> int:
        return int(self._collection(name).count())

    def hashes(self, name: str, page: int = 5000) -> dict[str, str | None]:
        """Every record's id and content hash (what ``sync`` compares against)."""
        collection, out = self._collection(name), {}
        for offset in range(0, collection.count(), page):  # one get of ~32k+ records overflows SQLite
            got = collection.get(include=["metadatas"], limit=page, offset=offset)
            out.update({id_: (meta or {}).get("content_hash")
                        for id_, meta in zip(got["ids"], got["metadatas"] or [], strict=False)})
        return out  # type: ignore[return-value]

    def drop(self, name: str) -> None:
        """Delete collection ``name`` (it is created empty again on next use)."""
        self._collections.pop(name, None)
        if name in {c.name for c in self._client.list_collections()}:
            self._client.delete_collection(name)

    def sync(self, name: str, records: Sequence[IndexRecord], batch_size: int = 128,
             progress: bool = False) -> SyncCounts:
        """Make collection ``name`` hold exactly ``records``: embed new/changed, delete absent."""
        collection = self._collection(name)
        old_hash = self.hashes(name)
        todo = [r for r in records if old_hash.get(r.id) != r.content_hash]
        wanted = {r.id for r in records}
        stale = [id_ for id_ in old_hash if id_ not in wanted]
        added = sum(1 for r in todo if r.id not in old_hash)
        bar = tqdm(total=len(todo), desc=f"embedding {name}", unit="doc", disable=not progress or not todo)
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            vectors = self.embedder.embed([r.text for r in batch])
            collection.upsert(
                ids=[r.id for r in batch],
                embeddings=vectors,
                documents=[r.text for r in batch],
                metadatas=[{**r.metadata, "content_hash": r.content_hash} for r in batch],
            )
            bar.update(len(batch))
        bar.close()
        for start in range(0, len(stale), 1000):
            collection.delete(ids=stale[start : start + 1000])
        return SyncCounts(
            added=added, updated=len(todo) - added, deleted=len(stale), unchanged=len(records) - len(todo)
        )

    def vectors(self, name: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored embeddings by id (ids not in the collection are left out)."""
        if not ids:
            return {}
        got = self._collection(name).get(ids=list(dict.fromkeys(ids)), include=["embeddings"])
        return {id_: np.asarray(vec, dtype=np.float32) for id_, vec in zip(got["ids"], got["embeddings"], strict=True)}

    def query_vector(self, text: str) -> np.ndarray:
        """The embedding of a query text; recent ones are kept, since one turn asks with the same
        text several times (search, relaxed searches, relevance of history candidates)."""
        vector = self._query_vectors.pop(text, None)
        if vector is None:
            vector = self.embedder.embed([text])[0]
        self._query_vectors[text] = vector
        while len(self._query_vectors) > QUERY_CACHE_SIZE:
            self._query_vectors.popitem(last=False)
        return vector

    def query(self, name: str, text: str, k: int = 10, where: RecordFilter | None = None) -> list[Hit]:
        """The ``k`` records most similar to ``text`` among those that pass ``where`` (applied inside
        Chroma's query, before its top k), best first."""
        collection = self._collection(name)
        total = collection.count()
        if total == 0 or k <= 0:
            return []
        result = collection.query(
            query_embeddings=self.query_vector(text)[None, :],
            n_results=min(k, total),
            where=chroma_where(where),
            include=["documents", "distances"],
        )
        return [
            Hit(id=id_, score=1.0 - float(dist), text=doc or "")
            for id_, dist, doc in zip(result["ids"][0], result["distances"][0], result["documents"][0], strict=False)
        ]


def _forget_client(identifier: str) -> None:
    """Drop Chroma's process-wide cached system for a store path that failed to open, so opening the
    path again starts from the files on disk."""
    from chromadb.api.shared_system_client import SharedSystemClient

    system = SharedSystemClient._identifier_to_system.pop(identifier, None)
    SharedSystemClient._identifier_to_refcount.pop(identifier, None)
    if system is not None:
        with suppress(Exception):  # it never started properly
            system.stop()
