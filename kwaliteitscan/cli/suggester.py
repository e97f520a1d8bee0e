"""`kwaliteitscan suggester train`: learn theme suggestions from a hand-coded corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .output import CodebookOpt, batch_exit_code


suggester_app = typer.Typer(help="Train theme suggesters on hand-coded agendas.", no_args_is_help=True,
                            rich_markup_mode=None)


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
    from ..codebook import load_codebook
    from ..match.suggest import save_suggester
    from ..pipeline.train import train_suggester

    book = load_codebook(codebook)
    cues = tuple(c for c in (x.strip() for x in requires.split(",")) if c)
    data, summary, skipped = train_suggester(corpus, book, threshold=threshold, requires=cues)
    _written(save_suggester, data, out, summary["documents"], skipped,
             f"suggester for {len(book.theme_ids)} themes, trained on {summary['documents']} documents "
             f"({summary['sentences']} sentences, {summary['coded']} coded); threshold {threshold}")


@suggester_app.command("train-queue")
def suggester_train_queue(
    corpus: Annotated[list[Path], typer.Argument(help="One or more hand-coded corpora: PDFs with gold/<doc>.yaml "
                                                "(GOLD_FORMAT.md).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the queue's prior (JSON).")],
    codebook: CodebookOpt = None,
) -> None:
    """Learn the review queue's prior from one or more hand-coded corpora (needs the `train` extra: scikit-learn)."""
    from ..codebook import load_codebook
    from ..match.suggest import save_suggester
    from ..pipeline.train import train_queue_prior

    book = load_codebook(codebook)
    data, summary = train_queue_prior(corpus, book)
    _written(save_suggester, data, out, summary["documents"], summary["skipped"],
             f"queue prior for {len(book.theme_ids)} themes, trained on {summary['documents']} documents "
             f"({summary['passages']} passages, {summary['coded']} coded)")


@suggester_app.command("train-polarity")
def suggester_train_polarity(
    corpora: Annotated[list[Path], typer.Argument(
        help="One or more hand-coded corpora: PDFs with gold/<doc>.yaml (GOLD_FORMAT.md).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the polarity model (JSON).")],
    codebook: CodebookOpt = None,
) -> None:
    """Learn which rule candidates coders code against their theme, and which not at all (needs the
    `train` extra: scikit-learn). Put the file beside the codebook as <codebook>.polarity.json to use it."""
    from ..codebook import load_codebook
    from ..match.polarity import save
    from ..pipeline.train import train_polarity

    book = load_codebook(codebook)
    data, summary = train_polarity(corpora, book)
    _written(save, data, out, summary["documents"], summary["skipped"],
             f"polarity model trained on {summary['documents']} documents of {', '.join(summary['corpora'])} "
             f"({summary['candidates']} rule candidates, {summary['relevant']} coded under their theme, "
             f"{summary['negative']} of them against it)")


def _written(save, data: dict, out: Path, documents: int, skipped: list[str], what: str) -> None:
    """After training: name each skipped file, write the model, say what it is, and exit as `code`
    does (10 when some of the corpus could not be used)."""
    for line in skipped:
        typer.echo(f"skipped: {line}", err=True)
    save(data, out)
    typer.echo(f"{out}: {what}")
    raise typer.Exit(batch_exit_code(documents, documents + len(skipped)))
