"""The report stage: the model (matrix, statuses, checklist: model.py, status.py), one renderer
per format (terminal, markdown, tables for csv/xlsx/json, html) and the comparison of years."""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError

FORMATS = ("terminal", "md", "html", "csv", "xlsx", "json")


def load_report(corpus: Path, db: Path | None = None, coder: str | None = None, final: bool = False):
    """The report of a coded corpus, on one coder's decisions, the final ones, or the latest of anyone."""
    from ..project import open_project, project_codebook
    from .model import report_from_project

    with open_project(corpus, db, readonly=True) as project:
        return report_from_project(project, project_codebook(project), coder, final)


def render_text(report, fmt: str) -> str:
    """The report as text in one of md, html, csv, json."""
    if fmt == "html":
        from .html import render_html

        return render_html(report)
    if fmt == "md":
        from .markdown import render_markdown

        return render_markdown(report)
    from .tables import render_csv, render_json

    renderers = {"csv": render_csv, "json": render_json}
    if fmt not in renderers:
        raise UsageError(f"--format is one of {', '.join(FORMATS)}")
    return renderers[fmt](report)


def write_report(report, fmt: str, out: Path | None, console=None) -> str | None:
    """Write the report in `fmt` to `out`; without `out` return the text (terminal: print it to `console`)."""
    from .tables import write_xlsx
    from .terminal import render_terminal
    from .writing import write_output

    return write_output(fmt, out, text=lambda: render_text(report, fmt), xlsx=lambda path: write_xlsx(report, path),
                        terminal=lambda console: render_terminal(report, console), console=console)
