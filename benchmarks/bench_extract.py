"""Benchmark PDF text extraction: speed, peak memory and fidelity, all in one run.

What it measures, on two inputs (the 9-PDF demo corpus as one set, and a generated
100-page two-column agenda), each measurement in a FRESH subprocess (3 repetitions,
min/median reported, repetitions interleaved so machine noise hits every row alike):

- kwaliteitscan default engine, cold: `extract_file(path, "pdfium")`, no cache;
- kwaliteitscan cached re-run: `extract_many([path], cache=Cache(dir))` on a filled cache
  (SHA-256 of the file + JSON look-up), i.e. what a user waits for on a re-run;
- kwaliteitscan `extract_file(path, "pdfplumber")` (the CLI's `--engine pdfplumber`);
- the CLI end to end on the 100-page file (`kwaliteitscan extract FILE --no-cache`, and
  with a warm cache): process wall time including interpreter start-up;
- baselines: poppler's `pdftotext` CLI (default mode), raw pypdfium2 `get_text_range()`,
  raw pdfplumber `page.extract_text()` (pages closed after use).

Times are in-process times of the extraction call (imports timed separately, interpreter
start-up excluded) except for the CLI rows. Peak RSS is `ru_maxrss` of the measured process
tree (the largest single process, via os.wait4). Fidelity is the share of gold sentences
(passages + traps of corpus/gold/*.yaml) found verbatim in the output after collapsing
whitespace only: no dehyphenation or other cleanup, for any method.

The 100-page PDF is built once from the demo sources (corpus/src/*.md, cycled under a
two-column front matter and trimmed to exactly 100 pages) and cached in benchmarks/data/
with its Markdown source and ground truth; it is rebuilt when the sources change.

Run from the repo root:
    .venv/bin/python benchmarks/bench_extract.py [--quick] [--out FILE] [--before REF]
--before REF: also measure the package as it was at git commit REF (exported to a temporary
folder): cold `extract_file` on both inputs and the CLI's cold run, interleaved with the other
rows, with the ratios now / before pair by pair.
--quick: 1 repetition and no pdfplumber on the 100-page file. Generating the PDF needs the
render extra (pip install -e '.[render]'); without pdftotext (apt-get install
poppler-utils) that baseline is skipped.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from results_file import compile_package, publish  # benchmarks/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA = ROOT / "benchmarks" / "data"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "extract.md"
BIG_PAGES = 100
BIG_PDF = DATA / f"agenda-{BIG_PAGES}p.pdf"
FRONT_MATTER = ("---\ninstitution: ROC Benchmarkstad\ntitle: Kwaliteitsagenda 2024-2027\nyear: 2024\n"
                "layout: two-column\n---\n")
CLI = Path(sys.executable).parent / "kwaliteitscan"
# Modules only the parent needs (hashlib, importlib.metadata, tempfile, platform, ...) are
# imported where used, to keep the measured worker processes small (see "harness" below).

# project targets for the default path
TARGET_COLD_S, TARGET_CACHED_S, TARGET_RSS_MB = 1.5, 0.2, 300
#: issue 18: the CLI's cold `extract` of the 100-page agenda within this multiple of pdftotext in the same run
TARGET_CLI_VS_PDFTOTEXT = 3.0

# key: (row label, modules imported before the clock starts)
METHODS = {
    "ks-cold": ("kwaliteitscan pdfium (default), cold `extract_file`", ("kwaliteitscan.extract", "pypdfium2")),
    "ks-cached": ("kwaliteitscan pdfium, cached re-run (`extract_many` + `Cache`)", ("kwaliteitscan.extract",)),
    "ks-plumber": ("kwaliteitscan `--engine pdfplumber`", ("kwaliteitscan.extract", "pdfplumber")),
    "cli-cold": ("CLI `kwaliteitscan extract --no-cache` (process wall)", ()),
    "cli-warm": ("CLI `kwaliteitscan extract`, warm cache (process wall)", ()),
    "pdftotext": ("baseline: poppler `pdftotext` CLI", ()),
    "pdfium-raw": ("baseline: pypdfium2 `get_text_range()`", ("pypdfium2",)),
    "plumber-raw": ("baseline: pdfplumber `extract_text()`", ("pdfplumber",)),
    "ks-cold-before": ("the same, before (`--before`), cold `extract_file`", ("kwaliteitscan.extract", "pypdfium2")),
    "cli-cold-before": ("the same, before (`--before`), CLI `extract --no-cache`", ()),
    "ks-fill": ("(fills the cache, not reported)", ("kwaliteitscan.extract",)),
    "noop": ("(the harness alone: interpreter + worker start-up, no extraction)", ()),
}
DEFAULT_PATH = ("ks-cold", "ks-cached", "cli-cold", "cli-warm")
#: rows measured only with --before REF: the package as it was at REF, exported to a folder
BEFORE_METHODS = ("ks-cold-before", "cli-cold-before")
#: the exported tree and its git ref, set by main() when --before is given
BEFORE: dict[str, str] = {}
#: `python -c` code that runs the CLI from the tree given as the first argument (as the console script does)
CLI_FROM_TREE = (
    "import sys\n"
    "tree = sys.argv.pop(1)\n"
    "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]\n"
    "sys.path_hooks[:] = [h for h in sys.path_hooks if 'editable' not in repr(h).lower()]\n"
    "sys.path.insert(0, tree)\n"
    "sys.path_importer_cache.clear()\n"
    "sys.argv[0] = 'kwaliteitscan'\n"
    "import kwaliteitscan\n"
    "if not kwaliteitscan.__file__.startswith(tree): sys.exit(f'kwaliteitscan came from {kwaliteitscan.__file__}')\n"
    "from kwaliteitscan.cli.app import run\n"
    "sys.exit(run())\n"
)
INTERNAL = ("ks-fill", "noop")


def median(values) -> float:
    ordered = sorted(values)
    return (ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2]) / 2


def norm(text: str) -> str:
    """The only normalisation applied before comparing: collapse whitespace."""
    return " ".join(text.split())


# --------------------------------------------------------------------------- extraction (worker side)


def run_ks(paths: list[Path], engine: str) -> dict[str, str]:
    from kwaliteitscan.extract.extractor import extract_file

    return {p.name: extract_file(p, engine).text() for p in paths}


def run_ks_cache(paths: list[Path], cache_dir: str, must_hit: bool) -> dict[str, str]:
    from kwaliteitscan.extract.extractor import Cache, extract_many

    outcomes = extract_many(paths, cache=Cache(Path(cache_dir)))
    failed = [o.error for o in outcomes if o.document is None] + [
        f"{o.path}: not served from the cache" for o in outcomes if must_hit and not o.cached]
    if failed:
        raise RuntimeError("; ".join(failed))
    return {o.path.name: o.document.text() for o in outcomes}


def run_pdfium_raw(paths: list[Path]) -> dict[str, str]:
    import pypdfium2 as pdfium

    texts = {}
    for path in paths:
        pdf, parts = pdfium.PdfDocument(str(path)), []
        for page in pdf:
            textpage = page.get_textpage()
            parts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        pdf.close()
        texts[path.name] = "\n".join(parts)
    return texts


def run_plumber_raw(paths: list[Path]) -> dict[str, str]:
    import pdfplumber

    texts = {}
    for path in paths:
        parts = []
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                parts.append(page.extract_text() or "")
                page.close()
        texts[path.name] = "\n".join(parts)
    return texts


def run_pdftotext(paths: list[Path]) -> dict[str, str]:
    return {p.name: subprocess.run(["pdftotext", "-enc", "UTF-8", str(p), "-"], capture_output=True,
                                   check=True).stdout.decode("utf-8") for p in paths}


RUNNERS = {
    "ks-cold": lambda paths, cache: run_ks(paths, "pdfium"),
    "ks-cold-before": lambda paths, cache: run_ks(paths, "pdfium"),  # imported from the --before tree
    "ks-plumber": lambda paths, cache: run_ks(paths, "pdfplumber"),
    "ks-cached": lambda paths, cache: run_ks_cache(paths, cache, must_hit=True),
    "ks-fill": lambda paths, cache: run_ks_cache(paths, cache, must_hit=False),
    "pdftotext": lambda paths, cache: run_pdftotext(paths),
    "pdfium-raw": lambda paths, cache: run_pdfium_raw(paths),
    "plumber-raw": lambda paths, cache: run_plumber_raw(paths),
    "noop": lambda paths, cache: {},
}


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def worker(argv: list[str]) -> int:
    """One measurement in this (fresh) process; results go to a JSON file."""
    parser = argparse.ArgumentParser()
    parser.add_argument("method", choices=RUNNERS)
    parser.add_argument("--result", required=True)
    parser.add_argument("--cache-dir", required=True)
    parser.add_argument("--tree", help="import kwaliteitscan from this folder instead of the installed one")
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.tree:  # what CLI_FROM_TREE does, before anything imports kwaliteitscan
        sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
        sys.path_hooks[:] = [h for h in sys.path_hooks if "editable" not in repr(h).lower()]
        sys.path.insert(0, args.tree)
        sys.path_importer_cache.clear()
    start = time.perf_counter()
    for module in METHODS[args.method][1]:
        importlib.import_module(module)
    if args.tree and not sys.modules["kwaliteitscan"].__file__.startswith(args.tree):
        raise SystemExit(f"kwaliteitscan came from {sys.modules['kwaliteitscan'].__file__}, not {args.tree}")
    t0, c0 = time.perf_counter(), cpu_seconds()
    texts = RUNNERS[args.method](args.paths, args.cache_dir)
    t1, c1 = time.perf_counter(), cpu_seconds()
    Path(args.result).write_text(json.dumps({"import_s": t0 - start, "seconds": t1 - t0, "cpu_s": c1 - c0,
                                             "texts": texts}), encoding="utf-8")
    return 0


# --------------------------------------------------------------------------- inputs and ground truth


def source_body(text: str) -> str:
    return text.split("\n---", 1)[1] if text.startswith("---") else text


def gold_sentences(doc_id: str) -> set[str]:
    import yaml

    gold = yaml.safe_load((CORPUS / "gold" / f"{doc_id}.yaml").read_text(encoding="utf-8"))
    return {norm(str(item["text"])) for key in ("passages", "traps") for item in gold.get(key) or []}


def truth_counts(body: str, sentences: set[str]) -> dict[str, int]:
    """How often each gold sentence occurs in a source: what a faithful extraction must keep."""
    flat = norm(body)
    return {s: flat.count(s) for s in sorted(sentences) if s and flat.count(s)}


def corpus_inputs() -> tuple[list[Path], dict[str, dict[str, int]]]:
    pdfs = sorted(CORPUS.glob("*.pdf"))
    truth = {p.name: truth_counts(source_body((CORPUS / "src" / f"{p.stem}.md").read_text(encoding="utf-8")),
                                  gold_sentences(p.stem)) for p in pdfs}
    return pdfs, truth


def to_markdown(blocks) -> str:
    """The inverse of render.parse_source for the blocks it produces."""
    prefix = {"h1": "# ", "h2": "## ", "h3": "### ", "li": "- ", "quote": "> ", "p": ""}
    parts = []
    for block in blocks:
        if block.kind == "table":
            rows = ["| " + " | ".join(row) + " |" for row in block.rows]
            parts.append("\n".join([rows[0], "|" + "---|" * len(block.rows[0])] + rows[1:]))
        else:
            parts.append(prefix[block.kind] + block.text)
    return "\n\n".join(parts) + "\n"


def page_count(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def big_pdf_inputs() -> tuple[Path, dict[str, int]]:
    """The 100-page two-column agenda and its ground truth, built once and cached in benchmarks/data/."""
    import hashlib

    sources = sorted((CORPUS / "src").glob("*.md"))
    stamp_parts = [p.read_bytes() for p in sources + sorted((CORPUS / "gold").glob("*.yaml"))]
    stamp_parts += [(ROOT / "kwaliteitscan" / "testing" / "demo_pdf.py").read_bytes(), FRONT_MATTER.encode()]
    stamp = hashlib.sha256(b"".join(stamp_parts)).hexdigest()
    truth_file = BIG_PDF.with_suffix(".truth.json")
    if BIG_PDF.exists() and truth_file.exists():
        cached = json.loads(truth_file.read_text(encoding="utf-8"))
        if cached.get("stamp") == stamp:
            return BIG_PDF, cached["sentences"]
    try:
        from kwaliteitscan.testing.demo_pdf import parse_source, render_pdf
    except ImportError as exc:
        raise SystemExit(f"generating {BIG_PDF.name} needs the render extra: pip install -e '.[render]' ({exc})")
    print(f"generating {BIG_PDF.relative_to(ROOT)} (once) ...", file=sys.stderr)
    DATA.mkdir(parents=True, exist_ok=True)
    docs = [parse_source(p.read_text(encoding="utf-8"), str(p)).blocks for p in sources]

    def render(n_blocks: int) -> tuple[str, int]:
        cycle = [b for blocks in docs for b in blocks]
        blocks = [cycle[i % len(cycle)] for i in range(n_blocks)]
        markdown = FRONT_MATTER + to_markdown(blocks)
        render_pdf(parse_source(markdown), BIG_PDF)
        return markdown, page_count(BIG_PDF)

    total = sum(map(len, docs))  # blocks in one pass over all sources
    # grow from a small document: one pass over all 41 sources is ~140 pages, and rendering that in
    # one go can hit a reportlab splitting error that the 100-page document never meets
    lo, hi = 1, 64
    while render(hi)[1] < BIG_PAGES:
        lo, hi = hi, hi * 2
    # the largest block count that fits in BIG_PAGES pages, by bisection
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if render(mid)[1] <= BIG_PAGES else (lo, mid - 1)
    markdown, pages = render(lo)
    sentences = set().union(*(gold_sentences(p.stem) for p in sources))
    truth = truth_counts(source_body(markdown), sentences)
    BIG_PDF.with_suffix(".md").write_text(markdown, encoding="utf-8")
    truth_file.write_text(json.dumps({"stamp": stamp, "pages": pages, "blocks": lo, "sentences": truth},
                                     ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"  {pages} pages from {lo} blocks ({lo / total:.2f} passes over the demo sources)", file=sys.stderr)
    return BIG_PDF, truth


# --------------------------------------------------------------------------- measuring (parent side)


@dataclass
class Cell:
    """One table row: a method on an input, with its runs."""

    method: str
    input: str  # "corpus" | "big"
    paths: list[Path]
    pages: int
    truth: dict[str, dict[str, int]]
    runs: list[dict] = field(default_factory=list)
    fidelity: tuple[int, int] | None = None

    def median(self, key: str = "seconds") -> float:
        return median(r[key] for r in self.runs)


class Launcher:
    """Starts the measured processes and reports (wall s, peak RSS MB) for each.

    A process started with fork/vfork + exec inherits its parent's RSS high-water mark in
    ru_maxrss, so the measured processes are started by this tiny stdlib-only helper (about
    8 MB) instead of by the benchmark process itself.
    """

    CODE = (
        "import json, os, sys, time\n"
        "for line in sys.stdin:\n"
        "    cmd, out, err = json.loads(line)\n"
        "    fds = [os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC) for p in (out, err)]\n"
        "    start = time.perf_counter()\n"
        "    pid = os.posix_spawn(cmd[0], cmd, os.environ, file_actions=[\n"
        "        (os.POSIX_SPAWN_DUP2, fds[0], 1), (os.POSIX_SPAWN_DUP2, fds[1], 2)])\n"
        "    _, status, usage = os.wait4(pid, 0)\n"
        "    wall = time.perf_counter() - start\n"
        "    [os.close(fd) for fd in fds]\n"
        "    print(json.dumps([wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status),\n"
        "                      usage.ru_utime + usage.ru_stime]), flush=True)\n"
    )

    def __init__(self, tmp: Path) -> None:
        self.err = tmp / "stderr.txt"
        self.proc = subprocess.Popen([sys.executable, "-S", "-c", self.CODE], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, cwd=ROOT)

    def run(self, cmd: list[str], stdout: Path) -> tuple[float, float, float]:
        """Run cmd in a fresh process; return (wall s, peak RSS MB of the largest process in its tree,
        CPU s of the tree: user + system of the process and the descendants it waited for)."""
        self.proc.stdin.write(json.dumps([list(map(str, cmd)), str(stdout), str(self.err)]) + "\n")
        self.proc.stdin.flush()
        wall, rss, code, cpu = json.loads(self.proc.stdout.readline())
        if code:
            raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({code}):\n"
                               f"{self.err.read_text(errors='replace')[-2000:]}")
        return wall, rss, cpu

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def measure(launcher: Launcher, method: str, paths: list[Path], tmp: Path,
            cache_dir: Path) -> tuple[dict, dict[str, str]]:
    stdout, result = tmp / "stdout.txt", tmp / "result.json"
    if method.startswith("cli-"):
        cache = ["--cache-dir", str(cache_dir)] if method == "cli-warm" else ["--no-cache"]
        start = [sys.executable, "-c", CLI_FROM_TREE, BEFORE["tree"]] if method in BEFORE_METHODS else [str(CLI)]
        wall, rss, cpu = launcher.run([*start, "extract", *map(str, paths), *cache], stdout)
        return ({"seconds": wall, "wall": wall, "rss": rss, "cpu_s": cpu},
                {paths[0].name: stdout.read_text(encoding="utf-8")})
    tree = ["--tree", BEFORE["tree"]] if method in BEFORE_METHODS else []
    wall, rss, _ = launcher.run([sys.executable, str(Path(__file__).resolve()), "--worker", method, "--result", str(result),
                       "--cache-dir", str(cache_dir), *tree, *map(str, paths)], stdout)
    data = json.loads(result.read_text(encoding="utf-8"))
    texts = data.pop("texts")
    return {**data, "wall": wall, "rss": rss}, texts


def fidelity(texts: dict[str, str], truth: dict[str, dict[str, int]]) -> tuple[int, int]:
    """(sentences surviving verbatim, sentences expected), counting repeated sentences."""
    kept = total = 0
    for name, counts in truth.items():
        flat = norm(texts.get(name, ""))
        kept += sum(min(flat.count(s), n) for s, n in counts.items())
        total += sum(counts.values())
    return kept, total


def plan(quick: bool) -> tuple[list[Cell], list[str]]:
    corpus_pdfs, corpus_truth = corpus_inputs()
    big, big_truth = big_pdf_inputs()
    inputs = {"corpus": (corpus_pdfs, corpus_truth), "big": ([big], {big.name: big_truth})}
    notes, skip = [], set()
    if not shutil.which("pdftotext"):
        notes.append("pdftotext not found (apt-get install -y poppler-utils): that baseline is skipped.")
        skip.add("pdftotext")
    if not CLI.exists():
        notes.append(f"{CLI} not found: the CLI rows are skipped.")
        skip |= {"cli-cold", "cli-warm"}
    cells = []
    for key in METHODS:
        for name, (paths, truth) in inputs.items():
            if key in skip or key in INTERNAL or (key.startswith("cli-") and name != "big") or (
                    key in BEFORE_METHODS and not BEFORE):
                continue
            if quick and name == "big" and key in ("ks-plumber", "plumber-raw"):
                continue
            cells.append(Cell(key, name, paths, sum(map(page_count, paths)), truth))
    if quick:
        notes.append("--quick: 1 repetition, no pdfplumber on the 100-page file.")
    return cells, notes


def run_all(cells: list[Cell], reps: int) -> tuple[float, float]:
    """Measure every cell `reps` times (repetitions interleaved); return the harness (median wall s, peak MB)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench_extract-") as tmpdir:
        tmp, cache_dir = Path(tmpdir), Path(tmpdir) / "cache"
        launcher = Launcher(tmp)
        all_paths = sorted({p for cell in cells for p in cell.paths})
        measure(launcher, "ks-fill", all_paths, tmp, cache_dir)  # untimed: the first run, fills the cache
        harness = [measure(launcher, "noop", all_paths[:1], tmp, cache_dir)[0] for _ in range(reps)]
        for rep in range(reps):
            for cell in cells:
                run, texts = measure(launcher, cell.method, cell.paths, tmp, cache_dir)
                cell.runs.append(run)
                cell.fidelity = cell.fidelity or fidelity(texts, cell.truth)
                print(f"[{rep + 1}/{reps}] {cell.method:11} {cell.input:6} {run['seconds']:7.3f} s "
                      f"{run['rss']:6.0f} MB", file=sys.stderr)
        launcher.close()
    return median(r["wall"] for r in harness), max(r["rss"] for r in harness)


