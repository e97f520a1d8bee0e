"""Where a cold `code` run spends its CPU, over every process (main, extraction and coding workers).

Usage (from the repo root, after `bash scripts/test.sh`, which installs py-spy):
    .venv/bin/python benchmarks/profile_cold.py [--docs 10] [--rate 100]

Runs `code_corpus` with an empty cache on the first N agendas of the benchmark corpus of
bench_code.py, sampled by py-spy with --subprocesses (cProfile sees only the main process,
where a cold run spends a sixth of its time). Writes the samples as a flame graph
(benchmarks/results/code-cold-flame.svg) and a table of each stage's share of all samples
(benchmarks/results/code-cold-profile.md). Sampling slows the run; the shares are what counts,
not the wall time.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench_code import build_corpus  # benchmarks/ is on sys.path when a script runs
from results_file import publish

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

#: (stage, function names that mark it, outermost first); a sample goes to the first stage one of
#: whose functions is on its stack, so the order decides nesting (segmenting inside coding, ...)
STAGES = [
    ("extraction: pdfium page and text objects", ("get_textpage", "get_page", "PdfDocument.__init__")),
    ("extraction: characters and words from pdfium", ("_PdfiumLines.read",)),
    ("extraction: layout (columns, reading order, headers)", ("layout_document",)),
    ("extraction: text cleaning", ("Vocabulary.add_lines", "normalize", "clean_page")),
    ("extraction: other", ("extract_file",)),
    ("segmenting (spaCy tokenizer + rules)", ("segment",)),
    ("matching the codebook", ("code_document",)),
    ("passages for the review queue", ("passages_of",)),
    ("the review queue's terms", ("cached_document_terms", "for_project")),
    ("caches written by the workers", ("store_cached", "store_hits")),
    ("coding worker: other (the rows the project stores, results to the main process)", ("_task",)),
    ("main: loading spaCy", ("load_pipeline",)),
    ("main: storing in the project", ("replace_document", "keep_document")),
    ("main: receiving results", ("_handle_results", "recv")),
    ("start-up and imports", ("_find_and_load",)),
]


def _name(frame: str) -> str:
    return frame.split(" (", 1)[0].strip()


def stage_of(frames: list[str]) -> str:
    names = {_name(f) for f in frames}
    names |= {n.rsplit(".", 1)[-1] for n in names}  # "PdfPage.get_textpage" is marked by "get_textpage" too
    for stage, marks in STAGES:
        if any(m in names for m in marks):
            return stage
    return "other"


def _leaf(frames: list[str]) -> str:
    """The innermost frame, as `function (file:line)` without the folders."""
    found = re.match(r"\s*(.*?) \((?:.*/)?([^/]*?)(?::\d+)?\)$", frames[-1])
    return f"{found.group(1)} ({found.group(2)})" if found else frames[-1].strip()[:60]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10)
    parser.add_argument("--rate", type=int, default=100, help="samples per second per process")
    parser.add_argument("--out", type=Path, default=RESULTS / "code-cold-profile.md")
    parser.add_argument("--svg", type=Path, default=RESULTS / "code-cold-flame.svg")
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if spy is None:
        raise SystemExit("py-spy is not installed: run `bash scripts/test.sh` (or .venv/bin/pip install py-spy)")
    corpus = build_corpus(60)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subset = tmp / "corpus"
        subset.mkdir()
        for pdf in sorted(corpus.glob("*.pdf"))[:args.docs]:
            os.symlink(pdf, subset / pdf.name)
        code = ("from kwaliteitscan.pipeline.code import code_corpus\n"
                f"code_corpus({str(subset)!r}, None, {str(tmp / 'p.sqlite')!r}, jobs=2)\n")
        env = {**os.environ, "KWALITEITSCAN_CACHE": str(tmp / "cache")}
        raw = tmp / "stacks.txt"
        started = time.perf_counter()
        for fmt, out in (("raw", raw), ("flamegraph", args.svg)):
            shutil.rmtree(tmp / "cache", ignore_errors=True)
            subprocess.run([spy, "record", "--subprocesses", "--nonblocking", "-r", str(args.rate), "-f", fmt,
                            "-o", str(out), "--", sys.executable, "-c", code], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        seconds = time.perf_counter() - started
        shares: Counter = Counter()
        leaves: Counter = Counter()
        for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
            found = re.match(r"(.*) (\d+)$", line)
            if found:
                frames = found.group(1).split(";")
                shares[stage_of(frames)] += int(found.group(2))
                leaves[_leaf(frames)] += int(found.group(2))
    total = sum(shares.values())
    lines = [f"# Where a cold `code` run spends its CPU ({args.docs} agendas x 100 pages, every process)", "",
             f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} CPUs; jobs 2; "
             f"py-spy --subprocesses at {args.rate} samples/s per process; {total} samples; both runs took "
             f"{seconds:.0f} s under sampling",
             f"- flame graph: `{args.svg.relative_to(ROOT) if args.svg.is_relative_to(ROOT) else args.svg}`", "",
             "| stage | share of samples |", "|---|---|"]
    for stage, _ in STAGES + [("other", ())]:
        if shares[stage]:
            lines.append(f"| {stage} | {shares[stage] / total:.0%} |")
    lines += ["", "Functions where the samples were taken (innermost frame; time in C code called from Python counts "
              "for the Python function that called it):", "", "| function | share |", "|---|---|"]
    lines += [f"| {name} | {n / total:.1%} |" for name, n in leaves.most_common(25)]
    return publish("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    sys.exit(main())
