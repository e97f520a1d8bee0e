"""`kwaliteitscan review`, `import`, `agreement` and `integrity`: the coders' side of a project."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import PARTIAL_FAILURE
from .output import CoderOpt, CorpusArg, DbOpt, err_console, escape


def review(
    corpus: CorpusArg,
    db: DbOpt = None,
    coder: CoderOpt = None,
    theme: Annotated[Optional[str], typer.Option("--theme", help="Only candidates of this theme.")] = None,
    institution: Annotated[Optional[str], typer.Option("--institution", help="Only this institution.")] = None,
    resolve: Annotated[bool, typer.Option("--resolve", help="As lead coder: settle where --coders disagree.")]
    = False,
    coders: Annotated[Optional[str], typer.Option("--coders", help="With --resolve: the coders, e.g. A,B.")] = None,
    candidates_only: Annotated[bool, typer.Option(
        "--candidates-only", help="Only the rule candidates, in reading order, instead of the review queue over "
                                  "every passage.")] = False,
    plain: Annotated[bool, typer.Option(
        "--plain", help="The line-based review even in a terminal (the full-screen one is the default there).")]
    = False,
    web: Annotated[bool, typer.Option("--web", help="Review in the browser: the PDF page beside the passage "
                                                     "(a local server on 127.0.0.1).")] = False,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="With --web: print the link, open no browser.")]
    = False,
    port: Annotated[int, typer.Option("--port", help="With --web: the port on 127.0.0.1 (default: a free one).",
                                      min=0, max=65535)] = 0,
) -> None:
    """Review pending candidates one at a time with single keys; every decision is saved at once."""
    from ..project import open_project, project_codebook

    from ..errors import UsageError
    from ..review.session import ReviewSession
    from ..review.terminal import run as run_tui

    if not coder:
        coder = os.environ.get("KWALITEITSCAN_CODER") or None
    if not coder:
        raise UsageError("say who you are: --coder NAME (or set KWALITEITSCAN_CODER)")
    if resolve and not coders:
        raise UsageError("--resolve needs --coders A,B (the coders whose disagreements you settle)")
    with open_project(corpus, db) as project:
        book = project_codebook(project)
        if theme and theme not in book.theme_ids:
            raise UsageError(f"unknown theme {theme!r}; one of {', '.join(book.theme_ids)}")
        if institution:
            known = sorted({d["institution"] for d in project.documents()})
            if institution not in known:
                same = [name for name in known if name.lower() == institution.lower()]
                hint = f"did you mean {same[0]!r}?" if same else f"the project has: {', '.join(known) or 'none yet'}"
                raise UsageError(f"no institution {institution!r} in {project.path}; {hint}")
        follow_queue = not candidates_only and not resolve
        if follow_queue:
            from ..errors import CodebookError
            from ..review.queue import bundled_prior

            try:
                bundled_prior(book)
            except CodebookError as exc:
                err_console().print(f"[yellow]note:[/yellow] {escape(exc.message)}; reviewing the rule candidates "
                                    "only")
                follow_queue = False
            if follow_queue and not project.has_any_passages():
                err_console().print(f"[yellow]note:[/yellow] {escape(str(project.path))} was coded before every "
                                    f"passage was stored; run `kwaliteitscan code {escape(str(corpus))}` once to "
                                    "review along the queue. Reviewing the rule candidates only.")
                follow_queue = False
        # the session's options, the same in the terminal and in the browser
        options = dict(theme=theme, institution=institution, codebook_version=f"{book.name} {book.version}",
                       resolve_coders=tuple(c.strip() for c in (coders or "").split(",") if c.strip())
                       if resolve else ())
        if web:
            project.close()  # the server opens its own connection, in the thread that serves the pages
            _review_web(corpus, db, coder, book, port, not no_browser, queue_book=book if follow_queue else None,
                        **options)
            return
        session = ReviewSession(project, coder, book=book if follow_queue else None, **options)
        if plain or not (sys.stdin.isatty() and sys.stdout.isatty()):  # pipes and scripts: one key at a time
            made = run_tui(session, list(book.theme_ids), {t.id: t.label for t in book.themes})
        else:
            from ..review.screen import run as run_screen

            made = run_screen(session, book)
        done, total, _ = session.progress()
        typer.echo(f"{made} decision(s) saved; {done} of {total} decided by {coder}.")
        stop = session.stopping_rule()
        if stop is not None:
            met, left, recall = stop["overall"]
            typer.echo(("The stopping rule is met: " if met else "Not yet at the stopping rule: ")
                       + f"about {left:.0f} relevant passage(s) left, estimated recall {recall:.2f}.")


def _review_web(corpus: Path, db: Optional[Path], coder: str, codebook, port: int, open_browser: bool, *, queue_book,
                **options) -> None:
    """The same session in the browser: a server on 127.0.0.1 until the coder stops it."""
    from ..project import open_project
    from ..review.session import ReviewSession
    from ..review.web import serve  # needs the `web` extra: a one-line error names it

    summary = serve(lambda: ReviewSession(open_project(corpus, db), coder, book=queue_book, **options), codebook,
                    corpus, port=port,
                    open_browser=open_browser, echo=typer.echo)
    typer.echo(f"{summary['made']} decision(s) saved; {summary.get('done', 0)} of {summary.get('total', 0)} decided "
               f"by {coder}.")
    if summary.get("stop"):
        met, left, recall = summary["stop"]
        typer.echo(("The stopping rule is met: " if met else "Not yet at the stopping rule: ")
                   + f"about {left:.0f} relevant passage(s) left, estimated recall {recall:.2f}.")


def import_decisions(
    corpus: Annotated[Path, typer.Argument(help="The corpus folder that was coded (finds its project).")],
    file: Annotated[Path, typer.Argument(help="A .csv or .xlsx made by `kwaliteitscan export`, with decisions.")],
    coder: Annotated[str, typer.Option("--coder", help="Whose decisions these are.")],
    db: DbOpt = None,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Apply the valid rows even if some are not.")]
    = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Take decisions the file records for another coder as --coder's (say why in a note).")]
    = False,
) -> None:
    """Read decisions back from a spreadsheet; nothing is applied from a file with errors."""
    from ..project import open_project, project_codebook

    from ..review.spreadsheet import describe_sheet, import_sheet

    with open_project(corpus, db) as project:
        applied, errors = import_sheet(project, project_codebook(project), file, coder, skip_invalid=skip_invalid,
                                       force=force)
    console = err_console()
    console.print(f"read {escape(str(file))} as {escape(describe_sheet(file))}")
    if force:
        console.print(f"[yellow]--force:[/yellow] decisions the file records for other coders were taken as "
                      f"{escape(coder)}'s")
    for error in errors:
        console.print(f"[red]{escape(str(file))}:[/red] {escape(error)}")
    typer.echo(f"{applied} decision(s) of {coder} imported from {file}"
               + (f"; {len(errors)} invalid row(s) skipped" if errors else ""))
    if errors:
        raise typer.Exit(PARTIAL_FAILURE)


def agreement(
    corpus: CorpusArg,
    coders: Annotated[str, typer.Option("--coders", help="Two coders, e.g. anna,bram.")],
    db: DbOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="terminal, md, csv (the disagreements) or json.")]
    = "terminal",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write to this file.")] = None,
) -> None:
    """Inter-coder agreement: percent, Cohen's kappa, Krippendorff's alpha, per theme; disagreements with ids."""
    import json

    from ..errors import UsageError
    from ..project import open_project, project_codebook
    from ..review.agreement import AGREEMENT_FORMATS, agreement_csv, agreement_markdown, project_agreement

    if fmt not in AGREEMENT_FORMATS:
        raise UsageError(f"--format is one of {', '.join(AGREEMENT_FORMATS)}")
    names = [c.strip() for c in coders.split(",") if c.strip()]
    if len(names) != 2:
        raise UsageError("--coders takes exactly two names, e.g. --coders anna,bram")
    with open_project(corpus, db, readonly=True) as project:
        result = project_agreement(project, project_codebook(project), *names)
    if fmt == "terminal":
        _agreement_terminal(result, out)
        return
    text = {"md": agreement_markdown, "csv": agreement_csv,
            "json": lambda r: json.dumps(r, ensure_ascii=False, indent=2) + "\n"}[fmt](result)
    if out is None:
        typer.echo(text, nl=False)
    else:
        from ..files import write_text

        write_text(out, text)
        err_console().print(f"wrote {escape(str(out))}")


def _agreement_terminal(result: dict, out: Optional[Path]) -> None:
    from rich.console import Console

    if out is None:
        _agreement_console(result, Console(highlight=False))
        return
    import io

    from ..files import write_text

    buffer = io.StringIO()
    _agreement_console(result, Console(highlight=False, file=buffer, width=100))
    write_text(out, buffer.getvalue())
    err_console().print(f"wrote {escape(str(out))}")


def _agreement_console(result: dict, console) -> None:
    from rich.table import Table
    from rich.text import Text

    from ..review.agreement import shorten
    from ..untrusted import clean

    first, second = result["coders"]

    def fmt(x):
        return "–" if x is None else f"{x:.2f}"

    for title, key in (("institution × theme (the report's unit)", "units"), ("candidates", "candidates")):
        table = Table(title=f"{first} vs {second}: {title}")
        table.add_column("theme", min_width=22)  # the longest Dutch label, never cut
        for col in ("n", "agree", "kappa", "alpha"):
            table.add_column(col, justify="right")
        table.caption = "n: both coded; agree: share agreeing; kappa: Cohen's kappa; alpha: Krippendorff's alpha (nominal)"
        for r in result[key]:
            table.add_row(Text(clean(r["label"])), str(r["n"]), fmt(r["percent"]), fmt(r["kappa"]), fmt(r["alpha"]))
        console.print(table)
    console.print(Text(f"{len(result['disagreements'])} disagreement(s)", style="bold"))
    for d in result["disagreements"]:
        where = f"{d['institution']} {d['year'] or ''}".strip()
        page = f" p. {d['page']}" if d["page"] else ""
        ident = f" [{d['candidate_id']}]" if d["candidate_id"] else ""
        quote = f": {shorten(d['text'])}" if d["text"] else ""
        console.print(Text(clean(f"- [{d['level']}] {where} {d['label']}{page}{ident}: {first}={d[first]} "
                                 f"{second}={d[second]}{quote}")))


def integrity(
    corpus: CorpusArg,
    db: DbOpt = None,
    reattach: Annotated[bool, typer.Option(
        "--reattach", help="Move decisions that lost their passage to the passage that now holds their quote "
                           "(backed up first); what cannot be placed is listed.")] = False,
) -> None:
    """Check the project: SQLite integrity, foreign keys, and decisions that lost their passage."""
    from ..project import open_project

    from ..errors import ProjectError

    with open_project(corpus, db, readonly=not reattach) as project:
        if reattach and project.orphan_decisions():
            typer.echo(f"backed up the project to {project.backup(label='before-reattach')} first")
            moved, left = project.reattach()
            typer.echo(f"re-attached {moved} decision(s); {len(left)} could not be placed")
        problems = project.integrity()
        path = project.path
    for problem in problems:
        typer.echo(f"problem: {problem}")
    if problems:
        raise ProjectError(f"{path}: {len(problems)} problem(s) found")
    typer.echo(f"{path}: ok")


def backup(
    corpus: CorpusArg,
    db: DbOpt = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Where to write the copy (default: beside the project, with the time in its name).")]
    = None,
) -> None:
    """Copy the project (every decision) to a backup file, safely also while it is in use."""
    from ..project import open_project

    with open_project(corpus, db, readonly=True) as project:
        path = project.backup(out)
    typer.echo(f"backed up {project.path} to {path}")
