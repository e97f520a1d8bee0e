"""REFI-QDA export (.qdpx, .qdc): layout, schema, round trip, notes, determinism, bad input."""

from __future__ import annotations

import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kwaliteitscan.codebook import load_codebook
from kwaliteitscan.pipeline.code import code_corpus
from kwaliteitscan.errors import InputError, UsageError
from kwaliteitscan.interop.refiqda import (CODEBOOK_NS, PAGE_SEPARATOR, PROJECT_NS, code_guid, codebook_xml, export_qdc,
                                   export_qdpx, is_guid, read_qdpx, representation_text, user_guid)
from kwaliteitscan.extract.extractor import Page
from kwaliteitscan.project.store import Project
from ..conftest import DATA_DIR

DATA = DATA_DIR
XSD = DATA / "refiqda" / "Project-mrt2019.xsd"
P = f"{{{PROJECT_NS}}}"

# Diacritics before the passages: two bytes each in UTF-8, one code point each. The filler
# pushes the last paragraph to page 2, so page offsets are exercised too.
FILLER = "\n\n".join(f"Paragraaf {i}: de opleiding werkt aan goede begeleiding van ieder team in het jaar."
                     for i in range(45))
BODY = ("# 4 Stages\n\nÉén ambitie: geïnformeerde studenten en coördinatoren.\n\n"
        "Wij erkennen dat stagediscriminatie een probleem is. Die erkenning delen wij.\n\n"
        "Een apart meldpunt achten wij niet nodig; studenten melden stagediscriminatie bij de mentor.\n\n"
        "Matching op leerwens doen wij in twee teams.\n\n"
        "Ook racisme op de stage komt voor, dat erkennen wij.\n\n"
        "Bij sommige bedrijven gaat het nog op de klik.\n\n" + FILLER + "\n\n"
        "In 2026 openen wij een meldpunt voor discriminatie.")


@pytest.fixture(scope="module")
def coded(tmp_path_factory):
    """A coded one-document corpus with decisions of two coders and a lead coder's final word."""
    from kwaliteitscan.testing.demo_pdf import render_text

    base = tmp_path_factory.mktemp("refiqda")
    folder = base / "corpus"
    folder.mkdir()
    render_text(BODY, folder / "roc-aap-2024.pdf")
    summary = code_corpus(folder, DATA / "mini.yaml", jobs=1)
    with Project(summary.db) as project:
        cands = project.candidates()
        assert len(cands) >= 6 and max(c["page"] for c in cands) >= 2
        by_theme = {}
        for c in cands:
            by_theme.setdefault(c["theme"], []).append(c)
        ack = by_theme["acknowledgement"][0]
        desk = by_theme["reporting_desk"]
        matching = by_theme["objective_matching"]
        late = next(c for c in cands if c["page"] >= 2)
        assert len(matching) >= 2 and late not in (ack, desk[0], matching[0], matching[-1])
        project.add_decision(ack, "anna", "confirmed", note="Duidelijke erkenning & <goed> voorbeeld")
        project.add_decision(desk[0], "anna", "rejected", note="ontkend")
        project.add_decision(matching[0], "anna", "uncertain")
        project.add_decision(late, "anna", "confirmed")
        project.add_decision(matching[-1], "anna", "confirmed", theme="acknowledgement", note="verplaatst")
        project.add_decision(ack, "bram", "confirmed")
        project.add_decision(desk[0], "bram", "confirmed")
        project.add_decision(late, "bram", "pending")  # a 'pending' row is no decision
        project.add_decision(ack, "lead", "confirmed", role="final", note="eindoordeel")
        project.add_decision(desk[0], "lead", "rejected", role="final")
    return folder, summary.db


def _export(coded, tmp_path, name="out.qdpx", **kw):
    folder, db = coded
    with Project(db) as project:
        summary = export_qdpx(project, load_codebook(DATA / "mini.yaml"), folder, tmp_path / name, **kw)
    return summary, tmp_path / name


