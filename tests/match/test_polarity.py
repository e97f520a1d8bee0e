"""The polarity model: loading it, what it does to candidates, coding with it, retraining it, bad files."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.codebook import DEFAULT_CODEBOOK, load_codebook
from kwaliteitscan.errors import InputError
from kwaliteitscan.match import polarity
from kwaliteitscan.match.matcher import Candidate
from kwaliteitscan.match.passages import HIT
from kwaliteitscan.match.polarity import FORMAT, MODEL_NEGATIVE, PolarityModel
from ..conftest import DATA_DIR

runner = CliRunner()
BUNDLED = DEFAULT_CODEBOOK.with_suffix(".polarity.json")


def model_data(**over) -> dict:
    """A hand-made model: 'problemen' in the hit sentence reads as a judgement against the theme;
    'normjaartaak' makes a candidate unlikely to be evidence at all."""
    data = {"format": FORMAT, "version": 1, "rule_weight": 1.0,
            "use": {"polarity": {"negative": 0.7, "positive": 0.0}, "demote": 0.25},
            "idf": {"s:problemen": 1.0, "s:normjaartaak": 1.0, "s:leerbedrijf": 1.0},
            "heads": {"negative": {"intercept": -3.0, "coef": {"s:problemen": 8.0}, "parts": "spc"},
                      "relevant": {"intercept": 2.0, "coef": {"s:normjaartaak": -8.0}, "parts": "spcr"}},
            "trained_on": {"documents": 0}}
    data.update(over)
    return data


def cand(sentence: str, theme: str = "acknowledgement", polarity_: str = "positive", start: int = 0) -> Candidate:
    return Candidate(id=f"c{start}", document="0" * 64, theme=theme, codes=("general",), page=1, start=start,
                     end=start + len(sentence), passage_end=start + len(sentence), sentence=sentence, passage=sentence,
                     context=sentence, polarity=polarity_, qualifiers=(), score=1.0, weak=False, terms=(),
                     patterns=())


def test_a_judgement_without_a_negation_word_is_turned_negative_and_an_unlikely_candidate_left_out():
    model = PolarityModel.from_data(model_data())
    judged = cand("De meeste studenten vinden zonder grote problemen een leerbedrijf.", start=0)
    noise = cand("De normjaartaak van docenten is 1659 uur.", theme="professionals", start=100)
    plain = cand("Wij erkennen dat stagediscriminatie voorkomt.", start=200)
    out = polarity.apply([judged, noise, plain], {}, model)
    assert [c.id for c in out] == ["c0", "c200"]  # the normjaartaak sentence is no candidate before review
    assert (out[0].polarity, out[0].qualifiers) == ("negative", (MODEL_NEGATIVE,))
    assert out[0].id == judged.id  # the id stays: decisions keyed to it keep their candidate
    assert (out[1].polarity, out[1].qualifiers) == ("positive", ())
    # the rules' own negatives are kept: this model only adds negatives (use.polarity.positive = 0)
    refused = cand("Een apart meldpunt richten wij niet in.", theme="reporting_desk", polarity_="negative")
    assert polarity.apply([refused], {}, model)[0].polarity == "negative"
    # without the model nothing changes
    lenient = PolarityModel.from_data(model_data(use={"polarity": None, "demote": None}))
    assert polarity.apply([judged, noise, plain], {}, lenient) == [judged, noise, plain]


def test_a_code_the_model_must_keep_is_never_left_out():
    """The Stagepact's contact moments count under professionals in the study, whatever the gold learned."""
    data = model_data()
    data["use"] = {**data["use"], "keep_codes": ["professionals.contact_moments"]}
    model = PolarityModel.from_data(data)
    moments = replace(cand("Per bpv-periode zijn er drie contactmomenten; de normjaartaak telt ze mee.",
                           theme="professionals"), codes=("contact_moments",))
    other = replace(moments, codes=("training",), id="c1")
    assert [c.codes for c in polarity.apply([moments, other], {}, model)] == [("contact_moments",)]
    assert polarity.USE["keep_codes"] == ["professionals.contact_moments"]
    assert PolarityModel.load(BUNDLED).use["keep_codes"] == {"professionals.contact_moments"}
    with pytest.raises(InputError, match="keep_codes"):
        PolarityModel.from_data(model_data(use={"polarity": None, "demote": 0.3, "keep_codes": "contact"}))


