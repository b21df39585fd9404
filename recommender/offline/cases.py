"""File formats of ``aisle recommender evaluate --items ITEMS --train TRAIN --test TEST``.

ITEMS holds one ``EvalItem`` per row; TRAIN and TEST hold one ``NextItemCase`` per row: a
shopper's history (oldest first) and the item they chose next. Files are JSONL or CSV, read with
``knowledge.importers.read_records``; unknown columns are ignored. In CSV, ``history`` is one cell
of ids separated by ``;`` (as ``tags`` in store imports), e.g. ``U1,P3;P7;P2,P9``.

Unlike a store import, which keeps the good rows, an evaluation file with any bad row is rejected
whole (``ImportFileError`` naming the file and the first bad lines): a score measured on a
silently shortened test set would not be comparable with earlier runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from knowledge.errors import ImportFileError
from knowledge.importers import ImportResult, read_records

TEXT_LIMIT = 600  # characters of item text handed to a scorer
SHOWN_ERRORS = 3  # bad lines named in the rejection message

NonEmptyId = Annotated[str, Field(min_length=1)]
RecordT = TypeVar("RecordT", bound=BaseModel)


class EvalItem(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, coerce_numbers_to_str=True)

    id: NonEmptyId
    title: str
    description: str = ""
    brand: str = ""
    category: str = ""

    def text(self, limit: int = TEXT_LIMIT) -> str:
        """Title, brand, category and description as sentences, skipping empty ones, cut to ``limit``.

        >>> EvalItem(id="1", title="Claw hammer", brand="Stanley", description="Steel head.").text()
        'Claw hammer. Stanley. Steel head.'
        """
        parts = [p for p in (self.title, self.brand, self.category, self.description) if p]
        last = len(parts) - 1
        text = " ".join(p if i == last or p.endswith((".", "!", "?")) else p + "." for i, p in enumerate(parts))
        if len(text) <= limit:
            return text
        cut = text[:limit]
        space = cut.rfind(" ")
        return (cut[:space] if space > limit // 2 else cut).rstrip(" .,;")


class NextItemCase(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, coerce_numbers_to_str=True)

    user_id: str
    history: list[NonEmptyId] = Field(min_length=1)  # item ids, oldest first
    target: NonEmptyId


class _CsvNextItemCase(NextItemCase):
    """A CSV row: ``history`` arrives as one ``;``-separated cell."""

    @field_validator("history", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(";") if part.strip()]
        return value


def _reject_if_bad(result: ImportResult[RecordT], what: str) -> None:
    if not result.errors and result.records:
        return
    if not result.errors:
        raise ImportFileError(f"{result.path}: no {what} found; the file is empty.")
    errors = sorted(result.errors, key=lambda e: e.line)
    shown = "; ".join(str(e) for e in errors[:SHOWN_ERRORS])
    more = f" (and {len(errors) - SHOWN_ERRORS} more bad lines)" if len(errors) > SHOWN_ERRORS else ""
    raise ImportFileError(f"{result.path}: {shown}{more}. Fix these lines; the whole file was rejected.")


def load_items(path: str | Path) -> dict[str, EvalItem]:
    """Every item of an evaluation items file by id; any bad or duplicate row rejects the file."""
    result = read_records(path, EvalItem)
    _reject_if_bad(result, "items")
    return {item.id: item for item in result.records}


def _unknown_ids(items: Mapping[str, EvalItem]) -> Callable[[NextItemCase], str | None]:
    def check(case: NextItemCase) -> str | None:
        for item_id in case.history:
            if item_id not in items:
                return f"unknown item id {item_id!r} in history"
        if case.target not in items:
            return f"unknown item id {case.target!r} as target"
        return None

    return check


def load_cases(path: str | Path, items: Mapping[str, EvalItem]) -> list[NextItemCase]:
    """Every next-item case of a train/test file, in file order; all ids must be in ``items``.

    A target that also appears in the history (a repeat purchase) is allowed.
    """
    path = Path(path)
    model = _CsvNextItemCase if path.suffix.lower() == ".csv" else NextItemCase
    result: ImportResult[NextItemCase] = read_records(path, model)
    result.reject(_unknown_ids(items))
    _reject_if_bad(result, "cases")
    return [NextItemCase.model_validate(case.model_dump()) for case in result.records]