def _qde(path) -> ET.Element:
    with zipfile.ZipFile(path) as archive:
        return ET.fromstring(archive.read("project.qde"))


def _expected(db, decisions):
    """The confirmed codings an export must hold: {(user, candidate id): (candidate, row)}."""
    with Project(db) as project:
        cands = {c["id"]: c for c in project.candidates()}
        return {(user, cid): (cands[cid], row) for user, rows in decisions(project).items()
                for cid, row in rows.items() if row["decision"] == "confirmed"}


# --------------------------------------------------------------------------- layout and structure


def test_zip_layout(coded, tmp_path):
    summary, out = _export(coded, tmp_path)
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert names[0] == "project.qde"
        root = ET.fromstring(archive.read("project.qde"))
        [source] = root.iter(f"{P}PDFSource")
        [rep] = source.iter(f"{P}Representation")
        pdf = source.get("path").removeprefix("internal://")
        txt = rep.get("plainTextPath").removeprefix("internal://")
        assert source.get("path") == f"internal://{source.get('guid')}.pdf"
        assert set(names) == {"project.qde", "sources/", f"sources/{pdf}", f"sources/{txt}"}
        folder, _ = coded
        assert archive.read(f"sources/{pdf}") == (folder / "roc-aap-2024.pdf").read_bytes()
        text = archive.read(f"sources/{txt}")
        assert not text.startswith(b"\xef\xbb\xbf")  # UTF-8 without a byte order mark
        text.decode("utf-8")
    assert summary.documents == 1 and summary.users == ["anna", "bram"]
    assert summary.codings == 5 and summary.codings_per_user == {"anna": 3, "bram": 2} and summary.notes == 2


def test_structure_follows_the_standard(coded, tmp_path):
    _, out = _export(coded, tmp_path)
    root = _qde(out)
    assert root.tag == f"{P}Project" and root.get("name") and root.get("origin", "").startswith("kwaliteitscan")
    assert all(el.tag.startswith(P) for el in root.iter()), "every element is in the project namespace"
    order = ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs",
             "Description"]
    tags = [child.tag.removeprefix(P) for child in root]
    assert tags == sorted(tags, key=order.index) and {"Users", "CodeBook", "Sources", "Notes"} <= set(tags)
    guids = [el.get("guid") for el in root.iter() if "guid" in el.attrib]
    assert all(is_guid(g) for g in guids) and len(guids) == len(set(guids)), "GUIDs well formed and unique"
    refs = [el.get("targetGUID") for el in root.iter() if "targetGUID" in el.attrib]
    assert set(refs) <= set(guids), "every reference points at an element of the file"
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{P}User")}
    assert sorted(users.values()) == ["anna", "bram"]
    codes = {c.get("guid"): c for c in root.find(f"{P}CodeBook").iter(f"{P}Code")}
    assert all(c.get("name") and c.get("isCodable") in ("true", "false") for c in codes.values())
    texts = _texts(out, root)
    for selection in root.iter(f"{P}PlainTextSelection"):
        start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
        assert 0 <= start < end <= len(texts[selection]), "positions within the text"
        assert selection.get("creatingUser") in users
        [coding] = selection.findall(f"{P}Coding")
        assert coding.get("creatingUser") == selection.get("creatingUser")
        assert coding.find(f"{P}CodeRef").get("targetGUID") in codes
        children = [c.tag.removeprefix(P) for c in selection]
        assert children == sorted(children, key=["Description", "Coding", "NoteRef"].index)
    for note in root.iter(f"{P}Note"):
        assert note.find(f"{P}PlainTextContent").text and note.get("plainTextPath") is None


def _texts(out, root: ET.Element) -> dict:
    """Each PlainTextSelection element of `root` -> the text of its representation."""
    texts = {}
    with zipfile.ZipFile(out) as archive:
        for rep in root.iter(f"{P}Representation"):
            text = archive.read("sources/" + rep.get("plainTextPath").removeprefix("internal://")).decode("utf-8")
            for selection in rep.iter(f"{P}PlainTextSelection"):
                texts[selection] = text
    return texts


