"""The report as Markdown. Passage text comes from untrusted PDFs: cells escape table and link syntax."""

from __future__ import annotations

from .labels import cell_text, display_name, md_escape
from .model import FIGURES_NL, STATE_NL, Report


def render_markdown(report: Report) -> str:
    book = report.codebook
    out = ["# Kwaliteitsagenda's en stagediscriminatie", "",
           f"Codeboek {md_escape(book.name)} {md_escape(book.version)} ({book.sha256[:12]}); pipeline "
           f"{md_escape(report.pipeline)}; {md_escape(report.basis)}; {report.created}.", "",
           "Legenda: ● aanwezig, ◐ onduidelijk, ○ afwezig; ✓ beoordeeld, ? (nog) niet volledig beoordeeld "
           "(suggestie). Cijfers per agenda: thema's aanwezig en beoordeeld (van de "
           f"{len(book.themes)}), verbeterpunten die gelden (van de {len(book.checklist)}).", "", "## Overzicht", ""]
    out.append("| instelling | " + " | ".join(FIGURES_NL.values()) + " | "
               + " | ".join(md_escape(t.label) for t in book.themes) + " |")
    out.append("|---" * (len(book.themes) + 1 + len(FIGURES_NL)) + "|")
    for inst in report.institutions:
        figures = inst.figures()
        out.append(f"| {md_escape(display_name(inst))} | " + " | ".join(str(figures[k]) for k in FIGURES_NL) + " | "
                   + " | ".join(cell_text(inst.themes[t.id]) for t in book.themes) + " |")
    out += ["", "## Samenvatting", ""] + [f"- {md_escape(line)}" for line in report.summary()]
    for inst in report.institutions:
        out += ["", f"## {md_escape(display_name(inst))}", "", "Documenten: " + ", ".join(md_escape(d) for d in inst.documents),
                *(["", f"Zoektocht: {md_escape(inst.search)}"] if inst.search else []),
                "", "### Wat kan er beter?", ""]
        for item in sorted(inst.checklist, key=lambda c: not c.applies):
            flag = "**geldt**" if item.applies else "geldt niet"
            out.append(f"- {md_escape(item.label)}: {flag}. {md_escape(item.reason)}")
            if item.applies:
                out.append(f"  - {md_escape(item.explanation)}")
        out += ["", "### Bewijs per thema", ""]
        for theme in book.themes:
            cell = inst.themes[theme.id]
            out.append(f"**{md_escape(theme.label)}**: {cell_text(cell)} ({STATE_NL[cell.state]})")
            out.append("")
            if cell.evidence:
                out += ["| pagina | document | citaat | polariteit | kwalificaties | beslissing |",
                        "|---|---|---|---|---|---|"]
                for e in cell.evidence:
                    out.append(f"| p. {e.page} | {md_escape(e.document)} | {md_escape(e.text)} | {e.polarity} | "
                               f"{md_escape(', '.join(e.qualifiers)) or '-'} | {e.decision} |")
                out.append("")
    return "\n".join(out) + "\n"
