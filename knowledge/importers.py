"""Read JSONL or CSV files of store records, keeping good rows and reporting bad ones by line.

A malformed row never stops an import: it is listed with its line number and reason and the
rest of the file is kept, so a store owner can fix the few bad lines and re-run.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from knowledge.errors import ImportFileError

RecordT = TypeVar("RecordT", bound=BaseModel)

# CSV cells holding structured values: JSON for objects/lists of objects, ';' for simple lists.
_JSON_COLUMNS = {"attributes", "variants", "items"}
_LIST_COLUMNS = {"tags"}
MAX_FILE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportResult(Generic[RecordT]):
    path: Path
    records: list[RecordT] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # source line of each record
    errors: list[RowError] = field(default_factory=list)

    def reject(self, keep: Callable[[RecordT], str | None]) -> None:
        """Move records for which ``keep`` returns a reason into the errors, with their lines."""
        records, lines = [], []
        for record, line in zip(self.records, self.lines, strict=True):
            reason = keep(record)
            if reason is None:
                records.append(record)
                lines.append(line)
            else:
                self.errors.append(RowError(line, reason))
        self.records, self.lines = records, lines
        self.errors.sort(key=lambda e: e.line)


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "row"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def _csv_rows(handle: Any) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Rows as dicts with the line each row *starts* on (a quoted cell may span lines)."""
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        return
    end = reader.line_num
    for cells in reader:
        line, end = end + 1, reader.line_num
        if not cells:
            continue  # blank line
        try:
            if len(cells) > len(header):
                raise ValueError("more cells than header columns")
            parsed: dict[str, Any] = {}
            for key, value in zip(header, cells, strict=False):
                if value == "":
                    continue
                if key in _JSON_COLUMNS:
                    parsed[key] = json.loads(value)
                elif key in _LIST_COLUMNS:
                    parsed[key] = [v.strip() for v in value.split(";") if v.strip()]
                else:
                    parsed[key] = value
            yield line, parsed
        except (ValueError, json.JSONDecodeError) as exc:
            yield line, f"cannot parse cell: {exc}"


def _jsonl_rows(handle: Any) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for line, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield line, f"invalid JSON: {exc.msg} (column {exc.colno})"
            continue
        yield line, value if isinstance(value, dict) else "expected a JSON object"


def read_records(path: str | Path, model: type[RecordT]) -> ImportResult[RecordT]:
    """Validate every row of ``path`` (``.jsonl``/``.json`` lines or ``.csv``) against ``model``.

    >>> from knowledge.schemas import FaqEntry
    >>> read_records("faq.jsonl", FaqEntry).errors  # doctest: +SKIP
    [RowError(line=7, message='updated: Input should be a valid date')]
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file. Check the path you passed.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFileError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MiB; split it into parts.")
    suffix = path.suffix.lower()
    if suffix not in {".jsonl", ".json", ".ndjson", ".csv"}:
        raise ImportFileError(f"{path}: unsupported file type {suffix!r}; use .jsonl or .csv.")
    result: ImportResult[RecordT] = ImportResult(path=path)
    seen_ids: dict[str, int] = {}
    try:
        # utf-8-sig: spreadsheet exports ("CSV UTF-8") start with a byte-order mark
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = _csv_rows(handle) if suffix == ".csv" else _jsonl_rows(handle)
            for line, row in rows:
                if isinstance(row, str):
                    result.errors.append(RowError(line, row))
                    continue
                try:
                    record = model.model_validate(row)
                except ValidationError as exc:
                    result.errors.append(RowError(line, _describe(exc)))
                    continue
                record_id = getattr(record, "id", None)
                if record_id is not None:
                    if record_id in seen_ids:
                        result.errors.append(
                            RowError(line, f"duplicate id {record_id!r} (first on line {seen_ids[record_id]})")
                        )
                        continue
                    seen_ids[record_id] = line
                result.records.append(record)
                result.lines.append(line)
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path}: not UTF-8 text ({exc.reason}); re-save it as UTF-8.") from exc
    return result
