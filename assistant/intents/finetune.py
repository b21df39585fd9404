"""SetFit-style contrastive fine-tuning of a copy of the sentence embedder on intent examples.

Pairs of training sentences, balanced: for each example and iteration one positive (another example
of its label) and one negative (an example of another label); CosineSimilarityLoss pulls positives
to cosine 1 and negatives to 0, one epoch with ``SentenceTransformerTrainer``. The model is loaded
fresh from its folder into memory and never saved: the bundled files are only read. The number of
pair iterations is capped so one run stays a few minutes on 2 CPU cores.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from knowledge.retrieval.embed import Embedder

PAIR_ITERATIONS = 20  # SetFit's default, for small training sets
MAX_PAIRS = 4000  # ~2-3 min of training on 2 CPU cores for MiniLM
LEARNING_RATE = 2e-5
BATCH_SIZE = 16


class FinetunedEmbedder:
    """An ``Embedder`` over an in-memory fine-tuned SentenceTransformer."""

    def __init__(self, model: Any, seconds: float, pairs: int):
        self.model = model
        self.seconds = seconds
        self.pairs = pairs
        self.dimension = int(model.get_embedding_dimension() if hasattr(model, "get_embedding_dimension")
                             else model.get_sentence_embedding_dimension())

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(list(texts), batch_size=64, normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


def contrastive_pairs(texts: Sequence[str], labels: Sequence[int], iterations: int, seed: int = 0
                      ) -> tuple[list[str], list[str], list[float]]:
    """Balanced positive/negative sentence pairs, ``iterations`` of each per example."""
    rng = random.Random(seed)
    by_label: dict[int, list[str]] = {}
    for text, label in zip(texts, labels, strict=True):
        by_label.setdefault(label, []).append(text)
    others = sorted(by_label)
    first: list[str] = []
    second: list[str] = []
    target: list[float] = []
    for _ in range(iterations):
        for text, label in zip(texts, labels, strict=True):
            same = [t for t in by_label[label] if t != text] or [text]
            negative = rng.choice([lb for lb in others if lb != label])
            first += [text, text]
            second += [rng.choice(same), rng.choice(by_label[negative])]
            target += [1.0, 0.0]
    return first, second, target


def finetuned_embedder(embedder: Embedder, texts: Sequence[str], labels: Sequence[int], seed: int = 0,
                       iterations: int = PAIR_ITERATIONS, max_pairs: int | None = None) -> FinetunedEmbedder:
    """A fine-tuned copy of ``embedder``'s model (a ``SentenceTransformerEmbedder``); it is left unchanged."""
    import torch
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.sentence_transformer.losses import CosineSimilarityLoss

    path = getattr(embedder, "model_path", None)
    if path is None:
        raise ValueError("fine-tuning needs a sentence-transformers embedder with a model_path")
    if len(set(labels)) < 2:
        raise ValueError("fine-tuning needs examples of at least two labels")
    start = time.perf_counter()
    torch.manual_seed(seed)
    model = SentenceTransformer(str(path), device=getattr(embedder, "device", "cpu"), local_files_only=True)
    iterations = max(1, min(iterations, (max_pairs or MAX_PAIRS) // max(1, 2 * len(texts))))
    first, second, target = contrastive_pairs(texts, labels, iterations, seed)
    data = Dataset.from_dict({"sentence1": first, "sentence2": second, "label": target})
    with tempfile.TemporaryDirectory(prefix="aisle-setfit-") as out:
        args = SentenceTransformerTrainingArguments(
            output_dir=out, num_train_epochs=1, per_device_train_batch_size=BATCH_SIZE,
            learning_rate=LEARNING_RATE, warmup_steps=0.1, save_strategy="no", report_to=[], seed=seed,
            disable_tqdm=True, logging_strategy="no", use_cpu=not torch.cuda.is_available())
        trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=data,
                                             loss=CosineSimilarityLoss(model))
        trainer.train()
    model.eval()
    return FinetunedEmbedder(model, time.perf_counter() - start, len(first))
