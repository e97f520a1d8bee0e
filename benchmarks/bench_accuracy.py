"""Accuracy of the codebook against a hand-coded corpus (gold files in GOLD_FORMAT.md).

Usage (from the repo root):
    .venv/bin/python benchmarks/bench_accuracy.py [CORPUS] [--codebook FILE] [--out FILE]

CORPUS (default corpus/, the agendas the codebook was developed on; corpus-heldout/ holds
agendas it never saw) is any folder with PDFs, `manifest.csv` and `gold/<doc-id>.yaml`.
The corpus is coded into a temporary project, then compared with the gold:
- recall per theme: a gold passage is found when a candidate of its theme, in its document,
  contains it in its passage (hit sentence + continuation sentences), or its hit sentence is
  a part of the gold sentence covering at least half of it; "context recall" also counts a
  gold passage that only stands in the candidate's context (the paragraph shown with it);
- precision per theme: a candidate is right when it finds a gold passage of its theme;
- matrix: the suggested status per document x theme against the gold status;
- negatives: gold passages with polarity negative that a negative candidate of their theme finds
  (out of all negative gold passages, found or not); each one missed is listed with why: no
  candidate at all, only a candidate of another theme, or found by a positive candidate (with or
  without a negation word in the gold sentence);
- traps: gold traps that produced a candidate of their theme (fewer is better);
- checklist: suggested checklist points against the gold flags;
- pattern yield: candidates per pattern, and how many of them found gold.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from results_file import publish  # benchmarks/ is on sys.path when a script runs


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kwaliteitscan.interop import gold  # noqa: E402
from kwaliteitscan.pipeline import codebook_for_run  # noqa: E402
from kwaliteitscan.pipeline.code import code_corpus  # noqa: E402
from kwaliteitscan.extract.extractor import Cache  # noqa: E402
from kwaliteitscan.report.status import checklist, statuses  # noqa: E402
from kwaliteitscan.project.store import Project  # noqa: E402

TARGETS = {"recall": 0.95, "precision": 0.6, "matrix": 0.9, "negative": 0.9}


def finds(text: str, cand: dict) -> bool:
    """The candidate finds the gold passage `text` (rules in kwaliteitscan.gold)."""
    return gold.contains(cand["passage"], text) or gold.is_part(cand["sentence"], text)


class _Ev:
    def __init__(self, c: dict) -> None:
        self.theme, self.codes, self.polarity, self.weak = c["theme"], tuple(c["codes"]), c["polarity"], c["weak"]


def load_book(codebook_path: Path | None, suggest: Path | None = None, polarity: str | None = None):
    """The codebook with the suggester `suggest` and the polarity model `polarity` ('none': the rules
    alone; default: the one beside the codebook), as `kwaliteitscan code` uses them."""
    return codebook_for_run(codebook_path, suggest, polarity)


def candidates_by_file(corpus: Path, book) -> dict[str, list[dict]]:
    """Code the corpus into a throw-away project; its candidates by PDF file name."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite"
        code_corpus(corpus, book, db, cache=Cache())
        with Project(db) as project:
            candidates = project.candidates()
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for c in candidates:
        by_doc[c["file"]].append(c)
    return by_doc


def evaluate(corpus: Path, codebook_path: Path | None, suggest: Path | None = None,
             polarity: str | None = None) -> dict:
    book = load_book(codebook_path, suggest, polarity)
    return score(book, gold.read(corpus), candidates_by_file(corpus, book))


