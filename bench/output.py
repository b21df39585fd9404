"""How every benchmark reports: its JSON summary written to a results file and printed."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any


def emit(result: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=2)
    out.write_text(text)
    print(text)


def percentiles(seconds: list[float], digits: int = 2) -> dict[str, float]:
    """p50/p95 of durations given in seconds, in milliseconds, with the sample count."""
    ordered = sorted(seconds) or [0.0]
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, digits), "p95_ms": round(p95 * 1000, digits),
            "n": len(seconds)}
