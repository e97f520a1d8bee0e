"""Renderers for the report model: terminal, Markdown, CSV, XLSX and JSON (HTML: html.py).

All passage text comes from untrusted PDFs: Markdown cells escape table and link syntax,
spreadsheet cells are neutralised against formulas, the terminal gets no escape codes.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from ..exchange import safe_cell
from .model import STATE_NL, STATUS_NL, Report

SYMBOL = {"present": "●", "unclear": "◐", "absent": "○"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]!#<>|])")


def md_escape(text: str) -> str:
    """Text safe inside a Markdown table cell: no table, code, link, image or HTML syntax."""
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return re.sub(r"(?i)javascript:", "javascript&#58;", text)


def _cell_text(cell, reviewed_mark: bool = True) -> str:
    mark = "✓" if cell.reviewed else "?"
    return f"{SYMBOL[cell.status]} {STATUS_NL[cell.status]} {mark}" if reviewed_mark else STATUS_NL[cell.status]


def _name(inst) -> str:
    return f"{inst.institution} ({inst.year})" if inst.year else inst.institution


# --------------------------------------------------------------------------- Markdown


def render_markdown(report: Report) -> str:
    book = report.codebook
    out = ["# Kwaliteitsagenda's en stagediscriminatie", "",
           f"Codeboek {md_escape(book.name)} {md_escape(book.version)} ({book.sha256[:12]}); pipeline "
           f"{md_escape(report.pipeline)}; {md_escape(report.basis)}; {report.created}.", "",
           "Legenda: ● aanwezig, ◐ onduidelijk, ○ afwezig; ✓ beoordeeld, ? (nog) niet volledig beoordeeld "
           "(suggestie).", "", "## Overzicht", ""]
    out.append("| instelling | " + " | ".join(md_escape(t.label) for t in book.themes) + " |")
    out.append("|---" * (len(book.themes) + 1) + "|")
    for inst in report.institutions:
        out.append(f"| {md_escape(_name(inst))} | " + " | ".join(
            _cell_text(inst.themes[t.id]) for t in book.themes) + " |")
    out += ["", "## Samenvatting", ""] + [f"- {md_escape(line)}" for line in report.summary()]
    for inst in report.institutions:
        out += ["", f"## {md_escape(_name(inst))}", "", "Documenten: " + ", ".join(md_escape(d) for d in inst.documents),
                "", "### Wat kan er beter?", ""]
        for item in sorted(inst.checklist, key=lambda c: not c.applies):
            flag = "**geldt**" if item.applies else "geldt niet"
            out.append(f"- {md_escape(item.label)}: {flag}. {md_escape(item.reason)}")
            if item.applies:
                out.append(f"  - {md_escape(item.explanation)}")
        out += ["", "### Bewijs per thema", ""]
        for theme in book.themes:
            cell = inst.themes[theme.id]
            out.append(f"**{md_escape(theme.label)}**: {_cell_text(cell)} ({STATE_NL[cell.state]})")
            out.append("")
            if cell.evidence:
                out += ["| pagina | document | citaat | polariteit | kwalificaties | beslissing |",
                        "|---|---|---|---|---|---|"]
                for e in cell.evidence:
                    out.append(f"| p. {e.page} | {md_escape(e.document)} | {md_escape(e.text)} | {e.polarity} | "
                               f"{md_escape(', '.join(e.qualifiers)) or '-'} | {e.decision} |")
                out.append("")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- CSV and XLSX

CSV_COLUMNS = ("institution", "year", "kind", "id", "label", "status", "reviewed", "state", "evidence", "pages",
               "reason")


def report_rows(report: Report) -> list[dict]:
    """Long format: one row per institution x theme, then one per checklist point."""
    rows = []
    for inst in report.institutions:
        for theme in report.codebook.themes:
            cell = inst.themes[theme.id]
            counted = [e for e in cell.evidence if e.decision != "rejected"]
            rows.append({"institution": inst.institution, "year": inst.year, "kind": "theme", "id": theme.id,
                         "label": theme.label, "status": cell.status, "reviewed": cell.reviewed,
                         "state": cell.state, "evidence": len(counted),
                         "pages": " ".join(f"{e.document}:{e.page}" for e in counted), "reason": ""})
        for item in inst.checklist:
            rows.append({"institution": inst.institution, "year": inst.year, "kind": "checklist", "id": item.id,
                         "label": item.label, "status": "applies" if item.applies else "does_not_apply",
                         "reviewed": "", "state": "", "evidence": len(item.evidence),
                         "pages": " ".join(f"{e.document}:{e.page}" for e in item.evidence), "reason": item.reason})
    return rows


def render_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in report_rows(report):
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return buffer.getvalue()


def write_xlsx(report: Report, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = report.codebook
    wb = Workbook()
    matrix = wb.active
    matrix.title = "overzicht"
    matrix.append(["instelling", "jaar"] + [t.label for t in book.themes])
    for inst in report.institutions:
        matrix.append([safe_cell(inst.institution), inst.year] + [_cell_text(inst.themes[t.id]) for t in book.themes])
    matrix.append([])
    matrix.append([safe_cell(f"codeboek {book.name} {book.version} ({book.sha256[:12]}); {report.basis}; "
                             f"{report.created}; ✓ beoordeeld, ? suggestie")])
    evidence = wb.create_sheet("bewijs")
    evidence.append(["instelling", "jaar", "thema", "document", "pagina", "citaat", "polariteit", "kwalificaties",
                     "beslissing"])
    for inst in report.institutions:
        for theme in book.themes:
            for e in inst.themes[theme.id].evidence:
                evidence.append([safe_cell(v) for v in (inst.institution, inst.year, theme.label, e.document, e.page,
                                                        e.text, e.polarity, ", ".join(e.qualifiers), e.decision)])
    checklist = wb.create_sheet("verbeterpunten")
    checklist.append(["instelling", "jaar", "punt", "geldt", "toelichting", "onderbouwing"])
    for inst in report.institutions:
        for item in inst.checklist:
            checklist.append([safe_cell(v) for v in (inst.institution, inst.year, item.label,
                                                     "ja" if item.applies else "nee", item.explanation, item.reason)])
    summary = wb.create_sheet("samenvatting")
    for line in report.summary():
        summary.append([safe_cell(line)])
    for ws in wb.worksheets:
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(path)


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------------- terminal


def render_terminal(report: Report, console) -> None:
    from rich.table import Table
    from rich.text import Text

    from ..review_tui import clean

    book = report.codebook
    console.print(Text(f"Kwaliteitsagenda's en stagediscriminatie — codeboek {clean(book.name)} "
                       f"{clean(book.version)} ({book.sha256[:12]}); {clean(report.basis)}",
                       style="bold"))
    table = Table(show_lines=False)
    table.add_column("instelling")
    for number, _ in enumerate(book.themes, start=1):
        table.add_column(str(number), justify="center")
    for inst in report.institutions:
        table.add_row(Text(clean(_name(inst))), *[
            Text(f"{SYMBOL[inst.themes[t.id].status]}{'✓' if inst.themes[t.id].reviewed else '?'}")
            for t in book.themes])
    console.print(table)
    console.print(Text("  ".join(f"{n} {clean(t.label)}" for n, t in enumerate(book.themes, start=1)), style="dim"))
    console.print(Text("● aanwezig  ◐ onduidelijk  ○ afwezig   ✓ beoordeeld  ? suggestie", style="dim"))
    for line in report.summary():
        console.print(Text(f"- {clean(line)}"))
    for inst in report.institutions:
        points = [c for c in inst.checklist if c.applies]
        console.print(Text(f"\n{clean(_name(inst))}: wat kan er beter?", style="bold"))
        for item in points or []:
            console.print(Text(f"  • {clean(item.label)} — {clean(item.reason)}"))
        if not points:
            console.print(Text("  geen verbeterpunten volgens de regels van het codeboek"))
