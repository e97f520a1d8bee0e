"""A damaged project file is one line and exit code 5 for every command that reads it; a 0-byte
file is not silently made into a new, empty project."""

from __future__ import annotations

import os
import sqlite3

import pytest
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.pipeline.code import code_corpus

from ..conftest import DATA_DIR

runner = CliRunner()


@pytest.fixture
def damaged(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("roc-aap-2024", "roc-noot-2024", "roc-mies-2024"):
        make_pdf("# 3 Stage\n\n" + "Wij erkennen dat stagediscriminatie een probleem is. " * 40,
                 name=f"corpus/{name}.pdf")
    db = code_corpus(folder, DATA_DIR / "mini.yaml", jobs=1).db
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything into the main file
    connection.close()
    size = db.stat().st_size
    with open(db, "r+b") as handle:  # garbage over every page but the first (which holds the schema)
        handle.seek(4096)
        handle.write(os.urandom(size - 4096))
    return folder


@pytest.mark.parametrize("command", [["report"], ["integrity"], ["review", "--coder", "a"], ["export", "--coder", "a"],
                                     ["agreement", "--coders", "a,b"], ["compare", "--years", "2024,2026"]])
def test_every_command_says_in_one_line_that_the_project_is_damaged(damaged, command):
    result = runner.invoke(app, [command[0], str(damaged), *command[1:]], input="q")
    assert result.exit_code in (2, 5), result.output  # 2: no coder a/b in what could still be read
    assert "Traceback" not in result.output and result.output.count("\n") <= 2
    assert "damaged" in result.output or "malformed" in result.output or "no decisions" in result.output


def test_an_empty_project_file_is_reported_not_replaced(tmp_path):
    empty = tmp_path / "p.sqlite"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["report", str(tmp_path), "--db", str(empty)])
    assert result.exit_code == 5 and "empty file (0 bytes)" in result.output
    assert empty.stat().st_size == 0


def test_a_full_disk_while_coding_is_one_line_and_keeps_what_was_saved(tmp_path, make_pdf):
    from kwaliteitscan.errors import ProjectError
    from kwaliteitscan.project.store import Project

    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf("# Stage\n\nWij erkennen dat stagediscriminatie een probleem is.\n", name="corpus/roc-aap-2024.pdf")
    db = code_corpus(folder, DATA_DIR / "mini.yaml", jobs=1).db
    with Project(db) as project:
        project.add_decision(project.candidates()[0], "anna", "confirmed")
        pages = project.db.execute("PRAGMA page_count").fetchone()[0]
        project.db.execute(f"PRAGMA max_page_count={pages}")  # the file may not grow: a full disk to SQLite
        with pytest.raises(ProjectError) as caught:
            for k in range(2000):
                project.set_meta(f"filler-{k}", "x" * 2000)
    assert "the disk is full" in caught.value.message and "\n" not in caught.value.message
    with Project(db) as project:
        assert [d["decision"] for d in project.latest_decisions("anna").values()] == ["confirmed"]
