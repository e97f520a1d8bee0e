"""Commands that only read a project never change it, and work where it cannot be written (a
read-only folder, disk or mount); commands that write say so in one line there."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from contextlib import contextmanager

import pytest
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.pipeline.code import code_corpus
from kwaliteitscan.project import open_project
from kwaliteitscan.project.store import SCHEMA_VERSION, Project

from ..conftest import DATA_DIR

runner = CliRunner()
READERS = [["report"], ["report", "--final", "--format", "json"], ["integrity"], ["export", "--coder", "anna"],
           ["agreement", "--coders", "anna,bram"], ["compare", "--years", "2024,2026"]]


@pytest.fixture
def coded(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("roc-aap-2024", "roc-aap-2026"):
        make_pdf("# 3 Stage\n\nWij erkennen dat stagediscriminatie een probleem is. Wij melden het bij het "
                 "meldpunt.\n\n" * 5, name=f"corpus/{name}.pdf")
    db = code_corpus(folder, DATA_DIR / "mini.yaml", jobs=1).db
    with Project(db) as project:
        first = project.candidates()[:4]
        for coder, decision in (("anna", "confirmed"), ("bram", "rejected")):
            for candidate in first:
                project.add_decision(candidate, coder, decision)
    return folder


def _digest(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("kwaliteitscan.sqlite*"))}


@pytest.mark.parametrize("command", READERS)
def test_a_reading_command_leaves_the_project_byte_identical(coded, command, tmp_path):
    before = _digest(coded)["kwaliteitscan.sqlite"]
    out = ["--out", str(tmp_path / "x.csv")] if command[0] == "export" else []
    result = runner.invoke(app, [command[0], str(coded), *command[1:], *out])
    assert result.exit_code == 0, result.output
    assert _digest(coded)["kwaliteitscan.sqlite"] == before


def test_a_readonly_project_refuses_writes(coded):
    with open_project(coded, readonly=True) as project:
        assert len(project.latest_decisions("anna")) == 4
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            project.db.execute("DELETE FROM decisions")
    with open_project(coded) as project:
        assert len(project.latest_decisions("anna")) == 4


def test_an_older_project_opened_to_read_is_brought_up_to_date_first(coded):
    db = coded / "kwaliteitscan.sqlite"
    connection = sqlite3.connect(db)
    connection.execute("DROP TABLE passage_terms")
    connection.execute("DROP TABLE passage_evidence")  # schema 3 had neither
    connection.execute("DROP TABLE passages")
    connection.execute("DROP TABLE queue_terms")  # (schema 6)
    connection.execute("PRAGMA user_version=3")
    connection.close()
    result = runner.invoke(app, ["report", str(coded)])
    assert result.exit_code == 0, result.output
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert list(coded.glob(f"kwaliteitscan.backup-before-schema-{SCHEMA_VERSION}-*"))  # it held decisions


@contextmanager
def _readonly_mount(source, target):
    """`source` bind-mounted read-only at `target` (needs root and a kernel that allows it)."""
    target.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a read-only bind mount needs root")
    made = subprocess.run(["mount", "--bind", str(source), str(target)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {made.stderr.decode().strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(target)], check=True, capture_output=True)
        with pytest.raises(OSError):
            (target / "probe").write_text("x")
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


def test_on_a_readonly_mount_readers_work_and_writers_say_so_in_one_line(coded, tmp_path):
    with _readonly_mount(coded, tmp_path / "mnt") as mounted:
        for command in READERS:
            out = ["--out", str(tmp_path / "x.csv")] if command[0] == "export" else []
            result = runner.invoke(app, [command[0], str(mounted), *command[1:], *out])
            assert result.exit_code == 0, (command, result.output)
        assert "anna" in runner.invoke(app, ["agreement", str(mounted), "--coders", "anna,bram"]).output
        for command in (["review", "--coder", "anna"], ["code"]):
            result = runner.invoke(app, [command[0], str(mounted), *command[1:]], input="q")
            assert result.exit_code == 5, result.output
            assert "cannot be written here" in result.output and "Traceback" not in result.output
            assert result.output.strip().count("\n") <= 1


def test_changes_left_in_the_wal_on_a_readonly_mount_are_named_not_ignored(coded, tmp_path):
    frozen = tmp_path / "frozen"
    frozen.mkdir()
    writer = sqlite3.connect(coded / "kwaliteitscan.sqlite")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("INSERT INTO meta VALUES ('last', 'words')")
    writer.commit()  # in the -wal only: copy it as a crashed session would leave it
    for name in ("kwaliteitscan.sqlite", "kwaliteitscan.sqlite-wal"):
        shutil.copy(coded / name, frozen / name)
    writer.close()
    with _readonly_mount(frozen, tmp_path / "mnt") as mounted:
        result = runner.invoke(app, ["report", str(mounted)])
    assert result.exit_code == 5, result.output
    assert "kwaliteitscan.sqlite-wal" in result.output and "Traceback" not in result.output
