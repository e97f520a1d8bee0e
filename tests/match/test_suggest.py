"""Theme suggesters: the model, its use while coding, training, and the CLI."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.codebook import build_codebook
from kwaliteitscan.errors import InputError
from kwaliteitscan.extract.extractor import Document, Page
from kwaliteitscan.match.matcher import Matcher, code_document
from kwaliteitscan.segment.nlp import load_pipeline
from kwaliteitscan.segment.segmenter import segment
from kwaliteitscan.match.suggest import FORMAT, Suggester, head_terms, text_terms, train, weigh
from ..conftest import DATA_DIR, ROOT

runner = CliRunner()
THEMES = ["reporting_desk", "goals"]


def model_data(**over) -> dict:
    """A hand-made suggester: 'werkdagen' and 'gesprek' point to reporting_desk, 'ambitie' to goals;
    the heading word 'melden' to reporting_desk."""
    data = {"format": FORMAT, "version": 1, "themes": THEMES, "threshold": 0.6, "requires": ["discriminatie"],
            "head_weight": 0.5,
            "text_terms": {"werkdagen": [1.0, 6.0, -2.0], "gesprek": [1.0, 4.0, -1.0], "ambitie": [1.0, -2.0, 6.0],
                           "de": [1.0, 0.0, 0.0]},
            "head_terms": {"melden": [1.0, 4.0, 0.0]},
            "intercepts": [-3.0, -3.0], "trained_on": {"documents": 0}}
    data.update(over)
    return data


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline("nl", prefer_trained=False)[0]


def book_with(suggester=None, patterns=("meldpunt",)):
    data = {"name": "t", "version": "1", "cues": {"discriminatie": ["*discriminatie*"]},
            "themes": {"reporting_desk": {"label": "M", "definition": "M", "codes": {
                "desk": {"label": "meldpunt", "patterns": list(patterns), "requires": ["discriminatie"],
                         "scope": "section"}}},
                "goals": {"label": "G", "definition": "G", "codes": {"target": {"label": "doel", "patterns": ["2027"]}}}}}
    return replace(build_codebook(data, "t.yaml"), suggester=suggester)


def candidates(pages: list[str], book, nlp):
    doc = Document("t.pdf", "0" * 64, tuple(Page(i + 1, t) for i, t in enumerate(pages)))
    return code_document(segment(doc, nlp, "test"), Matcher(book))


def test_features_and_probabilities_follow_the_model():
    assert text_terms("Binnen vijf werkdagen volgt een gesprek.")["werkdagen gesprek"] == 0  # not adjacent
    assert text_terms("een gesprek, een gesprek")["een gesprek"] == 2
    assert head_terms("4.2 Melden en nazorg") == {"melden": 1, "en": 1, "nazorg": 1}
    w = weigh(text_terms("gesprek gesprek werkdagen"), {"gesprek": 1.0, "werkdagen": 2.0})
    assert math.isclose(sum(v * v for v in w.values()), 1.0)
    model = Suggester.from_data(model_data())
    p = model.probabilities("Binnen vijf werkdagen volgt een gesprek.")
    assert p["reporting_desk"] > 0.9 > 0.1 > p["goals"]
    assert model.probabilities("Onze ambitie is helder.")["goals"] > 0.9
    plain = model.probabilities("Een gesprek.")["reporting_desk"]
    assert model.probabilities("Een gesprek.", "4.2 Melden")["reporting_desk"] > plain  # the heading counts
    assert model.probabilities("Niets bekends hier.") == pytest.approx(
        {t: 1 / (1 + math.exp(3.0)) for t in THEMES})


@pytest.mark.parametrize("change, message", [
    ({"format": "other"}, "format must be"),
    ({"threshold": 1.5}, "threshold must be between 0 and 1"),
    ({"intercepts": [0.0]}, "intercepts needs 2 values"),
    ({"text_terms": {"x": [1.0, 2.0]}}, "needs idf and 2 coefficients"),
])
def test_a_broken_suggester_is_a_one_line_error_naming_the_file(tmp_path, change, message):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(model_data(**change)), encoding="utf-8")
    with pytest.raises(InputError) as err:
        Suggester.load(path)
    assert str(path) in err.value.message and message in err.value.message
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not JSON"):
        Suggester.load(path)


def test_suggestions_are_weak_candidates_in_sections_about_the_topic_only(nlp):
    book = book_with(Suggester.from_data(model_data()))
    pages = ["4 Aanpak stagediscriminatie\n\n4.1 Opvolging\n\nBinnen vijf werkdagen volgt een gesprek.\n\n"
             "5 Verzuim\n\n5.1 Opvolging\n\nBinnen vijf werkdagen volgt een gesprek."]
    found = candidates(pages, book, nlp)
    assert [(c.theme, c.codes, c.weak, c.page) for c in found] == [("reporting_desk", ("suggested",), True, 1)]
    assert found[0].sentence == "Binnen vijf werkdagen volgt een gesprek."
    assert found[0].patterns[0].startswith("suggested: model p >= 0.60")
    # without a suggester nothing is found there, and the rest of the coding is unchanged
    assert candidates(pages, book_with(None), nlp) == []


def test_a_suggested_sentence_joins_the_pattern_candidate_of_its_paragraph(nlp):
    book = book_with(Suggester.from_data(model_data()))
    text = ("Het meldpunt stagediscriminatie is open. Wij bellen de student terug. "
            "Binnen vijf werkdagen volgt een gesprek.")
    [cand] = candidates([text], book, nlp)
    assert cand.codes == ("desk", "suggested") and not cand.weak  # the pattern hit keeps it strong
    assert cand.passage == text  # from the pattern hit to the suggested sentence
    [plain] = candidates([text], book_with(None), nlp)
    assert plain.passage == "Het meldpunt stagediscriminatie is open."  # this codebook continues no passage
    # a sentence a pattern hit already is not suggested again
    text = "Over stagediscriminatie: binnen vijf werkdagen volgt een gesprek bij het meldpunt."
    [cand] = candidates([text], book, nlp)
    assert cand.codes == ("desk",)


def test_training_learns_the_themes_of_coded_sentences():
    pytest.importorskip("sklearn")
    examples = []
    for i in range(30):
        examples.append((f"Binnen {i} werkdagen volgt een gesprek met de student.", "Melden en nazorg",
                         {"reporting_desk"}))
        examples.append((f"Onze ambitie voor 2027 is dat {i} teams meedoen.", "Doelen", {"goals"}))
        examples.append((f"De kantine gaat om {i} uur open.", "Gebouwen", set()))
    data = train(examples, tuple(THEMES), threshold=0.7, requires=("discriminatie",), trained_on={"documents": 3})
    model = Suggester.from_data(json.loads(json.dumps(data)))  # survives JSON as it is stored
    assert model.threshold == 0.7 and model.requires == ("discriminatie",) and model.meta == {"documents": 3}
    p = model.probabilities("Binnen twee werkdagen volgt een gesprek.", "Melden en nazorg")
    assert p["reporting_desk"] > 0.7 and p["goals"] < 0.3
    assert model.probabilities("De kantine gaat om acht uur open.", "Gebouwen")["reporting_desk"] < 0.3
    with pytest.raises(InputError, match="no sentences"):
        train([], tuple(THEMES))


def test_cli_trains_on_a_hand_coded_corpus_and_codes_with_the_suggester(tmp_path, make_pdf):
    pytest.importorskip("sklearn")
    corpus = tmp_path / "corpus"
    (corpus / "gold").mkdir(parents=True)
    sentences = ["Binnen vijf werkdagen volgt een gesprek.", "Wij bellen de student dezelfde week terug.",
                 "De student hoort binnen een week wat er gebeurt."]
    for n in range(4):
        body = (f"# 1 Aanpak stagediscriminatie\n\n## 1.1 Opvolging\n\n{' '.join(sentences)}\n\n"
                f"## 1.2 Kantine\n\nDe kantine is open van acht tot vier. Er is koffie en thee voor {n} euro.")
        make_pdf(body, name=f"corpus/roc-{n}-2024.pdf")
        gold = {"document": f"roc-{n}-2024.pdf", "institution": f"ROC {n}", "year": 2024,
                "themes": {}, "passages": [{"theme": "reporting_desk", "polarity": "positive", "text": s}
                                           for s in sentences]}
        (corpus / "gold" / f"roc-{n}-2024.yaml").write_text(json.dumps(gold), encoding="utf-8")
    model = tmp_path / "s.json"
    result = runner.invoke(app, ["suggester", "train", str(corpus), "--out", str(model), "--threshold", "0.5",
                                 "--codebook", str(DATA_DIR / "mini.yaml")])
    assert result.exit_code == 0, result.output
    assert "trained on 4 documents" in result.output
    loaded = Suggester.load(model)
    assert loaded.threshold == 0.5 and loaded.requires == ("discriminatie",)
    # unknown cue: one-line error
    result = runner.invoke(app, ["suggester", "train", str(corpus), "--out", str(model), "--requires", "geen_cue",
                                 "--codebook", str(DATA_DIR / "mini.yaml")])
    assert result.exit_code != 0 and "no cue geen_cue" in result.output
    # coding with it: the keyword-less sentences become suggestions; the project records the suggester
    result = runner.invoke(app, ["code", str(corpus), "--suggest", str(model),
                                 "--codebook", str(DATA_DIR / "mini.yaml")])
    assert result.exit_code == 0, result.output
    assert "reporting_desk" in result.output and "+suggester" in result.output
    # the self-audit of one agenda takes it too, and says so
    audit_out = tmp_path / "audit.json"
    result = runner.invoke(app, ["audit", str(corpus / "roc-0-2024.pdf"), "--suggest", str(model), "--format", "json",
                                 "--out", str(audit_out), "--codebook", str(DATA_DIR / "mini.yaml")])
    assert result.exit_code == 0, result.output
    assert "+suggester" in json.loads(audit_out.read_text(encoding="utf-8"))["pipeline"]
    # a suggester for themes the codebook lacks is refused
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(model_data(themes=["onbekend", "goals"])), encoding="utf-8")
    result = runner.invoke(app, ["code", str(corpus), "--suggest", str(bad),
                                 "--codebook", str(DATA_DIR / "mini.yaml")])
    assert result.exit_code != 0 and "onbekend" in result.output


def test_the_bundled_suggester_fits_the_bundled_codebook():
    from kwaliteitscan.codebook import load_codebook

    bundled = ROOT / "codebooks" / "stagediscriminatie.suggester.json"
    model = Suggester.load(bundled)
    assert set(model.themes) == set(load_codebook(None).theme_ids) and model.requires == ("discriminatie",)
    assert 0.0 < model.threshold < 1.0 and model.meta["documents"] >= 30


def test_a_suggestion_is_no_evidence_for_or_against_a_checklist_rule():
    from types import SimpleNamespace

    from kwaliteitscan.report.status import rule_holds

    def ev(*codes, weak=False):
        return SimpleNamespace(theme="monitoring", codes=codes, polarity="positive", weak=weak)

    rule = {"theme": "monitoring", "only_codes": ["reports_only"]}
    assert rule_holds(rule, {"monitoring": [ev("reports_only"), ev("suggested", weak=True)]}, {})
    assert rule_holds(rule, {"monitoring": [ev("reports_only", "suggested")]}, {})
    assert not rule_holds(rule, {"monitoring": [ev("suggested", weak=True)]}, {})  # no coded evidence at all
    assert not rule_holds(rule, {"monitoring": [ev("reports_only"), ev("survey")]}, {})


def test_a_suggester_must_fit_its_codebook_and_its_code_id_is_reserved(tmp_path):
    from kwaliteitscan.errors import CodebookError
    from kwaliteitscan.match.suggest import attach

    book = book_with()
    assert attach(book, Suggester.from_data(model_data())).suggester is not None
    with pytest.raises(InputError, match="requires cue"):
        attach(book, Suggester.from_data(model_data(requires=["geen_cue"])))
    with pytest.raises(InputError, match="requires must be a list"):
        Suggester.from_data(model_data(requires="discriminatie"))
    with pytest.raises(InputError, match="themes the codebook t does not have"):
        attach(book, Suggester.from_data(model_data(themes=["x", "goals"])))
    data = {"name": "t", "version": "1", "themes": {"t": {"label": "T", "definition": "T", "codes": {
        "suggested": {"label": "s", "patterns": ["x"]}}}}}
    with pytest.raises(CodebookError, match="reserved"):
        build_codebook(data, "t.yaml")


def test_models_built_in_memory_have_their_own_identity():
    a, b = Suggester.from_data(model_data()), Suggester.from_data(model_data(threshold=0.9))
    assert a.sha256 and a.sha256 != b.sha256
    assert Suggester.from_data(model_data()).sha256 == a.sha256


def test_training_on_too_little_text_is_a_clear_error():
    pytest.importorskip("sklearn")
    with pytest.raises(InputError, match="too little text"):
        train([("Een.", "", {"goals"}), ("Twee.", "", set())], tuple(THEMES))


def test_coding_again_with_another_suggester_recodes(tmp_path, make_pdf):
    from kwaliteitscan.pipeline.code import code_corpus

    corpus = tmp_path / "c"
    corpus.mkdir()
    make_pdf("# 1 Aanpak stagediscriminatie\n\n## 1.1 Opvolging\n\nBinnen vijf werkdagen volgt een gesprek.",
             name="c/roc-a-2024.pdf")
    db = tmp_path / "p.sqlite"
    strict = book_with(Suggester.from_data(model_data(threshold=0.99)))
    loose = book_with(Suggester.from_data(model_data(threshold=0.5)))
    first = code_corpus(corpus, strict, db, jobs=1)
    assert first.coded == 1 and "reporting_desk" not in first.candidates_per_theme
    again = code_corpus(corpus, loose, db, jobs=1)
    assert again.coded == 1 and again.candidates_per_theme["reporting_desk"] == 1
    assert code_corpus(corpus, loose, db, jobs=1).coded == 0  # unchanged: skipped


def test_training_skips_a_bad_pdf_and_a_coding_without_pdf_and_says_so(tmp_path, make_pdf):
    pytest.importorskip("sklearn")
    corpus = tmp_path / "corpus"
    (corpus / "gold").mkdir(parents=True)
    sentence = "Binnen vijf werkdagen volgt een gesprek met de student."
    for n in range(3):
        make_pdf(f"# 1 Aanpak stagediscriminatie\n\n{sentence} De kantine is open tot {n} uur.",
                 name=f"corpus/roc-{n}-2024.pdf")
    (corpus / "roc-kapot-2024.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf")
    for name in ["roc-0-2024", "roc-1-2024", "roc-2-2024", "roc-kapot-2024", "roc-weg-2024"]:
        gold = {"document": f"{name}.pdf", "passages": [{"theme": "reporting_desk", "text": sentence}]}
        (corpus / "gold" / f"{name}.yaml").write_text(json.dumps(gold), encoding="utf-8")
    model = tmp_path / "s.json"
    result = runner.invoke(app, ["suggester", "train", str(corpus), "--out", str(model),
                                 "--codebook", str(DATA_DIR / "mini.yaml")])
    assert result.exit_code == 10, result.output  # partial: some files failed, the rest was used
    skipped = [line for line in result.output.splitlines() if line.startswith("skipped:")]
    assert len(skipped) == 2
    assert any("roc-kapot-2024.pdf" in line for line in skipped)
    assert any("roc-weg-2024.pdf" in line and "no PDF" in line for line in skipped)
    assert "trained on 3 documents" in result.output and Suggester.load(model).meta["documents"] == 3
