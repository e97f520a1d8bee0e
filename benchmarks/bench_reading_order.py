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
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

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


# --------------------------------------------------------------------------- the .docx


def _docx(paragraphs: list[str], out: Path) -> Path:
    """A minimal two-column Word document in Dutch with automatic hyphenation, a running header
    ("Kwaliteitsagenda 2024-2027 | ROC Duinrand") and a footer with the page number."""
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' \
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    body = "".join(f'<w:p><w:pPr><w:jc w:val="both"/></w:pPr><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>'
                   for p in paragraphs)
    section = ('<w:sectPr><w:headerReference w:type="default" r:id="rHeader"/>'
               '<w:footerReference w:type="default" r:id="rFooter"/>'
               '<w:pgSz w:w="11906" w:h="16838"/>'
               '<w:pgMar w:top="1418" w:right="1134" w:bottom="1418" w:left="1134" w:header="709" w:footer="709"/>'
               '<w:cols w:num="2" w:space="454"/></w:sectPr>')
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
            '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
            '<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
            '<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>'
            '</Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            '</Relationships>'),
        "word/_rels/document.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            '<Relationship Id="rSettings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>'
            '<Relationship Id="rHeader" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>'
            '<Relationship Id="rFooter" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>'
            '</Relationships>'),
        "word/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><w:styles {w}><w:docDefaults><w:rPrDefault><w:rPr>'
            '<w:rFonts w:ascii="Liberation Serif" w:hAnsi="Liberation Serif"/><w:sz w:val="21"/><w:lang w:val="nl-NL"/>'
            '</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="120"/></w:pPr></w:pPrDefault>'
            '</w:docDefaults></w:styles>'),
        "word/settings.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:settings {w}><w:autoHyphenation/></w:settings>',
        "word/header1.xml": (f'<?xml version="1.0" encoding="UTF-8"?><w:hdr {w}><w:p><w:r>'
                             '<w:t>Kwaliteitsagenda 2024-2027 | ROC Duinrand</w:t></w:r></w:p></w:hdr>'),
        "word/footer1.xml": (f'<?xml version="1.0" encoding="UTF-8"?><w:ftr {w}><w:p><w:pPr><w:jc w:val="center"/></w:pPr>'
                             '<w:r><w:t xml:space="preserve">Pagina </w:t></w:r><w:fldSimple w:instr="PAGE"><w:r><w:t>1</w:t>'
                             '</w:r></w:fldSimple></w:p></w:ftr>'),
        "word/document.xml": (f'<?xml version="1.0" encoding="UTF-8"?><w:document {w}><w:body>{body}{section}'
                              '</w:body></w:document>'),
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return out


def libreoffice_pdf(paragraphs: list[str], folder: Path) -> tuple[Path | None, str]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None, "soffice not installed (apt-get install libreoffice-writer-nogui hyphen-nl)"
    docx = _docx(paragraphs, folder / "agenda-lo.docx")
    profile = folder / "lo-profile"
    proc = subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                           "--outdir", str(folder), str(docx)], capture_output=True, text=True, timeout=300)
    pdf = folder / "agenda-lo.pdf"
    if not pdf.exists():
        return None, f"LibreOffice did not write a PDF: {proc.stderr.strip()[:200]}"
    version = subprocess.run([soffice, "--version"], capture_output=True, text=True).stdout.strip()
    return pdf, version


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
