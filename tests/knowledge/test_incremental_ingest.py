"""Incremental ingest and durability, with the real MiniLM embedder and real Chroma: changed, added and
deleted products are applied without a rebuild; one writer at a time; readers keep searching during
an ingest; an ingest killed with SIGKILL leaves a store that is repaired from the database at open."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from aisle.wiring import Services
from assistant.config import Settings
from knowledge.ingest import expected_index, index_mismatches
from knowledge.retrieval.filters import ProductFilter
from knowledge.retrieval.search import PRODUCTS
from knowledge.store.store_lock import MARKER_FILE, IngestRunning, ingest_lock, ingest_running

pytestmark = pytest.mark.slow  # the real MiniLM embedder

REPO = Path(__file__).resolve().parents[2]
WORDS = ["mug", "kettle", "knife", "skillet", "teapot", "bowl", "ladle", "whisk", "grater", "colander"]


@pytest.fixture(scope="module")
def embedder():
    from knowledge.retrieval.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


def product(pid: str, title: str, price: float, color: str = "red", stock: int = 4) -> dict:
    return {"id": pid, "title": title, "brand": "Acme", "category": "kitchen", "price": price, "stock": stock,
            "attributes": {"color": [color]}, "description": f"{title} for a small test store."}


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def services(data_dir: Path, **kw) -> Services:
    return Services(Settings(data_dir=data_dir, **kw))


def store_agrees(svc: Services) -> None:
    """The database, Chroma and BM25 hold the same products with the same hashes."""
    assert index_mismatches(svc.db, svc.index) == {}
    want = expected_index(svc.db)[PRODUCTS]
    assert svc.index.hashes(PRODUCTS) == want
    svc.reload()
    assert sorted(svc.current.lexical.ids) == sorted(want)


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, base):
        self.base, self.texts = base, 0

    def embed(self, texts):
        self.texts += len(texts)
        return self.base.embed(texts)


def test_changed_added_and_deleted_products_are_applied_incrementally(tmp_path: Path, embedder) -> None:
    rows = [product(f"K{i}", f"Stoneware {w.title()}", 10.0 + i) for i, w in enumerate(WORDS[:5])]
    svc = services(tmp_path / "store")
    svc.embedder = CountingEmbedder(embedder)  # the session's loaded MiniLM, counted
    first = svc.ingest(catalog=write(tmp_path / "a.jsonl", rows))
    assert first.index[PRODUCTS].added == 5
    store_agrees(svc)

    rows[1] = product("K1", "Stoneware Kettle", 99.0)  # price changed
    rows[2] = product("K2", "Stoneware Knife", 12.0, color="blue")  # color (a filter) changed
    del rows[4]  # K4 deleted
    rows.append(product("K9", "Enamel Dutch Oven", 80.0))  # added
    svc.embedder.texts = 0
    bm25_before = (svc.lexical_path / "aisle_ids.json").stat().st_mtime_ns
    report = svc.ingest(catalog=write(tmp_path / "b.jsonl", rows))
    assert report.lines()[0].startswith("catalog: 5 rows read (1 added, 2 updated, 1 deleted, 2 unchanged)")
    assert "index products: 1 added, 2 updated, 1 deleted, 2 unchanged" in report.lines()
    assert svc.embedder.texts == 3  # only the changed and added products were embedded
    assert (svc.lexical_path / "aisle_ids.json").stat().st_mtime_ns != bm25_before  # BM25 follows the catalog
    store_agrees(svc)
    hits = svc.current.retriever.search_products("stoneware knife", ProductFilter(color="blue"), k=5)
    assert [h.product.id for h in hits] == ["K2"]
    assert "K4" not in {h.product.id for h in svc.current.retriever.search_products("stoneware teapot", k=10)}

    # the same file again touches nothing: no embedding, no index write, the BM25 files are kept
    svc.embedder.texts = 0
    bm25_before = (svc.lexical_path / "aisle_ids.json").stat().st_mtime_ns
    again = svc.ingest(catalog=tmp_path / "b.jsonl")
    assert again.lines()[0].startswith("catalog: 5 rows read (0 added, 0 updated, 0 deleted, 5 unchanged)")
    assert "index products: 0 added, 0 updated, 0 deleted, 5 unchanged" in again.lines()
    assert svc.embedder.texts == 0
    assert (svc.lexical_path / "aisle_ids.json").stat().st_mtime_ns == bm25_before
    assert not (svc.settings.data_dir / MARKER_FILE).exists()

    # large catalogs scan the stored vectors in memory under the filter mask: same ranking as Chroma's
    from knowledge.retrieval.search import Retriever

    scan = Retriever(svc.index, svc.current.catalog, [], svc.current.lexical, in_memory_min=0)
    chroma = Retriever(svc.index, svc.current.catalog, [], svc.current.lexical, in_memory_min=10**9)
    for query, flt in [("stoneware mug", ProductFilter()), ("kettle", ProductFilter(color="red", max_price=98)),
                       ("knife", ProductFilter(in_stock_only=True, color="blue")), ("oven", ProductFilter(brand="acme"))]:
        got, want = scan.dense_ids(query, flt, 3), chroma.dense_ids(query, flt, 3)
        assert list(got) == list(want), (query, flt)
        assert all(abs(got[i] - want[i]) < 1e-4 for i in want)
        assert [h.product.id for h in scan.search_products(query, flt, k=3)] == \
            [h.product.id for h in chroma.search_products(query, flt, k=3)]


def test_a_second_writer_is_refused_with_the_holders_pid_or_waits(tmp_path: Path, embedder) -> None:
    data = tmp_path / "store"
    catalog = write(tmp_path / "c.jsonl", [product("K1", "Stoneware Mug", 12.0)])
    svc = services(data)
    svc.embedder = embedder
    with ingest_lock(data):
        assert ingest_running(data)
        with pytest.raises(IngestRunning, match=rf"another ingest is running \(pid {os.getpid()}\)"):
            svc.ingest(catalog=catalog)
        env = {**os.environ, "AISLE_CONFIG": "/nonexistent/aisle.toml", "NO_COLOR": "1"}
        cli = subprocess.run([sys.executable, "-m", "aisle.cli", "ingest", "--catalog", str(catalog),
                              "--data-dir", str(data)], cwd=REPO, env=env, capture_output=True, text=True,
                             timeout=120)
        assert cli.returncode == 1
        assert f"another ingest is running (pid {os.getpid()})" in cli.stderr
    assert not ingest_running(data)

    holder = threading.Thread(target=lambda: _hold(data, 1.0))
    holder.start()
    time.sleep(0.2)
    start = time.monotonic()
    report = svc.ingest(wait=30, catalog=catalog)  # queues behind the holder
    holder.join()
    assert time.monotonic() - start >= 0.5
    assert report.index[PRODUCTS].added == 1


def _hold(data: Path, seconds: float) -> None:
    with ingest_lock(data):
        time.sleep(seconds)


def test_readers_keep_searching_while_an_ingest_runs(tmp_path: Path, embedder) -> None:
    data = tmp_path / "store"
    rows = [product(f"K{i}", f"Stoneware {WORDS[i % 10].title()} {i}", 10.0 + i) for i in range(40)]
    writer = services(data)
    writer.embedder = embedder
    writer.ingest(catalog=write(tmp_path / "a.jsonl", rows))
    reader = services(data)
    reader.embedder = embedder
    assert reader.current.retriever.search_products("stoneware kettle", k=3)

    results: list[int] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def search() -> None:
        while not done.is_set():
            try:
                results.append(len(reader.current.retriever.search_products("stoneware kettle", ProductFilter(color="red"), k=5)))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            reader.reload()  # as after an ingest: catalog and BM25 re-read from the store

    thread = threading.Thread(target=search)
    thread.start()
    try:
        changed = [product(f"K{i}", f"Enamel {WORDS[i % 10].title()} {i}", 20.0 + i, color="red") for i in range(40)]
        changed += [product(f"N{i}", f"Cast Iron {WORDS[i % 10].title()} {i}", 30.0 + i) for i in range(60)]
        report = writer.ingest(catalog=write(tmp_path / "b.jsonl", changed))
    finally:
        done.set()
        thread.join(timeout=60)
    assert report.index[PRODUCTS].updated == 40 and report.index[PRODUCTS].added == 60
    assert not errors, errors[:3]
    assert len(results) >= 3 and all(n > 0 for n in results)
    store_agrees(writer)


KILLED_INGEST = """
import sys
from pathlib import Path
from assistant.config import Settings
from aisle.wiring import Services