def test_validates_against_the_refi_qda_schema(coded, tmp_path):
    etree = pytest.importorskip("lxml.etree")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    for kw in ({}, {"final": True}, {"coder": "bram"}, {"level": "theme"}):
        _, out = _export(coded, tmp_path, **kw)
        with zipfile.ZipFile(out) as archive:
            document = etree.fromstring(archive.read("project.qde"))
        assert schema.validate(document), (kw, schema.error_log)


# --------------------------------------------------------------------------- round trip


def test_round_trip_every_coders_confirmed_decisions(coded, tmp_path):
    folder, db = coded
    _, out = _export(coded, tmp_path)
    expected = _expected(db, lambda p: {c: p.latest_decisions(c) for c in p.coders()})
    got = read_qdpx(out)
    assert len(got) == len(expected) == 5
    book = load_codebook(DATA / "mini.yaml")
    labels = {code_guid(book, t.id): t.label for t in book.themes}
    labels |= {code_guid(book, t.id, c.id): c.label for t in book.themes for c in t.codes}
    with Project(db) as project:
        pages = {d["sha256"]: d for d in project.documents()}
    for record in got:
        [(cand, row)] = [v for (user, cid), v in expected.items()
                         if user == record["user"] and v[0]["passage"] == record["text"]]
        assert record["source"] == "roc-aap-2024.pdf" and pages[cand["document"]]
        assert record["text"] == cand["passage"], "the selection is exactly the candidate passage"
        assert record["end"] - record["start"] == len(cand["passage"])
        assert record["user_guid"] == user_guid(record["user"])
        assert labels[record["code_guid"]] == record["code"]
        assert record["note"] == row["note"]
    # the decision moved to another theme is coded with that theme's own code
    moved = next(r for r in got if r["note"] == "verplaatst")
    assert moved["code_guid"] == code_guid(book, "acknowledgement") and moved["code"] == "Erkennen"
    # the others carry the first code the candidate had under its theme
    ack = next(r for r in got if r["user"] == "bram" and r["code_path"].startswith("Erkennen"))
    assert ack["code_path"] == "Erkennen/algemeen"


def test_offsets_are_code_points_over_the_whole_text(coded, tmp_path):
    folder, db = coded
    _, out = _export(coded, tmp_path)
    from kwaliteitscan.extract.extractor import extract_file

    doc = extract_file(folder / "roc-aap-2024.pdf")
    text, starts = representation_text(doc.pages)
    assert text == PAGE_SEPARATOR.join(p.text for p in doc.pages)
    assert any(ord(ch) > 127 for ch in text[:starts[doc.pages[-1].number]]), "diacritics before the passages"
    with Project(db) as project:
        cands = {c["passage"]: c for c in project.candidates()}
    records = read_qdpx(out)
    assert any(cands[r["text"]]["page"] >= 2 for r in records), "a passage on page 2"
    for record in records:
        cand = cands[record["text"]]
        assert record["start"] == starts[cand["page"]] + cand["start"]
        assert record["end"] == starts[cand["page"]] + cand["passage_end"]
        # and a UTF-8 byte count would differ: the positions are not bytes
        assert len(text[:record["start"]].encode("utf-8")) > record["start"]


def test_final_and_single_coder_exports(coded, tmp_path):
    folder, db = coded
    summary, out = _export(coded, tmp_path, "final.qdpx", final=True)
    got = read_qdpx(out)
    assert summary.users == ["final"] and [r["user"] for r in got] == ["final"]
    [(cand, row)] = _expected(db, lambda p: {"final": p.latest_decisions(None, role="final")}).values()
    assert got[0]["text"] == cand["passage"] and got[0]["note"] == "eindoordeel"
    summary, out = _export(coded, tmp_path, "bram.qdpx", coder="bram")
    got = read_qdpx(out)
    assert summary.users == ["bram"] and {r["user"] for r in got} == {"bram"} and len(got) == 2
    assert [u.get("name") for u in _qde(out).iter(f"{P}User")] == ["bram"]
    with pytest.raises(UsageError, match="not both"):
        _export(coded, tmp_path, coder="bram", final=True)
    with pytest.raises(UsageError, match="coder 'zoe' has made no decisions"):
        _export(coded, tmp_path, coder="zoe")


