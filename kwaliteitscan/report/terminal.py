"""The report on a terminal (rich): the matrix, the summary and the checklist; no escape codes from PDFs."""

from __future__ import annotations

from ..untrusted import clean
from .labels import SYMBOL, display_name
from .model import FIGURES_NL, Report


def render_terminal(report: Report, console) -> None:
    from rich.table import Table
    from rich.text import Text

    book = report.codebook
    console.print(Text(f"Kwaliteitsagenda's en stagediscriminatie — codeboek {clean(book.name)} "
                       f"{clean(book.version)} ({book.sha256[:12]}); {clean(report.basis)}",
                       style="bold"))
    table = Table(show_lines=False)
    table.add_column("instelling")
    for head in ("a", "b", "v"):
        table.add_column(head, justify="right")
    for number, _ in enumerate(book.themes, start=1):
        table.add_column(str(number), justify="center")
    for inst in report.institutions:
        figures = inst.figures()
        table.add_row(Text(clean(display_name(inst))), *[str(figures[k]) for k in FIGURES_NL], *[
            Text(f"{SYMBOL[inst.themes[t.id].status]}{'✓' if inst.themes[t.id].reviewed else '?'}")
            for t in book.themes])
    console.print(table)
    console.print(Text("  ".join(f"{n} {clean(t.label)}" for n, t in enumerate(book.themes, start=1)), style="dim"))
    console.print(Text("● aanwezig  ◐ onduidelijk  ○ afwezig   ✓ beoordeeld  ? suggestie", style="dim"))
    console.print(Text(f"a thema's aanwezig, b thema's beoordeeld (van de {len(book.themes)}); "
                       f"v verbeterpunten die gelden (van de {len(book.checklist)})", style="dim"))
    for line in report.summary():
        console.print(Text(f"- {clean(line)}"))
    for inst in report.institutions:
        points = [c for c in inst.checklist if c.applies]
        console.print(Text(f"\n{clean(display_name(inst))}: wat kan er beter?", style="bold"))
        if inst.search:
            console.print(Text(f"  {clean(inst.search)}", style="dim"))
        for item in points or []:
            console.print(Text(f"  • {clean(item.label)} — {clean(item.reason)}"))
        if not points:
            console.print(Text("  geen verbeterpunten volgens de regels van het codeboek"))
