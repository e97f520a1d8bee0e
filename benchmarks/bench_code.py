"""Speed and memory of `kwaliteitscan code` at national scale: 60 agendas x 100 pages.

Usage (from the repo root; the first run renders the corpus, about 1-2 minutes):
    .venv/bin/python benchmarks/bench_code.py [--docs 60] [--out FILE]
    .venv/bin/python benchmarks/bench_code.py --review-only PROJECT [--repeat 3]
        (only the review queue measurement, on a project coded already; prints it, or with --out writes
        it with a cProfile of one opening)

Three runs, each in a fresh process, with the process tree's total RSS sampled every
50 ms (peak = the largest sum over the main process and its workers):
- cold: empty extraction/segmentation cache and a new project (extract, spaCy, match, store);
- warm re-code: same cache, the codebook changed (one pattern added, version bumped), so
  extraction and tokenisation come from the cache and every document is matched again (the
  new pattern hits none of them, so what each document had stays as it was);
- unchanged re-run: nothing changed (every document is skipped);
- warm re-code again, adding a pattern that hits every agenda (it lands in the first pattern list,
  the weak qualifier `exploratory`, so most candidates change): every document's candidates and
  passages are built and stored again (the patterns it had are not searched again).
Then, in the same run: poppler's `pdftotext` over the same files one after the other (the
yardstick that makes the figures comparable across machines: the ratios are printed); the
review queue of the project opened (`review`, first in a fresh process, then again in it)
and re-ranked after each of 10 decisions; and a cProfile of one more warm re-code in one
process (jobs 1), whose top functions go into the results.
Targets (issue 18): cold <= 30 s and <= 1.5x pdftotext; warm re-code <= 10 s and <= 0.6x
pdftotext; unchanged re-run <= 1 s; peak memory <= 1 GB (both cores); re-ranking the review
queue after a decision <= 1 s, opening `review` <= 2 s.
The 60 agendas are the 100-page benchmark agenda of bench_extract.py with its chapters
rotated and a distinct institution per copy, so each has its own content hash.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

from results_file import compile_package, publish  # benchmarks/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
SOURCE = DATA / "agenda-100p.md"
TARGETS = {"cold": 30.0, "warm": 10.0, "same": 1.0, "memory_mb": 1024.0, "cold_ratio": 1.5, "warm_ratio": 0.6,
           "rerank": 1.0, "open": 2.0}

RUNNER = """
import json, sys
from kwaliteitscan.pipeline.code import code_corpus
s = code_corpus(sys.argv[1], sys.argv[2] if sys.argv[2] != '-' else None, sys.argv[3], jobs=int(sys.argv[4]))
print(json.dumps({"documents": s.documents, "pages": s.pages, "coded": s.coded, "failed": len(s.failed),
                  "candidates": sum(s.candidates_per_theme.values()), "seconds": s.seconds,
                  "stages": s.stage_seconds, "pipeline": s.pipeline}))
