"""Other dictionary formats, to and from codebook data: quanteda YAML and WordStat `.cat`.

Import (`import_dictionary`) turns a dictionary into codebook data that `build_codebook`
accepts; `write_codebook_yaml` writes it as a kwaliteitscan codebook for a person to refine.
Export (`export_quanteda`) writes a codebook back as a quanteda YAML dictionary.

How a dictionary becomes a codebook:
- top-level keys (quanteda) or top-level categories (WordStat) become themes; their label
  is the original name, their id a safe version of it (lowercase ASCII, underscores);
- values directly under a top-level key become the code `main`; nested keys/categories
  become codes (deeper levels become codes too, their ids joined: `bw_cities`, label
  "BW > cities");
- values become patterns: quanteda's glob `*` is kept (`word*`, `*word`, `*word*`);
  multi-word values (spaces, or WordStat's `_`: `SOCIAL_NORM`) become phrase patterns,
  which do match (quanteda long ignored them silently);
- quanteda's `?` (exactly one character) has no counterpart in our token patterns, so a
  value with `?` (or with `*` inside a word, or a bare `*` inside a phrase) becomes
  `{regex: ...}`: `?` -> `\\w` (one letter or digit), `*` -> `\\w*`, a bare `*` word ->
  `\\S+`, words joined by `\\s+`, anchored with `(?<!\\w)` and `(?!\\w)` so it matches
  whole words (or the parts of a hyphenated word). The regex contains no repeated group,
  so it cannot backtrack catastrophically; it matches the text only, not lemmas.
  Export turns these regexes back into the same glob values.
- WordStat weights `(n)` become the code's weight; when the entries of one category have
  different weights they are split into one code per weight (`<code>_weight_2`).

Malformed input gives a `CodebookError` that names the file and the line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import CodebookError
from .patterns import MAX_PATTERN, can_backtrack_badly, parse_pattern

FORMATS = ("quanteda", "wordstat")
_WEIGHT = re.compile(r"^(?P<entry>.*?)\s*\(\s*(?P<weight>[-+]?\d+(?:[.,]\d+)?)\s*\)$")
_TAB = 8
_REGEX_START, _REGEX_END, _REGEX_JOIN = r"(?<!\w)", r"(?!\w)", r"\s+"


# --------------------------------------------------------------------------- the common tree


@dataclass
class _Node:
    name: str
    line: int
    values: list[tuple[str, float, int]] = field(default_factory=list)  # (text, weight, line)
    children: list["_Node"] = field(default_factory=list)
    indent: int = 0
    child_indent: int | None = None


def _ident(key: Any) -> str:
    text = unicodedata.normalize("NFKD", str(key)).encode("ascii", "ignore").decode()
    ident = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return ident if ident and ident[0].isalpha() else f"k_{ident}"


def _unique(ident: str, taken: set[str]) -> str:
    candidate, n = ident, 2
    while candidate in taken:
        candidate, n = f"{ident}_{n}", n + 1
    taken.add(candidate)
    return candidate


def _fail(source: str, line: int, message: str) -> None:
    raise CodebookError(f"{source}:{line}: {message}" if line else f"{source}: {message}")


# --------------------------------------------------------------------------- values -> patterns


def glob_regex(words: list[str]) -> str:
    """The regex for a glob phrase (lowercase words with `*` and `?`), as documented above."""
    parts = []
    for word in words:
        if word == "*":
            parts.append(r"\S+")
            continue
        parts.append("".join(r"\w*" if ch == "*" else r"\w" if ch == "?" else re.escape(ch) for ch in word))
    return _REGEX_START + _REGEX_JOIN.join(parts) + _REGEX_END


def regex_glob(regex: str) -> str | None:
    """The glob value a `glob_regex` regex came from, or None for any other regex."""
    if not (regex.startswith(_REGEX_START) and regex.endswith(_REGEX_END)):
        return None
    words = []
    for part in regex[len(_REGEX_START):-len(_REGEX_END)].split(_REGEX_JOIN):
        if part == r"\S+":
            words.append("*")
            continue
        word, i = [], 0
        while i < len(part):
            if part.startswith(r"\w*", i):
                word.append("*")
                i += 3
            elif part.startswith(r"\w", i):
                word.append("?")
                i += 2
            elif part[i] == "\\" and i + 1 < len(part):
                word.append(part[i + 1])
                i += 2
            else:
                word.append(part[i])
                i += 1
        words.append("".join(word))
    if not all(words) or glob_regex(words) != regex:
        return None
    return " ".join(words)


def _needs_regex(word: str) -> bool:
    core = word.strip("*")
    return (word == "*" or "?" in word or "*" in core or "|" in word or word == "..."
            or (not core and word != "*"))


def value_pattern(value: Any, source: str, line: int, *, underscores: bool = False) -> str | dict:
    """One dictionary value as a pattern: a token pattern, or {regex: ...} (see the module doc)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        _fail(source, line, f"a value must be a word or phrase, got {value!r}")
    text = str(value).strip().lower()
    if underscores:
        text = text.replace("_", " ")
    words = text.split()
    if not words:
        _fail(source, line, "empty value; remove it or write a word")
    if all(w.strip("*") == "" for w in words):
        _fail(source, line, f"value {str(value).strip()!r} would match every word; remove it")
    if any(_needs_regex(w) for w in words):
        regex = glob_regex(words)
        if len(regex) > MAX_PATTERN or can_backtrack_badly(regex):
            _fail(source, line, f"value {str(value).strip()!r} is too long to convert")
        return {"regex": regex}
    pattern = " ".join(words)
    if len(pattern) > MAX_PATTERN:
        _fail(source, line, f"value {str(value).strip()!r} is longer than {MAX_PATTERN} characters")
    parse_pattern(pattern, 4, lambda message: _fail(source, line, message))
    return pattern


