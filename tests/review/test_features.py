"""Opening the review queue from the terms stored with each document gives exactly the matrix and
the order that featurising every passage in full gives: the same decisions, the same queue."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.codebook import load_codebook
from kwaliteitscan.match.passages import Passage
from kwaliteitscan.project import Project
from kwaliteitscan.project.store import passage_candidate
from kwaliteitscan.review.features import (DocumentTerms, Vocabulary, assemble, document_terms, for_project,
                                           with_evidence)
from kwaliteitscan.review.queue import THEMES, Prior, Queue, ReviewQueue, bundled_prior, rank

runner = CliRunner()

AGENDAS = {
    "roc-aap-2024.pdf": """# 3 Stagediscriminatie

Wij erkennen dat stagediscriminatie bij onze leerbedrijven voorkomt. Dat nemen wij serieus.

Wij richten in 2025 een meldpunt stagediscriminatie in. Studenten vinden het op de website.

| Actie | Wie |
|---|---|
| Meldpunt inrichten | Teamleider |
| Training voor bpv-docenten | Opleidingsmanager |

De kantine is open van acht tot vier. Het rooster staat in de app.
""",
    "roc-noot-2024.pdf": """# 2 Onze studenten

De bpv-docent bespreekt elke melding met de student. Het meldpunt is bekend bij alle studenten.

## 2.1 Gelijke kansen

Wij volgen het aantal meldingen van discriminatie per opleiding. Het rooster staat in de app.

- Studenten weten waar zij terecht kunnen.
- Leerbedrijven tekenen de gedragscode.
""",
}


@pytest.fixture
def coded(tmp_path, make_pdf):
    """Two agendas coded with the bundled codebook: (corpus folder, project file)."""
    from kwaliteitscan.pipeline.code import code_corpus

    (tmp_path / "corpus").mkdir()
    for name, text in AGENDAS.items():
        make_pdf(text, name=f"corpus/{name}")
    return tmp_path / "corpus", code_corpus(tmp_path / "corpus", None, jobs=1).db


def plain_passages(project) -> list[Passage]:
    return [Passage(r["key"], r["document"], r["ord"], r["page"], r["start"], r["end"], r["kind"], r["text"],
                    r["prev"], r["heading"], r["prior"]) for r in project.passages()]


def stored_documents(project) -> dict[str, DocumentTerms]:
    """Each document's term list as the project stores it (its terms as the project's numbers)."""
    vocabulary = Vocabulary(project.queue_vocabulary())
    return {sha: DocumentTerms(terms, evidence, vocabulary, numbers)
            for sha, terms, evidence, numbers in project.each_passage_terms()}


def assert_same_matrix(got, want):
    (g_indptr, g_indices, g_data), g_width = got
    (w_indptr, w_indices, w_data), w_width = want
    assert g_width == w_width
    assert np.array_equal(g_indptr, w_indptr) and np.array_equal(g_indices, w_indices)
    assert np.array_equal(g_data, w_data)  # bit for bit, not approximately


def test_stored_terms_give_the_plain_featurizers_matrix_bit_for_bit(coded):
    folder, db = coded
    prior = bundled_prior(load_codebook())
    with Project(db) as project:
        items = plain_passages(project)
        stored = stored_documents(project)
    by_doc = list(dict.fromkeys(p.document for p in items))
    assert set(stored) == set(by_doc)  # `code` stored the terms with every document
    docs = [stored[sha] for sha in by_doc]
    assert all(d.numbered for d in docs)  # with the project's numbers of their terms
    priors = np.array([p.prior for p in items])
    assert np.array_equal(np.concatenate([d.priors for d in docs]), priors)  # the evidence is stored with them
    assert [k for d in docs for k in d.keys] == [p.key for p in items]
    want = Queue.features(items, prior)
    assert want[1] > prior.featurizer.width  # the project's own words are columns too (both agendas share some)
    assert_same_matrix(assemble(docs, priors, prior), want)
    # the prior's logits, computed with it document by document, are the ones Queue computes from the matrix
    product = assemble(docs, priors, prior, times=prior.weights)[2]
    assert np.array_equal(product + prior.bias, Queue(items, prior).base)
    assert_same_matrix(assemble(docs, priors, prior, extend_vocab=False), Queue.features(items, prior, False))


def test_a_prior_whose_columns_are_not_in_term_order_gets_the_same_matrix_too(coded):
    """assemble's quick merge relies on the order build_prior writes; another order takes the sort."""
    folder, db = coded
    data = bundled_prior(load_codebook()).to_json()
    data["terms"] = dict(reversed(list(data["terms"].items())))  # rule columns first, terms backwards
    prior = Prior.from_json(data)
    with Project(db) as project:
        items = plain_passages(project)
    docs = [DocumentTerms(*with_evidence(document_terms([p for p in items if p.document == sha]),
                                         [p for p in items if p.document == sha])[1:])
            for sha in dict.fromkeys(p.document for p in items)]
    assert_same_matrix(assemble(docs, np.array([p.prior for p in items]), prior), Queue.features(items, prior))


