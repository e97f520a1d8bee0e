"""A Word draft in a REFI-QDA export: a TextSource holding the .docx and our text, valid against
the schema, its codings read back onto the same passages."""

from __future__ import annotations

import zipfile
import xml.etree.ElementTree as ET

import pytest

from kwaliteitscan.codebook import load_codebook
from kwaliteitscan.interop.refiqda import PROJECT_NS, export_qdpx, read_qdpx
from kwaliteitscan.pipeline.code import code_corpus
from kwaliteitscan.project.store import Project

from ..conftest import DATA_DIR
from ..extract.word import draft

pytest.importorskip("docx")
P = f"{{{PROJECT_NS}}}"


def test_a_word_draft_is_exported_as_a_text_source(tmp_path):
    etree = pytest.importorskip("lxml.etree")
    folder = tmp_path / "corpus"
    folder.mkdir()
    word = draft(folder / "roc-duinrand-2024.docx")
    summary = code_corpus(folder, DATA_DIR / "mini.yaml", jobs=1)
    with Project(summary.db) as project:
        candidate = next(c for c in project.candidates() if c["page"] == 2)
        project.add_decision(candidate, "anna", "confirmed")
        export_qdpx(project, load_codebook(DATA_DIR / "mini.yaml"), folder, tmp_path / "out.qdpx")
    with zipfile.ZipFile(tmp_path / "out.qdpx") as archive:
        qde = archive.read("project.qde")
        root = ET.fromstring(qde)
        assert not list(root.iter(f"{P}PDFSource"))
        [source] = root.iter(f"{P}TextSource")
        rich = source.get("richTextPath").removeprefix("internal://")
        plain = source.get("plainTextPath").removeprefix("internal://")
        assert rich == f"{source.get('guid')}.docx" and archive.read(f"sources/{rich}") == word.read_bytes()
        assert "stagediscriminatie" in archive.read(f"sources/{plain}").decode("utf-8")
    schema = etree.XMLSchema(etree.parse(str(DATA_DIR / "refiqda" / "Project-mrt2019.xsd")))
    assert schema.validate(etree.fromstring(qde)), schema.error_log
    [record] = read_qdpx(tmp_path / "out.qdpx")
    assert record["source"] == word.name and record["text"] == candidate["passage"] and record["user"] == "anna"