# --------------------------------------------------------------------------- reading files


def read_dictionary_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CodebookError(f"{path}: cannot read the dictionary ({exc.strerror}); check the path") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise CodebookError(f"{path}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8 "
                            "(WordStat and older Windows files are often Windows-1252)") from None


def _quanteda_tree(data: Any, source: str) -> list[_Node]:
    """Top-level nodes of a quanteda YAML dictionary, checked, with line numbers."""
    if not isinstance(data, dict) or not data:
        _fail(source, getattr(data, "line", 1),
              "a quanteda dictionary is a YAML mapping of keys to lists of values (or to nested keys)")
    return [_quanteda_node(key, value, data, source) for key, value in data.items()]


def _quanteda_node(key: Any, value: Any, parent: dict, source: str) -> _Node:
    line = getattr(parent, "key_lines", {}).get(key, getattr(parent, "line", 0))
    if key is None or not str(key).strip():
        _fail(source, line, "empty key; every key needs a name")
    if isinstance(key, (dict, list)):
        _fail(source, line, f"a key must be a name, got {key!r}")
    node = _Node(str(key).strip(), line)
    if value is None:
        _fail(source, line, f"key {node.name!r} has no values; give a list such as [word, \"two words\"]")
    if isinstance(value, dict):
        if not value:
            _fail(source, line, f"key {node.name!r} has no values")
        node.children = [_quanteda_node(k, v, value, source) for k, v in value.items()]
    elif isinstance(value, list):
        if not value:
            _fail(source, line, f"key {node.name!r} has an empty list of values")
        lines = getattr(value, "item_lines", [line] * len(value))
        for item, item_line in zip(value, lines):
            if isinstance(item, dict):  # a nested key written as a list item
                node.children.extend(_quanteda_node(k, v, item, source) for k, v in item.items())
            elif isinstance(item, list):
                _fail(source, item_line, f"key {node.name!r}: a value is a list; write each value on its own line")
            elif item is None or (isinstance(item, str) and not item.strip()):
                _fail(source, item_line, f"key {node.name!r}: empty value; remove it or write a word")
            else:
                node.values.append((item, 1.0, item_line))
    else:
        _fail(source, line, f"key {node.name!r}: the value {value!r} is neither a list of values nor a mapping of "
                            f"nested keys; write it as a list: {node.name}: [{value}]")
    return node


def wordstat_tree(text: str, source: str) -> list[_Node]:
    """Top-level categories of a WordStat .cat file.

    The format (as read by quanteda's read_dict_wordstat): one item a line; indentation
    (tabs, possibly after spaces) gives the nesting; a line ending in a weight in
    parentheses, `WORD (1)`, is an entry of the category above it, any other line is a
    category. `_` or a space joins the words of a phrase, `*` is a wildcard.
    """
    roots: list[_Node] = []
    stack: list[_Node] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip().expandtabs(_TAB)
        content = line.strip()
        if not content:
            continue
        indent = len(line) - len(line.lstrip())
        entry = _WEIGHT.match(content)
        while stack and stack[-1].indent >= indent:
            _check_filled(stack.pop(), source)
        parent = stack[-1] if stack else None
        if parent is None:
            if entry:
                what = "comes before any category" if not roots else "is not indented below a category"
                _fail(source, number, f"entry {content!r} {what}; put the category name on its own line above "
                                      "it and indent the entry with a tab")
            if roots and indent != roots[0].indent:
                _fail(source, number, f"{content!r}: bad indentation; top-level categories must line up "
                                      f"with {roots[0].name!r} (line {roots[0].line})")
        elif parent.child_indent is None:
            parent.child_indent = indent
        elif parent.child_indent != indent:
            hint = ("; only a category (a line without a weight such as '(1)') can have items below it"
                    if indent > parent.child_indent else "")
            _fail(source, number, f"{content!r}: bad indentation; the items under {parent.name!r} (line "
                                  f"{parent.line}) must line up with each other{hint}")
        if entry:
            word = entry.group("entry").strip()
            if not word:
                _fail(source, number, f"entry {content!r} has a weight but no word")
            weight = float(entry.group("weight").replace(",", "."))
            if not 0 < weight <= 100:
                _fail(source, number, f"entry {content!r}: weight {entry.group('weight')} cannot be used; "
                                      "a codebook weight is a number above 0 (up to 100)")
            parent.values.append((word, weight, number))
            continue
        node = _Node(content, number, indent=indent)
        (parent.children if parent is not None else roots).append(node)
        stack.append(node)
    while stack:
        _check_filled(stack.pop(), source)
    if not roots:
        _fail(source, 1, "no categories found; a WordStat dictionary has category names on their own lines "
                         "and entries such as 'WORD (1)' indented below them")
    return roots


