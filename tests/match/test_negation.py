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


@pytest.mark.parametrize("negation, message", [
    ({"window": 3}, "triggers"),
    ({"triggers": ["niet wel"]}, "single words"),
    ({"triggers": ["niet"], "window": 99}, "1 to 20"),
    ({"triggers": ["niet"], "pseudo": "geen enkele"}, "list of words or phrases"),
])
def test_bad_negation_rules_are_refused_with_their_key(negation, message):
    with pytest.raises(CodebookError, match=message):
        _book(negation)
