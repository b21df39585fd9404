"""Importing the app's modules stays light: heavy ML / UI libraries load only when a model is used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "gradio", "chromadb", "sentence_transformers")
MODULES = ("assistant", "assistant.chat", "aisle.cli", "knowledge", "knowledge.retrieval.search", "recommender",
           "recommender.ranker")
PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
heavy = sys.argv[2].split(",")
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & set(heavy))))
"""


def _python(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.mark.parametrize("module", MODULES)
def test_import_does_not_load_heavy_libraries(module: str) -> None:
    result = _python("-c", PROBE, module, ",".join(HEAVY))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_probe_detects_a_heavy_import() -> None:
    """The check above can fail: importing a module that needs numpy shows numpy in sys.modules."""
    result = _python("-c", PROBE, "assistant.intents.classifier", "numpy")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ["numpy"]


def test_cli_help_is_fast() -> None:
    start = time.monotonic()
    result = _python("-m", "aisle.cli", "--help", timeout=30)
    elapsed = time.monotonic() - start
    assert result.returncode == 0, result.stderr
    for command in ("ingest", "demo", "chat", "serve"):
        assert command in result.stdout
    assert elapsed < 10, f"`aisle --help` took {elapsed:.1f} s"
