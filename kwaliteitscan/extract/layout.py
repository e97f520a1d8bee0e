"""From positioned lines to faithful page text: reading order, paragraphs, tables, hyphens.

Pure functions over `RawPage` records (pdfsource.py), so they are tested on hand-made
lines as well as on real PDFs:
- running headers, footers and printed page numbers are removed (they recur at the page
  edges of many pages);
- ruled tables become one line per row with the cells in order, separated by " | ";
- two-column pages are read left column, then right column, band by band, where a band
  ends at anything that spans both columns (a title, a wide table);
- lines are joined into paragraphs (blank line between paragraphs), line-end hyphens are
  resolved with `textclean.join_hyphenated`, also across columns and pages.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from operator import attrgetter

from .pdfsource import Line, RawPage, Ruling, ruled_regions
from .textclean import LINE_END_HYPHENS, Vocabulary, count_alnum, join_hyphenated, normalize

TABLE_CELL_SEPARATOR = " | "
_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*)?(?:pagina|page|blz\.?|p\.|bladzijde)?\s*\d{1,4}(?:\s*(?:van|of|/)\s*\d{1,4})?(?:\s*[-–—])?$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"\s*(?:[•●▪◦‣∙·]|[-–]\s|\d{1,2}[.)]\s)")  # used with .match: at the start, after spaces
_SENTENCE_END = (".", "!", "?", ":", ";")
_SPACES = re.compile("[ ]{2,}")


@dataclass
class Block:
    """A paragraph (text may still end in a line-end hyphen marker) or a table (rows)."""

    text: str = ""
    rows: list[str] = field(default_factory=list)

    @property
    def is_table(self) -> bool:
        return bool(self.rows)


# --------------------------------------------------------------------------- headers and footers


_DIGITS = re.compile(r"\d+")


def _edge_key(text: str) -> str:
    return " ".join(_DIGITS.sub("#", text.lower()).split())


#: a running line stands at the same place on at least this share of the document's pages
RUNNING_SHARE = 0.4
#: ... and on at least this many pages (a one-page document keeps every line but its page number)
RUNNING_MIN_PAGES = 2
#: a header or footer on this share of the pages may empty a page (a blank page with only its header)
RUNNING_EVERYWHERE = 0.8
_SAME_PLACE = 3.0  # points
_PREFIX = 30  # characters of a long header line that must recur when its end changes per chapter


@dataclass
class Removed:
    """What running-line removal took from one page, for the warnings."""

    number: int
    chars: int = 0  # letters and digits removed
    suspicious: list[str] = field(default_factory=list)  # removed lines that are not on most pages


def _slot(page: RawPage, line: Line, top_side: bool) -> float:
    """Where a line stands, measured from its own page edge (page sizes may differ)."""
    return line.top if top_side else page.height - line.bottom


def remove_running_lines(pages: list[RawPage], edge: int = 3) -> list[Removed]:
    """Drop running headers, footers and page numbers from `pages` in place.

    Relative to the document: a line is running when its text (digits aside) stands among the
    `edge` first or last lines at the same place on at least RUNNING_SHARE of the pages (and at
    least RUNNING_MIN_PAGES), stands only once on its page and does not occur as often inside pages;
    or when it is a long line that begins the same way on those pages and never inside a page
    (the fixed header followed by the chapter title); or a printed page number; or when it
    shares its baseline with a running line
    (a chapter title beside the fixed header). A page is never emptied of a line that is not on
    nearly every page. Returns what was removed per page."""
    with_text = [page for page in pages if page.lines]
    edges: list[dict[int, bool]] = []  # per page: line index -> at the top edge?
    repeats: list[set[str]] = []  # per page: texts (digits aside) that stand on it more than once
    places: dict[tuple[str, bool], list[float]] = {}  # (key, top side) -> places, once per page
    inside: Counter[str] = Counter()
    exact: dict[tuple[str, bool], list[float]] = {}  # the same for the exact text, digits and all
    prefix_places: dict[tuple[str, bool], list[float]] = {}  # the same for the first _PREFIX characters
    prefix_inside: Counter[str] = Counter()
    page_keys: list[list[str]] = []  # per page: the key of each line
    for page in pages:
        lines = page.lines
        tops = [line.top for line in lines]
        order = sorted(range(len(lines)), key=tops.__getitem__)
        chosen = {i: True for i in order[:edge]} | {i: False for i in order[-edge:] if i not in order[:edge]}
        edges.append(chosen)
        keys = [_edge_key(line.text) for line in lines]
        page_keys.append(keys)
        # every line counts once at its own place; a text that comes twice on one page is body text
        on_page = Counter(keys)
        repeats.append({key for key, n in on_page.items() if n > 1})
        for i, top_side in chosen.items():
            line, key = lines[i], keys[i]
            place = _slot(page, line, top_side)
            places.setdefault((key, top_side), []).append(place)
            exact.setdefault((line.text.strip(), top_side), []).append(place)
            if len(key) >= _PREFIX:
                prefix_places.setdefault((key[:_PREFIX], top_side), []).append(place)
        body = [key for i, key in enumerate(keys) if i not in chosen]
        inside.update(body)
        prefix_inside.update([key[:_PREFIX] for key in body])
    needed = max(RUNNING_MIN_PAGES, RUNNING_SHARE * len(with_text))
    everywhere = max(RUNNING_MIN_PAGES, RUNNING_EVERYWHERE * len(with_text))

    for found in (places, exact, prefix_places):
        for spots in found.values():
            spots.sort()

    def pages_at(found: dict, key: str, top_side: bool, place: float) -> int:
        spots = found.get((key, top_side), ())
        return bisect_right(spots, place + _SAME_PLACE) - bisect_left(spots, place - _SAME_PLACE)

    report: list[Removed] = []
    for page, chosen, twice, keys in zip(pages, edges, repeats, page_keys):
        tables = ruled_regions(page.rulings)
        strength: dict[int, float] = {}  # line index -> pages it stands on at this place
        for i, top_side in chosen.items():
            line = page.lines[i]
            if _in_regions(line, tables):
                continue
            if _PAGE_NUMBER.match(normalize(line.text).strip()):
                strength[i] = everywhere  # a printed page number always goes
                continue
            key = keys[i]
            if key in twice:
                continue
            place = _slot(page, line, top_side)
            count = pages_at(places, key, top_side, place)
            if count < 2 * inside[key]:
                count = 0
            if len(key) >= _PREFIX and not prefix_inside[key[:_PREFIX]]:
                # the fixed header run together with a chapter title that changes ("... | ROC X 4 Ambities")
                count = max(count, pages_at(prefix_places, key[:_PREFIX], top_side, place))
            if count >= needed:
                strength[i] = count
        # what shares a baseline with a running line is running too (a chapter title beside the header)
        baselines = [(page.lines[i].bottom, strength[i]) for i in strength]
        for i in chosen:
            if i not in strength:
                near = [n for b, n in baselines if abs(page.lines[i].bottom - b) < 1.5]
                if near:
                    strength[i] = min(near)
        if strength and len(strength) == len(page.lines):
            # it would empty the page: only page numbers and what stands word for word at this place
            # on nearly every page go (a blank page's header), never lines that differ by a number
            strength = {i: n for i, n in strength.items() if _PAGE_NUMBER.match(normalize(page.lines[i].text).strip())
                        or pages_at(exact, page.lines[i].text.strip(), chosen[i],
                                    _slot(page, page.lines[i], chosen[i])) >= everywhere}
        removed = Removed(page.number)
        for i in sorted(strength):
            text = page.lines[i].text
            removed.chars += count_alnum(text)
            if strength[i] < everywhere:
                removed.suspicious.append(normalize(text).strip())
        report.append(removed)
        page.lines = [line for i, line in enumerate(page.lines) if i not in strength]
    return report


# --------------------------------------------------------------------------- one page


def _center_in(line: Line, box: tuple[float, float, float, float]) -> bool:
    cx, cy = (line.x0 + line.x1) / 2, (line.top + line.bottom) / 2
    return box[0] - 1 <= cx <= box[2] + 1 and box[1] - 1 <= cy <= box[3] + 1


def _in_regions(line: Line, regions) -> bool:
    return any(_center_in(line, box) for box in regions)


@dataclass(slots=True)
class _Item:
    x0: float
    x1: float
    top: float
    bottom: float
    line: Line | None = None
    block: Block | None = None
    row: float = 0.0  # set by _set_rows
    side: int = -1  # set by _reading_order: 0 left column, 1 right column, -1 across both


_TOP = attrgetter("top")
_ROW_X = attrgetter("row", "x0")
_SIDE_ROW_X = attrgetter("side", "row", "x0")


def layout_page(page: RawPage, vocabulary: Vocabulary | None = None, ordered: list | None = None) -> list[Block]:
    """Order the lines of one page and group them into paragraph and table blocks. `ordered`, when
    given, is `_reading_order` of all the page's lines, already worked out: a page without ruled
    tables then needs no second sort."""
    tables = ruled_regions(page.rulings)
    if ordered is not None and not tables:
        return _paragraphs(ordered, vocabulary)
    items: list[_Item] = []
    table_lines: list[list[Line]] = [[] for _ in tables]
    for line in page.lines:
        for k, box in enumerate(tables):
            if _center_in(line, box):
                table_lines[k].append(line)
                break
        else:
            items.append(_Item(line.x0, line.x1, line.top, line.bottom, line=line))
    for box, lines in zip(tables, table_lines):
        if lines:
            rows = _table_rows(box, lines, page.rulings, vocabulary)
            items.append(_Item(box[0], box[2], box[1], box[3], block=Block(rows=rows)))
    return _paragraphs(_reading_order(items, page.width), vocabulary)


def _table_rows(box, lines: list[Line], rulings: list[Ruling], vocabulary) -> list[str]:
    x0, top, x1, bottom = box
    inside = [r for r in rulings if r.x0 >= x0 - 2 and r.x1 <= x1 + 2 and r.top >= top - 2 and r.bottom <= bottom + 2]
    ys = _dedupe(sorted((r.top + r.bottom) / 2 for r in inside if r.horizontal))
    xs = _dedupe(sorted((r.x0 + r.x1) / 2 for r in inside if not r.horizontal))
    cells: dict[tuple[int, int], list[Line]] = {}
    for line in lines:
        cy, cx = (line.top + line.bottom) / 2, (line.x0 + line.x1) / 2
        row = bisect_left(ys, cy)  # how many of the (sorted) rulings lie above it
        col = bisect_left(xs, cx)
        cells.setdefault((row, col), []).append(line)
    nrows, ncols = max(len(ys), 1), max(len(xs) - 1, 1)
    rows = []
    for r in range(nrows + 1):
        texts = []
        for c in range(ncols + 1):
            group = sorted(cells.get((r, c), []), key=lambda ln: (round(ln.top), ln.x0))
            texts.append(_join_lines([ln.text for ln in group], vocabulary))
        while texts and not texts[-1] and len(texts) > ncols:
            texts.pop()
        if texts and not texts[0] and (r, 0) not in cells and len(texts) > ncols:
            texts.pop(0)
        if any(texts):
            rows.append(TABLE_CELL_SEPARATOR.join(normalize(t).strip() for t in texts))
    return rows


def _dedupe(values: list[float], tolerance: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in values:
        if not out or v - out[-1] > tolerance:
            out.append(v)
    return out


def _set_rows(items: list[_Item], tolerance: float = 2.0) -> None:
    """A row position per item (`row`): items whose tops lie within `tolerance` of the row's first
    share it, so the pieces of one line keep their order left to right whatever their glyphs' tops."""
    start = None
    for item in sorted(items, key=_TOP):
        top = item.top
        if start is None or top - start > tolerance:
            start = top
        item.row = start


