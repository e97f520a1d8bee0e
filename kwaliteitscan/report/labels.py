"""How statuses and institutions are written in every report format (Dutch, from the model)."""

from __future__ import annotations

import re

from .model import STATUS_NL

#: what the audit's two sections say when they are empty (every format)
NO_GAPS = "Het programma vond geen verbeterpunten."
NOTHING_IN_ORDER = "Het programma vond bij geen enkel thema genoeg om het in orde te noemen."

SYMBOL = {"present": "●", "unclear": "◐", "absent": "○"}
POLARITY_NL = {"positive": "positief", "negative": "negatief (tegenbewijs)"}
DECISION_NL = {"pending": "nog niet beoordeeld (suggestie)", "confirmed": "bevestigd", "rejected": "verworpen",
               "uncertain": "twijfelachtig"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]!#<>|])")


def md_escape(text: str) -> str:
    """Text safe inside a Markdown table cell: no table, code, link, image or HTML syntax."""
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return re.sub(r"(?i)javascript:", "javascript&#58;", text)


def cell_text(cell, reviewed_mark: bool = True) -> str:
    mark = "✓" if cell.reviewed else "?"
    return f"{SYMBOL[cell.status]} {STATUS_NL[cell.status]} {mark}" if reviewed_mark else STATUS_NL[cell.status]


def display_name(inst) -> str:
    return f"{inst.institution} ({inst.year})" if inst.year else inst.institution


def cut_at_word(text: str, width: int = 240) -> str:
    """`text` on one line, cut at a word with an ellipsis when longer than `width` (never mid-word)."""
    text = " ".join((text or "").split())
    if len(text) <= width:
        return text
    cut = text[:width + 1].rsplit(" ", 1)[0] if " " in text[:width + 1] else text[:width]
    return cut.rstrip(",;:") + " …"


def cut_at_sentence(text: str, width: int = 240, reach: int = 120) -> str:
    """`text` on one line, cut where a sentence ends: the sentence the cut falls in is kept whole
    when it ends within `reach` characters after `width`, else left out when what comes before it
    fills at least half the width; only otherwise cut at a word (cut_at_word). The words that
    decide what a sentence says often stand at its end ("... voegen wij aan het programma niet
    toe"), so half a sentence can say the opposite of the whole."""
    flat = " ".join((text or "").split())
    if len(flat) <= width:
        return flat
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s|$)", flat[:width + reach + 1])]
    after = [e for e in ends if e > width]
    before = [e for e in ends if width // 2 <= e <= width]
    stop = after[0] if after else before[-1] if before else None
    if stop is None:
        return cut_at_word(flat, width)
    return flat[:stop] if stop >= len(flat) else flat[:stop] + " …"
