"""The report as plain data: institution x theme matrix, checklist, corpus summary (pure).

Which decisions count (`decisions_for`):
- `coder=NAME`: that coder's current decisions;
- `final=True`: the lead coder's final decisions (review --resolve); where none exists,
  the decision the coders agree on, if they all decided and agree;
- default: the final decision where there is one, else the most recent decision of any coder.

Status rules per institution x theme (documented in docs/reports.md):
- a candidate counts as evidence unless it was rejected; a confirmed candidate counts
  under the theme and polarity the coder gave it (a moved candidate moves its evidence);
- **present**: evidence with positive polarity that is neither weak nor marked uncertain (a
  coder's 'confirmed' overrides the codebook's 'weak'; 'uncertain' makes evidence weak);
- **unclear**: positive evidence, but all of it weak or uncertain;
- **absent**: no positive evidence (no candidates, all rejected, or only negative ones);
- **reviewed**: every candidate of the theme has a decision (and there is at least one);
  before that the status rests (partly) on unreviewed suggestions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import os
from datetime import date, datetime, timezone

from ..codebook import Codebook
from .status import rule_holds, status_and_reason

#: version of the JSON report's shape: 2 added "contract", "summary" and each institution's "search";
#: 3 added each institution's "figures"
JSON_CONTRACT = 3
STATUS_NL = {"present": "aanwezig", "absent": "afwezig", "unclear": "onduidelijk"}
STATE_NL = {"no_candidates": "geen kandidaten", "all_rejected": "alles verworpen", "not_reviewed": "nog niet beoordeeld",
            "partly_reviewed": "deels beoordeeld", "reviewed": "beoordeeld"}


@dataclass(frozen=True)
class Evidence:
    candidate_id: str
    document: str
    page: int
    text: str
    context: str
    theme: str
    codes: tuple[str, ...]
    polarity: str
    qualifiers: tuple[str, ...]
    decision: str  # pending | confirmed | rejected | uncertain
    weak: bool
    coder: str = ""
    note: str = ""

    def to_json(self) -> dict:
        return {"candidate_id": self.candidate_id, "document": self.document, "page": self.page, "text": self.text,
                "polarity": self.polarity, "qualifiers": list(self.qualifiers), "decision": self.decision}


@dataclass
class ThemeCell:
    theme: str
    status: str
    reviewed: bool
    state: str
    evidence: list[Evidence]
    #: why the status, in Dutch (status.status_and_reason)
    reason: str = ""


@dataclass
class ChecklistItem:
    id: str
    label: str
    explanation: str
    applies: bool
    reason: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class InstitutionReport:
    institution: str
    year: int | None
    documents: list[str]
    themes: dict[str, ThemeCell]
    checklist: list[ChecklistItem]
    #: how far the review queue of this agenda was worked (Dutch; None when nobody reviewed along the queue)
    search: str | None = None

    def figures(self) -> dict[str, int]:
        """The figures an agenda is ranked by (docs/reports.md): themes present, themes whose every
        candidate has a decision, and checklist points that apply."""
        return {"themes_present": sum(1 for c in self.themes.values() if c.status == "present"),
                "themes_reviewed": sum(1 for c in self.themes.values() if c.reviewed),
                "checklist_applies": sum(1 for c in self.checklist if c.applies)}


#: the figures in Dutch, as column heads
FIGURES_NL = {"themes_present": "thema's aanwezig", "themes_reviewed": "thema's beoordeeld",
              "checklist_applies": "verbeterpunten"}


@dataclass
class Report:
    codebook: Codebook
    pipeline: str
    basis: str  # which decisions the report rests on, in Dutch
    institutions: list[InstitutionReport]
    created: str = field(default_factory=lambda: report_date())

    def summary(self) -> list[str]:
        """Sentences of the kind the 2024 study wrote by hand, in Dutch. Agendas (an institution in a
        year) and institutions are counted apart, and with several years each year on its own."""
        units = self.institutions
        names = {i.institution for i in units}
        years = sorted({i.year for i in units}, key=lambda y: (y is None, y or 0))
        per_year = "; ".join(f"{y or 'jaar onbekend'}: {_agendas(sum(1 for i in units if i.year == y))}" for y in years)
        lines = [f"{_agendas(len(units))} van {_institutions(len(names))}" + (f" ({per_year})" if len(years) > 1 else "")
                 + "."]
        groups = [(None, units)] if len(years) <= 1 else [(y, [i for i in units if i.year == y]) for y in years]
        for year, group in groups:
            n = len(group)
            prefix = f"{year or 'jaar onbekend'}: " if len(groups) > 1 else ""
            for theme in self.codebook.themes:
                k = sum(1 for i in group if i.themes[theme.id].status == "present")
                unclear = sum(1 for i in group if i.themes[theme.id].status == "unclear")
                extra = f" (bij {unclear} onduidelijk)" if unclear else ""
                lines.append(f"{prefix}{k} van de {_agendas(n)}: {theme.label.lower()} aanwezig{extra}.")
            for point in self.codebook.checklist:
                k = sum(1 for i in group for c in i.checklist if c.id == point.id and c.applies)
                lines.append(f"{prefix}Verbeterpunt '{point.label}' geldt voor {k} van de {_agendas(n)}.")
        return lines

    def counts(self) -> dict:
        """What the summary counts: agendas, institutions, agendas per year (for the JSON contract)."""
        per_year: dict[str, int] = {}
        for i in self.institutions:
            key = str(i.year) if i.year is not None else "onbekend"
            per_year[key] = per_year.get(key, 0) + 1
        return {"agendas": len(self.institutions), "institutions": len({i.institution for i in self.institutions}),
                "agendas_per_year": dict(sorted(per_year.items()))}

    def to_json(self) -> dict:
        """The stable JSON contract of `kwaliteitscan report --format json`."""
        book = self.codebook
        return {
            "contract": JSON_CONTRACT,
            "codebook": {"name": book.name, "version": book.version, "sha256": book.sha256},
            "pipeline": self.pipeline,
            "summary": {**self.counts(), "lines": self.summary()},
            "institutions": [{
                "institution": inst.institution, "year": inst.year, "documents": list(inst.documents),
                "themes": {tid: {"status": cell.status, "reviewed": cell.reviewed,
                                 "evidence": [e.to_json() for e in cell.evidence]}
                           for tid, cell in inst.themes.items()},
                "checklist": [{"id": c.id, "applies": c.applies, "reason": c.reason} for c in inst.checklist],
                "search": inst.search,
                "figures": inst.figures(),
            } for inst in self.institutions],
        }


def report_date() -> str:
    """Today, or the date of SOURCE_DATE_EPOCH when set (reproducible reports)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date().isoformat()
    return date.today().isoformat()


