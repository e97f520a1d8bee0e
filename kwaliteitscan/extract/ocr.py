"""OCR for the pages of a PDF that have no text layer (scans): Tesseract with its Dutch data.

Only the pages without a text layer are read: each is rendered with pypdfium2 (grayscale,
300 dpi) and given to the `tesseract` command, whose TSV output holds every word with its
confidence, so the text and the page's confidence come from one pass. Pages that have text
are never touched.

Why not OCRmyPDF (which runs the same Tesseract): on a generated test page it took 0.72 s
where rendering plus `tesseract` took 0.33 s; its text layer gives no confidence (that would
need a second Tesseract pass); and read back through our layout it broke every OCR'd line
into its own paragraph, cutting sentences apart, where Tesseract's TSV names its paragraphs.

Tesseract runs with one thread (OMP_THREAD_LIMIT=1): the extractor already runs one worker
per core. It runs with page segmentation mode 1 (layout analysis after orientation detection):
a page scanned sideways or upside down came out as garbage in the default mode 3 (confidence
33, none of the words) and whole in mode 1 (96), for about half a second more per page.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelError
from .textclean import join_hyphenated, normalize

LANGUAGE = "nld"
DPI = 300
#: a page larger than this (an A0 plan scanned at 300 dpi) is rendered at a lower resolution
MAX_PIXELS = 40_000_000
#: a page whose mean word confidence is below this gets a warning. Measured on generated A4
#: scans in a PDF: clean text at 200 dpi 96 (every word right); at 100 dpi with 1 % speckles 66
#: and at 120 dpi with 2 % 63, words garbled ("Staged scrim inatie"). Below 80 a person should look.
WEAK_CONFIDENCE = 80.0
PAGE_TIMEOUT_S = 180.0
#: a line that only numbers the page ("Pagina 4", "blz. 4 van 20", "- 4 -"): the text layer's
#: running-line filter does not see OCR'd pages, and Tesseract glues these into the nearest paragraph
_PAGE_LABEL = re.compile(r"(?i)^(?:pagina|page|blz\.?|p\.)\s*\d{1,4}(?:\s*(?:van|/|of)\s*\d{1,4})?$|^[-–]\s*\d{1,4}\s*[-–]$")
_BARE_NUMBER = re.compile(r"^\d{1,4}$")
INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-nld (Debian/Ubuntu)"


@dataclass(frozen=True)
class OcrPage:
    number: int
    text: str
    #: mean Tesseract confidence of the page's words, 0-100 (0 when it found no words)
    confidence: float
    words: int
    error: str | None = None


def missing_tools() -> str | None:
    """None when Tesseract and its Dutch data are installed, else one line saying what to install."""
    if shutil.which("tesseract") is None:
        return f"--ocr needs Tesseract with its Dutch data, which is not installed: {INSTALL_HINT}"
    if LANGUAGE not in _languages():
        return f"--ocr needs Tesseract's Dutch data ('{LANGUAGE}'), which is not installed: {INSTALL_HINT}"
    return None


@functools.lru_cache(maxsize=1)
def _languages() -> tuple[str, ...]:
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(line.strip() for line in out.splitlines()[1:] if line.strip())


def require_tools() -> None:
    problem = missing_tools()
    if problem:
        raise ModelError(problem)


def ocr_pages(path: Path, numbers: list[int]) -> list[OcrPage]:
    """OCR the pages `numbers` (1-based) of the PDF at `path`; a page that fails gets its error."""
    import pypdfium2 as pdfium

    results = []
    pdf = pdfium.PdfDocument(str(path))
    try:
        for number in numbers:
            try:
                image = _render(pdf, number - 1)
                text, confidence, words = read_tsv(_tesseract(image))
                results.append(OcrPage(number, text, confidence, words))
            except (OSError, subprocess.SubprocessError, pdfium.PdfiumError, ValueError) as exc:
                results.append(OcrPage(number, "", 0.0, 0, f"page {number}: OCR failed ({type(exc).__name__}: "
                                                            f"{_one_line(str(exc))}); its text is missing"))
    finally:
        pdf.close()
    return results


def _render(pdf, index: int) -> bytes:
    """The page as a binary PGM image (grayscale), which Tesseract reads from stdin."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        scale = DPI / 72
        if width * height * scale * scale > MAX_PIXELS:
            scale = (MAX_PIXELS / (width * height)) ** 0.5
        bitmap = page.render(scale=scale, grayscale=True)
        try:
            w, h, stride, channels = bitmap.width, bitmap.height, bitmap.stride, bitmap.n_channels
            buffer = memoryview(bitmap.buffer).cast("B")
            row = w * channels
            if channels != 1:
                raise ValueError(f"expected a grayscale rendering, got {channels} channels")
            pixels = bytes(buffer) if stride == row else b"".join(
                bytes(buffer[y * stride:y * stride + row]) for y in range(h))
        finally:
            bitmap.close()
    finally:
        page.close()
    return b"P5 %d %d 255\n" % (w, h) + pixels[:w * h]


def _tesseract(image: bytes) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    proc = subprocess.run(["tesseract", "stdin", "stdout", "-l", LANGUAGE, "--psm", "1", "--dpi", str(DPI), "tsv"],
                          input=image, capture_output=True, timeout=PAGE_TIMEOUT_S, env=env)
    if proc.returncode != 0:
        raise OSError(f"tesseract exited with {proc.returncode}: "
                      f"{_one_line(proc.stderr.decode('utf-8', 'replace'))[:200]}")
    return proc.stdout.decode("utf-8", "replace")


def read_tsv(tsv: str) -> tuple[str, float, int]:
    """Tesseract's TSV to (page text, mean word confidence, words): one paragraph per line of
    output as Tesseract grouped them, its lines joined (line-end hyphens resolved as for PDFs),
    lines that only number the page left out."""
    paragraphs: dict[tuple[str, str], dict[str, list[str]]] = {}
    confidences = []
    reader = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        if row.get("level") != "5" or not (row.get("text") or "").strip():
            continue
        try:
            confidence = float(row["conf"])
        except (TypeError, ValueError):
            continue
        if confidence >= 0:
            confidences.append(confidence)
        key = (row["block_num"], row["par_num"])
        paragraphs.setdefault(key, {}).setdefault(row["line_num"], []).append(row["text"].strip())
    texts = []
    order = [(key, number) for key, lines in paragraphs.items() for number in lines]
    edges = {order[0], order[-1]} if order else set()  # a bare number there is the page's number
    for key, lines in paragraphs.items():
        text = ""
        for number, words in lines.items():
            line = " ".join(words)
            if _PAGE_LABEL.match(line) or ((key, number) in edges and _BARE_NUMBER.match(line)):
                continue
            if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and line[:1].isalpha():
                text = join_hyphenated(text[:-1], line)
            else:
                text = f"{text} {line}" if text else line
        text = re.sub(r"\s+", " ", normalize(text)).strip()
        if text:
            texts.append(text)
    mean = round(sum(confidences) / len(confidences), 1) if confidences else 0.0
    return "\n\n".join(texts), mean, len(confidences)


def page_warning(page: OcrPage) -> str | None:
    """The warning for a page whose OCR failed or is weak; None for a good one."""
    if page.error:
        return page.error
    if not page.words:
        return f"page {page.number} has no text layer and OCR found no text on it (a picture or a blank page?)"
    if page.confidence < WEAK_CONFIDENCE:
        return (f"page {page.number}: OCR confidence {page.confidence:.0f}/100 is low, its text may be garbled; "
                "check it against the scan (a cleaner scan at 300 dpi helps)")
    return None


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
