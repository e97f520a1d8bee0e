"""`audit FILE`: a document for the school in every format, its not-an-agenda warning and exit
code, its texts from the codebook, and its print to A4 in a real browser."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.codebook import load_codebook
from kwaliteitscan.errors import NOT_AN_AGENDA
from kwaliteitscan.pipeline.audit import audit_file, topic_of
from kwaliteitscan.report.audit import NOTHING, render_audit_json, render_audit_markdown
from kwaliteitscan.report.audit_html import render_audit_html

from ..conftest import CORPUS

runner = CliRunner()
BOOK = load_codebook()
SECTIONS = ("Wat kan er beter?", "Wat is in orde", "Hoe dit rapport is gemaakt")


@pytest.fixture(scope="module")
def noordkust(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audit")
    pdf = folder / "roc-noordkust-2024.pdf"
    shutil.copy(CORPUS / "roc-noordkust-2024.pdf", pdf)
    return pdf, audit_file(pdf)


@pytest.fixture(scope="module")
def canteen(tmp_path_factory):
    from kwaliteitscan.testing.demo_pdf import render_text

    pdf = tmp_path_factory.mktemp("kantine") / "kantine-2024.pdf"
    render_text("# Jaarverslag kantine\n\nDe kantine is open van acht tot vier. Wij verkopen broodjes, soep en "
                "fruit. De omzet steeg met vier procent.\n\n## Menu\n\nOp vrijdag is er pizza. Studenten betalen "
                "met de pas.", pdf, layout="one-column")
    return pdf


def _in_order(text: str, *parts: str) -> None:
    positions = [text.index(p) for p in parts]
    assert positions == sorted(positions), f"out of order: {parts}"


@pytest.mark.parametrize("fmt", ["terminal", "md", "html", "json"])
def test_audit_is_a_document_for_the_school_in_every_format(noordkust, fmt):
    pdf, audit = noordkust
    result = runner.invoke(app, ["audit", str(pdf), "--format", fmt])
    assert result.exit_code == 0, result.output
    out = result.output
    if fmt == "json":
        data = json.loads(out)
        assert data["kind"] == "audit" and data["title"] == audit.title and data["reviewed_by_coder"] is False
        assert set(data["themes"]) == set(BOOK.theme_ids) and data["warning"] is None
        assert [g["id"] for g in data["gaps"]] == [g.id for g in audit.gaps]
        assert data["codebook"]["version"] == BOOK.version
        return
    # title with institution and year, then the gaps, what is in order, how it was made
    assert "ROC Noordkust 2024" in audit.title
    _in_order(out, audit.title, *SECTIONS)
    # no corpus summary or matrix
    assert "van de 1 agenda" not in out and "1 agenda van 1 instelling" not in out and "Matrix" not in out
    # how it was made: the codebook version and that nobody reviewed it
    method = out[out.index("Hoe dit rapport is gemaakt"):]
    assert f"versie {BOOK.version}" in method and "geen codeur" in method
    # every gap's advice (from the codebook), in the order of the audit
    first_words = [" ".join(g.advice.split()[:6]) for g in audit.gaps]
    flat = " ".join(out.replace("&#x27;", "'").split())
    _in_order(flat, *first_words)


def test_every_theme_appears_and_each_gap_rests_on_sentences_or_says_nothing(noordkust):
    _, audit = noordkust
    labels = {t.label for t in BOOK.themes}
    gap_themes = {label for g in audit.gaps for label in g.themes}
    ok = {o.label for o in audit.in_order}
    assert gap_themes | ok == labels
    # a theme with no checklist point that the agenda lacks still shows: social norm in Noordkust 2024
    social = next(g for g in audit.gaps if g.id == "social_norm")
    assert social.kind == "theme" and social.finding == NOTHING and not social.quotes
    assert social.advice == BOOK.theme("social_norm").advice
    for gap in audit.gaps:
        assert gap.quotes or gap.finding == NOTHING
        assert all(q.page >= 1 and q.text and not q.text.endswith(("-", " ")) for q in gap.quotes)
    for item in audit.in_order:
        assert audit.statuses[item.theme] == "present" and item.quote.page >= 1
    md = render_audit_markdown(audit)
    assert NOTHING in md and "p. " in md


def test_a_theme_short_of_present_says_why_in_every_format(noordkust):
    _, audit = noordkust
    for theme, status in audit.statuses.items():
        assert audit.reasons[theme], theme  # every status has its reason
    unclear = [g for g in audit.gaps if g.kind == "theme" and audit.statuses[g.id] != "present"]
    assert unclear, "Noordkust 2024 has themes that are not present"
    for gap in unclear:
        assert gap.reason.startswith(BOOK.theme(gap.id).label) and audit.reasons[gap.id] in gap.reason
    data = json.loads(render_audit_json(audit))
    assert data["contract"] == 2
    assert all(data["themes"][t]["reason"] == audit.reasons[t] for t in BOOK.theme_ids)
    md = render_audit_markdown(audit)
    assert all(f"Waarom: {g.reason}" in md for g in unclear if "*" not in g.reason and "_" not in g.reason)


def test_audit_texts_come_from_the_codebook():
    for point in BOOK.checklist:
        assert len(point.advice.split()) >= 10, point.id
    for theme in BOOK.themes:
        assert len(theme.advice.split()) >= 10, theme.id


def test_codebook_refuses_an_advice_that_is_no_text(tmp_path):
    from kwaliteitscan.errors import CodebookError

    from ..conftest import DATA_DIR

    text = (DATA_DIR / "mini.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("    definition: Een meldpunt voor stagediscriminatie.",
                                "    definition: Een meldpunt voor stagediscriminatie.\n    advice: [a, b]"),
                   encoding="utf-8")
    with pytest.raises(CodebookError, match="advice must be a non-empty text"):
        load_codebook(bad)


def test_a_file_that_is_no_agenda_warns_and_has_its_own_exit_code(canteen, tmp_path):
    result = runner.invoke(app, ["audit", str(canteen)])
    assert result.exit_code == NOT_AN_AGENDA == 11
    assert "geen kwaliteitsagenda" in result.output and "kantine-2024.pdf" in result.output
    out = tmp_path / "kantine.json"
    result = runner.invoke(app, ["audit", str(canteen), "--out", str(out)])
    assert result.exit_code == NOT_AN_AGENDA
    data = json.loads(out.read_text(encoding="utf-8"))  # still written, with the warning
    assert data["topic"] == {"internship_passages": 0, "discrimination_passages": 0, "on_topic": False}
    assert "geen kwaliteitsagenda" in data["warning"]
    html = runner.invoke(app, ["audit", str(canteen), "-f", "html"]).output
    assert html.index("class=\"waarschuwing\"") < html.index("Wat kan er beter?")


def test_topic_counts_the_codebooks_cue_words():
    topic = topic_of(BOOK, ["Wij bestrijden stagediscriminatie.", "De bpv duurt tien weken.", "De kantine is open."])
    assert (topic.internship, topic.discrimination) == (2, 1)  # "stagediscriminatie" holds both
    assert not topic.on_topic  # two passages about internships are not enough


def test_audit_refuses_spreadsheet_formats(noordkust):
    pdf, _ = noordkust
    result = runner.invoke(app, ["audit", str(pdf), "--format", "xlsx", "--out", "x.xlsx"])
    assert result.exit_code == 2 and "audit writes terminal, md, html, json" in result.output


def test_audit_json_and_html_escape_hostile_text(noordkust):
    from dataclasses import replace

    _, audit = noordkust
    gap = audit.gaps[0]
    hostile = replace(gap, quotes=(replace(gap.quotes[0] if gap.quotes else audit.in_order[0].quote,
                                           text="<script>alert(1)</script>"),))
    audit.gaps[0] = hostile
    try:
        html = render_audit_html(audit)
        assert "<script>alert" not in html and "&lt;script&gt;" in html
        assert json.loads(render_audit_json(audit))["gaps"][0]["quotes"][0]["text"] == "<script>alert(1)</script>"
    finally:
        audit.gaps[0] = gap


def test_audit_html_prints_to_two_or_three_a4_pages(noordkust, tmp_path):
    from .test_report_html import _run_chromium

    pypdfium2 = pytest.importorskip("pypdfium2")
    _, audit = noordkust
    page = tmp_path / "audit.html"
    page.write_text(render_audit_html(audit), encoding="utf-8")
    pdf = tmp_path / "audit.pdf"
    run = _run_chromium([f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri()], tmp_path)
    assert pdf.exists(), run.stderr[-2000:]
    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        assert 2 <= len(doc) <= 3, f"{len(doc)} pages"
        width, height = doc[0].get_size()
        assert abs(width - 595) < 3 and abs(height - 842) < 3  # A4 portrait, in points
        text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()
    assert "Wat kan er beter?" in text and "Hoe dit rapport is gemaakt" in text


def test_a_quote_is_cut_where_a_sentence_ends_so_a_refusal_is_never_shown_half():
    from kwaliteitscan.report.labels import cut_at_sentence, cut_at_word

    first = "In het eerste leerjaar krijgen studenten voorlichting over de regels van de bpv. "
    refusal = "Een aparte les over stagediscriminatie voegen wij aan het programma niet toe."
    # the sentence the cut falls in ends within reach: kept whole, with its 'niet toe'
    assert cut_at_sentence(first + refusal + " Meer volgt.", width=100) == first + refusal + " …"
    # it ends too far away: left out, not shown as 'voegen wij aan het ...'
    long_refusal = refusal.replace("programma", "programma " + "en " * 60)
    assert cut_at_sentence(first + long_refusal, width=100, reach=40) == first.strip() + " …"
    # no sentence end to cut at: at a word, as before
    words = "woord " * 80
    assert cut_at_sentence(words, width=50) == cut_at_word(words, 50)
    assert cut_at_word(words, 50).endswith("woord …")
    assert cut_at_sentence("Kort.", width=50) == "Kort."
