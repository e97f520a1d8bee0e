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


def run() -> None:  # console-script entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
