"""Reading one long PDF's pages in several processes (`readers`) gives the same text as one."""

from __future__ import annotations

import os

import pytest

from kwaliteitscan.extract import extractor
from kwaliteitscan.extract.extractor import extract_file, extract_many, read_pages
from kwaliteitscan.extract.pdfsource import open_pages

from ..conftest import CORPUS

LONG = CORPUS / "roc-veenstreek-2024.pdf"  # 11 pages: long enough to be split


def test_split_reading_gives_the_same_pages_and_text():
    alone = list(open_pages(LONG))
    assert len(alone) >= extractor.SPLIT_MIN_PAGES
    split = read_pages(LONG, "pdfium", readers=2)
    assert [p.number for p in split] == [p.number for p in alone]
    assert split == alone  # every line, box and ruling, whoever read the page
    assert extract_file(LONG, readers=2) == extract_file(LONG)


def test_a_helper_sends_its_pages():
    # without this the split could fail silently every time and still give the right text
    alone = list(open_pages(LONG))
    pid, fd = extractor._start_reader(LONG, "pdfium", 5, 9)
    assert extractor._finish_reader(pid, fd) == alone[5:9]


def test_a_failing_helper_costs_only_time(monkeypatch):
    # the helper dies before it can send its pages: they are read in the calling process instead
    def broken(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(extractor.pickle, "dumps", broken)
    assert read_pages(LONG, "pdfium", readers=2) == list(open_pages(LONG))


def test_a_short_pdf_is_not_split(monkeypatch):
    started = []
    monkeypatch.setattr(extractor, "_start_reader", lambda *args: started.append(args))
    short = CORPUS / "aoc-heidezoom-2024.pdf"  # 6 pages
    assert read_pages(short, "pdfium", readers=2) == list(open_pages(short))
    assert started == []


def test_a_single_file_in_a_batch_is_read_by_all_cores(monkeypatch, tmp_path):
    log = tmp_path / "readers.txt"
    real = extractor.extract_file

    def spy(path, engine="pdfium", sha256=None, ocr=False, readers=1):
        with open(log, "a", encoding="utf-8") as out:  # the worker is another process: it tells through a file
            out.write(f"{path.name} {readers}\n")
        return real(path, engine, sha256, ocr, readers)

    monkeypatch.setattr(extractor, "extract_file", spy)  # the forked workers run the patched module
    monkeypatch.setattr(extractor.os, "getloadavg", lambda: (0.0, 0.0, 0.0))  # an idle machine
    monkeypatch.setattr(extractor.os, "cpu_count", lambda: 2)
    one, = extract_many([LONG], cache=extractor.Cache(None), jobs=2)
    assert one.document == real(LONG) and not one.error
    assert log.read_text(encoding="utf-8").split("\n")[0] == f"{LONG.name} 2"
    log.unlink()
    short = CORPUS / "aoc-heidezoom-2024.pdf"
    outcomes = extract_many([LONG, short], cache=extractor.Cache(None), jobs=2)
    assert all(o.document for o in outcomes)
    # two files, two cores: one reader each
    assert sorted(log.read_text(encoding="utf-8").split()) == sorted([LONG.name, "1", short.name, "1"])


def test_a_busy_machine_reads_with_one_process(monkeypatch):
    monkeypatch.setattr(extractor.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(extractor.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert extractor.idle_readers(2) == 2
    assert extractor.idle_readers(1) == 1
    monkeypatch.setattr(extractor.os, "getloadavg", lambda: (1.4, 0.0, 0.0))  # one processor taken
    assert extractor.idle_readers(2) == 1
    monkeypatch.setattr(extractor.os, "getloadavg", lambda: (4.0, 0.0, 0.0))
    assert extractor.idle_readers(2) == 1


def test_no_helper_outlives_a_failure_of_the_first_pages(monkeypatch):
    real = extractor.open_pages
    started = []

    def first_pages_fail(path, engine="pdfium", start=0, stop=None):
        if start == 0 and os.getpid() == parent:
            raise KeyboardInterrupt  # e.g. the user stops the run while this process reads
        return real(path, engine, start, stop)

    def spy(*args):
        started.append(start_reader(*args))
        return started[-1]

    parent = os.getpid()
    start_reader = extractor._start_reader
    monkeypatch.setattr(extractor, "open_pages", first_pages_fail)
    monkeypatch.setattr(extractor, "_start_reader", spy)
    with pytest.raises(KeyboardInterrupt):
        read_pages(LONG, "pdfium", readers=2)
    assert started
    for pid, _ in started:  # killed and reaped
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
