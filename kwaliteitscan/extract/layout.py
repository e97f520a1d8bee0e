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
from collections import Counter
from dataclasses import dataclass, field

from .pdfsource import Line, RawPage, Ruling, ruled_regions
from .textclean import LINE_END_HYPHENS, Vocabulary, join_hyphenated, normalize

TABLE_CELL_SEPARATOR = " | "
_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*)?(?:pagina|page|blz\.?|p\.|bladzijde)?\s*\d{1,4}(?:\s*(?:van|of|/)\s*\d{1,4})?(?:\s*[-–—])?$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^(?:[•●▪◦‣∙·]|[-–]\s|\d{1,2}[.)]\s)")
_SENTENCE_END = (".", "!", "?", ":", ";")


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


def remove_running_lines(pages: list[RawPage], edge: int = 3) -> int:
    """Drop running headers, footers and page numbers from `pages` in place; return how many."""
    edges: list[set[int]] = []
    at_edge: Counter[str] = Counter()
    prefix_at_edge: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    for page in pages:
        order = sorted(range(len(page.lines)), key=lambda i: page.lines[i].top)
        chosen = set(order[:edge] + order[-edge:])
        edges.append(chosen)
        seen: set[str] = set()
        for i, line in enumerate(page.lines):
            key = _edge_key(line.text)
            if i in chosen:
                if key not in seen:
                    at_edge[key] += 1
                    if len(key) >= 30:
                        prefix_at_edge[key[:30]] += 1
                    seen.add(key)
            else:
                inside[key] += 1
    threshold = 3 if len(pages) >= 6 else 2
    removed = 0
    for page, chosen in zip(pages, edges):
        tables = ruled_regions(page.rulings)
        running = {i for i in chosen if not _in_regions(page.lines[i], tables)
                   and _is_running(page.lines[i].text, at_edge, prefix_at_edge, inside, threshold)}
        # what shares a baseline with a running line is running too (a chapter title beside the header)
        baselines = [page.lines[i].bottom for i in running]
        running |= {i for i in chosen if any(abs(page.lines[i].bottom - b) < 1.5 for b in baselines)}
        removed += len(running)
        page.lines = [line for i, line in enumerate(page.lines) if i not in running]
    return removed


def _is_running(text: str, at_edge: Counter, prefix_at_edge: Counter, inside: Counter, threshold: int) -> bool:
    if _PAGE_NUMBER.match(normalize(text).strip()):
        return True
    key = _edge_key(text)  # the same key as counted, markers and all
    if at_edge[key] >= threshold and at_edge[key] >= 2 * inside[key]:
        return True
    return len(key) >= 30 and prefix_at_edge[key[:30]] >= threshold and inside[key] == 0


# --------------------------------------------------------------------------- one page


def _center_in(line: Line, box: tuple[float, float, float, float]) -> bool:
    cx, cy = (line.x0 + line.x1) / 2, (line.top + line.bottom) / 2
    return box[0] - 1 <= cx <= box[2] + 1 and box[1] - 1 <= cy <= box[3] + 1


def _in_regions(line: Line, regions) -> bool:
    return any(_center_in(line, box) for box in regions)


@dataclass
class _Item:
    x0: float
    x1: float
    top: float
    bottom: float
    line: Line | None = None
    block: Block | None = None


def layout_page(page: RawPage, vocabulary: Vocabulary | None = None) -> list[Block]:
    """Order the lines of one page and group them into paragraph and table blocks."""
    tables = ruled_regions(page.rulings)
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
        row = sum(1 for y in ys if y < cy)
        col = sum(1 for x in xs if x < cx)
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


def _reading_order(items: list[_Item], width: float) -> list[_Item]:
    mid = width / 2
    slack = 0.02 * width
    left = [it for it in items if it.x1 <= mid + slack]
    right = [it for it in items if it.x0 >= mid - slack and it.x1 > mid + slack]
    # one line on the right counts as a column only beside a line of the left one (the last
    # line of a text that ran over into the right column), not as a lone right-aligned date
    beside = len(right) == 1 and any(it.top < right[0].bottom and right[0].top < it.bottom for it in left)
    if len(left) < 2 or (len(right) < 2 and not beside):
        return sorted(items, key=lambda it: (round(it.top, 1), it.x0))
    side = {id(it): 0 for it in left} | {id(it): 1 for it in right}
    spans = sorted((it for it in items if id(it) not in side), key=lambda it: it.top)
    ordered: list[_Item] = []
    rest = sorted((it for it in items if id(it) in side), key=lambda it: it.top)
    for span in spans + [None]:
        limit = span.top if span is not None else float("inf")
        band = [it for it in rest if it.top < limit]
        rest = [it for it in rest if it.top >= limit]
        ordered.extend(sorted(band, key=lambda it: (side[id(it)], it.top, it.x0)))
        if span is not None:
            ordered.append(span)
    return ordered


def _paragraphs(items: list[_Item], vocabulary) -> list[Block]:
    blocks: list[Block] = []
    current: list[Line] = []

    def flush() -> None:
        if current:
            blocks.append(Block(text=_join_lines([ln.text for ln in current], vocabulary)))
            current.clear()

    for item in items:
        if item.block is not None:
            flush()
            blocks.append(item.block)
            continue
        line = item.line
        if current and _breaks(current[-1], line):
            flush()
        current.append(line)
    flush()
    return blocks


def _breaks(prev: Line, line: Line) -> bool:
    """Does `line` start a new paragraph after `prev`?"""
    text = line.text.lstrip()
    if _BULLET.match(text):
        return True
    if abs(line.size - prev.size) > 0.6:
        return True
    if line.top < prev.top - 2:  # a new column or band: continue only a sentence that visibly runs on
        return not _runs_on(prev.text, text)
    step = line.bottom - prev.bottom
    return step > 1.6 * max(prev.size, 1.0)


def _runs_on(prev: str, nxt: str) -> bool:
    prev = prev.rstrip()
    if prev.endswith(LINE_END_HYPHENS):
        return True
    return bool(nxt) and nxt[0].islower() and not prev.endswith(_SENTENCE_END)


def _join_lines(texts: list[str], vocabulary) -> str:
    out = ""
    for text in texts:
        text = text.strip()
        if not text:
            continue
        out = join_two(out, text, vocabulary) if out else text
    return out


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


def layout_document(pages: list[RawPage]) -> list[list[Block]]:
    """Lay out all pages; a word hyphenated across a page break is completed on its first page."""
    remove_running_lines(pages)
    vocabulary = Vocabulary()
    for page in pages:
        # in reading order: the vocabulary reads the start of the line after a hyphenated one
        ordered = _reading_order([_Item(ln.x0, ln.x1, ln.top, ln.bottom, line=ln) for ln in page.lines], page.width)
        vocabulary.add_lines([item.line.text for item in ordered])
    laid = [layout_page(page, vocabulary) for page in pages]
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
                parts.append(re.sub(r"[ ]{2,}", " ", text))
    return "\n\n".join(parts)
