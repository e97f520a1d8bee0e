"""Export candidates (with their current decision) to JSONL, CSV and XLSX.

Passage text comes from untrusted PDFs: spreadsheet cells that would start a formula are
neutralised (a leading apostrophe), control characters are dropped, and cells are cut to
Excel's limit.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ..untrusted import safe_cell

COLUMNS = ("id", "document", "institution", "year", "page", "theme", "code", "polarity", "qualifiers", "score",
           "matched_terms", "passage", "context", "decision", "coder", "note", "codebook")
DECISIONS = ("pending", "confirmed", "rejected", "uncertain")


def export_rows(candidates: list[dict], decisions: dict[str, dict], blank: bool = False) -> list[dict]:
    """One row per candidate in the documented column order (`blank`: an empty decision column)."""
    rows = []
    for c in candidates:
        decision = decisions.get(c["id"], {"decision": ""} if blank else {})
        rows.append({
            "id": c["id"], "document": c["file"], "institution": c["institution"], "year": c["year"],
            "page": c["page"], "theme": c["theme"], "code": ";".join(c["codes"]), "polarity": c["polarity"],
            "qualifiers": ";".join(c["qualifiers"]), "score": round(float(c["score"]), 3),
            "matched_terms": ";".join(c["terms"]), "passage": c["passage"], "context": c["context"],
            "decision": decision.get("decision", "pending"), "coder": decision.get("coder", ""),
            "note": decision.get("note", ""),
            "codebook": f"{c['codebook_name']} {c['codebook_version']} ({c['codebook'][:12]})",
        })
    return rows


def write_jsonl(rows: list[dict], out: io.TextIOBase) -> None:
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_csv(rows: list[dict], out: io.TextIOBase) -> None:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(v) for k, v in row.items()})


def write_xlsx(rows: list[dict], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "candidates"
    ws.append(list(COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([safe_cell(row[k]) for k in COLUMNS])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("'"):
                cell.data_type = "s"  # store as text, never as a formula
    column = COLUMNS.index("decision") + 1
    letter = ws.cell(row=1, column=column).column_letter
    choice = DataValidation(type="list", formula1='"' + ",".join(DECISIONS) + '"', allow_blank=False,
                            showErrorMessage=True, errorTitle="Ongeldige beslissing",
                            error="Kies pending, confirmed, rejected of uncertain.")
    choice.add(f"{letter}2:{letter}{max(len(rows) + 1, 2)}")
    ws.add_data_validation(choice)
    ws.freeze_panes = "A2"
    widths = {"passage": 80, "context": 60, "note": 30, "matched_terms": 25, "institution": 24, "document": 28}
    for index, name in enumerate(COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=1, column=index).column_letter].width = widths.get(name, 12)
        if name in ("passage", "context"):
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(path)


def export(rows: list[dict], fmt: str, out: Path | None) -> str | None:
    """Write rows in `fmt` to `out`; without `out`, return the text (jsonl, csv only)."""
    from ..files import atomic_path, text_or_file

    if fmt == "xlsx":
        if out is None:
            raise ValueError("xlsx needs an output file")
        with atomic_path(out) as tmp:
            write_xlsx(rows, tmp)
        return None
    buffer = io.StringIO()
    (write_jsonl if fmt == "jsonl" else write_csv)(rows, buffer)
    return text_or_file(buffer.getvalue(), out)


# --------------------------------------------------------------------------- import


def decode_csv(raw: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read with: UTF-8 (with or without a byte order
    mark), else cp1252, what Dutch Excel writes."""
    try:
        return raw.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def csv_delimiter(text: str) -> str:
    """',' or ';' (Excel in a Dutch locale separates with ';'), judged by the header line."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def describe_sheet(path: Path) -> str:
    """How a spreadsheet was read, for the user: 'xlsx', or the CSV's encoding and separator."""
    if path.suffix.lower() != ".csv":
        return path.suffix.lower().lstrip(".")
    text, encoding = decode_csv(path.read_bytes())
    return f"CSV, {encoding}, separated by '{csv_delimiter(text)}'"


def read_sheet(path: Path) -> list[tuple[int, dict]]:
    """Rows of a CSV or XLSX export as (row number as the user sees it, {column: value})."""
    from ..errors import InputError

    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True, data_only=True)
            try:
                rows = list(book.active.iter_rows(values_only=True))
            finally:
                book.close()
            header = [str(h).strip() if h is not None else "" for h in (rows[0] if rows else [])]
            body = [(i, dict(zip(header, row))) for i, row in enumerate(rows[1:], start=2)]
        elif suffix == ".csv":
            text, _ = decode_csv(path.read_bytes())
            reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text))
            header = [h.strip() for h in reader.fieldnames or []]
            reader.fieldnames = header
            body = [(i, row) for i, row in enumerate(reader, start=2)]
        else:
            raise InputError(f"{path}: import reads .csv or .xlsx files made by `kwaliteitscan export`")
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl/csv raise many kinds on a damaged file
        raise InputError(f"{path}: cannot be read as {suffix[1:]} ({type(exc).__name__}: {exc}); "
                         "export it again") from None
    missing = {"id", "decision"} - set(header)
    if missing:
        raise InputError(f"{path}: the first row must name the columns; missing: {', '.join(sorted(missing))}")
    return body