def _check_filled(node: _Node, source: str) -> None:
    if not node.values and not node.children:
        _fail(source, node.line, f"category {node.name!r} has no entries (an entry looks like 'WORD (1)', "
                                 "indented below its category)")


# --------------------------------------------------------------------------- tree -> codebook data


def tree_data(roots: list[_Node], name: str, source: str, fmt: str) -> dict:
    underscores = fmt == "wordstat"
    where = f"{Path(source).name} ({'WordStat .cat' if fmt == 'wordstat' else 'quanteda YAML'} dictionary)"
    themes: dict[str, dict] = {}
    theme_ids: set[str] = set()
    for root in roots:
        codes: dict[str, dict] = {}
        code_ids: set[str] = set()

        def add(node: _Node, path: list[str], ident: str) -> None:
            by_weight: dict[float, list] = {}
            for text, weight, line in node.values:
                pattern = value_pattern(text, source, line, underscores=underscores)
                patterns = by_weight.setdefault(weight, [])
                if pattern not in patterns:
                    patterns.append(pattern)
            label = " > ".join(path)
            for n, (weight, patterns) in enumerate(sorted(by_weight.items(), key=lambda kv: kv[0] != 1.0)):
                suffix = "" if n == 0 else f"_weight_{_number(weight).replace('.', '_')}"
                cid = _unique(ident + suffix, code_ids)
                code: dict[str, Any] = {"label": label + (f" (weight {_number(weight)})" if suffix else ""),
                                        "patterns": patterns}
                if weight != 1.0:
                    code["weight"] = int(weight) if weight == int(weight) else weight
                codes[cid] = code

        def walk(node: _Node, path: list[str], prefix: str) -> None:
            for child in node.children:
                ident = f"{prefix}_{_ident(child.name)}" if prefix else _ident(child.name)
                if child.values:
                    add(child, path + [child.name], ident)
                walk(child, path + [child.name], ident)

        if root.values:
            add(root, [root.name], "main")
        walk(root, [], "")
        tid = _unique(_ident(root.name), theme_ids)
        themes[tid] = {"label": root.name,
                       "definition": f"Imported from the {'category' if underscores else 'key'} {root.name!r} of "
                                     f"{where}; replace this with a definition a coder can apply.",
                       "codes": codes}
    return {"name": _ident(name), "version": "0.1",
            "description": f"Imported from {where} by kwaliteitscan; the definitions must be written by a person.",
            "themes": themes}


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


# --------------------------------------------------------------------------- public API


def quanteda_to_codebook_data(data: dict, name: str, source: str | None = None) -> dict:
    """Codebook data from an already loaded quanteda YAML dictionary (used by `load_codebook`)."""
    source = source or name
    return tree_data(_quanteda_tree(data, source), name, source, "quanteda")


def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".cat":
        return "wordstat"
    if suffix in (".yml", ".yaml"):
        return "quanteda"
    if any(_WEIGHT.match(line.strip()) for line in text.splitlines()[:200] if line.strip()):
        return "wordstat"
    return "quanteda"



