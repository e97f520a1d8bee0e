"""Word drafts (.docx) are read like PDFs: blocks in document order, Word's page numbers, the
same JSON, and bad files reported in one line while the batch goes on."""

from __future__ import annotations

import json
import zipfile

import pytest
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.errors import PARTIAL_FAILURE
from kwaliteitscan.extract.corpus import find_pdfs
from kwaliteitscan.extract.docx import MAX_DOCUMENT_XML
from kwaliteitscan.extract.extractor import Cache, extract_file, extract_many

from .word import BULLETS, CONTROLLED, DELETED, INSERTED, TABLE, THEME_SENTENCE, draft

pytest.importorskip("docx")


@pytest.fixture
def word(tmp_path):
    return draft(tmp_path / "Kwaliteitsagenda ROC Duinrand 2024 concept.docx")


def test_blocks_in_document_order_on_words_pages(word):
    doc = extract_file(word)
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert doc.pages[0].text.split("\n\n") == ["Kwaliteitsagenda 2024-2027 ROC Duinrand",
                                               "Voorwoord. Deze agenda beschrijft onze plannen voor de komende vier jaar."]
    # heading, paragraph, list items, the table (one line per row), the paragraph after it: in this order
    assert doc.pages[1].text.split("\n\n") == [
        "1 Stagediscriminatie", THEME_SENTENCE, *("• " + b for b in BULLETS),
        "\n".join(" | ".join(row) for row in TABLE), "Zo volgen wij de voortgang"]
    # a content control is read, a tracked insertion is in and a tracked deletion out (as Word shows it)
    assert doc.pages[2].text.split("\n\n") == ["2 Monitoring", CONTROLLED, f"Een zin met een {INSERTED} woord."]
    assert DELETED not in doc.text()
    assert doc.warnings == () and doc.engine == "docx"


def test_same_json_shape_as_a_pdf(word, make_pdf):
    pdf = extract_file(make_pdf("Stagediscriminatie komt voor."))
    docx = extract_file(word)
    assert docx.to_json().keys() == pdf.to_json().keys()
    assert [set(p) for p in docx.to_json()["pages"]] == [set(pdf.to_json()["pages"][0])] * 3


def test_a_hard_break_alone_and_a_rendered_mark_alone_each_start_a_page(tmp_path):
    import docx
    from docx.oxml import OxmlElement

    without_marks = extract_file(draft(tmp_path / "hard.docx", rendered_break_after_hard=False))
    assert [p.text.split("\n\n")[0] for p in without_marks.pages] == [
        "Kwaliteitsagenda 2024-2027 ROC Duinrand", "1 Stagediscriminatie", "2 Monitoring"]

    rendered = docx.Document()
    rendered.add_paragraph("Eerste bladzijde.")
    middle = rendered.add_paragraph("Deze alinea begint op bladzijde een en loopt door")
    tail = middle.add_run(" naar bladzijde twee.")
    tail._r.insert(0, OxmlElement("w:lastRenderedPageBreak"))  # Word broke the page inside the paragraph
    rendered.add_paragraph("Daarna volgt bladzijde twee.")
    rendered.save(str(tmp_path / "rendered.docx"))
    doc = extract_file(tmp_path / "rendered.docx")
    # the paragraph stays whole on the page it starts on; what follows is on the next page
    assert [p.text for p in doc.pages] == [
        "Eerste bladzijde.\n\nDeze alinea begint op bladzijde een en loopt door naar bladzijde twee.",
        "Daarna volgt bladzijde twee."]


def test_without_page_breaks_the_sections_number_the_text(tmp_path):
    import docx
    from docx.enum.section import WD_SECTION

    flat = extract_file(draft(tmp_path / "flat.docx", breaks=False))
    assert [p.number for p in flat.pages] == [1] and "no page breaks" in flat.warnings[0]

    sectioned = docx.Document()
    sectioned.add_paragraph("Deel een over stages.")
    sectioned.add_section(WD_SECTION.CONTINUOUS)
    sectioned.add_paragraph("Deel twee over stagediscriminatie.")
    sectioned.save(str(tmp_path / "sections.docx"))
    doc = extract_file(tmp_path / "sections.docx")
    assert [(p.number, p.text) for p in doc.pages] == [(1, "Deel een over stages."),
                                                        (2, "Deel twee over stagediscriminatie.")]
    assert "the numbers are its 2 sections, not pages" in doc.warnings[0]