services = Services(Settings(data_dir=Path(sys.argv[1])))
embed = services.embedder.embed
def announce(texts):
    vectors = embed(texts)
    print("embedded", len(texts), flush=True)
    return vectors
services.embedder.embed = announce
services.ingest(catalog=Path(sys.argv[2]))
print("finished", flush=True)
"""


def test_an_ingest_killed_midway_is_detected_and_repaired_at_open(tmp_path: Path, embedder) -> None:
    data = tmp_path / "store"
    first = [product(f"K{i}", f"Stoneware {WORDS[i % 10].title()} {i}", 10.0 + i) for i in range(20)]
    svc = services(data)
    svc.embedder = embedder
    svc.ingest(catalog=write(tmp_path / "a.jsonl", first))

    second = [product(f"K{i}", f"Enamel {WORDS[i % 10].title()} {i}", 15.0 + i) for i in range(20)]
    second += [product(f"N{i:03d}", f"Cast Iron {WORDS[i % 10].title()} {i}", 30.0 + i % 50) for i in range(300)]
    proc = subprocess.Popen([sys.executable, "-c", KILLED_INGEST, str(data), str(write(tmp_path / "b.jsonl", second))],
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the first batch is embedded: its upsert is under way
        assert line.startswith("embedded"), line
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert (data / MARKER_FILE).exists() and not ingest_running(data)

    reopened = services(data)
    reopened.embedder = embedder
    assert reopened.db.count("products") == 320  # the catalog's transaction committed before the kill
    index = reopened.index  # opening the store notices the marker and re-syncs from the database
    assert reopened.recovered is not None and reopened.recovered[PRODUCTS].changed
    assert not (data / MARKER_FILE).exists()
    store_agrees(reopened)
    hits = reopened.current.retriever.search_products("cast iron whisk", ProductFilter(max_price=40), k=3)
    assert hits and all(h.product.price <= 40 for h in hits)
    assert index.count(PRODUCTS) == 320


def test_the_column_filter_mask_matches_product_filter_matches() -> None:
    """The vectorised BM25 pre-filter (``FilterColumns``) applies exactly ``ProductFilter.matches``."""
    import random

    from knowledge import demo_store
    from knowledge.catalog import Catalog
    from knowledge.retrieval.filters import material_words
    from knowledge.retrieval.lexical import FilterColumns
    from knowledge.schemas import Product

    products = [Product(**json.loads(line)) for line in demo_store.CATALOG.read_text().splitlines() if line.strip()]
    ids = [p.id for p in products] + ["UNKNOWN-1"]
    columns = FilterColumns(ids, Catalog(products))
    rng = random.Random(7)
    for _ in range(600):
        p = rng.choice(products)
        f = ProductFilter(
            category=p.category if rng.random() < 0.5 else None,
            subcategories=(p.subcategory,) if rng.random() < 0.3 else (),
            brand=p.brand.upper() if rng.random() < 0.3 else None,
            color=rng.choice(p.colors) if p.colors and rng.random() < 0.5 else None,
            size=rng.choice(p.sizes) if p.sizes and rng.random() < 0.5 else None,
            min_price=rng.choice([None, 10.0, 50.0]), max_price=rng.choice([None, 40.0, 200.0]),
            in_stock_only=rng.random() < 0.5,
            # exclusions drawn from another product, so they sometimes leave this one out
            exclude_brands=(rng.choice(products).brand,) if rng.random() < 0.3 else (),
            exclude_colors=tuple(rng.sample(q.colors, min(2, len(q.colors))))
            if (q := rng.choice(products)).colors and rng.random() < 0.4 else (),
            exclude_materials=(rng.choice(sorted(material_words(p) or {"none"})),) if rng.random() < 0.3 else (),
            exclude_categories=(rng.choice([q.category, q.subcategory]),) if rng.random() < 0.2 else (),
        )
        expected = [f.matches(q) for q in products] + [False]
        assert columns.mask(f).tolist() == expected, f
