"""Many processes creating the same new project at once (a lab starting `code` from several
terminals, a batch script) each either succeed or say the project is busy; never 'not a
kwaliteitscan project' or a half-applied migration."""

from __future__ import annotations

import multiprocessing
import sqlite3

from kwaliteitscan.project.store import APPLICATION_ID, SCHEMA_VERSION, Project


def _open_and_write(path) -> str:
    try:
        with Project(path) as project:
            project.set_meta("opened-by", str(multiprocessing.current_process().pid))
        return "ok"
    except Exception as exc:  # noqa: BLE001 - the outcome is what the test counts
        return f"{type(exc).__name__}: {exc}"


def test_racing_first_runs_succeed_or_say_busy(tmp_path):
    outcomes = []
    context = multiprocessing.get_context("fork")
    with context.Pool(12) as pool:
        for trial in range(8):
            path = tmp_path / f"p{trial}.sqlite"
            outcomes += pool.map(_open_and_write, [path] * 12)
            db = sqlite3.connect(path)
            assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            db.close()
    odd = [o for o in outcomes if o != "ok" and "locked by another kwaliteitscan process" not in o]
    assert not odd, odd[:3]
    assert outcomes.count("ok") >= len(outcomes) * 0.9
