"""The `kwaliteitscan` command: parse options, call the library, render with rich.

No logic of its own. Heavy libraries (spaCy, pdfium, pdfplumber) are imported inside the
commands, so `--help` stays fast; a test checks that importing this module imports none
of them.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Iterator, Optional

import typer

from . import __version__
from .errors import PARTIAL_FAILURE, KwaliteitscanError

app = typer.Typer(
    name="kwaliteitscan",
    help="Code the kwaliteitsagenda's of Dutch MBO schools against a codebook on stagediscriminatie.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_state = {"debug": False}


class Engine(str, Enum):
    pdfium = "pdfium"
    pdfplumber = "pdfplumber"


class TextFormat(str, Enum):
    text = "text"
    json = "json"


# Options declared once, so they mean the same in every command.
EngineOpt = Annotated[Engine, typer.Option("--engine", help="PDF engine: pdfium (fast, default) or pdfplumber.")]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes for extraction.")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Ignore and do not write the extraction cache.")]
CacheDirOpt = Annotated[Optional[Path], typer.Option(
    "--cache-dir", help="Extraction cache folder (default: $KWALITEITSCAN_CACHE or ~/.cache/kwaliteitscan).")]


def _err_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


@contextlib.contextmanager
def handle_errors() -> Iterator[None]:
    """Translate library exceptions into one red line and an exit code (traceback with --debug)."""
    try:
        yield
    except KwaliteitscanError as exc:
        if _state["debug"]:
            raise
        _err_console().print(f"[red]error:[/red] {_escape(exc.message)}")
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        _err_console().print("[yellow]interrupted[/yellow]")
        raise typer.Exit(130) from None


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kwaliteitscan {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks instead of one-line errors.")] = False,
) -> None:
    """Code the kwaliteitsagenda's of Dutch MBO schools against a codebook on stagediscriminatie."""
    _state["debug"] = debug
    if debug:
        os.environ["KWALITEITSCAN_DEBUG"] = "1"  # worker processes keep their stderr


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="PDF files and folders (searched recursively).")],
    fmt: Annotated[TextFormat, typer.Option("--format", "-f", help="Output format.")] = TextFormat.text,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write one file per document into this folder.")]
    = None,
    engine: EngineOpt = Engine.pdfium,
    jobs: JobsOpt = 2,
    no_cache: NoCacheOpt = False,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Extract PDFs to faithful text with page numbers (cached by file content)."""
    from .corpus import find_pdfs
    from .extract import Cache, extract_many

    with handle_errors():
        pdfs = find_pdfs(paths)
        if not pdfs:
            _err_console().print("[yellow]no PDF files found[/yellow] in " + ", ".join(map(str, paths)))
            raise typer.Exit(3)
        cache = Cache(None) if no_cache else (Cache(cache_dir) if cache_dir else Cache())
        outcomes = extract_many(pdfs, engine.value, cache, jobs=jobs)
        docs = [o.document for o in outcomes if o.document is not None]
        _report_failures(outcomes)
        if out is not None:
            _write_documents(docs, out, fmt)
        elif fmt is TextFormat.json:
            data = [d.to_json() for d in docs]
            typer.echo(json.dumps(data[0] if len(pdfs) == 1 and data else data, ensure_ascii=False, indent=2))
        else:
            for doc in docs:
                typer.echo(_as_text(doc, header=len(docs) > 1))
        raise typer.Exit(_batch_exit_code(len(docs), len(outcomes)))


def _as_text(doc, header: bool) -> str:
    parts = [f"==> {doc.document} <==\n"] if header else []
    parts.append("\f".join(p.text + "\n" for p in doc.pages))
    return "".join(parts)


def _write_documents(docs, out: Path, fmt: TextFormat) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        stem = Path(doc.document).stem
        if fmt is TextFormat.json:
            (out / f"{stem}.json").write_text(json.dumps(doc.to_json(), ensure_ascii=False, indent=2) + "\n",
                                             encoding="utf-8")
        else:
            (out / f"{stem}.txt").write_text(_as_text(doc, header=False), encoding="utf-8")
    _err_console().print(f"wrote {len(docs)} document(s) to {out}")


def _report_failures(outcomes) -> None:
    console = _err_console()
    for outcome in outcomes:
        if outcome.error:
            console.print(f"[red]error:[/red] {_escape(outcome.error)}")
            if _state["debug"] and outcome.detail:
                console.print(_escape(outcome.detail))
        elif outcome.document is not None:
            for warning in outcome.document.warnings:
                console.print(f"[yellow]warning:[/yellow] {_escape(outcome.document.document)}: {_escape(warning)}")


def _batch_exit_code(succeeded: int, total: int) -> int:
    if succeeded == total:
        return 0
    return 3 if succeeded == 0 else PARTIAL_FAILURE


# --------------------------------------------------------------------------- codebook

codebook_app = typer.Typer(help="Check and inspect codebooks.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(codebook_app, name="codebook")

CodebookOpt = Annotated[Optional[Path], typer.Option(
    "--codebook", "-c", help="Codebook YAML (default: the bundled codebooks/stagediscriminatie.yaml).")]
DbOpt = Annotated[Optional[Path], typer.Option(
    "--db", help="Project file (default: kwaliteitscan.sqlite in the corpus folder).")]
SuggestOpt = Annotated[Optional[Path], typer.Option(
    "--suggest", help="A suggester (JSON, from `kwaliteitscan suggester train`; bundled: "
                      "codebooks/stagediscriminatie.suggester.json) that adds weak candidates for sentences "
                      "without keywords in sections about the topic.")]


@codebook_app.command("validate")
def codebook_validate(file: Annotated[Path, typer.Argument(help="The codebook YAML file.")]) -> None:
    """Check a codebook; errors name the file, line and key."""
    from .codebook import load_codebook

    with handle_errors():
        book = load_codebook(file)
        patterns = sum(len(c.patterns) for t in book.themes for c in t.codes)
        typer.echo(f"{file}: valid codebook {book.name} {book.version}: {len(book.themes)} themes, "
                   f"{patterns} patterns, {len(book.checklist)} checklist points (sha256 {book.sha256[:12]})")


@codebook_app.command("show")
def codebook_show(file: Annotated[Optional[Path], typer.Argument(help="The codebook YAML file.")] = None) -> None:
    """Print what a codebook contains: themes, codes, patterns, qualifiers, checklist."""
    from rich.console import Console
    from rich.table import Table

    from .codebook import load_codebook

    with handle_errors():
        book = load_codebook(file)
        console = Console(highlight=False)
        console.print(f"[bold]{_escape(book.name)}[/bold] {_escape(book.version)}  sha256 {book.sha256[:12]}")
        if book.description:
            console.print(_escape(book.description))
        table = Table("theme", "code", "patterns", "requires / exclude / scope", show_lines=True)
        for theme in book.themes:
            for code in theme.codes:
                flags = [f"requires {', '.join(code.requires)}" if code.requires else "",
                         f"exclude {', '.join(code.exclude)}" if code.exclude else "", code.scope,
                         "weak" if code.weak else "", "negative" if code.polarity == "negative" else ""]
                table.add_row(_escape(f"{theme.id}\n{theme.label}"), _escape(f"{code.id}\n{code.label}"),
                              _escape(", ".join(p.source for p in code.patterns)),
                              _escape("; ".join(f for f in flags if f)))
        console.print(table)
        for qualifier in book.qualifiers:
            console.print(f"[bold]qualifier {qualifier.id}[/bold] ({_escape(qualifier.label)}"
                          f"{', negative' if qualifier.polarity == 'negative' else ''}"
                          f"{', weak' if qualifier.weak else ''}): "
                          + _escape(", ".join(p.source for p in qualifier.patterns)))
        for point in book.checklist:
            console.print(f"[bold]checklist {point.id}[/bold]: {_escape(point.label)} — applies when "
                          f"{_escape(json.dumps(point.applies_when, ensure_ascii=False))}")


@codebook_app.command("import")
def codebook_import(
    file: Annotated[Path, typer.Argument(help="A quanteda YAML dictionary or a WordStat .cat dictionary.")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the codebook YAML here.")] = None,
) -> None:
    """Turn a quanteda or WordStat dictionary into a kwaliteitscan codebook to refine."""
    from .dictionaries import import_dictionary, write_codebook_yaml

    with handle_errors():
        text = write_codebook_yaml(import_dictionary(file), out)
        if out is None:
            sys.stdout.write(text)
        else:
            _err_console().print(f"wrote {out}; write the definitions before you use it")


class DictFormat(str, Enum):
    quanteda = "quanteda"


@codebook_app.command("export")
def codebook_export(
    file: Annotated[Path, typer.Argument(help="The codebook YAML file.")],
    fmt: Annotated[DictFormat, typer.Option("--format", "-f", help="Dictionary format.")] = DictFormat.quanteda,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output file.")] = None,
) -> None:
    """Write a codebook as a quanteda YAML dictionary (what quanteda cannot hold is listed)."""
    from .codebook import load_codebook
    from .dictionaries import export_quanteda

    with handle_errors():
        text, warnings = export_quanteda(load_codebook(file))
        for warning in warnings:
            _err_console().print(f"[yellow]not exported:[/yellow] {_escape(warning)}")
        if out is None:
            sys.stdout.write(text)
        else:
            out.write_text(text, encoding="utf-8")
            _err_console().print(f"wrote {out}")


@codebook_app.command("diff")
def codebook_diff(
    old: Annotated[Path, typer.Argument(help="The old codebook.")],
    new: Annotated[Path, typer.Argument(help="The new codebook.")],
    corpus: Annotated[Optional[Path], typer.Option("--corpus", help="Show the effect on this coded corpus.")] = None,
    db: DbOpt = None,
) -> None:
    """What changed between two codebooks, and with --corpus how many candidates each change adds or removes."""
    from .codebook import load_codebook
    from .codebook_diff import candidate_effect, diff_codebooks

    with handle_errors():
        before, after = load_codebook(old), load_codebook(new)
        changes = diff_codebooks(before, after)
        typer.echo(f"{before.name} {before.version} -> {after.name} {after.version}: {len(changes)} change(s)")
        for change in changes:
            typer.echo(f"- {change.description}")
        if corpus is None:
            return
        with _open_project(corpus, db) as project:
            effect = candidate_effect(project, before, after, corpus=corpus)
        totals = effect["totals"]
        typer.echo(f"\non {effect['documents']} document(s): {totals['before']} -> {totals['after']} candidates "
                   f"(+{totals['added']} -{totals['removed']}, {totals['changed']} changed)")
        for theme, row in effect["themes"].items():
            if row["added"] or row["removed"] or row["changed"]:
                typer.echo(f"  {theme}: +{row['added']} -{row['removed']} ({row['changed']} changed)")
        for row in effect["patterns"]:
            typer.echo(f"  {row['change']} pattern {row['theme']}.{row['code']}: {row['pattern']!r} -> "
                       f"{row['candidates']} candidate(s)")
        other = effect["other"]
        if other["added"] or other["removed"]:
            typer.echo(f"  other changes (scope, cues, qualifiers ...): +{other['added']} -{other['removed']}")
        for item in effect["skipped"]:
            _err_console().print(f"[yellow]skipped:[/yellow] {_escape(str(item))}")


# --------------------------------------------------------------------------- code and export


@app.command()
def code(
    corpus: Annotated[Path, typer.Argument(help="Folder with the agendas (PDF), optionally with manifest.csv.")],
    codebook: CodebookOpt = None,
    db: DbOpt = None,
    engine: EngineOpt = Engine.pdfium,
    jobs: JobsOpt = 2,
    suggest: SuggestOpt = None,
) -> None:
    """Extract, segment and match a corpus; store candidate passages in the project."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .coding import code_corpus
    from .corpus import find_pdfs

    with handle_errors():
        if suggest is not None:
            codebook = _with_suggester(codebook, suggest)
        total = len(find_pdfs([corpus])) if corpus.exists() else 0
        console = Console(stderr=True, highlight=False)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=True) as progress:
            extracting = progress.add_task("extract", total=total)
            coding = progress.add_task("code", total=total)

            def event(kind: str, text: str) -> None:
                if kind == "extracted":
                    progress.advance(extracting)
                elif kind in ("coded", "unchanged"):
                    progress.advance(coding)
                elif kind == "failed":
                    progress.advance(coding)
                    console.print(f"[red]error:[/red] {_escape(text)}")

            summary = code_corpus(corpus, codebook, db, jobs=jobs, engine=engine.value, on_event=event)
        _print_summary(summary)
        raise typer.Exit(_batch_exit_code(summary.documents, summary.documents + len(summary.failed)))


