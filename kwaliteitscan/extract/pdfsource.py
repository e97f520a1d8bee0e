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
import struct
from dataclasses import dataclass, field
from itertools import accumulate, repeat
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from ..errors import InputError
from .textclean import count_alnum

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
    #: what the source noticed about this page's text (e.g. a font without a Unicode map)
    warnings: list[str] = field(default_factory=list)


def _password_message(path: Path) -> str:
    return f"{path}: the PDF is password-protected; remove the password (e.g. qpdf --decrypt) and run again"


def open_pages(path: Path, engine: str = "pdfium", start: int = 0, stop: int | None = None) -> Iterator[RawPage]:
    """The pages of `path` from index `start` up to `stop` (all by default), read by `engine`."""
    if engine == "pdfium":
        return _pdfium_pages(path, start, stop)
    if engine == "pdfplumber":
        return _pdfplumber_pages(path, start, stop)
    raise InputError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")


def count_pages(path: Path, engine: str = "pdfium") -> int:
    """How many pages `engine` finds in `path` (raises InputError as `open_pages` does)."""
    if engine == "pdfplumber":
        import pdfplumber

        try:
            with pdfplumber.open(str(path)) as pdf:
                return len(pdf.pages)
        except Exception:  # noqa: BLE001 - open_pages reports it with the right message
            return 0
    pdf = _pdfium_open(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


# --------------------------------------------------------------------------- pdfium


def _pdfium_open(path: Path):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text:
            raise InputError(_password_message(path)) from exc
        if "success" in text:  # pdfium could not load it yet reports no error: an empty or broken page tree
            raise InputError(f"{path}: the PDF has no pages (its page tree is empty or broken); export it "
                             "again from the original document") from exc
        raise InputError(f"{path}: not a readable PDF ({exc}); re-export or repair it "
                         "(e.g. qpdf in.pdf out.pdf) and run again") from exc


def _pdfium_pages(path: Path, start: int = 0, stop: int | None = None) -> Iterator[RawPage]:
    import pypdfium2.raw as raw

    pdf = _pdfium_open(path)
    try:
        for index in range(start, len(pdf) if stop is None else min(stop, len(pdf))):
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
    bare = _bare_functions(raw)
    handle = ctypes.cast(page.raw, ctypes.c_void_p)
    count = raw.FPDFPage_CountObjects(page.raw)
    # the type of every object in two C-level passes; bounds only for the (few) paths
    objects = list(map(bare.get_object, repeat(handle, count), range(count)))
    kinds = list(map(bare.object_type, objects))
    result.has_images = raw.FPDF_PAGEOBJ_IMAGE in kinds
    if raw.FPDF_PAGEOBJ_PATH in kinds:
        box = [ctypes.c_float() for _ in range(4)]
        refs = [ctypes.byref(v) for v in box]
        path, get_bounds = raw.FPDF_PAGEOBJ_PATH, bare.object_bounds
        for obj, kind in zip(objects, kinds):
            if kind == path and get_bounds(obj, *refs):
                left, bottom, right, top = (v.value for v in box)
                if min(right - left, top - bottom) <= 2.5 and max(right - left, top - bottom) >= 4:
                    result.rulings.append(Ruling(left, right, height - top, height - bottom))
    textpage = page.get_textpage()
    try:
        verticals = [r for r in result.rulings if not r.horizontal]
        lines = _PdfiumLines(textpage, raw, width, height, ruled_regions(result.rulings), verticals)
        result.lines = lines.read()
        garbled = lines.garbled()
        if garbled:
            result.warnings.append(f"page {number}: {garbled}; its text is unreliable, run OCR on this page "
                                   "(e.g. ocrmypdf --force-ocr) or export the PDF again with fonts embedded")
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


def _char(code: int) -> str:
    """pdfium's Unicode for one character, as its page text gives it: code 2 marks a line-end
    hyphen (U+FFFE in the text); U+FFFD where there is none."""
    if code == 2:
        return "\ufffe"
    return "\ufffd" if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF else chr(code)


def _chars(codes: list[int]) -> list[str]:
    """One string per pdfium character index. A character beyond U+FFFF that pdfium stores as
    two surrogate halves ("𝔸") is put together on the first index, the second stays empty."""
    out = []
    i, n = 0, len(codes)
    while i < n:
        code = codes[i]
        if 0xD800 <= code <= 0xDBFF and i + 1 < n and 0xDC00 <= codes[i + 1] <= 0xDFFF:
            out.append(chr(0x10000 + ((code - 0xD800) << 10) + (codes[i + 1] - 0xDC00)))
            out.append("")
            i += 2
            continue
        out.append(_char(code))
        i += 1
    return out


_RECT = struct.Struct("4f")  # pdfium's FS_RECTF: left, top, right, bottom


def _count_unmapped(unmapped_at, handle, firsts: list[int]) -> int:
    """How many of the words that start at `firsts` pdfium could not map to Unicode, counted as far as
    it can matter: a page is garbled when at least half its words are, so once the words still
    unchecked could no longer reach that share, counting stops (the count is then below half
    whatever the rest would be). Checked in runs through C, each run as long as it would take for
    the share to become unreachable if every word in it were mapped."""
    total = len(firsts)
    need = 0.5 * total
    unmapped = checked = 0
    while checked < total and unmapped + (total - checked) >= need:
        step = int(unmapped + (total - checked) - need) + 1
        run = firsts[checked:checked + step]
        unmapped += sum(map(unmapped_at, repeat(handle, len(run)), run))
        checked += len(run)
    return unmapped


_TOKEN = "[^\\s\ufffe]+\ufffe?|\ufffe"  # a word, with the line-end hyphen mark that ends it
_TOKEN_SPLIT = re.compile(f"({_TOKEN})")  # splits a text into the gaps and, between them, the words


class _PdfiumLines:
    """Physical lines of a page built from geometry alone, whatever order the PDF was written in.

    pdfium's page text follows the content stream: it glues text objects together in the order
    they were written and even joins two unrelated objects where the first ends in a hyphen. We
    only use it to cut the page into words (at spaces, pdfium's own line breaks and its line-end
    hyphen marks), box each word with the loose boxes of its first and last character (origin to
    advance, font ascent to descent: the same height for every character of a font size), and
    build the lines from those boxes as for pdfplumber (`_group_words`): same baseline, sorted by
    x, split at a wide gap (a gutter) or a table cell border, and two words that touch ("beschik"
    + "baar") joined without a space. A few look-ups per word keep the Python side cheap.
    """

    def __init__(self, textpage, raw, width: float, height: float, tables=(), verticals=()) -> None:
        self.handle, self.raw = textpage.raw, raw
        count = raw.FPDFText_CountChars(self.handle)
        text = textpage.get_text_range()
        if len(text) != count:
            # The text drops a glyph without Unicode (code 0) and splits a character beyond
            # U+FFFF in two, so its offsets no longer name pdfium's characters and every box
            # after that point would belong to another character. Rebuild it one per index.
            self.chars: list[str] | str = _chars([raw.FPDFText_GetUnicode(self.handle, i) for i in range(count)])
        else:
            self.chars = text
        self.width, self.height, self.verticals, self.tables = width, height, list(verticals), list(tables)
        self._rect = raw.FS_RECTF()
        self._x, self._y = ctypes.c_double(), ctypes.c_double()
        self.words_seen = 0
        self.unmapped_words = 0  # words whose first character pdfium could not map to Unicode
        self.chars_seen = 0  # characters other than spaces

    def box(self, index: int) -> tuple[float, float, float, float]:
        """x0, x1, top, bottom of character `index` (loose box), y growing downwards."""
        rect = self._rect
        if not self.raw.FPDFText_GetLooseCharBox(self.handle, index, rect):
            return 0.0, 0.0, 0.0, 0.0
        return rect.left, rect.right, self.height - rect.top, self.height - rect.bottom

    def baseline(self, index: int) -> float:
        """The y of character `index`'s origin (its baseline), growing downwards."""
        self.raw.FPDFText_GetCharOrigin(self.handle, index, self._x, self._y)
        return self.height - self._y.value

    def read(self) -> list[Line]:
        return _group_words(self.words(), self.verticals, tables=self.tables, middle=self.width / 2,
                            slack=0.02 * self.width)

    def garbled(self) -> str | None:
        """Why this page's text cannot be trusted, or None: most words come from a font without a
        Unicode map (pdfium then guesses letters from glyph numbers), or the text is mostly
        punctuation and U+FFFD."""
        if self.words_seen >= 3 and self.unmapped_words >= 0.5 * self.words_seen:
            return (f"{self.unmapped_words} of {self.words_seen} words are in a font without a Unicode map "
                    "(no ToUnicode)")
        chars = self.chars
        letters = count_alnum(chars) if isinstance(chars, str) else sum(map(str.isalnum, chars))
        if self.chars_seen >= 20 and letters < 0.5 * self.chars_seen:
            return (f"only {letters} of {self.chars_seen} characters are letters or digits, the rest "
                    "punctuation or U+FFFD (a font without a Unicode map?)")
        return None

    def spans(self) -> tuple[list[int], list[int], list[str]]:
        """The first index, the index after the last, and the text of each word, in pdfium's order."""
        chars = self.chars
        if isinstance(chars, str):  # one character per index: find the words in C
            parts = _TOKEN_SPLIT.split(chars)  # gap, word, gap, word, ..., gap
            bounds = list(accumulate(map(len, parts)))  # where each part ends
            return bounds[0:-1:2], bounds[1::2], parts[1::2]
        firsts, ends, texts = [], [], []

        def add(first: int, last: int) -> None:
            while last > first and not chars[last]:
                last -= 1
            text = "".join(chars[first:last + 1])
            if text:
                firsts.append(first)
                ends.append(last + 1)
                texts.append(text)

        start = None
        for i, ch in enumerate(chars):
            if ch == "\ufffe":  # a line-end hyphen ends its word and belongs to it
                add(i if start is None else start, i)
                start = None
            elif ch.isspace() or (not ch and start is None):
                if start is not None:
                    add(start, i - 1)
                start = None
            elif start is None:
                start = i
        if start is not None:
            add(start, len(chars) - 1)
        return firsts, ends, texts

    def words(self) -> list[tuple]:
        """The page's words as `_Word` tuples. The hot loop of extraction: four calls into pdfium per
        word (and one more for the first half), through `_bare_functions`, with the buffers bound to
        local names and a box read in one unpacking."""
        firsts, ends, texts = self.spans()
        height = self.height
        handle = ctypes.cast(self.handle, ctypes.c_void_p)
        bare = _bare_functions(self.raw)
        loose_box, origin_at = bare.loose_box, bare.origin_at
        total = len(texts)
        unmapped = _count_unmapped(bare.unmapped_at, handle, firsts)
        sizes = [size or 10.0 for size in map(bare.size_at, repeat(handle, total), firsts)]
        rect, oy = self._rect, self._y
        rect_ref, ox_ref, oy_ref = ctypes.byref(rect), ctypes.byref(self._x), ctypes.byref(oy)
        unpack = _RECT.unpack_from
        words: list[tuple] = []
        append = words.append
        for first, end, text, size in zip(firsts, ends, texts, sizes):
            if loose_box(handle, first, rect_ref):
                x0, top, x1, bottom = unpack(rect)
                top, bottom = height - top, height - bottom
            else:
                x0 = x1 = top = bottom = 0.0
            last = end - 1
            if last != first:
                if loose_box(handle, last, rect_ref):
                    _, ltop, x1, lbottom = unpack(rect)
                    ltop, lbottom = height - ltop, height - lbottom
                else:
                    x1 = ltop = lbottom = 0.0
            else:
                ltop, lbottom = top, bottom
            origin_at(handle, first, ox_ref, oy_ref)
            if x1 >= x0 and abs(lbottom - bottom) < 0.4 * size and x1 - x0 < 2 * size * (end - first):
                append((height - oy.value, x0, len(words), x1, ltop if ltop < top else top,
                        lbottom if lbottom > bottom else bottom, size, text))
            else:
                for piece in self._pieces(first, last, size):
                    append((piece[0], piece[1], len(words)) + piece[2:])
        self.words_seen += total
        self.unmapped_words += unmapped
        self.chars_seen += sum(map(len, texts))
        return words

    def _pieces(self, first: int, last: int, size: float) -> list[list]:
        """pdfium glued characters that do not stand side by side: cut where the geometry jumps.
        Each piece is [baseline, x0, x1, top, bottom, size, text]."""
        chars = self.chars
        pieces: list[list] = []
        for i in range(first, last + 1):
            if not chars[i]:
                continue
            cx0, cx1, ctop, cbottom = self.box(i)
            cbase = self.baseline(i)
            prev = pieces[-1] if pieces else None
            if prev and abs(cbase - prev[0]) < 0.2 * size and -0.3 * size <= cx0 - prev[2] <= 0.15 * size:
                prev[6] += chars[i]
                prev[2], prev[3], prev[4] = cx1, min(prev[3], ctop), max(prev[4], cbottom)
            else:
                pieces.append([cbase, cx0, cx1, ctop, cbottom, size, chars[i]])
        return [tuple(p) for p in pieces]


class _Bare(NamedTuple):
    unmapped_at: Callable
    size_at: Callable
    loose_box: Callable
    origin_at: Callable
    get_object: Callable
    object_type: Callable
    object_bounds: Callable


_BARE: _Bare | None = None

#: (name, result type, argument types or None) of the pdfium functions the hot loops call directly
_BARE_SIGNATURES = (
    ("FPDFText_HasUnicodeMapError", ctypes.c_int, None),
    ("FPDFText_GetFontSize", ctypes.c_double, None),
    ("FPDFText_GetLooseCharBox", ctypes.c_int, None),
    ("FPDFText_GetCharOrigin", ctypes.c_int, None),
    # an object handle comes back as a plain int, so the functions taking one declare it a pointer
    ("FPDFPage_GetObject", ctypes.c_void_p, None),
    ("FPDFPageObj_GetType", ctypes.c_int, (ctypes.c_void_p,)),
    ("FPDFPageObj_GetBounds", ctypes.c_int, (ctypes.c_void_p,) * 5),
)


def _bare_functions(raw) -> _Bare:
    """The pdfium functions of the hot loops as plain ctypes function pointers, mostly without
    argument types. pypdfium2's bindings convert and check every argument on every call, which
    costs three times the call itself; the word loop calls these some 250,000 times for 100 pages.
    Callers of a function without argument types must pass exactly: a handle as a c_void_p, an
    index as an int, the output buffers with ctypes.byref."""
    global _BARE
    if _BARE is None:
        from pypdfium2_raw.bindings import _libs

        lib = _libs["pdfium"]
        functions = []
        for name, result, arguments in _BARE_SIGNATURES:
            expected = getattr(raw, name).restype
            if result is ctypes.c_void_p:  # a handle: any pointer type is the same to us
                if not (isinstance(expected, type) and issubclass(expected, (ctypes.c_void_p, ctypes._Pointer))):
                    raise RuntimeError(f"pdfium's {name} no longer returns a handle")
            elif expected is not result:  # pdfium's header changed: a new release to read
                raise RuntimeError(f"pdfium's {name} no longer returns {result.__name__}")
            function = lib[name]  # a new function pointer object, not pypdfium2's (whose types stay set)
            function.argtypes, function.restype = arguments, result
            functions.append(function)
        _BARE = _Bare(*functions)
    return _BARE


# --------------------------------------------------------------------------- pdfplumber


def _pdfplumber_pages(path: Path, start: int = 0, stop: int | None = None) -> Iterator[RawPage]:
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
        for index in range(start, count if stop is None else min(stop, count)):
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
    result.lines = _group_words([(w.get("baseline", w["bottom"]), w["x0"], i, w["x1"], w["top"], w["bottom"], float(w.get("size", 10)),
                                  w["text"]) for i, w in enumerate(words)],
                                [r for r in result.rulings if not r.horizontal])
    # pdfminer writes a glyph it cannot map to Unicode as "(cid:123)"
    unmapped = sum(1 for w in words if "(cid:" in w["text"])
    if len(words) >= 3 and unmapped >= 0.5 * len(words):
        result.warnings.append(f"page {number}: {unmapped} of {len(words)} words are in a font without a Unicode "
                               "map (no ToUnicode); its text is unreliable, run OCR on this page (e.g. ocrmypdf "
                               "--force-ocr) or export the PDF again with fonts embedded")
    return result


def _group_words(words: list[tuple], verticals: list[Ruling] = (), tables=None, middle: float | None = None,
                 slack: float = 0.0) -> list[Line]:
    """Words to physical lines: same baseline, split at table cell borders and at wide gaps.

    `words` are `_Word` tuples: (baseline, x0, index, x1, top, bottom, size, text), the index
    unique, so sorting the tuples sorts by baseline and x0 with ties in input order.
    With `middle` given, a wide gap splits a line only inside a ruled table (`tables`), where it
    covers the page's middle (the gutter of two columns) or where it is far wider than the row's
    usual word space (a tab stop): a justified line with wide word spaces stays one line."""
    rows: list[list[tuple]] = []
    row: list[tuple] = []
    anchor = 0.0  # the baseline of the row's first word: a chain of small steps never merges two lines
    for word in sorted(words):
        if rows and word[0] - anchor < word[6] * 0.4:
            row.append(word)
        else:
            row = [word]
            rows.append(row)
            anchor = word[0]
    walls = [(v.x0, v.top, v.bottom) for v in verticals]
    tables = list(tables or ())
    lines: list[Line] = []
    for row in rows:
        if len(row) == 1:
            lines.append(_words_line(row))
            continue
        row.sort(key=_X0)
        if walls:  # only a border beside this row can split it
            low, high = min(map(_TOP, row)), max(map(_BOTTOM, row))
            near = [wall for wall in walls if wall[1] <= high and wall[2] >= low]
        else:
            near = walls
        usual = None  # the median word space of the row, worked out when a wide gap needs it
        prev = row[0]
        piece = [prev]
        for word in row[1:]:
            _, x0, _, _, top, bottom, size, text = word
            if text == prev[7] and abs(x0 - prev[1]) < 0.25 * size:
                continue  # the same word printed twice a hair apart ("fake bold")
            gap = x0 - prev[3]
            if gap < -0.3 * size:  # drawn over the previous word: another text that collides with it
                split = True
            elif near and _walled(near, prev[3] - 1, x0 + 1, top, bottom):
                split = True  # a table cell border
            elif gap <= max(1.2 * size, 8.0):
                split = False
            elif middle is None:
                split = True
            else:
                if usual is None:
                    spaces = sorted(b[1] - a[3] for a, b in zip(row, row[1:]) if b[1] - a[3] >= 0.15 * a[6])
                    usual = spaces[len(spaces) // 2] if spaces else 0.0
                    several = len(spaces) > 1
                # a tab stop (a header's left and right part) is far wider than the row's usual space
                split = (gap > 3 * size and (gap > 2.5 * usual if several else True)) or (
                    prev[3] <= middle + slack and x0 >= middle - slack) or any(
                    box[0] <= prev[3] and x0 <= box[2] and box[1] <= bottom and top <= box[3] for box in tables)
            if split:
                lines.append(_words_line(piece))
                piece = []
            piece.append(word)
            prev = word
        lines.append(_words_line(piece))
    return lines


_X0, _TOP, _BOTTOM = itemgetter(1), itemgetter(4), itemgetter(5)  # of a _Word tuple


def _walled(walls: list[tuple], left: float, right: float, top: float, bottom: float) -> bool:
    """Does one of `walls` (x, top, bottom) stand between `left` and `right` beside top..bottom?"""
    for x, wall_top, wall_bottom in walls:
        if left <= x <= right and wall_top <= bottom and wall_bottom >= top:
            return True
    return False


def _words_line(words: list[tuple]) -> Line:
    """One line from words sorted by x: a space where they stand apart, none where they touch
    (one word written as two text objects); a hyphen marker before another word is a hyphen."""
    first = words[0]
    if len(words) == 1:
        text = first[7]
        return Line(text, first[1], first[3], first[4], first[5], first[6], text.endswith("\ufffe"))
    parts = [first[7]]
    x1, top, bottom = first[3], first[4], first[5]
    prev = first
    for word in words[1:]:
        if prev[7].endswith("\ufffe"):
            parts[-1] = parts[-1][:-1] + "-"
        parts.append(word[7] if word[1] - prev[3] < 0.15 * word[6] else " " + word[7])
        if word[3] > x1:
            x1 = word[3]
        if word[4] < top:
            top = word[4]
        if word[5] > bottom:
            bottom = word[5]
        prev = word
    text = "".join(parts)
    return Line(text, first[1], x1, top, bottom, first[6], text.endswith("\ufffe"))
