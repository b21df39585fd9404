"""Generic out-of-scope messages bundled with Aisle (``out_of_scope.txt``), for intent files without any.

A store's own intents file rarely has out-of-scope rows, yet real traffic has many. The bundled
messages (written for Aisle: chit-chat, general knowledge, other businesses' services, chores,
nonsense) stand in for them. A store may own one of those topics (a bank's file has balance
questions), so the messages close to the file's own examples are dropped first: a message is
*claimed* by the file when its best cosine similarity to the file's examples reaches the
``CLAIM_QUANTILE`` quantile of how close the file's examples are to their own label's other
examples (leave-one-out). What is left is the file's "everything else".
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

BUNDLED = Path(__file__).with_name("out_of_scope.txt")
CLAIM_QUANTILE = 0.1  # closer to the file than 90% of its examples are to their own label: the file's topic


@lru_cache(maxsize=1)
def bundled_out_of_scope() -> tuple[str, ...]:
    """The bundled messages, one a line; ``#`` lines are comments."""
    lines = BUNDLED.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


def claim_level(vectors: np.ndarray, ids: np.ndarray, quantile: float = CLAIM_QUANTILE) -> float:
    """The similarity at which a message counts as one of this file's topics (see the module docstring).
    ``vectors``: the file's in-scope examples (L2-normalised), ``ids``: their labels."""
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    same = [sims[i, ids == ids[i]].max() for i in range(len(ids)) if (ids == ids[i]).sum() > 1]
    if same:
        return float(np.quantile(same, quantile))
    other = [sims[i, ids != ids[i]].max() for i in range(len(ids))]  # one example a label: as close as
    return float(np.median(other))  # its labels are to each other


def unclaimed(negatives: np.ndarray, vectors: np.ndarray, ids: np.ndarray,
              quantile: float = CLAIM_QUANTILE) -> np.ndarray:
    """Which ``negatives`` (vectors) this file does not claim: a boolean mask."""
    if not len(negatives) or not len(vectors):
        return np.ones(len(negatives), dtype=bool)
    return (negatives @ vectors.T).max(axis=1) < claim_level(vectors, ids, quantile)
