"""Scale benchmark: ingest and filtered search over a generated catalog of 50,000 products.

The catalog is generated deterministically from the demo catalog's vocabulary (categories,
subcategories, brands, colors, sizes, materials, title and description words recombined; no product
is copied) and written to a temporary folder. Reported: ingest time split into the SQL database,
the MiniLM embeddings, Chroma and BM25; the index size on disk; and the latency (p50/p95) of ~200
filtered product searches — hybrid (BM25 + dense fused by RRF), dense only and BM25 only, measured
in the same run, with the machine's load average next to them.

Embedding 50,000 products with MiniLM on 2 busy CPU cores takes most of an hour, so the vectors of
a generated catalog are cached under ``bench/results/scale_cache/`` (git-ignored) with the time it
took to compute them; a later run reuses them and reports that measured time. A run without a cache
computes them (``--products 5000`` takes a few minutes).

    .venv/bin/python bench/scale.py --products 50000 --threads 1
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from knowledge import demo_store  # noqa: E402
from knowledge.schemas import Product  # noqa: E402

CACHE = Path("bench/results/scale_cache")
SEED = 20260501
QUERIES = 200


# -- the generated catalog ------------------------------------------------------------------------
def _vocabulary() -> dict[str, Any]:
    demo = [Product(**json.loads(line)) for line in demo_store.CATALOG.read_text().splitlines() if line.strip()]
    by_cat: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(set))
    for p in demo:
        v = by_cat[p.category]
        v["subcategories"].add(p.subcategory)
        v["brands"].add(p.brand)
        v["colors"].update(p.colors)
        v["sizes"].update(p.sizes)
        v["tags"].update(p.tags)
        if isinstance(m := p.attributes.get("material"), str):
            v["materials"].add(m)
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z-]+", p.title) if w not in p.brand.split()]
        v["title_words"].update(w for w in words if len(w) > 3)
        v["sentences"].update(s.strip() for s in re.split(r"(?<=[.!?])\s+", p.description) if 6 <= len(s.split()) <= 22)
    return {cat: {k: sorted(s) for k, s in v.items()} for cat, v in sorted(by_cat.items())}


def generate(n: int, seed: int = SEED) -> list[Product]:
    """``n`` products recombined from the demo catalog's vocabulary (same ``n`` and seed, same catalog)."""
    vocab = _vocabulary()
    rng = random.Random(seed)
    cats = list(vocab)
    out = []
    for i in range(n):
        cat = cats[i % len(cats)]
        v = vocab[cat]
        sub = rng.choice(v["subcategories"])
        brand = rng.choice(v["brands"])
        words = rng.sample(v["title_words"], k=min(2, len(v["title_words"])))
        title = f"{brand} {' '.join(words)} {sub.title().rstrip('s') if sub.endswith('s') else sub.title()}"
        colors = rng.sample(v["colors"], k=min(len(v["colors"]), rng.randint(1, 3))) if v["colors"] else []
        sizes = sorted(rng.sample(v["sizes"], k=min(len(v["sizes"]), rng.randint(2, 4)))) if v["sizes"] else []
        attributes: dict[str, str | list[str]] = {}  # in key order, as the database stores them
        if colors:
            attributes["color"] = colors
        if v["materials"]:
            attributes["material"] = rng.choice(v["materials"])
        if sizes:
            attributes["size"] = sizes
        variants = []
        if sizes and rng.random() < 0.7:
            for c in colors[:2]:
                for z in sizes:
                    stock = rng.choice([0, 0, 1, 3, 8, 20])
                    variants.append({"sku": f"GEN-{i:06d}-{c[:3]}-{z}".upper().replace(" ", ""), "color": c,
                                     "size": z, "stock": stock})
        stock = sum(x["stock"] for x in variants) if variants else rng.choice([0, 2, 5, 12, 40, 100])
        description = rng.choice(v["sentences"])
        out.append(Product(
            id=f"GEN-{i:06d}", title=title, brand=brand, category=cat, subcategory=sub,
            price=round(rng.uniform(4, 400), 2), stock=stock, rating=round(rng.uniform(2.5, 5), 1),
            review_count=rng.randint(0, 3000), attributes=attributes,
            tags=rng.sample(v["tags"], k=min(3, len(v["tags"]))), description=description,
            variants=variants,
        ))
    return out


