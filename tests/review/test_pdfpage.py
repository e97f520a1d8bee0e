"""The PDF page beside a passage: rendered to PNG, the passage's lines found on it (also in two
columns, on a rotated page, with text that extraction cleaned), nothing marked when it is absent."""

from __future__ import annotations

import io

import pytest

from kwaliteitscan.errors import InputError
from kwaliteitscan.review.pdfpage import passage_boxes, render_png

LONG = ("Wij erkennen dat stagediscriminatie bij onze leerbedrijven voorkomt en dat studenten met een "
        "migratieachtergrond daardoor later een stageplek vinden dan hun medestudenten.")
BODY = ("# 3 Stages\n\nDe kantine is open van acht tot vier. Het rooster staat in de app.\n\n" + LONG
        + " Dat nemen wij serieus.\n\nIn 2025 richten wij een meldpunt in.")


def _ink_inside(png: bytes, boxes) -> float:
    """The share of dark pixels inside the boxes of a rendered page."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    dark = total = 0
    for box in boxes:
        crop = image.crop((int(box.left * width), int(box.top * height), int((box.left + box.width) * width),
                           int((box.top + box.height) * height)))
        pixels = list(crop.get_flattened_data() if hasattr(crop, "get_flattened_data") else crop.getdata())
        dark += sum(p < 128 for p in pixels)
        total += len(pixels)
    return dark / max(total, 1)


def _words_under(path, boxes) -> str:
    """The page's text inside the boxes (pdfium), to check the boxes hold the passage."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[0]
        width, height = page.get_size()
        text = page.get_textpage()
        found = [text.get_text_bounded(b.left * width, height * (1 - b.top - b.height), (b.left + b.width) * width,
                                       height * (1 - b.top)) for b in boxes]
        text.close()
        page.close()
        return " ".join(" ".join(found).split())
    finally:
        pdf.close()


@pytest.mark.parametrize("layout", ["one-column", "two-column"])
def test_the_passage_lines_are_found_on_the_page(make_pdf, layout):
    pdf = make_pdf(BODY, layout=layout)
    boxes = passage_boxes(pdf, 1, LONG)
    assert len(boxes) >= 2  # the sentence wraps: one box per line
    under = "".join(ch for ch in _words_under(pdf, boxes).lower() if ch.isalnum())  # hyphens at line ends gone
    assert "erkennendatstagediscriminatie" in under and "medestudenten" in under
    assert "kantine" not in under and "meldpunt" not in under
    assert all(0 <= b.left < b.left + b.width <= 1 and 0 <= b.top < b.top + b.height <= 1 for b in boxes)
    assert _ink_inside(render_png(pdf, 1), boxes) > 0.05


def test_text_cleaned_by_extraction_is_still_found(make_pdf):
    pdf = make_pdf(BODY)
    cleaned = LONG.replace("stagediscriminatie", "stage-\ndiscriminatie").replace("  ", " ").upper()
    assert passage_boxes(pdf, 1, cleaned) == passage_boxes(pdf, 1, LONG)
    # a word that extraction repaired differently still marks the rest of the sentence
    repaired = LONG.replace("migratieachtergrond", "migratie-achtergrondje")
    assert len(passage_boxes(pdf, 1, repaired)) >= 2


def test_a_passage_that_is_not_on_the_page_marks_nothing(make_pdf):
    pdf = make_pdf(BODY)
    assert passage_boxes(pdf, 1, "Dit staat nergens in het document, ook niet in een andere vorm.") == []
    assert passage_boxes(pdf, 1, "") == []


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_the_boxes_follow_a_rotated_page(make_pdf, tmp_path, rotation):
    import pypdfium2 as pdfium

    source = make_pdf(BODY)
    pdf = pdfium.PdfDocument(str(source))
    pdf[0].set_rotation(rotation)
    rotated = tmp_path / f"rotated-{rotation}.pdf"
    with open(rotated, "wb") as handle:
        pdf.save(handle)
    pdf.close()
    boxes = passage_boxes(rotated, 1, LONG)
    assert boxes
    png = render_png(rotated, 1)
    assert _ink_inside(png, boxes) > 0.05
    # the same boxes mirrored through the page's centre (where this short page has no text) hold no ink
    from kwaliteitscan.review.pdfpage import Box

    away = [Box(1 - b.left - b.width, 1 - b.top - b.height, b.width, b.height) for b in boxes]
    assert _ink_inside(png, away) < 0.01


def test_the_page_renders_as_png_and_a_missing_page_is_one_line(make_pdf):
    pdf = make_pdf(BODY)
    png = render_png(pdf, 1, width=600)
    from PIL import Image

    assert png[:8] == b"\x89PNG\r\n\x1a\n" and Image.open(io.BytesIO(png)).size[0] == 600
    with pytest.raises(InputError, match="has no page 7"):
        render_png(pdf, 7)