def _with_suggester(codebook: Optional[Path], suggest: Path):
    from .codebook import load_codebook
    from .suggest import Suggester, attach

    return attach(load_codebook(codebook), Suggester.load(suggest), str(suggest))


suggester_app = typer.Typer(help="Train theme suggesters on hand-coded agendas.", no_args_is_help=True,
                            rich_markup_mode=None)
app.add_typer(suggester_app, name="suggester")


@suggester_app.command("train")
def suggester_train(
    corpus: Annotated[Path, typer.Argument(help="A hand-coded corpus: PDFs with gold/<doc>.yaml (GOLD_FORMAT.md).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the suggester (JSON).")],
    codebook: CodebookOpt = None,
    threshold: Annotated[float, typer.Option(
        "--threshold", min=0.05, max=0.95, help="Smallest probability that makes a suggestion.")] = 0.6,
    requires: Annotated[str, typer.Option(
        "--requires", help="Codebook cues (comma-separated) a paragraph or its section must have to get "
                           "suggestions; empty for everywhere.")] = "discriminatie",
) -> None:
    """Learn which sentences coders code under each theme (needs the `train` extra: scikit-learn)."""
    import json
    from datetime import datetime, timezone

    from .codebook import load_codebook
    from .errors import InputError
    from .suggest import examples_from_corpus, train

    with handle_errors():
        book = load_codebook(codebook)
        cues = tuple(c for c in (x.strip() for x in requires.split(",")) if c)
        unknown = [c for c in cues if c not in book.cues]
        if unknown:
            raise InputError(f"--requires: no cue {', '.join(unknown)} in the codebook {book.name}; "
                             f"choose from {', '.join(sorted(book.cues))}")
        examples, summary = examples_from_corpus(corpus, book)
        skipped = summary.pop("skipped")
        for line in skipped:
            typer.echo(f"skipped: {line}", err=True)
        summary.update(codebook=f"{book.name} {book.version} ({book.sha256[:12]})",
                       date=datetime.now(timezone.utc).strftime("%Y-%m-%d"))
        data = train(examples, book.theme_ids, threshold=threshold, requires=cues, trained_on=summary)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        typer.echo(f"{out}: suggester for {len(book.theme_ids)} themes, trained on {summary['documents']} "
                   f"documents ({summary['sentences']} sentences, {summary['coded']} coded); threshold {threshold}")
        raise typer.Exit(_batch_exit_code(summary["documents"], summary["documents"] + len(skipped)))