def queries(products: list[Product], n: int = QUERIES, seed: int = SEED) -> list[tuple[str, Any]]:
    """Shopper-like requests with filters (price range, category, brand, color or size, in stock)."""
    from knowledge.retrieval.filters import ProductFilter

    rng = random.Random(seed + 1)
    out = []
    for j in range(n):
        p = rng.choice(products)
        words = p.title.split()[1:]
        text = f"{rng.choice(['a', 'looking for a', 'need a', 'any good'])} {' '.join(rng.sample(words, k=min(2, len(words))))}"
        kind = j % 5
        lo = round(rng.uniform(5, 100))
        flt = ProductFilter(
            category=p.category,
            brand=p.brand if kind == 1 else None,
            color=p.colors[0] if kind in (2, 4) and p.colors else None,
            size=p.sizes[0] if kind == 3 and p.sizes else None,
            min_price=lo if kind in (0, 4) else None,
            max_price=lo + rng.choice([50, 150, 300]) if kind in (0, 2, 4) else None,
            in_stock_only=kind in (2, 3, 4) or rng.random() < 0.5,
        )
        out.append((text, flt))
    return out


# -- embeddings, computed once per generated catalog ----------------------------------------------
class LookupEmbedder:
    """Vectors of the catalog's texts from the cache; anything else (queries) from the real model."""

    def __init__(self, base: Any, texts: list[str], vectors: np.ndarray):
        self.base = base
        self.row = {t: i for i, t in enumerate(texts)}
        self.vectors = vectors

    def embed(self, texts: list[str]) -> np.ndarray:
        if all(t in self.row for t in texts):
            return self.vectors[[self.row[t] for t in texts]]
        return self.base.embed(texts)


def catalog_vectors(embedder: Any, texts: list[str], threads: int) -> tuple[np.ndarray, dict[str, Any]]:
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    vec_file, meta_file = CACHE / f"{len(texts)}-{key}.npy", CACHE / f"{len(texts)}-{key}.json"
    if vec_file.exists() and meta_file.exists():
        return np.load(vec_file), {**json.loads(meta_file.read_text()), "cached": True}
    start = time.perf_counter()
    vectors = np.concatenate([embedder.embed(texts[i : i + 512]) for i in range(0, len(texts), 512)])
    meta = {"seconds": round(time.perf_counter() - start, 1), "threads": threads,
            "load_avg": [round(x, 2) for x in os.getloadavg()], "computed_at": time.strftime("%Y-%m-%d %H:%M")}
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(vec_file, vectors.astype(np.float32))
    meta_file.write_text(json.dumps(meta))
    return vectors, {**meta, "cached": False}


