"""`kwaliteitscan extract`: PDFs to faithful text per page, as text or JSON."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .output import (CacheDirOpt, Engine, EngineOpt, JobsOpt, NoCacheOpt, OcrOpt, batch_exit_code, err_console,
                     escape, state)


class TextFormat(str, Enum):
    text = "text"
    json = "json"


def extract(
    paths: Annotated[list[Path], typer.Argument(help="PDF and Word (.docx) files and folders (searched recursively).")],
    fmt: Annotated[TextFormat, typer.Option("--format", "-f", help="Output format.")] = TextFormat.text,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write one file per document into this folder.")]
    = None,
    engine: EngineOpt = Engine.pdfium,
    jobs: JobsOpt = 2,
    no_cache: NoCacheOpt = False,
    cache_dir: CacheDirOpt = None,
    ocr: OcrOpt = False,
) -> None:
    """Extract PDFs and Word files to faithful text with page numbers (cached by file content)."""
    from ..extract.corpus import find_pdfs
    from ..extract.extractor import Cache, extract_many

    pdfs = find_pdfs(paths)
    if not pdfs:
        err_console().print("[yellow]no PDF or Word (.docx) files found[/yellow] in " + ", ".join(map(str, paths)))
        raise typer.Exit(3)
    cache = Cache(None) if no_cache else (Cache(cache_dir) if cache_dir else Cache())
    outcomes = extract_many(pdfs, engine.value, cache, jobs=jobs, ocr=ocr)
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
    raise typer.Exit(batch_exit_code(len(docs), len(outcomes)))


def _as_text(doc, header: bool) -> str:
    parts = [f"==> {doc.document} <==\n"] if header else []
    parts.append("\f".join(p.text + "\n" for p in doc.pages))
    return "".join(parts)


def _write_documents(docs, out: Path, fmt: TextFormat) -> None:
    from ..files import write_text

    for doc in docs:
        stem = Path(doc.document).stem
        if fmt is TextFormat.json:
            write_text(out / f"{stem}.json", json.dumps(doc.to_json(), ensure_ascii=False, indent=2) + "\n")
        else:
            write_text(out / f"{stem}.txt", _as_text(doc, header=False))
    err_console().print(f"wrote {len(docs)} document(s) to {out}")


def _report_failures(outcomes) -> None:
    if not any(o.error or (o.document is not None and o.document.warnings) for o in outcomes):
        return  # nothing to say: rich is not even imported (a tenth of a clean `extract`'s time)
    console = err_console()
    for outcome in outcomes:
        if outcome.error:
            console.print(f"[red]error:[/red] {escape(outcome.error)}")
            if state["debug"] and outcome.detail:
                console.print(escape(outcome.detail))
        elif outcome.document is not None:
            for warning in outcome.document.warnings:
                console.print(f"[yellow]warning:[/yellow] {escape(outcome.document.document)}: {escape(warning)}",
                              soft_wrap=True)  # one line each, however narrow the terminal
