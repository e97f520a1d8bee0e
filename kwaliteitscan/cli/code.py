"""`kwaliteitscan code`: extract, segment and match a corpus into its project, with progress."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .output import (CodebookOpt, DbOpt, Engine, EngineOpt, JobsOpt, OcrOpt, PolarityOpt, SuggestOpt, batch_exit_code,
                     escape)


def code(
    corpus: Annotated[Path, typer.Argument(help="Folder with the agendas (PDF or .docx), optionally with manifest.csv.")],
    codebook: CodebookOpt = None,
    db: DbOpt = None,
    engine: EngineOpt = Engine.pdfium,
    jobs: JobsOpt = 2,
    suggest: SuggestOpt = None,
    ocr: OcrOpt = False,
    polarity_model: PolarityOpt = None,
) -> None:
    """Extract, segment and match a corpus; store candidate passages in the project."""
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    from ..extract.corpus import find_pdfs
    from ..pipeline import codebook_for_run
    from ..pipeline.code import code_corpus

    codebook = codebook_for_run(codebook, suggest, polarity_model)
    total = len(find_pdfs([corpus])) if corpus.exists() else 0
    console = Console(stderr=True, highlight=False)
    # one display for the whole run: every document is counted once when extracted and once when coded
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=console, transient=True) as progress:
        task = progress.add_task("extract and code", total=2 * total)
        done = {"extracted": 0, "coded": 0}

        def event(kind: str, text: str) -> None:
            if kind == "extracted":
                done["extracted"] += 1
            elif kind in ("coded", "unchanged", "failed"):
                done["coded"] += 1
            if kind == "failed":
                console.print(f"[red]error:[/red] {escape(text)}")
            progress.update(task, completed=done["extracted"] + done["coded"],
                            description=f"extracted {done['extracted']}, coded {done['coded']} of {total}")

        summary = code_corpus(corpus, codebook, db, jobs=jobs, engine=engine.value, on_event=event, ocr=ocr)
    _print_summary(summary)
    raise typer.Exit(batch_exit_code(summary.documents, summary.documents + len(summary.failed)))


def _print_summary(summary) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    if not console.is_terminal:  # a log or a pipe gets one line, then what needs attention
        per_theme = ", ".join(f"{theme} {n}" for theme, n in sorted(summary.candidates_per_theme.items()))
        console.print(f"coded {summary.documents} document(s) ({summary.pages} pages; {summary.coded} coded in this "
                      f"run, {len(summary.failed)} failed): {sum(summary.candidates_per_theme.values())} candidates "
                      f"({per_theme}); codebook {escape(summary.codebook)}; pipeline {escape(summary.pipeline)}; "
                      f"project {escape(str(summary.db))}; {summary.seconds:.1f} s", soft_wrap=True)
        _print_attention(summary, console)
        return
    table = Table(title="kwaliteitscan code", show_header=False)
    table.add_column("")
    table.add_column("", justify="right")
    table.add_row("documents", str(summary.documents))
    table.add_row("  coded in this run", str(summary.coded))
    table.add_row("pages", str(summary.pages))
    for theme, count in sorted(summary.candidates_per_theme.items()):
        table.add_row(f"candidates: {theme}", str(count))
    table.add_row("candidates in all", str(sum(summary.candidates_per_theme.values())))
    table.add_row("files that failed", str(len(summary.failed)))
    console.print(table)
    console.print(f"codebook {escape(summary.codebook)}; pipeline {escape(summary.pipeline)}")
    stages = ", ".join(f"{name} {secs:.1f} s" for name, secs in summary.stage_seconds.items())
    console.print(f"project {escape(str(summary.db))}; {summary.seconds:.1f} s ({stages})")
    _print_attention(summary, console)


def _print_attention(summary, console) -> None:
    from rich.table import Table

    for name, error in summary.failed:
        console.print(f"[red]failed:[/red] {escape(error)}")
    for path in summary.backups:
        console.print(f"backed up the project to {escape(str(path))} first")
    for note in summary.notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}")
    for document, warning in summary.warnings:  # one line each: the file, then the page and what happened
        console.print(f"[yellow]warning:[/yellow] {escape(document)}: {escape(warning)}", soft_wrap=True)
    if summary.guessed:
        guessed = Table(title="institutions and years guessed from the file names", show_header=True)
        for column in ("file", "institution", "year"):
            guessed.add_column(column)
        for file, institution, year in summary.guessed:
            guessed.add_row(escape(file), escape(institution), str(year or "?"))
        console.print(guessed)
        console.print("Wrong? `kwaliteitscan manifest CORPUS` writes these guesses to CORPUS/manifest.csv; correct "
                      "them there and code again.")
    if summary.reattached:
        console.print(f"{summary.reattached} decision(s) re-attached to their moved passage")
    for row in summary.unattached:
        console.print(f"[yellow]not re-attached:[/yellow] decision #{row['seq']} of {escape(row['coder'])} "
                      f"({row['decision']}, {row['theme']}): {escape((row['quote'] or '')[:70])!r}; it stays in "
                      "the log, see `kwaliteitscan integrity`")


def manifest(
    corpus: Annotated[Path, typer.Argument(help="Folder with the agendas (PDF or .docx).")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing manifest.csv.")] = False,
) -> None:
    """Write CORPUS/manifest.csv with the institution and year guessed from each file name, to correct."""
    from ..errors import InputError
    from ..extract.corpus import find_pdfs, write_manifest

    if not corpus.is_dir():
        raise InputError(f"{corpus}: not a folder; give the folder with the agendas")
    pdfs = find_pdfs([corpus])
    if not pdfs:
        raise InputError(f"{corpus}: no PDF or Word files found; put the agendas (*.pdf, *.docx) in this folder")
    path = write_manifest(corpus, pdfs, force=force)
    typer.echo(f"wrote {path} ({len(pdfs)} files): check the institution and year of each, then run "
               f"`kwaliteitscan code {corpus}` again")
