"""One way to put a report, a comparison or an audit where the user asked: a terminal rendering
printed (or written to --out as plain text), an xlsx workbook to --out only, any text format
returned or written whole to --out."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..errors import UsageError
from ..files import atomic_path, text_or_file


def write_output(fmt: str, out: Path | str | None, *, text: Callable[[], str] | None = None,
                 terminal: Callable | None = None, xlsx: Callable[[Path], None] | None = None,
                 console=None, width: int | None = None) -> str | None:
    """`terminal(console)` draws the terminal form, `xlsx(path)` writes a workbook, `text()` gives
    every other format; returns the text when there is no `out` (terminal: printed instead)."""
    if fmt == "xlsx":
        if out is None:
            raise UsageError("--format xlsx needs --out FILE.xlsx")
        with atomic_path(out) as tmp:
            xlsx(tmp)
        return None
    if fmt == "terminal":
        from rich.console import Console

        if out is None:
            terminal(console or Console(highlight=False))
        else:
            with atomic_path(out) as tmp, open(tmp, "w", encoding="utf-8") as handle:
                terminal(Console(highlight=False, file=handle, width=width))
        return None
    return text_or_file(text(), out)
