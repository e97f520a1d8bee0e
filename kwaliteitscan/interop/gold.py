"""Hand codings in the format of GOLD_FORMAT.md: reading them, and when a text counts as a gold passage.

Shared by the accuracy benchmark (does a candidate find a gold passage?) and the suggester's
training (which gold themes does a sentence carry?), so the two can never drift apart.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError


def norm(text: str) -> str:
    """Lowercased, with every run of white space one space."""
    return re.sub(r"\s+", " ", text).strip().lower()


def contains(text: str, gold: str) -> bool:
    """`text` holds the whole gold passage."""
    g = norm(gold)
    return bool(g) and g in norm(text)


def is_part(sentence: str, gold: str) -> bool:
    """`sentence` is a part of the gold passage that covers at least half of it."""
    s, g = norm(sentence), norm(gold)
    return bool(s) and s in g and len(s) >= 0.5 * len(g)


def read(corpus: Path | str) -> dict[str, dict]:
    """The gold codings of a corpus folder (gold/<doc-id>.yaml), by doc id."""
    import yaml

    out = {}
    for path in sorted(Path(corpus, "gold").glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or "document" not in data:
                raise KeyError("document")
        except (OSError, yaml.YAMLError, KeyError) as exc:
            raise InputError(f"{path}: not a gold coding ({exc}); see GOLD_FORMAT.md") from exc
        out[path.stem] = data
    return out