def _decide(project, coder: str, rows: list[dict], themes: list[str | None]) -> dict[str, set[str]]:
    """Decisions of `coder` on passages (a theme: confirmed; None: rejected), as rank() takes them."""
    out = {}
    for row, theme in zip(rows, themes):
        decision = "confirmed" if theme else "rejected"
        project.add_decision(passage_candidate(row, theme or THEMES[0]), coder, decision, theme=theme or THEMES[0])
        out[row["key"]] = {theme} if theme else set()
    return out


def test_the_queue_of_a_project_follows_the_straightforward_ranking_for_the_same_decisions(tmp_path, coded):
    import shutil

    folder, source = coded
    db = tmp_path / "project.sqlite"
    shutil.copy(source, db)
    book = load_codebook()
    prior = bundled_prior(book)
    with Project(db) as project:
        rows = project.passages()
        eva = _decide(project, "eva", rows[1:4], ["reporting_desk", None, "monitoring"])
        _decide(project, "fay", rows[5:9], [None, "goals", "goals", None])  # another coder: not in eva's queue
        # a decision on a rule candidate teaches the passage of its hit sentence
        cand = project.candidates()[0]
        project.add_decision(cand, "eva", "rejected")
        hit = next(r for r in rows if (r["document"], r["page"], r["start"]) == (cand["document"], cand["page"],
                                                                                  cand["start"]))
        eva.setdefault(hit["key"], set())  # (a passage decision on it keeps its theme)
        queue = ReviewQueue(project, "eva", book)
        got = [(c["passage_key"], c["queue_score"]) for c in queue.items()]
        items = plain_passages(project)
        ordered = dict(sorted(eva.items(), key=lambda kv: next(r["ord"] for r in rows if r["key"] == kv[0])))
        want = [(key, score) for key, _, score in rank(items, ordered, prior)]
        assert got == want  # the same passages, in the same order, with the same scores
        assert len(got) == len(rows) - len(eva)
        # and after one more decision in the session (a refit that starts from the last one), again
        plain = Queue(items, prior)
        for key, themes in ordered.items():
            plain.decide(key, themes, refit=False)
        plain.refit()
        for q in (plain, queue):
            q.decide(got[0][0], {"goals"}) if q is plain else q.teach(got[0][0], {"goals"})
        assert [(c["passage_key"], c["queue_score"]) for c in queue.items()] == [
            (key, score) for key, _, score in plain.rank()]


def test_a_project_coded_before_terms_were_stored_gets_them_when_its_queue_opens(tmp_path, coded):
    import shutil

    folder, source = coded
    db = tmp_path / "old.sqlite"
    shutil.copy(source, db)
    with Project(db) as project:
        want = [c["id"] for c in ReviewQueue(project, "eva", load_codebook()).items()]
    connection = sqlite3.connect(db)
    connection.execute("DROP TABLE passage_terms")  # as the previous version wrote it (schema 4)
    connection.execute("DROP TABLE passage_evidence")
    connection.execute("DROP TABLE queue_terms")  # (schema 6's, as passage_terms.numbers)
    connection.execute("PRAGMA user_version=4")
    connection.commit()
    connection.close()
    with Project(db) as project:
        assert project.passage_terms() == {}
        assert [c["id"] for c in ReviewQueue(project, "eva", load_codebook()).items()] == want
        assert len(project.passage_terms()) == 2  # kept: the next opening is quick


