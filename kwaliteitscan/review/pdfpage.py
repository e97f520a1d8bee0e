"""A PDF page as the coder sees it beside a passage: the page rendered to PNG (pypdfium2), and the
boxes on it that hold the passage's text, so the browser review can highlight them.

The passage's text went through layout and cleaning (columns, hyphens, ligatures, white space),
so it is found on the page by its letters and digits alone: the page's characters and the
passage are both reduced to lower-case letters and digits (NFKC), the passage is looked up in
the page, and the characters found give their boxes, merged per line. When the exact letters are
not on the page (text that extraction repaired, or a text layer in another order), the long runs
the two have in common mark it.
"""

from __future__ import annotations

import difflib
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

#: runs shorter than this (in letters and digits, some four words) do not count as the passage when it is not
#: found whole: a shorter run may well be the same words elsewhere on the page
MIN_RUN = 24


@dataclass(frozen=True)
class Box:
    """A rectangle on the rendered page, as fractions of its width and height, from the top left."""

    left: float
    top: float
    width: float
    height: float


def _open(path: Path):
    import pypdfium2 as pdfium

    from ..errors import InputError

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise InputError(f"{path}: the PDF cannot be opened to show its page ({exc})") from exc


def _page(pdf, number: int, path: Path):
    import pypdfium2 as pdfium

    from ..errors import InputError

    if not 1 <= number <= len(pdf):
        raise InputError(f"{path}: has no page {number} (it has {len(pdf)})")
    try:
        return pdf[number - 1]
    except pdfium.PdfiumError as exc:  # a damaged page object
        raise InputError(f"{path}: page {number} cannot be opened to show it ({exc})") from exc


def render_png(path: Path, number: int, width: int = 1100) -> bytes:
    """Page `number` (1-based) of the PDF as a PNG `width` pixels wide (as the page is shown: rotated
    and cropped like a PDF viewer would)."""
    pdf = _open(path)
    try:
        page = _page(pdf, number, path)
        try:
            shown_width = page.get_width() if page.get_rotation() in (0, 180) else page.get_height()
            bitmap = page.render(scale=width / max(shown_width, 1.0))
            try:
                image = bitmap.to_pil()
                out = io.BytesIO()
                image.save(out, format="PNG", optimize=False)
                return out.getvalue()
            finally:
                bitmap.close()
        finally:
            page.close()
    finally:
        pdf.close()


def page_aspect(path: Path, number: int) -> float:
    """Height over width of the page as shown."""
    pdf = _open(path)
    try:
        page = _page(pdf, number, path)
        try:
            width, height = page.get_size()
            return (width / height) if page.get_rotation() in (90, 270) else (height / width)
        finally:
            page.close()
    finally:
        pdf.close()


def _normal(chars) -> tuple[str, list[int]]:
    """The letters and digits of `chars` (lower case, NFKC) and, per letter, the index it came from."""
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(chars):
        for part in unicodedata.normalize("NFKC", char).lower():
            if part.isalnum():
                out.append(part)
                where.append(index)
    return "".join(out), where


def _spans(page_text: str, passage: str) -> list[tuple[int, int]]:
    """Where the passage's letters stand in the page's letters: [(start, end)) in page-letter indices.
    The whole passage when the page has it; else its longest runs found on the page, one after the
    other (so lines that the page's text layer holds in another order are found too)."""
    if not passage:
        return []
    found = page_text.find(passage)
    if found >= 0:
        return [(found, found + len(passage))]
    matcher = difflib.SequenceMatcher(None, page_text, autojunk=False)
    spans, pieces = [], [passage]
    while pieces:
        piece = pieces.pop()
        if len(piece) < MIN_RUN:
            continue
        matcher.set_seq2(piece)
        a, b, size = matcher.find_longest_match(0, len(page_text), 0, len(piece))
        if size < MIN_RUN:
            continue
        spans.append((a, a + size))
        pieces += [piece[:b], piece[b + size:]]
    return sorted(spans)


def passage_boxes(path: Path, number: int, passage: str) -> list[Box]:
    """The boxes on page `number` that hold `passage`, one per line of text (empty when the passage's
    text is not on the page, e.g. a scanned page without a text layer)."""
    import pypdfium2.raw as raw

    pdf = _open(path)
    try:
        page = _page(pdf, number, path)
        try:
            text = page.get_textpage()
            try:
                count = text.count_chars()
                chars = [chr(raw.FPDFText_GetUnicode(text, i)) for i in range(count)]
                letters, where = _normal(chars)
                wanted, _ = _normal(passage)
                indices = [where[k] for start, end in _spans(letters, wanted) for k in range(start, end)]
                lines = _lines(text, sorted(set(indices)))
                return [_to_box(line, page) for line in lines]
            finally:
                text.close()
        finally:
            page.close()
    finally:
        pdf.close()


def _lines(text, indices: list[int]) -> list[list[float]]:
    """Character boxes merged into one rectangle per line: [left, bottom, right, top] in PDF units."""
    lines: list[list[float]] = []
    last = None
    for index in indices:
        left, bottom, right, top = text.get_charbox(index, loose=True)
        if right <= left or top <= bottom:
            continue
        middle = (bottom + top) / 2
        line = lines[-1] if lines else None
        same_line = (line is not None and last is not None and index - last <= 3 and line[1] <= middle <= line[3]
                     and left >= line[0] - 1)
        if same_line:
            line[0], line[1] = min(line[0], left), min(line[1], bottom)
            line[2], line[3] = max(line[2], right), max(line[3], top)
        else:
            lines.append([left, bottom, right, top])
        last = index
    return lines


def _to_box(line: list[float], page) -> Box:
    """A rectangle in PDF units (origin bottom left of the unrotated page) as fractions of the page as
    shown (origin top left, rotated like the rendering)."""
    x0, y0, x1, y1 = page.get_bbox()
    width, height = x1 - x0, y1 - y0
    left, bottom, right, top = line
    # fractions on the unrotated page, from its top left
    fl, fr = (left - x0) / width, (right - x0) / width
    ft, fb = (y1 - top) / height, (y1 - bottom) / height
    rotation = page.get_rotation()
    if rotation == 90:  # clockwise: the unrotated top edge becomes the right edge
        fl, ft, fr, fb = 1 - fb, fl, 1 - ft, fr
    elif rotation == 180:
        fl, ft, fr, fb = 1 - fr, 1 - fb, 1 - fl, 1 - ft
    elif rotation == 270:
        fl, ft, fr, fb = ft, 1 - fr, fb, 1 - fl
    clamp = lambda v: min(max(v, 0.0), 1.0)  # noqa: E731
    fl, ft, fr, fb = clamp(fl), clamp(ft), clamp(fr), clamp(fb)
    return Box(round(fl, 5), round(ft, 5), round(fr - fl, 5), round(fb - ft, 5))
