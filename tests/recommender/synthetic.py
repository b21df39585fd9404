"""A tiny next-item world with a clear structure: items come in families, and shoppers move along
a family's chain (k → k+1). Used to check that each recommender part learns what it should."""

from __future__ import annotations

import random

FAMILIES = {
    "drill": "cordless drill driver bits battery",
    "glue": "super glue epoxy adhesive bond",
    "filament": "3d printer pla filament spool",
    "solder": "solder wire flux iron electronics",
    "tape": "masking tape painter adhesive roll",
    "valve": "brass ball valve plumbing pipe",
}
CHAIN = 5


def item_id(family: str, k: int) -> str:
    return f"{family}-{k}"


def items() -> list[dict[str, str]]:
    return [{"id": item_id(f, k), "title": f"{f.title()} item {k}", "description": f"{words} model {k}"}
            for f, words in FAMILIES.items() for k in range(CHAIN)]


def cases(n: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    out = []
    for u in range(n):
        family = rng.choice(list(FAMILIES))
        start = rng.randrange(0, CHAIN - 2)
        length = rng.randint(1, CHAIN - 1 - start)
        history = [item_id(family, k) for k in range(start, start + length)]
        out.append({"user_id": f"U{seed}-{u}", "history": history, "target": item_id(family, start + length)})
    return out
