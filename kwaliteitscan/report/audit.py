"""The self-audit of one agenda as a document for the school (pure): model, terminal, md, json.

The HTML page is audit_html.py.

Order, in every format: a title with the institution and year; a warning when the file hardly
speaks of internships or discrimination; "Wat kan er beter?", one point per gap; "Wat is in
orde", one quote per theme; "Hoe dit rapport is gemaakt". No corpus summary.

A gap is
- a checklist point of the codebook that applies (its `advice` text, else its `explanation`), or
- a theme that is absent or unclear and not already covered by an applying checklist point (the
  theme's `advice` text), so that every one of the codebook's themes appears somewhere.
Each gap carries the sentences of its themes the agenda does hold (with page), or none, in which
case the document says "Hierover staat niets in de agenda." The plain-Dutch texts live in the
codebook, not here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..codebook.model import MODEL_NEGATIVE
from ..version import __version__
from .labels import NO_GAPS, NOTHING_IN_ORDER, cut_at_sentence
from .model import STATUS_NL, Evidence, InstitutionReport, Report, rule_themes

#: quotes per gap and their length in characters (cut at a word): two or three A4 pages in print
QUOTES_PER_GAP = 2
QUOTE_WIDTH = 260
#: version of the audit's JSON shape (docs/reports.md)
#: 2 added each gap's "reason" and each theme's "reason"
AUDIT_CONTRACT = 2

NOTHING = "Hierover staat niets in de agenda."
SOME = "Dit staat er in de agenda over:"
UNCLEAR = "De agenda zegt hier iets over, maar niet duidelijk genoeg. Dit staat er:"
AGAINST = "De agenda zegt hier iets over, maar het spreekt de aanpak tegen. Dit staat er:"


@dataclass(frozen=True)
class Quote:
    document: str
    page: int
    text: str
    against: bool  # a sentence that counts against the theme (a denial, a refusal)
    #: it counts against the theme because the polarity model read it so, not a rule (match/polarity.py)
    by_model: bool = False

    def to_json(self) -> dict:
        return {"document": self.document, "page": self.page, "text": self.text, "against": self.against,
                "against_by_model": self.by_model}

    @property
    def mark(self) -> str:
        """What the audit says after the page of a quote that counts against the theme, in Dutch."""
        if not self.against:
            return ""
        return "spreekt de aanpak tegen" + (", gelezen door het model, niet op een trefwoord" if self.by_model else "")


@dataclass(frozen=True)
class Gap:
    kind: str  # checklist | theme
    id: str
    title: str
    themes: tuple[str, ...]  # theme labels the gap is about
    advice: str
    finding: str  # NOTHING, SOME, UNCLEAR or AGAINST
    quotes: tuple[Quote, ...]
    #: why a theme of the gap is not present, in Dutch ("Thema: reason"; status.status_and_reason)
    reason: str = ""

    def to_json(self) -> dict:
        return {"kind": self.kind, "id": self.id, "title": self.title, "themes": list(self.themes),
                "advice": self.advice, "finding": self.finding, "reason": self.reason,
                "quotes": [q.to_json() for q in self.quotes]}


@dataclass(frozen=True)
class InOrder:
    theme: str
    label: str
    quote: Quote


@dataclass(frozen=True)
class Topic:
    """How much the file speaks of the subject: passages with an internship word, with a
    discrimination word (the codebook's cues), against the thresholds below which it warns."""

    internship: int
    discrimination: int
    min_internship: int
    min_discrimination: int

    @property
    def on_topic(self) -> bool:
        return self.internship >= self.min_internship and self.discrimination >= self.min_discrimination


@dataclass
class Audit:
    report: Report
    institution: str
    year: int | None
    documents: list[str]
    gaps: list[Gap]
    in_order: list[InOrder]
    statuses: dict[str, str]
    topic: Topic | None = None
    pages: int = 0
    method: list[str] = field(default_factory=list)
    #: why each theme has its status, in Dutch (status.status_and_reason)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        year = f" {self.year}" if self.year else ""
        return f"Zelfevaluatie {self.institution}{year}: stagediscriminatie in de kwaliteitsagenda"

    @property
    def warning(self) -> str | None:
        if self.topic is None or self.topic.on_topic:
            return None
        t = self.topic
        return (f"Let op: dit bestand gaat nauwelijks over stages of discriminatie ({t.internship} passage(s) over "
                f"stages, {t.discrimination} over discriminatie). Misschien is het geen kwaliteitsagenda, of "
                "ontbreekt de verplichte ambitie over stagediscriminatie. Kijk of u het goede bestand heeft "
                "gekozen; de punten hieronder zeggen dan weinig.")

    def to_json(self) -> dict:
        book = self.report.codebook
        return {
            "contract": AUDIT_CONTRACT, "kind": "audit", "title": self.title,
            "institution": self.institution, "year": self.year, "documents": list(self.documents),
            "warning": self.warning,
            "topic": None if self.topic is None else {
                "internship_passages": self.topic.internship, "discrimination_passages": self.topic.discrimination,
                "on_topic": self.topic.on_topic},
            "gaps": [g.to_json() for g in self.gaps],
            "in_order": [{"theme": o.theme, "label": o.label, "quote": o.quote.to_json()} for o in self.in_order],
            "themes": {tid: {"label": book.theme(tid).label, "status": status, "status_nl": STATUS_NL[status],
                             "reason": self.reasons.get(tid, "")}
                       for tid, status in self.statuses.items()},
            "codebook": {"name": book.name, "version": book.version, "sha256": book.sha256},
            "pipeline": self.report.pipeline, "created": self.report.created,
            "reviewed_by_coder": False, "method": list(self.method),
        }


def _quote(e: Evidence) -> Quote:
    return Quote(e.document, e.page, cut_at_sentence(e.text, QUOTE_WIDTH), e.polarity == "negative",
                 e.polarity == "negative" and MODEL_NEGATIVE in e.qualifiers)


def _counted(inst: InstitutionReport, theme: str) -> list[Evidence]:
    cell = inst.themes[theme]
    return sorted((e for e in cell.evidence if e.decision != "rejected"),
                  key=lambda e: (e.polarity != "positive", e.weak, e.document, e.page))


def _gap(kind: str, gid: str, title: str, themes: list[str], advice: str, inst: InstitutionReport,
         report: Report) -> Gap:
    evidence = [e for t in themes for e in _counted(inst, t)]
    statuses = {inst.themes[t].status for t in themes}
    if not evidence:
        finding = NOTHING
    elif statuses == {"absent"}:
        finding = AGAINST if all(e.polarity == "negative" for e in evidence) else UNCLEAR
    elif "unclear" in statuses:
        finding = UNCLEAR
    else:
        finding = SOME
    seen, quotes = set(), []
    for e in evidence:
        if (e.document, e.page, e.text) not in seen and len(quotes) < QUOTES_PER_GAP:
            seen.add((e.document, e.page, e.text))
            quotes.append(_quote(e))
    labels = tuple(report.codebook.theme(t).label for t in themes)
    reasons = [(report.codebook.theme(t).label, inst.themes[t]) for t in themes]
    reason = "; ".join(f"{label}: {STATUS_NL[cell.status]}, {cell.reason}" for label, cell in reasons
                       if cell.status != "present" and cell.reason)
    return Gap(kind, gid, title, labels, advice, finding, tuple(quotes), reason)


def build_audit(report: Report, topic: Topic | None = None, pages: int = 0) -> Audit:
    """The audit document of a report that holds one agenda (the first institution)."""
    book = report.codebook
    if not report.institutions:
        raise ValueError("an audit needs one agenda")
    inst = report.institutions[0]
    gaps: list[Gap] = []
    covered: set[str] = set()
    points = {p.id: p for p in book.checklist}
    for item in inst.checklist:
        if not item.applies:
            continue
        point = points[item.id]
        themes = list(dict.fromkeys(rule_themes(point.applies_when)))
        covered.update(themes)
        gaps.append(_gap("checklist", item.id, item.label, themes, point.advice or point.explanation, inst, report))
    for theme in book.themes:
        if inst.themes[theme.id].status != "present" and theme.id not in covered:
            gaps.append(_gap("theme", theme.id, theme.label, [theme.id], theme.advice or theme.definition, inst,
                             report))
    in_order = []
    for theme in book.themes:
        if inst.themes[theme.id].status == "present":
            best = next(e for e in _counted(inst, theme.id) if e.polarity == "positive")
            in_order.append(InOrder(theme.id, theme.label, _quote(best)))
    audit = Audit(report, inst.institution, inst.year, list(inst.documents), gaps, in_order,
                  {t: inst.themes[t].status for t in book.theme_ids}, topic, pages,
                  reasons={t: inst.themes[t].reason for t in book.theme_ids})
    audit.method = _method(audit)
    return audit


def _method(audit: Audit) -> list[str]:
    book = audit.report.codebook
    lines = [f"Gemaakt op {audit.report.created} met kwaliteitscan {__version__}, codeboek {book.name} versie "
             f"{book.version} (kenmerk {book.sha256[:12]}).",
             f"Gelezen: {', '.join(audit.documents)}" + (f" ({audit.pages} pagina's)." if audit.pages else "."),
             f"Het programma zoekt met de trefwoorden en regels van het codeboek naar zinnen over de "
             f"{len(book.themes)} thema's en de {len(book.checklist)} verbeterpunten uit het onderzoek naar "
             "stagediscriminatie in kwaliteitsagenda's (2024).",
             "Alles hierboven zijn suggesties van een computerprogramma: geen codeur heeft de zinnen nagelezen. "
             "Een zin kan over iets anders gaan, en wat het programma niet vond kan er toch staan. Lees de "
             "genoemde pagina's na voordat u conclusies trekt."]
    if audit.topic is not None:
        lines.append(f"Passages over stages: {audit.topic.internship}; over discriminatie: "
                     f"{audit.topic.discrimination}.")
    return lines


def render_audit_json(audit: Audit) -> str:
    return json.dumps(audit.to_json(), ensure_ascii=False, indent=2) + "\n"


def render_audit_markdown(audit: Audit) -> str:
    from .labels import md_escape

    out = [f"# {md_escape(audit.title)}", ""]
    if audit.warning:
        out += [f"> **{md_escape(audit.warning)}**", ""]
    out += ["## Wat kan er beter?", ""]
    if not audit.gaps:
        out += [NO_GAPS, ""]
    for n, gap in enumerate(audit.gaps, start=1):
        out += [f"### {n}. {md_escape(gap.title)}", "", md_escape(gap.advice), ""]
        if gap.reason:  # before the finding, so "Dit staat er:" stands right above the quotes
            out += [f"Waarom: {md_escape(gap.reason)}.", ""]
        out += [f"*{gap.finding}*", ""]
        for q in gap.quotes:
            mark = f" ({q.mark})" if q.against else ""
            out.append(f"> {md_escape(q.text)}  \n> — p. {q.page}{mark}")
            out.append("")
    out += ["## Wat is in orde", ""]
    if not audit.in_order:
        out += [NOTHING_IN_ORDER, ""]
    for item in audit.in_order:
        out += [f"**{md_escape(item.label)}**", "", f"> {md_escape(item.quote.text)}  \n> — p. {item.quote.page}", ""]
    out += ["## Hoe dit rapport is gemaakt", ""] + [f"- {md_escape(line)}" for line in audit.method]
    return "\n".join(out) + "\n"


def render_audit_terminal(audit: Audit, console) -> None:
    import textwrap

    from rich.text import Text

    from ..untrusted import clean

    def say(text: str, indent: int = 3, style: str = "") -> None:
        pad = " " * indent
        width = max(40, min(console.width, 100) - 1)
        console.print(Text(textwrap.fill(clean(text), width, initial_indent=pad, subsequent_indent=pad), style=style),
                      soft_wrap=True)

    console.print(Text(clean(audit.title), style="bold"))
    if audit.warning:
        console.print()
        say(audit.warning, 0, "bold red")
    console.print(Text("\nWat kan er beter?", style="bold underline"))
    if not audit.gaps:
        say(NO_GAPS)
    for n, gap in enumerate(audit.gaps, start=1):
        console.print(Text(f"\n{n}. {clean(gap.title)}", style="bold"))
        say(gap.advice)
        if gap.reason:  # before the finding, so "Dit staat er:" stands right above the quotes
            say(f"Waarom: {gap.reason}.")
        say(gap.finding, style="italic")
        for q in gap.quotes:
            mark = f" ({q.mark})" if q.against else ""
            say(f"“{q.text}” (p. {q.page}){mark}", 5, "dim")
    console.print(Text("\nWat is in orde", style="bold underline"))
    if not audit.in_order:
        say(NOTHING_IN_ORDER)
    for item in audit.in_order:
        console.print(Text(f"\n✓ {clean(item.label)}", style="bold"))
        say(f"“{item.quote.text}” (p. {item.quote.page})", 5, "dim")
    console.print(Text("\nHoe dit rapport is gemaakt", style="bold underline"))
    for line in audit.method:
        say(f"- {line}", 1)


AUDIT_FORMATS = ("terminal", "md", "html", "json")


def write_audit(audit: Audit, fmt: str, out=None, console=None) -> str | None:
    """The audit in `fmt` to `out`; without `out` the text back (terminal: printed to `console`)."""
    from ..errors import UsageError
    from .writing import write_output

    if fmt not in AUDIT_FORMATS:
        raise UsageError(f"audit writes {', '.join(AUDIT_FORMATS)}; for a spreadsheet of candidates code the "
                         "file and use 'report' or 'export'")

    def text() -> str:
        if fmt == "html":
            from .audit_html import render_audit_html

            return render_audit_html(audit)
        return render_audit_markdown(audit) if fmt == "md" else render_audit_json(audit)

    return write_output(fmt, out, text=text, terminal=lambda console: render_audit_terminal(audit, console),
                        console=console, width=100)
