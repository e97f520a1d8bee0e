"""Does a learned polarity model beat the codebook's rules before any review? Cross-validated by batch.

Usage (from the repo root; needs the `train` extra):
    .venv/bin/python benchmarks/bench_polarity.py [--out FILE]

Every hand-coded set is development data: corpus/ (batches 0-5, as they joined it; see BATCHES),
corpus-heldout/ (batch 6), corpus-heldout7/, corpus-heldout8/. Each candidate the codebook makes is
scored by a model trained on the other batches only (leave one batch out: a model never sees the
agendas, or the writers of the batch, it is scored on), then every set is scored as
bench_accuracy.py scores it, before (rules alone) and after (rules + the model, per design).
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import sys
from collections import defaultdict
from pathlib import Path

from results_file import publish  # benchmarks/ is on sys.path when a script runs
from bench_accuracy import score  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kwaliteitscan.codebook import load_codebook  # noqa: E402
from kwaliteitscan.extract.corpus import find_pdfs  # noqa: E402
from kwaliteitscan.extract.extractor import Cache, extract_many  # noqa: E402
from kwaliteitscan.interop import gold  # noqa: E402
from kwaliteitscan.match.matcher import Matcher, code_document  # noqa: E402
from kwaliteitscan.match.passages import passages_of  # noqa: E402
from kwaliteitscan.match import polarity  # noqa: E402
from kwaliteitscan.pipeline.train import candidate_labels  # noqa: E402
from kwaliteitscan.segment.nlp import pipeline_id  # noqa: E402
from kwaliteitscan.segment.segmenter import segmented  # noqa: E402

SETS = ("corpus", "corpus-heldout", "corpus-heldout7", "corpus-heldout8")
#: corpus/ by the batch each agenda joined it with (git log --diff-filter=A -- corpus/gold)
BATCHES = {
    0: "roc-heuvelland-2024 roc-veenstreek-2024 stedelijk-college-amstelrand-2024 aoc-groenrijk-2024 "
       "roc-deltapoort-2024 roc-middenveld-2024 roc-noordkust-2024 roc-noordkust-2026 vakinstelling-zilverberg-2024 "
       "roc-zuidwaard-2024 vakcollege-oostmark-2024",
    1: "aoc-heidezoom-2024 roc-lindewaarde-2024 roc-meerhaven-2024 roc-meerhaven-2026 vakcollege-brakenburg-2024 "
       "vakschool-korenmaat-2024",
    2: "aoc-polderweide-2026 mediacollege-zandvoort-2024 roc-eemhof-2024 roc-kustland-2024 roc-maasdal-2024 "
       "roc-stadsrand-2024",
    3: "aoc-vlietland-2024 roc-bergenhout-2026 roc-duinrand-2024 roc-waterpoort-2024 vakschool-deltaveld-2024 "
       "zorgcollege-heerenveld-2024",
    4: "aoc-kempen-2026 hotelschool-hofstede-2024 roc-grensland-2024 roc-oeverland-2024 roc-zeestroom-2024 "
       "vakcollege-lek-2024",
    5: "aoc-zandhorst-2026 roc-havenstad-2024 roc-lingewaard-2024 roc-rivierenland-oost-2024 vakschool-bouwhorst-2024 "
       "zorgcollege-weidebeek-2026",
}
BATCH_OF = {doc: b for b, docs in BATCHES.items() for doc in docs.split()}
SET_BATCH = {"corpus-heldout": 6, "corpus-heldout7": 7, "corpus-heldout8": 8}


def collect(book, cache_file: Path | None = None) -> list[dict]:
    """Every gold-coded document of the sets: its candidates, the sentence before each hit, its gold."""
    if cache_file is not None and cache_file.exists():
        return pickle.loads(cache_file.read_bytes())
    cache = Cache()
    pipeline = pipeline_id(book.language)
    matcher = Matcher(book)
    docs = []
    for name in SETS:
        corpus = ROOT / name
        golds = gold.read(corpus)
        by_file = {g["document"]: (doc_id, g) for doc_id, g in golds.items()}
        pdfs = [p for p in find_pdfs([corpus]) if p.name in by_file]
        for outcome in extract_many(pdfs, cache=cache):
            doc_id, coding = by_file[outcome.path.name]
            seg = segmented(outcome.document, book.language, pipeline, cache.root)
            seen: dict = {}
            cands = code_document(seg, matcher, seen)
            prev = {(p.page, p.start): p.prev for p in passages_of(seg, cands, matcher, seen)}
            batch = SET_BATCH.get(name, BATCH_OF.get(doc_id))
            if batch is None:
                raise SystemExit(f"{corpus}/gold/{doc_id}.yaml: not in BATCHES; add it to the batch it joined with")
            docs.append({"set": name, "batch": batch, "doc_id": doc_id, "coding": coding, "cands": cands,
                         "prev": {(c.page, c.start): prev.get((c.page, c.start), "") for c in cands}})
    docs.sort(key=lambda d: (d["set"], d["doc_id"]))
    if cache_file is not None:
        cache_file.write_bytes(pickle.dumps(docs))
    return docs


def examples_of(docs: list[dict], book) -> list[tuple]:
    out = []
    for d in docs:
        for c, (neg, rel) in zip(d["cands"], candidate_labels(d["cands"], d["coding"])):
            text, rules = polarity.candidate_parts(c, d["prev"][(c.page, c.start)], book.negation)
            out.append((text, rules, neg, rel))
    return out


def as_dict(c) -> dict:
    return dataclasses.asdict(c)


def cross_validate(docs: list[dict], book, use: dict, heads: dict) -> dict[str, list]:
    """Candidates of every document after a model trained on the other batches: doc id -> candidates."""
    out = {}
    feats = {id(d): examples_of([d], book) for d in docs}
    for b in sorted({d["batch"] for d in docs}):
        train = [e for d in docs if d["batch"] != b for e in feats[id(d)]]
        model = polarity.PolarityModel.from_data(polarity.fit(train, use=use, heads=heads))
        for d in docs:
            if d["batch"] != b:
                continue
            kept = []
            for cand, (text, rules, _, _) in zip(d["cands"], feats[id(d)]):
                f = polarity.weigh(text, model.idf)
                for r in rules:
                    f[r] = f.get(r, 0.0) + model.rule_weight
                p_neg = model.probability("negative", f) if "negative" in model.heads else None
                p_rel = model.probability("relevant", f) if "relevant" in model.heads else None
                pol, qual, keep = polarity.decide(model, cand.polarity, p_neg, p_rel,
                                                  tuple(f"{cand.theme}.{k}" for k in cand.codes))
                if keep:
                    kept.append(dataclasses.replace(cand, polarity=pol))
            out[d["doc_id"]] = kept
    return out


def _only(text, parts: str):
    return type(text)({k: v for k, v in text.items() if k[0] in parts})


def figures(book, docs: list[dict], cands_of: dict[str, list]) -> dict[str, dict]:
    out = {}
    for name in SETS:
        subset = [d for d in docs if d["set"] == name]
        golds = {d["doc_id"]: d["coding"] for d in subset}
        by_doc = defaultdict(list)
        for d in subset:
            by_doc[d["coding"]["document"]] = [as_dict(c) for c in cands_of[d["doc_id"]]]
        out[name] = score(book, golds, by_doc)
    return out


def row(label: str, r: dict) -> str:
    tf, tt = sum(r["found"].values()), sum(r["total"].values())
    rr, mm = sum(r["right"].values()), sum(r["made"].values())
    (no, nt), (ao, at), (fo, ft) = r["neg"], r["absent_cells"], r["flips"]
    mo, mt = r["matrix"]
    return (f"| {label} | {tf / tt:.3f} | {rr / mm:.3f} ({mm}) | {no}/{nt} = {no / nt:.2f} | {ao}/{at} | "
            f"{fo}/{ft} | {mo}/{mt} |")


ALL = {"parts": "spcr", "balanced": False}
WORDS = {"parts": "spc", "balanced": True}
RELEVANT = {"relevant": ALL}
DESIGNS = {
    "rules alone (codebook 1.9.1)": None,
    "A. polarity head on words and rules, overrides the rule where sure (>= 0.7 negative, <= 0.2 positive)":
        ({"polarity": {"negative": 0.7, "positive": 0.2}, "demote": None}, {"negative": ALL}),
    "B. polarity head on words and rules decides (0.5)":
        ({"polarity": {"negative": 0.5, "positive": 0.5}, "demote": None}, {"negative": ALL}),
    "C. polarity head on words alone (balanced) only adds negatives, >= 0.5":
        ({"polarity": {"negative": 0.5, "positive": 0.0}, "demote": None}, {"negative": WORDS}),
    "D. as C, >= 0.7": ({"polarity": {"negative": 0.7, "positive": 0.0}, "demote": None}, {"negative": WORDS}),
    "E. relevance head demotes < 0.2": ({"polarity": None, "demote": 0.2}, RELEVANT),
    "F. relevance head demotes < 0.25": ({"polarity": None, "demote": 0.25}, RELEVANT),
    "G. relevance head demotes < 0.3": ({"polarity": None, "demote": 0.3}, RELEVANT),
    "H. relevance head demotes < 0.4": ({"polarity": None, "demote": 0.4}, RELEVANT),
    "I. relevance head demotes positive candidates only, < 0.25":
        ({"polarity": None, "demote": 0.25, "demote_negative": False}, RELEVANT),
    "T. D + F": ({**polarity.USE, "keep_codes": []}, polarity.HEADS),
    "S. D + F, never demoting the contact moments (shipped: polarity.USE, polarity.HEADS)":
        (polarity.USE, polarity.HEADS),
}


def no_candidate_negatives(book) -> list[str]:
    """Design (c), measured only: could a model offer negative evidence where the rules make no candidate?
    Every sentence of the 59 agendas is a case; it is positive when it is a negative gold passage of a
    theme that no candidate of that theme covers (neither hit nor continuation). A logistic regression on
    tf-idf of the sentence, the sentence before it and its headings (idf over all sentences, labels of the
    other batches only), leave one batch out; how many true cases are among its surest sentences."""
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from kwaliteitscan.match.passages import CONTINUATION

    cache, pipeline, matcher = Cache(), pipeline_id(book.language), Matcher(book)
    rows = []
    for name in SETS:
        corpus = ROOT / name
        by_file = {g["document"]: (doc_id, g) for doc_id, g in gold.read(corpus).items()}
        for outcome in extract_many([p for p in find_pdfs([corpus]) if p.name in by_file], cache=cache):
            doc_id, coding = by_file[outcome.path.name]
            seg = segmented(outcome.document, book.language, pipeline, cache.root)
            seen: dict = {}
            negatives = [p for p in coding.get("passages") or [] if p.get("polarity") == "negative"]
            for p in passages_of(seg, code_document(seg, matcher, seen), matcher, seen):
                hit = any(p.prior[book.theme_ids.index(g["theme"])] < CONTINUATION
                          and (gold.contains(p.text, g["text"]) or gold.is_part(p.text, g["text"])) for g in negatives)
                rows.append((SET_BATCH.get(name, BATCH_OF.get(doc_id)), name, p.text, p.prev, p.heading, hit))
    y = np.array([r[5] for r in rows])
    batch, where = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
    parts = [TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit_transform([r[2] for r in rows]),
             0.5 * TfidfVectorizer(min_df=2, sublinear_tf=True).fit_transform([r[3] for r in rows]),
             0.5 * TfidfVectorizer(min_df=2, sublinear_tf=True).fit_transform([r[4] for r in rows])]
    x = hstack(parts).tocsr()
    p = np.zeros(len(rows))
    for b in sorted(set(batch)):
        model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=3000).fit(x[batch != b], y[batch != b])
        p[batch == b] = model.predict_proba(x[batch == b])[:, 1]
    lines = ["## (c) Negative evidence where the rules make no candidate (measured, not shipped)", "",
             f"{len(rows)} sentences, {int(y.sum())} of them a negative gold passage no candidate of its theme covers; "
             f"cross-validated AUC {roc_auc_score(y, p):.3f}.", "",
             "| set | such passages | sentences | true among the surest 10 | surest 25 |", "|---|---|---|---|---|"]
    for name in SETS:
        m = where == name
        order = np.argsort(-p[m], kind="stable")
        lines.append(f"| {name} | {int(y[m].sum())} | {int(m.sum())} | {int(y[m][order[:10]].sum())} | "
                     f"{int(y[m][order[:25]].sum())} |")
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "polarity-cv.md")
    parser.add_argument("--cache", type=Path, default=None, help="keep the coded candidates here between runs")
    parser.add_argument("--design", action="append", default=None, help="only designs starting with these letters")
    parser.add_argument("--no-candidate", action="store_true",
                        help="also measure design (c): negative evidence where the rules make no candidate")
    args = parser.parse_args(argv)
    book = load_codebook(None)
    docs = collect(book, args.cache)
    lines = [f"# Polarity model, leave one batch out (codebook {book.name} {book.version})", "",
             f"{len(docs)} gold-coded agendas in {len(set(d['batch'] for d in docs))} batches; each batch scored "
             "with a model trained on the others. The thresholds of the shipped design were chosen on these "
             "figures, so they are development figures; a blind batch scored once with the shipped model is the "
             "honest test.", ""]
    results = {}
    for label, design in DESIGNS.items():
        if args.design and design is not None and label[0] not in args.design:
            continue
        if design is None:
            cands = {d["doc_id"]: d["cands"] for d in docs}
        else:
            cands = cross_validate(docs, book, *design)
        results[label] = figures(book, docs, cands)
    for name in SETS:
        lines += [f"## {name}", "", "| design | recall | precision (candidates) | negatives marked negative | "
                  "absent -> present | positives only negative | matrix |", "|---|---|---|---|---|---|---|"]
        lines += [row(label, r[name]) for label, r in results.items()]
        lines.append("")
    if args.no_candidate:
        lines += no_candidate_negatives(book)
    return publish("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    sys.exit(main())