def _agendas(n: int) -> str:
    return f"{n} agenda" if n == 1 else f"{n} agenda's"


def _institutions(n: int) -> str:
    return f"{n} instelling" if n == 1 else f"{n} instellingen"


def decisions_for(project, coder: str | None = None, final: bool = False) -> tuple[dict[str, dict], str]:
    """Candidate id -> decision row that the report uses, and a label for that basis."""
    from ..errors import UsageError
    from ..project.decisions import final_decisions

    if coder and final:
        raise UsageError("choose --coder NAME or --final, not both")
    if coder:
        return project.latest_decisions(coder), f"beslissingen van codeur {coder}"
    if final:
        return final_decisions(project), "definitieve beslissingen (beslecht of eensgezind)"
    finals = project.latest_decisions(None, role="final")
    latest = project.latest_decisions(None)
    basis = "laatste beslissing per kandidaat" if latest or finals else "alleen suggesties, nog niets beoordeeld"
    return {**latest, **finals}, basis


def evidence_for(cand: dict, row: dict | None) -> Evidence:
    """A candidate as report evidence under the decision `row` (None: not decided yet)."""
    decision = row["decision"] if row else "pending"
    theme = (row.get("theme") if row and decision == "confirmed" else None) or cand["theme"]
    polarity = (row.get("polarity") if row and decision in ("confirmed", "uncertain") else None) or cand["polarity"]
    return Evidence(cand["id"], cand["file"], cand["page"], cand["passage"], cand["context"], theme,
                    tuple(cand["codes"]), polarity, tuple(cand["qualifiers"]), decision,
                    decision == "uncertain" or (decision == "pending" and cand["weak"]), row["coder"] if row else "",
                    row["note"] if row else "")


def cell_for(theme: str, evidence: list[Evidence]) -> ThemeCell:
    counted = [e for e in evidence if e.decision != "rejected"]
    status, reason = status_and_reason(counted)
    if not evidence:
        state = "no_candidates"
    elif all(e.decision == "rejected" for e in evidence):
        state = "all_rejected"
    elif all(e.decision == "pending" for e in evidence):
        state = "not_reviewed"
    elif any(e.decision == "pending" for e in evidence):
        state = "partly_reviewed"
    else:
        state = "reviewed"
    reviewed = bool(evidence) and all(e.decision != "pending" for e in evidence)
    return ThemeCell(theme, status, reviewed, state, evidence, reason)


