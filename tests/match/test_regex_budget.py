"""A regular expression that the codebook checks let through but that backtracks on some text is
stopped by its time budget at match time, and the error names it and its line: `code` never runs
for minutes, deaf to everything."""

from __future__ import annotations

import time

import pytest

from kwaliteitscan.codebook import parse_codebook
from kwaliteitscan.errors import CodebookError
from kwaliteitscan.match.budget import Expired, page_budget
from kwaliteitscan.match.matcher import Matcher, code_document
from kwaliteitscan.pipeline.code import code_corpus

from ..conftest import DATA_DIR

# polynomial, not exponential: no repeat inside a repeat, so the loader's checks accept it, yet on a
# run of letters without a "!" each start position costs about n^5 steps
SLOW = r"[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*!"


def _book(regex: str):
    text = (DATA_DIR / "mini.yaml").read_text(encoding="utf-8")
    text = text.replace('patterns: ["meldpunt*", "*meldpunt"]', 'patterns: ["meldpunt*", {regex: "%s"}]'
                        % regex.replace("\\", "\\\\"))
    return parse_codebook(text, "slow.yaml")


def test_the_loader_lets_the_slow_expression_through():
    book = _book(SLOW)  # the static checks cannot catch it: this is what the budget is for
    assert any(p.regex == SLOW for t in book.themes for c in t.codes for p in c.patterns)


def test_a_slow_expression_is_stopped_and_named(tmp_path, make_pdf):
    book = _book(SLOW)
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf("# Stage\n\nHet meldpunt " + "a" * 3000 + " discriminatie !\n", name="corpus/roc-aap-2024.pdf")
    started = time.monotonic()
    with pytest.raises(CodebookError) as caught:
        code_corpus(folder, book, jobs=1)
    assert time.monotonic() - started < 60  # uncapped, this search would not end today
    message = caught.value.message
    assert "slow.yaml: line " in message and repr(SLOW)[:40] in message and "stopped" in message


def test_a_budget_of_none_searches_without_a_timer():
    with page_budget(None) as timer:
        timer.start()
        assert timer.seconds is None


def test_the_timer_interrupts_a_running_search():
    import re

    with pytest.raises(Expired):
        with page_budget(0.05) as timer:
            timer.start()
            re.search(SLOW, "a" * 3000)


def test_ordinary_matching_is_unchanged_by_the_budget(corpus_docs):
    from kwaliteitscan.codebook import load_codebook
    from kwaliteitscan.segment.nlp import pipeline_id
    from kwaliteitscan.segment.segmenter import segmented

    book = load_codebook()
    with_budget, without = Matcher(book), Matcher(book, regex_budget=None)
    for name in sorted(corpus_docs)[:3]:
        seg = segmented(corpus_docs[name], book.language, pipeline_id(book.language))
        found = code_document(seg, with_budget)
        assert found and found == code_document(seg, without)


def test_code_says_it_in_one_line_with_the_codebook_exit_code(tmp_path, make_pdf):
    from typer.testing import CliRunner

    from kwaliteitscan.cli import app

    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf("# Stage\n\nHet meldpunt " + "a" * 3000 + " discriminatie !\n", name="corpus/roc-aap-2024.pdf")
    codebook = tmp_path / "slow.yaml"
    codebook.write_text(_book(SLOW).source_text, encoding="utf-8")
    result = CliRunner().invoke(app, ["code", str(folder), "--codebook", str(codebook)], env={"COLUMNS": "400"})
    assert result.exit_code == 4, result.output
    error = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "regular expression" in error[0] and "Traceback" not in result.output
