"""Comparing years: per institution with an agenda in both years, what improved or regressed.

Theme statuses are ordered absent < unclear < present; a checklist point that stops
applying is an improvement. The earlier year always comes first, whatever order the years
were given in. Each theme carries its evidence count in both years beside the status, so
"gelijk" cannot hide a theme that went from 5 fragments to 20. Institutions with an agenda in
only one of the two years are named; years without agendas are refused with the years that
do have them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..errors import UsageError
from .labels import cut_at_word, md_escape
from .model import STATUS_NL, Report

ORDER = {"absent": 0, "unclear": 1, "present": 2}
CHANGE_NL = {"improved": "verbeterd", "regressed": "verslechterd", "unchanged": "gelijk"}
APPLIES_NL = {True: "geldt", False: "geldt niet"}
QUOTE_WIDTH = 300


@dataclass
class Change:
    kind: str  # theme | checklist
    id: str
    label: str
    before: str
    after: str
    change: str
    evidence_before: list
    evidence_after: list

    @property
    def count_before(self) -> int:
        return len(self.evidence_before)

    @property
    def count_after(self) -> int:
        return len(self.evidence_after)

    def before_nl(self) -> str:
        return _value_nl(self, self.before, self.count_before)

    def after_nl(self) -> str:
        return _value_nl(self, self.after, self.count_after)


def _value_nl(ch: Change, value: str, count: int) -> str:
    if ch.kind != "theme":
        return value
    return f"{STATUS_NL.get(value, value)} ({count} {'fragment' if count == 1 else 'fragmenten'})"


@dataclass
class InstitutionComparison:
    institution: str
    years: tuple[int, int]
    changes: list[Change]


@dataclass
class Comparison:
    first: int
    second: int
    institutions: list[InstitutionComparison]
    #: per theme: (agendas with the theme present in the first year, in the second year)
    shift: dict[str, tuple[int, int]]
    only_first: list[str] = field(default_factory=list)  # institutions with an agenda of the first year only
    only_second: list[str] = field(default_factory=list)

    def missing_lines(self) -> list[str]:
        lines = []
        if self.only_first:
            lines.append(f"Alleen een agenda van {self.first}, niet van {self.second} (niet vergeleken): "
                         + ", ".join(self.only_first) + ".")
        if self.only_second:
            lines.append(f"Alleen een agenda van {self.second}, niet van {self.first} (niet vergeleken): "
                         + ", ".join(self.only_second) + ".")
        return lines


def _change(before: int, after: int) -> str:
    return "improved" if after > before else "regressed" if after < before else "unchanged"


def _years_present(report: Report) -> dict[int, int]:
    years: dict[int, int] = {}
    for inst in report.institutions:
        if inst.year is not None:
            years[inst.year] = years.get(inst.year, 0) + 1
    return dict(sorted(years.items()))


def _years_text(years: dict[int, int]) -> str:
    if not years:
        return "the project has no agendas with a year"
    return "years with agendas: " + ", ".join(f"{y} ({n} agenda{'' if n == 1 else chr(39) + 's'})"
                                              for y, n in years.items())


def build_comparison(report: Report, first: int, second: int) -> Comparison:
    """The comparison of two years (in time order). A year without agendas, or two years no
    institution has both of, is a UsageError that lists the years that exist."""
    if first == second:
        raise UsageError("--years takes two different years, e.g. --years 2024,2026")
    first, second = sorted((first, second))
    years = _years_present(report)
    absent = [y for y in (first, second) if y not in years]
    if absent:
        raise UsageError(f"no agendas of {' or '.join(map(str, absent))}; {_years_text(years)}")
    by_key = {(i.institution, i.year): i for i in report.institutions}
    has_first = {i.institution for i in report.institutions if i.year == first}
    has_second = {i.institution for i in report.institutions if i.year == second}
    names = sorted(has_first & has_second)
    if not names:
        raise UsageError(f"no institution has agendas of both {first} and {second}; {_years_text(years)}")
    out = []
    shift = {t.id: (0, 0) for t in report.codebook.themes}
    for name in names:
        a, b = by_key[(name, first)], by_key[(name, second)]
        changes = []
        for theme in report.codebook.themes:
            ca, cb = a.themes[theme.id], b.themes[theme.id]
            changes.append(Change("theme", theme.id, theme.label, ca.status, cb.status,
                                  _change(ORDER[ca.status], ORDER[cb.status]),
                                  [e for e in ca.evidence if e.decision != "rejected"],
                                  [e for e in cb.evidence if e.decision != "rejected"]))
            was, now = shift[theme.id]
            shift[theme.id] = (was + (ca.status == "present"), now + (cb.status == "present"))
        points_b = {c.id: c for c in b.checklist}
        for pa in a.checklist:
            pb = points_b[pa.id]
            changes.append(Change("checklist", pa.id, pa.label, APPLIES_NL[pa.applies], APPLIES_NL[pb.applies],
                                  _change(int(pb.applies), int(pa.applies)), pa.evidence, pb.evidence))
        out.append(InstitutionComparison(name, (first, second), changes))
    return Comparison(first, second, out, shift, sorted(has_first - has_second), sorted(has_second - has_first))


def compare(report: Report, first: int, second: int) -> tuple[list[InstitutionComparison], dict[str, tuple[int, int]]]:
    """Comparisons per institution with an agenda in both years, and per theme (present then, present now)."""
    comp = build_comparison(report, first, second)
    return comp.institutions, comp.shift


def _quote(evidence: list, i: int) -> str:
    if i >= len(evidence):
        return ""
    e = evidence[i]
    return f"p. {e.page}: {md_escape(cut_at_word(e.text, QUOTE_WIDTH))}"


def render_compare_markdown(comp: Comparison) -> str:
    first, second, n = comp.first, comp.second, len(comp.institutions)
    lines = [f"# Vergelijking {first} en {second}", "",
             f"{n} {'instelling' if n == 1 else 'instellingen'} met een agenda in beide jaren.", ""]
    lines += [f"- {md_escape(line)}" for line in comp.missing_lines()]
    lines += ["", "## Verschuiving per thema", "",
              f"| thema | aanwezig {first} | aanwezig {second} |", "|---|---|---|"]
    for tid, (was, now) in comp.shift.items():
        label = next(ch.label for ch in comp.institutions[0].changes if ch.id == tid)
        lines.append(f"| {md_escape(label)} | {was} van {n} | {now} van {n} |")
    for ic in comp.institutions:
        lines += ["", f"## {md_escape(ic.institution)}", "", f"| onderdeel | {first} | {second} | verandering |",
                  "|---|---|---|---|"]
        for ch in ic.changes:
            lines.append(f"| {md_escape(ch.label)} | {ch.before_nl()} | {ch.after_nl()} | {CHANGE_NL[ch.change]} |")
        lines += ["", "### Bewijs naast elkaar", ""]
        for ch in ic.changes:
            if ch.kind != "theme" or not (ch.evidence_before or ch.evidence_after):
                continue
            lines += [f"**{md_escape(ch.label)}** ({CHANGE_NL[ch.change]}; {ch.count_before} → {ch.count_after} "
                      "fragmenten)", "", f"| {first} | {second} |", "|---|---|"]
            for i in range(max(ch.count_before, ch.count_after)):
                lines.append(f"| {_quote(ch.evidence_before, i)} | {_quote(ch.evidence_after, i)} |")
            lines.append("")
    return "\n".join(lines) + "\n"


def compare_json(comp: Comparison) -> str:
    data = {
        "years": [comp.first, comp.second],
        "only_first_year": comp.only_first, "only_second_year": comp.only_second,
        "themes": {tid: {"present_before": a, "present_after": b} for tid, (a, b) in comp.shift.items()},
        "institutions": [{
            "institution": c.institution,
            "changes": [{"kind": ch.kind, "id": ch.id, "before": ch.before, "after": ch.after, "change": ch.change,
                         "count_before": ch.count_before, "count_after": ch.count_after,
                         "evidence_before": [e.to_json() for e in ch.evidence_before],
                         "evidence_after": [e.to_json() for e in ch.evidence_after]} for ch in c.changes],
        } for c in comp.institutions],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def render_compare_terminal(comp: Comparison, console) -> None:
    from rich.table import Table
    from rich.text import Text

    from ..untrusted import clean

    n = len(comp.institutions)
    console.print(Text(f"Vergelijking {comp.first} en {comp.second}: {n} "
                       f"{'instelling' if n == 1 else 'instellingen'} met een agenda in beide jaren", style="bold"))
    for line in comp.missing_lines():
        console.print(Text(clean(line)))
    style = {"improved": "green", "regressed": "red", "unchanged": ""}
    for ic in comp.institutions:
        table = Table(title=clean(ic.institution), title_justify="left", title_style="bold",
                      caption="n = aantal fragmenten (bewijs) in dat jaar", caption_justify="left")
        table.add_column("onderdeel", ratio=1, overflow="fold")
        for year in (comp.first, comp.second):
            table.add_column(str(year), no_wrap=True)
            table.add_column("n", justify="right", no_wrap=True)
        table.add_column("verandering", no_wrap=True)
        for ch in ic.changes:
            theme = ch.kind == "theme"
            table.add_row(Text(clean(ch.label)), STATUS_NL.get(ch.before, ch.before),
                          str(ch.count_before) if theme else "", STATUS_NL.get(ch.after, ch.after),
                          str(ch.count_after) if theme else "", Text(CHANGE_NL[ch.change], style=style[ch.change]))
        console.print(table)


def render_compare_html(comp: Comparison) -> str:
    from .html import csp_hash, esc

    css = """
