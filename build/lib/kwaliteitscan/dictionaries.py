"""Other dictionary formats, converted to codebook data: quanteda YAML dictionaries.

quanteda keys become themes (nested keys become codes), values become patterns: globs keep
their `*`, multi-word values become phrases (they must match: quanteda long ignored them).
"""

from __future__ import annotations

import re
from typing import Any


def _ident(key: str) -> str:
    ident = re.sub(r"[^a-z0-9]+", "_", str(key).lower()).strip("_")
    return ident if ident and ident[0].isalpha() else f"k_{ident}"


def _values(node: Any) -> list[str]:
    return [str(v) for v in node] if isinstance(node, list) else []


def quanteda_to_codebook_data(data: dict, name: str) -> dict:
    themes: dict[str, dict] = {}
    for key, node in data.items():
        codes: dict[str, dict] = {}
        if isinstance(node, list):
            codes["main"] = {"label": str(key), "patterns": _values(node)}
        else:
            for sub, values in node.items():
                patterns = _values(values) if isinstance(values, list) else [
                    v for inner in values.values() for v in _values(inner)]
                codes[_ident(sub)] = {"label": str(sub), "patterns": patterns}
        themes[_ident(key)] = {"label": str(key), "definition": f"Imported from the dictionary key {key!r}.",
                               "codes": codes}
    return {"name": _ident(name), "version": "imported", "themes": themes}