def _reading_order(items: list[_Item], width: float) -> list[_Item]:
    _set_rows(items)
    mid = width / 2
    slack = 0.02 * width
    left = [it for it in items if it.x1 <= mid + slack]
    right = [it for it in items if it.x0 >= mid - slack and it.x1 > mid + slack]
    # one line on the right counts as a column only beside a line of the left one (the last
    # line of a text that ran over into the right column), not as a lone right-aligned date
    beside = len(right) == 1 and any(it.top < right[0].bottom and right[0].top < it.bottom for it in left)
    if len(left) < 2 or (len(right) < 2 and not beside):
        return sorted(items, key=_ROW_X)
    for it in items:
        it.side = -1
    for it in left:
        it.side = 0
    for it in right:
        it.side = 1
    spans = sorted((it for it in items if it.side < 0), key=_TOP)
    ordered: list[_Item] = []
    rest = sorted((it for it in items if it.side >= 0), key=_TOP)
    start = 0
    for span in spans + [None]:
        end = bisect_left(rest, span.top, start, key=_TOP) if span is not None else len(rest)
        ordered.extend(sorted(rest[start:end], key=_SIDE_ROW_X))
        start = end
        if span is not None:
            ordered.append(span)
    return ordered


def _paragraphs(items: list[_Item], vocabulary) -> list[Block]:
    blocks: list[Block] = []
    current: list[str] = []  # the texts of the paragraph's lines so far
    prev = None  # its last line
    for item in items:
        if item.block is not None:
            if current:
                blocks.append(Block(text=_join_lines(current, vocabulary)))
                current, prev = [], None
            blocks.append(item.block)
            continue
        line = item.line
        if prev is not None and _breaks(prev, line):
            blocks.append(Block(text=_join_lines(current, vocabulary)))
            current = []
        current.append(line.text)
        prev = line
    if current:
        blocks.append(Block(text=_join_lines(current, vocabulary)))
    return blocks


