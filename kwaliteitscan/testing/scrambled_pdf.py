"""Two-column agenda pages whose text objects are written in a scrambled content-stream order.

A PDF says where each piece of text goes, not in which order it is read: InDesign, Word and
PDF post-processors write the right column first, interleave the lines of both columns,
split a word over two text objects ("beschik" + "baar is gesteld") or put the footer first.
`scrambled_agenda` lays out the same pages once and writes their text objects in one of
those orders, so a test can demand that the extracted text does not depend on it.

Needs the `render` extra (reportlab, pyphen). Used by tests/extract and
benchmarks/bench_reading_order.py; the product never imports it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

ORDERS = ("ordered", "right-first", "interleaved", "fragments", "footer-first", "everything")

PAGE_W, PAGE_H = 595.0, 842.0
MARGIN, GUTTER = 56.0, 22.0
SIZE, LEADING = 10.0, 13.0
FONT = "KsVera"

_SUBJECTS = [
    "De stagecoördinator", "Het opleidingsteam", "Onze onderwijsprofessionals", "De bpv-begeleider",
    "Het college van bestuur", "De examencommissie", "Elke praktijkopleider", "De studentenraad",
    "Het meldpunt stagediscriminatie", "De kwaliteitszorgmedewerker", "Iedere mbo-instelling in de regio",
]
_VERBS = [
    "zorgt ervoor dat", "bespreekt jaarlijks hoe", "controleert per periode of", "legt schriftelijk vast dat",
    "evalueert samen met leerbedrijven of", "rapporteert aan de raad van toezicht wanneer",
]
_CHAPTERS = [
    "Ambities en resultaten", "Stage en beroepspraktijkvorming", "Gelijke kansen", "Kwaliteitszorg",
    "Samenwerking in de regio", "Professionalisering", "Monitoring en verantwoording", "Burgerschap",
]
_PARTS = ["ambitie", "aanpak", "resultaten", "monitoring", "vervolg"]
_CLAUSES = [
    "er voor iedere student een passende stageplaats beschikbaar is gesteld",
    "meldingen van stagediscriminatie binnen vijf werkdagen worden opgevolgd",
    "leerbedrijven de gedragscode gelijke behandeling hebben ondertekend",
    "studenten weten waar zij terechtkunnen met klachten over hun beroepspraktijkvorming",
    "de begeleiding van eerstejaarsstudenten structureel wordt verbeterd",
    "de taal- en rekenvaardigheden van onze studenten aantoonbaar toenemen",
    "de PDCA-cyclus op teamniveau wordt doorlopen en gedocumenteerd",
    "het aantal voortijdig schoolverlaters in de arbeidsmarktregio daalt",
    "onderwijsprofessionals zijn toegerust om discriminatie bespreekbaar te maken",
    "de samenwerking met het regionale bedrijfsleven duurzaam wordt versterkt",
    "de resultaten van de JOB-monitor met alle opleidingsteams worden gedeeld",
    "stagematching op basis van leerwensen in alle sectoren beschikbaar is",
]


@dataclass(frozen=True)
class Piece:
    """One text object: its text, where its baseline starts, and its font size."""

    x: float
    y: float
    text: str
    size: float = SIZE
    role: str = "body"  # body | header | footer | title
    column: int = 0  # 0 left, 1 right, -1 spanning
    line: int = 0  # line number within its column


def _fonts() -> None:
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        fonts = Path(reportlab.__file__).parent / "fonts"
        pdfmetrics.registerFont(TTFont(FONT, str(fonts / "Vera.ttf")))


def _width(text: str, size: float = SIZE) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, FONT, size)


def gold_paragraphs(pages: int, seed: int = 7, per_page: int = 6) -> list[list[str]]:
    """Seeded Dutch agenda paragraphs: `per_page` paragraphs of 2-4 sentences for each page."""
    rng = random.Random(seed)
    out = []
    for p in range(pages):
        paragraphs = []
        for k in range(per_page):
            sentences = []
            for _ in range(rng.randint(2, 4)):
                sentences.append(f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_CLAUSES)}.")
            sentences[0] = f"Ambitie {p + 1}.{k + 1}: " + sentences[0][0].lower() + sentences[0][1:]
            paragraphs.append(" ".join(sentences))
        out.append(paragraphs)
    return out


def chapter_title(number: int) -> str:
    """The title at the top of page `number`: a chapter per page, each named differently (up to 40)."""
    chapter = _CHAPTERS[(number - 1) % len(_CHAPTERS)]
    part = _PARTS[(number - 1) // len(_CHAPTERS) % len(_PARTS)]
    return f"{number}. {chapter}: {part}"


def _break_lines(text: str, width: float, hyphenator) -> list[str]:
    """Greedy line breaking with Dutch hyphenation of the word that does not fit."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if _width(candidate) <= width:
            current = candidate
            continue
        room = width - _width(f"{current} " if current else "")
        head, tail = _split_word(word, room, hyphenator)
        if head:
            lines.append(f"{current} {head}" if current else head)
            current = tail
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _split_word(word: str, room: float, hyphenator) -> tuple[str, str]:
    """The longest head of `word` that fits in `room` with its hyphen, and the rest."""
    best = ("", word)
    if "-" in word[1:-1]:  # a compound breaks after its own hyphen ("mbo-" + "instelling")
        i = word.index("-") + 1
        if _width(word[:i]) <= room:
            best = (word[:i], word[i:])
    core = re.match(r"^([A-Za-zÀ-ÿ]+)(.*)$", word)
    if core and len(core.group(1)) >= 6:
        for head, tail in hyphenator.iterate(core.group(1)):
            if len(head) >= 2 and len(tail) >= 2 and _width(head + "-") <= room and len(head) > len(best[0]):
                best = (head + "-", tail + core.group(2))
                break  # iterate() starts with the longest head
    return best


