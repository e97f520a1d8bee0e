"""No silent loss: running lines relative to the document, warnings that name the page, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.extract.extractor import Cache, extract_file, extract_many
from kwaliteitscan.extract.layout import layout_document, page_text, remove_running_lines
from kwaliteitscan.extract.pdfsource import Line, RawPage
from kwaliteitscan.extract.textclean import Vocabulary

from .. import pdfs

HEADER = "Kwaliteitsagenda 2024-2027 | ROC Zeestroom"


def page(number: int, body: list[str], header: bool = True, footer: bool = True, first_y: float = 100) -> RawPage:
    lines = [Line(HEADER, 50, 300, 30, 40, 8)] if header else []
    lines += [Line(text, 50, 540, first_y + 14 * i, first_y + 10 + 14 * i, 10) for i, text in enumerate(body)]
    if footer:
        lines.append(Line(f"Pagina {number}", 280, 320, 800, 810, 8))
    return RawPage(number, 595, 842, lines)


def texts(raw: RawPage) -> list[str]:
    return [line.text for line in raw.lines]


# --------------------------------------------------------------------------- running lines


def test_a_long_document_of_short_templated_pages_keeps_every_body_line():
    # 1,500 pages of four body lines that differ only by their numbers, all at the page edges
    pages = [page(n, [f"Pagina-inhoud {n}.{k}: studenten lopen stage bij leerbedrijven." for k in range(4)])
             for n in range(1, 1501)]
    remove_running_lines(pages)
    assert all(len(p.lines) == 4 for p in pages)
    assert texts(pages[766])[0] == "Pagina-inhoud 767.0: studenten lopen stage bij leerbedrijven."
    assert all(HEADER not in texts(p) for p in pages)  # the header, the same word for word, goes


def test_a_one_page_document_keeps_every_line_but_its_page_number():
    pages = [page(1, ["Wij melden stagediscriminatie altijd."])]
    remove_running_lines(pages)
    assert texts(pages[0]) == [HEADER, "Wij melden stagediscriminatie altijd."]


def test_a_four_line_page_keeps_its_body_lines():
    pages = [page(n, [f"Gewone tekst op pagina {n} over iets anders, regel {k}." for k in range(20)]) for n in range(1, 5)]
    pages.append(page(5, ["Tot slot: het meldpunt stagediscriminatie blijft open.", "Vragen? Mail de coördinator."],
                      footer=True))
    laid = layout_document(pages)
    assert page_text(laid[4]) == "Tot slot: het meldpunt stagediscriminatie blijft open. Vragen? Mail de coördinator."


def test_a_line_recurring_at_another_place_on_each_page_is_not_a_header():
    # an "Ambitie" line opens the body of all six pages, but each time at another height
    pages = [page(n, [f"Ambitie {n}: iedere student vindt een stageplaats."] + [f"Toelichting {n}.{k} bij de ambitie."
                                                                           for k in range(8)], first_y=100 + 30 * n)
             for n in range(1, 7)]
    remove_running_lines(pages)
    assert all(texts(p)[0] == f"Ambitie {p.number}: iedere student vindt een stageplaats." for p in pages)
    assert all(len(p.lines) == 9 for p in pages)  # the header and page number went, all body lines stayed


def test_what_stands_on_many_pages_at_the_same_place_is_removed_relative_to_the_document():
    # the same line at the same place: on 3 of 10 pages (< 40 %) it stays, on 5 of 10 it goes
    def doc(with_line: int) -> list[RawPage]:
        return [page(n, (["Ons motto: samen tegen stagediscriminatie."] if n <= with_line else ["Andere opening."])
                     + [f"Tekst {n}.{k} over de aanpak van dit jaar." for k in range(10)]) for n in range(1, 11)]

    few, many = doc(3), doc(5)
    remove_running_lines(few)
    remove_running_lines(many)
    assert texts(few[0])[0] == "Ons motto: samen tegen stagediscriminatie."
    assert texts(many[0])[0] == "Tekst 1.0 over de aanpak van dit jaar."


def _pdf(tmp_path: Path, name: str, pages: list[list[tuple[float, float, str]]]) -> Path:
    path = tmp_path / name
    path.write_bytes(pdfs.raw_pdf([pdfs.text_stream(lines) for lines in pages]))
    return path


def test_a_page_that_cleaning_shrinks_much_gets_a_warning_naming_it(tmp_path):
    # a motto at the top of half the pages is taken for a running header; on page 2, where it is
    # most of the text, that costs the page more than a fifth of its text: a warning names it
    pages = []
    for n in range(1, 11):
        body = [(50, 800, "Samen tegen stagediscriminatie: ons motto voor alle teams.")] if n <= 5 else []
        count = 2 if n == 2 else 30
        body += [(50, 760 - 16 * k, f"Regel {k} van pagina {n}: wij begeleiden studenten bij hun stage.")
                 for k in range(count)]
        pages.append(body + [(280, 30, f"Pagina {n}")])
    doc = extract_file(_pdf(tmp_path, "motto.pdf", pages))
    assert "Samen tegen stagediscriminatie" not in doc.text()
    warned = [w for w in doc.warnings if "cleaning removed" in w]
    assert len(warned) == 1 and warned[0].startswith("page 2: ") and "Samen tegen stagediscriminatie" in warned[0]


def test_no_warning_for_an_ordinary_header_and_footer(tmp_path):
    pages = [[(50, 810, HEADER)] + [(50, 760 - 16 * k, f"Regel {k} van pagina {n} over stages.") for k in range(3)]
             + [(280, 30, f"Pagina {n} van 6")] for n in range(1, 7)]
    doc = extract_file(_pdf(tmp_path, "gewoon.pdf", pages))
    assert doc.warnings == ()
    assert HEADER not in doc.text() and "Pagina" not in doc.text().replace("van pagina", "")


# --------------------------------------------------------------------------- characters and fonts


def test_characters_beyond_the_basic_plane_survive(tmp_path):
    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not font.exists():
        pytest.skip("DejaVuSans.ttf not installed (apt-get install fonts-dejavu-core)")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("KsDejaVu", str(font)))
    path = tmp_path / "astraal.pdf"
    pdf = canvas.Canvas(str(path), pageCompression=0)
    pdf.setFont("KsDejaVu", 11)
    pdf.drawString(60, 700, "De verzamelingen 𝔸𝔹 en ℂ staan in de bijlage.")
    pdf.save()
    data = path.read_bytes()
    # reportlab writes a character beyond U+FFFF into the ToUnicode map as five hex digits, which
    # no reader understands; write it as a PDF producer must (UTF-16BE, a surrogate pair) at the
    # same length, so the cross-reference table stays right
    old = b"128 beginbfchar\n<00> <0000>\n<01> <1D538>\n<02> <1D539>\n<03> <2102>\n<04> <0000>\n<05> <0000>\n"
    new = b"127 beginbfchar\n<00> <0000>\n<01> <D835DD38>\n<02> <D835DD39>\n<03> <2102>\n<05>       <0000>\n"
    assert old in data and len(old) == len(new)
    path.write_bytes(data.replace(old, new))
    assert extract_file(path).pages[0].text == "De verzamelingen 𝔸𝔹 en ℂ staan in de bijlage."


def _cid_font_without_unicode_map(path: Path) -> Path:
    """A page in a CID font with Identity-H encoding and no ToUnicode: glyph numbers, no letters."""
    stream = "\n".join(f"BT /F1 11 Tf 50 {780 - 16 * k} Td <{''.join(f'{(37 * i + 11 * k) % 600 + 3:04X}' for i in range(40))}> Tj ET"
                       for k in range(6)).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
               b"/Contents 4 0 R >>",
               f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type0 /BaseFont /Onbekend /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
               b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Onbekend /CIDSystemInfo << /Registry (Adobe) "
               b"/Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 500 >>",
               b"<< /Type /FontDescriptor /FontName /Onbekend /Flags 4 /FontBBox [0 -200 1000 900] /ItalicAngle 0 "
               b"/Ascent 900 /Descent -200 /CapHeight 700 /StemV 80 >>"]
    path.write_bytes(pdfs.pdf_from_objects(objects))
    return path


def test_the_pdfplumber_engine_reports_a_font_without_a_unicode_map_too(tmp_path):
    doc = extract_file(_cid_font_without_unicode_map(tmp_path / "zonder-unicode.pdf"), engine="pdfplumber")
    assert len(doc.warnings) == 1 and doc.warnings[0].startswith("page 1: ") and "without a Unicode map" in doc.warnings[0]


def test_a_font_without_a_unicode_map_is_reported_per_page_and_the_batch_goes_on(tmp_path, make_pdf):
    good = make_pdf("Stagediscriminatie is onacceptabel.", name="goed.pdf")
    bad = _cid_font_without_unicode_map(tmp_path / "zonder-unicode.pdf")
    outcomes = extract_many([bad, good], cache=Cache(None))
    assert outcomes[1].document is not None and outcomes[1].document.warnings == ()
    warnings = outcomes[0].document.warnings
    assert len(warnings) == 1 and warnings[0].startswith("page 1: ") and "without a Unicode map" in warnings[0]
    assert "OCR" in warnings[0] and "\n" not in warnings[0]


def test_ordinary_fonts_get_no_unicode_warning(make_pdf):
    assert extract_file(make_pdf("Gewone tekst in een gewoon lettertype.")).warnings == ()


# --------------------------------------------------------------------------- bad input (issue 2 guarantees)


def test_an_empty_page_tree_is_one_clear_line_and_the_batch_goes_on(tmp_path, make_pdf):
    good = make_pdf("Stagematching op leerwens.", name="goed.pdf")
    empty = tmp_path / "lege-boom.pdf"
    empty.write_bytes(pdfs.pdf_from_objects([b"<< /Type /Catalog /Pages 2 0 R >>",
                                             b"<< /Type /Pages /Kids [] /Count 0 >>"]))
    outcomes = extract_many([empty, good], cache=Cache(None))
    assert outcomes[1].document is not None
    error = outcomes[0].error
    assert str(empty) in error and "has no pages" in error and "export it again" in error
    assert "Success" not in error and "\n" not in error
    result = CliRunner().invoke(app, ["extract", str(empty)])
    assert result.exit_code == 3 and "has no pages" in result.output


def test_a_decompression_bomb_stays_under_512_mb_in_its_worker(tmp_path):
    bomb = tmp_path / "bom.pdf"
    bomb.write_bytes(pdfs.bomb_pdf(1000))  # 1 GB of content stream: pdfium would need about 2 GB
    probe = ("import json, resource, sys\n"
             "from pathlib import Path\n"
             "from kwaliteitscan.extract.extractor import Cache, extract_many\n"
             "outcome = extract_many([Path(sys.argv[1])], cache=Cache(None))[0]\n"
             "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024\n"
             "print(json.dumps({'peak_mb': peak, 'error': outcome.error}))\n")
    proc = subprocess.run([sys.executable, "-c", probe, str(bomb)], capture_output=True, text=True, timeout=240)
    result = json.loads(proc.stdout)
    assert result["peak_mb"] <= 512, result  # the worker's peak RSS, measured by the kernel
    assert str(bomb) in result["error"] and "512 MB" in result["error"] and "\n" not in result["error"]


# --------------------------------------------------------------------------- linear time


def _best_of_three(run) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def test_the_hyphenated_word_scan_is_linear_on_one_huge_token():
    # quadratic before: a 32,000-character token took 14 s; linear, 4x the token takes ~4x the time
    small = _best_of_three(lambda: Vocabulary().add_text("a" * 32_000 + " b-c"))
    large = _best_of_three(lambda: Vocabulary().add_text("a" * 128_000 + " b-c"))
    assert large < 8 * max(small, 1e-4), (small, large)  # quadratic would be 16x


def test_cleaning_a_token_heavy_page_is_linear():
    def raw(chars: int) -> list[RawPage]:
        lines, total, i = [], 0, 0
        while total < chars:
            text = (("stagediscriminatie" * 120)[:2000] + "-") if i % 2 == 0 else ("bpv-" + "a" * 1995 + " en meer-")
            lines.append(Line(text, 50, 540, 100 + 12 * i, 110 + 12 * i, 10))
            total, i = total + len(text), i + 1
        return [RawPage(1, 595, 200 + 12 * i, lines)]

    quarter = _best_of_three(lambda: page_text(layout_document(raw(250_000))[0]))
    whole = _best_of_three(lambda: page_text(layout_document(raw(1_000_000))[0]))
    assert whole < 8 * max(quarter, 1e-3), (quarter, whole)  # 1 MB vs 250 kB: linear ~4x, quadratic 16x
    assert len(page_text(layout_document(raw(1_000_000))[0])) > 990_000  # and nothing was lost


# --------------------------------------------------------------------------- the code command


def test_code_prints_the_warnings_of_the_documents_it_codes(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf("Stagediscriminatie is onacceptabel. Wij melden het altijd.", name="roc-goed-2024.pdf").rename(
        folder / "roc-goed-2024.pdf")
    _cid_font_without_unicode_map(folder / "roc-kapot-2024.pdf")
    result = CliRunner().invoke(app, ["code", str(folder), "--db", str(tmp_path / "p.sqlite")])
    lines = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("warning: roc-kapot-2024.pdf: page 1: ") and "without a Unicode map" in lines[0]


def _count_one_by_one(flags: list[bool]) -> int:
    """The word-by-word rule `_count_unmapped` stands for: check words in order while the unchecked ones
    could still make at least half of them unmapped."""
    total, unmapped, unchecked = len(flags), 0, len(flags)
    for flag in flags:
        if not (unchecked and unmapped + unchecked >= 0.5 * total):
            break
        unchecked -= 1
        unmapped += flag
    return unmapped


@given(st.lists(st.booleans(), max_size=300))
def test_unmapped_words_are_counted_in_runs_exactly_as_one_by_one(flags):
    from kwaliteitscan.extract.pdfsource import _count_unmapped

    asked = []

    def unmapped_at(handle, index):  # stands in for pdfium's FPDFText_HasUnicodeMapError
        asked.append(index)
        return int(flags[index])

    count = _count_unmapped(unmapped_at, None, list(range(len(flags))))
    assert count == _count_one_by_one(flags)
    assert len(asked) == len(set(asked))  # no word checked twice
    # the page's verdict is the one a full count gives: at least half the words unmapped
    assert (count >= 0.5 * len(flags)) == (sum(flags) >= 0.5 * len(flags))
