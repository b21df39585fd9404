"""How well typos are read as the store's own words (``assistant/vocabulary/typos.py``), on both bundled
sample stores, and what it costs per message.

Typos: each store word of a kind (brands, product types, colours, materials, gender words, tags; words of five
letters or more) with a letter left out, a letter doubled and two letters swapped, made here from the store's
own catalog; typos that are themselves known words are left out. A typo is **read back** when the corrected
word means what the store word means, **misread** when it is corrected to another word, **missed** when it is
left as typed.

Clean messages: the scripted conversations' shopper turns (but those of ``spelling.yaml``), the ordinary shopper messages of the tests, the
intent examples, the judged search queries (except its "misspelling" ones) and, when present in
``/work/shared/datasets/intent``, the BANKING77 and CLINC150 test sets (real users' messages of other
domains; some hold typos of their own). A clean message is **changed** when any word of it is corrected.

Precision = read back / (read back + misread + changed); recall = read back / typos. The baseline in the same
run is the same corrector without its word list of common English (only the store's words are known), which
shows what that list keeps from being "corrected". Time: µs per message, over clean messages and typos.
Prints JSON (also written to ``bench/results/spelling.json``); ``make bench`` runs it.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import yaml  # noqa: E402

from assistant.vocabulary import StoreVocabulary  # noqa: E402
from assistant.vocabulary.typos import SpellingCorrector, catalog_text_words, store_words  # noqa: E402
from bench.output import emit, percentiles  # noqa: E402
from knowledge.catalog import Catalog  # noqa: E402
from knowledge.importers import read_records  # noqa: E402
from knowledge.sample_stores import SAMPLE_STORES  # noqa: E402
from knowledge.schemas import Product  # noqa: E402

DATASETS = Path("/work/shared/datasets/intent")
TESTS = REPO / "tests"


def typos(word: str, rng: random.Random) -> list[str]:
    i = rng.randrange(1, len(word) - 1)
    return [word[:i] + word[i + 1:], word[:i] + word[i] + word[i:], word[:i] + word[i + 1] + word[i] + word[i + 2:]]


def words_by_kind(catalog: Catalog) -> dict[str, list[str]]:
    material = Counter(w for p in catalog for w in set(re.findall(r"[a-z]+", str(p.attributes.get("material", "")).lower())))
    return {
        "brand": list(catalog.brands),
        "product type": sorted({name.split()[-1] for name in [*catalog.categories, *catalog.subcategories]}),
        "colour": list(catalog.colors),
        "material": sorted(w for w, n in material.items() if n >= 2),
        "gender": sorted({str(p.attributes["gender"]) for p in catalog if "gender" in p.attributes}),
        "tag": sorted({w for tag in catalog.tags for w in tag.split()}),
    }


def typo_cases(catalog: Catalog, spelling: SpellingCorrector) -> list[tuple[str, str, str]]:
    """(kind, the store's word, the word with a typo)."""
    rng = random.Random(17)
    cases = []
    for kind, words in words_by_kind(catalog).items():
        for word in words:
            longest = max(word.split(), key=len)
            if len(longest) >= 5 and longest.isalpha():
                cases += [(kind, word, word.replace(longest, t)) for t in typos(longest, rng)
                          if not spelling.is_known(t.lower())]
    return cases


def clean_messages() -> dict[str, list[str]]:
    def strings(node: object) -> list[str]:
        if isinstance(node, str):
            return [node]
        if isinstance(node, list):
            return [s for item in node for s in strings(item)]
        return []

    sets = {
        "conversations": [turn["user"] for path in sorted((TESTS / "conversations").glob("*.yaml"))
                          if path.name != "spelling.yaml"  # its typos are on purpose
                          for convo in yaml.safe_load(path.read_text(encoding="utf-8")) for turn in convo["turns"]
                          if isinstance(turn.get("user"), str)],
        "ordinary": [t for m in yaml.safe_load((TESTS / "data" / "ordinary_messages.yaml").read_text(encoding="utf-8"))
                     for t in ([m["text"]] if "text" in m else m["turns"])],
        "intent examples": strings(list(yaml.safe_load(
            (REPO / "assistant" / "prompts" / "intents.yaml").read_text(encoding="utf-8")).values())),
        "judged queries": [q["query"] for q in map(json.loads, (REPO / "bench" / "data" / "judged_queries.jsonl")
                                                   .read_text(encoding="utf-8").splitlines())
                           if q["kind"] != "misspelling"],
    }
    for name in ("BANKING77", "CLINC150"):
        path = DATASETS / name / "test" / "seq.in"
        if path.exists():
            sets[name] = path.read_text(encoding="utf-8").splitlines()
    return sets


def measure(spelling: SpellingCorrector, cases: list[tuple[str, str, str]], clean: dict[str, list[str]]) -> dict:
    by_kind: dict[str, Counter[str]] = {}
    seconds: list[float] = []
    for kind, word, typed in cases:
        start = time.perf_counter()
        got = spelling.correct(typed)
        seconds.append(time.perf_counter() - start)
        text = got.text.lower()
        same = text == word.lower() or spelling.meaning.get(text) == spelling.meaning.get(word.lower())
        by_kind.setdefault(kind, Counter())["read back" if same else "misread" if got.corrections else "missed"] += 1
    changed: dict[str, int] = {}
    examples: list[str] = []
    for name, messages in clean.items():
        changed[name] = 0
        for message in messages:
            start = time.perf_counter()
            got = spelling.correct(message)
            seconds.append(time.perf_counter() - start)
            if got.corrections:
                changed[name] += 1
                examples += [f"{c.typed} → {c.corrected}" for c in got.corrections]
    total = sum(by_kind.values(), Counter())
    read_back, misread = total["read back"], total["misread"]
    wrong = misread + sum(changed.values())
    return {
        "typos": sum(total.values()), "read back": read_back, "misread": misread, "missed": total["missed"],
        "clean messages": sum(map(len, clean.values())), "clean messages changed": changed,
        "precision": round(read_back / max(1, read_back + wrong), 4),
        "recall": round(read_back / max(1, sum(total.values())), 4),
        "recall by kind": {k: round(c["read back"] / max(1, sum(c.values())), 3) for k, c in by_kind.items()},
        "us per message": {k.replace("_ms", "_us"): round(v * 1000, 1) if k != "n" else v
                           for k, v in percentiles(seconds, 4).items()},
        "changed examples": sorted(set(examples))[:15],
    }


def main() -> None:
    clean = clean_messages()
    stores = {}
    for key, sample in SAMPLE_STORES.items():
        catalog = Catalog(read_records(sample.folder / "catalog.jsonl", Product).records)
        vocabulary = StoreVocabulary(catalog)
        start = time.perf_counter()
        spelling = SpellingCorrector.for_store(vocabulary, catalog)
        built_ms = round((time.perf_counter() - start) * 1000, 1)
        cases = typo_cases(catalog, spelling)
        no_word_list = SpellingCorrector(store_words(vocabulary, catalog), catalog_text_words(catalog))
        stores[key] = {"store words": len(spelling.words), "built in ms": built_ms,
                       "corrector": measure(spelling, cases, clean),
                       "baseline: no common-English word list": measure(no_word_list, cases, clean)}
    emit({"benchmark": "spelling", "stores": stores}, REPO / "bench" / "results" / "spelling.json")


if __name__ == "__main__":
    main()
