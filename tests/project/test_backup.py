"""Backups: on request, and by themselves before a migration or a re-attachment of decisions."""

from __future__ import annotations

import sqlite3

from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.pipeline.code import code_corpus
from kwaliteitscan.project import Project
from kwaliteitscan.project.store import SCHEMA_VERSION

from ..conftest import DATA_DIR

runner = CliRunner()
BODY = "# 3 Stage\n\nWij erkennen dat stagediscriminatie een probleem is.\n\nMatching op leerwens doen wij."


def _coded(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf(BODY, name="corpus/roc-aap-2024.pdf")
    db = code_corpus(folder, DATA_DIR / "mini.yaml", jobs=1).db
    with Project(db) as project:
        project.add_decision(project.candidates()[0], "anna", "confirmed")
    return folder, db


def _decisions(path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
    finally:
        connection.close()


def test_backup_on_request(tmp_path, make_pdf):
    folder, db = _coded(tmp_path, make_pdf)
    out = tmp_path / "copy.sqlite"
    result = runner.invoke(app, ["backup", str(folder), "--out", str(out)])
    assert result.exit_code == 0 and str(out) in result.output
    assert _decisions(out) == 1


def test_a_migration_backs_up_a_project_with_decisions_first(tmp_path, make_pdf):
    folder, db = _coded(tmp_path, make_pdf)
    connection = sqlite3.connect(db)
    connection.execute("DROP TABLE passage_terms")
    connection.execute("DROP TABLE passage_evidence")  # as a project written by an earlier version (schema 3)
    connection.execute("DROP TABLE passages")
    connection.execute("DROP TABLE queue_terms")  # (schema 6)
    connection.execute("PRAGMA user_version=3")
    connection.commit()
    connection.close()
    with Project(db) as project:
        assert project.backup_path is not None and f"before-schema-{SCHEMA_VERSION}" in project.backup_path.name
    assert _decisions(project.backup_path) == 1


def test_a_recode_that_reattaches_decisions_backs_up_first(tmp_path, make_pdf):
    folder, db = _coded(tmp_path, make_pdf)
    make_pdf("Een nieuwe eerste alinea.\n\n" + BODY, name="corpus/roc-aap-2024.pdf")
    result = runner.invoke(app, ["code", str(folder), "--codebook", str(DATA_DIR / "mini.yaml")])
    assert result.exit_code == 0, result.output
    assert "backed up the project to" in result.output
    [backup] = sorted(db.parent.glob("*.backup-before-reattach-*"))
    assert _decisions(backup) == 1
