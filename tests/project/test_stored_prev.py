"""A passage's previous sentence is stored once (schema 6): NULL where it is the text of the passage
before it, read back as that text; a project of schema 5 is migrated without losing a decision, a
passage or a stored result, and the file gives the duplicated text back."""

from __future__ import annotations

import sqlite3

from kwaliteitscan.codebook import load_codebook
from kwaliteitscan.extract.extractor import extract_file
from kwaliteitscan.pipeline.code import code_corpus, code_one
from kwaliteitscan.project import Project
from kwaliteitscan.project.store import SCHEMA_VERSION
from kwaliteitscan.segment.nlp import pipeline_id

from ..conftest import DATA_DIR

AGENDA = """# 3 Stagediscriminatie

Wij erkennen dat stagediscriminatie bij onze leerbedrijven voorkomt. Dat nemen wij serieus.
Studenten melden het bij hun bpv-docent. Die bespreekt het met het leerbedrijf.

## 3.1 Meldpunt

Wij richten in 2025 een meldpunt in. Matching op leerwens doen wij.
"""


def _coded(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf(AGENDA, name="corpus/roc-aap-2024.pdf")
    db = code_corpus(folder, DATA_DIR / "mini.yaml", jobs=1).db
    with Project(db) as project:
        project.add_decision(project.candidates()[0], "anna", "confirmed")
    return folder, db


def _raw(db) -> list[tuple]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute("SELECT ord, kind, text, prev FROM passages ORDER BY ord").fetchall()
    finally:
        connection.close()


def test_prev_is_stored_once_and_read_back_as_the_passages_were_made(tmp_path, make_pdf):
    folder, db = _coded(tmp_path, make_pdf)
    raw = _raw(db)
    # the previous passage's text is not stored again; after a heading the passage has none ('')
    assert sum(prev is None for *_, prev in raw) >= 3
    assert any(prev == "" for *_, prev in raw)
    assert all(prev is None or prev != raw[k - 1][2] for k, (*_, prev) in enumerate(raw) if k)
    # ... and every passage reads back as the coding made it
    doc = extract_file(folder / "roc-aap-2024.pdf")
    book = load_codebook(DATA_DIR / "mini.yaml")
    _, made, _, _ = code_one(doc, book, pipeline_id(book.language), tmp_path / "cache")
    with Project(db) as project:
        rows = project.passages()
    assert [(r["key"], r["prev"]) for r in rows] == [(p.key, p.prev) for p in made]
    assert [r["prev"] for r in rows[1:]].count("") < len(rows) - 1  # (not all empty: the test tests something)


def _as_schema_5(db) -> list[dict]:
    """Rewrite a project as schema 5 stored it (prev in every row, NOT NULL); returns its passages."""
    with Project(db) as project:
        rows = project.passages()
    connection = sqlite3.connect(db)
    connection.executescript("""
        DROP TABLE passages;
        CREATE TABLE passages (
            key TEXT PRIMARY KEY, document TEXT NOT NULL REFERENCES documents(sha256) ON DELETE CASCADE,
            ord INTEGER NOT NULL, page INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
            kind TEXT NOT NULL, text TEXT NOT NULL, prev TEXT NOT NULL, heading TEXT NOT NULL,
            prior TEXT NOT NULL);
        CREATE INDEX passages_document ON passages(document, ord);
    """)
    connection.executemany("INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        (r["key"], r["document"], r["ord"], r["page"], r["start"], r["end"], r["kind"], r["text"], r["prev"],
         r["heading"], "[" + ", ".join(map(repr, r["prior"])) + "]") for r in rows])
    connection.execute("UPDATE meta SET value = '5' || substr(value, 2) WHERE key LIKE 'result:%'")
    connection.execute("DROP TABLE queue_terms")  # schema 5 had none, nor passage_terms.numbers
    connection.execute("CREATE TABLE terms_v5 AS SELECT document, digest, terms FROM passage_terms")
    connection.execute("DROP TABLE passage_terms")
    connection.execute("""CREATE TABLE passage_terms (
        document TEXT PRIMARY KEY REFERENCES documents(sha256) ON DELETE CASCADE, digest TEXT NOT NULL,
        terms BLOB NOT NULL)""")
    connection.execute("INSERT INTO passage_terms SELECT * FROM terms_v5")
    connection.execute("DROP TABLE terms_v5")
    connection.execute("PRAGMA user_version=5")
    connection.commit()
    connection.close()
    return rows


def test_a_schema_5_project_is_migrated_keeping_decisions_passages_and_results(tmp_path, make_pdf):
    folder, db = _coded(tmp_path, make_pdf)
    with Project(db) as project:
        results = project.results()
        decisions = project.decision_log()
    assert results
    rows = _as_schema_5(db)
    assert all(prev is not None for *_, prev in _raw(db))
    with Project(db) as project:
        assert project.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert project.backup_path is not None and "before-schema" in project.backup_path.name  # it held a decision
        assert project.passages() == rows
        assert project.decision_log() == decisions
        assert project.results() == results  # a re-code still keeps what it would compute again
    assert any(prev is None for *_, prev in _raw(db))
    # the backup is the project as it was
    backup = sqlite3.connect(project.backup_path)
    assert backup.execute("PRAGMA user_version").fetchone()[0] == 5
    assert backup.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == len(decisions)
    backup.close()
    # a re-code after the migration finds every document as stored
    summary = code_corpus(folder, DATA_DIR / "mini.yaml", jobs=1)
    assert not summary.failed
    with Project(db) as project:
        assert project.passages() == rows
        assert project.decision_log() == decisions
