"""Text embedders: the ``Embedder`` seam, the bundled MiniLM, and a hashing fake for unit tests."""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from knowledge.bundled import minilm_dir


class Embedder(Protocol):
    """Maps texts to L2-normalised vectors; similar texts get a high dot product."""

    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


QUERY_CACHE_SIZE = 512  # texts embedded one at a time (queries, messages) kept for reuse


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded lazily on first use (default: the bundled MiniLM)."""

    def __init__(self, model_path: str | Path | None = None, device: str = "cpu", batch_size: int = 64):
        self.model_path = str(model_path or minilm_dir())
        self.device = device
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()
        self.dimension = 384
        # A turn embeds its message for the intent vote and again as the search query; shoppers repeat
        # short messages ("what about in blue?"). One text at a time is the slow case: keep recent ones.
        self._query = functools.lru_cache(maxsize=QUERY_CACHE_SIZE)(self._encode_one)

    def _load(self):
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(self.model_path, device=self.device, local_files_only=True)
                dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
                self.dimension = int(dim() or self.dimension)
        return self._model

    def embed(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) == 1:
            return self._query(texts[0])[None, :].copy()
        return self._encode(texts, show_progress)

    def _encode_one(self, text: str) -> np.ndarray:
        return self._encode([text], False)[0]

    def _encode(self, texts: list[str], show_progress: bool) -> np.ndarray:
        model = self._load()
        vectors = model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)


class HashingEmbedder:
    """Deterministic bag-of-words hashing embedder: a fake for logic tests, no model needed."""

    def __init__(self, dimension: int = 256):
        self.dimension = dimension

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in re.findall(r"[a-z0-9]+", text.lower()):
                digest = hashlib.md5(token.encode()).digest()
                out[row, int.from_bytes(digest[:4], "little") % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out
