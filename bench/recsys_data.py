"""Convert the public ``recsys_industrial`` next-item data set into Aisle's evaluation files.

Source (``../shared/datasets/recsys_industrial/`` beside the repo, never copied into it):
``items.json`` maps an integer id (as a string) to ``{title, description, brand, categories}``,
where ``description`` is a Python-list string such as ``"['<br />Text', 'More']"``;
``valid.csv`` and ``test.csv`` have one row per case with ``user_id``, ``history_item_id`` (a
Python-list string of ints, oldest first) and ``item_id`` (the next item), plus title and
semantic-id columns that are not needed.

Output (the format of ``recommender/offline/cases.py``): ``items.jsonl``, ``train.jsonl`` (from
``valid.csv``) and ``test.jsonl`` (from ``test.csv``).

Run: ``python bench/recsys_data.py`` converts into ``bench/results/recsys_industrial/`` (git
ignores it) and prints the counts as JSON.
"""

from __future__ import annotations

import ast
import csv
import html
import json
import re
import sys
from pathlib import Path
from typing import Any

SOURCE = Path("shared") / "datasets" / "recsys_industrial"  # relative to the repo's parent folder
SOURCE_FILES = ("items.json", "valid.csv", "test.csv")
SPLITS = {"train": "valid.csv", "test": "test.csv"}

_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_SPACE = re.compile(r"\s+")


def dataset_dir(repo_root: Path) -> Path | None:
    """The source folder beside the repo when all its files are there, else None (skip the benchmark)."""
    folder = Path(repo_root).resolve().parent / SOURCE
    return folder if all((folder / name).is_file() for name in SOURCE_FILES) else None


def _list_cell(text: str) -> list[Any] | None:
    """A Python-list string as a list, or None when it is not one."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, list) else None


def plain_text(raw: str) -> str:
    """A list-string description as one line of text: parts joined by spaces, HTML tags removed.

    A few descriptions are not valid Python literals (unescaped quotes inside); their list
    punctuation is stripped instead.

    >>> plain_text("['<br />Steel head,', 'rubber grip &amp; hook']")
    'Steel head, rubber grip & hook'
    """
    raw = raw.strip()
    parts = _list_cell(raw)
    if parts is not None:
        text = " ".join(str(p) for p in parts)
    else:
        text = raw
        if text.startswith("[") and text.endswith("]"):
            text = re.sub(r"""['"],\s*['"]""", " ", text[1:-1].strip()[1:-1])
        text = text.replace("\\n", " ").replace("\\'", "'").replace('\\"', '"')
    text = html.unescape(_TAG.sub(" ", text))
    return _SPACE.sub(" ", text).strip()


def _item(item_id: str, raw: dict[str, Any]) -> dict[str, str]:
    categories = raw.get("categories") or ""
    listed = _list_cell(categories) if isinstance(categories, str) else categories
    category = ", ".join(str(c) for c in listed) if isinstance(listed, list) else str(categories)
    return {"id": item_id, "title": _SPACE.sub(" ", str(raw.get("title") or "")).strip(),
            "brand": str(raw.get("brand") or "").strip(), "category": category.strip(),
            "description": plain_text(str(raw.get("description") or ""))}


def _cases(csv_path: Path) -> list[dict[str, Any]]:
    cases = []
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            history = _list_cell(row["history_item_id"])
            if history is None:
                raise ValueError(f"{csv_path}: row {line}: history_item_id is not a list")
            cases.append({"user_id": row["user_id"], "history": [str(i) for i in history],
                          "target": str(row["item_id"]).strip()})
    return cases


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def convert(src_dir: Path, out_dir: Path) -> dict[str, Path]:
    """Write ``items.jsonl``, ``train.jsonl`` and ``test.jsonl`` into ``out_dir``; return their paths."""
    src_dir, out_dir = Path(src_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    raw_items = json.loads((src_dir / "items.json").read_text(encoding="utf-8"))
    ids = sorted(raw_items, key=lambda k: (0, int(k)) if k.isdigit() else (1, k))
    paths = {"items": out_dir / "items.jsonl"}
    _write_jsonl(paths["items"], [_item(i, raw_items[i]) for i in ids])
    for split, source in SPLITS.items():
        paths[split] = out_dir / f"{split}.jsonl"
        _write_jsonl(paths[split], _cases(src_dir / source))
    return paths


def main() -> int:
    repo = Path(__file__).resolve().parents[1]
    src = dataset_dir(repo)
    if src is None:
        print(f"recsys_industrial data set not found at {repo.parent / SOURCE}; skipping.", file=sys.stderr)
        return 0
    paths = convert(src, repo / "bench" / "results" / "recsys_industrial")
    counts = {name: sum(1 for line in path.open(encoding="utf-8") if line.strip()) for name, path in paths.items()}
    print(json.dumps({"source": str(src), "out": str(paths["items"].parent), **counts}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