def test_the_sentence_before_counts_as_its_own_part():
    text, rules = polarity.candidate_parts(cand("Dat doen wij niet."), "Een meldpunt is er al.")
    assert text["s:niet"] == 1 and text["p:meldpunt"] == 1 and "s:meldpunt" not in text
    assert "r:trigger" in rules and "r:rule=positive&acknowledgement" in rules


def test_the_bundled_model_loads_without_scikit_learn_and_fits_the_bundled_codebook():
    code = ("import sys; from kwaliteitscan.match.polarity import PolarityModel; "
            f"m = PolarityModel.load({str(BUNDLED)!r}); "
            "print(sorted(m.heads), m.use['demote'], 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["['negative',", "'relevant']", "0.25", "False"]
    model = PolarityModel.load(BUNDLED)
    assert sorted(model.meta["themes"]) == sorted(load_codebook(None).theme_ids)
    assert model.sha256 == __import__("hashlib").sha256(BUNDLED.read_bytes()).hexdigest()


def test_the_bundled_codebook_comes_with_its_model_and_none_turns_it_off():
    from kwaliteitscan.pipeline import codebook_for_run

    assert codebook_for_run(None, None).polarity_model.sha256 == PolarityModel.load(BUNDLED).sha256
    assert codebook_for_run(None, None, "none").polarity_model is None
    # a codebook with other themes does not get the bundled model; one given as an object keeps its own
    assert codebook_for_run(DATA_DIR / "mini.yaml", None).polarity_model is None
    book = load_codebook(None)
    assert codebook_for_run(book, None).polarity_model is None


@pytest.mark.parametrize("change, message", [
    ({"format": "other"}, "format must be"),
    ({"use": {"polarity": None, "demote": 1.5}}, "use.demote"),
    ({"heads": {}}, "use.polarity needs the head 'negative'"),
    ({"idf": {"s:x": "veel"}}, "could not convert"),
])
def test_a_bad_model_file_is_a_one_line_error_naming_the_file(tmp_path, change, message):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(model_data(**change)), encoding="utf-8")
    with pytest.raises(InputError) as err:
        PolarityModel.load(path)
    assert str(path) in err.value.message and message in err.value.message and "\n" not in err.value.message
    path.write_text("{kapot", encoding="utf-8")
    with pytest.raises(InputError, match="not JSON"):
        PolarityModel.load(path)


def test_cli_names_a_bad_model_file_in_one_line(tmp_path, make_pdf):
    corpus = tmp_path / "c"
    corpus.mkdir()
    make_pdf("# 1 Stagediscriminatie\n\nWij erkennen dat stagediscriminatie voorkomt.", name="c/roc-a-2024.pdf")
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    for command in (["code", str(corpus)], ["audit", str(corpus / "roc-a-2024.pdf")]):
        result = runner.invoke(app, [*command, "--polarity-model", str(bad)])
        assert result.exit_code not in (0, 1), result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and str(bad) in lines[0] and "polarity model" in lines[0]


