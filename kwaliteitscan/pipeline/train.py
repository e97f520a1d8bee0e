"""Training a theme suggester on a hand-coded corpus (GOLD_FORMAT.md): every sentence of the
gold-coded PDFs, as `code` walks them, with its headings and the themes a coder gave it."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from pathlib import Path

from ..codebook import Codebook
from ..errors import InputError
from ..extract.corpus import find_pdfs
from ..extract.extractor import Cache, extract_many
from ..interop import gold
from ..match.matcher import Matcher, code_document
from ..match.suggest import train
from ..segment.nlp import pipeline_id
from ..segment.segmenter import segmented


def train_suggester(corpus: Path | str, book: Codebook, *, threshold: float = 0.6,
                    requires: tuple[str, ...] = ("discriminatie",)) -> tuple[dict, dict, list[str]]:
    """A suggester for `book` learned from `corpus`: (model data, what it was trained on, skipped files).

    `requires` names codebook cues a paragraph or its section must have to get suggestions."""
    unknown = [c for c in requires if c not in book.cues]
    if unknown:
        raise InputError(f"--requires: no cue {', '.join(unknown)} in the codebook {book.name}; "
                         f"choose from {', '.join(sorted(book.cues))}")
    examples, summary = examples_from_corpus(corpus, book)
    skipped = summary.pop("skipped")
    summary.update(codebook=f"{book.name} {book.version} ({book.sha256[:12]})",
                   date=datetime.now(timezone.utc).strftime("%Y-%m-%d"))
    data = train(examples, book.theme_ids, threshold=threshold, requires=requires, trained_on=summary)
    return data, summary, skipped


class _Recorder:
    """Stands in for a suggester while coding, to collect every sentence with its headings."""

    threshold, requires, themes, sha256 = 1.0, (), (), ""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def base(self, heading: str = "") -> str:
        return heading

    def probabilities(self, sentence: str, heading: str = "", base: str | None = None) -> dict[str, float]:
        self.seen.append((sentence, heading if base is None else base))
        return {}


def examples_from_corpus(corpus: Path | str, book, cache=None,
                         documents: set[str] | None = None) -> tuple[list[tuple[str, str, set[str]]], dict]:
    """(sentence, headings, gold themes) for every sentence of the corpus's gold-coded PDFs,
    as the coder sees them: extracted, segmented and walked as `code` does. A sentence has a
    theme when a gold passage of that theme contains it, or it is most of such a passage.
    `documents` limits the PDFs (file names). Returns the examples and a summary."""
    corpus = Path(corpus)
    golds = {}
    for doc_id, data in gold.read(corpus).items():
        try:
            golds[data["document"]] = [(p["text"], p["theme"]) for p in data.get("passages") or []]
        except (KeyError, TypeError) as exc:
            raise InputError(f"{corpus / 'gold' / doc_id}.yaml: a passage lacks text or theme ({exc}); "
                             "see GOLD_FORMAT.md") from exc
    pdfs, skipped = _gold_pdfs(corpus, [n for n in golds if documents is None or n in documents])
    cache = cache if cache is not None else Cache()
    pipeline = pipeline_id(book.language)
    examples: list[tuple[str, str, set[str]]] = []
    used = 0
    recorder = _Recorder()
    matcher = Matcher(dataclasses.replace(book, suggester=recorder))  # compiled once for all documents
    for outcome in extract_many(pdfs, cache=cache):
        if outcome.document is None:  # one bad PDF does not stop the training; it is reported
            skipped.append(outcome.error or f"{outcome.path}: could not be extracted")
            continue
        used += 1
        recorder.seen.clear()
        code_document(segmented(outcome.document, book.language, pipeline, cache.root), matcher)
        passages = golds[outcome.path.name]
        for sentence, heading in recorder.seen:
            labels = {theme for text, theme in passages
                      if gold.contains(sentence, text) or gold.is_part(sentence, text)}
            examples.append((sentence, heading, labels))
    summary = {"corpus": corpus.name, "documents": used, "sentences": len(examples),
               "coded": sum(1 for e in examples if e[2]), "skipped": skipped}
    if not used:
        raise InputError(f"{corpus}: none of the hand-coded PDFs could be read ({skipped[0]})")
    return examples, summary


def train_queue_prior(corpus: Path | str | list[Path | str], book: Codebook, *, documents: set[str] | None = None,
                      cache: Cache | None = None) -> tuple[dict, dict]:
    """The review queue's prior for `book`, learned from the gold codings of `corpus` (one hand-coded
    corpus or several, e.g. every blind batch once it has been scored; needs the `train` extra): per
    theme a logistic regression over every passage as `code` makes it. `documents` limits the PDFs
    (file names), for cross-validation. Returns (JSON data, summary)."""
    from ..review.queue import build_prior
    from .simulate import gold_corpus, gold_labels

    try:
        import sklearn  # noqa: F401 - only to say clearly what is missing
    except ImportError as exc:
        raise InputError("training the queue's prior needs scikit-learn: pip install 'kwaliteitscan[train]'") from exc
    corpora = [Path(c) for c in (corpus if isinstance(corpus, list) else [corpus])]
    parts = [gold_corpus(c, book, cache=cache, documents=documents) for c in corpora]
    data = parts[0]
    for part in parts[1:]:  # documents are told apart by their sha256, so corpora simply add up
        data.passages += part.passages
        data.pairs += part.pairs
        data.statuses.update(part.statuses)
        data.names.update(part.names)
        data.skipped += part.skipped
    themes_of, _ = gold_labels(data)
    summary = {"corpus": ", ".join(c.name for c in corpora), "documents": len(data.statuses),
               "passages": len(data.passages), "coded": sum(1 for t in themes_of if t),
               "codebook": f"{book.name} {book.version} ({book.sha256[:12]})", "skipped": data.skipped}
    prior = build_prior(data.passages, [set(t) for t in themes_of], "lr",
                        meta={k: v for k, v in summary.items() if k != "skipped"})
    return prior.to_json(), summary


# --------------------------------------------------------------------------- the polarity model


def candidate_labels(candidates, coding: dict) -> list[tuple[bool | None, bool]]:
    """(counts against its theme?, evidence of its theme at all?) for each candidate of one document,
    by its gold coding (GOLD_FORMAT.md), as bench_accuracy.py decides what a candidate finds: the gold
    passages of its theme its passage holds, or whose larger part its hit sentence is. The first is
    None for a candidate that finds no gold of its theme; when the passages it finds disagree, the
    one its hit sentence is part of decides, else the majority (ties: negative)."""
    passages = coding.get("passages") or []
    out = []
    for c in candidates:
        get = c.get if isinstance(c, dict) else lambda k, c=c: getattr(c, k)
        theme, passage, sentence = get("theme"), get("passage"), get("sentence")
        found = [p for p in passages if p.get("theme") == theme
                 and (gold.contains(passage, p.get("text", "")) or gold.is_part(sentence, p.get("text", "")))]
        if not found:
            out.append((None, False))
            continue
        own = [p for p in found if gold.contains(sentence, p["text"]) or gold.is_part(sentence, p["text"])]
        votes = [p.get("polarity") == "negative" for p in (own or found)]
        out.append((2 * sum(votes) >= len(votes), True))
    return out


def polarity_examples(corpus: Path | str, book: Codebook, cache: Cache | None = None) -> tuple[list[tuple], dict]:
    """(text features, rule features, negative?, relevant?) for every rule candidate the codebook makes
    in the gold-coded PDFs of `corpus`, coded as `code` codes them (match.polarity, candidate_labels)."""
    from ..match.passages import passages_of
    from ..match.polarity import candidate_parts

    corpus = Path(corpus)
    codings = {}
    for doc_id, data in gold.read(corpus).items():
        if not isinstance(data.get("passages") or [], list):
            raise InputError(f"{corpus / 'gold' / doc_id}.yaml: passages is not a list; see GOLD_FORMAT.md")
        codings[data["document"]] = data
    pdfs, skipped = _gold_pdfs(corpus, list(codings))
    cache = cache if cache is not None else Cache()
    pipeline = pipeline_id(book.language)
    matcher = Matcher(dataclasses.replace(book, suggester=None, polarity_model=None))
    examples: list[tuple] = []
    used = 0
    for outcome in extract_many(pdfs, cache=cache):
        if outcome.document is None:
            skipped.append(outcome.error or f"{outcome.path}: could not be extracted")
            continue
        used += 1
        seg = segmented(outcome.document, book.language, pipeline, cache.root)
        seen: dict = {}
        cands = code_document(seg, matcher, seen)
        prev = {(p.page, p.start): p.prev for p in passages_of(seg, cands, matcher, seen)}
        for c, (negative, relevant) in zip(cands, candidate_labels(cands, codings[outcome.path.name])):
            text, rules = candidate_parts(c, prev.get((c.page, c.start), ""), book.negation)
            examples.append((text, rules, negative, relevant))
    summary = {"corpus": corpus.name, "documents": used, "candidates": len(examples),
               "relevant": sum(1 for e in examples if e[3]), "negative": sum(1 for e in examples if e[2]),
               "skipped": skipped}
    return examples, summary


def train_polarity(corpora: list[Path | str], book: Codebook, cache: Cache | None = None) -> tuple[dict, dict]:
    """A polarity model for `book` learned from the gold codings of one or more hand-coded corpora
    (needs the `train` extra). Returns (JSON data, summary: documents, candidates, skipped files)."""
    from ..match.polarity import fit

    examples: list[tuple] = []
    summary: dict = {"corpora": [], "documents": 0, "candidates": 0, "relevant": 0, "negative": 0, "skipped": []}
    for corpus in corpora:
        found, part = polarity_examples(corpus, book, cache)
        examples += found
        summary["corpora"].append(part["corpus"])
        for key in ("documents", "candidates", "relevant", "negative"):
            summary[key] += part[key]
        summary["skipped"] += part["skipped"]
    trained_on = {k: v for k, v in summary.items() if k != "skipped"}
    trained_on["codebook"] = f"{book.name} {book.version} ({book.sha256[:12]})"
    trained_on["themes"] = list(book.theme_ids)
    return fit(examples, trained_on=trained_on), summary


def _gold_pdfs(corpus: Path, names: list[str]) -> tuple[list[Path], list[str]]:
    """The PDFs of `corpus` that the gold codings `names` (file names) are of, and a line for each coding
    without its PDF. The gold names a file; `code` finds it in subfolders too, so this does."""
    found: dict[str, Path] = {}
    for path in find_pdfs([corpus]):
        found.setdefault(path.name, path)
    pdfs = [found[n] for n in names if n in found]
    skipped = [f"{corpus / n}: has a gold coding but no PDF in {corpus}; put the PDF there or remove the coding"
               for n in names if n not in found]
    if not pdfs:
        raise InputError(f"{corpus}: no PDFs with a gold coding in gold/; give a hand-coded corpus")
    return pdfs, skipped
