"""The `kwaliteitscan` command: the typer app, its one error handler, and the command groups.

Each command lives in the module of its group (extract, code, codebook, suggester, export,
review, report). A command parses its options, calls one library function and renders the
result. Library exceptions (kwaliteitscan.errors) become one red line and their exit code
here, in one place, for every command; `--debug` shows the traceback instead. Heavy
libraries (spaCy, pdfium, pdfplumber, rich) are imported inside the commands, so `--help`
stays fast; a test checks that importing this package imports none of them.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from typing import Annotated

import typer
from typer.core import TyperGroup

from ..version import __version__
from ..errors import KwaliteitscanError, ProjectError
from . import code, codebook, export, extract, report, review, simulate, suggester
from .output import err_console, escape, state


class _Translating(TyperGroup):
    """The root group: every library exception of any command ends here as one line and an exit code
    (the way pypa/build's __main__ does it), instead of a handler around each command."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except sqlite3.DatabaseError as exc:  # a damaged project file, found while reading it
            if state["debug"]:
                raise
            err_console().print(f"[red]error:[/red] the project file is damaged ({escape(str(exc))}); restore it "
                                "from a backup, or run `kwaliteitscan integrity` to see what is wrong")
            raise typer.Exit(ProjectError.exit_code) from None
        except KwaliteitscanError as exc:
            if state["debug"]:
                raise
            console = err_console()
            for line in exc.details:
                console.print(f"  {escape(line)}")
            console.print(f"[red]error:[/red] {escape(exc.message)}")
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err_console().print("[yellow]interrupted[/yellow]")
            raise typer.Exit(130) from None


app = typer.Typer(
    name="kwaliteitscan",
    cls=_Translating,
    help="Code the kwaliteitsagenda's of Dutch MBO schools against a codebook on stagediscriminatie.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


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
    state["debug"] = debug
    if debug:
        os.environ["KWALITEITSCAN_DEBUG"] = "1"  # worker processes keep their stderr


# the commands, in the order of the flow
app.command()(extract.extract)
app.command()(code.code)
app.command()(code.manifest)
app.add_typer(codebook.codebook_app, name="codebook")
app.add_typer(suggester.suggester_app, name="suggester")
app.command()(export.export)
app.command()(review.review)
app.command("import")(review.import_decisions)
app.command()(review.agreement)
app.command()(review.integrity)
app.command()(review.backup)
app.command()(report.report)
app.command()(report.audit)
app.command()(report.compare)
app.command()(simulate.simulate)


def run() -> None:  # console-script entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
