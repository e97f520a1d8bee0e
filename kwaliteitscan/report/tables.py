"""The report as rows: CSV, XLSX (cells neutralised against formulas) and JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ..untrusted import safe_cell
from .labels import DECISION_NL, POLARITY_NL, cell_text
from .model import FIGURES_NL, Report

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
                         "pages": " ".join(f"{e.document}:{e.page}" for e in counted), "reason": cell.reason})
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


#: cell fills per status (the HTML report's colours) and for a checklist point that applies
STATUS_FILL = {"present": "DCEFDC", "unclear": "FFF1BF", "absent": "F7E0E0"}
APPLIES_FILL = "F7E0E0"


def write_xlsx(report: Report, path: Path) -> None:
    """The report as a workbook in Dutch: every sheet with a bold, frozen header row and first
    column and an autofilter; statuses colour-coded; years and figures as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = report.codebook
    fills = {k: PatternFill("solid", fgColor=v) for k, v in STATUS_FILL.items()}
    wb = Workbook()
    matrix = wb.active
    matrix.title = "overzicht"
    matrix.append(["instelling", "jaar", *FIGURES_NL.values()] + [t.label for t in book.themes])
    first_theme = 3 + len(FIGURES_NL)
    for inst in report.institutions:
        figures = inst.figures()
        matrix.append([safe_cell(inst.institution), inst.year, *(figures[k] for k in FIGURES_NL)]
                      + [cell_text(inst.themes[t.id]) for t in book.themes])
        for j, theme in enumerate(book.themes):
            matrix.cell(matrix.max_row, first_theme + j).fill = fills[inst.themes[theme.id].status]
    last_row = matrix.max_row
    notes = wb.create_sheet("toelichting")
    notes.append(["toelichting"])
    for line in (f"codeboek {book.name} {book.version} ({book.sha256[:12]}); {report.basis}; {report.created}",
                 "● aanwezig (groen), ◐ onduidelijk (geel), ○ afwezig (rood); ✓ beoordeeld, ? suggestie",
                 f"thema's aanwezig en thema's beoordeeld: van de {len(book.themes)}; verbeterpunten: hoeveel van de "
                 f"{len(book.checklist)} gelden (minder is beter)"):
        notes.append([safe_cell(line)])
    evidence = wb.create_sheet("bewijs")
    evidence.append(["instelling", "jaar", "thema", "document", "pagina", "citaat", "polariteit", "kwalificaties",
                     "beslissing"])
    for inst in report.institutions:
        for theme in book.themes:
            for e in inst.themes[theme.id].evidence:
                evidence.append([safe_cell(v) for v in (
                    inst.institution, inst.year, theme.label, e.document, e.page, e.text,
                    POLARITY_NL.get(e.polarity, e.polarity),
                    ", ".join(_qualifier_label(book, q) for q in e.qualifiers),
                    DECISION_NL.get(e.decision, e.decision))])
    applies_fill = PatternFill("solid", fgColor=APPLIES_FILL)
    checklist = wb.create_sheet("verbeterpunten")
    checklist.append(["instelling", "jaar", "punt", "geldt", "toelichting", "onderbouwing"])
    for inst in report.institutions:
        for item in inst.checklist:
            checklist.append([safe_cell(v) for v in (inst.institution, inst.year, item.label,
                                                     "ja" if item.applies else "nee",
                                                     item.explanation if item.applies else "", item.reason)])
            if item.applies:
                checklist.cell(checklist.max_row, 4).fill = applies_fill
    summary = wb.create_sheet("samenvatting")
    summary.append(["samenvatting"])
    for line in report.summary():
        summary.append([safe_cell(line)])
    widths = {"overzicht": [28, 7, 11, 11, 11] + [16] * len(book.themes), "bewijs": [28, 7, 24, 24, 8, 80, 14, 24, 22],
              "verbeterpunten": [28, 7, 30, 7, 60, 60], "samenvatting": [100], "toelichting": [100]}
    for ws in wb.worksheets:
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for k, width in enumerate(widths.get(ws.title, [])):
            ws.column_dimensions[chr(ord("A") + k)].width = width
        ws.freeze_panes = "B2"
        ws.auto_filter.ref = ws.dimensions
    matrix.auto_filter.ref = f"A1:{matrix.cell(1, matrix.max_column).column_letter}{last_row}"
    wb.move_sheet("toelichting", offset=len(wb.sheetnames))
    wb.save(path)


def _qualifier_label(book, qid: str) -> str:
    return book.qualifier_label(qid)


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"
