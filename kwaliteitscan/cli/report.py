"""`kwaliteitscan report`, `audit` and `compare`: what a coded corpus, one agenda or two years say."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .output import (CodebookOpt, CorpusArg, DbOpt, FinalOpt, OcrOpt, OnlyCoderOpt, OutOpt, PolarityOpt, SuggestOpt,
                     err_console, escape)


class ReportFormat(str, Enum):
    terminal = "terminal"
    md = "md"
    html = "html"
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


ReportFormatOpt = Annotated[Optional[ReportFormat], typer.Option(
    "--format", "-f", help="Output format (default: from the extension of --out, else terminal).")]


def _format(fmt: ReportFormat | None, out: Path | None) -> ReportFormat:
    from ..files import format_from

    return fmt or ReportFormat(format_from(out, tuple(f.value for f in ReportFormat), "terminal"))


def _emit(built, fmt: ReportFormat | None, out: Path | None) -> None:
    from ..report import write_report

    fmt = _format(fmt, out)
    text = write_report(built, fmt.value, out)
    if text is not None:
        sys.stdout.write(text)
    elif out is not None and fmt is not ReportFormat.terminal:
        err_console().print(f"wrote {out}")


def report(
    corpus: CorpusArg,
    db: DbOpt = None,
    fmt: ReportFormatOpt = None,
    out: OutOpt = None,
    coder: OnlyCoderOpt = None,
    final: FinalOpt = False,
) -> None:
    """Institution x theme matrix, the 'wat kan er beter' checklist and a corpus summary."""
    from ..pipeline.reporting import report_with_search

    _emit(report_with_search(corpus, db, coder, final), fmt, out)


def audit(
    file: Annotated[Path, typer.Argument(help="One agenda (PDF or Word .docx) to audit.")],
    codebook: CodebookOpt = None,
    fmt: ReportFormatOpt = None,
    out: OutOpt = None,
    suggest: SuggestOpt = None,
    institution: Annotated[Optional[str], typer.Option(
        "--institution", help="The institution's name (default: from the file name).")] = None,
    year: Annotated[Optional[int], typer.Option("--year", min=2000, max=2100,
                                                 help="The agenda's year (default: from the file name).")] = None,
    ocr: OcrOpt = False,
    polarity_model: PolarityOpt = None,
) -> None:
    """Self-audit of one agenda for the school: what can be better, what is in order, how it was made.

    Everything is a suggestion (no coder reviewed it). Exit code 11 when the file hardly speaks of
    internships or discrimination (it may not be a kwaliteitsagenda); the audit is written anyway."""
    from ..errors import NOT_AN_AGENDA
    from ..pipeline import codebook_for_run
    from ..pipeline.audit import audit_file
    from ..report.audit import write_audit

    console = err_console()
    built = audit_file(file, codebook_for_run(codebook, suggest, polarity_model), institution=institution, year=year, ocr=ocr,
                       on_warning=lambda text: console.print(f"[yellow]warning:[/yellow] {escape(text)}"))
    fmt = _format(fmt, out)
    text = write_audit(built, fmt.value, out)
    if text is not None:
        sys.stdout.write(text)
    elif out is not None:
        console.print(f"wrote {out}")
    if built.warning:
        console.print(f"{file}: {built.warning}")
        raise typer.Exit(NOT_AN_AGENDA)


class CompareFormat(str, Enum):
    terminal = "terminal"
    md = "md"
    html = "html"
    xlsx = "xlsx"
    json = "json"


def compare(
    corpus: CorpusArg,
    years: Annotated[str, typer.Option("--years", help="Two years, e.g. 2024,2026 (in any order).")],
    db: DbOpt = None,
    fmt: Annotated[Optional[CompareFormat], typer.Option(
        "--format", "-f", help="Output format (default: from the extension of --out, else terminal).")] = None,
    out: OutOpt = None,
    final: FinalOpt = False,
) -> None:
    """Per institution with agendas of both years: each theme (status and evidence count per year)
    and checklist point improved / regressed / unchanged; names the institutions with one year only."""
    from ..errors import UsageError
    from ..files import format_from
    from ..report import load_report
    from ..report.compare import build_comparison, write_compare

    parts = [p.strip() for p in years.split(",")]
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise UsageError("--years takes two years, e.g. --years 2024,2026")
    fmt = fmt or CompareFormat(format_from(out, tuple(f.value for f in CompareFormat), "terminal"))
    comparison = build_comparison(load_report(corpus, db, final=final), int(parts[0]), int(parts[1]))
    text = write_compare(comparison, fmt.value, out)
    if text is not None:
        sys.stdout.write(text)
    elif out is not None:
        err_console().print(f"wrote {out}")
