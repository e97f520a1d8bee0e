"""Bad input never stops a batch: one clear line per file, the rest goes on."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.errors import PARTIAL_FAILURE
from kwaliteitscan.extract.extractor import Cache, extract_file, extract_many

from .. import pdfs


@pytest.fixture
def good(make_pdf):
    return make_pdf("Stagediscriminatie is onacceptabel. Wij melden het altijd.", name="goed.pdf")


def _only(outcomes, path):
    return next(o for o in outcomes if o.path == path)


CASES = {
    "empty.pdf": (lambda p: p.write_bytes(b""), "empty (0 bytes)"),
    "notes.pdf": (lambda p: p.write_text("Dit is geen PDF maar platte tekst.\n"), "not a PDF"),
    "corrupt.pdf": (lambda p: p.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40), "not a readable PDF"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_files_get_one_line_naming_the_file(tmp_path, good, name):
    make, expected = CASES[name]
    bad = tmp_path / name
    make(bad)
    outcomes = extract_many([bad, good], cache=Cache(None))
    assert _only(outcomes, good).document is not None
    error = _only(outcomes, bad).error
    assert error and str(bad) in error and expected in error and "\n" not in error


def test_truncated_pdf(tmp_path, good):
    data = good.read_bytes()
    bad = tmp_path / "afgebroken.pdf"
    bad.write_bytes(data[: len(data) // 3])
    outcome = extract_many([bad], cache=Cache(None))[0]
    # pdfium may repair a truncated file; either it yields text or one clear error line
    assert (outcome.document is not None) or (str(bad) in outcome.error and "\n" not in outcome.error)


def test_password_protected(tmp_path, good):
    bad = pdfs.encrypted_pdf(tmp_path / "beveiligd.pdf")
    outcomes = extract_many([bad, good], cache=Cache(None))
    assert "password-protected" in _only(outcomes, bad).error and "qpdf --decrypt" in _only(outcomes, bad).error
    assert _only(outcomes, good).document is not None


def test_scan_without_text_layer_says_run_ocr(tmp_path):
    scan = pdfs.image_only_pdf(tmp_path / "scan.pdf")
    outcome = extract_many([scan], cache=Cache(None))[0]
    assert "no text layer" in outcome.error and "--ocr" in outcome.error and str(scan) in outcome.error


def test_broken_page_inside_a_good_pdf_is_a_warning(tmp_path):
    pdf = tmp_path / "kapotte-pagina.pdf"
    pdf.write_bytes(pdfs.broken_page_pdf())
    doc = extract_file(pdf)
    assert "Eerste pagina" in doc.pages[0].text and "Derde pagina" in doc.pages[2].text
    assert any(w.startswith("page 2 ") for w in doc.warnings)


def test_file_name_with_spaces_and_diacritics(make_pdf):
    pdf = make_pdf("Stagematching op leerwens.", name="ROC Één – agenda 2024 (definitief).pdf")
    outcome = extract_many([pdf], cache=Cache(None))[0]
    assert outcome.document.document == "ROC Één – agenda 2024 (definitief).pdf"


def test_very_long_pdf(tmp_path):
    pdf = pdfs.long_pdf(tmp_path / "lang.pdf", 400)
    doc = extract_file(pdf)
    assert len(doc.pages) == 400
    assert "Pagina-inhoud 400.39" in doc.pages[-1].text
    assert "van 400" not in doc.text()


def test_decompression_bomb_is_stopped_and_the_batch_goes_on(tmp_path, good):
    bomb = tmp_path / "bom.pdf"
    bomb.write_bytes(pdfs.bomb_pdf(400))
    outcomes = extract_many([bomb, good], cache=Cache(None), memory_mb=300)
    assert _only(outcomes, good).document is not None
    error = _only(outcomes, bomb).error  # pdfium aborts when the cap is hit: the worker dies, we say so
    assert str(bomb) in error and "300 MB" in error and "decompression bomb" in error and "\n" not in error


def test_cli_batch_reports_each_bad_file_and_exits_partial(tmp_path, good):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "leeg.pdf").write_bytes(b"")
    (folder / "tekst.pdf").write_text("geen pdf")
    good.rename(folder / "goed.pdf")
    result = CliRunner().invoke(app, ["extract", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == PARTIAL_FAILURE
    assert "Stagediscriminatie is onacceptabel." in (tmp_path / "out" / "goed.txt").read_text(encoding="utf-8")
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and any("leeg.pdf" in e for e in errors) and any("tekst.pdf" in e for e in errors)


def test_cli_all_bad_exits_input_error_and_debug_shows_more(tmp_path):
    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"")
    result = CliRunner().invoke(app, ["extract", str(bad)])
    assert result.exit_code == 3 and "empty (0 bytes)" in result.output


def test_real_process_exit_code_and_no_traceback(tmp_path):
    bad = tmp_path / "x.pdf"
    bad.write_text("hallo")
    proc = subprocess.run([sys.executable, "-m", "kwaliteitscan.cli", "extract", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 3
    assert proc.stderr.count("\n") == 1 and "not a PDF" in proc.stderr and "Traceback" not in proc.stderr
