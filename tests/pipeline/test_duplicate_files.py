"""One content under two names (a copy saved as another school's agenda, a download kept twice)
is coded once, as the first file in path order, and both names are said in one line: an
institution never disappears from the report without a word."""

from __future__ import annotations

import shutil

from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.pipeline.code import code_corpus
from kwaliteitscan.project.store import Project

from ..conftest import DATA_DIR


def _corpus(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    folder.mkdir()
    original = make_pdf("# Stage\n\nWij erkennen dat stagediscriminatie voorkomt.\n", name="corpus/roc-noot-2024.pdf")
    shutil.copy(original, folder / "roc-aap-2024.pdf")
    make_pdf("# Stage\n\nEen meldpunt voor studenten.\n", name="corpus/roc-mies-2024.pdf")
    return folder


def test_identical_files_are_coded_once_and_both_names_are_said(tmp_path, make_pdf):
    folder = _corpus(tmp_path, make_pdf)
    for run in range(2):  # the rule holds on a re-run too: the same name, never flip-flopping
        summary = code_corpus(folder, DATA_DIR / "mini.yaml", jobs=1)
        notes = [n for n in summary.notes if "same content" in n]
        assert len(notes) == 1 and "\n" not in notes[0]
        assert notes[0].startswith("roc-noot-2024.pdf (ROC Noot 2024) has the same content as "
                                   "roc-aap-2024.pdf (ROC Aap 2024): coded once, as roc-aap-2024.pdf"), notes[0]
        assert summary.documents == 2
        with Project(summary.db) as project:
            files = sorted(d["file"] for d in project.documents())
        assert files == ["roc-aap-2024.pdf", "roc-mies-2024.pdf"]


def test_code_prints_the_duplicate_note(tmp_path, make_pdf):
    folder = _corpus(tmp_path, make_pdf)
    result = CliRunner().invoke(app, ["code", str(folder), "--codebook", str(DATA_DIR / "mini.yaml")],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "same content" in x)
    assert "roc-aap-2024.pdf" in line and "roc-noot-2024.pdf" in line
