"""extract_many calls `while_extracting` once, after the last worker started and before the
results are in, so slow set-up (spaCy) overlaps with extraction; never for a cached run."""

from __future__ import annotations

from kwaliteitscan.extract.extractor import Cache, extract_many


def test_while_extracting_runs_once_after_the_last_worker_started(tmp_path, make_pdf):
    pdfs = [make_pdf(f"# Stage\n\nAgenda {k} over stages.\n", name=f"a{k}.pdf") for k in range(3)]
    events: list[str] = []
    cache = Cache(tmp_path / "cache")
    extract_many(pdfs, cache=cache, jobs=2, on_done=lambda o: events.append("done"),
                 while_extracting=lambda: events.append("overlap"))
    assert events.count("overlap") == 1 and len(events) == 4
    # with two workers for three files, the third starts after one finished: the overlap comes then
    assert events.index("overlap") >= 1
    events.clear()
    outcomes = extract_many(pdfs, cache=cache, jobs=2, while_extracting=lambda: events.append("overlap"))
    assert all(o.cached for o in outcomes) and events == []
