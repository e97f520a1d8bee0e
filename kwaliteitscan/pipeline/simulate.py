"""`kwaliteitscan simulate`: replay a perfect coder through the review queue, as ASReview's
simulation mode does, and measure recall against reading effort.

The coder is the gold coding of a corpus (GOLD_FORMAT.md): they review the queue in order, one
passage at a time, and code each passage with every gold theme it carries (a passage without
one is rejected); the queue re-ranks after each decision. What comes out: the recall curve over
the gold passages, overall and per theme, after n passages read; how many passages it takes to
reach recall 0.90 / 0.95 / 0.97 / 1.00 (also as a multiple of the number of gold passages);
where each stopping rule fired and the recall there; and the reviewed matrix (a theme is
present in an agenda when a passage of it with positive polarity was confirmed) against the
gold statuses. Nothing is written to any project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..codebook import Codebook, load_codebook
from ..errors import InputError
from ..extract.corpus import find_pdfs
from ..extract.extractor import Cache, extract_many
from ..interop import gold
from ..match.matcher import Matcher, code_document
from ..match.passages import Passage, passages_of
from ..review.queue import STOPPING_RULE, Prior, bundled_prior, simulate
from ..segment.nlp import pipeline_id
from ..segment.segmenter import segmented


@dataclass
class GoldCorpus:
    passages: list[Passage]
    pairs: list[tuple[str, str, str, str]]  # (document sha, theme, polarity, text) per gold passage
    statuses: dict[str, dict[str, str]]  # document sha -> theme -> gold status
    names: dict[str, str]  # document sha -> file name
    skipped: list[str] = field(default_factory=list)


def gold_corpus(corpus: Path | str, book: Codebook, gold_dir: Path | str | None = None,
                cache: Cache | None = None, documents: set[str] | None = None) -> GoldCorpus:
    """Every passage of the gold-coded PDFs of `corpus` (as `code` makes them) and the gold passages.
    `gold_dir` is a folder holding gold/ (default: the corpus itself), e.g. a second coder's."""
    corpus = Path(corpus)
    codings = gold.read(gold_dir or corpus)
    if not codings:
        raise InputError(f"{Path(gold_dir or corpus) / 'gold'}: no gold codings (gold/<doc-id>.yaml); see "
                         "GOLD_FORMAT.md")
    found: dict[str, Path] = {}
    for path in find_pdfs([corpus]):
        found.setdefault(path.name, path)
    wanted = {data["document"]: data for data in codings.values() if documents is None or data["document"] in documents}
    skipped = [f"{corpus / name}: has a gold coding but no PDF; put the PDF there or remove the coding"
               for name in wanted if name not in found]
    cache = cache if cache is not None else Cache()
    pipeline = pipeline_id(book.language)
    matcher = Matcher(book)
    out = GoldCorpus([], [], {}, {}, skipped)
    for outcome in extract_many([found[n] for n in sorted(wanted) if n in found], cache=cache):
        if outcome.document is None:
            out.skipped.append(outcome.error or f"{outcome.path}: could not be extracted")
            continue
        doc = outcome.document
        seg = segmented(doc, book.language, pipeline, cache.root)
        seen: dict = {}
        out.passages += passages_of(seg, code_document(seg, matcher, seen), matcher, seen)
        data = wanted[outcome.path.name]
        out.pairs += [(doc.sha256, p["theme"], p.get("polarity", "positive"), p["text"])
                      for p in data.get("passages") or []]
        out.statuses[doc.sha256] = dict(data.get("themes") or {})
        out.names[doc.sha256] = outcome.path.name
    if not out.passages:
        raise InputError(f"{corpus}: none of the gold-coded PDFs could be read")
    return out


def gold_labels(data: GoldCorpus) -> tuple[list[frozenset[str]], list[set[int]]]:
    """Per passage: its gold themes, and which gold passages it carries. A table cell counts for the
    row that holds it; a sentence for a gold passage that holds it whole or of which it is at least half."""
    by_doc: dict[str, list[int]] = {}
    for i, p in enumerate(data.passages):
        by_doc.setdefault(p.document, []).append(i)
    themes: list[set[str]] = [set() for _ in data.passages]
    carried: list[set[int]] = [set() for _ in data.passages]
    for pid, (doc, theme, _, text) in enumerate(data.pairs):
        for i in by_doc.get(doc, []):
            if gold.contains(data.passages[i].text, text) or gold.is_part(data.passages[i].text, text):
                themes[i].add(theme)
                carried[i].add(pid)
    return [frozenset(t) for t in themes], carried


def simulate_corpus(corpus: Path | str, *, codebook: Path | str | Codebook | None = None,
                    gold_dir: Path | str | None = None, prior: Prior | None = None, budget: float = 4.0) -> dict:
    """The replay of a perfect coder through the queue on `corpus` (see the module doc)."""
    book = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    data = gold_corpus(corpus, book, gold_dir)
    themes_of, carried = gold_labels(data)
    pairs = [(doc, theme, text) for doc, theme, _, text in data.pairs]
    rule, params = STOPPING_RULE
    rules = {f"{rule}#{params['run']}": params, "consecutive#50": {"run": 50}, "knee#10": {"ratio": 10.0},
             "estimate": {}}
    result = simulate(data.passages, pairs, prior or bundled_prior(book), budget=budget, rules=rules,
                      matrix=(themes_of, carried, [p[1] for p in data.pairs]))
    chosen = result["stops"].get(f"{rule}#{params['run']}")
    result["rule"] = f"{rule}#{params['run']}"
    reviewed = result["order"][:chosen["at"]] if chosen else result["order"]
    result["matrix"] = reviewed_matrix(data, themes_of, reviewed, book)
    result["skipped"] = data.skipped
    result["documents"] = len(data.statuses)
    result["corpus"] = str(corpus)
    return result