"""


def _variant(source: str, index: int) -> str:
    front, body = source.split("\n---\n", 1)
    chapters = body.split("\n# ")
    head, rest = chapters[0], chapters[1:]
    shift = index % max(len(rest), 1)
    rotated = rest[shift:] + rest[:shift]
    body = "\n# ".join([head] + rotated)
    front = front.replace("ROC Benchmarkstad", f"ROC Bench {index:02d}")
    intro = f"Deze agenda van ROC Bench {index:02d} is een variant voor de snelheidsmeting (nummer {index}).\n\n"
    return f"{front}\n---\n{intro}{body}"


def _render(args: tuple[int, str, str]) -> str:
    from kwaliteitscan.testing.demo_pdf import parse_source, render_pdf

    index, source, folder = args
    out = Path(folder) / f"roc-bench-{index:02d}-2024.pdf"
    render_pdf(parse_source(_variant(source, index), out.name), out)
    return out.name


def build_corpus(n: int) -> Path:
    folder = DATA / f"corpus{n}"
    if folder.exists() and len(list(folder.glob("*.pdf"))) == n:
        return folder
    if not SOURCE.exists():
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_extract.py"), "--quick"], check=True,
                       stdout=subprocess.DEVNULL)
    folder.mkdir(parents=True, exist_ok=True)
    source = SOURCE.read_text(encoding="utf-8")
    started = time.perf_counter()
    with Pool(2) as pool:
        names = pool.map(_render, [(i, source, str(folder)) for i in range(n)])
    manifest = ["file,institution,year"] + [f"{name},ROC Bench {i:02d},2024" for i, name in enumerate(names)]
    (folder / "manifest.csv").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    print(f"rendered {n} agendas in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return folder


def run(corpus: Path, codebook: Path | None, db: Path, cache: Path, jobs: int) -> dict:
    import psutil

    env = {**os.environ, "KWALITEITSCAN_CACHE": str(cache)}
    cmd = [sys.executable, "-c", RUNNER, str(corpus), str(codebook) if codebook else "-", str(db), str(jobs)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [root] + root.children(recursive=True)
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - started
    out = proc.stdout.read()
    if proc.returncode:
        raise SystemExit(f"run failed ({proc.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(wall=wall, peak_mb=peak / 2**20)
    return result


#: patterns that hit every benchmark agenda (regular expressions no codebook pattern has), so a
#: re-code that adds one must match and build every document's candidates again
HITTING = {"hitting": r'{regex: "\\bstudent(?:en)?\\b"}', "profiled": r'{regex: "\\bstage(?:s)?\\b"}'}


def changed_codebook(folder: Path, tag: str = "changed") -> Path:
    """The bundled codebook with its version bumped and one pattern added: an ordinary edit. The
    added pattern is a new word that occurs nowhere, or (HITTING) one that occurs in every agenda."""
    lines = (ROOT / "codebooks" / "stagediscriminatie.yaml").read_text(encoding="utf-8").splitlines()
    lines = [re.sub(r"^version: .*$", f'version: "bench-{tag}"', line) for line in lines]
    for i, line in enumerate(lines):
        if line.strip() == "patterns:" and lines[i + 1].lstrip().startswith("- "):
            indent = lines[i + 1][: len(lines[i + 1]) - len(lines[i + 1].lstrip())]
            lines.insert(i + 1, f'{indent}- {HITTING.get(tag, f"benchmark{tag}")}')
            break
    path = folder / f"{tag}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def pdftotext(corpus: Path, folder: Path) -> float | None:
    """Seconds for poppler's `pdftotext` over the corpus's PDFs one after the other (None: not installed)."""
    if shutil.which("pdftotext") is None:
        return None
    started = time.perf_counter()
    for pdf in sorted(corpus.glob("*.pdf")):
        subprocess.run(["pdftotext", str(pdf), str(folder / "out.txt")], check=True)
    return time.perf_counter() - started


QUEUE_RUNNER = """
import json, sys, time
from kwaliteitscan.codebook import load_codebook
from kwaliteitscan.project.store import Project
from kwaliteitscan.review.session import ReviewSession
out = {}
with Project(sys.argv[1]) as project:
    if sys.argv[2] == "-":
        from kwaliteitscan.project import project_codebook
        book = project_codebook(project)
    else:
        book = load_codebook(sys.argv[2])
    for label in ("open_cold", "open_warm"):
        started = time.perf_counter()
        session = ReviewSession(project, "bench", book=book)
        session.current()
        out[label] = time.perf_counter() - started
    out["passages"] = session.total
    rerank = []
    for k in range(10):
        started = time.perf_counter()
        session.confirm() if k % 3 == 0 else session.reject()
        session.current()
        rerank.append(time.perf_counter() - started)
    out["rerank"] = rerank