# --------------------------------------------------------------------------- report


def machine_info() -> list[str]:
    import platform
    from datetime import datetime
    from importlib.metadata import version

    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")),
                   platform.processor() or "unknown")
    import pypdfium2.version as pdfium_version

    poppler = "not installed"
    if shutil.which("pdftotext"):
        poppler = subprocess.run(["pdftotext", "-v"], capture_output=True, text=True).stderr.splitlines()[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "?"
    return [
        f"- date: {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}; kwaliteitscan "
        f"{version('kwaliteitscan')} at git {commit}",
        f"- machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu}, "
        f"load average {os.getloadavg()[0]:.2f}, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; pypdfium2 {version('pypdfium2')} (pdfium "
        f"{pdfium_version.PDFIUM_INFO}); pdfplumber {version('pdfplumber')} (pdfminer.six "
        f"{version('pdfminer.six')}); poppler: {poppler}",
    ]


def table(cells: list[Cell]) -> list[str]:
    labels = {"corpus": f"demo corpus ({len(list(CORPUS.glob('*.pdf')))} PDFs)", "big": f"{BIG_PDF.name}"}
    lines = ["| method | input | pages | min s | median s | pages/s (median) | import s | peak RSS MB | fidelity |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for c in cells:
        kept, total = c.fidelity
        imports = f"{c.median('import_s'):.3f}" if "import_s" in c.runs[0] else "–"
        lines.append(f"| {METHODS[c.method][0]} | {labels[c.input]} | {c.pages} | "
                     f"{min(r['seconds'] for r in c.runs):.3f} | {c.median():.3f} | {c.pages / c.median():,.0f} | "
                     f"{imports} | {max(r['rss'] for r in c.runs):.0f} | "
                     f"{100 * kept / total:.1f} % ({kept}/{total}) |")
    return lines


def targets(cells: list[Cell]) -> list[str]:
    by = {(c.method, c.input): c for c in cells}

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    def pct(key) -> float:
        kept, total = by[key].fidelity
        return 100 * kept / total

    def end_to_end(key, target: float) -> str:
        cell = by.get((key, "big"))
        if cell is None:
            return ""
        above = "above" if cell.median() > target else "within"
        return f"; end to end via the CLI {cell.median():.3f} s wall incl. start-up ({above} the target)"

    cold, cached = by[("ks-cold", "big")], by[("ks-cached", "big")]
    lines = [f"- {verdict(cold.median() <= TARGET_COLD_S)} cold, {cold.pages} pages: {cold.median():.3f} s median "
             f"(CPU {cold.median('cpu_s'):.3f} s, one process) <= {TARGET_COLD_S} s"
             + end_to_end("cli-cold", TARGET_COLD_S),
             f"- {verdict(cached.median() <= TARGET_CACHED_S)} cached, {cached.pages} pages: {cached.median():.3f} s "
             f"median <= {TARGET_CACHED_S} s" + end_to_end("cli-warm", TARGET_CACHED_S)]
    default = [c for c in cells if c.method in DEFAULT_PATH]
    worst = max(default, key=lambda c: max(r["rss"] for r in c.runs))
    peak = max(r["rss"] for r in worst.runs)
    lines.append(f"- {verdict(peak <= TARGET_RSS_MB)} peak memory of the default path: {peak:.0f} MB "
                 f"({worst.method}, {worst.input}) <= {TARGET_RSS_MB} MB")
    lines += versus_pdftotext(by) + versus_before(by)
    rivals = [k for k in (("plumber-raw", "corpus"), ("ks-plumber", "corpus")) if k in by]
    ours = pct(("ks-cold", "corpus"))
    lines.append(f"- {verdict(all(ours >= pct(k) for k in rivals))} fidelity on the demo corpus: default "
                 f"{ours:.1f} % >= " + " and ".join(f"{k[0]} {pct(k):.1f} %" for k in rivals))
    return lines


def ratio(cell: Cell, base: Cell) -> float:
    """The median of the per-repetition ratios: both ran in the same repetition, within seconds of
    each other, so a change in the machine's load moves both."""
    return median(a["seconds"] / b["seconds"] for a, b in zip(cell.runs, base.runs))


def cpu_ratio(cell: Cell, base: Cell) -> float:
    return median(a["cpu_s"] / max(b["cpu_s"], 1e-3) for a, b in zip(cell.runs, base.runs))


def versus_pdftotext(by: dict) -> list[str]:
    """Issue 18: the CLI's cold extract of the 100-page agenda within 3x of pdftotext in the same run;
    and, for what the CLI's start-up costs, the in-process extraction against the same yardstick."""
    base = by.get(("pdftotext", "big"))
    cli = by.get(("cli-cold", "big"))
    if base is None or cli is None:
        return ["- (no CLI-versus-pdftotext ratio: pdftotext or the CLI is missing)"]
    times = ratio(cli, base)
    lines = [f"- {'PASS' if times <= TARGET_CLI_VS_PDFTOTEXT else 'FAIL'} CLI `extract --no-cache` of "
             f"{BIG_PDF.name} within {TARGET_CLI_VS_PDFTOTEXT:g}x of `pdftotext` in the same run: {times:.2f}x "
             f"(median of per-repetition ratios; CLI {cli.median():.3f} s wall, {cli.median('cpu_s'):.3f} s CPU "
             f"in all its processes; pdftotext {base.median():.3f} s wall, {base.median('cpu_s'):.3f} s CPU); "
             f"in CPU seconds, which a busy machine moves less: {cpu_ratio(cli, base):.2f}x"]
    cold = by.get(("ks-cold", "big"))
    if cold is not None:
        lines.append(f"  - extraction alone (`extract_file` in one warm process, no start-up or imports): "
                     f"{ratio(cold, base):.2f}x pdftotext ({cpu_ratio(cold, base):.2f}x in CPU); the CLI adds its start-up (interpreter, imports, "
                     f"argument parsing, the worker process) of about {cli.median() - cold.median():.3f} s")
    corpus, corpus_base = by.get(("ks-cold", "corpus")), by.get(("pdftotext", "corpus"))
    if corpus is not None and corpus_base is not None:
        lines.append(f"  - the demo corpus ({corpus.pages} pages, one file after the other, in-process, one core): "
                     f"{ratio(corpus, corpus_base):.2f}x pdftotext run over the same files")
    return lines


def versus_before(by: dict) -> list[str]:
    """With --before REF: this tree against the package at REF, pair by pair in the same repetitions."""
    pairs = [(("ks-cold", "big"), ("ks-cold-before", "big"), f"`extract_file` of {BIG_PDF.name}"),
             (("ks-cold", "corpus"), ("ks-cold-before", "corpus"), "`extract_file` of the demo corpus"),
             (("cli-cold", "big"), ("cli-cold-before", "big"), f"CLI `extract --no-cache` of {BIG_PDF.name}")]
    lines = []
    for now_key, before_key, what in pairs:
        now, before = by.get(now_key), by.get(before_key)
        if now is None or before is None:
            continue
        lines.append(f"- now / before (git {BEFORE['ref']}), {what}: {ratio(now, before):.2f}x in time "
                     f"({now.median():.3f} s against {before.median():.3f} s, medians), "
                     f"{cpu_ratio(now, before):.2f}x in CPU ({now.median('cpu_s'):.3f} s against "
                     f"{before.median('cpu_s'):.3f} s)")
    return lines


def export_before(ref: str, folder: Path) -> str:
    """The package as it was at git `ref`, written under `folder` and compiled; returns the folder."""
    archive = subprocess.run(["git", "archive", ref, "kwaliteitscan"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    import compileall

    compileall.compile_dir(folder / "kwaliteitscan", quiet=1)
    return str(folder)


def report(cells: list[Cell], notes: list[str], harness: tuple[float, float], reps: int) -> str:
    lines = ["# PDF extraction benchmark (benchmarks/bench_extract.py)", "", *machine_info(),
             f"- {reps} fresh process(es) per cell. Times exclude interpreter start-up and imports (own "
             f"column), except the CLI rows. The harness alone (a worker process that extracts nothing) "
             f"takes {harness[0]:.3f} s wall and {harness[1]:.0f} MB, a floor under the RSS of the "
             f"non-CLI rows (pdftotext runs as a child of it)",
             *[f"- note: {n}" for n in notes], "", *table(cells), "",
             "Fidelity: gold passages+traps found verbatim after whitespace collapsing only (no cleanup). "
             "Peak RSS: largest process of the measured tree.", "",
             "Targets (default path):", *targets(cells)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        return worker(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 repetition, no pdfplumber on the 100-page file")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"report file (default {DEFAULT_OUT})")
    parser.add_argument("--before", metavar="REF", help="also measure the package as it was at this git commit "
                        "(cold rows, interleaved with the others) and print the ratios now / before")
    args = parser.parse_args(argv)
    reps = 1 if args.quick else 3
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench_extract-before-") as before_dir:
        if args.before:
            commit = subprocess.run(["git", "rev-parse", "--short", args.before], cwd=ROOT, capture_output=True,
                                    text=True, check=True).stdout.strip()
            BEFORE.update(ref=commit, tree=export_before(args.before, Path(before_dir)))
        cells, notes = plan(args.quick)
        notes.append(compile_package())
        if BEFORE:
            notes.append(f"--before {args.before}: the rows marked 'before' import the package as it was at git "
                         f"{BEFORE['ref']} (exported and compiled); their CLI is started as `python -c` with the "
                         "console script's entry point")
        harness = run_all(cells, reps)
    text = report(cells, notes, harness, reps)
    return publish(text, args.out)


if __name__ == "__main__":
    sys.exit(main())
