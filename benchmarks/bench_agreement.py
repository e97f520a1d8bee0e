"""How far two coders agree on the same agendas, and how the tool scores against each of them.

Usage (from the repo root):
    .venv/bin/python benchmarks/bench_agreement.py REFERENCE SECOND [--codebook FILE] [--suggest FILE] [--out FILE]

REFERENCE is a corpus folder (PDFs, manifest.csv, gold/<doc-id>.yaml: the first coding);
SECOND is a folder whose gold/<doc-id>.yaml codes some of the same documents again, made
without seeing the first. Only documents coded in both are compared.

Between the coders, per theme:
- passages: the second coder's passages that the first also coded (same theme, one text a
  part of the other covering at least half of it) and the other way round; "specific
  agreement" is (first's found by the second + second's found by the first) / (first +
  second), which is 2 x both / (first + second) when passages pair one to one;
- polarity: of the passages both coded, how many both marked negative or both positive;
- the theme matrix and the checklist flags: percent agreement and Cohen's kappa.
The tool is then scored against each coder, against the passages both coded (consensus)
and against those only one coded, so its recall can be read next to the coders' own.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from bench_accuracy import _Ev, _pct, candidates_by_file, finds, load_book
from results_file import publish

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kwaliteitscan.interop import gold  # noqa: E402
from kwaliteitscan.review.agreement import cohen_kappa  # noqa: E402
from kwaliteitscan.report.status import checklist, statuses  # noqa: E402


def same(a: str, b: str) -> bool:
    """Two coders' passages are the same when one is a part of the other covering at least half of it."""
    return gold.is_part(a, b) or gold.is_part(b, a)


def _coded(passages: list[dict], text: str, theme: str | None = None) -> dict | None:
    return next((p for p in passages if (theme is None or p["theme"] == theme) and same(p["text"], text)), None)


def compare(reference: Path, second: Path, book) -> dict:
    first_gold, second_gold = gold.read(reference), gold.read(second)
    docs = sorted(set(first_gold) & set(second_gold))
    if not docs:
        raise SystemExit(f"{second}/gold: no document coded in both folders; nothing to compare")
    only_first = set(first_gold) - set(second_gold)
    if only_first:
        print(f"left out: {len(only_first)} document(s) coded only in {reference}", file=sys.stderr)
    for doc_id in sorted(set(second_gold) - set(first_gold)):
        print(f"left out: {second}/gold/{doc_id}.yaml has no first coding in {reference}", file=sys.stderr)
    by_file = candidates_by_file(reference, book)
    n = Counter()  # counters keyed by (measure, theme)
    cells, flag_pairs = [], []
    tool_cells = Counter()
    for doc_id in docs:
        a, b = first_gold[doc_id], second_gold[doc_id]
        pa, pb = a.get("passages") or [], b.get("passages") or []
        cands = by_file.get(a["document"], [])
        for p in pa:
            t = p["theme"]
            n["a", t] += 1
            other = _coded(pb, p["text"], t)
            found = any(c["theme"] == t and finds(p["text"], c) for c in cands)
            n["tool_a", t] += found
            if other is not None:
                n["a_in_b", t] += 1
                n["tool_both", t] += found
                n["pol_both", t] += 1
                n["pol_same", t] += (p.get("polarity") == "negative") == (other.get("polarity") == "negative")
                if p.get("polarity") == "negative" and other.get("polarity") == "negative":
                    n["neg_both", t] += 1
                    n["tool_neg_both", t] += any(c["theme"] == t and finds(p["text"], c)
                                                 and c["polarity"] == "negative" for c in cands)
            else:
                n["only_a", t] += 1
                n["tool_only_a", t] += found
            if p.get("polarity") == "negative":
                n["neg_a", t] += 1
                n["neg_a_in_b", t] += other is not None and other.get("polarity") == "negative"
        for p in pb:
            t = p["theme"]
            n["b", t] += 1
            found = any(c["theme"] == t and finds(p["text"], c) for c in cands)
            n["tool_b", t] += found
            if _coded(pa, p["text"], t) is not None:
                n["b_in_a", t] += 1
            else:
                n["only_b", t] += 1
                n["tool_only_b", t] += found
        # sentences coded for any theme at all
        n["any_a", None] += len({gold.norm(p["text"]) for p in pa})
        n["any_b", None] += len({gold.norm(p["text"]) for p in pb})
        n["any_a_in_b", None] += len({gold.norm(p["text"]) for p in pa if _coded(pb, p["text"])})
        for c in cands:
            t = c["theme"]
            n["cands", t] += 1
            in_a = any(p["theme"] == t and finds(p["text"], c) for p in pa)
            in_b = any(p["theme"] == t and finds(p["text"], c) for p in pb)
            n["right_a", t] += in_a
            n["right_b", t] += in_b
            n["right_either", t] += in_a or in_b
        suggested = statuses(book, [_Ev(c) for c in cands])
        for theme in book.theme_ids:
            sa, sb = (a.get("themes") or {}).get(theme), (b.get("themes") or {}).get(theme)
            if sa is None or sb is None:  # a coding without this theme's status: no cell to compare
                print(f"left out: {doc_id} {theme} has no status in one coding", file=sys.stderr)
                continue
            cells.append((sa, sb))
            tool_cells["a"] += suggested.get(theme) == sa
            tool_cells["b"] += suggested.get(theme) == sb
            tool_cells["both_agree"] += sa == sb
            tool_cells["tool_on_agreed"] += sa == sb and suggested.get(theme) == sa
        applies = checklist(book, [_Ev(c) for c in cands])
        fa, fb = set(a.get("flags") or []), set(b.get("flags") or [])
        for point in applies:
            flag_pairs.append((point in fa, point in fb))
    return dict(book=book, docs=docs, n=n, cells=cells, flags=flag_pairs, tool_cells=tool_cells)


