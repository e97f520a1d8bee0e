"""Coding: matching Dutch forms, qualifiers, stable ids, decisions surviving a re-code, export."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.codebook import build_codebook, load_codebook
from kwaliteitscan.pipeline.code import code_corpus
from kwaliteitscan.extract.extractor import Document, Page
from kwaliteitscan.match.matcher import Matcher, code_document
from kwaliteitscan.segment.nlp import load_pipeline
from kwaliteitscan.segment.segmenter import segment
from kwaliteitscan.report.status import checklist, statuses
from kwaliteitscan.project.store import Project
from ..conftest import DATA_DIR

DATA = DATA_DIR
runner = CliRunner()


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline("nl", prefer_trained=False)[0]


@pytest.fixture(scope="module")
def mini():
    return load_codebook(DATA / "mini.yaml")


def candidates(text: str, book, nlp, pages: list[str] | None = None):
    doc = Document("t.pdf", "0" * 64, tuple(Page(i + 1, t) for i, t in enumerate(pages or [text])))
    return code_document(segment(doc, nlp, "test"), Matcher(book))


def one_theme_book(patterns: list[str], **code) -> object:
    data = {"name": "t", "version": "1", "themes": {"t": {"label": "T", "definition": "T", "codes": {
        "c": {"label": "c", "patterns": patterns, **code}}}}}
    return build_codebook(data, "t.yaml")


@pytest.mark.parametrize("pattern, sentence", [
    ("erkennen", "De scholen erkenden het probleem."),                   # lemma of an inflected verb
    ("melding", "Alle meldingen worden geregistreerd."),                   # lemma of a plural
    ("meldpunt*", "De meldpuntfunctionaris belt terug."),                  # compound by prefix glob
    ("*discriminatie", "Het gaat om stagediscriminatie in de zorg."),      # compound by suffix glob
    ("*discrimin*", "Ons stagediscriminatiebeleid is vernieuwd."),         # infix glob
    ("begeleider*", "De bpv-begeleiders krijgen een training."),           # part of a hyphenated token
    ("bpv", "De BPV-coördinator is aangesteld."),                         # abbreviation, any case
    ("bol", "Eerstejaars BOL/BBL-studenten lopen stage."),               # slash-joined abbreviations
    ("sociale norm", "Wij stellen een duidelijke sociale norm."),          # multi-word phrase
    ("norm ... uitdragen", "Wij willen die norm actief naar bedrijven uitdragen."),  # gap
    ("gemonitord|monitoren", "De aanpak wordt jaarlijks gemonitord."),    # alternatives
])
def test_pattern_forms_match(nlp, pattern, sentence):
    found = candidates(sentence, one_theme_book([pattern]), nlp)
    assert len(found) == 1 and found[0].sentence == sentence


@pytest.mark.parametrize("pattern, sentence", [
    ("norm", "De normjaartaak van docenten is 1659 uur."),
    ("meldpunt", "Wij bellen het meldnummer."),
    ("norm ... uitdragen", "Wij stellen een norm en gaan daarna pas veel later misschien ooit uitdragen."),
])
def test_near_misses_do_not_match(nlp, pattern, sentence):
    assert candidates(sentence, one_theme_book([pattern]), nlp) == []


def test_hyphenated_pdf_word_matches_after_extraction(make_pdf, nlp):
    text = " ".join(["Onze aanpak van stagediscriminatie wordt door alle onderwijsprofessionals gedragen."] * 40)
    pdf = make_pdf(text, layout="two-column")
    from kwaliteitscan.extract.extractor import extract_file

    doc = extract_file(pdf)
    [found] = code_document(segment(doc, nlp, "test"), Matcher(one_theme_book(["stagediscriminatie"])))
    assert found.passage.count("stagediscriminatie") == 40  # also where it was hyphenated at a line end


def test_requires_exclude_scope_and_qualifiers(nlp, mini):
    text = ("Het meldpunt verzuim registreert ziekmeldingen.\n\n"
            "Een apart meldpunt achten wij niet nodig. Stagediscriminatie is zeldzaam.\n\n"
            "In 2026 gaan wij een meldpunt inrichten.\n\n"
            "Wij onderzoeken of matching op leerwens past. Matching gebeurt nu op de klik.")
    found = {c.sentence: c for c in candidates(text, mini, nlp)}
    assert "Het meldpunt verzuim registreert ziekmeldingen." not in found          # exclude
    assert "In 2026 gaan wij een meldpunt inrichten." not in found               # requires: no discrimination cue
    refused = found["Een apart meldpunt achten wij niet nodig."]                # paragraph scope satisfies requires
    assert refused.polarity == "negative" and refused.qualifiers == ("negated",)
    explored = found["Wij onderzoeken of matching op leerwens past."]
    assert explored.weak and "exploratory" in explored.qualifiers and explored.polarity == "positive"
    klik = found["Matching gebeurt nu op de klik."]
    assert klik.polarity == "negative" and klik.codes == ("subjective",)


def test_continuation_sentences_join_the_passage(nlp, mini):
    text = ("Wij erkennen dat stagediscriminatie een probleem is. Die erkenning delen wij met de gemeente. "
            "Daarnaast werken wij samen met SBB. Verder niets.")
    [cand] = candidates(text, mini, nlp)
    assert cand.sentence == "Wij erkennen dat stagediscriminatie een probleem is."
    assert cand.passage.endswith("Daarnaast werken wij samen met SBB.")  # max_continuation = 2
    assert cand.context == text


def test_any_following_sentence_continues_the_passage_with_star(nlp):
    text = "Het meldpunt is open. De eerste maand kwamen er negen meldingen. Zo gaat het goed."
    [cand] = candidates(text, one_theme_book(["meldpunt"]), nlp)
    assert cand.passage == "Het meldpunt is open."  # "De eerste ..." opens with no continuation word
    data = {"name": "t", "version": "1", "settings": {"continuation": ["*"], "max_continuation": 1},
            "themes": {"t": {"label": "T", "definition": "T", "codes": {"c": {"label": "c", "patterns": ["meldpunt"]}}}}}
    [cand] = candidates(text, build_codebook(data, "t.yaml"), nlp)
    assert cand.passage == "Het meldpunt is open. De eerste maand kwamen er negen meldingen."  # at most 1 more
    assert cand.context == text


def test_table_row_is_one_unit_with_header_as_context(nlp, mini):
    text = "Ambitie | Indicator\nMeldpunt voor stagediscriminatie | aantal meldingen"
    [cand] = candidates(text, mini, nlp)
    assert cand.sentence == "Meldpunt voor stagediscriminatie | aantal meldingen"
    assert cand.context == "Ambitie | Indicator\nMeldpunt voor stagediscriminatie | aantal meldingen"


def test_status_and_checklist_rules(nlp, mini):
    found = candidates("Wij onderzoeken of matching op leerwens past. Erkennen doen wij niets.", mini, nlp)
    assert statuses(mini, found) == {"acknowledgement": "absent", "reporting_desk": "absent",
                                     "objective_matching": "unclear"}
    assert checklist(mini, found) == {"acknowledge_problem": True, "objective_criteria": True}
    one = candidates("Stagediscriminatie komt ook bij ons voor. Matching op leerwens is de norm.", mini, nlp)
    assert statuses(mini, one)["acknowledgement"] == "unclear"  # one unreviewed hit is not enough for 'present'
    two = candidates("Stagediscriminatie komt ook bij ons voor. Matching op leerwens is de norm.\n\n"
                     "Wij erkennen dat stagediscriminatie een probleem is.", mini, nlp)
    assert statuses(mini, two)["acknowledgement"] == "unclear"  # nor two (SUGGESTED_PRESENT_MIN, codebook 1.9)
    strong = candidates("Stagediscriminatie komt ook bij ons voor. Matching op leerwens is de norm.\n\n"
                        "Wij erkennen dat stagediscriminatie een probleem is.\n\nOp de werkvloer komt "
                        "discriminatie vaak voor.\n\nMatching op leerwens doen wij in alle teams.", mini, nlp)
    assert statuses(mini, strong)["acknowledgement"] == "present"
    assert checklist(mini, strong) == {"acknowledge_problem": False, "objective_criteria": False}


# --------------------------------------------------------------------------- the whole flow


@pytest.fixture
def mini_corpus(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    folder.mkdir()
    body = ("# Stages\n\nWij erkennen dat stagediscriminatie een probleem is. Die erkenning delen wij.\n\n"
            "Een apart meldpunt achten wij niet nodig; studenten melden stagediscriminatie bij de mentor.\n\n"
            "Matching op leerwens doen wij in twee teams.")
    make_pdf(body, name="corpus/roc-aap-2024.pdf")
    make_pdf(body.replace("twee teams", "alle teams"), name="corpus/roc-noot-2026.pdf")
    (folder / "manifest.csv").write_text("file,institution,year\nroc-aap-2024.pdf,ROC Aap,2024\n", encoding="utf-8")
    return folder


def test_code_corpus_stores_candidates_with_manifest_and_file_name_metadata(mini_corpus):
    summary = code_corpus(mini_corpus, DATA / "mini.yaml", jobs=2)
    assert summary.documents == 2 and summary.coded == 2 and not summary.failed
    assert summary.candidates_per_theme == {"acknowledgement": 2, "reporting_desk": 2, "objective_matching": 2}
    with Project(summary.db) as project:
        docs = {d["file"]: d for d in project.documents()}
    assert (docs["roc-aap-2024.pdf"]["institution"], docs["roc-aap-2024.pdf"]["year"]) == ("ROC Aap", 2024)
    assert (docs["roc-noot-2026.pdf"]["institution"], docs["roc-noot-2026.pdf"]["year"]) == ("ROC Noot", 2026)
    assert "blank:nl" in summary.pipeline and docs["roc-aap-2024.pdf"]["pipeline"] == summary.pipeline


def test_running_twice_changes_nothing(mini_corpus):
    first = code_corpus(mini_corpus, DATA / "mini.yaml")
    with Project(first.db) as project:
        before = project.candidates()
    second = code_corpus(mini_corpus, DATA / "mini.yaml")
    assert second.coded == 0
    with Project(second.db) as project:
        assert project.candidates() == before


def test_decisions_survive_a_recode_with_a_changed_codebook(mini_corpus, tmp_path):
    first = code_corpus(mini_corpus, DATA / "mini.yaml")
    with Project(first.db) as project:
        cands = project.candidates()
        ack = next(c for c in cands if c["theme"] == "acknowledgement")
        project.add_decision(ack, "anna", "confirmed", note="duidelijk")
    changed = (DATA / "mini.yaml").read_text(encoding="utf-8").replace('version: "0.1"', 'version: "0.2"').replace(
        '"matching op leerwens", ', "")
    book = tmp_path / "mini2.yaml"
    book.write_text(changed, encoding="utf-8")
    second = code_corpus(mini_corpus, book)
    assert second.coded == 2
    with Project(second.db) as project:
        ids = {c["id"] for c in project.candidates()}
        assert ack["id"] in ids  # same sentence, same theme: same id
        decision = project.latest_decisions()[ack["id"]]
    assert (decision["coder"], decision["decision"], decision["note"]) == ("anna", "confirmed", "duidelijk")


def test_export_formats(mini_corpus, tmp_path):
    code_corpus(mini_corpus, DATA / "mini.yaml")
    result = runner.invoke(app, ["export", str(mini_corpus), "--format", "jsonl"])
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert result.exit_code == 0 and len(rows) == 6
    assert list(rows[0]) == ["id", "document", "institution", "year", "page", "theme", "code", "polarity",
                             "qualifiers", "score", "matched_terms", "passage", "context", "decision", "coder", "note",
                             "codebook"]
    assert rows[0]["codebook"].startswith("mini 0.1 (")
    assert {r["decision"] for r in rows} == {""}  # without --coder the decision column is empty (blind coding)
    refused = next(r for r in rows if r["theme"] == "reporting_desk")
    assert refused["polarity"] == "negative" and refused["qualifiers"] == "negated"
    csv_out = runner.invoke(app, ["export", str(mini_corpus), "--format", "csv"]).output
    assert len(list(csv.DictReader(io.StringIO(csv_out)))) == 6
    xlsx = tmp_path / "out.xlsx"
    assert runner.invoke(app, ["export", str(mini_corpus), "--format", "xlsx", "--out", str(xlsx)]).exit_code == 0
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).active
    assert [c.value for c in sheet[1]][:3] == ["id", "document", "institution"] and sheet.max_row == 7
    assert sheet.data_validations.dataValidation[0].formula1 == '"pending,confirmed,rejected,uncertain"'


def test_export_neutralises_formulas():
    from kwaliteitscan.untrusted import safe_cell

    assert safe_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert safe_cell("+31 6") == "'+31 6" and safe_cell("@SUM") == "'@SUM" and safe_cell("\tx") == "'\tx"
    assert safe_cell("gewoon") == "gewoon" and safe_cell(3) == 3 and safe_cell("a\x00b") == "ab"


def test_cli_code_summary_and_no_project_error(mini_corpus, tmp_path):
    result = runner.invoke(app, ["code", str(mini_corpus), "--codebook", str(DATA / "mini.yaml")])
    assert result.exit_code == 0, result.output
    # not a terminal: one line that says what was done, with the pipeline that ran
    assert "coded 2 document(s)" in result.output and "6 candidates" in result.output
    assert "blank:nl" in result.output
    missing = runner.invoke(app, ["export", str(tmp_path / "leeg")])
    assert missing.exit_code == 2 and "run `kwaliteitscan code" in missing.output


def test_context_of_a_paragraph_split_by_a_page_break_includes_both_halves(nlp, mini):
    pages = ["Inleiding.\n\nWij erkennen dat stagediscriminatie een probleem is voor studenten en",
             "hun ouders in de hele regio. Daarom handelen wij."]
    [cand] = candidates("", mini, nlp, pages=pages)
    assert cand.page == 1
    assert cand.context == ("Wij erkennen dat stagediscriminatie een probleem is voor studenten en "
                            "hun ouders in de hele regio. Daarom handelen wij.")


@pytest.fixture(scope="module")
def bundled():
    return load_codebook(None)


@pytest.mark.parametrize("text, theme, polarity", [
    # a refusal with the object first: verb + wij + niet/geen
    ("Een apart meldpunt voor stagediscriminatie richten wij niet in.", "reporting_desk", "negative"),
    ("Een verklaring tegen discriminatie die leerbedrijven ondertekenen, voeren wij niet in.", "social_norm", "negative"),
    ("Stagematching bij de BBL: daar kiezen wij in deze periode bewust niet voor, want stagediscriminatie "
     "speelt daar minder.", "objective_matching", "negative"),
    # a norm is not a refusal
    ("Stagediscriminatie accepteren wij niet: leerbedrijven die discrimineren, plaatsen wij geen studenten "
     "meer.", "social_norm", "positive"),
    # niet-westers is an adjective, not a negation
    ("Studenten met een niet-westerse migratieachtergrond worden vaker afgewezen bij het zoeken naar een "
     "stage; dat is stagediscriminatie.", "acknowledgement", "positive"),
    # postponed counts against
    ("De verklaring tegen stagediscriminatie voor leerbedrijven is uitgesteld tot 2026.", "social_norm", "negative"),
])
def test_bundled_codebook_polarity(nlp, bundled, text, theme, polarity):
    found = [c for c in candidates(text, bundled, nlp) if c.theme == theme]
    assert found, [c.theme for c in candidates(text, bundled, nlp)]
    assert {c.polarity for c in found} == {polarity}


def test_heading_scope_makes_every_sentence_under_the_heading_a_hit(nlp):
    data = {"name": "t", "version": "1",
            "cues": {"discriminatie": ["*discriminatie*"]},
            "themes": {"reporting_desk": {"label": "M", "definition": "M", "codes": {
                "under_heading": {"label": "kop", "scope": "heading", "patterns": ["melden"],
                                  "requires": ["discriminatie"]}}}}}
    book = build_codebook(data, "t.yaml")
    pages = ["4 Stagediscriminatie\n\n4.1 Melden en nazorg\n\nStudenten vullen een formulier in. "
             "Een vaste behandelaar belt binnen een week terug.\n\n4.2 Lessen\n\nWij geven een les.\n\n"
             "5 Verzuim\n\n5.1 Melden\n\nZiekmeldingen gaan via de app."]
    found = candidates("", book, nlp, pages)
    assert [c.passage for c in found] == [
        "Studenten vullen een formulier in. Een vaste behandelaar belt binnen een week terug."]
    assert found[0].codes == ("under_heading",) and found[0].terms == ("Melden",)


def test_a_list_label_heads_its_bullets_until_the_list_ends(nlp):
    data = {"name": "t", "version": "1", "cues": {"discriminatie": ["*discriminatie*"]},
            "themes": {"goals": {"label": "G", "definition": "G", "codes": {
                "under_heading": {"label": "kop", "scope": "heading", "patterns": ["wie"],
                                  "requires": ["discriminatie"]}}}}}
    book = build_codebook(data, "t.yaml")
    pages = ["3.3 Stagediscriminatie\n\nWie:\n\n• Directeur Onderwijs.\n\n• Teamleiders bpv.\n\n"
             "Daarna volgt gewone tekst over iets anders."]
    found = candidates("", book, nlp, pages)
    assert [c.passage for c in found] == ["• Directeur Onderwijs.", "• Teamleiders bpv."]


def test_a_list_label_without_theme_words_keeps_the_heading_theme(nlp):
    data = {"name": "t", "version": "1", "cues": {"discriminatie": ["*discriminatie*"]},
            "themes": {"reporting_desk": {"label": "M", "definition": "M", "codes": {
                "under_heading": {"label": "kop", "scope": "heading", "patterns": ["melden"],
                                  "requires": ["discriminatie"]}}}}}
    pages = ["4 Stagediscriminatie\n\n4.1 Melden en nazorg\n\nHoe werkt het:\n\n• Studenten vullen een formulier in.\n\n"
             "• De mentor belt terug."]
    found = candidates("", build_codebook(data, "t.yaml"), nlp, pages)
    assert [c.passage for c in found] == ["• Studenten vullen een formulier in.", "• De mentor belt terug."]


def test_segmentation_cache_follows_the_extraction_that_made_the_text(nlp, tmp_path, monkeypatch):
    import kwaliteitscan.extract.extractor as extract_module
    from kwaliteitscan.segment.segmenter import load_cached, store_cached

    doc = Document("t.pdf", "a" * 64, (Page(1, "Het meldpunt is open."),))
    store_cached(segment(doc, nlp, "p"), tmp_path)
    assert load_cached(doc.sha256, "p", tmp_path, "pdfium") is not None
    assert load_cached(doc.sha256, "p", tmp_path, "pdfplumber") is None  # other engine, other text
    monkeypatch.setattr(extract_module, "EXTRACTOR_VERSION", "next")
    assert load_cached(doc.sha256, "p", tmp_path, "pdfium") is None  # the extractor changed: segment again



def test_segmentation_cache_gives_back_what_was_segmented_and_drops_a_damaged_file(nlp, tmp_path):
    from kwaliteitscan.segment.segmenter import _cache_path, load_cached, store_cached

    doc = Document("t.pdf", "b" * 64, (Page(1, "Het meldpunt is open. Studenten melden discriminatie."),
                                        Page(2, "Kop\n\nNaam | Rol\nAnna | mentor")))
    seg = segment(doc, nlp, "p")
    store_cached(seg, tmp_path)
    assert load_cached(doc.sha256, "p", tmp_path, "pdfium") == seg
    path = _cache_path(doc.sha256, "p", tmp_path, "pdfium")
    path.write_bytes(path.read_bytes()[:40])  # cut off, as by a full disk
    assert load_cached(doc.sha256, "p", tmp_path, "pdfium") is None
    assert not path.exists()  # segmented again next time, not read again

def _column_book():
    data = {"name": "t", "version": "1", "cues": {"discriminatie": ["*discriminatie*"]},
            "themes": {"monitoring": {"label": "M", "definition": "M", "codes": {
                "in_column": {"label": "kolom", "scope": "column", "patterns": ["indicator*"],
                              "requires": ["discriminatie"]}}}}}
    return build_codebook(data, "t.yaml")


def test_column_scope_makes_rows_under_a_named_column_hits(nlp):
    book = _column_book()
    table = ("Ambitie | Indicator | Streefwaarde\n"
             "Minder stagediscriminatie | Aandeel studenten met een ervaring | 4%\n"
             "Betere roosters | Aandeel lessen volgens rooster | 95%")
    found = candidates("", book, nlp, ["3.2 Ambities\n\n" + table])
    # only the row about discrimination: requires is checked on the row and its section, not the table
    assert [c.sentence for c in found] == ["Minder stagediscriminatie | Aandeel studenten met een ervaring | 4%"]
    assert found[0].codes == ("in_column",) and found[0].terms == ("Indicator",)
    # under a section about discrimination every row counts
    found = candidates("", book, nlp, ["3.2 Aanpak stagediscriminatie\n\n" + table])
    assert len(found) == 2
    # column patterns are not looked for in running text or in section headings
    assert candidates("", book, nlp, ["3 Indicatoren stagediscriminatie\n\nDe indicator van stagediscriminatie "
                                      "volgen wij jaarlijks."]) == []


def test_a_refusal_that_continues_a_passage_counts_against_its_theme(nlp):
    data = {"name": "t", "version": "1", "settings": {"continuation": ["*"], "max_continuation": 2},
            "qualifiers": {"negated": {"label": "n", "polarity": "negative", "patterns": ["kiezen ... niet"]}},
            "themes": {"t": {"label": "T", "definition": "T", "codes": {"c": {"label": "c", "patterns": ["stagematching"]}}}}}
    book = build_codebook(data, "t.yaml")
    text = ("Het Stagepact vraagt om stagematching. Daar kiezen wij bewust niet voor. Wij evalueren in 2026. "
            "Dat is alles.")
    found = candidates(text, book, nlp)
    assert [(c.polarity, c.passage) for c in found] == [
        ("positive", "Het Stagepact vraagt om stagematching."),
        ("negative", "Daar kiezen wij bewust niet voor. Wij evalueren in 2026. Dat is alles.")]
    # a refusal of something else (it has its own theme) does not count against the theme before it
    data2 = {**data, "themes": {**data["themes"], "u": {"label": "U", "definition": "U", "codes": {
        "c": {"label": "c", "patterns": ["klachtencommissie"]}}}}}
    text2 = "Het Stagepact vraagt om stagematching. Een aparte klachtencommissie kiezen wij niet."
    found2 = candidates(text2, build_codebook(data2, "t.yaml"), nlp)
    assert sorted((c.theme, c.polarity) for c in found2) == [("t", "positive"), ("u", "negative")]
    # a refusal of nothing named counts against every theme it continues
    text3 = "Het Stagepact vraagt om stagematching en een klachtencommissie. Daar kiezen wij niet voor."
    found3 = candidates(text3, build_codebook(data2, "t.yaml"), nlp)
    assert sorted((c.theme, c.polarity) for c in found3) == [
        ("t", "negative"), ("t", "positive"), ("u", "negative"), ("u", "positive")]
    # beyond the continuation reach the refusal is not tied to the theme
    text = "Het Stagepact vraagt om stagematching. Wij evalueren. Wij lezen. Daar kiezen wij niet voor."
    assert [c.polarity for c in candidates(text, book, nlp)] == ["positive"]
