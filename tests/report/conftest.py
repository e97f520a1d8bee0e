"""Fixtures shared by the report tests: the demo corpus coded once per session."""

from __future__ import annotations

import shutil

import pytest

from kwaliteitscan.codebook import load_codebook
from kwaliteitscan.pipeline.code import code_corpus
from kwaliteitscan.project.store import Project
from kwaliteitscan.report.model import report_from_project

from ..conftest import CORPUS


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    for pdf in CORPUS.glob("*.pdf"):
        shutil.copy(pdf, folder / pdf.name)
    shutil.copy(CORPUS / "manifest.csv", folder / "manifest.csv")
    summary = code_corpus(folder, None, folder / "project.sqlite")
    return folder, summary.db


@pytest.fixture
def demo_report(demo_project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1798934400")  # 2027-01-04: a fixed date for byte-identical files
    _, db = demo_project
    with Project(db) as project:
        report = report_from_project(project, load_codebook())
    report.pipeline = "PIPELINE"  # the spaCy version is not part of what the golden files pin
    return report