body { margin: 0; font: 15px/1.45 "DejaVu Sans", Arial, sans-serif; color: #1d2433; }
main { max-width: 1100px; margin: 0 auto; padding: 20px 24px; }
h1 { font-size: 1.6em; margin: 0 0 8px; } h2 { font-size: 1.25em; margin: 28px 0 8px; border-bottom: 1px solid #c9ced8; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e1e4ea; vertical-align: top; }
th { font-size: .9em; }
td.improved { background: #dcefdc; color: #1b5e20; font-weight: bold; }
td.regressed { background: #f7e0e0; color: #7a1f1f; font-weight: bold; }
td.unchanged { color: #5b6475; }
.ontbreekt { background: #fff1bf; border-left: 5px solid #a87900; padding: 6px 10px; }
.q { font-size: .88em; }
@page { size: A4 portrait; margin: 14mm; }
@media print { body { font-size: 9.5pt; } main { max-width: none; padding: 0; } .instelling { break-before: page; }
  html { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""
    csp = f"default-src 'none'; style-src {csp_hash(css)}; img-src 'none'; base-uri 'none'; form-action 'none'"
    first, second, n = comp.first, comp.second, len(comp.institutions)
    title = f"Vergelijking {first} en {second}"
    parts = ["<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n",
             f"<meta http-equiv=\"Content-Security-Policy\" content=\"{esc(csp)}\">\n",
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
             f"<title>{esc(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n<main>\n<h1>{esc(title)}</h1>\n",
             f"<p>{n} {'instelling' if n == 1 else 'instellingen'} met een agenda in beide jaren.</p>\n"]
    parts += [f"<p class=\"ontbreekt\">{esc(line)}</p>\n" for line in comp.missing_lines()]
    parts.append(f"<h2>Verschuiving per thema</h2>\n<table><thead><tr><th>thema</th><th>aanwezig {first}</th>"
                 f"<th>aanwezig {second}</th></tr></thead><tbody>")
    labels = {ch.id: ch.label for ch in comp.institutions[0].changes}
    for tid, (was, now) in comp.shift.items():
        parts.append(f"<tr><td>{esc(labels[tid])}</td><td>{was} van {n}</td><td>{now} van {n}</td></tr>")
    parts.append("</tbody></table>\n")
    for ic in comp.institutions:
        parts.append(f"<section class=\"instelling\"><h2>{esc(ic.institution)}</h2>\n<table><thead><tr>"
                     f"<th>onderdeel</th><th>{first}</th><th>{second}</th><th>verandering</th></tr></thead><tbody>")
        for ch in ic.changes:
            quotes = ""
            if ch.kind == "theme" and (ch.evidence_before or ch.evidence_after):
                quotes = ("<details class=\"q\"><summary>bewijs</summary>"
                          + "".join(f"<p>{first}, p. {esc(e.page)}: {esc(cut_at_word(e.text, QUOTE_WIDTH))}</p>"
                                    for e in ch.evidence_before)
                          + "".join(f"<p>{second}, p. {esc(e.page)}: {esc(cut_at_word(e.text, QUOTE_WIDTH))}</p>"
                                    for e in ch.evidence_after) + "</details>")
            parts.append(f"<tr><td>{esc(ch.label)}{quotes}</td><td>{esc(ch.before_nl())}</td>"
                         f"<td>{esc(ch.after_nl())}</td><td class=\"{ch.change}\">{CHANGE_NL[ch.change]}</td></tr>")
        parts.append("</tbody></table></section>\n")
    parts.append("</main>\n</body>\n</html>\n")
    return "".join(parts)


def write_compare_xlsx(comp: Comparison, path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from ..untrusted import safe_cell

    fills = {"improved": PatternFill("solid", fgColor="DCEFDC"), "regressed": PatternFill("solid", fgColor="F7E0E0")}
    wb = Workbook()
    ws = wb.active
    ws.title = "vergelijking"
    ws.append(["instelling", "soort", "onderdeel", f"status {comp.first}", f"fragmenten {comp.first}",
               f"status {comp.second}", f"fragmenten {comp.second}", "verandering"])
    for ic in comp.institutions:
        for ch in ic.changes:
            theme = ch.kind == "theme"
            ws.append([safe_cell(ic.institution), "thema" if theme else "verbeterpunt", safe_cell(ch.label),
                       STATUS_NL.get(ch.before, ch.before), ch.count_before if theme else None,
                       STATUS_NL.get(ch.after, ch.after), ch.count_after if theme else None, CHANGE_NL[ch.change]])
            if ch.change in fills:
                ws.cell(ws.max_row, 8).fill = fills[ch.change]
    missing = wb.create_sheet("niet vergeleken")
    missing.append(["instelling", "alleen een agenda van"])
    for name in comp.only_first:
        missing.append([safe_cell(name), comp.first])
    for name in comp.only_second:
        missing.append([safe_cell(name), comp.second])
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "B2"
        sheet.auto_filter.ref = sheet.dimensions
        sheet.column_dimensions["A"].width = 28
    ws.column_dimensions["C"].width = 44
    wb.save(path)


COMPARE_FORMATS = ("terminal", "md", "json", "html", "xlsx")


def write_compare(comp: Comparison, fmt: str, out=None, console=None) -> str | None:
    """The comparison in `fmt` to `out`; without `out` the text back (terminal: printed)."""
    from ..files import atomic_path, text_or_file

    if fmt not in COMPARE_FORMATS:
        raise UsageError(f"--format is one of {', '.join(COMPARE_FORMATS)}")
    if fmt == "xlsx":
        if out is None:
            raise UsageError("--format xlsx needs --out FILE.xlsx")
        with atomic_path(out) as tmp:
            write_compare_xlsx(comp, tmp)
        return None
    if fmt == "terminal":
        from rich.console import Console

        if out is None:
            render_compare_terminal(comp, console or Console(highlight=False))
        else:
            with atomic_path(out) as tmp, open(tmp, "w", encoding="utf-8") as handle:
                render_compare_terminal(comp, Console(highlight=False, file=handle, width=120))
        return None
    render = {"md": render_compare_markdown, "json": compare_json, "html": render_compare_html}[fmt]
    return text_or_file(render(comp), out)