def write_codebook_yaml(data: dict, out: Path | str | None = None) -> str:
    """The codebook data as kwaliteitscan codebook YAML with a header comment; written to `out` if given."""
    body = _plain(data)
    origin = str(data.get("description") or "Imported from another dictionary format.").strip().splitlines()[0]
    header = (
        "# kwaliteitscan codebook made by `kwaliteitscan codebook import`.\n"
        f"# {origin}\n"
        "# Themes, codes and patterns were converted automatically (see docs/codebook.md for the pattern syntax).\n"
        "# The definitions are placeholders: a person must write, for every theme, a definition a coder can\n"
        "# apply, and check the labels and patterns, before this codebook is used for coding.\n"
        "# Add cues (requires/exclude), qualifiers, status rules and a checklist where they are needed.\n"
        "# Check it with: kwaliteitscan codebook validate FILE\n"
    )
    text = header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    if out is not None:
        Path(out).write_text(text, encoding="utf-8")
    return text


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# --------------------------------------------------------------------------- export


_MAX_EXPANSION = 100


def _glob(test) -> str:
    return {"exact": "{}", "prefix": "{}*", "suffix": "*{}", "contains": "*{}*"}[test.kind].format(test.value)


def pattern_values(pattern) -> list[str] | None:
    """The quanteda glob values of one of our patterns, or None when it cannot be expressed."""
    if pattern.regex is not None:
        glob = regex_glob(pattern.regex)
        return [glob] if glob else None
    if any(gap for _, gap in pattern.steps):
        return None
    values = [""]
    for alternatives, _ in pattern.steps:
        values = [f"{v} {_glob(t)}".strip() for v in values for t in alternatives]
        if len(values) > _MAX_EXPANSION:
            return None
    return values


def export_quanteda(codebook, keys: str = "id") -> tuple[str, list[str]]:
    """The codebook as a quanteda YAML dictionary, and warnings about what could not be exported.

    Themes become keys (their id, or with keys="label" their label), codes nested keys (a
    theme whose only code is `main` becomes a plain list of values). A phrase becomes a
    multi-word value, `a|b` several values; a `...` gap and a regex (other than one made
    from a quanteda `?` value) cannot be expressed in quanteda and are left out, as are
    cues, qualifiers, requires/exclude, polarity and weights; each is named in a warning.
    """
    if keys not in ("id", "label"):
        raise CodebookError(f"keys must be 'id' or 'label', not {keys!r}")
    warnings: list[str] = []
    out: dict[str, Any] = {}
    for theme in codebook.themes:
        codes: dict[str, list[str]] = {}
        for code in theme.codes:
            if code.scope in ("heading", "column"):
                warnings.append(f"themes.{theme.id}.codes.{code.id}: scope {code.scope} (the patterns name section "
                                "headings or table columns) cannot be expressed in a quanteda dictionary; code left out")
                continue
            values: list[str] = []
            for pattern in code.patterns:
                found = pattern_values(pattern)
                shown = f"{{regex: {pattern.source}}}" if pattern.regex is not None else pattern.source
                if found is None:
                    why = ("a regular expression" if pattern.regex is not None else
                           "a '...' gap" if any(gap for _, gap in pattern.steps) else
                           f"more than {_MAX_EXPANSION} alternatives")
                    warnings.append(f"themes.{theme.id}.codes.{code.id}: pattern '{shown}' skipped: {why} cannot be "
                                    "expressed in a quanteda dictionary")
                    continue
                values.extend(v for v in found if v not in values)
            lost = [f"requires {', '.join(code.requires)}" if code.requires else "",
                    f"exclude {', '.join(code.exclude)}" if code.exclude else "",
                    "polarity negative" if code.polarity == "negative" else "", "weak" if code.weak else "",
                    f"weight {_number(code.weight)}" if code.weight != 1.0 else "",
                    f"scope {code.scope}" if code.requires and code.scope != "sentence" else ""]
            if any(lost):
                warnings.append(f"themes.{theme.id}.codes.{code.id}: {', '.join(x for x in lost if x)} not exported "
                                "(a quanteda dictionary has no conditions or weights)")
            if values:
                codes[code.id] = values
            else:
                warnings.append(f"themes.{theme.id}.codes.{code.id}: no pattern could be exported; code left out")
        key = theme.id if keys == "id" else theme.label
        if not codes:
            warnings.append(f"themes.{theme.id}: no code could be exported; theme left out")
            continue
        out[key] = codes["main"] if list(codes) == ["main"] else codes
    if codebook.cues:
        warnings.append(f"cues not exported: {', '.join(codebook.cues)}")
    if codebook.qualifiers:
        warnings.append(f"qualifiers not exported: {', '.join(q.id for q in codebook.qualifiers)}")
    header = (f"# quanteda dictionary exported by kwaliteitscan from the codebook {codebook.name} {codebook.version}.\n"
              "# Read it in R with quanteda::dictionary(file = \"...\"). Lemma matching, cues, qualifiers and\n"
              "# regular expressions are not part of it; see the warnings printed by the export.\n")
    return header + yaml.safe_dump(out, sort_keys=False, allow_unicode=True, width=100), warnings
