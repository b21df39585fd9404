"""Bring a store's files into the database and the vector index, reporting counts and bad rows."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from knowledge.errors import ImportFileError
from knowledge.importers import ImportResult, RowError, read_records
from knowledge.order_shapes import META_KEY as SHAPES_KEY
from knowledge.order_shapes import dump_shapes, learn_shapes
from knowledge.retrieval.index import ProductIndex
from knowledge.retrieval.lexical import LexicalIndex
from knowledge.retrieval.search import (
    FAQ,
    FAQ_CHUNKS,
    PRODUCTS,
    current_faq,
    faq_chunk_records,
    faq_record,
    product_record,
)
from knowledge.schemas import Customer, FaqEntry, Interaction, Order, Product
from knowledge.store.database import StoreDatabase, SyncCounts
from knowledge.store.store_lock import (
    MARKER_FILE,
    IngestRunning,
    clear_in_progress,
    ingest_lock,
    interrupted,
    mark_in_progress,
)
from knowledge.store_policy import META_KEY as POLICY_KEY
from knowledge.store_policy import PolicyFileError, StorePolicy, read_policy, stored_policy


@dataclass
class FileReport:
    kind: str
    path: Path
    rows_ok: int
    errors: list[RowError]
    stored: SyncCounts | int

    def summary(self) -> str:
        stored = self.stored
        if isinstance(stored, SyncCounts):
            what = (f"{stored.added} added, {stored.updated} updated, "
                    f"{stored.deleted} deleted, {stored.unchanged} unchanged")
        else:
            what = f"{stored} stored"
        bad = f", {len(self.errors)} bad rows" if self.errors else ""
        return f"{self.kind}: {self.rows_ok} rows read ({what}){bad} from {self.path}"


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    index: dict[str, SyncCounts] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # about the store as a whole (its policy, …)

    @property
    def errors(self) -> list[tuple[str, RowError]]:
        return [(str(f.path), e) for f in self.files for e in f.errors]

    def lines(self) -> list[str]:
        out = [f.summary() for f in self.files]
        out += [f"  {f.path}: {e}" for f in self.files for e in f.errors[:50]]
        out += [
            f"index {name}: {c.added} added, {c.updated} updated, {c.deleted} deleted, {c.unchanged} unchanged"
            for name, c in self.index.items()
        ]
        return out + self.notes


def _check_refs(result: ImportResult, known: set[str], attr: str, what: str) -> None:
    """Reject rows that reference an unknown id, keeping their line numbers."""

    def reason(record: object) -> str | None:
        ref = getattr(record, attr)
        return None if ref in known else f"{attr} {ref!r} is not a known {what}"

    result.reject(reason)


def _read_all(paths: dict[str, Path | None]) -> dict[str, ImportResult]:
    """Validate every given file before anything is written: a missing or unreadable file
    stops the whole import with the store untouched."""
    models: dict[str, type[BaseModel]] = {"catalog": Product, "faq": FaqEntry, "customers": Customer,
                                          "orders": Order, "interactions": Interaction}
    results: dict[str, ImportResult] = {
        kind: read_records(path, models[kind]) for kind, path in paths.items() if path is not None
    }
    for kind in ("catalog", "faq"):
        res = results.get(kind)
        if res is not None and res.errors and not res.records:
            raise ImportFileError(
                f"{res.path}: no valid rows (first problem: {res.errors[0]}); nothing was changed."
            )
    return results


# Changed by every ingest: the store's other Aisle processes reload what they derived from the data
# when they see it change (``aisle/background_scorer.py``, ``ScorerWatch``).
DATA_VERSION_KEY = "data_version"

DEFAULT_POLICY_NOTE = ("policy: none given, so the default applies: orders can be cancelled until they ship; "
                       "address changes, returns and exchanges go to your team as tickets. Give the store's "
                       "own rules with --policy FILE (see knowledge/IMPORT_FORMAT.md).")


def _policy_after(db: StoreDatabase, policy: Path | None, results: dict[str, ImportResult]) -> StorePolicy | None:
    """The policy the store will have after this import (the given file, else the stored one), checked
    against the FAQ and catalog it will have: a misfit stops the import before anything is written.
    None when neither a policy file nor a stored policy exists."""
    raw = db.meta(POLICY_KEY)
    if policy is None and raw is None:
        return None
    chosen = read_policy(policy) if policy is not None else stored_policy(raw)
    faq, catalog = results.get("faq"), results.get("catalog")
    if policy is None and faq is None and catalog is None:
        return chosen  # the stored policy was checked against this FAQ and catalog when they came in
    # a file with bad rows deletes nothing (see ``ingest_files``): the stored records stay beside its rows
    entries = faq.records + (db.faq_entries() if faq.errors else []) if faq is not None else db.faq_entries()
    categories = db.categories() if catalog is None or catalog.errors else set()
    categories |= {p.category for p in catalog.records} if catalog is not None else set()
    problems = chosen.problems([e.id for e in current_faq(entries)], categories)
    if problems:
        source = str(policy) if policy is not None else "the store's policy (given earlier with --policy)"
        raise PolicyFileError(f"{source} does not fit the store's data; nothing was changed:\n  "
                              + "\n  ".join(problems))
    return chosen


def ingest_files(
    db: StoreDatabase,
    catalog: Path | None = None,
    faq: Path | None = None,
    customers: Path | None = None,
    orders: Path | None = None,
    interactions: Path | None = None,
    policy: Path | None = None,
) -> IngestReport:
    """Validate each given file and store its good rows; the vector index is synced separately.

    Catalog and FAQ files are the full truth: ids absent from them are deleted, except when the
    file has bad rows (a malformed row must not delete the product it meant to update). The policy
    is checked against the FAQ and catalog the store will have before anything is written.
    """
    results = _read_all({"catalog": catalog, "faq": faq, "customers": customers, "orders": orders,
                         "interactions": interactions})
    chosen = _policy_after(db, policy, results)
    report = IngestReport()

    def add(kind: str, res: ImportResult, stored: SyncCounts | int) -> None:
        report.files.append(FileReport(kind, res.path, len(res.records), res.errors, stored))

    if (res := results.get("catalog")) is not None:
        add("catalog", res, db.sync_products(res.records, delete_absent=not res.errors))
    if (res := results.get("faq")) is not None:
        add("faq", res, db.sync_faq(res.records, delete_absent=not res.errors))
    if (res := results.get("customers")) is not None:
        add("customers", res, db.upsert_customers(res.records))
    known_customers = {c.id for c in db.customers()}
    if (res := results.get("orders")) is not None:
        _check_refs(res, known_customers, "customer_id", "customer")
        add("orders", res, db.upsert_orders(res.records))
        db.set_meta(SHAPES_KEY, dump_shapes(learn_shapes(db.order_ids())))
    if (res := results.get("interactions")) is not None:
        _check_refs(res, known_customers, "customer_id", "customer")
        _check_refs(res, {p.id for p in db.products()}, "product_id", "product")
        add("interactions", res, db.add_interactions(res.records))
    if policy is not None and chosen is not None:
        db.set_meta(POLICY_KEY, chosen.to_json())
        report.notes.append(f"policy: {policy} stored")
    elif chosen is None:
        report.notes.append(DEFAULT_POLICY_NOTE)
    return report


def sync_index(db: StoreDatabase, index: ProductIndex, progress: bool = True,
               lexical_path: Path | None = None) -> dict[str, SyncCounts]:
    """Make the vector index (and the BM25 index at ``lexical_path``, rebuilt when the catalog
    changed) match the database (the database is the source of truth). FAQ entries are indexed
    whole and as section chunks, current entries only."""
    products = [product_record(p) for p in db.products()]
    faq = current_faq(db.faq_entries())
    counts = {
        PRODUCTS: index.sync(PRODUCTS, products, progress=progress),
        FAQ: index.sync(FAQ, [faq_record(e) for e in faq], progress=progress),
        FAQ_CHUNKS: index.sync(FAQ_CHUNKS, [r for e in faq for r in faq_chunk_records(e)], progress=progress),
    }
    if lexical_path is not None:
        LexicalIndex.open(lexical_path, products)
    return counts


def expected_index(db: StoreDatabase) -> dict[str, dict[str, str]]:
    """What each collection must hold for the database as it is: id -> content hash."""
    faq = current_faq(db.faq_entries())
    return {
        PRODUCTS: {r.id: r.content_hash for r in map(product_record, db.products())},
        FAQ: {e.id: faq_record(e).content_hash for e in faq},
        FAQ_CHUNKS: {r.id: r.content_hash for e in faq for r in faq_chunk_records(e)},
    }


def index_mismatches(db: StoreDatabase, index: ProductIndex) -> dict[str, int]:
    """Per collection, how many ids are missing, stale (other hash) or extra in the index: {} when
    the index and the database agree."""
    out = {}
    for name, want in expected_index(db).items():
        have = index.hashes(name)
        bad = sum(1 for i, h in want.items() if have.get(i) != h) + sum(1 for i in have if i not in want)
        if bad:
            out[name] = bad
    return out


def ingest_store(db: StoreDatabase, index: ProductIndex, data_dir: Path, paths: Mapping[str, Path | None],
                 lexical_path: Path | None = None, wait: float = 0.0, progress: bool = False) -> IngestReport:
    """``ingest_files`` then ``sync_index`` under the store's writer lock, with the in-progress marker
    around the writes (see ``knowledge/store/store_lock.py``): a second ingest fails with ``IngestRunning``
    (or waits ``wait`` s), and a kill midway is repaired at the next open (``recover``)."""
    with ingest_lock(data_dir, timeout=wait):
        mark_in_progress(data_dir)
        try:
            report = ingest_files(db, **paths) if any(paths.values()) else IngestReport()
        except Exception:
            # a refused file or a failed transaction: whatever was committed before is indexed
            sync_index(db, index, progress=False, lexical_path=lexical_path)
            clear_in_progress(data_dir)
            db.set_meta(DATA_VERSION_KEY, uuid.uuid4().hex)
            raise
        report.index = sync_index(db, index, progress=progress, lexical_path=lexical_path)
        clear_in_progress(data_dir)
        db.set_meta(DATA_VERSION_KEY, uuid.uuid4().hex)
    return report


def recover(db: StoreDatabase, index: ProductIndex, data_dir: Path, lexical_path: Path | None = None) -> dict[str, SyncCounts] | None:
    """If an ingest was killed midway (its marker is left and no ingest runs), bring the indexes back
    in line with the database and return what the re-sync changed; None when there was nothing to
    do. An index that fails to read is dropped collection by collection and rebuilt."""
    if not interrupted(data_dir):
        return None
    try:
        with ingest_lock(data_dir):
            if not (data_dir / MARKER_FILE).exists():
                return None  # another process repaired it first
            try:
                counts = sync_index(db, index, progress=False, lexical_path=lexical_path)
            except Exception:  # noqa: BLE001 - an unreadable index is rebuilt from the source of truth
                for name in (PRODUCTS, FAQ, FAQ_CHUNKS):
                    index.drop(name)
                counts = sync_index(db, index, progress=False, lexical_path=lexical_path)
            clear_in_progress(data_dir)
            return counts
    except IngestRunning:
        return None  # an ingest started meanwhile: it syncs the index itself
