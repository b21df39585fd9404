"""Every name the app imports from a third-party library exists in the installed release.

Most of these imports sit inside functions (heavy libraries load lazily), so the fast tier would not
notice a release that moved one, e.g. ``sentence_transformers.sentence_transformer.losses`` (new in
sentence-transformers 6). Read from the source itself, and run by `make test-floors` on each direct
dependency's floor, this is what keeps pyproject.toml's floors honest. One subprocess: the heavy
imports stay out of the test process.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("aisle", "assistant", "knowledge", "recommender", "ui")
PROBE = """
import importlib, json, sys
missing = []
for target in json.loads(sys.stdin.read()):
    module, _, name = target.partition(":")
    try:
        imported = importlib.import_module(module)
        if name and not hasattr(imported, name):
            importlib.import_module(f"{module}.{name}")  # a submodule: `from package import module`
    except Exception as error:
        missing.append(f"{target}: {type(error).__name__}: {error}")
print(json.dumps(missing))
"""


def _third_party(module: str) -> bool:
    top = module.split(".")[0]
    return top not in PACKAGES and top not in sys.stdlib_module_names and top != "__future__"


def third_party_imports() -> dict[str, str]:
    """``module`` or ``module:name`` -> the first file importing it, for every third-party import."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            where = str(path.relative_to(REPO))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and _third_party(node.module):
                    for alias in node.names:
                        found.setdefault(f"{node.module}:{alias.name}", where)
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        if _third_party(alias.name):
                            found.setdefault(alias.name, where)
    return found


def test_the_source_imports_the_libraries_it_is_known_to_use() -> None:
    modules = {target.split(":")[0].split(".")[0] for target in third_party_imports()}
    assert {"torch", "transformers", "sentence_transformers", "gradio", "chromadb", "langchain_core"} <= modules


def test_every_third_party_name_the_app_imports_exists() -> None:
    imports = third_party_imports()
    probe = subprocess.run([sys.executable, "-c", PROBE], input=json.dumps(sorted(imports)), cwd=REPO,
                           env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
                           capture_output=True, text=True, timeout=600, check=False)
    assert probe.returncode == 0, probe.stderr[-3000:]
    missing = json.loads(probe.stdout.strip().splitlines()[-1])
    assert missing == [], "\n".join(f"{line} (imported by {imports[line.split(': ')[0]]})" for line in missing)
