"""A warm re-code (extraction and segmentation from the cache, earlier results reused where the
codebook did not change) must store exactly what a cold run with the same codebook stores."""

from __future__ import annotations

import os
from pathlib import Path

from kwaliteitscan.codebook import DEFAULT_CODEBOOK
from kwaliteitscan.extract.extractor import Cache
from kwaliteitscan.pipeline.code import code_corpus
from kwaliteitscan.project.store import Project

ROOT = Path(__file__).resolve().parents[2]


def _edited_codebook(tmp_path: Path) -> Path:
    """The bundled codebook after an ordinary edit: one pattern taken out, two put in, version bumped."""
    text = DEFAULT_CODEBOOK.read_text(encoding="utf-8")
    edited = (text.replace('version: "1.8"', 'version: "1.8-edit"', 1)
              .replace('          - "problematiek"\n', "", 1)
              .replace('          - "hardnekkig*"\n', '          - "hardnekkig*"\n          - "leerbedrijf*"\n'
                                                        '          - {regex: "\\\\bstage\\\\w*"}\n', 1))
    assert edited.count("\n") == text.count("\n") + 1  # all three edits were made
    path = tmp_path / "edited.yaml"
    path.write_text(edited, encoding="utf-8")
    return path


def _stored(db: Path) -> tuple[list, list, list]:
    with Project(db) as project:
        docs = [{k: d[k] for k in ("sha256", "file", "codebook", "pipeline", "active")} for d in project.documents()]
        return project.candidates(), project.passages(), docs


def _content(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if not k.startswith("codebook")} for row in rows]


def test_a_warm_recode_stores_what_a_cold_run_stores(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for pdf in sorted((ROOT / "corpus").glob("*.pdf"))[:4]:
        os.symlink(pdf, corpus / pdf.name)
    edited = _edited_codebook(tmp_path)
    warm_db, cold_db = tmp_path / "warm.sqlite", tmp_path / "cold.sqlite"
    code_corpus(corpus, None, warm_db, jobs=1)
    before = _stored(warm_db)
    recoded = code_corpus(corpus, edited, warm_db, jobs=2)
    assert recoded.coded == 4
    cold = code_corpus(corpus, edited, cold_db, jobs=1, cache=Cache(tmp_path / "empty-cache"))
    assert cold.coded == 4
    after, fresh = _stored(warm_db), _stored(cold_db)
    assert after == fresh
    # the edit changed what was found, not only the codebook's name on it
    assert _content(after[0]) != _content(before[0]) and _content(after[1]) != _content(before[1])
    assert len(after[0]) > 30 and len(after[1]) > 500


def test_a_recode_keeps_what_cannot_change_and_recomputes_what_can(tmp_path, monkeypatch):
    """A pattern that hits nothing in a document cannot change its candidates: they are kept, not
    computed again. A changed rule (a weight) changes them: computed again. Both as a cold run."""
    import kwaliteitscan.pipeline.code as code_module

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for pdf in sorted((ROOT / "corpus").glob("*.pdf"))[4:7]:
        os.symlink(pdf, corpus / pdf.name)
    text = DEFAULT_CODEBOOK.read_text(encoding="utf-8")
    quiet = text.replace('version: "1.8"', 'version: "1.8-quiet"', 1).replace(
        '          - "hardnekkig*"\n', '          - "hardnekkig*"\n          - "zxqwoord"\n'
                                       '          - {regex: "\\\\bqqzz\\\\d+"}\n', 1)
    weighed = quiet.replace('version: "1.8-quiet"', 'version: "1.8-weighed"').replace("weight: 0.4", "weight: 0.6", 1)
    assert quiet.count("\n") == text.count("\n") + 2 and weighed != quiet
    computed = []
    real = code_module.code_document
    monkeypatch.setattr(code_module, "code_document", lambda *a, **k: computed.append(1) or real(*a, **k))
    db = tmp_path / "warm.sqlite"
    code_corpus(corpus, None, db, jobs=1)
    assert len(computed) == 3
    for name, book_text, recomputed in (("quiet", quiet, 0), ("weighed", weighed, 3)):
        book = tmp_path / f"{name}.yaml"
        book.write_text(book_text, encoding="utf-8")
        computed.clear()
        assert code_corpus(corpus, book, db, jobs=1).coded == 3
        assert len(computed) == recomputed
        cold = code_corpus(corpus, book, tmp_path / f"{name}-cold.sqlite", jobs=1,
                           cache=Cache(tmp_path / f"{name}-cache"))
        assert _stored(db) == _stored(cold.db)


import pytest  # noqa: E402


@pytest.mark.parametrize("edit", [
    ("  gap: 4\n", "  gap: 2\n"),  # every multi-word pattern's reach
    ("        scope: heading\n", "        scope: paragraph\n"),  # a code's scope: which hits count
    ("        requires: [discriminatie]\n        exclude: [kop]\n", "        exclude: [kop]\n"),  # a rule dropped
    ('    - "hardnekkig*"\n', '    - "hardnekkig*"\n    - "leerbedrijf*"\n'),  # a cue gains a pattern
], ids=["gap", "scope", "requires", "cue"])
def test_a_recode_after_any_kind_of_edit_equals_a_cold_run(tmp_path, edit):
    text = DEFAULT_CODEBOOK.read_text(encoding="utf-8")
    assert edit[0] in text
    edited = tmp_path / "edited.yaml"
    edited.write_text(text.replace('version: "1.8"', 'version: "1.8-x"', 1).replace(edit[0], edit[1], 1),
                      encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for pdf in sorted((ROOT / "corpus").glob("*.pdf"))[7:9]:
        os.symlink(pdf, corpus / pdf.name)
    warm_db, cold_db = tmp_path / "warm.sqlite", tmp_path / "cold.sqlite"
    code_corpus(corpus, None, warm_db, jobs=1)
    code_corpus(corpus, edited, warm_db, jobs=1)
    code_corpus(corpus, edited, cold_db, jobs=1, cache=Cache(tmp_path / "empty-cache"))
    assert _stored(warm_db) == _stored(cold_db)