def test_coding_with_a_model_keeps_every_passage_in_the_queue_and_recodes_when_the_model_changes(tmp_path, make_pdf):
    from kwaliteitscan.pipeline.code import code_corpus
    from kwaliteitscan.project.store import Project

    corpus = tmp_path / "c"
    corpus.mkdir()
    make_pdf("# 1 Aanpak stagediscriminatie\n\nStagediscriminatie is een probleem dat wij erkennen.\n\n"
             "De normjaartaak is een probleem bij discriminatie door docenten.", name="c/roc-a-2024.pdf")
    book = load_codebook(DATA_DIR / "mini.yaml")
    db = tmp_path / "p.sqlite"
    rules = code_corpus(corpus, polarity.attach(book, None), db, jobs=1)
    with Project(db) as project:
        before = project.candidates()
        prior_before = [p["prior"] for p in project.passages()]
    assert rules.coded == 1 and len(before) == 2
    strict = PolarityModel.from_data(model_data())
    again = code_corpus(corpus, polarity.attach(book, strict), db, jobs=1)
    assert again.coded == 1  # another model: computed again, not skipped
    with Project(db) as project:
        after = project.candidates()
        assert project.meta("suggester") == f"polarity {strict.sha256[:12]}"
        assert [p["prior"] for p in project.passages()] == prior_before
    assert [c["sentence"] for c in after] == ["Stagediscriminatie is een probleem dat wij erkennen."]
    assert code_corpus(corpus, polarity.attach(book, strict), db, jobs=1).coded == 0  # unchanged: skipped


def test_the_demoted_candidate_keeps_its_rule_evidence_as_a_passage(make_pdf):
    """What the queue ranks: the demoted sentence is still a HIT passage of its theme."""
    from kwaliteitscan.extract.extractor import extract_file
    from kwaliteitscan.pipeline.code import code_one
    from kwaliteitscan.segment.nlp import pipeline_id

    pdf = make_pdf("# 1 Aanpak stagediscriminatie\n\nDe normjaartaak is een probleem bij discriminatie door docenten.")
    book = polarity.attach(load_codebook(DATA_DIR / "mini.yaml"), PolarityModel.from_data(model_data()))
    doc = extract_file(pdf)
    cands, passages, _, _ = code_one(doc, book, pipeline_id("nl"), queue_terms=False)
    assert cands == []
    theme = book.theme_ids.index("acknowledgement")
    assert [p.prior[theme] for p in passages if "normjaartaak" in p.text] == [HIT]


def test_retraining_from_hand_coded_corpora_is_deterministic(tmp_path, make_pdf):
    pytest.importorskip("sklearn")
    corpus = tmp_path / "corpus"
    (corpus / "gold").mkdir(parents=True)
    for n in range(4):
        body = ("# 1 Aanpak stagediscriminatie\n\nStagediscriminatie is een probleem dat wij erkennen.\n\n"
                "Discriminatie is bij ons nauwelijks een probleem, onze studenten vinden zonder problemen een plek.\n\n"
                f"De normjaartaak is een probleem bij discriminatie door {n + 2} docenten.")
        make_pdf(body, name=f"corpus/roc-{n}-2024.pdf")
        gold = {"document": f"roc-{n}-2024.pdf", "themes": {"acknowledgement": "present"}, "passages": [
            {"theme": "acknowledgement", "polarity": "positive",
             "text": "Stagediscriminatie is een probleem dat wij erkennen."},
            {"theme": "acknowledgement", "polarity": "negative",
             "text": "Discriminatie is bij ons nauwelijks een probleem, onze studenten vinden zonder problemen een plek."}]}
        (corpus / "gold" / f"roc-{n}-2024.yaml").write_text(json.dumps(gold), encoding="utf-8")
    outs = [tmp_path / "a.json", tmp_path / "b.json"]
    for out in outs:
        result = runner.invoke(app, ["suggester", "train-polarity", str(corpus), "--out", str(out),
                                     "--codebook", str(DATA_DIR / "mini.yaml")])
        assert result.exit_code == 0, result.output
        assert "trained on 4 documents" in result.output
    assert outs[0].read_bytes() == outs[1].read_bytes()
    model = PolarityModel.load(outs[0])
    assert model.meta["themes"] == list(load_codebook(DATA_DIR / "mini.yaml").theme_ids)
    assert set(model.heads) == {"negative", "relevant"}
    # what it learned from four agendas: the normjaartaak sentence is no evidence, the coded one is
    feats = {s: model.features(cand(s), "") for s in ("De normjaartaak is een probleem bij discriminatie door 3 docenten.",
                                                      "Stagediscriminatie is een probleem dat wij erkennen.")}
    relevant = {s: model.probability("relevant", f) for s, f in feats.items()}
    assert relevant["De normjaartaak is een probleem bij discriminatie door 3 docenten."] < relevant[
        "Stagediscriminatie is een probleem dat wij erkennen."]
    # a model for other themes is refused by a codebook that lacks them
    result = runner.invoke(app, ["code", str(corpus), "--polarity-model", str(outs[0])])
    assert result.exit_code != 0 and "trained for the themes" in result.output


