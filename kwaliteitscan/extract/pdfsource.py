"""Read positioned text lines and ruling lines out of a PDF, one page at a time.

Two engines produce the same `RawPage` records, so one layout algorithm (layout.py) serves
both:
- `pdfium` (default): pypdfium2, a C library, about two orders of magnitude faster than
  pdfplumber. Text comes in pdfium's own line order; we only ask it for the boxes of the
  first and last character of each line, so the Python side stays cheap.
- `pdfplumber`: slower, pure Python (pdfminer.six), kept because it was asked for by name
  and as a second opinion on difficult files.

Coordinates are in points with y growing downwards from the top of the page.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..errors import InputError

ENGINES = ("pdfium", "pdfplumber")


@dataclass(slots=True)
class Line:
    """One physical line of text (or of one column or table cell)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    #: the line ended in a hyphen marker that pdfium flagged as a line-end break (U+FFFE)
    broken: bool = False


@dataclass(slots=True)
class Ruling:
    """A drawn horizontal or vertical line (table borders)."""

    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def horizontal(self) -> bool:
        return (self.x1 - self.x0) > (self.bottom - self.top)


@dataclass
class RawPage:
    number: int
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    rulings: list[Ruling] = field(default_factory=list)
    has_images: bool = False
    error: str | None = None


def _password_message(path: Path) -> str:
    return f"{path}: the PDF is password-protected; remove the password (e.g. qpdf --decrypt) and run again"


def open_pages(path: Path, engine: str = "pdfium") -> Iterator[RawPage]:
    if engine == "pdfium":
        return _pdfium_pages(path)
    if engine == "pdfplumber":
        return _pdfplumber_pages(path)
    raise InputError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")


# --------------------------------------------------------------------------- pdfium


def _pdfium_open(path: Path):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text:
            raise InputError(_password_message(path)) from exc
        raise InputError(f"{path}: not a readable PDF ({exc}); re-export or repair it "
                         "(e.g. qpdf in.pdf out.pdf) and run again") from exc


def _pdfium_pages(path: Path) -> Iterator[RawPage]:
    import pypdfium2.raw as raw

    pdf = _pdfium_open(path)
    try:
        for index in range(len(pdf)):
            try:
                page = pdf[index]
            except Exception as exc:  # a damaged page object: report and go on
                yield RawPage(index + 1, 0, 0, error=f"page {index + 1} could not be opened ({exc})")
                continue
            try:
                yield _pdfium_page(page, index + 1, raw)
            except Exception as exc:  # noqa: BLE001 - one broken page must not stop the document
                yield RawPage(index + 1, 0, 0, error=f"page {index + 1} could not be read ({exc})")
            finally:
                page.close()
    finally:
        pdf.close()


def _pdfium_page(page, number: int, raw) -> RawPage:
    width, height = page.get_size()
    result = RawPage(number, width, height)
    handle = page.raw
    box = [ctypes.c_float() for _ in range(4)]
    refs = [ctypes.byref(v) for v in box]
    for i in range(raw.FPDFPage_CountObjects(handle)):
        obj = raw.FPDFPage_GetObject(handle, i)
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_IMAGE:
            result.has_images = True
        elif kind == raw.FPDF_PAGEOBJ_PATH and raw.FPDFPageObj_GetBounds(obj, *refs):
            left, bottom, right, top = (v.value for v in box)
            if min(right - left, top - bottom) <= 2.5 and max(right - left, top - bottom) >= 4:
                result.rulings.append(Ruling(left, right, height - top, height - bottom))
    tables = ruled_regions(result.rulings)
    textpage = page.get_textpage()
    try:
        verticals = [r for r in result.rulings if not r.horizontal]
        result.lines = _PdfiumLines(textpage, raw, width, height, tables, verticals).read()
    finally:
        textpage.close()
    return result


def ruled_regions(rulings: list[Ruling]) -> list[tuple[float, float, float, float]]:
    """Bounding boxes (x0, top, x1, bottom) of groups of crossing rulings: the tables."""
    regions: list[list[float]] = []
    for r in sorted(rulings, key=lambda r: (r.top, r.x0)):
        for box in regions:
            if r.x0 <= box[2] + 2 and r.x1 >= box[0] - 2 and r.top <= box[3] + 2 and r.bottom >= box[1] - 2:
                box[0], box[1] = min(box[0], r.x0), min(box[1], r.top)
                box[2], box[3] = max(box[2], r.x1), max(box[3], r.bottom)
                box[4] += 0 if r.horizontal else 1
                break
        else:
            regions.append([r.x0, r.top, r.x1, r.bottom, 0 if r.horizontal else 1])
    return [(b[0], b[1], b[2], b[3]) for b in regions if b[4] >= 2 and b[3] - b[1] > 5]