def _pct(values: list[float]) -> dict[str, float]:
    ms = sorted(v * 1000 for v in values)
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2),
            "mean_ms": round(statistics.fmean(ms), 2)}


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run(n: int, threads: int = 1, keep: Path | None = None) -> dict[str, Any]:
    import torch

    if threads:
        torch.set_num_threads(threads)
    from knowledge.catalog import Catalog
    from knowledge.ingest import ingest_files, sync_index
    from knowledge.retrieval.embed import SentenceTransformerEmbedder
    from knowledge.retrieval.lexical import LexicalIndex
    from knowledge.retrieval.search import Retriever, product_record
    from knowledge.retrieval.vector_index import VectorIndex
    from knowledge.store.database import StoreDatabase

    t0 = time.perf_counter()
    products = generate(n)
    gen_s = time.perf_counter() - t0
    texts = [p.search_text() for p in products]
    model = SentenceTransformerEmbedder(None, "cpu")
    model.embed(["warm up"])
    sample = texts[:: max(1, n // 256)][:256]
    start = time.perf_counter()
    model.embed(sample)
    per_doc = (time.perf_counter() - start) / len(sample)
    vectors, embed_meta = catalog_vectors(model, texts, threads)

    work = Path(tempfile.mkdtemp(prefix="aisle-scale-"))
    try:
        catalog_file = work / "catalog.jsonl"
        catalog_file.write_text("".join(p.model_dump_json() + "\n" for p in products))
        data = work / "store"
        db = StoreDatabase(f"sqlite:///{data / 'aisle.db'}") if data.mkdir() is None else None
        assert db is not None
        start = time.perf_counter()
        report = ingest_files(db, catalog=catalog_file)
        db_s = time.perf_counter() - start
        lookup = LookupEmbedder(model, texts, vectors)
        index = VectorIndex(data / "chroma", lookup)
        start = time.perf_counter()
        counts = sync_index(db, index, progress=False)  # Chroma, with the cached vectors
        chroma_s = time.perf_counter() - start
        records = [product_record(p) for p in db.products()]
        assert all(r.text in lookup.row for r in records), "generated texts differ from the stored ones"
        start = time.perf_counter()
        lexical = LexicalIndex.build(records)
        lexical.save(data / "bm25" / "products")
        bm25_s = time.perf_counter() - start
        start = time.perf_counter()
        again = sync_index(db, index, progress=False, lexical_path=data / "bm25" / "products")
        resync_s = time.perf_counter() - start

        retriever = Retriever(index, Catalog(db.products()), [], lexical)
        qs = queries(products)
        start = time.perf_counter()
        retriever.dense_matrix()  # the stored vectors, read once per retriever for the in-memory scan
        matrix_s = time.perf_counter() - start
        chroma_where: list[float] = []
        for text, flt in qs:  # Chroma's own filtered query, the path below IN_MEMORY_MIN products
            start = time.perf_counter()
            index.query("products", text, k=50, where=flt)
            chroma_where.append(time.perf_counter() - start)
        for text, flt in qs[:5]:  # warm-up (Chroma segment load, numpy, bm25s)
            retriever.search_products(text, flt, k=20)
        for text, _ in qs:  # query vectors are embedded once and reused: reported apart
            index.query_vector(text)
        embed_q = []
        for text, _ in qs[:50]:
            start = time.perf_counter()
            model.embed([text])
            embed_q.append(time.perf_counter() - start)
        latency: dict[str, Any] = {}
        load_before = os.getloadavg()
        for mode in ("hybrid", "dense", "bm25"):
            times, empty = [], 0
            for text, flt in qs:
                start = time.perf_counter()
                hits = retriever.search_products(text, flt, k=20, mode=mode)
                times.append(time.perf_counter() - start)
                empty += not hits
            latency[mode] = {**_pct(times), "queries": len(qs), "empty_results": empty}
        latency["query_embedding_uncached"] = _pct(embed_q)
        latency["chroma_filtered_query_k50"] = _pct(chroma_where)
        latency["vector_matrix_load_s"] = round(matrix_s, 2)
        sizes = {"sqlite_bytes": sum(f.stat().st_size for f in data.glob("aisle.db*")), "chroma_bytes": _size(data / "chroma"),
                 "bm25_bytes": _size(data / "bm25")}
        embed_s = float(embed_meta["seconds"])
        result = {
            "products": n,
            "generate_s": round(gen_s, 1),
            "ingest": {
                "database_s": round(db_s, 1),
                "embeddings_s": round(embed_s, 1),
                "embeddings": {**embed_meta, "sample_ms_per_product": round(per_doc * 1000, 2),
                               "extrapolated_s": round(per_doc * n, 1)},
                "chroma_s": round(chroma_s, 1),
                "bm25_s": round(bm25_s, 2),
                "total_s": round(db_s + embed_s + chroma_s + bm25_s, 1),
                "unchanged_resync_s": round(resync_s, 1),
                "db_counts": report.files[0].summary(),
                "index_counts": {k: vars(c) for k, c in counts.items()},
                "resync_counts": {k: vars(c) for k, c in again.items()},
            },
            "index_size_mb": {k.replace("_bytes", ""): round(v / 2**20, 1) for k, v in sizes.items()}
            | {"total": round(sum(sizes.values()) / 2**20, 1)},
            "latency": latency,
            "latency_note": "search_products end to end, filters applied inside each store's query; the "
                            "query vector is cached (one chat turn reuses it), its cost is "
                            "query_embedding_uncached",
            "machine": {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                        "python": platform.python_version(),
                        "load_avg_before_queries": [round(x, 2) for x in load_before],
                        "load_avg_after": [round(x, 2) for x in os.getloadavg()]},
        }
        if keep:
            shutil.copytree(data, keep, dirs_exist_ok=True)
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 on a busy 2-core box)")
    parser.add_argument("--out", type=Path, default=Path("bench/results/scale.json"))
    parser.add_argument("--embed-only", action="store_true", help="fill the embedding cache and stop")
    args = parser.parse_args()
    if args.embed_only:
        import torch

        torch.set_num_threads(args.threads)
        from knowledge.retrieval.embed import SentenceTransformerEmbedder

        texts = [p.search_text() for p in generate(args.products)]
        print(catalog_vectors(SentenceTransformerEmbedder(None, "cpu"), texts, args.threads)[1])
        return
    from bench.output import emit

    emit(run(args.products, args.threads), args.out)


if __name__ == "__main__":
    main()
