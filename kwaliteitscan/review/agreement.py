"""Inter-coder reliability for nominal codes: percent agreement, Cohen's kappa, Krippendorff's alpha.

Pure Python; arithmetic is done in exact Fractions and converted to float at the end.

Conventions:
- A *pair* is (value_a, value_b): two coders coding the same unit. Pairs must be complete;
  None means "not coded" in this module, so a None inside a pair raises ValueError.
- A *unit* for alpha is a sequence of values, one per coder, with None for "not coded".
- Every statistic returns None when it is undefined instead of raising or returning nan.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from itertools import permutations
from typing import Hashable, Iterable, Sequence

OVERALL = "overall"
"""Key under which `by_group` reports the statistics over all rows."""

Pair = tuple[Hashable, Hashable]


def _pairs(pairs: Iterable[Pair]) -> list[Pair]:
    pairs = [tuple(p) for p in pairs]
    for p in pairs:
        if len(p) != 2 or p[0] is None or p[1] is None:
            raise ValueError(f"expected a complete (value_a, value_b) pair, got {p!r}")
    return pairs


def _percent(pairs: list[Pair]) -> Fraction | None:
    if not pairs:
        return None
    return Fraction(sum(a == b for a, b in pairs), len(pairs))


def _as_float(x: Fraction | None) -> float | None:
    return None if x is None else float(x)


def percent_agreement(pairs: Sequence[Pair]) -> float | None:
    """p_o = (number of pairs with a == b) / N; None for no pairs."""
    return _as_float(_percent(_pairs(pairs)))


def cohen_kappa(pairs: Sequence[Pair]) -> float | None:
    """Cohen's kappa for two coders: kappa = (p_o - p_e) / (1 - p_e).

    p_o = observed proportion of agreement,
    p_e = sum_c (a_c / N) * (b_c / N), with a_c, b_c how often coder A, B used category c.

    Returns None for no pairs, and when p_e == 1 (0/0). p_e == 1 happens exactly when both
    coders used one and the same single category for every unit: agreement is then perfect
    but carries no information beyond chance, so kappa is reported as undefined (None), not 1.
    """
    pairs = _pairs(pairs)
    p_o = _percent(pairs)
    if p_o is None:
        return None
    n = len(pairs)
    a_counts = Counter(a for a, _ in pairs)
    b_counts = Counter(b for _, b in pairs)
    p_e = sum(Fraction(a_counts[c] * b_counts[c], n * n) for c in a_counts)
    if p_e == 1:
        return None
    return float((p_o - p_e) / (1 - p_e))


def coincidences(units: Iterable[Sequence[Hashable | None]]) -> Counter:
    """Krippendorff's coincidence matrix o_ck (as a Counter keyed by (c, k)), as exact Fractions.

    o_ck = sum_u (number of ordered pairs (c, k) of values from different coders in unit u)
           / (m_u - 1),
    where m_u is the number of values (non-None) in unit u. Units with m_u < 2 are not
    pairable and are skipped. Every pairable value contributes exactly 1 to its row, so
    n_c = sum_k o_ck is how often c was used in pairable units, and n = sum_c n_c.
    """
    o: Counter = Counter()
    for unit in units:
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue
        weight = Fraction(1, m - 1)
        for c, k in permutations(values, 2):
            o[c, k] += weight
    return o


def krippendorff_alpha(units: Sequence[Sequence[Hashable | None]]) -> float | None:
    """Krippendorff's alpha for nominal data, any number of coders, None = not coded.

    From the coincidence matrix o_ck (see `coincidences`), n_c = sum_k o_ck, n = sum_c n_c:

        D_o = (1 / n) * sum_{c != k} o_ck                       observed disagreement
        D_e = (1 / (n (n - 1))) * sum_{c != k} n_c * n_k        expected disagreement
        alpha = 1 - D_o / D_e

    Only units with at least 2 values count. Returns None when alpha is undefined: fewer
    than 2 pairable values in total, or D_e == 0 (all pairable values in one category).
    """
    o = coincidences(units)
    n_c: Counter = Counter()
    for (c, _), w in o.items():
        n_c[c] += w
    n = sum(n_c.values())
    if n < 2:
        return None
    d_o = sum(w for (c, k), w in o.items() if c != k) / n
    d_e = (n * n - sum(x * x for x in n_c.values())) / (n * (n - 1))  # sum_{c!=k} n_c n_k
    if d_e == 0:
        return None
    return float(1 - d_o / d_e)


@dataclass(frozen=True)
class Agreement:
    """Two-coder agreement over n pairs; each statistic is None when undefined."""

    n: int
    percent: float | None
    kappa: float | None
    alpha: float | None


def agreement(pairs: Iterable[Pair]) -> Agreement:
    """Percent agreement, Cohen's kappa and Krippendorff's alpha (pairs as 2-coder units)."""
    pairs = _pairs(pairs)
    return Agreement(
        n=len(pairs),
        percent=percent_agreement(pairs),
        kappa=cohen_kappa(pairs),
        alpha=krippendorff_alpha(pairs),
    )


def by_group(rows: Iterable[tuple[str, Hashable, Hashable]]) -> dict[str, Agreement]:
    """Agreement per group for rows (group, value_a, value_b), plus key "overall" over all rows.

    Groups appear in order of first occurrence, "overall" last (always present, with n=0 for
    no rows). A group literally named "overall" would be ambiguous and raises ValueError.
    """
    groups: dict[str, list[Pair]] = {}
    everything: list[Pair] = []
    for group, a, b in rows:
        if group == OVERALL:
            raise ValueError(f"group name {OVERALL!r} is reserved for the statistics over all rows")
        groups.setdefault(group, []).append((a, b))
        everything.append((a, b))
    result = {group: agreement(pairs) for group, pairs in groups.items()}
    result[OVERALL] = agreement(everything)
    return result


# --------------------------------------------------------------------------- units of a coded corpus


@dataclass(frozen=True)
class Disagreement:
    level: str  # "unit" or "candidate"
    institution: str
    year: int | None
    theme: str
    values: tuple[Hashable, Hashable]
    candidate_id: str = ""
    page: int | None = None
    text: str = ""


def decision_value(row: dict, candidate: dict) -> str:
    """A candidate-level category: the decision, with a move or polarity flip made explicit."""
    if row["decision"] != "confirmed":
        return row["decision"]
    if row["theme"] and row["theme"] != candidate["theme"]:
        return f"moved:{row['theme']}"
    if row["polarity"] and row["polarity"] != candidate["polarity"]:
        return f"confirmed:{row['polarity']}"
    return "confirmed"


def unit_status(decided: list[tuple[dict, dict]], theme: str) -> str:
    """present / unclear / absent for one institution x theme from one coder's decisions.

    Evidence is a confirmed candidate (under the theme the coder gave it) with positive
    polarity: present. Only 'uncertain' positive ones: unclear. Else absent."""
    confirmed = [(c, r) for c, r in decided if r["decision"] == "confirmed" and (r["theme"] or c["theme"]) == theme
                 and (r["polarity"] or c["polarity"]) == "positive"]
    if confirmed:
        return "present"
    uncertain = [(c, r) for c, r in decided if r["decision"] == "uncertain" and c["theme"] == theme
                 and (r["polarity"] or c["polarity"]) == "positive"]
    return "unclear" if uncertain else "absent"


def corpus_agreement(candidates: list[dict], a: dict[str, dict], b: dict[str, dict], themes: Sequence[str]):
    """Agreement of two coders' decisions (candidate id -> decision row) on a coded corpus.

    Returns (units, candidates, disagreements): `by_group` results per theme for the unit the
    report uses (institution x theme status; a unit counts when both coders decided every
    candidate of that theme there) and for single candidates both decided."""
    unit_rows, cand_rows, disagreements = [], [], []
    by_unit: dict[tuple, list[dict]] = {}
    for cand in candidates:
        by_unit.setdefault((cand["institution"], cand["year"]), []).append(cand)
        if cand["id"] in a and cand["id"] in b:
            va, vb = decision_value(a[cand["id"]], cand), decision_value(b[cand["id"]], cand)
            cand_rows.append((cand["theme"], va, vb))
            if va != vb:
                disagreements.append(Disagreement("candidate", cand["institution"], cand["year"], cand["theme"],
                                                  (va, vb), cand["id"], cand["page"], cand["passage"]))
    for (institution, year), cands in by_unit.items():
        for theme in themes:
            own = [c for c in cands if c["theme"] == theme]
            if not own or not all(c["id"] in a and c["id"] in b for c in own):
                continue
            sa = unit_status([(c, a[c["id"]]) for c in cands if c["id"] in a], theme)
            sb = unit_status([(c, b[c["id"]]) for c in cands if c["id"] in b], theme)
            unit_rows.append((theme, sa, sb))
            if sa != sb:
                disagreements.append(Disagreement("unit", institution, year, theme, (sa, sb)))
    return by_group(unit_rows), by_group(cand_rows), disagreements


# --------------------------------------------------------------------------- a project's agreement, in every format

AGREEMENT_FORMATS = ("terminal", "md", "csv", "json")


def shorten(text: str, width: int = 90) -> str:
    """`text` on one line, cut at a word boundary with an ellipsis when longer than `width`."""
    text = " ".join((text or "").split())
    if len(text) <= width:
        return text
    cut = text[:width].rsplit(" ", 1)[0] or text[:width]
    return cut.rstrip(",;:") + " …"


def project_agreement(project, book, first: str, second: str) -> dict:
    """Agreement of two coders on a project, JSON-ready: per theme at the report's unit and per
    candidate (passages decided in the review queue count like candidates, once per theme), and
    every disagreement with its candidate id, so a lead coder can find it."""
    from ..errors import UsageError

    if first == second:
        raise UsageError(f"--coders names {first} twice; give two different coders")
    coders = project.coders()
    for name in (first, second):
        if name not in coders:
            raise UsageError(f"{project.path}: coder {name!r} has made no decisions (coders: "
                             f"{', '.join(coders) or 'none yet'})")
    a, b = project.latest_decisions(first), project.latest_decisions(second)
    units, cands, disagreements = corpus_agreement(
        project.candidates() + project.passage_candidates({**a, **b}), a, b, book.theme_ids)
    labels = {t.id: t.label for t in book.themes}

    def table(stats):
        return [{"theme": theme, "label": labels.get(theme, "alle thema's"), "n": st.n if st else 0,
                 "percent": st.percent if st else None, "kappa": st.kappa if st else None,
                 "alpha": st.alpha if st else None}
                for theme in [*book.theme_ids, OVERALL] for st in [stats.get(theme)]]

    return {"coders": [first, second], "units": table(units), "candidates": table(cands),
            "disagreements": [{"level": d.level, "institution": d.institution, "year": d.year, "theme": d.theme,
                               "label": labels.get(d.theme, d.theme), first: str(d.values[0]),
                               second: str(d.values[1]), "candidate_id": d.candidate_id, "page": d.page,
                               "text": " ".join(d.text.split())} for d in disagreements]}


def _fmt(x) -> str:
    return "–" if x is None else f"{x:.2f}"


def agreement_markdown(result: dict) -> str:
    first, second = result["coders"]
    out = [f"# Overeenstemming {first} en {second}", ""]
    for title, key in (("Per instelling en thema (de eenheid van het rapport)", "units"), ("Per kandidaat", "candidates")):
        out += [f"## {title}", "", "| thema | beide gecodeerd | overeenstemming | Cohen's kappa | Krippendorff's alpha |",
                "|---|---|---|---|---|"]
        out += [f"| {r['label']} | {r['n']} | {_fmt(r['percent'])} | {_fmt(r['kappa'])} | {_fmt(r['alpha'])} |"
                for r in result[key]]
        out.append("")
    out += [f"## Verschillen ({len(result['disagreements'])})", ""]
    for d in result["disagreements"]:
        where = f"{d['institution']} {d['year'] or ''}".strip()
        page = f", p. {d['page']}" if d["page"] else ""
        ident = f" `{d['candidate_id']}`" if d["candidate_id"] else ""
        quote = f": {shorten(d['text'])}" if d["text"] else ""
        out.append(f"- {where}, {d['label']}{page}{ident}: {first} {d[first]}, {second} {d[second]}{quote}")
    return "\n".join(out) + "\n"


def agreement_csv(result: dict) -> str:
    import csv
    import io

    from ..untrusted import safe_cell

    first, second = result["coders"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["level", "institution", "year", "theme", "label", "candidate_id", "page", first, second, "text"])
    for d in result["disagreements"]:
        writer.writerow([safe_cell(v) for v in (d["level"], d["institution"], d["year"], d["theme"], d["label"],
                                                 d["candidate_id"], d["page"], d[first], d[second], d["text"])])
    return buffer.getvalue()
