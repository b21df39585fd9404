"""BM25 keyword search over the product texts (``bm25s``), with filters applied before the top k:
a ``ProductFilter`` becomes a boolean mask over the index's products here (``FilterColumns``).

The index is built from the same records as the vector index (``product_record``), stemmed with
Snowball English stemming, and persisted under the data folder with the ids in index order and a
fingerprint of the records' content hashes: a catalog change is noticed on load and the index is
rebuilt (building it for the 404-product demo catalog takes a few tens of milliseconds).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from knowledge.catalog import Catalog
from knowledge.retrieval.filters import (
    ANY,
    ProductFilter,
    attribute_pairs,
    color_set,
    excluded_color_sets,
    material_words,
    stock_color_sets,
    stock_keys,
)
from knowledge.retrieval.index import IndexRecord

IDS_FILE = "aisle_ids.json"


def fingerprint(records: Sequence[IndexRecord]) -> str:
    """A hash of the records' ids and content hashes, in id order."""
    payload = "\n".join(f"{r.id}\t{r.content_hash}" for r in sorted(records, key=lambda r: r.id))
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


class LexicalIndex:
    """BM25 scores of every product for a query; ``search`` takes the top k among the allowed ones."""

    def __init__(self, ids: Sequence[str], model, fingerprint: str):
        self.ids = list(ids)
        self.position = {id_: i for i, id_ in enumerate(self.ids)}
        self.model = model
        self.fingerprint = fingerprint
        self._stem = _stemmer()

    @classmethod
    def build(cls, records: Sequence[IndexRecord]) -> LexicalIndex:
        import bm25s

        ordered = sorted(records, key=lambda r: r.id)
        model = bm25s.BM25()
        if ordered:
            tokens = bm25s.tokenize([r.text for r in ordered], stopwords="en", stemmer=_stemmer(), show_progress=False)
            model.index(tokens, show_progress=False)
        return cls([r.id for r in ordered], model, fingerprint(ordered))

    def save(self, path: str | Path) -> None:
        """Write to ``path`` (a folder), replacing what was there only once the new files are complete."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".bm25-", dir=path.parent))
        if self.ids:
            self.model.save(str(tmp), show_progress=False)
        (tmp / IDS_FILE).write_text(json.dumps({"ids": self.ids, "fingerprint": self.fingerprint}))
        old = path.with_name(f"{tmp.name}-old")
        if path.exists():
            path.rename(old)  # readers that find no folder in between rebuild in memory
        tmp.rename(path)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, path: str | Path) -> LexicalIndex:
        import bm25s

        path = Path(path)
        meta = json.loads((path / IDS_FILE).read_text())
        model = bm25s.BM25.load(str(path), show_progress=False) if meta["ids"] else bm25s.BM25()
        return cls(meta["ids"], model, meta["fingerprint"])

    @classmethod
    def open(cls, path: str | Path, records: Sequence[IndexRecord]) -> LexicalIndex:
        """The saved index if it was built from exactly ``records``; otherwise build and save it."""
        wanted = fingerprint(records)
        try:
            index = cls.load(path)
            if index.fingerprint == wanted:
                return index
        except (OSError, ValueError, KeyError):
            pass  # absent or unreadable: rebuilt below
        index = cls.build(records)
        with contextlib.suppress(OSError):  # another process replaced it meanwhile: used from memory
            index.save(path)
        return index

    def tokens(self, text: str) -> list[str]:
        import bm25s

        vocab = self.model.vocab_dict if self.ids else {}
        words = bm25s.tokenize(text, stopwords="en", stemmer=self._stem, return_ids=False, show_progress=False)[0]
        return [w for w in words if w in vocab]

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of every product (in ``self.ids`` order) for ``text``."""
        words = self.tokens(text)
        if not words:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self.model.get_scores(words), dtype=np.float32)

    def search(self, text: str, k: int = 10, allowed: np.ndarray | None = None) -> list[tuple[str, float]]:
        """The ``k`` best-scoring products with a positive score among ``allowed`` (a boolean mask over
        ``self.ids``): products that fail the filter are masked out before the top k is taken."""
        if not self.ids or k <= 0:
            return []
        scores = self.scores(text)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > k:
            candidates = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        order = sorted(candidates, key=lambda i: (-scores[i], self.ids[i]))
        return [(self.ids[i], float(scores[i])) for i in order]