def test_the_quick_scores_are_the_named_features_times_the_coefficients():
    """`scores` (run for every candidate coded) gives what training's features give, on the bundled model."""
    model = PolarityModel.load(BUNDLED)
    book = load_codebook(None)
    cases = [(cand("Een apart meldpunt richten wij niet in, want het aantal meldingen is laag.",
                   theme="reporting_desk"), "Studenten kunnen terecht bij de vertrouwenspersoon."),
             (replace(cand("De meeste studenten vinden zonder grote problemen een leerbedrijf. Dat blijft zo."),
                      sentence="De meeste studenten vinden zonder grote problemen een leerbedrijf."), ""),
             (cand("Docenten volgen een training over stagediscriminatie; docenten bespreken het.",
                   theme="professionals"), "")]
    for c, prev in cases:
        features = model.features(c, prev, book.negation)
        expected = (model.probability("negative", features), model.probability("relevant", features))
        assert model.scores(c, prev, book.negation) == pytest.approx(expected, abs=1e-12)
        assert model.scores(c, prev, book.negation, {}) == model.scores(c, prev, book.negation)


def test_the_audit_says_when_the_model_read_a_sentence_as_counting_against_the_theme():
    from kwaliteitscan.report.audit import Quote

    by_rule = Quote("a.pdf", 3, "Een apart meldpunt richten wij niet in.", True)
    by_model = Quote("a.pdf", 4, "De meeste studenten vinden zonder problemen een plek.", True, True)
    assert by_rule.mark == "spreekt de aanpak tegen" and by_rule.to_json()["against_by_model"] is False
    assert by_model.mark == "spreekt de aanpak tegen, gelezen door het model, niet op een trefwoord"
    assert by_model.to_json()["against_by_model"] is True
    assert Quote("a.pdf", 5, "Wij erkennen het probleem.", False).mark == ""
    book = load_codebook(None)
    assert book.qualifier_label(MODEL_NEGATIVE) == "het model leest dit als afwijzing of afzwakking (geen codeur)"


def test_a_decision_on_a_candidate_the_model_leaves_out_moves_to_its_passage(tmp_path, make_pdf):
    """Nothing a coder decided is lost: coded first with the rules alone and confirmed, then coded with a
    model that leaves the candidate out, the confirmation lands on the passage in the queue and still counts."""
    from kwaliteitscan.pipeline.code import code_corpus
    from kwaliteitscan.project.store import Project
    from kwaliteitscan.report.model import report_from_project

    corpus = tmp_path / "c"
    corpus.mkdir()
    sentence = "De normjaartaak is een probleem bij discriminatie door docenten."
    make_pdf(f"# 1 Aanpak stagediscriminatie\n\n{sentence}", name="c/roc-a-2024.pdf")
    book = load_codebook(DATA_DIR / "mini.yaml")
    db = tmp_path / "p.sqlite"
    code_corpus(corpus, polarity.attach(book, None), db, jobs=1)
    with Project(db) as project:
        [candidate] = project.candidates()
        project.add_decision(candidate, "anna", "confirmed")
    summary = code_corpus(corpus, polarity.attach(book, PolarityModel.from_data(model_data())), db, jobs=1)
    assert summary.reattached == 1 and summary.unattached == []
    with Project(db) as project:
        assert project.candidates() == [] and project.orphan_decisions() == []
        [moved] = [row for row in project.decision_log() if row["origin"] == candidate["id"]]
        assert moved["candidate_id"].endswith("#acknowledgement") and moved["decision"] == "confirmed"
        report = report_from_project(project, book)
    cell = report.institutions[0].themes["acknowledgement"]
    assert cell.status == "present" and [e.decision for e in cell.evidence] == ["confirmed"]
