"""A project's reviewed decisions written as gold codings (GOLD_FORMAT.md).

What coders decided in `kwaliteitscan review` becomes a hand-coded corpus: the accuracy
benchmark can score a new codebook against it, and `suggester train` can learn from it.
Per document, with the decisions the reports use (`report.model.decisions_for`):

- passages: the hit sentence of every confirmed candidate, under the theme and polarity the
  coder gave it. The sentences that merely continue it are left out: a confirmation says the
  candidate is right, not that each sentence after its hit is evidence of the same kind;
- traps: every rejected candidate's hit sentence, under the theme it was offered for, unless
  a confirmed candidate gives that sentence the same theme;
- themes and flags: the report's status of each theme and its checklist points, computed
  from the decided candidates only.

Only documents whose candidates all have a decision are written: in a document still under
review, a theme without a confirmed passage may simply not have been read yet. A document
with no candidates at all has nothing a coder looked at, so it is not written either.
An existing gold file is never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..codebook import Codebook

@dataclass
class GoldExport:
    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one line each: the document and why


def codings(book: Codebook, candidates: list[dict], documents: list[dict],
            decisions: dict[str, dict]) -> tuple[dict[str, dict], list[str]]:
    """Gold coding per document file, and one line per document left out (and why)."""
    from ..report.model import cell_for, checklist_for, evidence_for

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
        passages, traps, coded, trapped = [], [], set(), set()
        for cand, ev in zip(cands, evidence):  # confirmations first, whatever the order of the candidates
            key = (ev.theme, cand["sentence"].strip())
            if ev.decision == "confirmed" and key not in coded:
                coded.add(key)
                passages.append({"theme": ev.theme, "polarity": ev.polarity, "text": key[1]})
        for cand, ev in zip(cands, evidence):
            key = (cand["theme"], cand["sentence"].strip())
            if ev.decision == "rejected" and key not in coded and key not in trapped:
                trapped.add(key)
                traps.append({"theme": key[0], "text": key[1]})
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