def test_theme_level_codings(coded, tmp_path):
    _, out = _export(coded, tmp_path, level="theme")
    book = load_codebook(DATA / "mini.yaml")
    themes = {code_guid(book, t.id) for t in book.themes}
    assert {r["code_guid"] for r in read_qdpx(out)} <= themes


def test_rejected_and_uncertain_decisions_are_not_codings(coded, tmp_path):
    folder, db = coded
    _, out = _export(coded, tmp_path, coder="anna")
    with Project(db) as project:
        anna = project.latest_decisions("anna")
        cands = {c["id"]: c for c in project.candidates()}
    left_out = {cands[cid]["passage"] for cid, row in anna.items() if row["decision"] != "confirmed"}
    assert left_out and {"rejected", "uncertain"} <= {r["decision"] for r in anna.values()}
    got = read_qdpx(out)
    assert len(got) == 3 and not left_out & {r["text"] for r in got}
    assert "ontkend" not in {r["note"] for r in got}, "a rejected decision's note is not exported either"


def test_notes_arrive_as_memos(coded, tmp_path):
    _, out = _export(coded, tmp_path, coder="anna")
    root = _qde(out)
    notes = {n.get("guid"): n for n in root.find(f"{P}Notes")}
    texts = sorted(n.find(f"{P}PlainTextContent").text for n in notes.values())
    assert texts == ["Duidelijke erkenning & <goed> voorbeeld", "verplaatst"]
    for selection in root.iter(f"{P}PlainTextSelection"):
        for ref in selection.findall(f"{P}NoteRef"):
            assert notes[ref.get("targetGUID")].get("creatingUser") == selection.get("creatingUser")
    assert sorted(r["note"] for r in read_qdpx(out) if r["note"]) == texts


# --------------------------------------------------------------------------- codebook


def test_qdc_codebook(tmp_path):
    book = load_codebook(DATA / "mini.yaml")
    out = export_qdc(book, tmp_path / "mini.qdc")
    root = ET.parse(out).getroot()
    C = f"{{{CODEBOOK_NS}}}"
    assert root.tag == f"{C}CodeBook" and all(el.tag.startswith(C) for el in root.iter())
    assert [c.tag for c in root] == [f"{C}Codes"]
    top = root.find(f"{C}Codes").findall(f"{C}Code")
    assert [c.get("name") for c in top] == [t.label for t in book.themes]
    for element, theme in zip(top, book.themes):
        assert element.get("guid") == code_guid(book, theme.id) and element.get("isCodable") == "true"
        assert element.find(f"{C}Description").text.startswith(theme.definition)
        children = element.findall(f"{C}Code")
        assert [c.get("name") for c in children] == [c.label for c in theme.codes]
        assert [c.get("guid") for c in children] == [code_guid(book, theme.id, c.id) for c in theme.codes]
    assert all(is_guid(el.get("guid")) for el in root.iter(f"{C}Code"))
    assert out.read_bytes() == codebook_xml(book), "deterministic"


def test_qdc_code_tree_validates_as_the_schemas_code_type(tmp_path):
    """The standards share the Code element: checked as a project's CodeBook against the project XSD."""
    etree = pytest.importorskip("lxml.etree")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    out = export_qdc(load_codebook(DATA / "mini.yaml"), tmp_path / "mini.qdc")
    text = out.read_text(encoding="utf-8").replace(CODEBOOK_NS, PROJECT_NS)
    codes = etree.fromstring(text.encode("utf-8"))[0]
    project = etree.Element(f"{P}Project", name="codebook check", nsmap={None: PROJECT_NS})
    etree.SubElement(project, f"{P}CodeBook").append(codes)
    assert schema.validate(project), schema.error_log


