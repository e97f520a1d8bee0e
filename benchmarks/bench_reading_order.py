"""Benchmark reading order: gold sentences kept verbatim when the PDF's stream order is scrambled.

Inputs (all generated, seeded):
- a two-column Dutch agenda (kwaliteitscan/testing/scrambled_pdf.py), the same pages written in
  six content-stream orders: in order, right column first, lines interleaved between the
  columns, body fragments shuffled (words cut over two text objects), footer first, and
  everything shuffled;
- the same paragraphs as a two-column .docx with a running header and footer and automatic
  Dutch hyphenation, exported to PDF by LibreOffice headless (skipped, with a note, when
  `soffice` is not installed: apt-get install libreoffice-writer-nogui hyphen-nl).

Methods: kwaliteitscan's default extraction (`extract_file`, pdfium + our layout), poppler's
`pdftotext` (default mode) and, with --plumber, kwaliteitscan `--engine pdfplumber`.
Measure: the share of gold sentences found verbatim in the output after collapsing
whitespace only (the same measure as bench_extract.py). Target for kwaliteitscan: >= 0.99 on
every input.

Run from the repo root:
    .venv/bin/python benchmarks/bench_reading_order.py [--pages N] [--plumber] [--out FILE]
"""

from __future__ import annotations

import argparse
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from results_file import publish  # benchmarks/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "reading-order.md"
TARGET = 0.99


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def share(text: str, gold: list[str]) -> tuple[int, int]:
    text = flat(text)
    return sum(1 for s in gold if s in text), len(gold)


def ks_text(path: Path, engine: str = "pdfium") -> str:
    from kwaliteitscan.extract.extractor import extract_file

    return extract_file(path, engine).text()


def pdftotext_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def hyphenated_line_ends(pdf: Path) -> int:
    """Lines of the raw pdftotext -layout output that end in a hyphen (hyphenation happened)."""
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True).stdout
    return sum(1 for line in text.splitlines() for part in re.split(r"\s{3,}", line.strip()) if part.endswith("-"))


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--plumber", action="store_true", help="also kwaliteitscan --engine pdfplumber (slow)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from kwaliteitscan.testing.office_pdf import libreoffice_pdf
    from kwaliteitscan.testing.scrambled_pdf import ORDERS, gold_paragraphs, layout_pages, sentences, write_pdf

    has_pdftotext = shutil.which("pdftotext") is not None
    paragraphs = gold_paragraphs(args.pages, seed=2026)
    gold = sentences(paragraphs)
    methods = [("kwaliteitscan (default, pdfium)", lambda p: ks_text(p))]
    if args.plumber:
        methods.append(("kwaliteitscan --engine pdfplumber", lambda p: ks_text(p, "pdfplumber")))
    if has_pdftotext:
        methods.append(("poppler pdftotext (default mode)", pdftotext_text))
    rows, failures, notes = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pages = layout_pages(paragraphs)
        inputs = [(f"scrambled: {order}", write_pdf(pages, folder / f"{order}.pdf", order)) for order in ORDERS]
        lo_pdf, lo_note = libreoffice_pdf([p for page in paragraphs for p in page], folder)
        if lo_pdf is not None:
            inputs.append(("LibreOffice export of a .docx (2 columns, Dutch hyphenation)", lo_pdf))
            notes.append(f"LibreOffice: {lo_note}; {hyphenated_line_ends(lo_pdf)} line ends hyphenated in the PDF")
        else:
            notes.append(f"LibreOffice input skipped: {lo_note}")
        for label, pdf in inputs:
            for name, method in methods:
                started = time.perf_counter()
                found, total = share(method(pdf), gold)
                seconds = time.perf_counter() - started
                rows.append((label, name, found, total, seconds))
                if name.startswith("kwaliteitscan (default") and found / total < TARGET:
                    failures.append(f"{label}: {found / total:.3f}")
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    git = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True).stdout.strip()
    out = ["# Reading-order benchmark (benchmarks/bench_reading_order.py)", "",
           f"- date: {stamp}; git {git}; Python {platform.python_version()}",
           f"- input: {args.pages} pages, two columns, {len(gold)} gold sentences, seeded (seed 2026)",
           *[f"- {n}" for n in notes],
           "- measure: gold sentences found verbatim after collapsing whitespace only", "",
           "| input | method | sentences verbatim | share | seconds |", "|---|---|---:|---:|---:|"]
    out += [f"| {label} | {name} | {found}/{total} | {found / total:.3f} | {sec:.2f} |"
            for label, name, found, total, sec in rows]
    out += ["", f"Target: kwaliteitscan >= {TARGET} on every input: "
            + ("PASS" if not failures else "FAIL (" + "; ".join(failures) + ")")]
    if not has_pdftotext:
        out.append("pdftotext not installed: that baseline is skipped (apt-get install poppler-utils)")
    return publish("\n".join(out) + "\n", args.out)


if __name__ == "__main__":
    sys.exit(main())
