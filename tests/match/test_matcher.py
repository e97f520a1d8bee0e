"""The matcher on its own: what makes a candidate, what keeps one out, and what it carries.

Small pages coded with the mini codebook (tests/data/mini.yaml) on the blank Dutch pipeline."""

from __future__ import annotations

import pytest

from kwaliteitscan.codebook import load_codebook
from kwaliteitscan.extract.extractor import Document, Page
from kwaliteitscan.match.matcher import Matcher, code_document
from kwaliteitscan.segment.nlp import load_pipeline
from kwaliteitscan.segment.segmenter import segment

from ..conftest import DATA_DIR


@pytest.fixture(scope="module")
def matcher():
    return Matcher(load_codebook(DATA_DIR / "mini.yaml"))


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline("nl", prefer_trained=False)[0]


def code(text: str, matcher, nlp):
    doc = Document("t.pdf", "1" * 64, (Page(1, text),))
    return code_document(segment(doc, nlp, "test"), matcher)


def themes(cands) -> list[tuple[str, str]]:
    return sorted((c.theme, c.polarity) for c in cands)


def test_a_pattern_with_its_required_cue_makes_a_candidate(matcher, nlp):
    cands = code("Wij erkennen dat stagediscriminatie een probleem is.", matcher, nlp)
    assert themes(cands) == [("acknowledgement", "positive")]
    (cand,) = cands
    assert {"erkennen", "probleem"} <= {t.lower() for t in cand.terms}
    assert cand.page == 1 and cand.sentence.startswith("Wij erkennen")


def test_without_the_required_cue_nothing_is_a_candidate(matcher, nlp):
    assert code("Wij erkennen dat roosters een probleem zijn.", matcher, nlp) == []


def test_wildcards_find_compounds_and_exclude_keeps_near_misses_out(matcher, nlp):
    hit = code("Het stagemeldpunt voor discriminatie is open.", matcher, nlp)
    assert themes(hit) == [("reporting_desk", "positive")]
    assert code("Het meldpunt verzuim registreert discriminatie en ziekmeldingen.", matcher, nlp) == []


def test_a_gap_pattern_and_a_negative_code(matcher, nlp):
    assert themes(code("Wij doen aan matching van studenten op leerwens.", matcher, nlp)) == [
        ("objective_matching", "positive")]
    assert themes(code("Bedrijven kiezen een student op de klik.", matcher, nlp)) == [
        ("objective_matching", "negative")]


def test_a_negating_qualifier_flips_the_polarity(matcher, nlp):
    (cand,) = code("Een apart meldpunt voor discriminatie achten wij niet nodig.", matcher, nlp)
    assert (cand.theme, cand.polarity) == ("reporting_desk", "negative")
    assert "negated" in cand.qualifiers


def test_a_continuation_sentence_joins_the_passage(matcher, nlp):
    (cand,) = code("Wij erkennen dat stagediscriminatie een probleem is. Dit bespreken wij elk jaar. "
                   "Het rooster volgt later.", matcher, nlp)
    assert cand.passage.endswith("Dit bespreken wij elk jaar.")
    assert "rooster" not in cand.passage


def test_ids_are_stable_and_depend_on_content(matcher, nlp):
    text = "Wij erkennen dat stagediscriminatie een probleem is."
    assert [c.id for c in code(text, matcher, nlp)] == [c.id for c in code(text, matcher, nlp)]
    assert code(text, matcher, nlp)[0].id != code("Inleiding. " + text, matcher, nlp)[0].id


def test_students_who_no_longer_search_themselves_are_no_evidence_against_matching(nlp):
    """Codebook 1.9.1: `self_search` (students search, the company chooses) counts against matching,
    but 'Eerstejaars solliciteren niet meer zelf' says the school now matches: seen as the first item
    of the demo's review queue, read as a refusal."""
    bundled = Matcher(load_codebook())
    section = "4.2 Stagematching\n\nBij Dierverzorging zijn we in 2024 begonnen met stagematching. {}"
    against = [c for c in code(section.format("Eerstejaars solliciteren niet meer zelf."), bundled, nlp)
               if c.theme == "objective_matching" and c.polarity == "negative"]
    assert against == []
    still = [c for c in code(section.format("Studenten solliciteren in principe zelf bij een leerbedrijf."),
                             bundled, nlp) if c.theme == "objective_matching" and c.polarity == "negative"]
    assert [c.sentence for c in still] == ["Studenten solliciteren in principe zelf bij een leerbedrijf."]