def test_export_pending_writes_the_review_queues_order(tmp_path, coded):
    import csv
    import io

    work, db = coded
    with Project(db) as project:
        rows = project.passages()
        _decide(project, "eva", rows[:2], ["goals", None])
        want = [c["id"] for c in ReviewQueue(project, "eva", load_codebook()).items(limit=5)]
    result = runner.invoke(app, ["export", str(work), "--pending", "--coder", "eva", "--limit", "5",
                                 "--format", "csv"])
    assert result.exit_code == 0, result.output
    ids = [row["id"] for row in csv.DictReader(io.StringIO(result.output[result.output.index("id"):]))]
    assert ids == want


def test_the_product_in_blocks_and_on_some_columns_sums_as_the_one_pass_did(monkeypatch):
    from kwaliteitscan.review.queue import Csr

    rng = np.random.default_rng(7)
    n, width = 500, 300
    lengths = rng.integers(0, 40, n)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.concatenate([np.sort(rng.choice(width, k, replace=False)) for k in lengths])
    data = rng.random(len(indices))
    w = rng.normal(size=(width, 3))
    w[rng.random(width) < 0.8] = 0.0  # a correction lives on a few columns only
    x = Csr((indptr, indices, data), width)
    rows = np.repeat(np.arange(n), lengths)
    one_pass = np.stack([np.bincount(rows, weights=data * w[indices, t], minlength=n) for t in range(3)], 1)
    monkeypatch.setattr(Csr, "BLOCK", 97)  # many blocks, cutting between rows
    assert np.array_equal(x.dot(w), one_pass)
    assert np.array_equal(x.dot(w, only=np.abs(w).sum(1) != 0), one_pass)


def test_a_codebook_change_rewrites_the_evidence_and_keeps_the_terms(tmp_path, coded):
    import re

    from kwaliteitscan.codebook import DEFAULT_CODEBOOK
    from kwaliteitscan.pipeline.code import code_corpus

    folder, db = coded
    lines = DEFAULT_CODEBOOK.read_text(encoding="utf-8").splitlines()
    lines = [re.sub(r"^version: .*$", 'version: "test-meldpunt"', line) for line in lines]
    first = next(i for i, line in enumerate(lines) if line.strip() == "patterns:")
    indent = re.match(r"\s*", lines[first + 1]).group(0)
    # a new pattern in the first list (a qualifier): the candidates on the meldpunt sentences change
    lines.insert(first + 1, f'{indent}- {{regex: "\\\\bmeldpunt\\\\b"}}')
    changed = tmp_path / "changed.yaml"
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def state(project):
        return (dict(project.db.execute("SELECT document, rowid || ':' || digest FROM passage_terms")),
                [(c["id"], c["qualifiers"]) for c in project.candidates()])

    with Project(db) as project:
        terms_before, candidates_before = state(project)
    summary = code_corpus(folder, changed, db, jobs=1)
    with Project(db) as project:
        terms_after, candidates_after = state(project)
        assert summary.coded == 2 and candidates_after != candidates_before  # stored again
        assert terms_after == terms_before  # the same words: the terms rows were not written again
        stored = stored_documents(project)
        items = plain_passages(project)
        evidence = np.concatenate([stored[sha].priors for sha in dict.fromkeys(p.document for p in items)])
        assert np.array_equal(evidence, np.array([p.prior for p in items]))  # what the passages table holds now


def test_a_document_without_passages_stores_an_empty_term_list():
    """(a page without text coded as no passages at all: coding it must not fail)"""
    terms = DocumentTerms(*with_evidence(document_terms([]), [])[1:])
    assert terms.n == 0 and terms.keys == [] and len(terms.ids) == 0 and terms.priors.shape[0] == 0


def test_an_institution_without_passages_opens_an_empty_queue(coded):
    folder, db = coded
    with Project(db) as project:
        queue = ReviewQueue(project, "eva", load_codebook(), institution="ROC Nergens")
        assert len(queue.items()) == 0 and queue.keys == []
    assert len(Queue([], bundled_prior(load_codebook())).rank()) == 0


