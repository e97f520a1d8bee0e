"""Self-audit of one agenda: extract, code and report it in one go, in a throw-away project.

Everything in an audit is a suggestion: there is no coder, so the document says so. The result
is a `report.audit.Audit`: the school's document (gaps first, then what is in order, then how it
was made), with the report it rests on in `Audit.report`.

Whether the file is an agenda at all: a kwaliteitsagenda must hold an ambition against
stagediscriminatie, so it speaks of internships and of discrimination in more than a passing
sentence. The audit counts the passages (sentences, table rows) holding a word of the codebook's
cues `stage` and `discriminatie` (their one-word patterns and regexes); below MIN_INTERNSHIP or
MIN_DISCRIMINATION the audit warns that the file may not be a kwaliteitsagenda, and the CLI exits
with errors.NOT_AN_AGENDA.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Callable

from ..codebook import Codebook
from ..errors import InputError
from ..project import Project, project_codebook
from ..report.audit import Audit, Topic, build_audit
from ..report.model import report_from_project
from .code import code_corpus

AUDIT_BASIS = "suggesties (nog door een mens te controleren)"
#: the codebook cues that say a passage is about internships, about discrimination
INTERNSHIP_CUE, DISCRIMINATION_CUE = "stage", "discriminatie"
#: fewer passages than this about internships, or about discrimination, and the file is probably
#: no kwaliteitsagenda, or one without the mandatory ambition: the 41 demo agendas have 26-76
#: passages about internships and 1-29 about discrimination; a canteen report has none of either
MIN_INTERNSHIP, MIN_DISCRIMINATION = 5, 1
_WORD = re.compile(r"[\w-]+")


def audit_file(file: Path | str, codebook: Path | str | Codebook | None = None, *, institution: str | None = None,
               year: int | None = None, ocr: bool = False,
               on_warning: Callable[[str], None] | None = None) -> Audit:
    """The audit document of one agenda (PDF or .docx) coded on its own. `institution` and `year`
    name it where the file name does not say it right; `ocr` reads the pages of a scan;
    `on_warning` hears each extraction warning (a page without text, a weak OCR page), which the
    audit itself does not show."""
    file = Path(file)
    if not file.is_file():
        raise InputError(f"{file}: no such PDF or Word file")
    with tempfile.TemporaryDirectory(prefix="kwaliteitscan-audit-") as tmp:
        summary = code_corpus(file, codebook, Path(tmp) / "audit.sqlite", jobs=1, ocr=ocr, queue_terms=False)
        if summary.failed:
            raise InputError(summary.failed[0][1])
        for name, warning in summary.warnings if on_warning else ():
            on_warning(f"{name}: {warning}")
        with Project(summary.db) as project:
            book = project_codebook(project)
            built = report_from_project(project, book)
            topic = topic_of(book, [p["text"] for p in project.passages()])
            pages = sum(int(d.get("pages") or 0) for d in project.documents())
    built.basis = AUDIT_BASIS
    for inst in built.institutions:
        inst.checklist.sort(key=lambda c: not c.applies)
        inst.institution = institution or inst.institution
        inst.year = year or inst.year
    return build_audit(built, topic, pages)


def topic_of(book: Codebook, texts: list[str]) -> Topic | None:
    """How many of `texts` hold an internship word and a discrimination word (None: the codebook
    has no such cues, so the check does not apply)."""
    if INTERNSHIP_CUE not in book.cues or DISCRIMINATION_CUE not in book.cues:
        return None
    internship = _matcher(book, INTERNSHIP_CUE)
    discrimination = _matcher(book, DISCRIMINATION_CUE)
    return Topic(sum(1 for t in texts if internship(t)), sum(1 for t in texts if discrimination(t)),
                 MIN_INTERNSHIP, MIN_DISCRIMINATION)


def _matcher(book: Codebook, cue: str):
    tests, regexes = [], []
    for pattern in book.cues[cue]:
        if pattern.regex:
            regexes.append(re.compile(pattern.regex, re.IGNORECASE))
        elif len(pattern.steps) == 1:
            tests.extend(pattern.steps[0][0])

    def word_holds(word: str) -> bool:
        for t in tests:
            if (t.kind == "exact" and word == t.value or t.kind == "prefix" and word.startswith(t.value)
                    or t.kind == "suffix" and word.endswith(t.value) or t.kind == "contains" and t.value in word):
                return True
        return False

    def holds(text: str) -> bool:
        return any(word_holds(w) for w in _WORD.findall(text.lower())) or any(r.search(text) for r in regexes)

    return holds
