"""What a learned theme suggester adds, by cross-validation over documents.

Usage (from the repo root; needs the `train` extra, about 2 minutes):
    .venv/bin/python benchmarks/bench_suggest.py [CORPUS] [--folds 5] [--thresholds 0.4,0.5,...] [--out FILE]

The documents of CORPUS (default corpus/) are split into folds; for each fold a suggester is
trained on the other documents' gold codings and the fold is scored with bench_accuracy,
without and with the suggester at each threshold. The threshold of the bundled suggester is
the one with the highest F2 (recall counts twice: a coder can reject a candidate, but not
see a passage nobody offered). For agendas no suggester was trained on, score with
`bench_accuracy.py corpus-heldout --suggest codebooks/stagediscriminatie.suggester.json`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

from results_file import publish  # benchmarks/ is on sys.path when a script runs


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_accuracy import evaluate  # noqa: E402
from kwaliteitscan.interop import gold  # noqa: E402
from kwaliteitscan.codebook import load_codebook  # noqa: E402
from kwaliteitscan.match.suggest import train  # noqa: E402
from kwaliteitscan.pipeline.train import examples_from_corpus  # noqa: E402


def fold_corpus(tmp: Path, corpus: Path, names: list[str], golds: dict[str, Path], rows: list[dict]) -> Path:
    """A corpus folder in `tmp` holding only `names` (links to the PDFs and gold files)."""
    (tmp / "gold").mkdir()
    for name in names:
        os.symlink(corpus / name, tmp / name)
        os.symlink(golds[name], tmp / "gold" / golds[name].name)
    with open(tmp / "manifest.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["file", "institution", "year"])
        writer.writeheader()
        writer.writerows(r for r in rows if r["file"] in names)
    return tmp


def _add(c: Counter, r: dict) -> None:
    c.update(found=sum(r["found"].values()), total=sum(r["total"].values()), right=sum(r["right"].values()),
             made=sum(r["made"].values()), neg=r["neg"][0], neg_total=r["neg"][1], cells=r["matrix"][0],
             cells_total=r["matrix"][1], flags=r["flags"][0], flags_total=r["flags"][1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=ROOT / "corpus")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--thresholds", default="0.4,0.5,0.6,0.7,0.8,0.9")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "suggester-cv.md")
    args = parser.parse_args(argv)
    corpus = args.corpus.resolve()
    book = load_codebook(None)
    golds = {data["document"]: corpus / "gold" / f"{doc_id}.yaml" for doc_id, data in gold.read(corpus).items()}
    with open(corpus / "manifest.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    names = sorted(golds)
    random.Random(7).shuffle(names)
    folds = [names[i::args.folds] for i in range(args.folds)]
    thresholds = [float(t) for t in args.thresholds.split(",")]
    totals: dict[object, Counter] = {key: Counter() for key in ["none", *thresholds]}
    per_doc = {name: examples_from_corpus(corpus, book, documents={name})[0] for name in names}  # once each
    for fold in folds:
        examples = [e for name in names if name not in fold for e in per_doc[name]]
        summary = {"corpus": corpus.name, "documents": len(names) - len(fold), "sentences": len(examples)}
        data = train(examples, book.theme_ids, threshold=0.5, requires=("discriminatie",), trained_on=summary)
        with tempfile.TemporaryDirectory(prefix="kwaliteitscan-fold-") as tmp:
            folder = fold_corpus(Path(tmp), corpus, fold, golds, rows)
            for key in totals:
                model = None
                if key != "none":
                    data["threshold"] = key
                    model = folder / "suggester.json"
                    model.write_text(json.dumps(data), encoding="utf-8")
                _add(totals[key], evaluate(folder, None, model))
    lines = [f"# Theme suggester, {args.folds}-fold cross-validation over the documents of {corpus.name}/", "",
             f"Codebook {book.name} {book.version} ({book.sha256[:12]}); {len(names)} documents; each fold's "
             "suggester was trained on the other folds only.", "",
             "| suggester threshold | recall | precision | F2 | candidates | matrix | negatives | checklist |",
             "|---|---|---|---|---|---|---|---|"]
    best = None
    for key, c in totals.items():
        recall, precision = c["found"] / max(c["total"], 1), c["right"] / max(c["made"], 1)
        f2 = 5 * precision * recall / (4 * precision + recall) if precision + recall else 0.0
        if key != "none" and (best is None or f2 > best[1]):
            best = (key, f2)
        lines.append(f"| {'none (patterns only)' if key == 'none' else key} | {recall:.3f} | {precision:.3f} | "
                     f"{f2:.3f} | {c['made']} | {c['cells'] / max(c['cells_total'], 1):.3f} | "
                     f"{c['neg']}/{c['neg_total']} | {c['flags']}/{c['flags_total']} |")
    lines += ["", f"Highest F2: threshold {best[0]}.", ""]
    return publish("\n".join(lines), args.out)


if __name__ == "__main__":
    sys.exit(main())
