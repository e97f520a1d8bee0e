"""The cache only saves time: a cache folder that cannot be written (read-only, full) costs a note,
never the run, and leaves no temporary file behind."""

from __future__ import annotations

import errno
import os
import subprocess

import pytest

from kwaliteitscan.files import write_cache
from kwaliteitscan.pipeline.code import code_corpus

from ..conftest import DATA_DIR


def test_a_full_disk_mid_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "cache" / "x.json"

    def half_then_full(tmp):
        tmp.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    assert write_cache(target, half_then_full) == "No space left on device"
    assert list((tmp_path / "cache").iterdir()) == []
    assert write_cache(target, lambda tmp: tmp.write_text("whole")) is None
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["x.json"] and target.read_text() == "whole"


def test_a_cache_under_a_file_is_reported_not_raised(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    assert write_cache(blocker / "extract" / "x.json", lambda tmp: tmp.write_text("x"))


def test_coding_with_a_readonly_cache_folder_goes_on_with_a_note(tmp_path, make_pdf, monkeypatch):
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root")
    source, mounted = tmp_path / "cache-src", tmp_path / "cache"
    source.mkdir()
    mounted.mkdir()
    if subprocess.run(["mount", "--bind", str(source), str(mounted)], capture_output=True).returncode != 0:
        pytest.skip("cannot bind-mount here")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(mounted)], check=True)
        monkeypatch.setenv("KWALITEITSCAN_CACHE", str(mounted))
        folder = tmp_path / "corpus"
        folder.mkdir()
        make_pdf("# Stage\n\nWij erkennen dat stagediscriminatie een probleem is.\n", name="corpus/roc-aap-2024.pdf")
        summary = code_corpus(folder, DATA_DIR / "mini.yaml", jobs=1)
    finally:
        subprocess.run(["umount", str(mounted)], check=True)
    assert summary.coded == 1 and not summary.failed
    [note] = [n for n in summary.notes if "cache folder cannot be written" in n]
    assert str(mounted) in note and "KWALITEITSCAN_CACHE" in note
    assert list(source.iterdir()) == []