print(json.dumps(out))
"""


def review_queue(db: Path, codebook: Path | None, cache: Path) -> dict:
    """Opening the review queue of the coded project and re-ranking it after decisions (seconds);
    `codebook` None: the project's own."""
    env = {**os.environ, "KWALITEITSCAN_CACHE": str(cache)}
    out = subprocess.run([sys.executable, "-c", QUEUE_RUNNER, str(db), str(codebook) if codebook else "-"], env=env, cwd=ROOT,
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


PROFILE_RUNNER = """
import cProfile, io, pstats, sys
from kwaliteitscan.pipeline.code import code_corpus
profile = cProfile.Profile()
profile.enable()
code_corpus(sys.argv[1], sys.argv[2], sys.argv[3], jobs=1)
profile.disable()
text = io.StringIO()
stats = pstats.Stats(profile, stream=text).strip_dirs()
stats.sort_stats("tottime").print_stats(20)
stats.sort_stats("cumulative").print_stats(30)
print(text.getvalue())
"""


def profile_warm(corpus: Path, codebook: Path, db: Path, cache: Path) -> str:
    """cProfile of a warm re-code in one process (jobs 1): where the time of a re-code goes."""
    env = {**os.environ, "KWALITEITSCAN_CACHE": str(cache)}
    out = subprocess.run([sys.executable, "-c", PROFILE_RUNNER, str(corpus), str(codebook), str(db)], env=env,
                         cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True).stdout
    keep = [line.rstrip() for line in out.splitlines()
            if line.strip() and not line.lstrip().startswith(("List reduced", "Ordered by"))]
    return "\n".join(keep)


OPEN_PROFILE_RUNNER = """
import cProfile, io, pstats, sys
from kwaliteitscan.project import project_codebook
from kwaliteitscan.project.store import Project
from kwaliteitscan.review.session import ReviewSession
with Project(sys.argv[1]) as project:
    book = project_codebook(project)
    profile = cProfile.Profile()
    profile.enable()
    ReviewSession(project, "bench", book=book).current()
    profile.disable()
text = io.StringIO()
pstats.Stats(profile, stream=text).strip_dirs().sort_stats("cumulative").print_stats(18)
print(text.getvalue())
"""


def profile_open(db: Path, cache: Path) -> str:
    """cProfile of opening `review` on the project once: where the opening time goes."""
    env = {**os.environ, "KWALITEITSCAN_CACHE": str(cache)}
    out = subprocess.run([sys.executable, "-c", OPEN_PROFILE_RUNNER, str(db)], env=env, cwd=ROOT,
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    return "\n".join(line.rstrip() for line in out.splitlines()
                     if line.strip() and not line.lstrip().startswith(("List reduced", "Ordered by")))


def review_only(project: Path, repeat: int, out: Path | None) -> int:
    """The review part alone, `repeat` times, each in a fresh process on a fresh copy of `project`;
    with `out`, the figures and a cProfile of one opening are written there too."""
    opened, again, rerank = [], [], []
    before = machine_speed()
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "project.sqlite"
            shutil.copy(project, copy)
            queue = review_queue(copy, None, Path(tmp) / "cache")
        opened.append(queue["open_cold"])
        again.append(queue["open_warm"])
        rerank.append(statistics.median(queue["rerank"]))
    lines = [f"- review queue of {project.name} ({queue['passages']} passages), {repeat} runs, "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; machine speed {before:.2f} s before, "
             f"{machine_speed():.2f} s after",
             f"- opening `review`: median {statistics.median(opened):.2f} s (runs: "
             f"{', '.join(f'{x:.2f}' for x in opened)}); again in the same process: median "
             f"{statistics.median(again):.2f} s (target ≤ {TARGETS['open']:.0f} s)",
             f"- re-ranking after a decision: median {statistics.median(rerank):.2f} s (per run: "
             f"{', '.join(f'{x:.2f}' for x in rerank)}) (target ≤ {TARGETS['rerank']:.0f} s)"]
    if out is None:
        print("\n".join(lines))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "project.sqlite"
        shutil.copy(project, copy)
        profile = profile_open(copy, Path(tmp) / "cache")
    lines += ["", "```", profile, "```"]
    return publish("\n".join(lines) + "\n", out)


def machine_speed() -> float:
    """Seconds for a fixed CPU-bound loop (best of 3), so runs on a busy machine can be told apart."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        sum(i * i for i in range(3_000_000))
        best = min(best, time.perf_counter() - started)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-profile", action="store_true", help="skip the profiled warm re-code")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "code.md")
    parser.add_argument("--review-only", type=Path, metavar="PROJECT",
                        help="only open the review queue of this coded project and re-rank it (a copy of it, so "
                             "its decisions stay as they are); print the seconds")
    parser.add_argument("--repeat", type=int, default=3, help="with --review-only: how many runs")
    args = parser.parse_args(argv)
    if args.review_only:
        return review_only(args.review_only, args.repeat, args.out if "--out" in (argv or sys.argv) else None)
    corpus = build_corpus(args.docs)
    compiled = compile_package()
    before = machine_speed()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db, cache = tmp / "bench.sqlite", tmp / "cache"
        poppler = pdftotext(corpus, tmp)
        cold = run(corpus, None, db, cache, args.jobs)
        warm = run(corpus, changed_codebook(tmp), db, cache, args.jobs)
        same = run(corpus, tmp / "changed.yaml", db, cache, args.jobs)
        hitting = run(corpus, changed_codebook(tmp, "hitting"), db, cache, args.jobs)
        queue = review_queue(db, tmp / "hitting.yaml", cache)
        profile = None if args.no_profile else profile_warm(corpus, changed_codebook(tmp, "profiled"), db, cache)
    after = machine_speed()
    rows = [("cold (extract + spaCy + match + store)", cold), ("warm re-code (codebook changed)", warm),
            ("unchanged re-run", same), ("warm re-code, the added pattern hits every agenda", hitting)]
    lines = [f"# `kwaliteitscan code` on {cold['documents']} agendas, {cold['pages']} pages",
             "", f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} CPUs; "
             f"jobs {args.jobs}; pipeline {cold['pipeline']}",
             f"- machine speed (a fixed pure-Python loop, lower is faster; these shared machines vary): "
             f"{before:.2f} s before, {after:.2f} s after the runs", f"- {compiled}",
             f"- poppler `pdftotext` over the same {cold['documents']} files one after the other, in the same run: "
             + (f"{poppler:.1f} s" if poppler else "not installed (apt-get install poppler-utils)"), "",
             "| run | wall s | in-process s | extract s | segment+match s | store s | documents coded | candidates | "
             "peak RSS MB | / pdftotext |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for label, r in rows:
        st = r["stages"]
        ratio = f"{r['wall'] / poppler:.2f}x" if poppler else "–"
        lines.append(f"| {label} | {r['wall']:.1f} | {r['seconds']:.1f} | {st['extract']:.1f} | {st['code']:.1f} | "
                     f"{st['store']:.1f} | {r['coded']} | {r['candidates']} | {r['peak_mb']:.0f} | {ratio} |")
    peak = max(r["peak_mb"] for _, r in rows)
    rerank = statistics.median(queue["rerank"])

    def verdict(value: float, target: float) -> str:
        return "PASS" if value <= target else "FAIL"

    lines += ["", f"- cold {cold['wall']:.1f} s (target ≤ {TARGETS['cold']:.0f} s) {verdict(cold['wall'], TARGETS['cold'])}",
              f"- warm re-code {warm['wall']:.1f} s (target ≤ {TARGETS['warm']:.0f} s) "
              f"{verdict(warm['wall'], TARGETS['warm'])}",
              f"- warm re-code when the added pattern hits every agenda (every document matched and stored "
              f"again) {hitting['wall']:.1f} s (target ≤ {TARGETS['warm']:.0f} s) {verdict(hitting['wall'], TARGETS['warm'])}",
              f"- unchanged re-run {same['wall']:.1f} s (target ≤ {TARGETS['same']:.0f} s) "
              f"{verdict(same['wall'], TARGETS['same'])}",
              f"- peak memory {peak:.0f} MB (target ≤ {TARGETS['memory_mb']:.0f} MB) "
              f"{verdict(peak, TARGETS['memory_mb'])}"]
    if poppler:
        lines += [f"- cold / pdftotext {cold['wall'] / poppler:.2f}x (target ≤ {TARGETS['cold_ratio']}x) "
                  f"{verdict(cold['wall'] / poppler, TARGETS['cold_ratio'])}",
                  f"- warm / pdftotext {warm['wall'] / poppler:.2f}x (target ≤ {TARGETS['warm_ratio']}x) "
                  f"{verdict(warm['wall'] / poppler, TARGETS['warm_ratio'])}; when the pattern hits every agenda "
                  f"{hitting['wall'] / poppler:.2f}x {verdict(hitting['wall'] / poppler, TARGETS['warm_ratio'])}"]
    lines += [f"- review queue of this project ({queue['passages']} passages): opening `review` "
              f"{queue['open_cold']:.2f} s the first time in a fresh process, {queue['open_warm']:.2f} s again "
              f"(target ≤ {TARGETS['open']:.0f} s) {verdict(queue['open_cold'], TARGETS['open'])}; re-ranking after "
              f"a decision median {rerank:.2f} s, max {max(queue['rerank']):.2f} s of 10 "
              f"(target ≤ {TARGETS['rerank']:.0f} s) {verdict(rerank, TARGETS['rerank'])}"]
    if profile:
        lines += ["", "## Where a warm re-code spends its time (cProfile, one more re-code in one process, jobs 1, "
                  "adding a pattern that hits every agenda)",
                  "", "```", profile, "```"]
    text = "\n".join(lines) + "\n"
    return publish(text, args.out)

if __name__ == "__main__":
    sys.exit(main())
