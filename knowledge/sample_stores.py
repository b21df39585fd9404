"""The sample stores bundled with Aisle, for ``aisle demo --store NAME`` and for the tests.

Each is a folder of the files a store owner imports (``knowledge/IMPORT_FORMAT.md``): catalog, FAQ,
customers, orders, interactions and a policy file. They differ in shape on purpose (categories,
currency, order numbers, policy), so a feature that passes on both is not a feature of one store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
FILES = ("catalog", "faq", "customers", "orders", "interactions")


@dataclass(frozen=True)
class SampleStore:
    key: str  # what ``aisle demo --store`` takes
    name: str  # the store's name, as the assistant says it
    folder: Path

    def paths(self) -> dict[str, Path | None]:
        """The import files, as ``Services.ingest`` takes them (``policy`` included)."""
        paths: dict[str, Path | None] = {kind: self.folder / f"{kind}.jsonl" for kind in FILES}
        paths["policy"] = self.folder / "policy.toml"
        return paths


SAMPLE_STORES = {
    "maple-main": SampleStore("maple-main", "Maple & Main", HERE / "demo_store"),
    "kestrel": SampleStore("kestrel", "Kestrel Supply", HERE / "kestrel_store"),
}
DEFAULT_STORE = "maple-main"


def sample_store(key: str) -> SampleStore:
    try:
        return SAMPLE_STORES[key]
    except KeyError:
        raise KeyError(f"no sample store {key!r}; choose one of: {', '.join(SAMPLE_STORES)}") from None
