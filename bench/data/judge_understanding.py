"""Judge the understanding set's product requests from their criteria, so anyone can re-derive them.

Each product request in ``understanding.jsonl`` carries ``criteria``: what the shopper asked for, in the
catalog's own words. A product is relevant when it meets every criterion:

- ``category``, ``subcategories``, ``brand``, ``color``, ``size``, ``min_price``, ``max_price``,
  ``in_stock_only``: as ``ProductFilter.matches`` (the budget checked on a variant of the asked colour);
- ``exclude_brands``, ``exclude_categories``: not one of them; ``exclude_colors``: offered in at least one
  other colour ("anything but black" is met by a shoe that also comes in navy); ``exclude_materials``: none
  of the words in its material, its upper or its title;
- ``gender``: its ``gender`` attribute is that or "unisex" (a product without one passes);
- ``tag``: a word of one of its tags ("camping" is in "car camping"); ``text``: the words occur in its title, description, tags or attribute values;
- ``cheaper_than``, ``lighter_than``, ``rated_above``: a product id: below its price or weight, above its rating;
- ``not_carried``: what the store does not carry (a product, a brand, a colour): nothing is relevant.

``sort`` (``price_asc``, ``price_desc``, ``rating_desc``, ``weight_asc``) orders the relevant ids, best first
(a superlative: the first is the answer); otherwise they are in catalog order. ``split`` halves the cases
deterministically, balanced over every phenomenon.

Run ``python bench/data/judge_understanding.py`` to check the frozen judgments, ``--write`` to freeze them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from knowledge.retrieval.filters import ProductFilter  # noqa: E402
from knowledge.schemas import Product  # noqa: E402

CASES = Path(__file__).resolve().parent / "understanding.jsonl"
CATALOGS = {"maple-main": REPO / "knowledge" / "demo_store" / "catalog.jsonl",
            "kestrel": REPO / "knowledge" / "kestrel_store" / "catalog.jsonl"}
FILTER_KEYS = ("category", "subcategories", "brand", "color", "size", "min_price", "max_price", "in_stock_only")
EXCLUSION_KEYS = ("exclude_brands", "exclude_colors", "exclude_materials", "exclude_categories")
CRITERIA_KEYS = frozenset({*FILTER_KEYS, *EXCLUSION_KEYS, "gender", "tag", "text", "cheaper_than", "lighter_than",
                           "rated_above", "sort", "not_carried"})
_WEIGHT = re.compile(r"(\d+(?:\.\d+)?)\s*(kg|g|lbs?|oz)\b", re.I)
_GRAMS = {"kg": 1000.0, "g": 1.0, "lb": 453.6, "lbs": 453.6, "oz": 28.35}


def load_catalog(store: str) -> list[Product]:
    return [Product.model_validate_json(line) for line in CATALOGS[store].read_text().splitlines() if line.strip()]


def load_cases(path: Path = CASES) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def weight_grams(product: Product) -> float | None:
    """The product's weight in grams ("290 g", "1.2 kg", "3 lb"): its ``weight``, ``trail weight`` or ``packed
    weight`` attribute (the lightest), if it has one."""
    grams = []
    for name in ("weight", "trail weight", "packed weight"):
        value = product.attributes.get(name)
        match = _WEIGHT.search(value if isinstance(value, str) else " ".join(value or []))
        if match:
            grams.append(float(match.group(1)) * _GRAMS[match.group(2).lower()])
    return min(grams, default=None)


def _texts(product: Product, names: Iterable[str]) -> str:
    parts: list[str] = []
    for name in names:
        value = product.attributes.get(name)
        parts.extend([value] if isinstance(value, str) else value or [])
    return " ".join(parts).lower()


def _all_text(product: Product) -> str:
    values = [v if isinstance(v, str) else " ".join(v) for v in product.attributes.values()]
    return " ".join([product.title, product.description, *product.tags, *values]).lower()


def _filter(criteria: dict[str, Any]) -> ProductFilter:
    values = {k: criteria[k] for k in FILTER_KEYS if k in criteria}
    if "subcategories" in values:
        values["subcategories"] = tuple(values["subcategories"])
    return ProductFilter(**values)


def _checks(criteria: dict[str, Any], by_id: dict[str, Product]) -> list[Callable[[Product], bool]]:
    """One predicate per criterion besides the filter's own fields."""
    unknown = set(criteria) - CRITERIA_KEYS
    if unknown:
        raise ValueError(f"unknown criteria {sorted(unknown)}")
    checks: list[Callable[[Product], bool]] = []
    if brands := {b.lower() for b in criteria.get("exclude_brands", ())}:
        checks.append(lambda p: p.brand.lower() not in brands)
    if categories := set(criteria.get("exclude_categories", ())):
        checks.append(lambda p: p.category not in categories)
    if colors := {c.lower() for c in criteria.get("exclude_colors", ())}:
        checks.append(lambda p: any(c.lower() not in colors for c in p.colors))
    if materials := [m.lower() for m in criteria.get("exclude_materials", ())]:
        checks.append(lambda p: not any(m in f"{_texts(p, ('material', 'upper'))} {p.title.lower()}" for m in materials))
    if gender := criteria.get("gender"):
        checks.append(lambda p: _texts(p, ("gender",)) in ("", gender, "unisex"))
    if tag := criteria.get("tag"):
        word = re.compile(rf"\b{re.escape(tag.lower())}\b")
        checks.append(lambda p: any(word.search(t.lower()) for t in p.tags))
    if text := criteria.get("text"):
        checks.append(lambda p: text.lower() in _all_text(p))
    if cheaper := criteria.get("cheaper_than"):
        checks.append(lambda p: p.price < by_id[cheaper].price)
    if lighter := criteria.get("lighter_than"):
        limit = weight_grams(by_id[lighter])
        checks.append(lambda p: (w := weight_grams(p)) is not None and limit is not None and w < limit)
    if rated := criteria.get("rated_above"):
        checks.append(lambda p: (p.rating or 0) > (by_id[rated].rating or 0))
    return checks


