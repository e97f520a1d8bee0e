"""Render an agenda source (Markdown subset + YAML front matter) to a realistic PDF.

Used for the demo corpus (`corpus/render.py`), the benchmarks and the tests, which make
their own small PDFs. Needs the optional `render` extra (reportlab, pyphen): real
agendas are not written with this, it only has to look and extract like one.

The source format is described in `corpus/AUTHORING.md`: headings, paragraphs, bullet
lists, pipe tables and block quotes; `layout` is `one-column` or `two-column`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import InputError


@dataclass
class Block:
    kind: str  # h1 h2 h3 p li table quote
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Source:
    meta: dict
    blocks: list[Block]


_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}")


def parse_source(text: str, name: str = "<source>") -> Source:
    """Split front matter from body and parse the body into blocks."""
    meta: dict = {}
    body = text
    if text.startswith("---"):
        parts = text.split("\n---", 1)
        if len(parts) != 2:
            raise InputError(f"{name}: front matter is not closed with '---'")
        meta = yaml.safe_load(parts[0][3:]) or {}
        body = parts[1].split("\n", 1)[1] if "\n" in parts[1] else ""
    blocks: list[Block] = []
    para: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        if para:
            blocks.append(Block("p", " ".join(para)))
            para.clear()
        if table:
            blocks.append(Block("table", rows=[row[:] for row in table]))
            table.clear()

    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("|"):
            if para:
                flush()
            if not _TABLE_RULE.match(line):
                table.append([c.strip() for c in line.strip("|").split("|")])
            continue
        if table:
            flush()
        heading = re.match(r"^(#{1,3})\s+(.*)$", line)
        if heading:
            flush()
            blocks.append(Block(f"h{len(heading.group(1))}", heading.group(2).strip()))
        elif line.startswith(("- ", "* ")):
            flush()
            blocks.append(Block("li", line[2:].strip()))
        elif line.startswith(">"):
            flush()
            blocks.append(Block("quote", line.lstrip("> ").strip()))
        else:
            para.append(line)
    flush()
    return Source(meta, blocks)


def _fonts() -> tuple[str, str]:
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = Path(reportlab.__file__).parent / "fonts"
    if "KsVera" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("KsVera", str(folder / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont("KsVeraBd", str(folder / "VeraBd.ttf")))
    return "KsVera", "KsVeraBd"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_pdf(source: Source, out: Path, *, header: bool = True) -> Path:
    """Write `source` as a PDF at `out`: A4, justified, Dutch hyphenation, running header/footer."""
    try:
        from reportlab.lib import colors
        from reportlab.lib.enums import TA_JUSTIFY
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.lib.units import cm
        from reportlab.platypus import (BaseDocTemplate, Frame, FrameBreak, NextPageTemplate, PageTemplate,
                                        Paragraph, Spacer, Table, TableStyle)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError("rendering PDFs needs reportlab: pip install 'kwaliteitscan[render]'") from exc

    regular, bold = _fonts()
    meta = source.meta
    institution = str(meta.get("institution", "Onbekende instelling"))
    title = str(meta.get("title", "Kwaliteitsagenda 2024-2027"))
    two_columns = meta.get("layout", "one-column") == "two-column"
    width, height = A4
    margin, gap = 2.0 * cm, 0.8 * cm
    top, bottom = height - 2.4 * cm, 2.2 * cm

    base = dict(fontName=regular, fontSize=9.5 if two_columns else 10.5, leading=13 if two_columns else 14.5,
                alignment=TA_JUSTIFY, hyphenationLang="nl_NL", embeddedHyphenation=1,
                uriWasteReduce=0.3, spaceAfter=5)
    styles = {
        "p": ParagraphStyle("p", **base),
        "li": ParagraphStyle("li", **base, leftIndent=12, bulletIndent=2),
        "quote": ParagraphStyle("quote", **{**base, "spaceAfter": 10}, backColor=colors.HexColor("#e8eef4"),
                                borderPadding=5, leftIndent=6, rightIndent=6, spaceBefore=6),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=7.5, leading=9.5, hyphenationLang="nl_NL",
                               embeddedHyphenation=1),
        "cellhead": ParagraphStyle("cellhead", fontName=bold, fontSize=7.5, leading=9.5, hyphenationLang="nl_NL"),
        "h1": ParagraphStyle("h1", fontName=bold, fontSize=15, leading=19, spaceBefore=10, spaceAfter=8),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=12, leading=15, spaceBefore=8, spaceAfter=5),
        "h3": ParagraphStyle("h3", fontName=bold, fontSize=10.5, leading=13, spaceBefore=6, spaceAfter=4),
        "title": ParagraphStyle("title", fontName=bold, fontSize=22, leading=27, spaceAfter=6),
        "subtitle": ParagraphStyle("subtitle", fontName=regular, fontSize=13, leading=17),
    }

    class AgendaDoc(BaseDocTemplate):
        chapter = ""

        def afterFlowable(self, flowable):  # noqa: N802 (reportlab's name)
            if getattr(flowable, "ks_chapter", None):
                AgendaDoc.chapter = flowable.ks_chapter

    def decorate(canvas, doc):
        if not header:
            return
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.setFillColor(colors.HexColor("#555555"))
        if doc.page > 1:
            canvas.drawString(margin, height - 1.5 * cm, f"{title} | {institution}")
            canvas.drawRightString(width - margin, height - 1.5 * cm, AgendaDoc.chapter[:60])
            canvas.line(margin, height - 1.65 * cm, width - margin, height - 1.65 * cm)
        canvas.drawCentredString(width / 2, 1.3 * cm, f"Pagina {doc.page}")
        canvas.restoreState()

    column = (width - 2 * margin - gap) / 2 if two_columns else width - 2 * margin

    def body_frames(prefix: str, frame_top: float) -> list:
        if not two_columns:
            return [Frame(margin, bottom, column, frame_top - bottom, id=f"{prefix}0")]
        return [Frame(margin + i * (column + gap), bottom, column, frame_top - bottom, id=f"{prefix}{i}")
                for i in range(2)]

    cover_height = 4.5 * cm
    cover = [Frame(margin, top - cover_height, width - 2 * margin, cover_height, id="cover")]
    doc = AgendaDoc(str(out), pagesize=A4, title=f"{title} {institution}", author=institution,
                    leftMargin=margin, rightMargin=margin, topMargin=height - top, bottomMargin=bottom)
    doc.addPageTemplates([
        PageTemplate("first", cover + body_frames("f", top - cover_height - 0.3 * cm), onPage=decorate),
        PageTemplate("body", body_frames("b", top), onPage=decorate),
    ])

    story: list = [Paragraph(_escape(title), styles["title"]),
                   Paragraph(_escape(f"{institution} · {meta.get('year', '')}"), styles["subtitle"]),
                   NextPageTemplate("body")]
    story.append(FrameBreak())
    for block in source.blocks:
        if block.kind in ("h1", "h2", "h3"):
            para = Paragraph(_escape(block.text), styles[block.kind])
            if block.kind == "h1":
                para.ks_chapter = block.text
            story.append(para)
        elif block.kind == "p":
            story.append(Paragraph(_escape(block.text), styles["p"]))
        elif block.kind == "li":
            story.append(Paragraph(_escape(block.text), styles["li"], bulletText="•"))
        elif block.kind == "quote":
            story.append(Paragraph(_escape(block.text), styles["quote"]))
        elif block.kind == "table":
            story.append(_table(block.rows, column, styles, colors, Table, TableStyle, Paragraph))
            story.append(Spacer(1, 8))
    doc.build(story)
    return out


def _parts(text: str) -> list[str]:
    """The pieces a table cell can be broken into: its words, and a hyphenated word after each hyphen."""
    return [part for word in text.split() for part in re.split(r"(?<=-)(?=\w)", word)] or [""]


def _table(rows, column_width, styles, colors, Table, TableStyle, Paragraph):  # noqa: N803
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from reportlab.lib.styles import ParagraphStyle

    ncols = max(len(r) for r in rows)
    rows = [row + [""] * (ncols - len(row)) for row in rows]
    # each column at least as wide as its longest word (so words are hyphenated, not chopped),
    # with a smaller font when that does not fit; the rest shared by the amount of text. A word
    # with a hyphen may break after it ("non-" + "discriminatiepassage"), so its parts count.
    pad, size = 8, 7.5
    for size in (7.5, 7.0, 6.5, 6.0, 5.5, 5.0):
        widest = [max(stringWidth(w, styles["cellhead"].fontName, size) for row in rows
                      for w in _parts(row[c])) + pad for c in range(ncols)]
        if sum(widest) <= column_width:
            break
    cell = ParagraphStyle("cellfit", parent=styles["cell"], fontSize=size, leading=size + 2)
    head = ParagraphStyle("headfit", parent=styles["cellhead"], fontSize=size, leading=size + 2)
    if sum(widest) > column_width:  # too narrow even at 5 pt: offer every hyphenation point, as a typesetter would
        import pyphen

        dic = pyphen.Pyphen(lang="nl_NL")
        def soft(word: str) -> str:  # not beside a real hyphen: "non-" + soft hyphen would print "non--"
            return dic.inserted(word, hyphen="\u00ad").replace("-\u00ad", "-").replace("\u00ad-", "-")

        rows = [row if i == 0 else [" ".join(soft(w) for w in text.split(" ")) for text in row]
                for i, row in enumerate(rows)]
    grid = [[Paragraph(_escape(text), head if i == 0 else cell) for text in row] for i, row in enumerate(rows)]
    if sum(widest) > column_width:
        widths = [w * column_width / sum(widest) for w in widest]
    else:
        amount = [sum(len(row[c]) for row in rows) ** 0.5 + 1 for c in range(ncols)]
        spare = column_width - sum(widest)
        widths = [w + spare * a / sum(amount) for w, a in zip(widest, amount)]
    table = Table(grid, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#777777")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde6ee")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def undrawable(text: str) -> list[str]:
    """Characters of `text` the renderer's fonts have no glyph for (they would print as a box)."""
    from reportlab.pdfbase import pdfmetrics

    fonts = [pdfmetrics.getFont(name).face.charToGlyph for name in _fonts()]
    return sorted({ch for ch in text if not ch.isspace() and any(ord(ch) not in cmap for cmap in fonts)})


def render_file(src: Path, out: Path) -> Path:
    """Render one source file to a PDF; a character the font cannot draw is refused, so a
    demo agenda never holds a box where its gold coding has a character."""
    text = src.read_text(encoding="utf-8")
    source = parse_source(text, str(src))
    missing = undrawable(text)
    if missing:
        names = ", ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in missing)
        raise InputError(f"{src}: the font has no glyph for {names}; write it another way (e.g. 'naar' for '→')")
    return render_pdf(source, out)


def render_text(markdown: str, out: Path, *, layout: str = "one-column", institution: str = "ROC Test",
                year: int = 2024, header: bool = True) -> Path:
    """Render Markdown body text (no front matter) with the given metadata; for tests."""
    meta = {"institution": institution, "title": "Kwaliteitsagenda 2024-2027", "year": year, "layout": layout}
    return render_pdf(Source(meta, parse_source(markdown).blocks), out, header=header)