_LINE_END = re.compile("\ufffe|[\r\n]+")


def _char(code: int) -> str:
    """pdfium's Unicode for one character, as its page text gives it: code 2 marks a line-end
    hyphen (U+FFFE in the text); U+FFFD where there is none (or only half a pair)."""
    if code == 2:
        return "\ufffe"
    return "\ufffd" if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF else chr(code)


class _PdfiumLines:
    """Split pdfium's page text into physical lines and box them with a few character look-ups.

    pdfium returns the text of a page with its own line breaks, and replaces a line-end
    hyphen by U+FFFE while gluing the two lines together; we split there again and keep
    the marker as the line's end. A line that crosses a table cell border or the gutter
    between columns is split where the gap between two characters is wide.
    """

    def __init__(self, textpage, raw, width: float, height: float, tables, verticals=()) -> None:
        self.handle, self.raw = textpage.raw, raw
        self.text = textpage.get_text_range()
        count = raw.FPDFText_CountChars(self.handle)
        if len(self.text) != count:
            # The text drops a glyph without Unicode (code 0) and splits a character beyond
            # U+FFFF in two, so its offsets no longer name pdfium's characters and every box
            # after that point would belong to another character. Rebuild it one per index.
            self.text = "".join(_char(raw.FPDFText_GetUnicode(self.handle, i)) for i in range(count))
        self.width, self.height, self.tables, self.verticals = width, height, tables, verticals
        self._box = [ctypes.c_double() for _ in range(4)]
        self._refs = [ctypes.byref(v) for v in self._box]

    def box(self, index: int) -> tuple[float, float, float, float]:
        self.raw.FPDFText_GetCharBox(self.handle, index, *self._refs)
        left, right, bottom, top = self._box
        return left.value, right.value, self.height - top.value, self.height - bottom.value

    def read(self) -> list[Line]:
        """Lines at pdfium's line ends (\\r\\n) and at its hyphenation marks (U+FFFE, kept as `broken`)."""
        text = self.text
        lines: list[Line] = []
        start = 0
        for found in _LINE_END.finditer(text):
            end = found.start()
            broken = found.group() == "\ufffe"
            if end > start or broken:
                lines.extend(self._line(start, end, broken))
            start = found.end()
        if start < len(text):
            lines.extend(self._line(start, len(text), False))
        return lines

    def _line(self, start: int, end: int, broken: bool) -> list[Line]:
        text = self.text
        first, last = start, end - 1
        while first <= last and text[first].isspace():
            first += 1
        while last >= first and text[last].isspace():
            last -= 1
        if first > last:
            return []
        size = float(self.raw.FPDFText_GetFontSize(self.handle, first)) or 10.0
        x0, _, top, _ = self.box(first)
        _, x1, _, bottom = self.box(last)
        mode = self._split_mode(x0, x1, top, bottom)
        pieces = self._split(first, last, size, mode, top, bottom) if mode else [(first, last)]
        if len(pieces) == 1:
            body = text[first:last + 1] + ("\ufffe" if broken else "")
            return [Line(body, x0, max(x0, x1), top, bottom, size, broken)]
        out = []
        for i, (a, b) in enumerate(pieces):
            px0, _, ptop, _ = self.box(a)
            _, px1, _, pbottom = self.box(b)
            is_last = i == len(pieces) - 1
            body = text[a:b + 1] + ("\ufffe" if broken and is_last else "")
            out.append(Line(body, px0, max(px0, px1), min(top, ptop), max(bottom, pbottom), size,
                            broken and is_last))
        return out

    def _split_mode(self, x0: float, x1: float, top: float, bottom: float) -> str | None:
        for tx0, ttop, tx1, tbottom in self.tables:
            if x0 < tx1 and x1 > tx0 and top < tbottom and bottom > ttop:
                return "all"
        if (x1 - x0) <= 0.55 * self.width:
            return None
        # a wide line: only when nothing is printed at the page's middle can it cross a gutter
        middle_y = self.height - (top + bottom) / 2
        hit = self.raw.FPDFText_GetCharIndexAtPos(self.handle, self.width / 2, middle_y, 3.0, 1.0)
        return "middle" if hit < 0 or self.text[hit:hit + 1].isspace() else None

    def _split(self, first: int, last: int, size: float, mode: str, top: float, bottom: float) -> list[tuple[int, int]]:
        text = self.text
        spaces = [i for i in range(first + 1, last) if text[i] == " "]
        if mode == "middle" and spaces:
            span = last - first
            spaces = [i for i in spaces if 0.25 * span <= i - first <= 0.75 * span]
        # in a table, a drawn cell border between two words splits them however narrow the gap
        borders = [v.x0 for v in self.verticals if v.top <= bottom and v.bottom >= top] if mode == "all" else []
        cuts = []
        for i in spaces:
            before, after = i - 1, i + 1
            if text[before] == " " or text[after] == " ":
                continue
            end, start = self.box(before)[1], self.box(after)[0]
            if start - end > max(1.2 * size, 8.0) or any(end - 1 <= x <= start + 1 for x in borders):
                cuts.append(i)
        pieces, a = [], first
        for i in cuts:
            pieces.append((a, i - 1))
            a = i + 1
        pieces.append((a, last))
        return pieces


