"""Extraction: faithful text from generated PDFs and from the demo corpus."""

from __future__ import annotations

import re

import pytest
import yaml

from kwaliteitscan.extract.extractor import Cache, extract_file, extract_many
from kwaliteitscan.extract.layout import layout_page, page_text
from kwaliteitscan.extract.pdfsource import Line, RawPage

from .. import pdfs
from ..conftest import CORPUS


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


PARAGRAPHS = [
    f"Alinea {i}: de mbo-instellingen in de regio erkennen dat stagediscriminatie een hardnekkig "
    f"probleem is, en onze onderwijsprofessionals bespreken het met praktijkopleiders van leerbedrijven "
    f"tijdens de beroepspraktijkvorming van eerstejaars BOL-studenten."
    for i in range(1, 31)
]


def test_two_column_reading_order_and_hyphenation(make_pdf):
    pdf = make_pdf("# 1 Inleiding\n\n" + "\n\n".join(PARAGRAPHS), layout="two-column")
    doc = extract_file(pdf)
    assert len(doc.pages) >= 3
    text = flat(doc.text())
    positions = [text.find(p) for p in PARAGRAPHS]
    assert all(pos >= 0 for pos in positions), [p[:10] for p, pos in zip(PARAGRAPHS, positions) if pos < 0]
    assert positions == sorted(positions), "paragraphs out of order: columns were interleaved"
    assert text.count("stagediscriminatie") == len(PARAGRAPHS)
    assert text.count("mbo-instellingen") == len(PARAGRAPHS)
    assert "stagedis " not in text and "\ufffe" not in text and "\u00ad" not in text


def test_running_header_footer_and_page_numbers_are_removed(make_pdf):
    pdf = make_pdf("# 1 Inleiding\n\n" + "\n\n".join(PARAGRAPHS), layout="two-column", institution="ROC Testland")
    doc = extract_file(pdf)
    for page in doc.pages:
        assert not re.search(r"Pagina \d+", page.text)
        assert "| ROC Testland" not in page.text
    assert "ROC Testland · 2024" in doc.pages[0].text  # the title block is body text, it stays


def test_chapter_title_beside_the_running_header_is_removed_also_for_short_chapters(make_pdf):
    chapters = [f"# {i} Hoofdstuk nummer {i}\n\n" + "\n\n".join(PARAGRAPHS[:4]) for i in range(1, 9)]
    doc = extract_file(make_pdf("\n\n".join(chapters), layout="two-column"))
    text = doc.text()
    for i in range(1, 9):
        assert text.count(f"Hoofdstuk nummer {i}") == 1, i  # only the heading itself
    flat_text = flat(text)
    assert all(flat_text.count(p) == 8 for p in PARAGRAPHS[:4])


def test_paragraphs_are_kept(make_pdf):
    doc = extract_file(make_pdf("\n\n".join(PARAGRAPHS[:4])))
    blocks = doc.pages[0].text.split("\n\n")
    for paragraph in PARAGRAPHS[:4]:
        assert paragraph in blocks


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_table_rows_one_per_line_cells_in_order(make_pdf, engine):
    table = ("| Ambitie | Indicator | Streefwaarde 2027 |\n|---|---|---|\n"
             "| Stagediscriminatie uitbannen in alle opleidingsteams | Aantal meldingen bij het meldpunt stagediscriminatie | 100% opgevolgd |\n"
             "| Studenten informeren over hun rechten | Percentage studenten met voorlichting | 95% |\n")
    for layout in ("one-column", "two-column"):
        doc = extract_file(make_pdf("Inleidende tekst.\n\n" + table + "\nAfsluitende tekst.", layout=layout,
                                    name=f"{layout}.pdf"), engine=engine)
        lines = doc.pages[0].text.splitlines()
        assert "Ambitie | Indicator | Streefwaarde 2027" in lines
        assert ("Stagediscriminatie uitbannen in alle opleidingsteams | Aantal meldingen bij het meldpunt "
                "stagediscriminatie | 100% opgevolgd") in lines
        assert "Studenten informeren over hun rechten | Percentage studenten met voorlichting | 95%" in lines
        rows = [i for i, line in enumerate(lines) if " | " in line]
        assert rows == list(range(rows[0], rows[0] + 3))


