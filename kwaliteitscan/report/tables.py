"""The report as rows: CSV, XLSX (cells neutralised against formulas) and JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ..untrusted import safe_cell
from .labels import cell_text
from .model import Report

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
        matrix.append([safe_cell(inst.institution), inst.year] + [cell_text(inst.themes[t.id]) for t in book.themes])
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
