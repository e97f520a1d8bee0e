"""`kwaliteitscan simulate`: replay a perfect coder from gold codings through the review queue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from .output import CodebookOpt, err_console, escape


def simulate(
    corpus: Annotated[Path, typer.Argument(help="A corpus with gold codings (gold/<doc>.yaml, GOLD_FORMAT.md).")],
    gold: Annotated[Optional[Path], typer.Option(
        "--gold", help="A folder holding another gold/ for the same PDFs (e.g. a second coder's).")] = None,
    codebook: CodebookOpt = None,
    prior: Annotated[Optional[Path], typer.Option(
        "--prior", help="The queue's prior (default: the one bundled with the codebook).")] = None,
    budget: Annotated[float, typer.Option(
        "--budget", min=0.5, max=50, help="Stop the replay after this many times the gold passages.")] = 4.0,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the recall curves as a PNG here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Recall against reading effort: a perfect coder (the gold) follows the review queue."""
    from ..codebook import load_codebook
    from ..pipeline.simulate import plot_curves, simulate_corpus, summary_lines
    from ..review.queue import Prior

    book = load_codebook(codebook)
    result = simulate_corpus(corpus, codebook=book, gold_dir=gold, prior=Prior.load(prior) if prior else None,
                             budget=budget)
    for line in result["skipped"]:
        err_console().print(f"[yellow]skipped:[/yellow] {escape(line)}")
    if as_json:
        keep = {k: v for k, v in result.items() if k not in ("curve", "curve_theme", "order")}
        keep["needed"] = {str(k): v for k, v in keep["needed"].items()}
        keep["needed_theme"] = {t: {str(k): v for k, v in row.items()} for t, row in keep["needed_theme"].items()}
        typer.echo(json.dumps(keep, ensure_ascii=False, indent=2))
    else:
        typer.echo("\n".join(summary_lines(result, book)))
    if out is not None:
        plot_curves(result, book, out)
        err_console().print(f"wrote {escape(str(out))}")