def test_a_section_on_a_new_page_is_a_page_break(tmp_path):
    import docx
    from docx.enum.section import WD_SECTION

    doc = docx.Document()
    doc.add_paragraph("Bladzijde een.")
    doc.add_section(WD_SECTION.NEW_PAGE)
    doc.add_paragraph("Bladzijde twee.")
    doc.save(str(tmp_path / "newpage.docx"))
    extracted = extract_file(tmp_path / "newpage.docx")
    assert [(p.number, p.text) for p in extracted.pages] == [(1, "Bladzijde een."), (2, "Bladzijde twee.")]
    assert extracted.warnings == ()


def test_corpus_discovery_finds_word_files_but_not_words_lock_files(tmp_path, word, make_pdf):
    pdf = make_pdf("Stagediscriminatie.", name="roc-kust-2024.pdf")
    (tmp_path / "~$waliteitsagenda ROC Duinrand 2024 concept.docx").write_bytes(b"\x00" * 162)
    assert sorted(p.name for p in find_pdfs([tmp_path])) == sorted([word.name, pdf.name])


def test_audit_of_a_word_draft_finds_the_theme_on_its_page(word):
    result = CliRunner().invoke(app, ["audit", str(word), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    evidence = json.dumps(report, ensure_ascii=False)
    assert (report["kind"], report["institution"]) == ("audit", "ROC Duinrand")
    assert THEME_SENTENCE[:40] in evidence  # the theme sentence is found, on Word's page 2
    pages = {e["page"] for e in _evidence(report)}
    assert 2 in pages


def _evidence(node):
    """Every dict with a page and a quote anywhere below `node` (the report's evidence)."""
    if isinstance(node, dict):
        if "page" in node and ("quote" in node or "text" in node):
            yield node
        for value in node.values():
            yield from _evidence(value)
    elif isinstance(node, list):
        for value in node:
            yield from _evidence(value)


def test_code_takes_word_and_pdf_side_by_side(tmp_path, word, make_pdf):
    make_pdf("## Stagediscriminatie\n\nWij erkennen dat stagediscriminatie voorkomt.", name="roc-kust-2024.pdf")
    from kwaliteitscan.pipeline.code import code_corpus

    summary = code_corpus(tmp_path, db=tmp_path / "p.sqlite", jobs=1)
    assert summary.documents == 2 and not summary.failed
    from kwaliteitscan.project import Project

    with Project(tmp_path / "p.sqlite") as project:
        engines = {d["file"]: d["engine"] for d in project.documents()}
    assert engines == {word.name: "docx", "roc-kust-2024.pdf": "pdfium"}


# --------------------------------------------------------------------------- bad files


def _zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


BAD = {
    "leeg.docx": (lambda p: p.write_bytes(b""), "empty (0 bytes)"),
    "tekst.docx": (lambda p: p.write_text("Dit is geen Word-bestand.\n"), "not a zip archive"),
    "oud.docx": (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600), "old Word .doc"),
    "geen-word.docx": (lambda p: _zip(p, {"xl/workbook.xml": b"<workbook/>"}), "no word/document.xml"),
    "bom.docx": (lambda p: _zip(p, {"word/document.xml": b"\x00" * (MAX_DOCUMENT_XML + 1)}), "zip bomb"),
    "kapotte-xml.docx": (None, "not a readable Word document"),
    "afgebroken.docx": (None, "damaged .docx"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_word_file_is_one_line_and_the_batch_goes_on(tmp_path, word, name):
    make, expected = BAD[name]
    bad = tmp_path / name
    if name == "kapotte-xml.docx":  # a real package whose document.xml is cut off
        with zipfile.ZipFile(word) as src, zipfile.ZipFile(bad, "w") as dst:
            for info in src.infolist():
                data = src.read(info)
                dst.writestr(info, data[: len(data) // 2] if info.filename == "word/document.xml" else data)
    elif name == "afgebroken.docx":
        bad.write_bytes(word.read_bytes()[: word.stat().st_size // 2])
    else:
        make(bad)
    outcomes = extract_many([bad, word], cache=Cache(None))
    assert outcomes[1].document is not None
    error = outcomes[0].error
    assert error and str(bad) in error and expected in error and "\n" not in error, error


def test_extract_cli_names_the_bad_word_file_and_goes_on(tmp_path, word):
    bad = tmp_path / "kapot.docx"
    bad.write_text("geen zip")
    result = CliRunner().invoke(app, ["extract", str(bad), str(word)])
    assert result.exit_code == PARTIAL_FAILURE
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(bad) in errors[0] and "save it as .docx or PDF" in errors[0]
    assert THEME_SENTENCE in result.output


def test_a_package_that_unpacks_too_large_is_refused_before_python_docx_reads_it(word, monkeypatch):
    from kwaliteitscan.errors import InputError
    from kwaliteitscan.extract import docx as wordfile

    with zipfile.ZipFile(word) as archive:
        total = sum(i.file_size for i in archive.infolist())
    monkeypatch.setattr(wordfile, "MAX_PACKAGE", total - 1)  # the parts together, images too, are bounded
    with pytest.raises(InputError, match="zip bomb"):
        extract_file(word)
    monkeypatch.setattr(wordfile, "MAX_PACKAGE", total)
    assert extract_file(word).pages


def test_words_own_numbers_of_headings_and_list_items_are_printed(tmp_path):
    """Word prints "1.1" before a numbered heading without it being in the text; the segmenter
    needs it to see the heading's depth, as in the PDF of the same agenda."""
    import docx
    from docx.oxml import parse_xml

    from kwaliteitscan.segment.segmenter import heading_level

    doc = docx.Document()
    numbering = doc.part.numbering_part.element
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {ns} w:abstractNumId="77">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/></w:lvl>'
        '</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {ns} w:numId="77"><w:abstractNumId w:val="77"/></w:num>'))
    for text, level in (("Stagediscriminatie", 1), ("Meldpunt", 2), ("Matching", 2), ("Monitoring", 1)):
        heading = doc.add_heading(text, level=level)
        heading._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {ns}><w:ilvl w:val="{level - 1}"/><w:numId w:val="77"/></w:numPr>'))
    doc.add_paragraph("Eerst dit", style="List Number")
    doc.add_paragraph("dan dat", style="List Number")
    doc.add_paragraph("en een punt", style="List Bullet")
    doc.save(str(tmp_path / "genummerd.docx"))
    blocks = extract_file(tmp_path / "genummerd.docx").pages[0].text.split("\n\n")
    assert blocks == ["1 Stagediscriminatie", "1.1 Meldpunt", "1.2 Matching", "2 Monitoring",
                      "1. Eerst dit", "2. dan dat", "• en een punt"]
    assert [heading_level(b) for b in blocks[:4]] == [1, 2, 2, 1]


@pytest.mark.parametrize("part", ["word/document.xml", "word/styles.xml", "word/numbering.xml"])
def test_mangled_word_xml_gives_text_or_one_line_never_a_crash(tmp_path, word, part):
    """Elements removed, moved, wrapped in content controls or tracked changes, attributes garbled,
    breaks and tables put where they do not belong: a document or an InputError, nothing else."""
    import random

    from lxml import etree

    from kwaliteitscan.errors import InputError

    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    rng = random.Random(part)
    with zipfile.ZipFile(word) as src:
        members = {info.filename: src.read(info) for info in src.infolist()}
    outcomes = {"document": 0, "error": 0}
    for n in range(25):
        root = etree.fromstring(members[part])
        elements = list(root.iter())
        for _ in range(rng.randint(1, 6)):
            element = rng.choice(elements)
            parent, op = element.getparent(), rng.random()
            if parent is None:
                continue
            if op < 0.3:
                parent.remove(element)
            elif op < 0.55:
                wrapper = etree.SubElement(parent, ns + rng.choice(["sdt", "ins", "customXml", "del", "hyperlink"]))
                parent.remove(element)
                wrapper.append(element)
            elif op < 0.8:
                for key in element.attrib:
                    element.attrib[key] = rng.choice(["", "x", "-1", "99999999999", "page", "0"])
            else:
                etree.SubElement(element, ns + rng.choice(["br", "lastRenderedPageBreak", "numPr", "sectPr", "tbl",
                                                           "tr", "tc", "p", "pStyle", "ilvl", "numId", "basedOn"]))
        mangled = tmp_path / f"mangled{n}.docx"
        _zip(mangled, {**members, part: etree.tostring(root)})
        try:
            extract_file(mangled)
            outcomes["document"] += 1
        except InputError as exc:
            assert str(mangled) in exc.message and "\n" not in exc.message
            outcomes["error"] += 1
    assert outcomes["document"] > 0, outcomes  # most damage still leaves readable text


def test_a_draft_saved_again_by_libreoffice_reads_the_same(tmp_path, word):
    """Another writer's XML (LibreOffice: bookmarks, rsids, its own styles and numbering) gives the
    same blocks on the same pages."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer)")
    out = tmp_path / "lo"
    profile = (tmp_path / "profile").as_uri()  # its own profile: no lock shared with another LibreOffice
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "docx",
                    "--outdir", str(out), str(word)], capture_output=True, timeout=180, check=True)
    original, resaved = extract_file(word), extract_file(out / word.name)
    assert [(p.number, p.text) for p in resaved.pages] == [(p.number, p.text) for p in original.pages]
    assert resaved.warnings == ()
