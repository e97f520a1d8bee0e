"""`kwaliteitscan codebook ...`: validate, show, import, export and diff codebooks."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .output import DbOpt, err_console, escape

codebook_app = typer.Typer(help="Check and inspect codebooks.", no_args_is_help=True, rich_markup_mode=None)



@codebook_app.command("validate")
def codebook_validate(file: Annotated[Path, typer.Argument(help="The codebook YAML file.")]) -> None:
    """Check a codebook; errors name the file, line and key."""
    from ..codebook import load_codebook

    book = load_codebook(file)
    patterns = sum(len(c.patterns) for t in book.themes for c in t.codes)
    typer.echo(f"{file}: valid codebook {book.name} {book.version}: {len(book.themes)} themes, "
               f"{patterns} patterns, {len(book.checklist)} checklist points (sha256 {book.sha256[:12]})")


@codebook_app.command("show")
def codebook_show(file: Annotated[Optional[Path], typer.Argument(help="The codebook YAML file.")] = None) -> None:
    """Print what a codebook contains: themes, codes, patterns, qualifiers, checklist."""
    from rich.console import Console
    from rich.table import Table

    from ..codebook import load_codebook

    book = load_codebook(file)
    console = Console(highlight=False)
    console.print(f"[bold]{escape(book.name)}[/bold] {escape(book.version)}  sha256 {book.sha256[:12]}")
    if book.description:
        console.print(escape(book.description))
    table = Table("theme", "code", "patterns", "requires / exclude / scope", show_lines=True)
    for theme in book.themes:
        for code in theme.codes:
            flags = [f"requires {', '.join(code.requires)}" if code.requires else "",
                     f"exclude {', '.join(code.exclude)}" if code.exclude else "", code.scope,
                     "weak" if code.weak else "", "negative" if code.polarity == "negative" else ""]
            table.add_row(escape(f"{theme.id}\n{theme.label}"), escape(f"{code.id}\n{code.label}"),
                          escape(", ".join(p.source for p in code.patterns)),
                          escape("; ".join(f for f in flags if f)))
    console.print(table)
    for qualifier in book.qualifiers:
        console.print(f"[bold]qualifier {qualifier.id}[/bold] ({escape(qualifier.label)}"
                      f"{', negative' if qualifier.polarity == 'negative' else ''}"
                      f"{', weak' if qualifier.weak else ''}): "
                      + escape(", ".join(p.source for p in qualifier.patterns)))
    for point in book.checklist:
        console.print(f"[bold]checklist {point.id}[/bold]: {escape(point.label)} — applies when "
                      f"{escape(json.dumps(point.applies_when, ensure_ascii=False))}")


@codebook_app.command("import")
def codebook_import(
    file: Annotated[Path, typer.Argument(help="A quanteda YAML dictionary or a WordStat .cat dictionary.")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the codebook YAML here.")] = None,
) -> None:
    """Turn a quanteda or WordStat dictionary into a kwaliteitscan codebook to refine."""
    from ..codebook import import_dictionary
    from ..codebook.dictionaries import write_codebook_yaml

    text = write_codebook_yaml(import_dictionary(file), out)
    if out is None:
        sys.stdout.write(text)
    else:
        err_console().print(f"wrote {out}; write the definitions before you use it")


class DictFormat(str, Enum):
    quanteda = "quanteda"


@codebook_app.command("export")
def codebook_export(
    file: Annotated[Path, typer.Argument(help="The codebook YAML file.")],
    fmt: Annotated[DictFormat, typer.Option("--format", "-f", help="Dictionary format.")] = DictFormat.quanteda,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output file.")] = None,
) -> None:
    """Write a codebook as a quanteda YAML dictionary (what quanteda cannot hold is listed)."""
    from ..codebook import load_codebook
    from ..codebook.dictionaries import export_quanteda

    text, warnings = export_quanteda(load_codebook(file))
    for warning in warnings:
        err_console().print(f"[yellow]not exported:[/yellow] {escape(warning)}")
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        err_console().print(f"wrote {out}")


@codebook_app.command("diff")
def codebook_diff(
    old: Annotated[Path, typer.Argument(help="The old codebook.")],
    new: Annotated[Path, typer.Argument(help="The new codebook.")],
    corpus: Annotated[Optional[Path], typer.Option("--corpus", help="Show the effect on this coded corpus.")] = None,
    db: DbOpt = None,
) -> None:
    """What changed between two codebooks, and with --corpus how many candidates each change adds or removes."""
    from ..codebook import load_codebook
    from ..codebook.diff import diff_codebooks
    from ..pipeline.codebook_effect import candidate_effect
    from ..project import open_project

    before, after = load_codebook(old), load_codebook(new)
    changes = diff_codebooks(before, after)
    typer.echo(f"{before.name} {before.version} -> {after.name} {after.version}: {len(changes)} change(s)")
    for change in changes:
        typer.echo(f"- {change.description}")
    if corpus is None:
        return
    with open_project(corpus, db, readonly=True) as project:
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
        err_console().print(f"[yellow]skipped:[/yellow] {escape(str(item))}")
