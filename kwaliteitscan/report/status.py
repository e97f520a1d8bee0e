"""Theme status and checklist rules, as documented in docs/codebook.md (pure functions).

Evidence is anything with `theme`, `codes`, `polarity` and `weak` (a Candidate, or a
reviewed decision shaped like one).
"""

from __future__ import annotations

from typing import Iterable, Protocol

from ..codebook import Codebook
from ..codebook.model import RESERVED_CODE as SUGGESTED


class Evidence(Protocol):
    theme: str
    codes: tuple[str, ...]
    polarity: str
    weak: bool


#: unreviewed suggestions make a theme present only with at least this many strong positive items
#: (and more of them than negative ones): telling an agenda it is fine on a theme it never
#: addresses is the worst thing a self-audit can do. Measured with bench_accuracy (codebook 1.9,
#: 51 gold-absent cells of the development corpus and batches 6-7): with 2, 9 absent cells were
#: suggested present (18 %); with 3, 3 (6 %), at the price of 38 more present cells shown as
#: unclear (with the reason) instead of present. Two strong items in separate paragraphs, or two
#: codes, did no better than three items.
SUGGESTED_PRESENT_MIN = 3


def theme_status(evidence: Iterable[Evidence]) -> str:
    """present: a confirmed positive item, or (unreviewed) at least SUGGESTED_PRESENT_MIN positive,
    non-weak suggestions and more of them than negative items; unclear: some positive item short of
    that; absent: nothing positive. An item without a `decision` is an unreviewed suggestion."""
    return status_and_reason(evidence)[0]


def status_and_reason(evidence: Iterable[Evidence]) -> tuple[str, str]:
    """The status (see theme_status) and why, in Dutch, for a reader without a coder at hand."""
    items = [e for e in evidence if getattr(e, "decision", "pending") != "rejected"]
    positive = [e for e in items if e.polarity == "positive"]
    negative = [e for e in items if e.polarity == "negative"]
    if any(getattr(e, "decision", "pending") == "confirmed" and not e.weak for e in positive):
        return "present", "bevestigd door een codeur"
    strong = [e for e in positive if not e.weak and getattr(e, "decision", "pending") == "pending"]
    if len(strong) >= SUGGESTED_PRESENT_MIN and len(strong) > len(negative):
        return "present", f"{_passages(len(strong))} met stevig bewijs" + (
            f", tegen {_against(len(negative))}" if negative else "")
    if not positive:
        return "absent", ("alleen passages die het ontkennen, afzwakken of afwijzen" if negative
                          else "geen passage gevonden")
    if not strong:
        return "unclear", "alleen zwak of onzeker bewijs (een intentie, verkenning of algemene maatregel)"
    if len(strong) <= len(negative):
        return "unclear", f"{_passages(len(strong))} met stevig bewijs, maar {_against(len(negative))}"
    return "unclear", (f"maar {_passages(len(strong))} met stevig bewijs; zonder codeur telt een thema pas als "
                       f"aanwezig bij ten minste {SUGGESTED_PRESENT_MIN}")


def _passages(n: int) -> str:
    return f"{n} passage" if n == 1 else f"{n} passages"


def _against(n: int) -> str:
    return "1 passage die het afzwakt of afwijst" if n == 1 else f"{n} passages die het afzwakken of afwijzen"


def statuses(codebook: Codebook, evidence: Iterable[Evidence]) -> dict[str, str]:
    by_theme = group_by_theme(codebook, evidence)
    return {theme: theme_status(items) for theme, items in by_theme.items()}


def group_by_theme(codebook: Codebook, evidence: Iterable[Evidence]) -> dict[str, list[Evidence]]:
    by_theme: dict[str, list[Evidence]] = {t: [] for t in codebook.theme_ids}
    for item in evidence:
        by_theme.setdefault(item.theme, []).append(item)
    return by_theme


def rule_holds(rule: dict, by_theme: dict[str, list[Evidence]], status_of: dict[str, str]) -> bool:
    """Evaluate one `applies_when` rule of the checklist."""
    if "all" in rule:
        return all(rule_holds(r, by_theme, status_of) for r in rule["all"])
    if "any" in rule:
        return any(rule_holds(r, by_theme, status_of) for r in rule["any"])
    if "not" in rule:
        return not rule_holds(rule["not"], by_theme, status_of)
    theme = rule["theme"]
    positive = [e for e in by_theme.get(theme, []) if e.polarity == "positive"]
    if "status" in rule:
        wanted = rule["status"] if isinstance(rule["status"], list) else [rule["status"]]
        return status_of.get(theme, "absent") in wanted
    if "lacks_code" in rule:
        return not any(rule["lacks_code"] in e.codes and not e.weak for e in positive)
    if "has_code" in rule:
        return any(rule["has_code"] in e.codes for e in positive)
    if "only_codes" in rule:
        # a model's suggestion (code `suggested`) is no evidence of a code, for or against
        allowed = set(rule["only_codes"] if isinstance(rule["only_codes"], list) else [rule["only_codes"]])
        coded = [set(e.codes) - {SUGGESTED} for e in positive]
        coded = [codes for codes in coded if codes]
        return bool(coded) and all(codes <= allowed for codes in coded)
    raise ValueError(f"unknown rule {rule!r}")


def checklist(codebook: Codebook, evidence: Iterable[Evidence]) -> dict[str, bool]:
    """Which checklist points apply, by point id."""
    by_theme = group_by_theme(codebook, evidence)
    status_of = {theme: theme_status(items) for theme, items in by_theme.items()}
    return {point.id: rule_holds(point.applies_when, by_theme, status_of) for point in codebook.checklist}
