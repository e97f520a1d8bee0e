"""The review session without a terminal: what a coder typed for a decision survives taking it back."""

from __future__ import annotations

from kwaliteitscan.codebook import load_codebook
from kwaliteitscan.pipeline.code import code_corpus
from kwaliteitscan.project.store import Project
from kwaliteitscan.review.session import ReviewSession
from ..conftest import DATA_DIR

BODY = ("# 3 Stagediscriminatie\n\nWij erkennen dat stagediscriminatie bij onze leerbedrijven voorkomt. "
        "Dat nemen wij serieus.\n\nWij richten in 2025 een meldpunt stagediscriminatie in.\n")


def _undo_and_decide_again(session: ReviewSession, project: Project) -> None:
    first = session.current()
    flipped = session.flip_polarity()
    session.note("alleen de aanhef")
    session.confirm()
    session.note("een notitie voor de volgende")  # typed for the next passage, then the coder goes back
    assert session.undo()["id"] == first["id"]
    assert (session.pending.note, session.shown_polarity()) == ("alleen de aanhef", flipped)
    assert first["id"] not in project.latest_decisions(session.coder)
    session.confirm()  # decided once more: the note and the polarity are recorded again
    row = project.latest_decisions(session.coder)[first["id"]]
    assert (row["decision"], row["note"], row["polarity"]) == ("confirmed", "alleen de aanhef", flipped)
    assert session.pending.note == ""  # and the next passage starts clean


def test_a_note_survives_undo_and_deciding_again(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf(BODY, name="corpus/roc-aap-2024.pdf")
    db = code_corpus(folder, DATA_DIR / "mini.yaml", jobs=1).db
    with Project(db) as project:
        _undo_and_decide_again(ReviewSession(project, "anna", codebook_version="t"), project)


def test_a_note_survives_undo_along_the_queue(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf(BODY, name="corpus/roc-aap-2024.pdf")
    db = code_corpus(folder, None, jobs=1).db
    with Project(db) as project:
        _undo_and_decide_again(ReviewSession(project, "eva", book=load_codebook(), codebook_version="t"), project)
