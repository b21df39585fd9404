"""Bring a store's files into the database and the vector index, reporting counts and bad rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from knowledge.database import StoreDatabase, SyncCounts
from knowledge.importers import ImportResult, RowError, read_records
from knowledge.retrieval import FAQ, PRODUCTS, current_faq, faq_record, product_record
from knowledge.schemas import Customer, FaqEntry, Interaction, Order, Product
from knowledge.vector_index import VectorIndex


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
        return out


def _check_refs(result: ImportResult, known: set[str], attr: str, what: str) -> None:
    """Reject rows that reference an unknown id, keeping their line numbers."""

    def reason(record: object) -> str | None:
        ref = getattr(record, attr)
        return None if ref in known else f"{attr} {ref!r} is not a known {what}"

    result.reject(reason)


def ingest_files(
    db: StoreDatabase,
    catalog: Path | None = None,
    faq: Path | None = None,
    customers: Path | None = None,
    orders: Path | None = None,
    interactions: Path | None = None,
) -> IngestReport:
    """Validate each given file and store its good rows; the vector index is synced separately."""
    report = IngestReport()
    if catalog is not None:
        res = read_records(catalog, Product)
        report.files.append(FileReport("catalog", res.path, len(res.records), res.errors, db.sync_products(res.records)))
    if faq is not None:
        res_faq = read_records(faq, FaqEntry)
        report.files.append(FileReport("faq", res_faq.path, len(res_faq.records), res_faq.errors, db.sync_faq(res_faq.records)))
    if customers is not None:
        res_c = read_records(customers, Customer)
        report.files.append(FileReport("customers", res_c.path, len(res_c.records), res_c.errors, db.upsert_customers(res_c.records)))
    known_customers = {c.id for c in db.customers()}
    if orders is not None:
        res_o = read_records(orders, Order)
        _check_refs(res_o, known_customers, "customer_id", "customer")
        report.files.append(FileReport("orders", res_o.path, len(res_o.records), res_o.errors, db.upsert_orders(res_o.records)))
    if interactions is not None:
        res_i = read_records(interactions, Interaction)
        _check_refs(res_i, known_customers, "customer_id", "customer")
        _check_refs(res_i, {p.id for p in db.products()}, "product_id", "product")
        report.files.append(FileReport("interactions", res_i.path, len(res_i.records), res_i.errors, db.add_interactions(res_i.records)))
    return report


def sync_index(db: StoreDatabase, index: VectorIndex, progress: bool = True) -> dict[str, SyncCounts]:
    """Make the vector index match the database (the database is the source of truth)."""
    return {
        PRODUCTS: index.sync(PRODUCTS, [product_record(p) for p in db.products()], progress=progress),
        FAQ: index.sync(FAQ, [faq_record(e) for e in current_faq(db.faq_entries())], progress=progress),
    }
