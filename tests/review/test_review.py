"""Review: every key, resume, undo, blind double coding, a SIGKILL mid-review, import, agreement."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.pipeline.code import code_corpus
from kwaliteitscan.errors import ProjectError
from kwaliteitscan.review.session import ReviewSession
from kwaliteitscan.project.store import SCHEMA_VERSION, Project
from ..conftest import DATA_DIR

DATA = DATA_DIR
runner = CliRunner()

BODY = ("# 4 Stages\n\nWij erkennen dat stagediscriminatie een probleem is. Die erkenning delen wij.\n\n"
        "Een apart meldpunt achten wij niet nodig; studenten melden stagediscriminatie bij de mentor.\n\n"
        "Matching op leerwens doen wij in twee teams.\n\n"
        "Ook racisme op de stage komt voor, dat erkennen wij.\n\n"
        "In 2026 openen wij een meldpunt voor discriminatie.\n\n"
        "Bij sommige bedrijven gaat het nog op de klik.")


@pytest.fixture
def project(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf(BODY, name="corpus/roc-aap-2024.pdf")
    summary = code_corpus(folder, DATA / "mini.yaml", jobs=1)
    assert sum(summary.candidates_per_theme.values()) == 6
    return folder, summary.db


def session(db, coder="anna", **kw) -> ReviewSession:
    return ReviewSession(Project(db), coder, **kw)


def current(db, coder="anna", role="coder"):
    with Project(db) as p:
        return p.latest_decisions(coder, role=role)


def test_every_key_of_the_session(project):
    _, db = project
    s = session(db)
    assert s.progress()[:2] == (0, 6)
    first = s.confirm()
    second = s.reject()
    third = s.uncertain()
    fourth = s.current()
    assert s.flip_polarity() == ("negative" if fourth["polarity"] == "positive" else "positive")
    s.note("twijfel over de scope")
    s.move("objective_matching")
    skipped = s.skip() or s.queue[4]
    decided = current(db)
    assert decided[first["id"]]["decision"] == "confirmed"
    assert decided[second["id"]]["decision"] == "rejected"
    assert decided[third["id"]]["decision"] == "uncertain"
    moved = decided[fourth["id"]]
    assert (moved["decision"], moved["theme"], moved["note"]) == ("confirmed", "objective_matching",
                                                                  "twijfel over de scope")
    assert moved["polarity"] != fourth["polarity"]
    assert skipped["id"] not in decided and s.progress()[0] == 4
    assert s.undo()["id"] == fourth["id"] and s.current()["id"] == fourth["id"]
    assert fourth["id"] not in current(db)


def test_resume_where_the_coder_stopped(project):
    _, db = project
    s = session(db)
    s.confirm()
    s.confirm()
    nxt = s.current()["id"]
    again = session(db)
    assert again.current()["id"] == nxt and len(again.queue) == 4


def test_blind_double_coding(project):
    _, db = project
    s = session(db, "anna")
    s.reject()
    bram = session(db, "bram")
    assert len(bram.queue) == 6  # anna's decision is invisible to bram
    assert session(db, "anna").progress()[0] == 1


def test_filters_by_theme_and_institution(project):
    _, db = project
    assert {c["theme"] for c in session(db, theme="reporting_desk").queue} == {"reporting_desk"}
    assert session(db, institution="ROC Noot").queue == []


def test_log_is_append_only(project):
    _, db = project
    s = session(db)
    cand = s.confirm()
    s.undo()
    s.reject()
    with Project(db) as p:
        rows = [r for r in p.decision_log("anna") if r["candidate_id"] == cand["id"]]
    assert [r["decision"] for r in rows] == ["confirmed", "pending", "rejected"]
    assert all(r["created_at"] and r["codebook_version"] is None for r in rows)


def test_tui_keys_through_the_cli(project):
    folder, db = project
    result = runner.invoke(app, ["review", str(folder), "--db", str(db), "--coder", "anna"],
                           input="cr?xnnotitie\npum2zsq")
    assert result.exit_code == 0, result.output
    assert "unknown key 'x'" in result.output and "c confirm" in result.output
    decided = current(db)
    assert sorted(d["decision"] for d in decided.values()) == ["confirmed", "rejected", "uncertain"]
    assert any(d["note"] == "notitie" for d in decided.values())
    assert "3 decision(s) saved" in result.output or "4 decision(s) saved" in result.output


def test_review_needs_a_coder(project):
    folder, db = project
    result = runner.invoke(app, ["review", str(folder), "--db", str(db)], env={"KWALITEITSCAN_CODER": ""})
    assert result.exit_code == 2 and "--coder NAME" in result.output


def test_sigkill_mid_review_keeps_every_decision_already_made(project):
    folder, db = project
    with subprocess.Popen([sys.executable, "-m", "kwaliteitscan.cli", "review", str(folder), "--db", str(db),
                           "--coder", "kim"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as proc:
        proc.stdin.write(b"crc")
        proc.stdin.flush()
        deadline = time.time() + 30
        while time.time() < deadline and len(current(db, "kim")) < 3:
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)  # no clean-up, no commit at exit: what is saved was saved at once
        proc.wait()
    decided = current(db, "kim")
    assert sorted(d["decision"] for d in decided.values()) == ["confirmed", "confirmed", "rejected"]
    assert len(session(db, "kim").queue) == 3  # and the next session resumes after them


# --------------------------------------------------------------------------- spreadsheet round trip


def _export(folder, db, tmp_path, fmt="csv"):
    out = tmp_path / f"sheet.{fmt}"
    assert runner.invoke(app, ["export", str(folder), "--db", str(db), "--format", fmt, "--out", str(out)]).exit_code == 0
    return out


def _edit_csv(path, changes: dict[int, dict]):
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for index, change in changes.items():
        rows[index].update(change)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


def test_import_round_trip_csv(project, tmp_path):
    folder, db = project
    sheet = _export(folder, db, tmp_path)
    rows = _edit_csv(sheet, {0: {"decision": "confirmed", "note": "ok"}, 2: {"decision": "rejected"}})
    result = runner.invoke(app, ["import", str(sheet.parent), str(sheet), "--coder", "lisa", "--db", str(db)])
    assert result.exit_code == 0, result.output and "2 decision(s) of lisa imported" in result.output
    decided = current(db, "lisa")
    assert decided[rows[0]["id"]]["note"] == "ok" and decided[rows[2]["id"]]["decision"] == "rejected"
    again = runner.invoke(app, ["import", str(sheet.parent), str(sheet), "--coder", "lisa", "--db", str(db)])
    assert "0 decision(s) of lisa imported" in again.output  # nothing changed, nothing appended


def test_import_round_trip_xlsx(project, tmp_path):
    from openpyxl import load_workbook

    folder, db = project
    sheet = _export(folder, db, tmp_path, "xlsx")
    wb = load_workbook(sheet)
    ws = wb.active
    column = [c.value for c in ws[1]].index("decision") + 1
    ws.cell(row=2, column=column, value="uncertain")
    wb.save(sheet)
    result = runner.invoke(app, ["import", str(sheet.parent), str(sheet), "--coder", "mo", "--db", str(db)])
    assert result.exit_code == 0 and [d["decision"] for d in current(db, "mo").values()] == ["uncertain"]


def test_import_with_errors_applies_nothing_and_names_rows(project, tmp_path):
    folder, db = project
    sheet = _export(folder, db, tmp_path)
    _edit_csv(sheet, {0: {"decision": "confirmed"}, 1: {"decision": "misschien"}, 3: {"id": "onbekend"}})
    result = runner.invoke(app, ["import", str(sheet.parent), str(sheet), "--coder", "lisa", "--db", str(db)])
    assert result.exit_code == 3
    assert "row 3: decision 'misschien'" in result.output and "row 5: unknown id 'onbekend'" in result.output
    assert "nothing applied" in result.output and current(db, "lisa") == {}
    partial = runner.invoke(app, ["import", str(sheet.parent), str(sheet), "--coder", "lisa", "--db", str(db), "--skip-invalid"])
    assert partial.exit_code == 10 and len(current(db, "lisa")) == 1


def test_import_of_a_file_without_the_columns(project, tmp_path):
    folder, db = project
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(bad.parent), str(bad), "--coder", "lisa", "--db", str(db)])
    assert result.exit_code == 3 and "missing: decision, id" in result.output


# --------------------------------------------------------------------------- agreement and resolving


def test_agreement_and_resolve(project):
    folder, db = project
    a, b = session(db, "anna"), session(db, "bram")
    for key_a, key_b in [("c", "c"), ("r", "c"), ("c", "c"), ("u", "u"), ("r", "r"), ("c", "r")]:
        getattr(a, {"c": "confirm", "r": "reject", "u": "uncertain"}[key_a])()
        getattr(b, {"c": "confirm", "r": "reject", "u": "uncertain"}[key_b])()
    result = runner.invoke(app, ["agreement", str(folder), "--db", str(db), "--coders", "anna,bram"])
    assert result.exit_code == 0, result.output
    # candidates: 4 of 6 agree. Categories anna c,r,c,u,r,c / bram c,c,c,u,r,r:
    # p_o = 4/6; marginals anna c3 r2 u1, bram c3 r2 u1 -> p_e = (9+4+1)/36 = 14/36; kappa = (24/36-14/36)/(22/36) = 10/22
    assert "0.67" in result.output and "0.45" in result.output
    assert "2 disagreement(s)" in result.output.replace("\n", " ") or "disagreement(s)" in result.output
    lead = ReviewSession(Project(db), "lead", resolve_coders=("anna", "bram"))
    assert len(lead.queue) == 2
    assert set(lead.other_views()) == {"anna", "bram"}
    lead.confirm()
    lead.reject()
    assert len(current(db, None, role="final")) == 2
    assert ReviewSession(Project(db), "lead", resolve_coders=("anna", "bram")).queue == []


# --------------------------------------------------------------------------- the project file


def test_not_a_project_locked_and_corrupt(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("hallo")
    with pytest.raises(ProjectError, match="not a kwaliteitscan project"):
        Project(text)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE x(a)").connection.commit()
    with pytest.raises(ProjectError, match="not a kwaliteitscan project"):
        Project(other)
    good = tmp_path / "p.sqlite"
    Project(good).close()
    blocker = sqlite3.connect(good, timeout=0.1, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    project = Project.__new__(Project)
    with pytest.raises(ProjectError, match="locked by another kwaliteitscan process"):
        project.__init__(good, lock_timeout=0.2)  # the lock is held: no need to wait the full 5 s
        project.set_meta("x", "y")
    blocker.execute("ROLLBACK")
    broken = tmp_path / "broken.sqlite"
    data = bytearray(good.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    broken.write_bytes(bytes(data))
    with pytest.raises(ProjectError):
        Project(broken).integrity()


def test_migration_from_schema_1_keeps_decisions(tmp_path):
    from kwaliteitscan.project import store

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA application_id={store.APPLICATION_ID}")
    db.execute("BEGIN")
    store._v1(db)
    db.execute("PRAGMA user_version=1")
    db.execute("COMMIT")
    db.execute("INSERT INTO decisions(candidate_id, coder, decision, created_at) VALUES ('x', 'anna', 'confirmed', 'nu')")
    db.close()
    with Project(path) as project:
        assert project.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        [row] = project.decision_log("anna")
        assert (row["decision"], row["role"], row["origin"]) == ("confirmed", "coder", None)
        assert project.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert project.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_decisions_are_reattached_when_the_passage_moves(project, tmp_path, make_pdf):
    folder, db = project
    s = session(db)
    acknowledged = next(c for c in s.queue if c["theme"] == "acknowledgement")
    while s.current()["id"] != acknowledged["id"]:
        s.skip()
    s.confirm()
    # a new version of the agenda: a paragraph is added in front, so every offset moves
    make_pdf("Een nieuwe inleidende alinea over de herziening van deze agenda.\n\n" + BODY,
             name="corpus/roc-aap-2024.pdf")
    summary = code_corpus(folder, DATA / "mini.yaml", jobs=1)
    assert summary.reattached == 1 and summary.unattached == []
    with Project(db) as p:
        live = {c["id"] for c in p.candidates()}
    [row] = [r for cid, r in current(db).items() if cid in live]
    assert row["origin"] == acknowledged["id"] and row["candidate_id"] != acknowledged["id"]
    assert row["decision"] == "confirmed"
    # the old decision stays in the log as history; its re-attached copy is current
    assert acknowledged["id"] in current(db)
    result = runner.invoke(app, ["integrity", str(folder), "--db", str(db)])
    assert result.exit_code == 0 and result.output.strip().endswith(": ok")


def test_integrity_lists_decisions_that_could_not_be_reattached(project, make_pdf):
    folder, db = project
    s = session(db)
    cand = next(c for c in s.queue if c["theme"] == "objective_matching")
    while s.current()["id"] != cand["id"]:
        s.skip()
    s.confirm()
    make_pdf(BODY.replace("Matching op leerwens doen wij in twee teams.", "Matching op leerwens is gestopt."),
             name="corpus/roc-aap-2024.pdf")
    summary = code_corpus(folder, DATA / "mini.yaml", jobs=1)
    assert [r["candidate_id"] for r in summary.unattached] == [cand["id"]]
    result = runner.invoke(app, ["integrity", str(folder), "--db", str(db)])
    assert result.exit_code == 5 and "has no candidate any more" in result.output
    assert "Matching op leerwens doen wij" in result.output


def test_migration_from_schema_2_moves_the_suggester_out_of_the_pipeline(tmp_path, make_pdf):
    from kwaliteitscan.project import store

    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf(BODY, name="corpus/roc-aap-2024.pdf")
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA application_id={store.APPLICATION_ID}")
    db.execute("BEGIN")
    store._v1(db)
    store._v2(db)
    db.execute("PRAGMA user_version=2")
    db.execute("COMMIT")
    db.execute("INSERT INTO meta VALUES ('pipeline', 'blank:nl+x+suggester 0123456789ab')")
    db.execute("""INSERT INTO documents VALUES ('s1', 'a.pdf', 'ROC A', 2024, 3, 'pdfium', '[]',
                  'blank:nl+x+suggester 0123456789ab', NULL, 1)""")
    db.execute("INSERT INTO documents VALUES ('s2', 'b.pdf', 'ROC B', 2024, 3, 'pdfium', '[]', 'blank:nl+x', NULL, 1)")
    db.close()
    with Project(path) as project:
        assert project.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert project.document_state("s1") == (None, "blank:nl+x", "0123456789ab")
        assert project.document_state("s2") == (None, "blank:nl+x", None)
        assert (project.meta("pipeline"), project.meta("suggester")) == ("blank:nl+x", "0123456789ab")
    # a project coded now keeps the two apart, and shows them together
    summary = code_corpus(folder, DATA / "mini.yaml", jobs=1)
    with Project(summary.db) as project:
        [doc] = project.documents()
        assert project.document_state(doc["sha256"])[1:] == (project.meta("pipeline"), None)
        assert "+suggester" not in project.meta("pipeline") and project.meta("suggester") == ""


def test_every_decision_follows_an_agenda_saved_again_with_the_same_text(project, make_pdf, monkeypatch):
    folder, db = project
    s = session(db)
    decided = 0
    while s.current() is not None:
        (s.confirm if decided % 2 == 0 else s.reject)()
        decided += 1
    pdf = folder / "roc-aap-2024.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"\n% saved again by another program\n")  # new bytes, the same text

    def killed(self, *args):
        raise KeyboardInterrupt  # as if the run were killed during re-attachment

    real = Project.reattach
    monkeypatch.setattr(Project, "reattach", killed)
    with pytest.raises(KeyboardInterrupt):
        code_corpus(folder, DATA / "mini.yaml", jobs=1)
    monkeypatch.setattr(Project, "reattach", real)
    summary = code_corpus(folder, DATA / "mini.yaml", jobs=1)  # nothing left to code: it resumes all the same
    assert summary.coded == 0
    assert summary.reattached == decided and summary.unattached == []
    with Project(db) as p:
        live = {c["id"] for c in p.candidates()}
        assert sum(cid in live for cid in p.latest_decisions("anna")) == decided
