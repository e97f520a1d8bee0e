"""`kwaliteitscan export`: candidates with decisions, a REFI-QDA project or codebook, or gold codings."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .output import CorpusArg, DbOpt, FinalOpt, OnlyCoderOpt, err_console, escape


class ExportFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    xlsx = "xlsx"
    qdpx = "qdpx"
    qdc = "qdc"
    gold = "gold"


def export(
    corpus: CorpusArg,
    fmt: Annotated[Optional[ExportFormat], typer.Option(
        "--format", "-f", help="Output format (default: from the extension of --out, else csv).")] = None,
    db: DbOpt = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Output file (required for xlsx, qdpx, qdc); for gold the folder that gets gold/.")] = None,
    coder: OnlyCoderOpt = None,
    final: FinalOpt = False,
    pending: Annotated[bool, typer.Option(
        "--pending", help="The next passages of --coder's review queue, in queue order, to decide in a spreadsheet "
                          "and `import` back.")] = False,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="With --pending: how many passages.")] = None,
    theme: Annotated[Optional[str], typer.Option("--theme", help="With --pending: rank for this theme.")] = None,
    all_coders: Annotated[bool, typer.Option(
        "--all-coders", help="Every coder's latest decision in the decision column (for reading; import refuses "
                             "such a file). Without --coder, --final or this, the decision column is empty.")] = False,
) -> None:
    """Export candidates with decisions (jsonl, csv, xlsx), a REFI-QDA project (qdpx) / codebook (qdc),
    or the reviewed documents as gold codings (gold: OUT/gold/<doc>.yaml, GOLD_FORMAT.md)."""
    from ..files import format_from
    from ..pipeline.export import export_project

    fmt = fmt or ExportFormat(format_from(out, tuple(f.value for f in ExportFormat if f is not ExportFormat.gold),
                                          "csv"))
    done = export_project(corpus, fmt.value, db=db, out=out, coder=coder, final=final, pending=pending,
                          limit=limit, theme=theme, all_coders=all_coders)
    if done.text is not None:
        sys.stdout.write(done.text)
    console = err_console()
    for line in done.skipped:
        console.print(f"[yellow]skipped:[/yellow] {escape(line)}")
    if done.done:
        console.print(escape(done.done))
