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
#: addresses is the worst thing a self-audit can do, so one lone hit says 'unclear' instead
SUGGESTED_PRESENT_MIN = 2


def theme_status(evidence: Iterable[Evidence]) -> str:
    """present: a confirmed positive item, or (unreviewed) at least two positive, non-weak
    suggestions and more of them than negative items; unclear: some positive item short of that;
    absent: nothing positive. An item without a `decision` is an unreviewed suggestion."""
    items = [e for e in evidence if getattr(e, "decision", "pending") != "rejected"]
    positive = [e for e in items if e.polarity == "positive"]
    if any(getattr(e, "decision", "pending") == "confirmed" and not e.weak for e in positive):
        return "present"
    strong = [e for e in positive if not e.weak and getattr(e, "decision", "pending") == "pending"]
    negative = [e for e in items if e.polarity == "negative"]
    if len(strong) >= SUGGESTED_PRESENT_MIN and len(strong) > len(negative):
        return "present"
    return "unclear" if positive else "absent"


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
