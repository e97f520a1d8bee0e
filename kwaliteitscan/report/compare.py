"""Comparing years: per institution present in both years, what improved or regressed.

Theme statuses are ordered absent < unclear < present; a checklist point that stops
applying is an improvement. Evidence of both years is kept side by side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .model import STATUS_NL, Report
from .labels import md_escape

ORDER = {"absent": 0, "unclear": 1, "present": 2}
CHANGE_NL = {"improved": "verbeterd", "regressed": "verslechterd", "unchanged": "gelijk"}


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


@dataclass
class InstitutionComparison:
    institution: str
    years: tuple[int, int]
    changes: list[Change]


def _change(before: int, after: int) -> str:
    return "improved" if after > before else "regressed" if after < before else "unchanged"


def compare(report: Report, first: int, second: int) -> tuple[list[InstitutionComparison], dict[str, tuple[int, int]]]:
    """Comparisons per institution with an agenda in both years, and per theme (present then, present now)."""
    by_key = {(i.institution, i.year): i for i in report.institutions}
    names = sorted({i.institution for i in report.institutions
                    if (i.institution, first) in by_key and (i.institution, second) in by_key})
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
            changes.append(Change("checklist", pa.id, pa.label, "geldt" if pa.applies else "geldt niet",
                                  "geldt" if pb.applies else "geldt niet",
                                  _change(int(pb.applies), int(pa.applies)), pa.evidence, pb.evidence))
        out.append(InstitutionComparison(name, (first, second), changes))
    return out, shift


def render_compare_markdown(report: Report, first: int, second: int) -> str:
    comparisons, shift = compare(report, first, second)
    n = len(comparisons)
    lines = [f"# Vergelijking {first} en {second}", "",
             f"{n} instelling(en) met een agenda in beide jaren.", "", "## Verschuiving per thema", "",
             f"| thema | aanwezig {first} | aanwezig {second} |", "|---|---|---|"]
    for theme in report.codebook.themes:
        was, now = shift[theme.id]
        lines.append(f"| {md_escape(theme.label)} | {was} van {n} | {now} van {n} |")
    for comp in comparisons:
        lines += ["", f"## {md_escape(comp.institution)}", "", f"| onderdeel | {first} | {second} | verandering |",
                  "|---|---|---|---|"]
        for ch in comp.changes:
            before = STATUS_NL.get(ch.before, ch.before)
            after = STATUS_NL.get(ch.after, ch.after)
            lines.append(f"| {md_escape(ch.label)} | {before} | {after} | {CHANGE_NL[ch.change]} |")
        lines += ["", "### Bewijs naast elkaar", ""]
        for ch in comp.changes:
            if ch.kind != "theme" or not (ch.evidence_before or ch.evidence_after):
                continue
            lines.append(f"**{md_escape(ch.label)}** ({CHANGE_NL[ch.change]})")
            lines.append("")
            lines += [f"| {first} | {second} |", "|---|---|"]
            for i in range(max(len(ch.evidence_before), len(ch.evidence_after))):
                left = _quote(ch.evidence_before, i)
                right = _quote(ch.evidence_after, i)
                lines.append(f"| {left} | {right} |")
            lines.append("")
    return "\n".join(lines) + "\n"


def _quote(evidence: list, i: int) -> str:
    if i >= len(evidence):
        return ""
    e = evidence[i]
    return f"p. {e.page}: {md_escape(e.text[:300])}"


def compare_json(report: Report, first: int, second: int) -> str:
    comparisons, shift = compare(report, first, second)
    data = {
        "years": [first, second],
        "themes": {tid: {"present_before": a, "present_after": b} for tid, (a, b) in shift.items()},
        "institutions": [{
            "institution": c.institution,
            "changes": [{"kind": ch.kind, "id": ch.id, "before": ch.before, "after": ch.after, "change": ch.change,
                         "evidence_before": [e.to_json() for e in ch.evidence_before],
                         "evidence_after": [e.to_json() for e in ch.evidence_after]} for ch in c.changes],
        } for c in comparisons],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
