"""Find the PDFs of a corpus and read its optional manifest (file -> institution, year)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..errors import InputError

MANIFEST = "manifest.csv"


@dataclass(frozen=True)
class Entry:
    """What the corpus knows about one PDF."""

    path: Path
    institution: str
    year: int | None


#: what a corpus folder is searched for: PDFs and Word drafts
SUFFIXES = (".pdf", ".docx")


def find_pdfs(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders searched (recursively, hidden folders skipped) for *.pdf and *.docx,
    sorted; Word's lock files (~$name.docx) left out."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                                and not p.name.startswith("~$")
                                and not any(part.startswith(".") for part in p.relative_to(path).parts)))
        else:
            found.append(path)
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(str(path.resolve()), path)
    return list(unique.values())


def read_manifest(folder: Path) -> dict[str, tuple[str, int | None]]:
    """`manifest.csv` in `folder` (columns file,institution,year), or an empty dict."""
    path = Path(folder) / MANIFEST
    if not path.exists():
        return {}
    entries: dict[str, tuple[str, int | None]] = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"file", "institution"} - set(reader.fieldnames or [])
        if missing:
            raise InputError(f"{path}: the header must name the columns file,institution,year "
                             f"(missing: {', '.join(sorted(missing))})")
        for number, row in enumerate(reader, start=2):
            name = (row.get("file") or "").strip()
            if not name:
                raise InputError(f"{path}:{number}: the file column is empty; fill it in or delete the row")
            year_text = (row.get("year") or "").strip()
            if year_text and not year_text.isdigit():
                raise InputError(f"{path}:{number}: year {year_text!r} is not a number like 2024")
            entries[name] = ((row.get("institution") or "").strip() or guess_institution(name),
                             int(year_text) if year_text else guess_year(name))
    return entries


#: words in file names that say what kind of file it is, not whose: left out of the institution
_NOISE = {"kwaliteitsagenda", "kwaliteitsagendas", "kwaliteitsagenda's", "ka", "definitief", "definitieve", "def",
          "concept", "conceptversie", "draft", "versie", "final", "finale", "vastgesteld", "pdf", "tm", "t/m"}
#: Dutch words that stay in lower case inside a name ("ROC Rijn en Gouwe", "College van de Kust")
_PARTICLES = {"en", "van", "de", "der", "den", "het", "aan", "op", "in", "voor"}
_CONCEPT = re.compile(r"(?i)(?<![a-z])(concept|draft)(?![a-z])")
_YEAR_RANGE = re.compile(r"(?i)(?<!\d)(20\d\d)[\s_]*(?:[-–_/]|t/?m|tot)[\s_]*(?:20)?\d\d(?!\d)")
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def guess_year(name: str) -> int | None:
    """The agenda's year from its file name: the first of a range ("2024-2027" -> 2024), else the
    last year named ("roc-noordkust-2026.pdf" -> 2026)."""
    ranged = _YEAR_RANGE.search(name)
    if ranged:
        return int(ranged.group(1))
    years = _YEAR.findall(name)
    return int(years[-1]) if years else None


def guess_institution(name: str) -> str:
    """The institution from a file name as schools give them: years, ranges, version words
    ("kwaliteitsagenda", "KA", "definitief", "concept", "versie 2", "v3") and brackets around
    them left out; words in lower case get a capital, ROC/AOC/MBO in capitals."""
    stem = re.sub(r"(?i)\.(pdf|docx)$", "", Path(name).name)
    stem = _YEAR_RANGE.sub(" ", stem)
    stem = _YEAR.sub(" ", stem)
    stem = re.sub(r"[()\[\]{}]", " ", stem)
    words = [w for w in re.split(r"[-_\s.,]+", stem) if w]
    kept = [w for w in words if w.lower() not in _NOISE and not re.fullmatch(r"(?i)v\d+|\d+", w)]
    def shown(k: int, w: str) -> str:
        if w.lower() in {"roc", "aoc", "mbo"}:
            return w.upper()
        if any(c.isupper() for c in w) or (k and w in _PARTICLES):
            return w
        return w[:1].upper() + w[1:]

    return " ".join(shown(k, w) for k, w in enumerate(kept)) or re.sub(r"(?i)\.(pdf|docx)$", "", Path(name).name)


def is_concept(path: Path) -> bool:
    """A draft by its name: 'concept' or 'draft' in the file name."""
    return bool(_CONCEPT.search(Path(path).name))


def corpus_entries(root: Path, pdfs: list[Path]) -> list[Entry]:
    """Institution and year for each PDF: from the manifest when present, else from the file name."""
    manifest = read_manifest(root) if Path(root).is_dir() else {}
    entries = []
    for pdf in pdfs:
        institution, year = manifest.get(pdf.name, (guess_institution(pdf.name), guess_year(pdf.name)))
        entries.append(Entry(pdf, institution, year))
    return entries


def drop_concepts(root: Path, entries: list[Entry]) -> tuple[list[Entry], list[str]]:
    """Leave out a concept version of an agenda whose final version is in the corpus too (same
    institution and year), unless the manifest names it; returns the entries kept and one line
    per file left out, and per institution and year that still has several files."""
    listed = set(read_manifest(root)) if Path(root).is_dir() else set()
    groups: dict[tuple[str, int | None], list[Entry]] = {}
    for entry in entries:
        groups.setdefault((entry.institution, entry.year), []).append(entry)
    kept, notes = [], []
    for (institution, year), group in groups.items():
        finals = [e for e in group if not is_concept(e.path) or e.path.name in listed]
        if finals and len(finals) < len(group):
            for e in group:
                if e not in finals:
                    notes.append(f"{e.path}: a concept of {institution} {year or ''} whose final version is "
                                 f"{finals[0].path.name}; left out (list it in manifest.csv to code it anyway)")
            group = finals
        if len(group) > 1:
            notes.append(f"{institution} {year or ''}: {len(group)} files ({', '.join(e.path.name for e in group)}); "
                         "both are coded as that agenda - say in manifest.csv which is which")
        kept += group
    return sorted(kept, key=lambda e: str(e.path)), notes


def write_manifest(root: Path, pdfs: list[Path], force: bool = False) -> Path:
    """manifest.csv in `root` with the institution and year guessed for each PDF, for a person to
    correct; refuses to overwrite one unless `force`."""
    path = Path(root) / MANIFEST
    if path.exists() and not force:
        raise InputError(f"{path}: a manifest is already there; edit it, or pass --force to write it anew")
    rows = [(p.relative_to(root).as_posix() if p.is_relative_to(root) else p.name, e.institution, e.year or "")
            for p, e in ((e.path, e) for e in corpus_entries(root, pdfs))]
    import io

    from ..files import write_text

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", "institution", "year"])
    writer.writerows((Path(f).name, i, y) for f, i, y in rows)
    write_text(path, buffer.getvalue())
    return path


def find_coded_pdf(folder: Path, file: str, sha256: str) -> Path | None:
    """The PDF a coded document was read from: in `folder` or below it (or `folder` itself when it
    is that PDF), found by its file name and checked against its SHA-256; None when it is gone
    or has changed since."""
    from .extractor import sha256_file

    folder = Path(folder)
    if folder.is_file():
        options = [folder] if folder.name == file else []
    else:
        direct = folder / file
        options = [direct] if direct.is_file() else []
        options += sorted(p for p in find_pdfs([folder]) if p.name == file and p.resolve() != direct.resolve())
    return next((p for p in options if sha256_file(p) == sha256), None)
