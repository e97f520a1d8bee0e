"""Shortcuts taken for speed must never change a result: the matcher's regex gates and
its sentence pre-check for multi-token patterns (against exhaustive searching), and the
rule-based segmentation of the blank pipeline (against spaCy's own components)."""

from __future__ import annotations

import re

import pytest

from kwaliteitscan.codebook import load_codebook
from kwaliteitscan.extract.extractor import Cache, extract_many
from kwaliteitscan.match.matcher import Matcher, code_document, regex_gate
from kwaliteitscan.segment.nlp import load_pipeline
from kwaliteitscan.segment.segmenter import segment
from ..conftest import ROOT

CORPUS = ROOT / "corpus"


@pytest.mark.parametrize("pattern, text, admitted", [
    (r"\bjob[- ]?monitor", "de job-monitor van 2024", True),
    (r"\bjob[- ]?monitor", "de monitor van job", True),  # both strings occur: searched (and no match)
    (r"\bjob[- ]?monitor", "de monitor", False),
    (r"(?:een|één|1)\s+op\s+de\s+\d", "één op de 5", True),
    (r"(?:een|één|1)\s+op\s+de\s+\d", "één op de vijf", True),  # \d may be any digit: no gate on it
    (r"(?:een|één|1)\s+op\s+de\s+\d", "één van de vijf", False),  # but " op " is required
    (r"^[^.;]{1,10}$", "kort", True),
    (r"^[^.;]{1,10}$", "een veel te lange zin zonder punt", False),
    (r"(?i)MeldPunt", "het meldpunt", True),
    (r"a|", "zonder", True),  # an empty branch: nothing is required
    (r"[^x]+", "y", True),
    (r"\d+%", "\uff13\uff10%", True),  # \d is any Unicode digit ('30%' in fullwidth digits)
    (r"\d", "\u0663", True),  # an Arabic-Indic three
    (r"(?a)\d+%", "geen getal%", False),  # under re.ASCII it is 0-9 only
    (r"(?i:JOB-monitor)", "de job-monitor", True),  # a flag switched on for one group
    (r"(?i)stage", "\u017ftage", True),  # case folding goes beyond lowercase: the long s matches 's'
])
def test_gate_cases(pattern, text, admitted):
    assert regex_gate(pattern).admits(text) is admitted
    if re.search(pattern, text):
        assert admitted


def test_gate_never_rules_out_a_match_of_the_codebook_regexes():
    book = load_codebook(None)
    regexes = {p.regex for t in book.themes for c in t.codes for p in c.patterns if p.regex}
    regexes |= {p.regex for q in book.qualifiers for p in q.patterns if p.regex}
    regexes |= {p.regex for ps in book.cues.values() for p in ps if p.regex}
    assert len(regexes) >= 10
    outcomes = extract_many(sorted(CORPUS.glob("*.pdf"))[:4], "pdfium", Cache(), jobs=1)
    lines = [line.lower() for o in outcomes for page in o.document.pages for line in re.split(r"(?<=[.!?])\s+|\n", page.text)]
    matched = 0
    for pattern in regexes:
        gate, compiled = regex_gate(pattern), re.compile(pattern)
        for line in lines:
            if compiled.search(line):
                matched += 1
                assert gate.admits(line), (pattern, line)
    assert matched > 50  # the check saw real matches


def test_shortcuts_give_the_same_candidates_as_searching_everything():
    book = load_codebook(None)
    nlp, name = load_pipeline("nl")
    fast, slow = Matcher(book), Matcher(book, shortcuts=False)
    outcomes = extract_many(sorted(CORPUS.glob("*.pdf"))[:3], "pdfium", Cache(), jobs=1)
    total = 0
    for outcome in outcomes:
        seg = segment(outcome.document, nlp, name)
        expected = code_document(seg, slow)
        assert code_document(seg, fast) == expected
        total += len(expected)
    assert total > 30


def test_blank_pipeline_rules_segment_exactly_like_spacys_components(monkeypatch):
    import kwaliteitscan.segment.nlp as nlp_module

    nlp, name = load_pipeline("nl", prefer_trained=False)
    assert nlp_module.lookup_parts(nlp) is not None
    outcomes = extract_many(sorted(CORPUS.glob("*.pdf")), "pdfium", Cache(), jobs=2)
    fast = [segment(o.document, nlp, name) for o in outcomes]
    monkeypatch.setattr(nlp_module, "lookup_parts", lambda nlp: None)  # spaCy's lemmatizer and sentencizer
    slow = [segment(o.document, nlp, name) for o in outcomes]
    assert fast == slow
    assert sum(len(p.lemmas) for seg in slow for p in seg.pages) > 1000
    assert sum(len(b.sentences) for seg in slow for p in seg.pages for b in p.blocks) > 1000
