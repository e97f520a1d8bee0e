"""Reading order by geometry alone: the same page text whatever order the content stream holds."""

from __future__ import annotations

import re

import pytest

from kwaliteitscan.extract.extractor import extract_file
from kwaliteitscan.testing.scrambled_pdf import ORDERS, chapter_title, gold_paragraphs, layout_pages, sentences, write_pdf


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def agenda(tmp_path_factory):
    """Two pages of a two-column agenda, written once per stream order."""
    folder = tmp_path_factory.mktemp("orders")
    paragraphs = gold_paragraphs(2, seed=5)
    pages = layout_pages(paragraphs)
    files = {order: write_pdf(pages, folder / f"{order}.pdf", order) for order in ORDERS}
    return files, paragraphs


def test_the_ordered_page_is_read_faithfully(agenda):
    files, paragraphs = agenda
    doc = extract_file(files["ordered"])
    text = flat(doc.text())
    missing = [s for s in sentences(paragraphs) if s not in text]
    assert not missing, missing[:3]
    for page, page_paragraphs in zip(doc.pages, paragraphs):
        blocks = page.text.split("\n\n")
        assert blocks[0] == chapter_title(page.number)  # the title, first
        assert blocks[1:] == page_paragraphs  # every paragraph whole, in reading order
        assert "Pagina" not in page.text and "ROC Duinrand" not in page.text  # running lines gone


@pytest.mark.parametrize("order", [o for o in ORDERS if o != "ordered"])
def test_a_scrambled_stream_gives_the_same_text(agenda, order):
    files, _ = agenda
    expected = [p.text for p in extract_file(files["ordered"]).pages]
    assert [p.text for p in extract_file(files[order]).pages] == expected


def test_the_scrambled_files_really_are_written_in_another_order(agenda):
    """Guard on the fixture: the stream orders differ (raw pdfium text, which follows the stream)."""
    import pypdfium2 as pdfium

    def stream_text(path):
        pdf = pdfium.PdfDocument(str(path))
        try:
            return pdf[0].get_textpage().get_text_range()
        finally:
            pdf.close()

    files, paragraphs = agenda
    raw = {order: stream_text(path) for order, path in files.items()}
    assert len(set(raw.values())) == len(ORDERS)
    assert raw["footer-first"].lstrip().startswith("Pagina 1")
    page_one = [s for s in sentences(paragraphs[:1])]

    def whole(text):  # gold sentences of page 1 that the stream order leaves whole
        return sum(s in flat(text.replace("\ufffe", "")) for s in page_one)

    # cut words and shuffled fragments: the stream order itself keeps few sentences whole
    assert whole(raw["fragments"]) < 0.5 * whole(raw["ordered"])
    assert whole(raw["everything"]) < 0.5 * whole(raw["ordered"])


def test_a_word_split_over_two_text_objects_is_joined(tmp_path):
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    from kwaliteitscan.testing.scrambled_pdf import FONT, _fonts

    _fonts()
    path = tmp_path / "split.pdf"
    pdf = canvas.Canvas(str(path), pagesize=(595, 842))
    pdf.setFont(FONT, 10)
    head = "Er is een stageplaats beschik"
    # the second half first in the stream, then the first half, then a line above both
    pdf.drawString(60 + stringWidth(head, FONT, 10), 700, "baar is gesteld voor iedere student.")
    pdf.drawString(60, 700, head)
    pdf.drawString(60, 714, "Wij zorgen ervoor dat")
    pdf.save()
    assert extract_file(path).pages[0].text == ("Wij zorgen ervoor dat Er is een stageplaats beschikbaar is gesteld "
                                                "voor iedere student.")


def test_an_office_suite_export_with_dutch_hyphenation_is_read_faithfully(tmp_path):
    """A two-column .docx with automatic Dutch hyphenation, exported by LibreOffice headless."""
    from kwaliteitscan.testing.office_pdf import HEADER, libreoffice_pdf

    paragraphs = gold_paragraphs(3, seed=9)
    pdf, note = libreoffice_pdf([p for page in paragraphs for p in page], tmp_path)
    if pdf is None:
        pytest.skip(note)
    doc = extract_file(pdf)
    text = flat(doc.text())
    gold = sentences(paragraphs)
    missing = [s for s in gold if s not in text]
    assert len(missing) <= 0.01 * len(gold), missing[:3]
    assert HEADER not in text and not re.search(r"Pagina \d", text)
    assert doc.warnings == ()


def test_the_pdfplumber_engine_reads_a_scrambled_stream_the_same_way(agenda):
    files, paragraphs = agenda
    ordered = [p.text for p in extract_file(files["ordered"], engine="pdfplumber").pages]
    assert [p.text for p in extract_file(files["everything"], engine="pdfplumber").pages] == ordered
    assert all(s in flat("\n".join(ordered)) for s in sentences(paragraphs))
