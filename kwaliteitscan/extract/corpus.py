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


def find_pdfs(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders searched (recursively, hidden folders skipped) for *.pdf, sorted."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf"
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


def guess_year(name: str) -> int | None:
    years = re.findall(r"(?<!\d)(20\d\d)(?!\d)", name)
    return int(years[-1]) if years else None


def guess_institution(name: str) -> str:
    stem = re.sub(r"\.pdf$", "", name, flags=re.IGNORECASE)
    stem = re.sub(r"[-_ ]*(?:kwaliteitsagenda)?[-_ ]*(?<!\d)20\d\d(?:[-_]20\d\d)?(?!\d)", " ", stem, flags=re.I)
    words = [w for w in re.split(r"[-_\s]+", stem) if w]
    return " ".join(w.upper() if w.lower() in {"roc", "aoc", "mbo"} else w[:1].upper() + w[1:]
                    for w in words) or stem


def corpus_entries(root: Path, pdfs: list[Path]) -> list[Entry]:
    """Institution and year for each PDF: from the manifest when present, else from the file name."""
    manifest = read_manifest(root) if Path(root).is_dir() else {}
    entries = []
    for pdf in pdfs:
        institution, year = manifest.get(pdf.name, (guess_institution(pdf.name), guess_year(pdf.name)))
        entries.append(Entry(pdf, institution, year))
    return entries


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