def test_same_codes_in_project_and_codebook(coded, tmp_path):
    _, out = _export(coded, tmp_path)
    book = load_codebook(DATA / "mini.yaml")
    qdc = ET.fromstring(codebook_xml(book))
    in_qdc = [(c.get("guid"), c.get("name")) for c in qdc.iter(f"{{{CODEBOOK_NS}}}Code")]
    in_qde = [(c.get("guid"), c.get("name")) for c in _qde(out).find(f"{P}CodeBook").iter(f"{P}Code")]
    assert in_qdc == in_qde


def test_what_cannot_be_exported_is_reported(coded, tmp_path):
    """A theme the codebook no longer has, and a decision whose candidate is gone, are skipped with a reason."""
    import dataclasses
    import sqlite3

    folder, db = coded
    copy = tmp_path / "copy.sqlite"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    book = load_codebook(DATA / "mini.yaml")
    smaller = dataclasses.replace(book, themes=tuple(t for t in book.themes if t.id != "reporting_desk"))
    with Project(copy) as project:
        project.add_decision({"id": "weg", "theme": "acknowledgement"}, "bram", "confirmed")
        summary = export_qdpx(project, smaller, folder, tmp_path / "x.qdpx", coder="bram")
    reasons = {cid: reason for user, cid, reason in summary.skipped}
    assert "candidate is gone" in reasons.pop("weg")
    assert list(reasons.values()) == ["theme 'reporting_desk' is not in codebook mini"]
    assert summary.codings == 1 and len(read_qdpx(tmp_path / "x.qdpx")) == 1


# --------------------------------------------------------------------------- determinism


def test_two_exports_are_byte_identical(coded, tmp_path):
    _, first = _export(coded, tmp_path, "a.qdpx")
    _, second = _export(coded, tmp_path, "b.qdpx")
    assert first.read_bytes() == second.read_bytes()
    root = _qde(first)
    with Project(coded[1]) as project:
        dates = sorted(r["created_at"] for c in project.coders() for r in project.latest_decisions(c).values())
    assert root.get("creationDateTime") <= root.get("modifiedDateTime")
    assert root.get("modifiedDateTime")[:19] == dates[-1][:19], "dates come from the decisions"


# --------------------------------------------------------------------------- the text representation


def test_representation_text_keeps_offsets_and_is_xml_safe():
    pages = [Page(1, "a\x0cb\r\nc\x00😀"), Page(2, "é\ud800x")]
    text, starts = representation_text(pages)
    assert text == "a b \nc 😀" + PAGE_SEPARATOR + "é x"
    assert len(text) == sum(len(p.text) for p in pages) + len(PAGE_SEPARATOR)
    assert starts == {1: 0, 2: len(pages[0].text) + 2} and text[starts[2]:] == "é x"
    text.encode("utf-8")  # no lone surrogate left


def _qdpx(tmp_path, qde: str, files: dict[str, bytes] | None = None, name="hand.qdpx") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde.encode("utf-8"))
        for member, data in (files or {}).items():
            archive.writestr(member, data)
    return path


G = ["00000000-0000-4000-8000-%012d" % i for i in range(10)]


def test_reader_counts_code_points_not_utf16_units_or_bytes(tmp_path):
    text = "😀 één 𝒜bc: stagediscriminatie"  # astral characters count once
    start = text.index("stagediscriminatie")
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{PROJECT_NS}" name="hand">
  <Users><User guid="{G[0]}" name="kim"/></Users>
  <CodeBook><Codes><Code guid="{G[1]}" name="thema" isCodable="true">
    <Code guid="{G[2]}" name="sub" isCodable="true"/></Code></Codes></CodeBook>
  <Sources><TextSource guid="{G[3]}" name="doc.txt" plainTextPath="internal://{G[4]}.txt">
    <PlainTextSelection guid="{G[5]}" startPosition="{start}" endPosition="{len(text)}" creatingUser="{G[0]}">
      <Coding guid="{G[6]}" creatingUser="{G[0]}"><CodeRef targetGUID="{{{G[2]}}}"/></Coding>
      <NoteRef targetGUID="{G[7]}"/>
    </PlainTextSelection></TextSource></Sources>
  <Notes><Note guid="{G[7]}" name="n"><PlainTextContent>memo</PlainTextContent></Note></Notes>