def _breaks(prev: Line, line: Line) -> bool:
    """Does `line` start a new paragraph after `prev`?"""
    if _BULLET.match(line.text):
        return True
    if abs(line.size - prev.size) > 0.6:
        return True
    if line.top < prev.top - 2:  # a new column or band: continue only a sentence that visibly runs on
        return not _runs_on(prev.text, line.text.lstrip())
    step = line.bottom - prev.bottom
    return step > 1.6 * max(prev.size, 1.0)


def _runs_on(prev: str, nxt: str) -> bool:
    prev = prev.rstrip()
    if prev.endswith(LINE_END_HYPHENS):
        return True
    return bool(nxt) and nxt[0].islower() and not prev.endswith(_SENTENCE_END)


def _join_lines(texts: list[str], vocabulary) -> str:
    """Join lines into one text. Each join looks at the previous line only and the parts are
    joined once at the end, so a paragraph of n characters costs O(n), not O(n²)."""
    parts: list[str] = []
    last = None  # the previous line's text, which is parts[-1]
    for text in texts:
        text = text.strip()
        if not text:
            continue
        if last is not None:
            if not last.endswith(LINE_END_HYPHENS):
                parts.append(" ")  # what join_two does without a line-end hyphen, without building the pair
            else:
                joined = join_two(last, text, vocabulary)  # always ends with `text` unchanged
                parts[-1] = joined[:len(joined) - len(text)]
        parts.append(text)
        last = text
    return "".join(parts)


