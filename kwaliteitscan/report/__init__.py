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
    if fmt == "xlsx":
        if out is None:
            raise UsageError("--format xlsx needs --out FILE.xlsx")
        from ..files import atomic_path
        from .tables import write_xlsx

        with atomic_path(out) as tmp:
            write_xlsx(report, tmp)
        return None
    if fmt == "terminal":
        from rich.console import Console

        from .terminal import render_terminal

        if out is None:
            render_terminal(report, console or Console(highlight=False))
        else:
            from ..files import atomic_path

            with atomic_path(out) as tmp, open(tmp, "w", encoding="utf-8") as handle:
                render_terminal(report, Console(highlight=False, file=handle))
        return None
    from ..files import text_or_file

    return text_or_file(render_text(report, fmt), out)