def build_report(codebook: Codebook, pipeline: str, candidates: list[dict], documents: list[dict],
                 decisions: dict[str, dict], basis: str) -> Report:
    """The report model from the project's candidates, documents and the chosen decisions."""
    groups: dict[tuple[str, int | None], list[str]] = {}
    for doc in documents:
        groups.setdefault((doc["institution"], doc["year"]), []).append(doc["file"])
    by_unit: dict[tuple, list[Evidence]] = {key: [] for key in groups}
    for cand in candidates:
        by_unit.setdefault((cand["institution"], cand["year"]), []).append(evidence_for(cand, decisions.get(cand["id"])))
    institutions = []
    for key in sorted(by_unit, key=lambda k: (k[0], k[1] or 0)):
        evidence = by_unit[key]
        cells = {t: cell_for(t, [e for e in evidence if e.theme == t]) for t in codebook.theme_ids}
        institutions.append(InstitutionReport(key[0], key[1], sorted(groups.get(key, [])), cells,
                                              checklist_for(codebook, cells)))
    return Report(codebook, pipeline, basis, institutions)


def checklist_for(codebook: Codebook, cells: dict[str, ThemeCell]) -> list[ChecklistItem]:
    by_theme = {t: [e for e in cell.evidence if e.decision != "rejected"] for t, cell in cells.items()}
    status_of = {t: cell.status for t, cell in cells.items()}
    items = []
    for point in codebook.checklist:
        applies = rule_holds(point.applies_when, by_theme, status_of)
        themes = rule_themes(point.applies_when)
        reason = _reason(codebook, point.applies_when, cells, applies)
        shown = [e for t in themes for e in by_theme.get(t, []) if e.polarity == "positive"][:5]
        items.append(ChecklistItem(point.id, point.label, point.explanation, applies, reason, shown))
    return items


def rule_themes(rule: dict) -> list[str]:
    if "all" in rule or "any" in rule:
        return [t for r in rule.get("all", rule.get("any", [])) for t in rule_themes(r)]
    if "not" in rule:
        return rule_themes(rule["not"])
    return [rule["theme"]]


def _reason(codebook: Codebook, rule: dict, cells: dict[str, ThemeCell], applies: bool) -> str:
    """A Dutch sentence saying what the point rests on."""
    parts = []
    for theme_id in dict.fromkeys(rule_themes(rule)):
        cell = cells[theme_id]
        label = codebook.theme(theme_id).label
        pages = sorted({(e.document, e.page) for e in cell.evidence if e.decision != "rejected"
                        and e.polarity == "positive"})
        where = "; ".join(f"{doc} p. {page}" for doc, page in pages[:4])
        codes = _rule_codes(rule)
        code_text = ""
        if codes:
            names = ", ".join(codebook.code(theme_id, c).label for c in codes if _has_code(codebook, theme_id, c))
            code_text = f"; gevraagd: {names}"
        parts.append(f"'{label}': {STATUS_NL[cell.status]} ({STATE_NL[cell.state]}{code_text})"
                     + (f", bewijs op {where}" if where else ", geen positief bewijs gevonden"))
    verdict = "Geldt" if applies else "Geldt niet"
    return f"{verdict}: " + "; ".join(parts) + "."


def _rule_codes(rule: dict) -> list[str]:
    out = []
    for key in ("lacks_code", "has_code", "only_codes"):
        if key in rule:
            out += rule[key] if isinstance(rule[key], list) else [rule[key]]
    for sub in rule.get("all", []) + rule.get("any", []) + ([rule["not"]] if "not" in rule else []):
        out += _rule_codes(sub)
    return out


def _has_code(codebook: Codebook, theme: str, code: str) -> bool:
    try:
        codebook.code(theme, code)
        return True
    except KeyError:
        return False


def report_from_project(project, codebook: Codebook, coder: str | None = None, final: bool = False) -> Report:
    decisions, basis = decisions_for(project, coder, final)
    from ..project.store import run_label

    label = run_label(project.meta("pipeline", "") or "", project.meta("suggester", "") or None)
    decided = {cid: row for cid, row in decisions.items() if row["decision"] != "rejected"}
    return build_report(codebook, label, project.candidates() + project.passage_candidates(decided),
                        project.documents(), decisions, basis)