def score(book, golds: dict[str, dict], by_doc: dict[str, list[dict]]) -> dict:
    """The figures of `evaluate` for candidates already made (by PDF file name) against `golds`
    (gold.read's result): used by bench_polarity.py to score the same candidates before and after a model."""
    found, total, ctx_found = Counter(), Counter(), Counter()
    right, made = Counter(), Counter()
    neg_total = neg_ok = 0
    traps_hit: list[tuple[str, str, str]] = []
    cells = cells_ok = 0
    flags_ok = flags_total = 0
    mismatches: list[str] = []
    absent_cells, present_cells = [0, 0], [0, 0]  # (suggested the opposite, gold cells)
    unclear_cells = [0, 0]  # (suggested present, gold unclear cells)
    neg_missed: list[str] = []
    pos_found = [0, 0]  # (found only by negative candidates, positive gold passages found)
    misses: list[str] = []
    yield_all, yield_right = Counter(), Counter()
    for doc_id, coding in golds.items():
        cands = by_doc.get(coding["document"], [])
        passages = coding.get("passages") or []
        for c in cands:
            ok = any(p["theme"] == c["theme"] and finds(p["text"], c) for p in passages)
            made[c["theme"]] += 1
            right[c["theme"]] += ok
            for pattern in c["patterns"]:
                key = f"{c['theme']}.{pattern}"
                yield_all[key] += 1
                yield_right[key] += ok
        for p in passages:
            theme = p["theme"]
            total[theme] += 1
            hits = [c for c in cands if c["theme"] == theme and finds(p["text"], c)]
            found[theme] += bool(hits)
            ctx_found[theme] += bool(hits) or any(c["theme"] == theme and gold.contains(c["context"], p["text"])
                                                  for c in cands)
            if not hits:
                misses.append(f"{doc_id} [{theme}] {p['text'][:110]}")
            if p.get("polarity") == "negative":
                neg_total += 1
                marked = any(c["polarity"] == "negative" for c in hits)
                neg_ok += marked
                if not marked:
                    neg_missed.append(f"{doc_id} [{theme}] {_why_not_negative(p['text'], hits, cands)}: "
                                      f"{p['text'][:110]}")
            elif hits:
                pos_found[1] += 1
                pos_found[0] += all(c["polarity"] == "negative" for c in hits)
        for trap in coding.get("traps") or []:
            if any(c["theme"] == trap["theme"] and finds(trap["text"], c) for c in cands):
                traps_hit.append((doc_id, trap["theme"], trap["text"][:100]))
        evidence = [_Ev(c) for c in cands]
        suggested = statuses(book, evidence)
        for theme, status in (coding.get("themes") or {}).items():
            cells += 1
            if status == "absent":
                absent_cells[1] += 1
                absent_cells[0] += suggested.get(theme) == "present"
            elif status == "present":
                present_cells[1] += 1
                present_cells[0] += suggested.get(theme) == "absent"
            elif status == "unclear":
                unclear_cells[1] += 1
                unclear_cells[0] += suggested.get(theme) == "present"
            if suggested.get(theme) == status:
                cells_ok += 1
            else:
                mismatches.append(f"{doc_id} {theme}: gold {status}, suggested {suggested.get(theme)}")
        applies = checklist(book, evidence)
        gold_flags = set(coding.get("flags") or [])
        for point, on in applies.items():
            flags_total += 1
            flags_ok += on == (point in gold_flags)
    return dict(book=book, found=found, total=total, ctx_found=ctx_found, right=right, made=made,
                neg=(neg_ok, neg_total), traps=traps_hit, matrix=(cells_ok, cells), flags=(flags_ok, flags_total),
                mismatches=mismatches, absent_cells=tuple(absent_cells), present_cells=tuple(present_cells),
                unclear_cells=tuple(unclear_cells), neg_missed=neg_missed,
                flips=tuple(pos_found),
                misses=misses, yield_all=yield_all, yield_right=yield_right,
                n_traps=sum(len(g.get("traps") or []) for g in golds.values()), docs=len(golds),
                doc_ids=sorted(golds))


_NEGATION_WORD = re.compile(r"\b(?:niet|geen|nooit|niets|nergens|noch|geenszins)\b", re.IGNORECASE)


def _why_not_negative(text: str, hits: list[dict], cands: list[dict]) -> str:
    """Why a negative gold passage was not marked negative, for the list of misses."""
    if hits:
        return "found, positive" + (" (negation word in it)" if _NEGATION_WORD.search(text) else " (no negation word)")
    others = sorted({c["theme"] for c in cands if finds(text, c)})
    return f"only a candidate of {', '.join(others)}" if others else "no candidate"