def reviewed_matrix(data: GoldCorpus, themes_of: list[frozenset[str]], reviewed: list[int], book: Codebook) -> dict:
    """Document x theme cells where the status after review agrees with the gold.

    After review a theme is present in a document when a reviewed passage carries a positive gold
    passage of that theme, else absent; a gold 'unclear' cell agrees with either."""
    positive: dict[tuple[str, str], list[str]] = {}
    for doc, theme, polarity, text in data.pairs:
        if polarity == "positive":
            positive.setdefault((doc, theme), []).append(text)
    present = set()
    for i in reviewed:
        p = data.passages[i]
        for theme in themes_of[i]:
            if any(gold.contains(p.text, g) or gold.is_part(p.text, g) for g in positive.get((p.document, theme), [])):
                present.add((p.document, theme))
    agree = total = 0
    disagree = []
    for doc, statuses in data.statuses.items():
        for theme in book.theme_ids:
            want = statuses.get(theme, "absent")
            have = "present" if (doc, theme) in present else "absent"
            total += 1
            if want == have or want == "unclear":
                agree += 1
            else:
                disagree.append((data.names[doc], theme, want, have))
    return {"agree": agree, "cells": total, "disagree": disagree}


LEVELS = (0.90, 0.95, 0.97, 1.00)


def summary_lines(result: dict, book: Codebook) -> list[str]:
    """The figures of a simulation as lines of text (what `simulate` prints)."""
    gold_n, items = result["gold"], result["items"]
    out = [f"{result['corpus']}: {result['documents']} agenda(s), {items} passages in the queue, {gold_n} gold "
           f"passages ({result['reachable']} stand in a passage; the rest no queue can reach)",
           "passages read to reach recall (and as a multiple of the gold passages):"]
    for level in LEVELS:
        n = result["needed"].get(level)
        out.append(f"  {level:.2f}: " + (f"{n} ({n / gold_n:.2f}x)" if n else "not reached"))
    out.append("per theme, passages read to reach 0.90 / 0.95:")
    for theme in book.theme_ids:
        row = result["needed_theme"].get(theme)
        if row:
            cells = " / ".join(f"{row[lv]} ({row[lv] / gold_n:.2f}x)" if row[lv] else "not reached" for lv in (0.90, 0.95))
            out.append(f"  {book.theme(theme).label} ({result['theme_gold'][theme]} gold): {cells}")
    out.append("stopping rules (where each fired, the recall there and the estimate it gave):")
    for name, stop in sorted(result["stops"].items(), key=lambda kv: kv[1]["at"]):
        mark = "  <- the queue's rule" if name == result["rule"] else ""
        out.append(f"  {name}: after {stop['at']} ({stop['effort']:.2f}x), recall {stop['recall']:.3f}, "
                   f"estimated {stop['estimated_recall']:.3f}{mark}")
    for name in ("consecutive#100", "consecutive#50", "knee#10", "estimate"):
        if name not in result["stops"]:
            out.append(f"  {name}: did not fire within the budget")
    m = result["matrix"]
    out.append(f"matrix after review up to the queue's stop: {m['agree']}/{m['cells']} cells agree with the gold "
               f"({m['agree'] / m['cells']:.2f})")
    out += [f"  {doc} {theme}: gold {want}, after review {have}" for doc, theme, want, have in m["disagree"]]
    return out


def plot_curves(result: dict, book: Codebook, out: Path) -> None:
    """The recall curves (overall and per theme) against passages read, as a PNG (needs matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise InputError("--out FILE.png needs matplotlib: pip install 'kwaliteitscan[plot]'") from exc
    gold_n = result["gold"]
    fig, ax = plt.subplots(figsize=(9, 6.2), dpi=110)
    x = [(k + 1) / gold_n for k in range(len(result["curve"]))]
    for theme in book.theme_ids:
        if theme in result["curve_theme"] and result["theme_gold"].get(theme):
            ax.plot(x, result["curve_theme"][theme], linewidth=0.9, alpha=0.7, label=book.theme(theme).label)
    ax.plot(x, result["curve"], color="black", linewidth=2.2, label="alle thema's")
    for name, stop in result["stops"].items():
        ax.axvline(stop["effort"], color="grey", linestyle=":" if name != result["rule"] else "--", linewidth=1)
        ax.annotate(name, (stop["effort"], 0.03), rotation=90, fontsize=7, color="grey")
    ax.axhline(0.95, color="red", linewidth=0.6)
    ax.set_xlabel("gelezen passages / aantal gold-passages")
    ax.set_ylabel("recall (aandeel gevonden gold-passages)")
    ax.set_ylim(0, 1.005)
    ax.set_xlim(0, max(x[-1], 0.1))
    ax.set_title(f"Beoordelingswachtrij: {Path(result['corpus']).name}, {result['documents']} agenda's")
    ax.grid(alpha=0.3)
    fig.legend(fontsize=7, loc="lower center", ncol=3, frameon=False)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    from ..files import atomic_path

    try:
        with atomic_path(out) as tmp:
            fig.savefig(tmp, format="png")
    finally:
        plt.close(fig)
