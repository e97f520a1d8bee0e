"""Which decisions count: one coder's, the latest of anyone's, or the final ones.

"Final" has one meaning in every command (`report`, `export`, `compare`): the lead coder's
resolution (`review --resolve`) where there is one, else the decision every coder who
decided the candidate agreed on (decision, theme and polarity alike).
"""

from __future__ import annotations


def agreed_decisions(project) -> dict[str, dict]:
    """Candidate id -> decision row, for the candidates every coder decided alike."""
    per = [project.latest_decisions(c) for c in project.coders()]
    out: dict[str, dict] = {}
    if not per:
        return out
    for cid in set.intersection(*(set(p) for p in per)):
        rows = [p[cid] for p in per]
        keys = {(r["decision"], r["theme"], r["polarity"]) for r in rows}
        if len(keys) == 1:
            out[cid] = rows[-1]
    return out


def final_decisions(project) -> dict[str, dict]:
    """Candidate id -> the final decision: resolved by the lead coder, else agreed by all coders."""
    return {**agreed_decisions(project), **project.latest_decisions(None, role="final")}
