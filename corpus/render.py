"""Render the demo corpus: corpus/src/*.md -> corpus/*.pdf, and write corpus/manifest.csv.

Usage: python corpus/render.py [--corpus DIR] [DOC_ID ...]   (needs: pip install -e '.[render]')
DIR defaults to this folder (the demo corpus); the held-out corpus is `corpus-heldout/`.
The rendered PDFs are committed, so the demo needs no rendering tools.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from kwaliteitscan.testing.demo_pdf import parse_source, render_file

HERE = Path(__file__).resolve().parent


def write_manifest(base: Path = HERE) -> Path:
    rows = []
    for src in sorted((base / "src").glob("*.md")):
        meta = parse_source(src.read_text(encoding="utf-8"), str(src)).meta
        rows.append((f"{src.stem}.pdf", meta["institution"], meta["year"]))
    path = base / "manifest.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file", "institution", "year"])
        writer.writerows(rows)
    return path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=HERE)
    parser.add_argument("ids", nargs="*")
    args = parser.parse_args(argv)
    base = args.corpus.resolve()
    ids = args.ids or sorted(p.stem for p in (base / "src").glob("*.md"))
    for doc_id in ids:
        out = render_file(base / "src" / f"{doc_id}.md", base / f"{doc_id}.pdf")
        print(f"rendered {out}")
    print(f"wrote {write_manifest(base)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