def _pct(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def render(r: dict) -> str:
    book = r["book"]
    title = f"# Accuracy of codebook {book.name} {book.version} ({book.sha256[:12]})"
    if book.suggester is not None:
        title += f" with suggester {book.suggester.sha256[:12]} (threshold {book.suggester.threshold:.2f})"
    title += (f" with polarity model {book.polarity_model.sha256[:12]}" if book.polarity_model is not None
              else ", rules alone")
    lines = [title, "",
             f"{r['docs']} documents with gold codings: {', '.join(r['doc_ids'])}.", "",
             "| theme | gold passages | recall | context recall | candidates | precision |",
             "|---|---|---|---|---|---|"]
    for theme in book.theme_ids:
        lines.append(f"| {theme} | {r['total'][theme]} | {_pct(r['found'][theme], r['total'][theme])} | "
                     f"{_pct(r['ctx_found'][theme], r['total'][theme])} | {r['made'][theme]} | "
                     f"{_pct(r['right'][theme], r['made'][theme])} |")
    tf, tt = sum(r["found"].values()), sum(r["total"].values())
    rr, mm = sum(r["right"].values()), sum(r["made"].values())
    lines.append(f"| **all** | {tt} | {_pct(tf, tt)} | {_pct(sum(r['ctx_found'].values()), tt)} | {mm} | {_pct(rr, mm)} |")
    (mo, mt), (no, nt), (fo, ft) = r["matrix"], r["neg"], r["flags"]
    (ao, at), (po, pt) = r["absent_cells"], r["present_cells"]
    lines += ["", f"- matrix cells agreeing with gold: {mo}/{mt} = {_pct(mo, mt)}",
              f"- themes an agenda lacks (gold absent) suggested present: {ao}/{at} = {_pct(ao, at)}",
              f"- themes an agenda has (gold present) suggested absent: {po}/{pt} = {_pct(po, pt)}",
              f"- themes the gold calls unclear suggested present: {r['unclear_cells'][0]}/{r['unclear_cells'][1]} = "
              f"{_pct(*r['unclear_cells'])}",
              f"- negative passages marked negative: {no}/{nt} = {_pct(no, nt)}",
              f"- positive passages found only as negative: {r['flips'][0]}/{r['flips'][1]} = "
              f"{_pct(*r['flips'])}",
              f"- traps that produced a candidate of their theme: {len(r['traps'])}/{r['n_traps']}",
              f"- checklist points agreeing with gold flags: {fo}/{ft} = {_pct(fo, ft)}", "", "## Targets", ""]
    worst_recall = min((r["found"][t] / r["total"][t] for t in book.theme_ids if r["total"][t]), default=0)
    worst_precision = min((r["right"][t] / r["made"][t] for t in book.theme_ids if r["made"][t]), default=0)
    for label, value, target in (("recall (worst theme)", worst_recall, TARGETS["recall"]),
                                 ("precision (worst theme)", worst_precision, TARGETS["precision"]),
                                 ("matrix agreement", mo / mt if mt else 0, TARGETS["matrix"]),
                                 ("negatives marked negative", no / nt if nt else 0, TARGETS["negative"])):
        lines.append(f"- {label}: {value:.2f} (target ≥ {target}) {'PASS' if value >= target else 'FAIL'}")
    lines += ["", "## Targets before any review (issue 13)", ""]
    for label, value, target, low in (("precision of rule candidates", rr / mm if mm else 0, 0.6, False),
                                      ("gold-absent cells suggested present", ao / at if at else 0, 0.1, True),
                                      ("negative passages marked negative", no / nt if nt else 0, 0.6, False)):
        ok = value <= target if low else value >= target
        lines.append(f"- {label}: {value:.2f} (target {'≤' if low else '≥'} {target}) {'PASS' if ok else 'FAIL'}")
    lines += ["", "## Matrix cells that disagree", ""] + [f"- {m}" for m in r["mismatches"]]
    lines += ["", "## Gold passages not found", ""] + [f"- {m}" for m in r["misses"]]
    lines += ["", "## Negative gold passages not marked negative", ""] + [f"- {m}" for m in r["neg_missed"]]
    lines += ["", "## Traps that produced a candidate", ""] + [f"- {d} [{t}] {x}" for d, t, x in r["traps"]]
    lines += ["", "## Pattern yield (candidates per pattern; how many found gold)", "",
              "| theme.code: pattern | candidates | found gold |", "|---|---|---|"]
    for key, n in sorted(r["yield_all"].items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"| {key.replace('|', '¦')} | {n} | {r['yield_right'][key]} |")
    return "\n".join(lines) + "\n"


#: where each corpus's figures go unless --out says otherwise
RESULTS = {"corpus": "accuracy-dev.md", "corpus-heldout": "accuracy-held-out.md"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=ROOT / "corpus")
    parser.add_argument("--codebook", type=Path, default=None)
    parser.add_argument("--suggest", type=Path, default=None,
                        help="a suggester JSON (kwaliteitscan suggester train) that adds weak candidates")
    parser.add_argument("--out", type=Path, default=None,
                        help="default: benchmarks/results/accuracy-dev.md for corpus/, accuracy-held-out.md for "
                             "corpus-heldout/, accuracy-<folder>.md otherwise")
    parser.add_argument("--polarity-model", default=None,
                        help="a polarity model JSON; 'none' for the rules alone (default: the one beside the codebook)")
    args = parser.parse_args(argv)
    name = args.corpus.resolve().name
    out = args.out or ROOT / "benchmarks" / "results" / RESULTS.get(name, f"accuracy-{name}.md")
    return publish(render(evaluate(args.corpus, args.codebook, args.suggest, args.polarity_model)), out)


if __name__ == "__main__":
    sys.exit(main())
