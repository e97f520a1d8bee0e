from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA_DIR = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own extraction cache, never the user's."""
    monkeypatch.setenv("KWALITEITSCAN_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def make_pdf(tmp_path):
    """Render Markdown to a PDF with the corpus renderer: make_pdf(text, layout=..., name=...)."""
    from kwaliteitscan.testing.demo_pdf import render_text

    def make(markdown: str, layout: str = "one-column", name: str = "doc.pdf", **meta) -> Path:
        return render_text(markdown, tmp_path / name, layout=layout, **meta)

    return make


@pytest.fixture(scope="session")
def corpus_docs():
    """The demo corpus extracted once per test session: {doc_id: Document}."""
    from kwaliteitscan.extract.extractor import extract_file

    return {pdf.stem: extract_file(pdf) for pdf in sorted(CORPUS.glob("*.pdf"))}


def pytest_configure(config):
    os.environ.setdefault("COLUMNS", "100")


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite the golden report files")
