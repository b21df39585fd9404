"""An embedder that remembers vectors on disk (bench/results/…): benchmarks re-embed the same data sets
on every run, and embedding is most of their cost on CPU."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from knowledge.retrieval.embed import Embedder


class CachedEmbedder:
    """Wraps an embedder; vectors are keyed by the text's hash and saved to ``path`` (``.npz``)."""

    def __init__(self, inner: Embedder, path: Path):
        self.inner = inner
        self.path = path
        self.dimension = inner.dimension
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        if path.is_file():
            with np.load(path) as data:
                self._vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def embed(self, texts: list[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}.items())
        if missing:
            vectors = self.inner.embed([t for _, t in missing])
            self._vectors.update({k: v for (k, _), v in zip(missing, vectors, strict=True)})
            self._dirty = True
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def save(self) -> None:
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self._vectors)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keys), vectors=np.stack([self._vectors[k] for k in keys]))
        tmp.replace(self.path)
        self._dirty = False
