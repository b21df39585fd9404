"""Few-shot intent detection on BANKING77 and CLINC150 (../shared/datasets/intent).

Converts each split (``seq.in`` + ``label``) to ``sentence,label`` CSV under bench/results/intent/
and runs the same code as ``aisle intents evaluate`` for 5- and 10-shot training sets. CLINC150
adds its out-of-scope split: ``oos/train`` joins the training data (it sets the rejection threshold
by cross-validation) and ``oos/test`` the test data, which must be rejected. Prints JSON with the
published few-shot accuracies beside ours; skips cleanly when the data is absent.

Run: ``make bench`` or ``python bench/intents.py [--limit N]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PUBLISHED = {"source": "ICDA (EACL 2023), best reported few-shot accuracy %",
             "BANKING77": {"5-shot": 84.01, "10-shot": 89.79, "full data (BERT-large)": 93.66},
             "CLINC150": {"5-shot": 92.62, "10-shot": 94.84}}


def _split(folder: Path) -> tuple[list[str], list[str]]:
    texts = (folder / "seq.in").read_text(encoding="utf-8").splitlines()
    labels = (folder / "label").read_text(encoding="utf-8").splitlines()
    assert len(texts) == len(labels), folder
    return texts, labels


def _write_csv(rows: tuple[list[str], list[str]], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sentence", "label"])
        writer.writerows(zip(*rows, strict=True))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="score only the first N test rows")
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/intents.json")
    args = parser.parse_args()
    source = REPO.parent / "shared/datasets/intent"
    if not (source / "BANKING77").is_dir() or not (source / "CLINC150").is_dir():
        print(json.dumps({"benchmark": "intents", "skipped": f"data sets not found at {source}"}))
        return 0

    from assistant.intent_eval import evaluate_intents
    from assistant.intent_model import read_intent_csv
    from bench.output import emit
    from knowledge.embed import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    out_dir = REPO / "bench/results/intent"
    runs = {}
    for dataset in ("BANKING77", "CLINC150"):
        test = _split(source / dataset / "test")
        oos_label = None
        if dataset == "CLINC150":
            oos_test = _split(source / dataset / "oos/test")
            test = (test[0] + oos_test[0], test[1] + oos_test[1])
            oos_label = "oos"
        test_csv = _write_csv(test, out_dir / f"{dataset}-test.csv")
        for shots in (5, 10):
            train = _split(source / dataset / f"train_{shots}")
            if oos_label:
                oos_train = _split(source / dataset / "oos/train")
                train = (train[0] + oos_train[0], train[1] + oos_train[1])
            train_csv = _write_csv(train, out_dir / f"{dataset}-train_{shots}.csv")
            report = evaluate_intents(read_intent_csv(train_csv), read_intent_csv(test_csv), embedder,
                                      oos_label, args.limit)
            runs[f"{dataset} {shots}-shot"] = report.to_dict()
    summary = {
        name: {"in_scope_accuracy_%": round(100 * (r["metrics"]["in_scope_accuracy"] or 0), 2),
               "published_%": PUBLISHED[name.split()[0]][name.split()[1]],
               "oos_recall": r["metrics"]["oos_recall"]}
        for name, r in runs.items()
    }
    result = {"benchmark": "intents", "model": "bundled MiniLM + logistic head + nearest examples",
              "summary": summary, "runs": runs, "published": PUBLISHED}
    emit(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