class FilterColumns:
    """The filterable fields of the products at ``ids`` as arrays and per-value masks, so a
    ``ProductFilter`` becomes a boolean mask with a few numpy operations (the same constraints as
    ``ProductFilter.matches`` and the Chroma ``where``, in-stock through ``stock_keys``)."""

    def __init__(self, ids: Sequence[str], catalog: Catalog):
        n = len(ids)
        self.known = np.zeros(n, dtype=bool)
        self.price = np.full(n, np.nan)  # the lowest price of each product
        self.price_max = np.full(n, np.nan)  # and its highest
        self.values: dict[str, dict[str, np.ndarray]] = {f: {} for f in (
            "category", "subcategory", "brand", "colors", "sizes", "stock", "materials", "color_set",
            "stock_color_sets", "attribute_pairs")}
        rows: dict[str, dict[str, list[int]]] = {f: {} for f in self.values}
        for i, id_ in enumerate(ids):
            product = catalog.get(id_)
            if product is None:
                continue
            self.known[i] = True
            self.price[i], self.price_max[i] = product.price_range
            for name, vals in (("category", [product.category]), ("subcategory", [product.subcategory]),
                               ("brand", [product.brand.lower()]), ("colors", product.colors),
                               ("sizes", product.sizes), ("stock", stock_keys(product)),
                               ("materials", material_words(product)),
                               ("color_set", [color_set(product.colors)] if product.colors else []),
                               ("stock_color_sets", stock_color_sets(product)),
                               ("attribute_pairs", attribute_pairs(product))):
                for v in vals:
                    rows[name].setdefault(v, []).append(i)
        for name, by_value in rows.items():
            for v, idx in by_value.items():
                mask = np.zeros(n, dtype=bool)
                mask[idx] = True
                self.values[name][v] = mask

    def _is(self, name: str, value: str) -> np.ndarray:
        found = self.values[name].get(value)
        return found if found is not None else np.zeros_like(self.known)

    def mask(self, f: ProductFilter) -> np.ndarray:
        """The products that pass ``f``; a product the catalog does not know never does."""
        out = self.known.copy()
        if f.category:
            out &= self._is("category", f.category)
        if f.subcategories:
            out &= np.logical_or.reduce([self._is("subcategory", s) for s in f.subcategories])
        if f.brand:
            out &= self._is("brand", f.brand.lower())
        if f.color:
            out &= self._is("colors", f.color.lower())
        if f.size:
            out &= self._is("sizes", f.size.lower())
        if f.min_price is not None:
            out &= self.price_max >= float(f.min_price)
        if f.max_price is not None:
            out &= self.price <= float(f.max_price)
        if f.in_stock_only:
            out &= self._is("stock", f.stock_key())
        if f.has_exclusions():
            out &= ~self._excluded(f)
        if f.attributes:
            out &= ~self._any("attribute_pairs", f.rejected_attribute_pairs())
        return out

    def _any(self, name: str, values: Iterable[str]) -> np.ndarray:
        out = np.zeros_like(self.known)
        for value in values:
            out |= self._is(name, value)
        return out

    def _excluded(self, f: ProductFilter) -> np.ndarray:
        """The products an exclusion leaves out (as ``ProductFilter.excludes``, and the in-stock check
        of the colours not excluded)."""
        out = self._any("brand", {b.lower() for b in f.exclude_brands})
        categories = {c.lower() for c in f.exclude_categories}
        out |= self._any("category", categories) | self._any("subcategory", categories)
        out |= self._any("materials", {m.lower() for m in f.exclude_materials})
        if colors := f.excluded_colors:
            only_excluded = excluded_color_sets(colors)
            out |= self._any("color_set", only_excluded)
            if f.in_stock_only and not f.color:
                size = (f.size or ANY).lower()
                out |= self._any("stock_color_sets", [f"{size}={s}" for s in only_excluded])
        return out