def _print_summary(summary) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    table = Table(title="kwaliteitscan code", show_header=True)
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
    console.print(f"codebook {_escape(summary.codebook)}; pipeline {_escape(summary.pipeline)}")
    stages = ", ".join(f"{name} {secs:.1f} s" for name, secs in summary.stage_seconds.items())
    console.print(f"project {_escape(str(summary.db))}; {summary.seconds:.1f} s ({stages})")
    for name, error in summary.failed:
        console.print(f"[red]failed:[/red] {_escape(error)}")
    if summary.reattached:
        console.print(f"{summary.reattached} decision(s) re-attached to their moved passage")
    for row in summary.unattached:
        console.print(f"[yellow]not re-attached:[/yellow] decision #{row['seq']} of {_escape(row['coder'])} "
                      f"({row['decision']}, {row['theme']}): {_escape((row['quote'] or '')[:70])!r}; it stays in "
                      "the log, see `kwaliteitscan integrity`")


class ExportFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    xlsx = "xlsx"
    qdpx = "qdpx"
    qdc = "qdc"
    gold = "gold"


@app.command()
def export(
    corpus: Annotated[Path, typer.Argument(help="The corpus folder that was coded.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="Output format.")] = ExportFormat.csv,
    db: DbOpt = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Output file (required for xlsx, qdpx, qdc); for gold the folder that gets gold/.")] = None,
    coder: Annotated[Optional[str], typer.Option("--coder", help="Only this coder's decisions.")] = None,
    final: Annotated[bool, typer.Option("--final", help="qdpx, gold: the final decisions.")] = False,
) -> None:
    """Export candidates with decisions (jsonl, csv, xlsx), a REFI-QDA project (qdpx) / codebook (qdc),
    or the reviewed documents as gold codings (gold: OUT/gold/<doc>.yaml, GOLD_FORMAT.md)."""
    from .coding import default_db
    from .errors import UsageError
    from .exchange import export as write_export
    from .exchange import export_rows
    from .store import Project

    with handle_errors():
        if fmt is ExportFormat.gold and out is None:
            raise UsageError("--format gold needs --out FOLDER (gold/<doc>.yaml is written there; the corpus "
                             "folder itself makes a corpus the benchmark and `suggester train` can read)")
        if fmt in (ExportFormat.xlsx, ExportFormat.qdpx, ExportFormat.qdc) and out is None:
            raise UsageError(f"--format {fmt.value} needs --out FILE.{fmt.value}")
        path = db or default_db(corpus)
        if not path.exists():
            raise UsageError(f"{path}: no project yet; run `kwaliteitscan code {corpus}` first")
        if fmt is ExportFormat.gold:
            _export_gold(path, out, coder, final)
            return
        if fmt in (ExportFormat.qdpx, ExportFormat.qdc):
            from . import refiqda

            with Project(path) as project:
                book = _project_codebook(project)
                if fmt is ExportFormat.qdc:
                    refiqda.export_qdc(book, out)
                    _err_console().print(f"wrote the codebook to {out}")
                    return
                done = refiqda.export_qdpx(project, book, corpus, out, coder=coder, final=final)
            _err_console().print(f"wrote {out}: {done.documents} documents, {done.codings} codings of "
                                 f"{len(done.users)} user(s), {done.notes} notes")
            for user, cid, reason in done.skipped:
                _err_console().print(f"[yellow]skipped:[/yellow] {_escape(user)} {cid}: {_escape(reason)}")
            return
        with Project(path) as project:
            rows = export_rows(project.candidates(), project.latest_decisions(coder))
        text = write_export(rows, fmt.value, out)
        if text is not None:
            sys.stdout.write(text)
        else:
            _err_console().print(f"wrote {len(rows)} rows to {out}")


def _export_gold(db: Path, out: Path, coder: Optional[str], final: bool) -> None:
    from . import goldexport
    from .errors import InputError
    from .report.model import decisions_for
    from .store import Project

    with Project(db) as project:
        book = _project_codebook(project)
        decisions, basis = decisions_for(project, coder, final)
        coded, skipped = goldexport.codings(book, project.candidates(), project.documents(), decisions)
    header = (f"gold coding exported by kwaliteitscan from {db.name}: {basis}; codebook {book.name} {book.version} "
              f"({book.sha256[:12]}).\nOnly the hit sentences of decided candidates are in it: see docs/reports.md.")
    try:
        done = goldexport.write(coded, out, header)
    except OSError as exc:
        raise InputError(f"{out}: cannot write the gold files ({exc.strerror}); choose a folder you can write to") \
            from exc
    console = _err_console()
    for line in skipped + done.skipped:
        console.print(f"[yellow]skipped:[/yellow] {_escape(line)}")
    console.print(f"wrote {len(done.written)} gold coding(s) to {out / 'gold'} ({basis})")
    # documents still under review and gold files already there are skipped on purpose (exit 0);
    # a file that cannot be written stops the command with an error above


# --------------------------------------------------------------------------- review, import, agreement


def _open_project(corpus: Path, db: Optional[Path]):
    from .coding import default_db
    from .errors import UsageError
    from .store import Project

    path = db or default_db(corpus)
    if not path.exists():
        raise UsageError(f"{path}: no project yet; run `kwaliteitscan code {corpus}` first")
    return Project(path)


def _project_codebook(project):
    """The codebook the project's candidates were made with (the bundled one for an empty project)."""
    from .codebook import load_codebook, parse_codebook

    source = project.codebook_source()
    return parse_codebook(source["text"], source["path"], source["sha256"]) if source else load_codebook()


def _load_report(corpus: Path, db: Optional[Path], coder: Optional[str] = None, final: bool = False):
    from .report.model import report_from_project

    with _open_project(corpus, db) as project:
        return report_from_project(project, _project_codebook(project), coder, final)


CoderOpt = Annotated[Optional[str], typer.Option("--coder", help="Your name as a coder (decisions are per coder).")]


@app.command()
def review(
    corpus: Annotated[Path, typer.Argument(help="The corpus folder that was coded.")],
    db: DbOpt = None,
    coder: CoderOpt = None,
    theme: Annotated[Optional[str], typer.Option("--theme", help="Only candidates of this theme.")] = None,
    institution: Annotated[Optional[str], typer.Option("--institution", help="Only this institution.")] = None,
    resolve: Annotated[bool, typer.Option("--resolve", help="As lead coder: settle where --coders disagree.")]
    = False,
    coders: Annotated[Optional[str], typer.Option("--coders", help="With --resolve: the coders, e.g. A,B.")] = None,
) -> None:
    """Review pending candidates one at a time with single keys; every decision is saved at once."""
    from .errors import UsageError
    from .review import ReviewSession
    from .review_tui import run as run_tui

    with handle_errors():
        if not coder:
            coder = os.environ.get("KWALITEITSCAN_CODER") or None
        if not coder:
            raise UsageError("say who you are: --coder NAME (or set KWALITEITSCAN_CODER)")
        if resolve and not coders:
            raise UsageError("--resolve needs --coders A,B (the coders whose disagreements you settle)")
        with _open_project(corpus, db) as project:
            book = _project_codebook(project)
            if theme and theme not in book.theme_ids:
                raise UsageError(f"unknown theme {theme!r}; one of {', '.join(book.theme_ids)}")
            session = ReviewSession(project, coder, theme=theme, institution=institution,
                                    codebook_version=f"{book.name} {book.version}",
                                    resolve_coders=tuple(c.strip() for c in (coders or "").split(",") if c.strip())
                                    if resolve else ())
            made = run_tui(session, list(book.theme_ids), {t.id: t.label for t in book.themes})
            done, total, _ = session.progress()
            typer.echo(f"{made} decision(s) saved; {done} of {total} decided by {coder}.")


@app.command("import")
def import_decisions(
    file: Annotated[Path, typer.Argument(help="A .csv or .xlsx made by `kwaliteitscan export`, with decisions.")],
    coder: Annotated[str, typer.Option("--coder", help="Whose decisions these are.")],
    corpus: Annotated[Path, typer.Option("--corpus", help="The corpus folder (finds the default project).")]
    = Path("."),
    db: DbOpt = None,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Apply the valid rows even if some are not.")]
    = False,
) -> None:
    """Read decisions back from a spreadsheet; nothing is applied from a file with errors."""
    from .errors import InputError
    from .exchange import plan_import, read_sheet

    with handle_errors():
        rows = read_sheet(file)
        with _open_project(corpus, db) as project:
            book = _project_codebook(project)
            candidates = {c["id"]: c for c in project.candidates()}
            items, errors = plan_import(rows, candidates, project.latest_decisions(coder), set(book.theme_ids))
            console = _err_console()
            for error in errors:
                console.print(f"[red]{_escape(str(file))}:[/red] {_escape(error)}")
            if errors and not skip_invalid:
                raise InputError(f"{file}: {len(errors)} row(s) with errors, nothing applied; fix them or use "
                                 "--skip-invalid")
            for item in items:
                item["codebook_version"] = f"{book.name} {book.version}"
            project.add_decisions(items, coder)
            typer.echo(f"{len(items)} decision(s) of {coder} imported from {file}"
                       + (f"; {len(errors)} invalid row(s) skipped" if errors else ""))
        if errors:
            raise typer.Exit(PARTIAL_FAILURE)


@app.command()
def agreement(
    corpus: Annotated[Path, typer.Argument(help="The corpus folder that was coded.")],
    coders: Annotated[str, typer.Option("--coders", help="Two coders, e.g. anna,bram.")],
    db: DbOpt = None,
) -> None:
    """Inter-coder agreement: percent, Cohen's kappa, Krippendorff's alpha, per theme; disagreements."""
    from rich.console import Console
    from rich.table import Table

    from .agreement import OVERALL, corpus_agreement
    from .errors import UsageError

    with handle_errors():
        names = [c.strip() for c in coders.split(",") if c.strip()]
        if len(names) != 2:
            raise UsageError("--coders takes exactly two names, e.g. --coders anna,bram")
        with _open_project(corpus, db) as project:
            book = _project_codebook(project)
            units, cands, disagreements = corpus_agreement(
                project.candidates(), project.latest_decisions(names[0]), project.latest_decisions(names[1]),
                book.theme_ids)
        console = Console(highlight=False)

        def fmt(x):
            return "–" if x is None else f"{x:.2f}"

        for title, stats in (("institution × theme (the report's unit)", units), ("candidates", cands)):
            table = Table(title=f"{names[0]} vs {names[1]}: {title}")
            for col in ("theme", "units both coded", "agreement", "Cohen's kappa", "Krippendorff's alpha"):
                table.add_column(col, justify="left" if col == "theme" else "right")
            for theme in [*book.theme_ids, OVERALL]:
                st = stats.get(theme)
                if st is None:
                    table.add_row(theme, "0", "–", "–", "–")
                else:
                    table.add_row(theme, str(st.n), fmt(st.percent), fmt(st.kappa), fmt(st.alpha))
            console.print(table)
        console.print(f"[bold]{len(disagreements)} disagreement(s)[/bold]")
        for d in disagreements:
            where = f"{d.institution} {d.year or ''}".strip()
            page = f" p. {d.page}" if d.page else ""
            text = f": {d.text[:90]}" if d.text else ""
            console.print(_escape(f"- [{d.level}] {where} {d.theme}{page}: {names[0]}={d.values[0]} "
                                  f"{names[1]}={d.values[1]}{text}"))


@app.command()
def integrity(
    corpus: Annotated[Path, typer.Argument(help="The corpus folder that was coded.")],
    db: DbOpt = None,
) -> None:
    """Check the project: SQLite integrity, foreign keys, and decisions that lost their passage."""
    from .errors import ProjectError

    with handle_errors():
        with _open_project(corpus, db) as project:
            problems = project.integrity()
            path = project.path
        for problem in problems:
            typer.echo(f"problem: {problem}")
        if problems:
            raise ProjectError(f"{path}: {len(problems)} problem(s) found")
        typer.echo(f"{path}: ok")


# --------------------------------------------------------------------------- reports


class ReportFormat(str, Enum):
    terminal = "terminal"
    md = "md"
    html = "html"
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


ReportFormatOpt = Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")]
OutOpt = Annotated[Optional[Path], typer.Option("--out", "-o", help="Output file (required for xlsx).")]


def _emit_report(report, fmt: ReportFormat, out: Optional[Path], audit: bool = False) -> None:
    from .errors import UsageError
    from .report import render

    if fmt is ReportFormat.xlsx:
        if out is None:
            raise UsageError("--format xlsx needs --out FILE.xlsx")
        render.write_xlsx(report, out)
        _err_console().print(f"wrote {out}")
        return
    if fmt is ReportFormat.terminal:
        from rich.console import Console

        render.render_terminal(report, Console(highlight=False, file=open(out, "w", encoding="utf-8") if out else None))
        return
    if fmt is ReportFormat.html:
        from .report.html import render_html

        text = render_html(report)
    else:
        text = {"md": render.render_markdown, "csv": render.render_csv, "json": render.render_json}[fmt.value](report)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        _err_console().print(f"wrote {out}")


@app.command()
def report(
    corpus: Annotated[Path, typer.Argument(help="The corpus folder that was coded.")],
    db: DbOpt = None,
    fmt: ReportFormatOpt = ReportFormat.terminal,
    out: OutOpt = None,
    coder: Annotated[Optional[str], typer.Option("--coder", help="Use this coder's decisions.")] = None,
    final: Annotated[bool, typer.Option("--final", help="Use the final (resolved or agreed) decisions.")] = False,
) -> None:
    """Institution x theme matrix, the 'wat kan er beter' checklist and a corpus summary."""
    from .errors import UsageError

    with handle_errors():
        if coder and final:
            raise UsageError("choose --coder NAME or --final, not both")
        _emit_report(_load_report(corpus, db, coder, final), fmt, out)


@app.command()
def audit(
    file: Annotated[Path, typer.Argument(help="One agenda (PDF) to audit.")],
    codebook: CodebookOpt = None,
    fmt: ReportFormatOpt = ReportFormat.terminal,
    out: OutOpt = None,
    suggest: SuggestOpt = None,
) -> None:
    """Self-audit of one agenda: extract, code and report in one go, checklist first; all suggestions."""
    import tempfile

    from .coding import code_corpus
    from .errors import InputError
    from .report.model import report_from_project
    from .store import Project

    with handle_errors():
        if not file.is_file():
            raise InputError(f"{file}: no such PDF file")
        if suggest is not None:
            codebook = _with_suggester(codebook, suggest)
        with tempfile.TemporaryDirectory(prefix="kwaliteitscan-audit-") as tmp:
            summary = code_corpus(file, codebook, Path(tmp) / "audit.sqlite", jobs=1)
            if summary.failed:
                raise InputError(summary.failed[0][1])
            with Project(summary.db) as project:
                built = report_from_project(project, _project_codebook(project))
        built.basis = "suggesties (nog door een mens te controleren)"
        for inst in built.institutions:
            inst.checklist.sort(key=lambda c: not c.applies)
        if fmt is ReportFormat.terminal and out is None:
            _audit_terminal(built)
        else:
            _emit_report(built, fmt, out)


def _audit_terminal(built) -> None:
    from rich.console import Console
    from rich.text import Text

    from .report import render

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
    render.render_terminal(built, console)


@app.command()
def compare(
    corpus: Annotated[Path, typer.Argument(help="The corpus folder that was coded.")],
    years: Annotated[str, typer.Option("--years", help="Two years, e.g. 2024,2026.")],
    db: DbOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="md or json.")] = "md",
    out: OutOpt = None,
    final: Annotated[bool, typer.Option("--final", help="Use the final decisions.")] = False,
) -> None:
    """Per institution in both years: per theme and checklist point improved / regressed / unchanged."""
    from .errors import UsageError
    from .report.compare import compare_json, render_compare_markdown

    with handle_errors():
        parts = [p.strip() for p in years.split(",")]
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise UsageError("--years takes two years, e.g. --years 2024,2026")
        if fmt not in ("md", "json"):
            raise UsageError("--format is md or json")
        first, second = int(parts[0]), int(parts[1])
        built = _load_report(corpus, db, final=final)
        text = (render_compare_markdown if fmt == "md" else compare_json)(built, first, second)
        if out:
            out.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)


def run() -> None:  # console-script entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
