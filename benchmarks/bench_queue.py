"""The review queue on every batch we have: recall against reading effort, and the stopping rule.

Usage (from the repo root; needs the `train` extra; about 10 minutes):
    .venv/bin/python benchmarks/bench_queue.py [--folds 7] [--out FILE]

Batches, each scored with a prior that never saw it:
- blind batch 7 (corpus-heldout7) and batch 6 (corpus-heldout): the prior trained on corpus/;
- batch 5 as its second coder coded it (corpus-agreement/gold on the PDFs in corpus/): the
  prior trained on corpus/ without those six agendas;
- corpus/ in folds (cross-validation by document): each fold with a prior trained on the others.
The codebook was developed on corpus/ (batch 5 included), so its rule evidence flatters the folds
and batch 5; batches 6 and 7 are the honest figures.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
from pathlib import Path

from results_file import publish  # benchmarks/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kwaliteitscan.codebook import load_codebook  # noqa: E402
from kwaliteitscan.interop import gold  # noqa: E402
from kwaliteitscan.pipeline.simulate import simulate_corpus  # noqa: E402
from kwaliteitscan.pipeline.train import train_queue_prior  # noqa: E402
from kwaliteitscan.review.queue import Prior  # noqa: E402


def subset(tmp: Path, corpus: Path, names: list[str]) -> Path:
    """A corpus folder holding only `names` (links to the PDFs, gold files and manifest rows)."""
    (tmp / "gold").mkdir()
    docs = {data["document"]: stem for stem, data in gold.read(corpus).items()}
    for name in names:
        os.symlink(corpus / name, tmp / name)
        os.symlink(corpus / "gold" / f"{docs[name]}.yaml", tmp / "gold" / f"{docs[name]}.yaml")
    with open(corpus / "manifest.csv", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["file"] in names]
    with open(tmp / "manifest.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["file", "institution", "year"])
        writer.writeheader()
        writer.writerows(rows)
    return tmp


def row(name: str, r: dict) -> str:
    g = r["gold"]

    def eff(n):
        return f"{n / g:.2f}" if n else "–"

    worst_theme = max((v[0.90] or 10 ** 9) for v in r["needed_theme"].values())
    stop = r["stops"].get(r["rule"])
    at = f"{stop['effort']:.2f}x, recall {stop['recall']:.3f}" if stop else "did not fire"
    m = r["matrix"]
    return (f"| {name} | {r['documents']} | {r['items']} | {g} | {eff(r['needed'][0.90])} | {eff(r['needed'][0.95])} | "
            f"{eff(r['needed'][0.97])} | {eff(worst_theme if worst_theme < 10 ** 9 else None)} | {at} | "
            f"{m['agree']}/{m['cells']} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "queue.md")
    args = parser.parse_args(argv)
    book = load_codebook(None)
    corpus = ROOT / "corpus"
    names = sorted(d["document"] for d in gold.read(corpus).values())
    batch5 = sorted(d["document"] for d in gold.read(ROOT / "corpus-agreement").values())
    lines = ["# The review queue: recall against reading effort", "",
             f"Codebook {book.name} {book.version}. Effort is passages read divided by the batch's gold passages; "
             "'all themes .90' is the effort after which every theme has recall 0.90; the stop is the queue's rule "
             "(100 passages in a row without a theme, after at least as many as there are rule candidates); "
             "the matrix is document x theme after review up to that stop.", "",
             "| batch | agendas | passages | gold | .90 | .95 | .97 | all themes .90 | stop | matrix |",
             "|---|---|---|---|---|---|---|---|---|---|"]

    def prior_without(excluded: list[str]) -> Prior:
        data, _ = train_queue_prior(corpus, book, documents=set(names) - set(excluded))
        return Prior.from_json(data)

    full = prior_without([])
    for label, folder, gold_dir, prior in (("batch 7 (blind, corpus-heldout7)", ROOT / "corpus-heldout7", None, full),
                                            ("batch 6 (corpus-heldout)", ROOT / "corpus-heldout", None, full)):
        lines.append(row(label, simulate_corpus(folder, codebook=book, gold_dir=gold_dir, prior=prior)))
        print(lines[-1], flush=True)
    with tempfile.TemporaryDirectory(prefix="kwaliteitscan-q-") as tmp:
        folder = subset(Path(tmp), corpus, batch5)
        r = simulate_corpus(folder, codebook=book, gold_dir=ROOT / "corpus-agreement", prior=prior_without(batch5))
        lines.append(row("batch 5, second coder (corpus-agreement)", r))
        print(lines[-1], flush=True)
    shuffled = names[:]
    random.Random(7).shuffle(shuffled)
    for k in range(args.folds):
        fold = sorted(shuffled[k::args.folds])
        with tempfile.TemporaryDirectory(prefix="kwaliteitscan-q-") as tmp:
            r = simulate_corpus(subset(Path(tmp), corpus, fold), codebook=book, prior=prior_without(fold))
        lines.append(row(f"corpus/ fold {k + 1} of {args.folds}", r))
        print(lines[-1], flush=True)
    publish("\n".join(lines) + "\n", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