def _text(value) -> str:
    text = "" if value is None else str(value).strip()
    return text[1:] if text.startswith("'") and text[1:2] in ("=", "+", "-", "@", "\t", "\r") else text


def plan_import(rows: list[tuple[int, dict]], candidates: dict[str, dict], current: dict[str, dict],
                themes: set[str], passages: dict[str, dict] | None = None,
                hit_passage: dict[str, str] | None = None) -> tuple[list[dict], list[str]]:
    """Decisions to append from spreadsheet rows, and the errors (by row number).

    A row's id is a rule candidate's, or a passage's from the review queue (`<key>#<theme>`,
    `export --pending`). The theme column may name several themes separated by ';' (one passage,
    several themes): a confirmed row is then recorded under each, with the row's polarity; the
    first is the candidate's own theme, the others are recorded on its hit sentence. A row whose
    decision, theme, polarity and note equal the coder's current decision is not appended again;
    an empty or 'pending' decision on an undecided row is skipped."""
    from ..project.store import passage_candidate, passage_of

    passages, hit_passage = passages or {}, hit_passage or {}
    items, errors = [], []
    for number, row in rows:
        cid = _text(row.get("id"))
        decision = _text(row.get("decision")).lower() or "pending"
        if not cid:
            errors.append(f"row {number}: empty id")
            continue
        key = passage_of(cid)
        cand = candidates.get(cid)
        if cand is None and key in passages:
            cand = passage_candidate(passages[key], cid.partition("#")[2])
        if cand is None:
            errors.append(f"row {number}: unknown id {cid!r} (not a candidate or passage of this project)")
            continue
        if decision not in DECISIONS:
            errors.append(f"row {number}: decision {decision!r} is not one of {', '.join(DECISIONS)}")
            continue
        named = [t.strip() for t in (_text(row.get("theme")) or cand["theme"]).split(";") if t.strip()]
        unknown = [t for t in named if t not in themes]
        if unknown or not named:
            errors.append(f"row {number}: theme {';'.join(unknown) or '(empty)'!r} is not a theme of the codebook")
            continue
        polarity = _text(row.get("polarity")) or cand["polarity"]
        if polarity not in ("positive", "negative"):
            errors.append(f"row {number}: polarity {polarity!r} must be positive or negative")
            continue
        note = _text(row.get("note"))
        targets = [(cand, named[0])]
        if decision == "confirmed":
            base = key or hit_passage.get(cid)
            if key is not None:  # a passage: one decision per theme, each under its own id
                targets = [(passage_candidate(passages[key], theme), theme) for theme in named]
            elif base in passages:
                targets += [(passage_candidate(passages[base], theme), theme) for theme in named[1:]]
            elif len(named) > 1:
                errors.append(f"row {number}: several themes for a candidate whose sentence is not in the project's "
                              "passages; run `kwaliteitscan code` again")
                continue
        for target, theme in targets:
            now = current.get(target["id"])
            if now is None and decision == "pending":
                continue
            if now is not None and (now["decision"], now["theme"], now["polarity"], now["note"]) == (
                    decision, theme, polarity, note):
                continue
            items.append({"candidate": target, "decision": decision, "theme": theme, "polarity": polarity,
                          "note": note, "row": number})
    return items, errors


def import_sheet(project, book, file: Path, coder: str, *, skip_invalid: bool = False,
                 force: bool = False) -> tuple[int, list[str]]:
    """Apply the decisions of a spreadsheet made by `export` as `coder`'s: (applied, row errors).

    Nothing is applied from a file with errors unless `skip_invalid`; then the valid rows are. A
    file whose coder column names someone else (an export of another coder, or of every coder) is
    refused: importing it would take their decisions as `coder`'s and make agreement meaningless.
    `force` imports it all the same."""
    from ..errors import InputError

    rows = read_sheet(file)
    others = sorted({_text(row.get("coder")) for _, row in rows} - {"", coder})
    if others and not force:
        count = sum(1 for _, row in rows if _text(row.get("coder")) in others)
        raise InputError(f"{file}: {count} row(s) hold decisions of {', '.join(others)}, not of {coder}; import "
                         "only your own export (export --coder NAME), or use --force to take them as yours")
    candidates = {c["id"]: c for c in project.candidates()}
    passages = {p["key"]: p for p in project.passages()}
    at = {(p["document"], p["page"], p["start"]): key for key, p in passages.items()}
    hit_passage = {cid: at.get((c["document"], c["page"], c["start"])) for cid, c in candidates.items()}
    items, errors = plan_import(rows, candidates, project.latest_decisions(coder), set(book.theme_ids), passages,
                                {cid: key for cid, key in hit_passage.items() if key})
    if errors and not skip_invalid:
        raise InputError(f"{file}: {len(errors)} row(s) with errors, nothing applied; fix them or use "
                         "--skip-invalid", details=[f"{file}: {e}" for e in errors])
    for item in items:
        item["codebook_version"] = f"{book.name} {book.version}"
    project.add_decisions(items, coder)
    return len(items), errors
