"""Output files: the format follows --out's extension, a missing folder is made, and what cannot be
written is one line naming the file, with nothing half-written left behind."""

from __future__ import annotations

import errno
import os

import pytest
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.pipeline.code import code_corpus

from ..conftest import DATA_DIR

runner = CliRunner()


@pytest.fixture
def coded(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf("# 3 Stage\n\nWij erkennen dat stagediscriminatie een probleem is.", name="corpus/roc-aap-2024.pdf")
    code_corpus(folder, DATA_DIR / "mini.yaml", jobs=1)
    return folder


@pytest.mark.parametrize("name, start", [("r.html", "<!DOCTYPE html>"), ("r.md", "# "), ("r.json", "{")])
def test_the_format_follows_the_extension_of_out(coded, tmp_path, name, start):
    out = tmp_path / "new" / "folder" / name  # a folder that does not exist yet
    result = runner.invoke(app, ["report", str(coded), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith(start)


def test_export_format_follows_the_extension_too(coded, tmp_path):
    out = tmp_path / "rows.xlsx"
    assert runner.invoke(app, ["export", str(coded), "--out", str(out)]).exit_code == 0
    assert out.read_bytes()[:2] == b"PK"  # a zip: xlsx, not csv


def test_a_target_that_cannot_be_written_is_one_line(coded, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    result = runner.invoke(app, ["report", str(coded), "--out", str(blocker / "r.md")])
    assert result.exit_code == 3
    assert result.output.count("\n") == 1 and "cannot write here" in result.output and "Traceback" not in result.output


def test_a_full_disk_leaves_no_partial_file(coded, tmp_path, monkeypatch):
    out = tmp_path / "r.md"
    out.write_text("the previous report\n", encoding="utf-8")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full)
    result = runner.invoke(app, ["report", str(coded), "--out", str(out)])
    assert result.exit_code == 3 and "No space left on device" in result.output and str(out) in result.output
    assert out.read_text(encoding="utf-8") == "the previous report\n"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "r.md"]  # no temporary file left
