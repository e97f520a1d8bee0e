"""A connection's WAL stays its own: opening the project again in the same process (the queue, a
web review, a test) must not drop the locks by which other processes see that the -wal file is
in use; if it did, another process closing the project would delete the -wal under the writer
and every decision written after that would be lost (a coder's work, silently)."""

from __future__ import annotations

import os
import subprocess
import sys

from kwaliteitscan.project.store import Project

OPEN_AND_CLOSE = "import sys; from kwaliteitscan.project.store import Project; Project(sys.argv[1]).close()"


def test_a_write_after_another_process_closed_the_project_is_kept(tmp_path):
    path = tmp_path / "p.sqlite"
    Project(path).close()
    writer = Project(path)
    try:
        writer.set_meta("before", "1")
        Project(path).close()  # a second connection in this process, opened and closed
        subprocess.run([sys.executable, "-c", OPEN_AND_CLOSE, str(path)], check=True,
                       env={**os.environ, "PYTHONPATH": os.getcwd()})
        assert path.with_name("p.sqlite-wal").exists()  # still there: the writer is using it
        writer.set_meta("after", "2")
        with Project(path) as reader:
            assert (reader.meta("before"), reader.meta("after")) == ("1", "2")
    finally:
        writer.close()
    with Project(path) as reader:
        assert reader.meta("after") == "2"
