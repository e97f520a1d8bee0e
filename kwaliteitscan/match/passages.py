"""Every passage of a document for the review queue: each sentence, table row and list item,
in reading order, with what the codebook says about it per theme.

The codebook's evidence becomes the queue's prior (review/queue.py): a candidate's hit
sentence (HIT, or WEAK_HIT for a weak candidate), the sentences that continue a candidate's
passage (CONTINUATION), and a sentence that holds a theme's pattern but that a `requires`,
`exclude` or scope rule threw out (DROPPED): such a sentence is no candidate, but it is not
lost either; it only ranks lower. Everything else has no evidence and is ranked by the model.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from dataclasses import dataclass

from ..segment.segmenter import Segmented
from .matcher import Candidate, Matcher, sentence_themes

#: rule evidence per theme, as the queue's prior reads it
HIT, WEAK_HIT, CONTINUATION, DROPPED = 1.0, 0.7, 0.5, 0.3
BULLETS = "•·▪◦‣●■-–"


@dataclass(frozen=True)
class Passage:
    key: str  # stable: document, page and offsets (see passage_key)
    document: str  # the document's SHA-256
    order: int  # reading order within the document
    page: int
    start: int
    end: int
    kind: str  # sentence | row | item | heading
    text: str
    prev: str  # the previous sentence of the same section ('' after a heading)
    heading: str  # the section headings above it, and a table's header row
    prior: tuple[float, ...]  # rule evidence per theme, in the codebook's theme order


def passage_key(document_sha: str, page: int, start: int, end: int) -> str:
    """A passage's id: like a candidate id, derived from content and position, never random."""
    return "p" + hashlib.sha256(f"{document_sha}:{page}:{start}:{end}".encode()).hexdigest()[:23]


def passages_of(seg: Segmented, candidates: list[Candidate], matcher: Matcher,
                themes_seen: dict | None = None) -> list[Passage]:
    """All passages of `seg`, with the evidence of `candidates` (code_document's result for it).
    `themes_seen` is what code_document collected for the same document (saves matching again)."""
    themes = matcher.codebook.theme_ids
    evidence: dict[tuple[int, int], dict[str, float]] = {}

    def note(page: int, start: int, theme: str, value: float) -> None:
        slot = evidence.setdefault((page, start), {})
        slot[theme] = max(slot.get(theme, 0.0), value)

    starts = {p.number: sorted(s[0] for b in p.blocks for s in b.sentences) for p in seg.pages}
    for cand in candidates:
        page_starts = starts.get(cand.page, [])
        for k in range(bisect_left(page_starts, cand.start), bisect_left(page_starts, cand.passage_end)):
            start = page_starts[k]
            note(cand.page, start, cand.theme, (WEAK_HIT if cand.weak else HIT) if start == cand.start else CONTINUATION)
    out: list[Passage] = []
    heads: list[tuple[int, str]] = []
    prev = ""
    for page in seg.pages:
        for block in page.blocks:
            block_text = page.text[block.start:block.end]
            if block.heading:
                heads = [h for h in heads if h[0] < block.heading] + [(block.heading, " ".join(block_text.split()))]
                prev = ""
            heading = " ".join(h[1] for h in heads) + (" " + block.header if block.header else "")
            kind = ("heading" if block.heading else "row" if block.is_row
                    else "item" if block_text.lstrip()[:1] in BULLETS else "sentence")
            for sentence in block.sentences:
                start, end = sentence[0], sentence[1]
                text = " ".join(page.text[start:end].split())
                found = evidence.get((page.number, start), {})
                seen = themes_seen.get((page.number, start)) if themes_seen is not None else None
                if seen is None:
                    seen = sentence_themes(page, sentence, matcher, bool(block.heading))
                dropped = seen - set(found)
                prior = tuple(found.get(t, DROPPED if t in dropped else 0.0) for t in themes)
                out.append(Passage(passage_key(seg.sha256, page.number, start, end), seg.sha256, len(out),
                                   page.number, start, end, kind, text, prev, heading.strip(), prior))
                if not block.heading:
                    prev = text
    return out
