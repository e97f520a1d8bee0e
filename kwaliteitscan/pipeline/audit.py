"""Self-audit of one agenda: extract, code and report it in one go, in a throw-away project.

Everything in an audit is a suggestion: there is no coder, so the report says so, and the
checklist points that apply come first.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable

from ..codebook import Codebook
from ..errors import InputError
from ..project import Project, project_codebook
from ..report.model import Report, report_from_project
from .code import code_corpus

AUDIT_BASIS = "suggesties (nog door een mens te controleren)"


def audit_file(file: Path | str, codebook: Path | str | Codebook | None = None, *, institution: str | None = None,
               year: int | None = None, ocr: bool = False,
               on_warning: Callable[[str], None] | None = None) -> Report:
    """The report of one agenda (PDF or .docx) coded on its own, its checklist points that apply
    first. `institution` and `year` name it where the file name does not say it right; `ocr`
    reads the pages of a scan; `on_warning` hears each extraction warning (a page without text,
    a weak OCR page), which the report itself does not show."""
    file = Path(file)
    if not file.is_file():
        raise InputError(f"{file}: no such PDF or Word file")
    with tempfile.TemporaryDirectory(prefix="kwaliteitscan-audit-") as tmp:
        summary = code_corpus(file, codebook, Path(tmp) / "audit.sqlite", jobs=1, ocr=ocr)
        if summary.failed:
            raise InputError(summary.failed[0][1])
        for name, warning in summary.warnings if on_warning else ():
            on_warning(f"{name}: {warning}")
        with Project(summary.db) as project:
            built = report_from_project(project, project_codebook(project))
    built.basis = AUDIT_BASIS
    for inst in built.institutions:
        inst.checklist.sort(key=lambda c: not c.applies)
        inst.institution = institution or inst.institution
        inst.year = year or inst.year
    return built