def test_export_pending_of_a_project_without_stored_terms_works_read_only(coded):
    import csv
    import io

    work, db = coded
    with Project(db) as project:
        want = [c["id"] for c in ReviewQueue(project, "eva", load_codebook()).items(limit=4)]
        project.db.execute("DELETE FROM passage_terms")  # as a project coded before they were stored
        project.db.execute("DELETE FROM passage_evidence")
        project.db.commit()
    result = runner.invoke(app, ["export", str(work), "--pending", "--coder", "eva", "--limit", "4",
                                 "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert [row["id"] for row in csv.DictReader(io.StringIO(result.output[result.output.index("id"):]))] == want
    with Project(db) as project:
        assert project.passage_terms() == {}  # opened to read: nothing written


def test_coding_without_queue_terms_stores_none_and_the_queue_counts_them_in_the_same_order(tmp_path, coded):
    """An audit codes into a throw-away project that no queue opens, so it skips counting the terms
    (about 0.15 s of a 100-page agenda); a queue opened on such a project still gets its order."""
    from kwaliteitscan.pipeline.code import code_corpus

    folder, source = coded
    with Project(source) as project:
        want = [c["id"] for c in ReviewQueue(project, "eva", load_codebook()).items()]
        assert len(project.passage_terms()) == 2
    db = tmp_path / "without.sqlite"
    summary = code_corpus(folder, db=db, jobs=1, queue_terms=False)
    assert summary.coded == 2
    with Project(db) as project:
        assert project.passage_terms() == {}
        assert [c["id"] for c in ReviewQueue(project, "eva", load_codebook()).items()] == want


def test_the_project_numbers_the_queue_terms_once_and_the_queue_opens_from_the_numbers(coded):
    import marshal

    from kwaliteitscan.review.queue import _features

    folder, db = coded
    prior = bundled_prior(load_codebook())
    with Project(db) as project:
        words = project.queue_vocabulary()
        rows = list(project.each_passage_terms())
        items = plain_passages(project)
        per_document = project.passage_counts()
        keys, priors, (triplet, width, product) = _features(project, per_document, prior)
    assert len(words) == len(set(words)) > 0  # one number per term in the whole project
    for sha, terms, _, numbers in rows:
        assert numbers is not None  # stored by `code` with the term list
        assert marshal.loads(terms)[2] is None  # ... whose term strings are in the project once
        doc_items = [p for p in items if p.document == sha]
        vocab = marshal.loads(document_terms(doc_items))[2].split("\n")
        assert [words[k] for k in np.frombuffer(numbers, "<u4")] == vocab
        assert for_project(document_terms(doc_items), doc_items)[1] == terms
    assert keys == [p.key for p in items]
    assert_same_matrix((triplet, width), Queue.features(items, prior))
    assert np.array_equal(product + prior.bias, Queue(items, prior).base)


def test_term_lists_stored_before_the_numbering_get_their_numbers_when_the_queue_opens(tmp_path, coded):
    import marshal
    import shutil

    folder, source = coded
    db = tmp_path / "project.sqlite"
    shutil.copy(source, db)
    book = load_codebook()
    with Project(db) as project:
        want = [(c["id"], c["queue_score"]) for c in ReviewQueue(project, "eva", book).items()]
        # as the migration to schema 6 leaves them: term lists with their strings, no numbers
        items = plain_passages(project)
        for sha in dict.fromkeys(p.document for p in items):
            doc_items = [p for p in items if p.document == sha]
            project.db.execute("UPDATE passage_terms SET terms = ?, numbers = NULL WHERE document = ?",
                               (document_terms(doc_items), sha))
        project.db.execute("DELETE FROM queue_terms")
        assert [(c["id"], c["queue_score"]) for c in ReviewQueue(project, "eva", book).items()] == want
        assert project.db.execute("SELECT COUNT(*) FROM passage_terms WHERE numbers IS NULL").fetchone()[0] == 0
        assert project.queue_vocabulary()
        assert [(c["id"], c["queue_score"]) for c in ReviewQueue(project, "eva", book).items()] == want
        # numbers that do not fit the project's terms are not used: a term list stored without its
        # strings is then counted again from its passages (and stored again, with numbers)
        assert all(marshal.loads(t)[2] is None for t, _ in project.passage_terms().values())
        project.db.execute("DELETE FROM queue_terms")
        assert [(c["id"], c["queue_score"]) for c in ReviewQueue(project, "eva", book).items()] == want
        assert project.db.execute("SELECT COUNT(*) FROM passage_terms WHERE numbers IS NULL").fetchone()[0] == 0