def test_columns_by_geometry_not_by_stream_order(tmp_path):
    left = [f"links regel {i} over de aanpak van stages" for i in range(30)]
    right = [f"rechts regel {i} over meldingen en begeleiding" for i in range(30)]
    pdf = tmp_path / "interleaved.pdf"
    pdf.write_bytes(pdfs.interleaved_two_columns(left, right))
    text = extract_file(pdf).pages[0].text
    assert text.index("links regel 29") < text.index("rechts regel 0")
    assert "links regel 3 over de aanpak van stages links regel 4" in flat(text)


def test_word_split_across_pages_is_completed_on_its_first_page():
    def page(number, lines):
        return RawPage(number, 595, 842, [Line(t, 50, 540, 100 + 14 * i, 110 + 14 * i, 10) for i, t in enumerate(lines)])

    from kwaliteitscan.extract.layout import layout_document

    pages = [page(1, ["Wij erkennen dat stagedis\ufffe"]), page(2, ["criminatie bestaat. Daarom handelen wij."])]
    laid = layout_document(pages)
    assert page_text(laid[0]) == "Wij erkennen dat stagediscriminatie"
    assert page_text(laid[1]) == "bestaat. Daarom handelen wij."


def test_ligatures_in_lines_are_normalised():
    raw = RawPage(1, 595, 842, [Line("de ﬁnanciële ﬂexibiliteit", 50, 300, 100, 110, 10)])
    assert page_text(layout_page(raw)) == "de financiële flexibiliteit"


def test_ligature_in_a_real_pdf(make_pdf):
    doc = extract_file(make_pdf("De ﬁnanciering van het stagebeleid is ﬂexibel geregeld."))
    assert "De financiering van het stagebeleid is flexibel geregeld." in doc.pages[0].text


def test_json_shape(make_pdf):
    doc = extract_file(make_pdf("Eén alinea tekst."))
    data = doc.to_json()
    assert set(data) == {"document", "sha256", "pages", "warnings"}
    assert data["document"] == "doc.pdf" and len(data["sha256"]) == 64
    assert data["pages"][0]["number"] == 1 and "Eén alinea tekst." in data["pages"][0]["text"]


def test_pdfplumber_engine_gives_the_same_reading_order(make_pdf):
    pdf = make_pdf("\n\n".join(PARAGRAPHS[:12]), layout="two-column")
    text = flat(extract_file(pdf, engine="pdfplumber").text())
    positions = [text.find(p) for p in PARAGRAPHS[:12]]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)


def test_cache_makes_a_second_run_fast_and_notices_changes(make_pdf, tmp_path):
    pdf = make_pdf("\n\n".join(PARAGRAPHS), layout="two-column")
    cache = Cache(tmp_path / "c")
    first = extract_many([pdf], cache=cache)[0]
    assert not first.cached and first.document is not None
    second = extract_many([pdf], cache=cache)[0]
    assert second.cached and second.document == first.document  # served from the cache, no worker
    make_pdf("Een andere inhoud.", name="doc.pdf")  # same name, new content
    third = extract_many([pdf], cache=cache)[0]
    assert not third.cached and "Een andere inhoud." in third.document.text()


def test_damaged_cache_entry_is_recomputed(make_pdf, tmp_path):
    pdf = make_pdf("Tekst.")
    cache = Cache(tmp_path / "c")
    extract_many([pdf], cache=cache)
    for entry in (tmp_path / "c").rglob("*.json"):
        entry.write_text("{not json")
    again = extract_many([pdf], cache=cache)[0]
    assert again.document is not None and not again.cached