def _sum(n: Counter, key: str) -> int:
    return sum(v for (k, _t), v in n.items() if k == key)


def render(r: dict, reference: Path, second: Path) -> str:
    n, book = r["n"], r["book"]
    cells = r["cells"]
    agree = sum(a == b for a, b in cells)
    flags_agree = sum(a == b for a, b in r["flags"])
    kappa = cohen_kappa(cells)
    flags_kappa = cohen_kappa(r["flags"])
    lines = [
        f"# Agreement of two codings: {reference.name} (first) and {second.name} (second)",
        "",
        f"{len(r['docs'])} documents coded by both: {', '.join(r['docs'])}. Tool: codebook {book.name} "
        f"{book.version} ({book.sha256[:12]}).",
        "",
        "## Between the coders",
        "",
        "| theme | first | second | first's in second | second's in first | specific agreement | same polarity |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in [*book.theme_ids, None]:
        g = (lambda k: n[k, t]) if t else (lambda k: _sum(n, k))
        a, b = g("a"), g("b")
        lines.append(
            f"| {t or '**all**'} | {a} | {b} | {_pct(g('a_in_b'), a)} | {_pct(g('b_in_a'), b)} | "
            f"{_pct(g('a_in_b') + g('b_in_a'), a + b)} | {_pct(g('pol_same'), g('pol_both'))} |")
    lines += [
        "",
        f"- Sentences coded for any theme: first {n['any_a', None]}, second {n['any_b', None]}; "
        f"{_pct(n['any_a_in_b', None], n['any_a', None])} of the first's also coded by the second (any theme).",
        f"- The first coder's negative passages that the second also coded negative: "
        f"{_sum(n, 'neg_a_in_b')}/{_sum(n, 'neg_a')} = {_pct(_sum(n, 'neg_a_in_b'), _sum(n, 'neg_a'))}.",
        f"- Theme matrix: {agree}/{len(cells)} = {_pct(agree, len(cells))} cells agree, Cohen's kappa "
        f"{kappa:.2f}." if kappa is not None else f"- Theme matrix: {agree}/{len(cells)} cells agree.",
        f"- Checklist flags: {flags_agree}/{len(r['flags'])} = {_pct(flags_agree, len(r['flags']))} agree"
        + (f", Cohen's kappa {flags_kappa:.2f}." if flags_kappa is not None else "."),
        "",
        "## The tool against each coder",
        "",
        "Recall: share of a set of gold passages that a candidate finds (rules of bench_accuracy.py).",
        "",
        "| theme | recall first | recall second | recall consensus | recall only first | recall only second "
        "| precision first | precision second | precision either |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for t in [*book.theme_ids, None]:
        g = (lambda k: n[k, t]) if t else (lambda k: _sum(n, k))
        lines.append(
            f"| {t or '**all**'} | {_pct(g('tool_a'), g('a'))} | {_pct(g('tool_b'), g('b'))} | "
            f"{_pct(g('tool_both'), g('a_in_b'))} ({g('a_in_b')}) | {_pct(g('tool_only_a'), g('only_a'))} "
            f"({g('only_a')}) | {_pct(g('tool_only_b'), g('only_b'))} ({g('only_b')}) | "
            f"{_pct(g('right_a'), g('cands'))} | {_pct(g('right_b'), g('cands'))} | "
            f"{_pct(g('right_either'), g('cands'))} |")
    tc = r["tool_cells"]
    lines += [
        "",
        f"- Matrix: the tool agrees with the first coder in {_pct(tc['a'], len(cells))}, with the second in "
        f"{_pct(tc['b'], len(cells))}, and on the {tc['both_agree']} cells where the coders agree in "
        f"{_pct(tc['tool_on_agreed'], tc['both_agree'])}.",
        f"- Negative passages both coders coded negative: the tool marks "
        f"{_sum(n, 'tool_neg_both')}/{_sum(n, 'neg_both')} negative.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path, help="corpus folder with PDFs, manifest.csv and the first gold/")
    parser.add_argument("second", type=Path, help="folder with gold/ of a second, blind coding")
    parser.add_argument("--codebook", type=Path, default=None)
    parser.add_argument("--suggest", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None,
                        help="default: benchmarks/results/agreement-<second folder>.md")
    args = parser.parse_args(argv)
    out = args.out or ROOT / "benchmarks" / "results" / f"agreement-{args.second.resolve().name}.md"
    book = load_book(args.codebook, args.suggest)
    return publish(render(compare(args.reference, args.second, book), args.reference, args.second), out)


if __name__ == "__main__":
    sys.exit(main())