def join_two(before: str, after: str, vocabulary: Vocabulary | None) -> str:
    """Join the text so far with the next line, resolving a line-end hyphen."""
    if before.endswith(LINE_END_HYPHENS) and after[:1].isalnum():
        marker = before[-1]
        stem = before[:-1]
        if not stem or stem[-1].isspace():
            return f"{before} {after}"
        return join_hyphenated(stem, after, vocabulary, marker="-" if marker == "\ufffe" else marker)
    return f"{before} {after}"


# --------------------------------------------------------------------------- the document


def layout_document(pages: list[RawPage], removed: list[Removed] | None = None) -> list[list[Block]]:
    """Lay out all pages; a word hyphenated across a page break is completed on its first page.
    What running-line removal took from each page is appended to `removed` when given."""
    report = remove_running_lines(pages)
    if removed is not None:
        removed.extend(report)
    vocabulary = Vocabulary()
    orders = []
    for page in pages:
        # in reading order: the vocabulary reads the start of the line after a hyphenated one
        ordered = _reading_order([_Item(ln.x0, ln.x1, ln.top, ln.bottom, line=ln) for ln in page.lines], page.width)
        vocabulary.add_lines([item.line.text for item in ordered])
        orders.append(ordered)
    laid = [layout_page(page, vocabulary, ordered) for page, ordered in zip(pages, orders)]
    for this, nxt in zip(laid, laid[1:]):
        _carry_over(this, nxt, vocabulary)
    return laid


def _carry_over(this: list[Block], nxt: list[Block], vocabulary) -> None:
    if not this or not nxt or this[-1].is_table or nxt[0].is_table:
        return
    tail, head = this[-1].text, nxt[0].text
    if not tail.endswith(LINE_END_HYPHENS) or not head[:1].isalpha():
        return
    word, _, rest = head.partition(" ")
    this[-1].text = join_two(tail, word, vocabulary)
    if rest:
        nxt[0].text = rest
    else:
        del nxt[0]


def page_text(blocks: list[Block]) -> str:
    """Blocks to the page's text: paragraphs separated by a blank line, table rows by newlines."""
    parts = []
    for block in blocks:
        if block.is_table:
            parts.append("\n".join(block.rows))
        else:
            text = normalize(block.text).strip()
            if text:
                parts.append(_SPACES.sub(" ", text))
    return "\n\n".join(parts)
