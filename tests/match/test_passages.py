"""Every passage of a document is in the queue, with the codebook's evidence per theme."""

from __future__ import annotations

from kwaliteitscan.codebook import load_codebook
from kwaliteitscan.extract.extractor import Document, Page
from kwaliteitscan.match.matcher import Matcher, code_document
from kwaliteitscan.match.passages import CONTINUATION, DROPPED, HIT, passages_of
from kwaliteitscan.pipeline.code import code_corpus
from kwaliteitscan.project import Project
from kwaliteitscan.segment.nlp import load_pipeline
from kwaliteitscan.segment.segmenter import segment

from ..conftest import DATA_DIR

TEXT = ("Wij erkennen dat stagediscriminatie een probleem is. Dit bespreken wij elk jaar. "
        "Het meldpunt verzuim is elke ochtend open. De kantine sluit om drie uur.")


def test_every_sentence_is_a_passage_with_its_evidence():
    book = load_codebook(DATA_DIR / "mini.yaml")
    matcher = Matcher(book)
    seg = segment(Document("t.pdf", "2" * 64, (Page(1, TEXT),)), load_pipeline("nl", prefer_trained=False)[0], "t")
    candidates = code_document(seg, matcher)
    passages = passages_of(seg, candidates, matcher)
    assert [p.text for p in passages] == ["Wij erkennen dat stagediscriminatie een probleem is.",
                                          "Dit bespreken wij elk jaar.", "Het meldpunt verzuim is elke ochtend open.",
                                          "De kantine sluit om drie uur."]
    prior = [dict(zip(book.theme_ids, p.prior)) for p in passages]
    assert prior[0]["acknowledgement"] == HIT
    assert prior[1]["acknowledgement"] == CONTINUATION  # it continues the candidate's passage
    assert prior[2]["reporting_desk"] == DROPPED  # 'meldpunt' without the required cue: kept, ranked lower
    assert not any(prior[3].values())
    assert passages[1].prev == passages[0].text
    assert len({p.key for p in passages}) == 4 and [p.order for p in passages] == [0, 1, 2, 3]


def test_code_stores_the_passages_and_fills_them_in_for_projects_coded_before(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf("# 1 Stage\n\n" + TEXT, name="corpus/roc-aap-2024.pdf")
    summary = code_corpus(folder, DATA_DIR / "mini.yaml", jobs=1)
    with Project(summary.db) as project:
        stored = project.passages()
        assert {p["text"] for p in stored} >= {"Dit bespreken wij elk jaar.", "De kantine sluit om drie uur."}
        assert all(p["institution"] == "ROC Aap" for p in stored)
        project.db.execute("DELETE FROM passages")  # as a project coded with schema 3 is after migrating
    again = code_corpus(folder, DATA_DIR / "mini.yaml", jobs=1)
    assert again.coded == 1
    with Project(summary.db) as project:
        assert len(project.passages()) == len(stored)
    assert code_corpus(folder, DATA_DIR / "mini.yaml", jobs=1).coded == 0  # and then it is unchanged again