# --------------------------------------------------------------------------- pdfplumber


def _pdfplumber_pages(path: Path) -> Iterator[RawPage]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(str(path))
        count = len(pdf.pages)
    except PDFPasswordIncorrect as exc:
        raise InputError(_password_message(path)) from exc
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds on bad files
        name = type(exc).__name__
        if "Password" in name or "Encrypt" in name:
            raise InputError(_password_message(path)) from exc
        raise InputError(f"{path}: not a readable PDF ({name}: {exc}); re-export or repair it "
                         "(e.g. qpdf in.pdf out.pdf) and run again") from exc
    try:
        for index in range(count):
            page = pdf.pages[index]
            try:
                yield _pdfplumber_page(page, index + 1)
            except Exception as exc:  # noqa: BLE001
                yield RawPage(index + 1, 0, 0, error=f"page {index + 1} could not be read ({exc})")
            finally:
                page.close()
    finally:
        pdf.close()


def _pdfplumber_page(page, number: int) -> RawPage:
    result = RawPage(number, float(page.width), float(page.height))
    words = page.extract_words(extra_attrs=["size"], keep_blank_chars=False, use_text_flow=False)
    for obj in list(page.lines) + list(page.rects):
        x0, x1, top, bottom = obj["x0"], obj["x1"], obj["top"], obj["bottom"]
        if min(x1 - x0, bottom - top) <= 2.5 and max(x1 - x0, bottom - top) >= 4:
            result.rulings.append(Ruling(x0, x1, top, bottom))
        elif obj.get("object_type") == "rect" and not obj.get("fill"):
            result.rulings.extend([Ruling(x0, x1, top, top), Ruling(x0, x1, bottom, bottom),
                                   Ruling(x0, x0, top, bottom), Ruling(x1, x1, top, bottom)])
    result.has_images = bool(page.images)
    result.lines = _group_words(words, [r for r in result.rulings if not r.horizontal])
    return result


def _group_words(words: list[dict], verticals: list[Ruling] = ()) -> list[Line]:
    """Words to physical lines: same baseline, split at wide gaps and at table cell borders."""
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: w["bottom"]):
        size = float(word.get("size", 10))
        if rows and abs(word["bottom"] - rows[-1][-1]["bottom"]) < size * 0.4:
            rows[-1].append(word)
        else:
            rows.append([word])
    lines: list[Line] = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        piece = [row[0]]
        for word in row[1:]:
            size = float(word.get("size", 10))
            prev = piece[-1]
            border = any(prev["x1"] - 1 <= v.x0 <= word["x0"] + 1 and v.top <= word["bottom"] and v.bottom >= word["top"]
                         for v in verticals)
            if border or word["x0"] - prev["x1"] > max(1.2 * size, 8.0):
                lines.append(_words_line(piece))
                piece = []
            piece.append(word)
        lines.append(_words_line(piece))
    return lines


def _words_line(words: list[dict]) -> Line:
    return Line(" ".join(w["text"] for w in words), words[0]["x0"], words[-1]["x1"],
                min(w["top"] for w in words), max(w["bottom"] for w in words), float(words[0].get("size", 10)))
