"""A project's reviewed decisions written as gold codings (GOLD_FORMAT.md).

What coders decided in `kwaliteitscan review` becomes a hand-coded corpus: the accuracy
benchmark can score a new codebook against it, and `suggester train` can learn from it.
Per document, with the decisions the reports use (`report.model.decisions_for`):

- passages: every confirmed candidate, under the theme and polarity the coder gave it,
  one sentence per passage (a candidate's passage is split at sentence ends);
- traps: every rejected candidate's hit sentence, under the theme it was offered for;
- themes and flags: the report's status of each theme and its checklist points, computed
  from the decided candidates only.

Only documents whose candidates all have a decision are written: in a document still under
review, a theme without a confirmed passage may simply not have been read yet. A document
with no candidates at all has nothing a coder looked at, so it is not written either.
An existing gold file is never overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .codebook import Codebook

#: a sentence ends at . ! ? (or an ellipsis) followed by white space and what can start a sentence
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-Ý0-9“\"‘'(•\-–])")


def sentences(passage: str) -> list[str]:
    """A candidate's passage split into its sentences (it stands within one paragraph)."""
    return [s.strip() for s in _SENTENCE_END.split(passage.strip()) if s.strip()]


@dataclass
class GoldExport:
    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one line each: the document and why


def codings(book: Codebook, candidates: list[dict], documents: list[dict],
            decisions: dict[str, dict]) -> tuple[dict[str, dict], list[str]]:
    """Gold coding per document file, and one line per document left out (and why)."""
    from .report.model import cell_for, checklist_for, evidence_for

    by_file: dict[str, list[dict]] = {}
    for cand in candidates:
        by_file.setdefault(cand["file"], []).append(cand)
    out: dict[str, dict] = {}
    skipped: list[str] = []
    for doc in sorted(documents, key=lambda d: d["file"]):
        cands = by_file.get(doc["file"], [])
        if not cands:
            skipped.append(f"{doc['file']}: no candidates, so nothing a coder decided")
            continue
        evidence = [evidence_for(c, decisions.get(c["id"])) for c in cands]
        open_ = sum(e.decision in ("pending", "uncertain") for e in evidence)
        if open_:
            skipped.append(f"{doc['file']}: {open_} of {len(evidence)} candidates are pending or uncertain; "
                           "decide them in `kwaliteitscan review` first")
            continue
        cells = {t: cell_for(t, [e for e in evidence if e.theme == t]) for t in book.theme_ids}
        passages, traps, seen = [], [], set()
        for cand, ev in zip(cands, evidence):
            if ev.decision == "confirmed":
                for text in sentences(cand["passage"]):
                    if (ev.theme, text) not in seen:
                        seen.add((ev.theme, text))
                        passages.append({"theme": ev.theme, "polarity": ev.polarity, "text": text})
            elif ev.decision == "rejected" and (cand["theme"], cand["sentence"]) not in seen:
                seen.add((cand["theme"], cand["sentence"]))
                traps.append({"theme": cand["theme"], "text": cand["sentence"].strip()})
        out[doc["file"]] = {
            "document": doc["file"],
            "institution": doc["institution"],
            "year": doc["year"],
            "themes": {t: cells[t].status for t in book.theme_ids},
            "flags": [item.id for item in checklist_for(book, cells) if item.applies],
            "passages": passages,
            "traps": traps,
        }
    return out, skipped


def write(coded: dict[str, dict], out_dir: Path, header: str) -> GoldExport:
    """Write OUT/gold/<doc-id>.yaml for each coding; an existing file is left alone and named."""
    import yaml

    result = GoldExport()
    gold_dir = Path(out_dir) / "gold"
    gold_dir.mkdir(parents=True, exist_ok=True)
    for file, data in coded.items():
        path = gold_dir / f"{Path(file).stem}.yaml"
        if path.exists():
            result.skipped.append(f"{path}: exists and is never overwritten; move it away or choose another --out")
            continue
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
        path.write_text("".join(f"# {line}\n" for line in header.splitlines()) + text, encoding="utf-8")
        result.written.append(path)
    return result
