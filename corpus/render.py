"""Render the demo corpus: corpus/src/*.md -> corpus/*.pdf, and write corpus/manifest.csv.

Usage: python corpus/render.py [DOC_ID ...]   (needs: pip install -e '.[render]')
The rendered PDFs are committed, so the demo needs no rendering tools.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from kwaliteitscan.render import parse_source, render_file

HERE = Path(__file__).resolve().parent


def write_manifest() -> Path:
    rows = []
    for src in sorted((HERE / "src").glob("*.md")):
        meta = parse_source(src.read_text(encoding="utf-8"), str(src)).meta
        rows.append((f"{src.stem}.pdf", meta["institution"], meta["year"]))
    path = HERE / "manifest.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file", "institution", "year"])
        writer.writerows(rows)
    return path


def main(argv: list[str]) -> int:
    ids = argv or sorted(p.stem for p in (HERE / "src").glob("*.md"))
    for doc_id in ids:
        out = render_file(HERE / "src" / f"{doc_id}.md", HERE / f"{doc_id}.pdf")
        print(f"rendered {out.relative_to(HERE.parent)}")
    print(f"wrote {write_manifest().relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