</Project>"""
    path = _qdpx(tmp_path, qde, {f"Sources/{G[4]}.txt": "\ufeff".encode() + text.encode("utf-8")})
    [record] = read_qdpx(path)
    assert record["text"] == "stagediscriminatie" and record["start"] == start == 11
    assert len(text[:start].encode("utf-16-le")) // 2 == 13 and len(text[:start].encode("utf-8")) == 19
    assert (record["user"], record["code"], record["code_path"], record["note"]) == ("kim", "sub", "thema/sub", "memo")


# --------------------------------------------------------------------------- malformed input


@pytest.mark.parametrize("make, message", [
    (lambda d: d.joinpath("x.qdpx").write_text("geen zip") and d / "x.qdpx", "not a zip archive"),
    (lambda d: _qdpx_without_qde(d), "no project.qde inside"),
    (lambda d: _qdpx(d, "<Project xmlns='urn:QDA-XML:project:1.0' name='x'><Users>"), "not well-formed XML"),
    (lambda d: _qdpx(d, "<Other/>"), "not a REFI-QDA project"),
    (lambda d: _qdpx(d, "<!DOCTYPE x [<!ENTITY a 'b'>]><Project xmlns='urn:QDA-XML:project:1.0' name='x'/>"),
     "DOCTYPE"),
    (lambda d: d / "missing.qdpx", "no such file"),
])
def test_malformed_input_is_one_clear_line(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(InputError) as info:
        read_qdpx(path)
    text = str(info.value)
    assert message in text and str(path) in text and "\n" not in text


def _qdpx_without_qde(folder: Path) -> Path:
    path = folder / "empty.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("sources/a.txt", "tekst")
    return path


def test_selection_outside_the_text_or_missing_text_file(tmp_path):
    def qde(end, path=f"internal://{G[4]}.txt"):
        return (f"<Project xmlns='{PROJECT_NS}' name='x'><Sources><TextSource guid='{G[3]}' name='d' "
                f"plainTextPath='{path}'><PlainTextSelection guid='{G[5]}' startPosition='0' endPosition='{end}'>"
                f"<Coding guid='{G[6]}'><CodeRef targetGUID='{G[2]}'/></Coding></PlainTextSelection></TextSource>"
                "</Sources></Project>")
    files = {f"sources/{G[4]}.txt": b"kort"}
    with pytest.raises(InputError, match="lies outside the text"):
        read_qdpx(_qdpx(tmp_path, qde(99), files, "a.qdpx"))
    with pytest.raises(InputError, match="is not in the archive"):
        read_qdpx(_qdpx(tmp_path, qde(2), {}, "b.qdpx"))
    [record] = read_qdpx(_qdpx(tmp_path, qde(2), files, "c.qdpx"))
    assert record["text"] == "ko" and record["user"] is None and record["code"] is None


def test_export_needs_the_unchanged_pdfs(coded, tmp_path, make_pdf):
    folder, db = coded
    other = tmp_path / "elsewhere"
    other.mkdir()
    with Project(db) as project, pytest.raises(InputError, match="missing from the corpus folder"):
        export_qdpx(project, load_codebook(DATA / "mini.yaml"), other, tmp_path / "x.qdpx")
    changed = tmp_path / "changed"
    changed.mkdir()
    make_pdf("Iets anders.", name="changed/roc-aap-2024.pdf")
    with Project(db) as project, pytest.raises(InputError, match="changed since it was coded"):
        export_qdpx(project, load_codebook(DATA / "mini.yaml"), changed, tmp_path / "x.qdpx")
    assert not (tmp_path / "x.qdpx").exists()
