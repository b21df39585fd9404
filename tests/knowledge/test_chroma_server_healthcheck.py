"""compose.yaml's health check of its Chroma server asks for a path a real ``chroma run`` answers."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "compose.yaml"


def test_the_compose_chroma_health_check_is_answered(shared_chroma_url: str) -> None:
    chroma = yaml.safe_load(COMPOSE.read_text())["services"]["chroma"]
    route = re.search(r"http://127\.0\.0\.1:\d+(/[\w/]+)", " ".join(chroma["healthcheck"]["test"]))
    assert route is not None
    with urllib.request.urlopen(shared_chroma_url + route.group(1), timeout=10) as response:
        assert response.status == 200
