"""Negation by scope (ConText): triggers within a window of a theme's words, cut by terminators,
pseudo-triggers left alone; the rules are codebook data and the matcher applies them."""

from __future__ import annotations

import pytest

from kwaliteitscan.codebook import build_codebook
from kwaliteitscan.codebook.model import Negation
from kwaliteitscan.errors import CodebookError
from kwaliteitscan.extract.extractor import Document, Page
from kwaliteitscan.match.matcher import Matcher, code_document
from kwaliteitscan.match.negation import negated
from kwaliteitscan.segment.nlp import load_pipeline
from kwaliteitscan.segment.segmenter import segment

RULES = Negation(frozenset({"niet", "geen"}), frozenset({"maar", "wel"}),
                 (("geen", "enkele"), ("accepteren", "wij", "niet")), 4)


@pytest.mark.parametrize("sentence, negative", [
    ("Een apart meldpunt richten wij niet in.", True),  # the negation after the object, as Dutch puts it
    ("Wij zien geen aanleiding voor een meldpunt.", True),
    ("Wij hebben geen meldpunt.", True),
    ("Er is een meldpunt.", False),
    ("Een meldpunt hebben wij niet, maar wel een vertrouwenspersoon die meldingen opneemt.", True),
    ("Wij hebben niet alleen een vertrouwenspersoon maar ook een meldpunt.", False),  # cut by 'maar'
    ("Geen enkele student mag worden afgewezen; het meldpunt helpt.", False),  # a norm, not a refusal
    ("Het meldpunt is open voor iedereen die op de werkvloer of bij het solliciteren niet eerlijk wordt "
     "behandeld.", False),  # too far away
])
def test_scope(sentence, negative):
    assert negated(sentence, ["meldpunt"], RULES) is negative


def _book(negation=None):
    data = {"name": "t", "version": "1", "themes": {"reporting_desk": {"label": "M", "definition": "M", "codes": {
        "desk": {"label": "meldpunt", "patterns": ["meldpunt"]}}}}}
    if negation is not None:
        data["negation"] = negation
    return build_codebook(data, "t.yaml")


def test_the_matcher_applies_the_codebooks_rules_and_only_then():
    text = "Een apart meldpunt richten wij niet in."
    doc = Document("t.pdf", "3" * 64, (Page(1, text),))
    seg = segment(doc, load_pipeline("nl", prefer_trained=False)[0], "t")
    [without] = code_document(seg, Matcher(_book()))
    assert without.polarity == "positive"
    [with_rules] = code_document(seg, Matcher(_book({"triggers": ["niet", "geen"], "window": 4})))
    assert with_rules.polarity == "negative" and with_rules.id != without.id


DIRECTED = Negation(frozenset({"niet"}), frozenset({",", "die", "maar"}), (("niet", "alleen"),), 4,
                    pre=frozenset({"geen"}))


@pytest.mark.parametrize("sentence, negative", [
    ("Wij richten geen apart meldpunt in.", True),  # 'geen' negates what follows it
    ("Een meldpunt is er voor studenten die geen stageplek vinden.", False),  # ... not what precedes it
    ("Studenten die geen plek vinden, kunnen naar het meldpunt.", False),  # a comma ends the clause
    ("Het meldpunt, dat sinds 2023 open is, werkt niet.", False),  # the relative clause cuts the scope
    ("Een apart meldpunt richten wij niet in.", True),
    ("Wij hebben niet alleen een meldpunt.", False),  # a pseudo-trigger
    ("Niet het meldpunt maar de mentor is het aanspreekpunt.", True),
])
def test_direction_and_clause_terminators(sentence, negative):
    assert negated(sentence, ["meldpunt"], DIRECTED) is negative


def test_a_trigger_inside_the_matched_words_is_the_patterns_own_meaning():
    # social_norm's pattern "past niet" holds the trigger: the norm is not negated by it
    assert not negated("Discriminatie past niet bij onze school.", ["past niet"], DIRECTED)
    # a term of several words is measured from its last word when the trigger follows it
    assert negated("Een apart meldpunt voor stages achten wij niet nodig.", ["apart meldpunt voor stages"], DIRECTED)


def _codes(text: str, negation: dict, frame=False):
    data = {"name": "t", "version": "1",
            "cues": {"kader": ["stagepact ... vraagt"]},
            "themes": {"reporting_desk": {"label": "M", "definition": "M", "codes": {
                "desk": {"label": "meldpunt", "patterns": ["meldpunt", "loket", "vertrouwenspersoon"]}}},
                "goals": {"label": "D", "definition": "D", "codes": {
                    "aim": {"label": "doel", "patterns": ["ambitie"]}}}},
            "negation": negation}
    book = build_codebook(data, "t.yaml")
    doc = Document("t.pdf", "4" * 64, (Page(1, text),))
    seg = segment(doc, load_pipeline("nl", prefer_trained=False)[0], "t")
    return code_document(seg, Matcher(book))


REFUSAL = ("Een apart meldpunt richten wij niet in. Voor onze school werkt een vertrouwenspersoon beter dan een "
           "loket. Wel kunnen studenten bij de vertrouwenspersoon terecht.")


def test_a_refusal_carries_to_the_reasons_after_it_until_a_terminator_opens_a_sentence():
    without = _codes(REFUSAL, {"triggers": ["niet"], "terminators": ["wel"]})
    assert [(c.polarity, c.sentence.split()[0]) for c in without] == [("negative", "Een"), ("positive", "Voor")]
    carried = _codes(REFUSAL, {"triggers": ["niet"], "terminators": ["wel"], "carry": 1})
    by_polarity = {c.polarity: c for c in carried}
    assert by_polarity["negative"].sentence.startswith("Een apart meldpunt")
    assert "Voor onze school" in by_polarity["negative"].passage  # the reason counts against the theme
    assert by_polarity["positive"].sentence.startswith("Wel kunnen")  # 'Wel ...' ends the refusal's reach


def test_carry_and_scope_apply_only_to_the_themes_named():
    text = "Een apart meldpunt richten wij niet in. Voor onze school werkt een vertrouwenspersoon beter."
    only_goals = _codes(text, {"triggers": ["niet"], "carry": 1, "themes": ["goals"]})
    assert {c.polarity for c in only_goals} == {"positive"}


def test_a_sentence_that_only_reports_the_stagepact_follows_a_refusal_in_its_paragraph():
    text = "Het Stagepact vraagt elke school om een meldpunt. Een apart meldpunt richten wij niet in."
    plain = _codes(text, {"triggers": ["niet"]})
    assert sorted(c.polarity for c in plain) == ["negative", "positive"]
    framed = _codes(text, {"triggers": ["niet"], "frame": ["kader"]})
    assert [c.polarity for c in framed] == ["negative"] and framed[0].sentence.startswith("Het Stagepact")


@pytest.mark.parametrize("negation, message", [
    ({"window": 3}, "triggers"),
    ({"triggers": ["niet wel"]}, "single words"),
    ({"pre": ["geen enkele"]}, "single words"),
    ({"triggers": ["niet"], "window": 99}, "1 to 20"),
    ({"triggers": ["niet"], "carry": 9}, "0 to 5"),
    ({"triggers": ["niet"], "frame": ["onbekend"]}, "does not define"),
    ({"triggers": ["niet"], "themes": ["onbekend"]}, "does not define"),
    ({"triggers": ["niet"], "pseudo": "geen enkele"}, "list of words or phrases"),
])
def test_bad_negation_rules_are_refused_with_their_key(negation, message):
    with pytest.raises(CodebookError, match=message):
        _book(negation)
