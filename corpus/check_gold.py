"""Check the demo corpus: every gold passage and trap stands verbatim in its source.

Usage: python corpus/check_gold.py [--corpus DIR] [DOC_ID ...]
DIR defaults to this folder (the demo corpus); the held-out corpus is `corpus-heldout/`.
Prints one line per problem and a word count per source; exits 1 when anything is wrong.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

THEMES = (
    "acknowledgement", "goals", "monitoring", "social_norm", "professionals",
    "reporting_desk", "informing_students", "objective_matching",
)
FLAGS = (
    "acknowledge_problem", "inform_students", "professionalise_staff",
    "assign_responsibility", "objective_criteria", "monitoring_beyond_reports",
)
STATUSES = ("present", "absent", "unclear")
HERE = Path(__file__).resolve().parent


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _body(source: str) -> str:
    parts = source.split("---", 2)
    return parts[2] if source.startswith("---") and len(parts) == 3 else source


def check(doc_id: str, base: Path = HERE) -> list[str]:
    problems: list[str] = []
    src_path = base / "src" / f"{doc_id}.md"
    gold_path = base / "gold" / f"{doc_id}.yaml"
    if not src_path.exists():
        return [f"{src_path}: missing source"]
    body = _body(src_path.read_text(encoding="utf-8"))
    flat = _norm(body)
    words = len(body.split())
    print(f"{doc_id}: {words} words")
    if words < 3000:
        problems.append(f"{src_path}: only {words} words, 3000 needed")
    if not gold_path.exists():
        return problems + [f"{gold_path}: missing gold"]
    gold = yaml.safe_load(gold_path.read_text(encoding="utf-8"))
    if gold.get("document") != f"{doc_id}.pdf":
        problems.append(f"{gold_path}: document should be {doc_id}.pdf")
    themes = gold.get("themes") or {}
    for theme in THEMES:
        if themes.get(theme) not in STATUSES:
            problems.append(f"{gold_path}: themes.{theme} must be one of {STATUSES}")
    for key in set(themes) - set(THEMES):
        problems.append(f"{gold_path}: unknown theme {key}")
    for flag in gold.get("flags") or []:
        if flag not in FLAGS:
            problems.append(f"{gold_path}: unknown flag {flag}")
    for section in ("passages", "traps"):
        for i, item in enumerate(gold.get(section) or []):
            if item.get("theme") not in THEMES:
                problems.append(f"{gold_path}: {section}[{i}] has unknown theme {item.get('theme')}")
            if section == "passages" and item.get("polarity") not in ("positive", "negative"):
                problems.append(f"{gold_path}: {section}[{i}] polarity must be positive or negative")
            text = _norm(str(item.get("text", "")))
            if not text or text not in flat:
                problems.append(f"{gold_path}: {section}[{i}] not verbatim in source: {text[:70]!r}")
    return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=HERE)
    parser.add_argument("ids", nargs="*")
    args = parser.parse_args(argv)
    ids = args.ids or sorted(p.stem for p in (args.corpus / "src").glob("*.md"))
    problems = [p for doc_id in ids for p in check(doc_id, args.corpus)]
    for problem in problems:
        print(problem)
    print(f"{len(ids)} documents, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
