"""`kwaliteitscan report`, `audit` and `compare`: what a coded corpus, one agenda or two years say."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .output import CodebookOpt, CorpusArg, DbOpt, FinalOpt, OcrOpt, OnlyCoderOpt, OutOpt, SuggestOpt, err_console, escape


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
) -> None:
    """Self-audit of one agenda: extract, code and report in one go, checklist first; all suggestions."""
    from ..pipeline import codebook_for_run
    from ..pipeline.audit import audit_file

    console = err_console()
    built = audit_file(file, codebook_for_run(codebook, suggest), institution=institution, year=year, ocr=ocr,
                       on_warning=lambda text: console.print(f"[yellow]warning:[/yellow] {escape(text)}"))
    if _format(fmt, out) is ReportFormat.terminal and out is None:
        _audit_terminal(built)
    else:
        _emit(built, fmt, out)


def _audit_terminal(built) -> None:
    from rich.console import Console
    from rich.text import Text

    from ..report.terminal import render_terminal

    console = Console(highlight=False)
    for inst in built.institutions:
        console.print(Text(f"Zelfevaluatie {inst.institution} {inst.year or ''} — suggesties, door een mens te "
                           "controleren", style="bold"))
        for item in inst.checklist:
            mark = "✗ verbeterpunt" if item.applies else "✓ in orde"
            console.print(Text(f"{mark}: {item.label}", style="bold" if item.applies else ""))
            if item.applies:
                console.print(Text(f"   {item.explanation}"))
            console.print(Text(f"   {item.reason}", style="dim"))
    render_terminal(built, console)


def compare(
    corpus: CorpusArg,
    years: Annotated[str, typer.Option("--years", help="Two years, e.g. 2024,2026.")],
    db: DbOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="md or json.")] = "md",
    out: OutOpt = None,
    final: FinalOpt = False,
) -> None:
    """Per institution in both years: per theme and checklist point improved / regressed / unchanged."""
    from ..errors import UsageError
    from ..report import load_report
    from ..report.compare import compare_json, render_compare_markdown

    parts = [p.strip() for p in years.split(",")]
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise UsageError("--years takes two years, e.g. --years 2024,2026")
    if fmt not in ("md", "json"):
        raise UsageError("--format is md or json")
    first, second = int(parts[0]), int(parts[1])
    built = load_report(corpus, db, final=final)
    text = (render_compare_markdown if fmt == "md" else compare_json)(built, first, second)
    if out:
        from ..files import write_text

        write_text(out, text)
    else:
        sys.stdout.write(text)
