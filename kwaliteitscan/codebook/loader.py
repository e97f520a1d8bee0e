"""Load and validate a YAML codebook into frozen dataclasses (format: docs/codebook.md).

Errors name the file, the line and the key, and say what is expected. YAML is loaded with
a safe loader that also refuses duplicate keys; unknown keys are errors; regular
expressions are compiled and checked for catastrophic backtracking.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from ..errors import CodebookError
from .dictionaries import (FORMATS, read_dictionary_text, tree_data, wordstat_tree, detect_format,
                           quanteda_to_codebook_data)
from .patterns import MAX_PATTERN, can_backtrack_badly, grows_exponentially, parse_pattern
from .yamltext import YamlList, YamlMap, load_yaml
from .model import (DEFAULT_CODEBOOK, RESERVED_CODE, SCOPES, STATUSES, ChecklistPoint, Code, Codebook, Pattern,
                    Negation, Qualifier, Settings, Theme)

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


# --------------------------------------------------------------------------- validation


class _Checker:
    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, node: Any, key: str | None, message: str) -> None:
        line = 0
        if isinstance(node, YamlMap):
            line = node.key_lines.get(key, node.line) if key is not None else node.line
        elif isinstance(node, YamlList):
            line = node.line
        elif isinstance(node, int):
            line = node
        where = f"{self.name}:{line}" if line else self.name
        label = f" {key}" if key is not None else ""
        raise CodebookError(f"{where}:{label}: {message}" if label else f"{where}: {message}")

    def mapping(self, node: Any, where: str, allowed: set[str], required: set[str] = frozenset(),
                parent: Any = None, key: str | None = None) -> YamlMap:
        if not isinstance(node, dict):
            self.fail(parent if parent is not None else node, key, f"{where} must be a mapping of keys to values")
        for k in node:
            if k not in allowed:
                hint = f"; did you mean {_closest(k, allowed)!r}?" if _closest(k, allowed) else ""
                self.fail(node, k, f"unknown key in {where}; allowed: {', '.join(sorted(allowed))}{hint}")
        for k in sorted(required):
            if k not in node:
                self.fail(node, None, f"{where} needs the key {k!r}")
        return node

    def text(self, node: Any, key: str, where: str, required: bool = True) -> str:
        value = node.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool) or str(value).strip() == "":
            self.fail(node, key, f"{where}.{key} must be a non-empty text")
        return str(value).strip()

    def ident(self, value: Any, node: Any, key: str | None, what: str) -> str:
        if not isinstance(value, str) or not _ID.match(value):
            self.fail(node, key, f"{what} {value!r} must be lowercase letters, digits and underscores")
        return value

    def patterns(self, node: Any, key: str, where: str, gap: int) -> tuple[Pattern, ...]:
        items = node.get(key)
        if not isinstance(items, list) or not items:
            self.fail(node, key, f"{where}.{key} must be a non-empty list of patterns")
        lines = getattr(items, "item_lines", [getattr(node, "line", 0)] * len(items))
        return tuple(self.pattern(item, line, where, gap) for item, line in zip(items, lines))

    def pattern(self, item: Any, line: int, where: str, gap: int) -> Pattern:
        if isinstance(item, dict):
            if set(item) != {"regex"} or not isinstance(item["regex"], str):
                self.fail(line, None, f"a pattern in {where} is either a text or {{regex: '...'}}")
            return Pattern(item["regex"], line, regex=_check_regex(item["regex"], self, line))
        if not isinstance(item, str) or not item.strip():
            self.fail(line, None, f"a pattern in {where} must be a non-empty text, got {repr(item)[:80]}")
        if len(item) > MAX_PATTERN:
            self.fail(line, None, f"pattern in {where} is longer than {MAX_PATTERN} characters")
        return Pattern(item.strip(), line, steps=parse_pattern(item, gap, lambda m: self.fail(line, None, m)))


def _closest(key: str, allowed: set[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.6)
    return found[0] if found else None


#: ordinary sentences a regular expression must not all match (or it would flood the project)
_SAMPLE_SENTENCES = ("Wij vinden dit belangrijk.", "In 2024 starten wij met een pilot, samen met het bedrijfsleven.",
                     "Het rooster staat in de app.", "De kantine is open van acht tot vier uur.")


def _check_regex(source: str, checker: _Checker, line: int) -> str:
    try:
        compiled = re.compile(source)
    except re.error as exc:
        checker.fail(line, None, f"invalid regular expression {source[:80]!r}: {exc}")
    if compiled.fullmatch("") is not None or compiled.search("") is not None:
        checker.fail(line, None, f"regular expression {source[:80]!r} matches the empty text, so it would hit every "
                                 "sentence; make it require at least one character")
    if all(compiled.search(sentence.lower()) for sentence in _SAMPLE_SENTENCES):
        checker.fail(line, None, f"regular expression {source[:80]!r} matches every sentence; make it more specific")
    if can_backtrack_badly(source):
        checker.fail(line, None, f"regular expression {source[:80]!r} can backtrack catastrophically "
                                 "(a repeated group that contains a repeat); rewrite it without nesting")
    if grows_exponentially(compiled):
        checker.fail(line, None, f"regular expression {source[:80]!r} takes exponentially longer on longer text "
                                 "(alternatives that overlap inside a repeat); rewrite it so each step can match "
                                 "only one way")
    return source


# --------------------------------------------------------------------------- loading

_TOP = {"name", "version", "language", "description", "settings", "cues", "qualifiers", "negation", "themes",
        "status", "checklist"}


def load_codebook(path: Path | str | None = None) -> Codebook:
    """Read and validate a codebook file (our format, or a quanteda-style YAML dictionary)."""
    path = Path(path) if path is not None else DEFAULT_CODEBOOK
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CodebookError(f"{path}: cannot read the codebook ({exc.strerror}); check the path") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise CodebookError(f"{path}:{line}: the codebook is not UTF-8 text (byte {raw[exc.start]:#04x} here; "
                            "Windows-1252 perhaps); save it as UTF-8") from None
    return parse_codebook(text, str(path), hashlib.sha256(raw).hexdigest())


def parse_codebook(text: str, name: str, sha: str = "") -> Codebook:
    """A codebook from its YAML text (our format, or a quanteda-style dictionary)."""
    data = load_yaml(text, name)
    if isinstance(data, dict) and "themes" not in data and data and all(
            isinstance(v, (list, dict)) for v in data.values()):
        data = quanteda_to_codebook_data(data, Path(name).stem, name)
    return build_codebook(data, name, text, sha or hashlib.sha256(text.encode("utf-8")).hexdigest())


def build_codebook(data: Any, name: str, text: str = "", sha: str = "") -> Codebook:
    check = _Checker(name)
    if not isinstance(data, dict):
        check.fail(1, None, "a codebook is a YAML mapping with at least name, version and themes")
    check.mapping(data, "the codebook", _TOP, {"name", "version", "themes"})
    settings = _settings(check, data)
    cues = _cues(check, data, settings.gap)
    qualifiers = _qualifiers(check, data, settings.gap)
    themes = _themes(check, data, settings.gap, set(cues))
    status = check.mapping(data.get("status") or YamlMap(), "status", {"min_score"}, parent=data, key="status")
    checklist = _checklist(check, data, themes)
    return Codebook(
        name=check.text(data, "name", "codebook"), version=check.text(data, "version", "codebook"),
        language=check.text(data, "language", "codebook", required=False) or "nl",
        description=check.text(data, "description", "codebook", required=False),
        settings=settings, cues=cues, qualifiers=qualifiers, themes=themes, checklist=checklist,
        min_score=float(status.get("min_score", 1.0)), sha256=sha or hashlib.sha256(text.encode()).hexdigest(),
        path=name, source_text=text, negation=_negation(check, data),
    )


def _negation(check: _Checker, data) -> Negation | None:
    node = data.get("negation")
    if node is None:
        return None
    keys = {"triggers", "pre", "post", "terminators", "pseudo", "window", "carry", "frame", "themes"}
    body = check.mapping(node, "negation", keys, set(), parent=data, key="negation")

    def word_list(key: str) -> list[str]:
        value = body.get(key) or []
        if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
            check.fail(body, key, f"negation.{key} is a list of words or phrases")
        return [" ".join(w.lower().split()) for w in value]

    window = body.get("window", 6)
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 20:
        check.fail(body, "window", "negation.window is a whole number of words from 1 to 20")
    carry = body.get("carry", 0)
    if isinstance(carry, bool) or not isinstance(carry, int) or not 0 <= carry <= 5:
        check.fail(body, "carry", "negation.carry is a whole number of sentences from 0 to 5")
    frame = word_list("frame")
    cues = data.get("cues") if isinstance(data.get("cues"), dict) else {}
    for name in frame:
        if name not in cues:
            check.fail(body, "frame", f"negation.frame names the cue {name!r}, which the codebook does not define")
    themes = word_list("themes")
    known = data.get("themes") if isinstance(data.get("themes"), dict) else {}
    for name in themes:
        if name not in known:
            check.fail(body, "themes", f"negation.themes names the theme {name!r}, which the codebook does not define")
    kinds = {key: word_list(key) for key in ("triggers", "pre", "post")}
    for key, words in kinds.items():
        if any(" " in w for w in words):
            check.fail(body, key, f"negation.{key} is a list of single words (niet, geen, ...)")
    if not any(kinds.values()):
        check.fail(body, "triggers", "negation needs triggers (or pre / post): a list of single words (niet, geen, ...)")
    return Negation(frozenset(kinds["triggers"]), frozenset(word_list("terminators")),
                    tuple(tuple(p.split()) for p in word_list("pseudo")), window,
                    frozenset(kinds["pre"]), frozenset(kinds["post"]), carry, frozenset(frame),
                    frozenset(themes))


def _settings(check: _Checker, data) -> Settings:
    node = data.get("settings")
    if node is None:
        return Settings()
    check.mapping(node, "settings", {"gap", "continuation", "max_continuation"}, parent=data, key="settings")
    gap = node.get("gap", 4)
    if not isinstance(gap, int) or isinstance(gap, bool) or not 0 < gap <= 20:
        check.fail(node, "gap", "settings.gap must be a whole number from 1 to 20")
    cont = node.get("continuation", [])
    if not isinstance(cont, list) or not all(isinstance(w, str) for w in cont):
        check.fail(node, "continuation", "settings.continuation must be a list of words")
    most = node.get("max_continuation", 2)
    if not isinstance(most, int) or isinstance(most, bool) or not 0 <= most <= 10:
        check.fail(node, "max_continuation", "settings.max_continuation must be a whole number from 0 to 10")
    return Settings(gap, tuple(w.lower() for w in cont), most)


def _cues(check: _Checker, data, gap: int) -> dict[str, tuple[Pattern, ...]]:
    node = data.get("cues") or YamlMap()
    check.mapping(node, "cues", set(node), parent=data, key="cues")
    cues = {}
    for name in node:
        check.ident(name, node, name, "cue name")
        cues[name] = check.patterns(node, name, "cues", gap)
    return cues


def _qualifiers(check: _Checker, data, gap: int) -> tuple[Qualifier, ...]:
    node = data.get("qualifiers") or YamlMap()
    check.mapping(node, "qualifiers", set(node), parent=data, key="qualifiers")
    out = []
    for qid, body in node.items():
        check.ident(qid, node, qid, "qualifier id")
        check.mapping(body, f"qualifiers.{qid}", {"label", "patterns", "polarity", "weak"}, {"label", "patterns"},
                      parent=node, key=qid)
        polarity = body.get("polarity", "positive")
        if polarity not in ("positive", "negative"):
            check.fail(body, "polarity", "polarity must be positive or negative")
        weak = body.get("weak", False)
        if not isinstance(weak, bool):
            check.fail(body, "weak", "weak must be true or false")
        out.append(Qualifier(qid, check.text(body, "label", f"qualifiers.{qid}"),
                             check.patterns(body, "patterns", f"qualifiers.{qid}", gap), polarity, weak))
    return tuple(out)


_CODE_KEYS = {"label", "patterns", "requires", "exclude", "scope", "weight", "weak", "polarity"}


def _themes(check: _Checker, data, gap: int, cue_names: set[str]) -> tuple[Theme, ...]:
    node = data["themes"]
    if not isinstance(node, dict) or not node:
        check.fail(data, "themes", "themes must be a mapping of theme ids to themes")
    themes = []
    for tid, body in node.items():
        check.ident(tid, node, tid, "theme id")
        check.mapping(body, f"themes.{tid}", {"label", "definition", "codes", "advice"}, {"label", "definition", "codes"},
                      parent=node, key=tid)
        codes_node = body["codes"]
        if not isinstance(codes_node, dict) or not codes_node:
            check.fail(body, "codes", f"themes.{tid}.codes must map code ids to codes")
        codes = tuple(_code(check, tid, cid, cbody, codes_node, gap, cue_names) for cid, cbody in codes_node.items())
        themes.append(Theme(tid, check.text(body, "label", f"themes.{tid}"),
                            check.text(body, "definition", f"themes.{tid}"), codes,
                            check.text(body, "advice", f"themes.{tid}", required=False)))
    return tuple(themes)


def _code(check: _Checker, tid: str, cid, body, parent, gap: int, cue_names: set[str]) -> Code:
    where = f"themes.{tid}.codes.{cid}"
    check.ident(cid, parent, cid, "code id")
    if cid == RESERVED_CODE:
        check.fail(parent, cid, f"{where}: the code id {RESERVED_CODE!r} is reserved for learned suggestions "
                                "(docs/suggester.md); choose another id")
    check.mapping(body, where, _CODE_KEYS, {"label", "patterns"}, parent=parent, key=cid)
    refs = {}
    for key in ("requires", "exclude"):
        value = body.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            check.fail(body, key, f"{where}.{key} must be a list of cue names")
        for name in value:
            if name not in cue_names:
                check.fail(body, key, f"{where}.{key} names the cue {name!r}, which is not defined under cues")
        refs[key] = tuple(value)
    scope = body.get("scope", "sentence")
    if scope not in SCOPES:
        check.fail(body, "scope", f"{where}.scope must be sentence, paragraph, section, heading or column")
    weight = body.get("weight", 1.0)
    if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not 0 < weight <= 100:
        check.fail(body, "weight", f"{where}.weight must be a number above 0")
    weak = body.get("weak", False)
    if not isinstance(weak, bool):
        check.fail(body, "weak", f"{where}.weak must be true or false")
    polarity = body.get("polarity", "positive")
    if polarity not in ("positive", "negative"):
        check.fail(body, "polarity", f"{where}.polarity must be positive or negative")
    return Code(cid, tid, check.text(body, "label", where), check.patterns(body, "patterns", where, gap),
                refs["requires"], refs["exclude"], scope, float(weight), weak, polarity)


def _checklist(check: _Checker, data, themes: tuple[Theme, ...]) -> tuple[ChecklistPoint, ...]:
    node = data.get("checklist") or YamlMap()
    check.mapping(node, "checklist", set(node), parent=data, key="checklist")
    codes = {t.id: {c.id for c in t.codes} for t in themes}
    out = []
    for pid, body in node.items():
        where = f"checklist.{pid}"
        check.ident(pid, node, pid, "checklist id")
        check.mapping(body, where, {"label", "explanation", "applies_when", "advice"},
                      {"label", "explanation", "applies_when"},
                      parent=node, key=pid)
        _check_rule(check, body["applies_when"], body, where, codes)
        out.append(ChecklistPoint(pid, check.text(body, "label", where), check.text(body, "explanation", where),
                                  _plain(body["applies_when"]), check.text(body, "advice", where, required=False)))
    return tuple(out)


def _check_rule(check: _Checker, rule, node, where: str, codes: dict[str, set[str]]) -> None:
    if not isinstance(rule, dict) or not rule:
        check.fail(node, "applies_when", f"{where}.applies_when must be a condition (see docs/codebook.md)")
    if set(rule) <= {"all", "any"} and len(rule) == 1:
        items = next(iter(rule.values()))
        if not isinstance(items, list) or not items:
            check.fail(rule, next(iter(rule)), "all/any take a non-empty list of conditions")
        for item in items:
            _check_rule(check, item, rule, where, codes)
        return
    if set(rule) == {"not"}:
        _check_rule(check, rule["not"], rule, where, codes)
        return
    kinds = {"status", "lacks_code", "has_code", "only_codes"}
    check.mapping(rule, f"{where}.applies_when", kinds | {"theme"}, {"theme"}, parent=node, key="applies_when")
    if len(set(rule) & kinds) != 1:
        check.fail(rule, None, f"{where}: a condition has a theme and exactly one of {', '.join(sorted(kinds))}")
    theme = rule["theme"]
    if theme not in codes:
        check.fail(rule, "theme", f"{where}: unknown theme {theme!r}")
    if "status" in rule:
        statuses = rule["status"] if isinstance(rule["status"], list) else [rule["status"]]
        if not statuses or any(s not in STATUSES for s in statuses):
            check.fail(rule, "status", f"{where}: status must list some of {', '.join(STATUSES)}")
    for key in ("lacks_code", "has_code", "only_codes"):
        if key in rule:
            names = rule[key] if isinstance(rule[key], list) else [rule[key]]
            for name in names:
                if name not in codes[theme]:
                    check.fail(rule, key, f"{where}: theme {theme!r} has no code {name!r}")


def _plain(value):
    """Strip the line-number subclasses so a rule is plain data."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def import_dictionary(path: Path | str, format: str | None = None) -> dict:
    """Read a quanteda YAML dictionary or a WordStat .cat file and return codebook data.

    The format comes from `format` ("quanteda" or "wordstat") or the file's extension
    (.yml/.yaml: quanteda; .cat: WordStat; otherwise guessed from the content). The result
    is checked with `build_codebook`, so it can be used directly or written with
    `write_codebook_yaml` for a person to refine.
    """
    path = Path(path)
    if format is not None and format not in FORMATS:
        raise CodebookError(f"unknown dictionary format {format!r}; use one of {', '.join(FORMATS)}")
    text = read_dictionary_text(path)
    fmt = format or detect_format(path, text)
    source = str(path)
    if fmt == "wordstat":
        data = tree_data(wordstat_tree(text, source), path.stem, source, fmt)
    else:
        loaded = load_yaml(text, source)
        if isinstance(loaded, dict) and "themes" in loaded:
            raise CodebookError(f"{path}: this is already a kwaliteitscan codebook (it has 'themes'); "
                                "use it directly, no import needed")
        data = quanteda_to_codebook_data(loaded, path.stem, source)
    build_codebook(data, source)
    return data
