"""What a codebook change does to a corpus that was already coded.

`candidate_effect(project, old, new)` measures it without touching the project: each active
document's cached segmentation is matched with both codebooks, and the candidate sets (id +
polarity) are compared per theme, with the added and removed candidates attributed to the
added and removed patterns they contain.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from ..codebook import Codebook
from ..codebook.diff import OTHER, pattern_text
from ..errors import InputError
from ..extract.corpus import find_coded_pdf
from ..extract.extractor import Cache, extract_file
from ..match.matcher import Matcher, code_document
from ..segment.segmenter import load_cached, segment

def _pattern_keys(book: Codebook) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(theme, "code: source" as a candidate lists it) -> (theme, code, shown pattern)."""
    return {(t.id, f"{c.id}: {p.source}"): (t.id, c.id, pattern_text(p))
            for t in book.themes for c in t.codes for p in c.patterns}


def _segmentation(doc: dict, pipeline: str, language: str, cache_root, corpus):
    """The document's segmentation: cached, else segmented again from the cached (or re-read) extraction."""
    seg = load_cached(doc["sha256"], pipeline, Path(cache_root) if cache_root else None, doc["engine"])
    if seg is not None:
        return seg, None
    cache = Cache(Path(cache_root)) if cache_root else Cache()
    document = cache.get(doc["sha256"], doc["engine"], doc["file"])
    if document is None and corpus is not None:
        path = find_coded_pdf(Path(corpus), doc["file"], doc["sha256"])
        if path is not None:
            document = extract_file(path, doc["engine"], doc["sha256"])
    if document is None:
        return None, "its text is in neither the segmentation nor the extraction cache; give the corpus folder " \
                     "to read it again"
    from ..segment.nlp import load_pipeline

    nlp, _ = load_pipeline(language)
    return segment(document, nlp, pipeline), None


def _example(candidate, doc: dict) -> dict:
    return {"file": doc["file"], "page": candidate.page, "sentence": candidate.sentence}


def candidate_effect(project, old: Codebook, new: Codebook, cache_root: Path | str | None = None, *,
                     corpus: Path | str | None = None, examples: int = 3) -> dict:
    """How many candidates the change from `old` to `new` adds and removes on the coded corpus.

    Nothing is re-coded or written: for each active document of `project` the cached
    segmentation (pipeline = the project's) is matched with both codebooks. When the cache
    is gone the document is segmented again from the extraction cache, or from the PDF in
    `corpus`; documents for which neither exists are listed under "skipped".

    Returns a dict:
      documents: number of documents compared; skipped: [{file, reason}];
      old_matches_project: whether `old` is the codebook every document was coded with;
      totals: {before, after, added, removed, changed};
      themes: {theme: {before, after, added, removed, changed}} (changed: same candidate,
        other codes, patterns, qualifiers, score or weakness);
      patterns: [{theme, code, pattern, change: added|removed, candidates, examples}] - an
        added candidate counts for every added pattern it contains, a removed one for every
        removed pattern it contained;
      other: {added, removed, examples_added, examples_removed} - candidates no pattern
        change explains (scope, cues, qualifiers, requires/exclude, polarity ...).
    """
    docs = project.documents()
    if not docs:
        raise InputError(f"{project.path}: the project has no coded documents; run `kwaliteitscan code` first")
    project_pipeline = project.meta("pipeline")
    old_matcher, new_matcher = Matcher(old), Matcher(new)
    old_keys, new_keys = _pattern_keys(old), _pattern_keys(new)
    added_patterns = {k: v for k, v in new_keys.items() if k not in old_keys}
    removed_patterns = {k: v for k, v in old_keys.items() if k not in new_keys}
    themes: dict[str, Counter] = {t: Counter() for t in dict.fromkeys([t.id for t in old.themes] +
                                                                       [t.id for t in new.themes])}
    per_pattern: dict[tuple, list] = defaultdict(list)
    other: dict[str, list] = {"added": [], "removed": []}
    skipped: list[dict] = []
    compared = 0

    def tally(change: str, c, patterns: dict, doc: dict) -> None:
        """Count a candidate that came or went, under the changed patterns that explain it, else under other."""
        themes[c.theme][change] += 1
        hits = [patterns[(c.theme, p)] for p in c.patterns if (c.theme, p) in patterns]
        for hit in hits:
            per_pattern[(change,) + hit].append(_example(c, doc))
        if not hits:
            other[change].append(_example(c, doc))

    for doc in docs:
        pipeline = project_pipeline or doc["pipeline"]
        seg, reason = _segmentation(doc, pipeline, new.language, cache_root, corpus)
        if seg is None:
            skipped.append({"file": doc["file"], "reason": reason})
            continue
        compared += 1
        before = {(c.id, c.polarity): c for c in code_document(seg, old_matcher)}
        after = {(c.id, c.polarity): c for c in code_document(seg, new_matcher)}
        for c in before.values():
            themes.setdefault(c.theme, Counter())["before"] += 1
        for c in after.values():
            themes.setdefault(c.theme, Counter())["after"] += 1
        for key, c in after.items():
            if key in before:
                b = before[key]
                if (b.codes, b.patterns, b.qualifiers, b.score, b.weak) != (c.codes, c.patterns, c.qualifiers,
                                                                             c.score, c.weak):
                    themes[c.theme]["changed"] += 1
                continue
            tally("added", c, added_patterns, doc)
        for key, c in before.items():
            if key not in after:
                tally("removed", c, removed_patterns, doc)

    fields = ("before", "after", "added", "removed", "changed")
    theme_rows = {t: {f: counts[f] for f in fields} for t, counts in themes.items()}
    patterns = []
    for change, table in (("added", added_patterns), ("removed", removed_patterns)):
        for theme, code, shown in table.values():
            found = per_pattern.get((change, theme, code, shown), [])
            patterns.append({"theme": theme, "code": code, "pattern": shown, "change": change,
                             "candidates": len(found), "examples": found[:examples]})
    return {
        "documents": compared,
        "skipped": skipped,
        "old": {"name": old.name, "version": old.version, "sha256": old.sha256},
        "new": {"name": new.name, "version": new.version, "sha256": new.sha256},
        "old_matches_project": all(d["codebook"] == old.sha256 for d in docs),
        "totals": {f: sum(row[f] for row in theme_rows.values()) for f in fields},
        "themes": theme_rows,
        "patterns": patterns,
        "other": {"label": OTHER, "added": len(other["added"]), "removed": len(other["removed"]),
                  "examples_added": other["added"][:examples], "examples_removed": other["removed"][:examples]},
    }
