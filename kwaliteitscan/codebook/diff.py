"""What changed between two versions of a codebook, and what that does to the candidates.

`diff_codebooks(old, new)` lists the changes (themes, codes, patterns, cues, qualifiers,
settings, status, checklist), each with a dotted path and a one-line description.

What that does to a coded corpus is measured by `pipeline.codebook_effect.candidate_effect`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .model import Code, Codebook, Pattern

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