def _sort_key(sort: str) -> Callable[[Product], tuple[float, str]]:
    keys: dict[str, Callable[[Product], float]] = {
        "price_asc": lambda p: p.price, "price_desc": lambda p: -p.price,
        "rating_desc": lambda p: -(p.rating or 0.0),
        "weight_asc": lambda p: w if (w := weight_grams(p)) is not None else float("inf")}
    return lambda p: (keys[sort](p), p.id)


def judge(criteria: dict[str, Any], catalog: list[Product]) -> list[str]:
    """The relevant product ids for ``criteria``: catalog order, or best first when ``sort`` is given."""
    by_id = {p.id: p for p in catalog}
    checks = _checks(criteria, by_id)
    if criteria.get("not_carried"):
        return []
    hard = _filter(criteria)
    hits = [p for p in catalog if hard.matches(p) and all(check(p) for check in checks)]
    if sort := criteria.get("sort"):
        hits.sort(key=_sort_key(sort))
    return [p.id for p in hits]


def assign_splits(cases: list[dict[str, Any]]) -> dict[str, str]:
    """"dev" or "heldout" for each case id. A case that has its half keeps it (cases added later never move
    earlier ones); the others, in id order after those, go to the half that holds fewer cases of their
    phenomena so far (ties: fewer cases of its store, then dev), so every phenomenon is split about evenly."""
    counts: dict[str, Counter[str]] = {"dev": Counter(), "heldout": Counter()}
    splits: dict[str, str] = {}
    for case in sorted(cases, key=lambda c: (not c.get("split"), c["id"])):
        tags = [*case["phenomena"], f"store:{case['store']}", f"intent:{case['intent']}"]

        def load(half: str, tags: list[str] = tags) -> tuple[int, int]:
            return sum(counts[half][t] for t in tags[:-2]), sum(counts[half][t] for t in tags[-2:])

        half = case.get("split") or ("dev" if load("dev") <= load("heldout") else "heldout")
        counts[half].update(tags)
        splits[case["id"]] = half
    return splits


def judged(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cases with ``relevant`` derived from ``criteria`` and ``split`` assigned."""
    catalogs = {store: load_catalog(store) for store in CATALOGS}
    splits = assign_splits(cases)
    out = []
    for case in cases:
        case = dict(case)
        if "criteria" in case:
            case["relevant"] = judge(case["criteria"], catalogs[case["store"]])
        case["split"] = splits[case["id"]]
        out.append(case)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="freeze the derived judgments into the file")
    args = parser.parse_args()
    cases = load_cases()
    fresh = judged(cases)
    if args.write:
        CASES.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in fresh))
        print(f"wrote {len(fresh)} cases to {CASES}")
        return 0
    drift = [c["id"] for c, f in zip(cases, fresh, strict=True) if c != f]
    print(json.dumps({"cases": len(cases), "drifted": drift}))
    return 1 if drift else 0


if __name__ == "__main__":
    raise SystemExit(main())
