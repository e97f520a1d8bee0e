"""Two open projects on one file in one process (a CLI command and the browser review's session, or a
notebook) lose no write when another process opens and closes the project meanwhile."""

from __future__ import annotations

import subprocess
import sys

from kwaliteitscan.project.store import Project

COUNT = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
         "print(c.execute('SELECT COUNT(*) FROM meta WHERE key LIKE \"k%\"').fetchone()[0]); c.close()")


def _seen_by_another_process(path) -> int:
    return int(subprocess.run([sys.executable, "-c", COUNT, str(path)], check=True, capture_output=True,
                              text=True).stdout)


def test_a_second_connection_does_not_drop_the_first_ones_locks(tmp_path):
    path = tmp_path / "p.sqlite"
    Project(path).close()
    with Project(path) as first, Project(path) as second:
        first.set_meta("k1", "a")
        assert _seen_by_another_process(path) == 1  # that process closes: it must not think it was alone
        second.set_meta("k2", "b")
        first.set_meta("k3", "c")
        assert _seen_by_another_process(path) == 3  # before, the WAL was deleted under us: this saw 1
    with Project(path) as again:
        assert [again.meta(k) for k in ("k1", "k2", "k3")] == ["a", "b", "c"]
