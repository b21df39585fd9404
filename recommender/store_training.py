"""Retrain a store's interest scorer and check it: fine-tune the cross-encoder on the interaction
log of most customers, then validate the chat's ranking on the held-out ones. The scorer's card
records which scorer won and the blend weights the chat then uses (``store_validation.chosen_weights``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from knowledge.catalog import Catalog
from knowledge.retrieval.search import Retriever
from knowledge.schemas import Interaction
from recommender.cross_encoder import update_card
from recommender.onnx_scorer import OnnxCrossEncoderScorer
from recommender.scorer import EmbeddingInterestScorer, InterestScorer
from recommender.store_candidates import HistoryCandidates
from recommender.store_scorer import (
    CrossEncoderInterestScorer,
    customer_sequences,
    next_item_cases,
    split_customers,
    train_store_scorer,
)
from recommender.store_validation import validate

# The chat's scorer re-scores only the first stage's best candidates (relevance and popularity): 10 of
# ~30 with the ONNX int8 scorer ranks 10x faster than PyTorch on all 30 (bench/ranking_latency.py).
RESCORE_TOP = 10


def retrain_and_validate(catalog: Catalog, events: Mapping[str, Sequence[Interaction]], vectors: Mapping[str, np.ndarray],
                         retriever: Retriever, explainer: EmbeddingInterestScorer, popularity: Mapping[str, float],
                         out: Path, base_model: str | Path, max_cases: int = 700, validation_cases: int = 200,
                         progress: bool = True, on_step: Callable[[str, int, int], None] | None = None) -> Path:
    """``events``: each customer's interactions; ``vectors``: every product's stored embedding;
    ``explainer``: the embedding scorer the cross-encoder is compared with; ``on_step(step, done,
    total)``: progress, "fine-tuning" then "validating". Returns ``out``."""
    train_ids, held_out = split_customers(list(events))
    training = {c: events[c] for c in train_ids}
    out = train_store_scorer(catalog, training, vectors, out, base_model, max_cases=max_cases, progress=progress,
                             on_step=on_step)
    candidates = HistoryCandidates(list(customer_sequences(training).values()), vectors)
    cases = next_item_cases({c: events[c] for c in held_out})[:validation_cases]
    scorers: dict[str, InterestScorer] = {"embedding": explainer,
               "cross-encoder": CrossEncoderInterestScorer(OnnxCrossEncoderScorer(out), explainer)}
    result = validate(cases, retriever, scorers, popularity, candidates,
                      prefer_order=("embedding", "cross-encoder"), progress=progress, rescore_top=RESCORE_TOP,
                      on_step=on_step)
    update_card(out, validation=result.to_dict())
    return out
