"""Word drafts (.docx) -> the same pages of text a PDF gives.

python-docx opens the package and resolves styles; we walk the body ourselves because its
`iter_inner_content` passes over content controls (`w:sdt`), tracked insertions (`w:ins`)
and text boxes, which drafts full of template fields and tracked changes are made of.
Headings, paragraphs, list items and tables (one line per row, cells joined by " | ", as
layout.py writes a PDF table) come out in document order. The numbers Word prints before
numbered headings and list items ("1.2", "3.", "•") are not in the text; we count them from
the numbering definitions, so a heading's depth shows as it does in the PDF of the draft
(restarts and overrides of a list's start are not followed).

Page numbers are Word's own where it recorded them: a hard page break, a paragraph that
starts a page, a section that starts on a new page, or the `w:lastRenderedPageBreak` marks
Word writes where its last rendering broke the pages. A hard break and the rendered mark
that follows it are one page break. A file without any of these (written by a tool that
never paginated it) is numbered by its sections, and says so in a warning.

A .docx is a zip archive, so before python-docx reads it we check that it is one, that it
holds word/document.xml, and that it does not unpack to more than a sane size (a zip bomb),
reading document.xml with a bounded read.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .textclean import normalize

SUFFIXES = (".docx",)
#: the main part of a Word document; python-docx reads it by this name too
DOCUMENT_XML = "word/document.xml"
#: no real agenda comes near this (a 100-page draft holds a few MB). Measured: a 220 KB .docx
#: whose 60 MB document.xml holds a million short paragraphs peaked at 798 MB in `extract`; at
#: 31 MB it peaked at 431 MB, within the 512 MB the extractor allows itself on a bomb
MAX_DOCUMENT_XML = 32 * 1024 * 1024
#: everything python-docx reads into memory, images included (it loads every part)
MAX_PACKAGE = 256 * 1024 * 1024

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
#: elements whose content Word shows as if they were not there: content controls, custom XML,
#: tracked insertions and moves, hyperlinks, simple fields, smart tags, text direction
_SHOWN = {_W + t for t in ("sdt", "sdtContent", "customXml", "ins", "moveTo", "hyperlink", "fldSimple", "smartTag",
                           "dir", "bdo")}
BULLET = "• "


def is_docx(path: Path | str) -> bool:
    return Path(path).suffix.lower() in SUFFIXES


def check_docx_file(path: Path) -> None:
    """Cheap checks with a clear message before the file is unpacked."""
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a Word file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes); save it again from Word")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE container: an old .doc, or a .docx with a password
        raise InputError(f"{path}: an old Word .doc or a password-protected .docx; open it in Word and save it "
                         "as .docx without a password (or as PDF)")
    if not head.startswith(b"PK"):
        raise InputError(f"{path}: not a Word .docx file (not a zip archive); open it in Word or LibreOffice "
                         "and save it as .docx or PDF")


def _check_package(path: Path) -> None:
    """The zip holds word/document.xml and unpacks to a bounded size; document.xml is read
    (bounded, CRC checked) so a damaged one is reported here, in one line."""
    damaged = (f"{path}: a damaged .docx (its zip archive cannot be read); open it in Word or LibreOffice and "
               "save it again, or export it as PDF")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if DOCUMENT_XML not in {i.filename for i in infos}:
                raise InputError(f"{path}: a zip archive but not a Word document (no {DOCUMENT_XML}); save it "
                                 "as .docx from Word or LibreOffice, or export it as PDF")
            total = sum(i.file_size for i in infos)
            info = archive.getinfo(DOCUMENT_XML)
            if total > MAX_PACKAGE or info.file_size > MAX_DOCUMENT_XML:
                raise InputError(f"{path}: unpacks to {max(total, info.file_size) / 2**20:.0f} MB, more than a "
                                 "Word document should (a zip bomb?); export it as PDF and use that instead")
            # zipfile stops reading at the declared size and checks the CRC there, so this
            # read is bounded even when the declared size lies
            with archive.open(info) as member:
                while member.read(1 << 20):
                    pass
    except InputError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError, ValueError) as exc:
        raise InputError(f"{damaged} ({type(exc).__name__})") from exc


def _open(path: Path):
    import docx

    try:
        return docx.Document(str(path))
    except Exception as exc:  # noqa: BLE001 - python-docx, lxml and zipfile raise many kinds on bad files
        detail = re.sub(r"\s+", " ", str(exc))[:160]
        raise InputError(f"{path}: not a readable Word document ({type(exc).__name__}: {detail}); open it in "
                         "Word or LibreOffice and save it again as .docx, or export it as PDF") from exc


def read_docx(path: Path) -> tuple[list[tuple[int, str]], list[str]]:
    """(number, text) per page and the warnings of one .docx file."""
    path = Path(path)
    check_docx_file(path)
    _check_package(path)
    document = _open(path)
    if document.element.body is None:
        raise InputError(f"{path}: the Word document has no body (w:body); open it in Word or LibreOffice and save "
                         "it again as .docx, or export it as PDF")
    reader = _Reader(document)
    reader.body(document.element.body)
    if not any(blocks for blocks in reader.pages.values()):
        raise InputError(f"{path}: the Word document has no text; check that it is the right file")
    return reader.result()


# --------------------------------------------------------------------------- pages


@dataclass
class _Table:
    rows: list[str] = field(default_factory=list)


class _Reader:
    """Walks the body in document order, counting pages and sections as it goes."""

    def __init__(self, document) -> None:
        self.part = document.part
        self.numbering = _Numbering(document)
        self.styles: dict = {}  # style id -> (heading, (numId, level) or None, page break before)
        self.page = 1
        self.section = 1
        self.paged = False  # the file records where its pages break
        self.hard = 0  # page breaks seen since the last text: hard ones, and rendered ones
        self.rendered = 0
        self.pages: dict[int, list] = {}  # page number -> blocks (str, or _Table)
        self.sections: dict[int, list] = {}
        body = document.element.body
        ends = [s for s in body.iter(_W + "sectPr") if s.getparent() is body
                or (s.getparent().tag == _W + "pPr" and s.getparent().getparent().tag == _W + "p")]
        # how each section starts (nextPage unless Word says otherwise); the first needs no break
        self.section_types = [s.find(_W + "type").get(_W + "val", "nextPage") if s.find(_W + "type") is not None
                              else "nextPage" for s in ends]

    # -- breaks and placement

    def _text_seen(self) -> None:
        """Text follows: the page breaks seen since the last text take effect (a hard break and
        Word's rendered mark right after it are the same break)."""
        steps = max(self.hard, self.rendered)
        if steps:
            self.page += steps
            self.paged = True
        self.hard = self.rendered = 0

    def _place(self, block, page: int) -> None:
        self.pages.setdefault(page, []).append(block)
        self.sections.setdefault(self.section, []).append(block)

    # -- the walk

    def body(self, element) -> None:
        for child in element:
            tag = child.tag
            if tag == _W + "p":
                self.paragraph(child)
            elif tag == _W + "tbl":
                self.table(child)
            elif tag in _SHOWN:
                self.body(child)

    def paragraph(self, p) -> None:
        heading, numbered, break_before = self._paragraph_kind(p)
        if break_before:
            self.hard = max(self.hard, 1)
        label = self.numbering.label(*numbered) if numbered else None
        if label is None and numbered and not heading:
            label = BULLET.strip()  # a list item whose numbering Word's definitions do not tell
        boxes: list = []
        for k, (text, page) in enumerate(self._pieces(p, boxes)):
            self._place(f"{label} {text}" if label and not k else text, page)
        for box in boxes:
            self.body(box)
        self._section_end(p)

    def _pieces(self, p, boxes: list) -> list[tuple[str, int]]:
        """The paragraph's text and the page it starts on, split at hard page breaks. A rendered
        break inside the paragraph does not split it (Word broke a page inside it; it stays one
        block on the page it starts) but moves the blocks that follow."""
        pieces: list[list] = [["", None]]

        def add(text: str) -> None:
            if text.strip():
                self._text_seen()
                if pieces[-1][1] is None:
                    pieces[-1][1] = self.page
            pieces[-1][0] += text

        def walk(element) -> None:
            for child in element:
                tag = child.tag
                if tag == _W + "r":
                    run(child)
                elif tag in _SHOWN:
                    walk(child)
                elif tag == _MC + "AlternateContent":
                    walk_choice(child)

        def run(r) -> None:
            for item in r:
                tag = item.tag
                if tag == _W + "t":
                    add(item.text or "")
                elif tag in (_W + "tab", _W + "ptab", _W + "cr"):
                    add(" ")
                elif tag == _W + "br":
                    if item.get(_W + "type") == "page":
                        self.hard += 1
                        pieces.append(["", None])
                    else:
                        add(" ")
                elif tag == _W + "noBreakHyphen":
                    add("-")
                elif tag == _W + "lastRenderedPageBreak":
                    self.rendered += 1
                elif tag in (_W + "drawing", _W + "pict"):
                    boxes.extend(_text_boxes(item))
                elif tag == _MC + "AlternateContent":
                    walk_choice(item)

        def walk_choice(alternate) -> None:
            choice = next((c for c in alternate if c.tag == _MC + "Choice"), None)
            if choice is not None:  # the Fallback repeats the same content for old readers
                for child in choice:
                    if child.tag in (_W + "drawing", _W + "pict"):
                        boxes.extend(_text_boxes(child))
                    elif child.tag == _W + "r":
                        run(child)

        walk(p)
        return [(_clean(text), page) for text, page in pieces if page is not None and _clean(text)]

    def _section_end(self, p) -> None:
        ppr = p.find(_W + "pPr")
        if ppr is None or ppr.find(_W + "sectPr") is None:
            return
        self.section += 1
        if self.section - 1 < len(self.section_types) and self.section_types[self.section - 1] != "continuous":
            self.hard = max(self.hard, 1)

    def table(self, tbl) -> None:
        current: _Table | None = None
        for tr in _children(tbl, _W + "tr"):
            cells, page = [], None
            for tc in _children(tr, _W + "tc"):
                texts = []
                for p in _cell_paragraphs(tc):
                    boxes: list = []
                    for text, start in self._pieces(p, boxes):
                        texts.append(text)
                        page = page or start
                    for box in boxes:
                        texts += [t for q in _cell_paragraphs(box) for t, _ in self._pieces(q, [])]
                cells.append(" ".join(texts))
            if page is None:
                continue
            if current is None or self.pages.get(page, [None])[-1] is not current:
                current = _Table()
                self._place(current, page)
            current.rows.append(" | ".join(cells))

    # -- styles

    def _paragraph_kind(self, p) -> tuple[bool, tuple[str, int] | None, bool]:
        """(heading, (numbering id, level) or None, starts a new page) from the paragraph's own
        properties and its style's; the paragraph's own numbering overrides its style's."""
        ppr = p.find(_W + "pPr")
        style_id = None
        heading = before = False
        numbered = None
        if ppr is not None:
            style = ppr.find(_W + "pStyle")
            style_id = style.get(_W + "val") if style is not None else None
            heading = ppr.find(_W + "outlineLvl") is not None and ppr.find(_W + "outlineLvl").get(_W + "val") != "9"
            numbered = _numbering(ppr)
            before = _on(ppr.find(_W + "pageBreakBefore"))
        s_heading, s_numbered, s_before = self._style_kind(style_id)
        if numbered is not None and numbered[0] is None:  # a level without an id: the style's list
            numbered = (s_numbered[0], numbered[1]) if s_numbered else None
        numbered = numbered if numbered is not None else s_numbered
        if numbered and numbered[0] == "0":  # numId 0 switches the style's numbering off
            numbered = None
        return heading or s_heading, numbered, before or s_before

    def _style_kind(self, style_id: str | None) -> tuple[bool, tuple | None, bool]:
        if style_id in self.styles:
            return self.styles[style_id]
        heading = before = False
        listed = None
        from docx.enum.style import WD_STYLE_TYPE

        try:
            style = self.part.get_style(style_id, WD_STYLE_TYPE.PARAGRAPH)
        except Exception:  # noqa: BLE001 - a style table in disarray: read the text without style information
            style = None
        seen = 0
        while style is not None and seen < 20:  # a loop of based-on styles stops here
            name = (style.name or "").lower()
            heading = heading or name.startswith(("heading", "kop ", "title", "titel"))
            if listed is None and name.startswith(("list bullet", "lijstopsommingteken")):
                listed = (None, 0)  # a bullet style whatever its numbering says
            ppr = style.element.find(_W + "pPr")
            if ppr is not None:
                level = ppr.find(_W + "outlineLvl")
                heading = heading or (level is not None and level.get(_W + "val") != "9")
                if listed is None or listed[0] is None:
                    found = _numbering(ppr)
                    listed = found if found is not None and found[0] is not None else listed
                before = before or _on(ppr.find(_W + "pageBreakBefore"))
            style = style.base_style
            seen += 1
        self.styles[style_id] = (heading, listed, before)
        return self.styles[style_id]

    # -- result

    def result(self) -> tuple[list[tuple[int, str]], list[str]]:
        warnings = []
        if self.paged:
            numbered = self.pages
        else:
            numbered = self.sections
            if len(self.sections) > 1:
                warnings.append(f"Word recorded no page breaks in this file; the numbers are its {len(self.sections)} "
                                "sections, not pages")
            else:
                warnings.append("Word recorded no page breaks in this file; all its text is numbered page 1")
        last = max(numbered)
        return [(n, _page_text(numbered.get(n, []))) for n in range(1, last + 1)], warnings


def _page_text(blocks: list) -> str:
    return "\n\n".join("\n".join(b.rows) if isinstance(b, _Table) else b for b in blocks)


def _children(element, tag: str):
    """Direct children with `tag`, also those wrapped in content controls or tracked insertions."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in _SHOWN:
            yield from _children(child, tag)


def _cell_paragraphs(element):
    """The paragraphs of a table cell (or text box) in order, nested tables' included."""
    for child in element:
        if child.tag == _W + "p":
            yield child
        elif child.tag in (_W + "tbl", _W + "tr", _W + "tc") or child.tag in _SHOWN:
            yield from _cell_paragraphs(child)


def _text_boxes(element) -> list:
    """The outermost text box contents in a drawing (never those of its Fallback copy)."""
    found = []
    for box in element.iter(_W + "txbxContent"):
        ancestor, inside = box.getparent(), False
        while ancestor is not None and ancestor is not element:
            if ancestor.tag in (_W + "txbxContent", _MC + "Fallback"):
                inside = True
                break
            ancestor = ancestor.getparent()
        if not inside:
            found.append(box)
    return found


def _numbering(ppr) -> tuple[str | None, int] | None:
    """(numId, level) of a w:numPr in these properties, None without one."""
    num = ppr.find(_W + "numPr")
    if num is None:
        return None
    num_id, level = num.find(_W + "numId"), num.find(_W + "ilvl")
    try:
        ilvl = int(level.get(_W + "val")) if level is not None else 0
    except (TypeError, ValueError):
        ilvl = 0
    return (num_id.get(_W + "val") if num_id is not None else None, max(0, min(ilvl, 8)))


class _Numbering:
    """The labels Word prints before numbered paragraphs ("1.", "2.3", "a)", "•"), counted as the
    document goes, from the numbering definitions (word/numbering.xml)."""

    _ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
              (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))

    def __init__(self, document) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # abstract id -> level -> (format, text, start)
        self.nums: dict[str, str] = {}  # numId -> abstract id
        self.counters: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element
        except Exception:  # noqa: BLE001 - no or broken numbering definitions: list items get a bullet
            return
        for abstract in root.findall(_W + "abstractNum"):
            levels = self.levels.setdefault(abstract.get(_W + "abstractNumId"), {})
            for lvl in abstract.findall(_W + "lvl"):
                fmt, text, start = (lvl.find(_W + tag) for tag in ("numFmt", "lvlText", "start"))
                try:
                    levels[int(lvl.get(_W + "ilvl", "0"))] = (
                        fmt.get(_W + "val", "decimal") if fmt is not None else "decimal",
                        text.get(_W + "val", "") if text is not None else "",
                        int(start.get(_W + "val", "1")) if start is not None else 1)
                except ValueError:
                    continue
        for num in root.findall(_W + "num"):
            ref = num.find(_W + "abstractNumId")
            if ref is not None:
                self.nums[num.get(_W + "numId")] = ref.get(_W + "val")

    def label(self, num_id: str | None, level: int) -> str | None:
        abstract = self.nums.get(num_id or "")
        levels = self.levels.get(abstract or "")
        if not levels or level not in levels:
            return None
        fmt, text, start = levels[level]
        if fmt == "bullet":
            return BULLET.strip()
        counts = self.counters.setdefault(abstract, [0] * 9)
        counts[level] = counts[level] + 1 if counts[level] else start
        counts[level + 1:] = [0] * (8 - level)
        if fmt == "none":
            return None

        def value(match) -> str:
            k = int(match.group(1)) - 1
            own_fmt, _, own_start = levels.get(k, ("decimal", "", 1))
            return self._format(counts[k] or own_start, own_fmt)

        return re.sub(r"%([1-9])", value, text).strip() or None

    def _format(self, n: int, fmt: str) -> str:
        if fmt in ("lowerLetter", "upperLetter"):
            letters = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
            return letters.upper() if fmt == "upperLetter" else letters
        if fmt in ("lowerRoman", "upperRoman"):
            out, rest = "", n
            for amount, numeral in self._ROMAN:
                while rest >= amount:
                    out, rest = out + numeral, rest - amount
            return out.upper() if fmt == "upperRoman" else out
        return str(n)


def _on(element) -> bool:
    return element is not None and element.get(_W + "val", "true") not in ("0", "false", "off")


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", normalize(text)).strip()