def layout_pages(paragraphs: list[list[str]], *, institution: str = "ROC Duinrand",
                 seed: int = 11) -> list[list[Piece]]:
    """Place header, title, two columns of paragraphs and the footer of each page, in reading order.

    Each body line is cut into one to three text objects at seeded places, some inside a word,
    so that a scrambled order also separates the parts of a word."""
    import pyphen

    _fonts()
    hyphenator = pyphen.Pyphen(lang="nl_NL")
    rng = random.Random(seed)
    col_w = (PAGE_W - 2 * MARGIN - GUTTER) / 2
    xs = (MARGIN, MARGIN + col_w + GUTTER)
    pages = []
    for number, page_paragraphs in enumerate(paragraphs, start=1):
        pieces = [Piece(MARGIN, PAGE_H - 36, f"Kwaliteitsagenda 2024-2027 | {institution}", 8.0, "header", -1),
                  Piece(MARGIN, PAGE_H - 80, chapter_title(number), 14.0, "title", -1)]
        lines: list[str | None] = []
        for paragraph in page_paragraphs:
            lines.extend(_break_lines(paragraph, col_w, hyphenator))
            lines.append(None)  # paragraph gap
        top = PAGE_H - 110
        per_column = int((top - 60) // LEADING)
        half = min(len(lines), max(per_column, (len(lines) + 1) // 2))
        for column, chunk in enumerate((lines[:half], lines[half:])):
            if len(chunk) > per_column:
                raise ValueError("too much text for one page; give fewer or shorter paragraphs")
            for i, text in enumerate(chunk):
                if text is None:
                    continue
                y = top - i * LEADING
                pieces.extend(_cut(text, xs[column], y, column, i, rng))
        pieces.append(Piece(PAGE_W / 2 - 30, 30, f"Pagina {number} van {len(paragraphs)}", 8.0, "footer", -1))
        pages.append(pieces)
    return pages


def _cut(text: str, x: float, y: float, column: int, line: int, rng: random.Random) -> list[Piece]:
    """One line as 1-3 abutting text objects; cuts fall anywhere, also inside words."""
    cuts = sorted(rng.sample(range(2, len(text) - 1), k=min(rng.randint(0, 2), max(0, len(text) - 4))))
    out, start = [], 0
    for cut in cuts + [len(text)]:
        part = text[start:cut]
        if part:
            out.append(Piece(x + _width(text[:start]), y, part, SIZE, "body", column, line))
        start = cut
    return out


def stream_order(pieces: list[Piece], order: str, rng: random.Random) -> list[Piece]:
    """The pieces of one page in the content-stream order named by `order` (see ORDERS)."""
    header = [p for p in pieces if p.role in ("header", "title")]
    footer = [p for p in pieces if p.role == "footer"]
    left = [p for p in pieces if p.role == "body" and p.column == 0]
    right = [p for p in pieces if p.role == "body" and p.column == 1]
    if order == "ordered":
        return header + left + right + footer
    if order == "right-first":
        return header + right + left + footer
    if order == "interleaved":
        merged = sorted(left + right, key=lambda p: (p.line, p.column, p.x))
        return header + merged + footer
    if order == "fragments":
        body = left + right
        rng.shuffle(body)
        return header + body + footer
    if order == "footer-first":
        return footer + right + left + header
    if order == "everything":
        every = list(pieces)
        rng.shuffle(every)
        return footer + [p for p in every if p.role != "footer"]
    raise ValueError(f"unknown order {order!r}: use one of {', '.join(ORDERS)}")


def write_pdf(pages: list[list[Piece]], out: Path, order: str = "ordered", seed: int = 3) -> Path:
    """Write the laid-out pages with each piece as its own text object, in `order`."""
    from reportlab.pdfgen import canvas

    _fonts()
    rng = random.Random(seed)
    pdf = canvas.Canvas(str(out), pagesize=(PAGE_W, PAGE_H), pageCompression=0)
    for pieces in pages:
        for piece in stream_order(pieces, order, rng):
            pdf.setFont(FONT, piece.size)
            pdf.drawString(piece.x, piece.y, piece.text)
        pdf.showPage()
    pdf.save()
    return out


def scrambled_agenda(out: Path, order: str, pages: int = 2, seed: int = 7) -> tuple[Path, list[list[str]]]:
    """One agenda of `pages` pages written in `order`; returns the file and its paragraphs per page."""
    paragraphs = gold_paragraphs(pages, seed)
    return write_pdf(layout_pages(paragraphs), out, order), paragraphs


def sentences(paragraphs: list[list[str]]) -> list[str]:
    """The gold sentences of the paragraphs (split after a full stop)."""
    out = []
    for page in paragraphs:
        for paragraph in page:
            out.extend(s for s in re.split(r"(?<=\.) (?=[A-Z])", paragraph) if s)
    return out
