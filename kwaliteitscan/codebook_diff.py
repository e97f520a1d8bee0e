"""What changed between two versions of a codebook, and what that does to the candidates.

`diff_codebooks(old, new)` lists the changes (themes, codes, patterns, cues, qualifiers,
settings, status, checklist), each with a dotted path and a one-line description.

`candidate_effect(project, old, new)` measures the effect on a corpus that was already
coded, without touching the project: each active document's cached segmentation is matched
with both codebooks, and the candidate sets (id + polarity) are compared per theme, with
the added and removed candidates attributed to the added and removed patterns they contain.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .codebook import Code, Codebook, Pattern
from .errors import InputError

OTHER = "other changes (scope, cues, qualifiers ...)"


@dataclass(frozen=True)
class Change:
    kind: str  # added | removed | changed
    path: str  # e.g. themes.reporting_desk.codes.desk.patterns
    before: Any
    after: Any
    description: str

    def to_json(self) -> dict:
        return {"kind": self.kind, "path": self.path, "before": self.before, "after": self.after,
                "description": self.description}


def pattern_text(pattern: Pattern) -> str:
    """How a pattern is shown: its source, or {regex: source}."""
    return f"{{regex: {pattern.source}}}" if pattern.regex is not None else pattern.source


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(v) for v in value) + "]" if value else "[]"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    if isinstance(value, str) and len(value) > 60:
        return repr(value[:57] + "...")
    return repr(value) if isinstance(value, str) else str(value)


class _Differ:
    def __init__(self) -> None:
        self.changes: list[Change] = []

    def add(self, kind: str, path: str, before: Any, after: Any, description: str) -> None:
        self.changes.append(Change(kind, path, before, after, description))

    def value(self, path: str, what: str, before: Any, after: Any) -> None:
        if before != after:
            self.add("changed", path, _plain(before), _plain(after),
                     f"{what} changed from {_show(before)} to {_show(after)}")

    def members(self, path: str, what: str, noun: str, before, after) -> None:
        """Items added to or removed from a list (patterns, words, cue names)."""
        old, new = list(before), list(after)
        for item in new:
            if item not in old:
                self.add("added", path, None, item, f"{what}: {noun} {item!r} added")
        for item in old:
            if item not in new:
                self.add("removed", path, item, None, f"{what}: {noun} {item!r} removed")


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _patterns(patterns) -> list[str]:
    return [pattern_text(p) for p in patterns]


def _code_summary(code: Code) -> dict:
    return {"label": code.label, "patterns": _patterns(code.patterns)}


def diff_codebooks(old: Codebook, new: Codebook) -> list[Change]:
    """Everything that differs between two codebooks, in codebook order."""
    d = _Differ()
    for key in ("name", "version", "language", "description"):
        d.value(key, key, getattr(old, key), getattr(new, key))
    d.value("settings.gap", "settings.gap", old.settings.gap, new.settings.gap)
    d.members("settings.continuation", "settings.continuation", "word", old.settings.continuation,
              new.settings.continuation)
    d.value("settings.max_continuation", "settings.max_continuation", old.settings.max_continuation,
            new.settings.max_continuation)
    d.value("status.min_score", "status.min_score", old.min_score, new.min_score)

    for name, patterns in new.cues.items():
        if name not in old.cues:
            d.add("added", f"cues.{name}", None, _patterns(patterns),
                  f"cue {name!r} added with {len(patterns)} pattern(s)")
        else:
            d.members(f"cues.{name}.patterns", f"cue {name!r}", "pattern", _patterns(old.cues[name]),
                      _patterns(patterns))
    for name, patterns in old.cues.items():
        if name not in new.cues:
            d.add("removed", f"cues.{name}", _patterns(patterns), None, f"cue {name!r} removed")

    old_q = {q.id: q for q in old.qualifiers}
    new_q = {q.id: q for q in new.qualifiers}
    for qid, q in new_q.items():
        path = f"qualifiers.{qid}"
        if qid not in old_q:
            d.add("added", path, None, _patterns(q.patterns),
                  f"qualifier {qid!r} added ({q.polarity}{', weak' if q.weak else ''}) with "
                  f"{len(q.patterns)} pattern(s)")
            continue
        before = old_q[qid]
        d.value(f"{path}.label", f"qualifier {qid!r}: label", before.label, q.label)
        d.value(f"{path}.polarity", f"qualifier {qid!r}: polarity", before.polarity, q.polarity)
        d.value(f"{path}.weak", f"qualifier {qid!r}: weak", before.weak, q.weak)
        d.members(f"{path}.patterns", f"qualifier {qid!r}", "pattern", _patterns(before.patterns),
                  _patterns(q.patterns))
    for qid in old_q:
        if qid not in new_q:
            d.add("removed", f"qualifiers.{qid}", _patterns(old_q[qid].patterns), None, f"qualifier {qid!r} removed")

    old_t = {t.id: t for t in old.themes}
    new_t = {t.id: t for t in new.themes}
    for tid, theme in new_t.items():
        path = f"themes.{tid}"
        if tid not in old_t:
            n = sum(len(c.patterns) for c in theme.codes)
            d.add("added", path, None, {c.id: _code_summary(c) for c in theme.codes},
                  f"theme {tid!r} ({theme.label}) added with {len(theme.codes)} code(s) and {n} pattern(s)")
            continue
        before = old_t[tid]
        d.value(f"{path}.label", f"theme {tid!r}: label", before.label, theme.label)
        d.value(f"{path}.definition", f"theme {tid!r}: definition", before.definition, theme.definition)
        old_c = {c.id: c for c in before.codes}
        new_c = {c.id: c for c in theme.codes}
        for cid, code in new_c.items():
            cpath = f"{path}.codes.{cid}"
            if cid not in old_c:
                d.add("added", cpath, None, _code_summary(code),
                      f"code {cid!r} added to theme {tid!r} with {len(code.patterns)} pattern(s)")
                continue
            was = old_c[cid]
            what = f"code {cid!r} of theme {tid!r}"
            for field in ("label", "scope", "requires", "exclude", "weak", "polarity", "weight"):
                d.value(f"{cpath}.{field}", f"{what}: {field}", getattr(was, field), getattr(code, field))
            d.members(f"{cpath}.patterns", what, "pattern", _patterns(was.patterns), _patterns(code.patterns))
        for cid, code in old_c.items():
            if cid not in new_c:
                d.add("removed", f"{path}.codes.{cid}", _code_summary(code), None,
                      f"code {cid!r} removed from theme {tid!r}")
    for tid, theme in old_t.items():
        if tid not in new_t:
            d.add("removed", f"themes.{tid}", {c.id: _code_summary(c) for c in theme.codes}, None,
                  f"theme {tid!r} ({theme.label}) removed")

    old_p = {p.id: p for p in old.checklist}
    new_p = {p.id: p for p in new.checklist}
    for pid, point in new_p.items():
        path = f"checklist.{pid}"
        if pid not in old_p:
            d.add("added", path, None, point.label, f"checklist point {pid!r} ({point.label}) added")
            continue
        was = old_p[pid]
        d.value(f"{path}.label", f"checklist point {pid!r}: label", was.label, point.label)
        d.value(f"{path}.explanation", f"checklist point {pid!r}: explanation", was.explanation, point.explanation)
        d.value(f"{path}.applies_when", f"checklist point {pid!r}: rule", was.applies_when, point.applies_when)
    for pid, point in old_p.items():
        if pid not in new_p:
            d.add("removed", f"checklist.{pid}", point.label, None, f"checklist point {pid!r} ({point.label}) removed")
    return d.changes


# --------------------------------------------------------------------------- effect on a coded corpus


def _pattern_keys(book: Codebook) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(theme, "code: source" as a candidate lists it) -> (theme, code, shown pattern)."""
    return {(t.id, f"{c.id}: {p.source}"): (t.id, c.id, pattern_text(p))
            for t in book.themes for c in t.codes for p in c.patterns}


def _segmentation(doc: dict, pipeline: str, language: str, cache_root, corpus):
    """The document's segmentation: cached, else segmented again from the cached (or re-read) extraction."""
    from .extract import Cache, extract_file, sha256_file
    from .segment import load_cached, segment

    seg = load_cached(doc["sha256"], pipeline, Path(cache_root) if cache_root else None, doc["engine"])
    if seg is not None:
        return seg, None
    cache = Cache(Path(cache_root)) if cache_root else Cache()
    document = cache.get(doc["sha256"], doc["engine"], doc["file"])
    if document is None and corpus is not None:
        root = Path(corpus)
        for path in ([root] if root.is_file() else sorted(p for p in root.rglob("*") if p.name == doc["file"])):
            if path.is_file() and path.name == doc["file"] and sha256_file(path) == doc["sha256"]:
                document = extract_file(path, doc["engine"], doc["sha256"])
                break
    if document is None:
        return None, "its text is in neither the segmentation nor the extraction cache; give the corpus folder " \
                     "to read it again"
    from .nlp import load_pipeline

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
    from .matcher import Matcher, code_document

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