@pytest.mark.parametrize("doc_id", sorted(p.stem for p in CORPUS.glob("*.pdf")))
def test_demo_corpus_gold_sentences_survive_verbatim(corpus_docs, doc_id):
    gold = yaml.safe_load((CORPUS / "gold" / f"{doc_id}.yaml").read_text(encoding="utf-8"))
    text = flat(corpus_docs[doc_id].text())
    sentences = [item["text"] for item in (gold.get("passages") or []) + (gold.get("traps") or [])]
    missing = [s for s in sentences if flat(s).strip() not in text]
    assert not missing, missing[:3]


def test_demo_corpus_has_no_running_headers(corpus_docs):
    for doc in corpus_docs.values():
        assert not re.search(r"Pagina \d+", doc.text())
        assert "Kwaliteitsagenda 2024-2027 |" not in doc.text()


def test_a_table_too_wide_for_its_column_breaks_words_with_a_hyphen_not_a_cut(make_pdf):
    from kwaliteitscan.extract.extractor import extract_file

    header = "| Thema | Indicator | Nulmeting 2023 | Stand 2024 | Stand 2025 | Streefwaarde 2027 |"
    row = ("| Stagediscriminatie | Leerbedrijven die de non-discriminatiepassage hebben ondertekend | "
           "onderwijsprofessionals | arbeidsmarktregio | kwaliteitsafspraken | beroepspraktijkvorming |")
    pdf = make_pdf("# 1 Ambities\n\n" + "\n".join([header, "|---|---|---|---|---|---|", row]), layout="two-column")
    text = "\n".join(page.text for page in extract_file(pdf).pages)
    for word in ("non-discriminatiepassage", "onderwijsprofessionals", "beroepspraktijkvorming"):
        assert word in text, text
    assert "--" not in text


def test_a_glyph_without_unicode_does_not_shift_the_rest_of_the_page(make_pdf):
    # The renderer's font has no arrow: the PDF holds a glyph without Unicode. pdfium's page
    # text leaves it out, so every character after it used to get its neighbour's box and the
    # table below fell apart (cells of different rows mixed, words cut at cell borders).
    table = ("| Nr. | Ambitie 2027 | Indicator | Eigenaar |\n|---|---|---|---|\n"
             "| A1 | Stagematching voor eerstejaars | teams met matching: 2 (2024) → 8 (2027) | bpv-coördinator |\n"
             "| A2 | Norm ‘geen discriminatie’ gedeeld met alle leerbedrijven | 100% geïnformeerd | manager |\n"
             "| A3 | Zicht op omvang en effect van de aanpak | JOB-monitor en eigen bpv-evaluatie | kwaliteitszorg |\n")
    doc = extract_file(make_pdf("Inleidende tekst.\n\n" + table))
    lines = doc.pages[0].text.splitlines()
    assert "A1 | Stagematching voor eerstejaars | teams met matching: 2 (2024) \ufffd 8 (2027) | bpv-coördinator" \
        in lines, lines
    assert "A2 | Norm ‘geen discriminatie’ gedeeld met alle leerbedrijven | 100% geïnformeerd | manager" in lines
    assert "A3 | Zicht op omvang en effect van de aanpak | JOB-monitor en eigen bpv-evaluatie | kwaliteitszorg" \
        in lines


def test_the_demo_renderer_refuses_a_character_its_font_cannot_draw(tmp_path):
    from kwaliteitscan.errors import InputError
    from kwaliteitscan.testing.demo_pdf import render_file

    src = tmp_path / "doc.md"
    src.write_text("---\ninstitution: ROC Test\ntitle: Kwaliteitsagenda\nyear: 2024\nlayout: one-column\n---\n"
                   "Van 2 → 8 teams.\n", encoding="utf-8")
    with pytest.raises(InputError, match="U\\+2192"):
        render_file(src, tmp_path / "doc.pdf")
    assert not (tmp_path / "doc.pdf").exists()
