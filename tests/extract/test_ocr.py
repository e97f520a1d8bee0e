"""--ocr reads the pages without a text layer with Tesseract (nld) and leaves the others alone;
each OCR'd page has its confidence in the JSON, a weak one a warning."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.errors import ModelError
from kwaliteitscan.extract import ocr
from kwaliteitscan.extract.extractor import Cache, extract_file, extract_many

from .scans import TEXT_PAGE, scanned_pdf

MISSING = ocr.missing_tools()
needs_tesseract = pytest.mark.skipif(MISSING is not None, reason=f"Tesseract with Dutch data is absent: {MISSING}")
KEY_WORDS = ("stagediscriminatie", "stageplaats", "meldpunt", "stagecoördinator", "leerbedrijf")


@pytest.fixture
def mixed(tmp_path):
    """Page 1 with a text layer, page 2 a scan of Dutch text."""
    return scanned_pdf(tmp_path / "roc-duinrand-2024.pdf")


@needs_tesseract
def test_ocr_reads_the_scanned_page_and_leaves_the_text_page_alone(mixed):
    plain = extract_file(mixed)
    read = extract_file(mixed, ocr=True)
    assert plain.pages[1].text == "" and "run again with --ocr" in " ".join(plain.warnings)
    assert read.pages[0] == plain.pages[0] and read.pages[0].text == TEXT_PAGE and read.pages[0].ocr_confidence is None
    text = read.pages[1].text.lower()
    assert all(word in text for word in KEY_WORDS), read.pages[1].text
    assert read.pages[1].ocr_confidence >= ocr.WEAK_CONFIDENCE and read.warnings == ()
    data = read.to_json()
    assert "ocr_confidence" not in data["pages"][0] and data["pages"][1]["ocr_confidence"] == read.pages[1].ocr_confidence
    assert read.engine == "pdfium+ocr"


@needs_tesseract
def test_a_weak_scan_gets_its_low_confidence_and_a_warning(tmp_path):
    poor = scanned_pdf(tmp_path / "slecht.pdf", dpi=100, noise=0.01)  # coarse, with speckles on the words
    doc = extract_file(poor, ocr=True)
    confidence = doc.pages[1].ocr_confidence
    assert confidence is not None and confidence < ocr.WEAK_CONFIDENCE
    assert any(w.startswith("page 2: OCR confidence") and "low" in w for w in doc.warnings), doc.warnings


@needs_tesseract
def test_ocr_in_the_sandboxed_workers_and_its_own_cache_entry(mixed, tmp_path):
    cache = Cache(tmp_path / "cache")
    first = extract_many([mixed], cache=cache, ocr=True)[0]
    assert first.document is not None and "meldpunt" in first.document.pages[1].text, first.error
    again = extract_many([mixed], cache=cache, ocr=True)[0]
    assert again.cached and again.document.pages[1].ocr_confidence == first.document.pages[1].ocr_confidence
    # without --ocr the cached OCR text is not served: the scan is empty again, with its hint
    plain = extract_many([mixed], cache=cache)[0]
    assert plain.document.pages[1].text == "" and plain.document.engine == "pdfium"


@needs_tesseract
def test_extract_cli_with_ocr_puts_the_confidence_in_the_json(mixed):
    result = CliRunner().invoke(app, ["extract", "--ocr", "--format", "json", str(mixed)])
    assert result.exit_code == 0, result.output
    pages = json.loads(result.output)["pages"]
    assert [("ocr_confidence" in p) for p in pages] == [False, True] and "meldpunt" in pages[1]["text"]


@needs_tesseract
def test_a_scan_coded_without_ocr_is_coded_again_with_it(mixed, tmp_path):
    from kwaliteitscan.pipeline.code import code_corpus
    from kwaliteitscan.project import Project

    db = tmp_path / "p.sqlite"
    before = code_corpus(mixed.parent, db=db, jobs=1)
    after = code_corpus(mixed.parent, db=db, jobs=1, ocr=True)
    assert before.coded == 1 and after.coded == 1  # the text changed, so the unchanged codebook does not skip it
    with Project(db) as project:
        pages = {c["page"] for c in project.candidates()}
        (document,) = project.documents()
    assert document["engine"] == "pdfium+ocr" and 2 in pages  # the scanned page now has candidates
    assert sum(after.candidates_per_theme.values()) > sum(before.candidates_per_theme.values())


def test_without_tesseract_ocr_is_one_line_saying_what_to_install(mixed, monkeypatch):
    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    with pytest.raises(ModelError, match="apt-get install tesseract-ocr tesseract-ocr-nld"):
        extract_many([mixed], cache=Cache(None), ocr=True)
    for command in (["extract", "--ocr", str(mixed)], ["audit", "--ocr", str(mixed)],
                    ["code", "--ocr", str(mixed.parent)]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == ModelError.exit_code, (command, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and "tesseract-ocr-nld" in lines[0], (command, result.output)
    assert not (mixed.parent / "kwaliteitscan.sqlite").exists()  # refused before a project was made


def test_without_dutch_data_ocr_says_so(monkeypatch):
    monkeypatch.setattr(ocr.shutil, "which", lambda name: "/usr/bin/tesseract")
    monkeypatch.setattr(ocr, "_languages", lambda: ("eng", "osd"))
    assert "Dutch data ('nld')" in ocr.missing_tools()


def test_tesseract_tsv_becomes_paragraphs_with_hyphens_resolved_and_a_mean_confidence():
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [(1, 1, 1, 1, 90, "Wij"), (1, 1, 1, 2, 80, "bestrijden"), (1, 1, 1, 3, 70, "stagedis-"),
            (1, 1, 2, 1, 60, "criminatie."), (2, 1, 1, 1, 100, "Meldpunt")]
    tsv = "\n".join([header, "4\t1\t1\t1\t1\t0\t0\t0\t0\t0\t-1\t"] + [
        f"5\t1\t{b}\t{p}\t{line}\t{w}\t0\t0\t10\t10\t{conf}\t{text}" for b, p, line, w, conf, text in rows])
    text, confidence, words = ocr.read_tsv(tsv)
    assert text == "Wij bestrijden stagediscriminatie.\n\nMeldpunt"
    assert (confidence, words) == (80.0, 5)


def test_audit_shows_the_page_it_could_not_read(mixed):
    """Without --ocr the scanned page of a mixed agenda is named with the hint, not lost in silence."""
    from kwaliteitscan.errors import NOT_AN_AGENDA

    result = CliRunner().invoke(app, ["audit", str(mixed), "--format", "json"])
    # the small fixture's text page holds no internship passage, so the audit also says it may be no agenda
    assert result.exit_code == NOT_AN_AGENDA, result.output
    assert f"warning: {mixed.name}: page 2 has no text layer (a scanned image?); run again with --ocr" in result.output


def test_lines_that_only_number_the_page_are_left_out_of_the_ocr_text():
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [(1, 1, 1, ["12"]), (2, 1, 1, ["Wij", "ontwikkelen", "rekenopdrachten"]), (2, 1, 2, ["Pagina", "4"]),
            (2, 1, 3, ["uit", "de", "praktijk."]), (3, 1, 1, ["Streefwaarde", "85"]), (3, 1, 2, ["85"]),
            (4, 1, 1, ["4"])]
    lines = [header]
    for block, par, line, words in rows:
        lines += [f"5\t1\t{block}\t{par}\t{line}\t{k + 1}\t0\t0\t10\t10\t90\t{w}" for k, w in enumerate(words)]
    text, _, _ = ocr.read_tsv("\n".join(lines))
    # "Pagina 4" inside a paragraph and bare numbers at the top and bottom go; a number in the text stays
    assert text == "Wij ontwikkelen rekenopdrachten uit de praktijk.\n\nStreefwaarde 85 85"


@needs_tesseract
def test_a_page_scanned_upside_down_is_read_the_right_way_up(tmp_path):
    doc = extract_file(scanned_pdf(tmp_path / "omgekeerd.pdf", rotate=180), ocr=True)
    text = doc.pages[1].text.lower()
    assert all(word in text for word in KEY_WORDS), doc.pages[1].text
    assert doc.pages[1].ocr_confidence >= ocr.WEAK_CONFIDENCE
