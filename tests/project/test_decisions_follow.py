"""Decisions follow their passage's text, not the file's bytes, pages or offsets: an agenda saved
again, laid out again or given more text in front keeps every decision whose sentence still
exists (a property test over layouts and shifts), and a `code` run killed at any phase loses
nothing: the next run ends with every decision attached."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kwaliteitscan.pipeline.code import code_corpus
from kwaliteitscan.project.store import Project
from kwaliteitscan.testing.demo_pdf import render_text

from ..conftest import DATA_DIR

BOOK = DATA_DIR / "mini.yaml"
THEMED = ["Wij erkennen dat stagediscriminatie een probleem is. Die erkenning delen wij met de bedrijven.",
          "Een apart meldpunt achten wij niet nodig; studenten melden stagediscriminatie bij de mentor.",
          "Matching op leerwens doen wij in twee teams, zodat discriminatie bij de matching geen kans krijgt.",
          "Ook racisme op de stage komt voor, dat erkennen wij zonder voorbehoud.",
          "In 2026 openen wij een meldpunt voor discriminatie, bereikbaar voor iedere student."]
FILLER = ("De opleidingen werken met het team aan de kwaliteit van het onderwijs en de begeleiding van "
          "studenten in de beroepspraktijk, in overleg met het werkveld en de regio.")


def _body(shift: int, spread: int) -> str:
    """The themed paragraphs with `shift` filler paragraphs in front and `spread` between each."""
    parts = ["# 4 Stages"] + [FILLER] * shift
    for paragraph in THEMED:
        parts += [paragraph] + [FILLER] * spread
    return "\n\n".join(parts)


def _decide_all(db: Path) -> dict[str, str]:
    """Every candidate decided by one coder, alternately confirmed and rejected: {quote: decision}."""
    with Project(db) as project:
        made = {}
        for k, candidate in enumerate(project.candidates()):
            decision = "confirmed" if k % 2 == 0 else "rejected"
            project.add_decision(candidate, "anna", decision)
            made[(candidate["passage"], candidate["theme"])] = decision
    return made


def _attached(db: Path) -> dict:
    with Project(db) as project:
        live = {c["id"]: c for c in project.candidates()}
        return {(live[cid]["passage"], live[cid]["theme"]): row["decision"]
                for cid, row in project.latest_decisions("anna").items() if cid in live}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout=st.sampled_from(["one-column", "two-column"]), shift=st.integers(0, 30), spread=st.integers(0, 4),
       header=st.booleans())
def test_every_decision_follows_a_relaid_agenda(layout, shift, spread, header):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        pdf = folder / "roc-aap-2024.pdf"
        render_text(_body(0, 0), pdf)
        db = code_corpus(folder, BOOK, jobs=1).db
        made = _decide_all(db)
        assert len(made) >= 5
        render_text(_body(shift, spread), pdf, layout=layout, header=header)  # new pages, offsets, lines
        summary = code_corpus(folder, BOOK, jobs=1)
        assert summary.unattached == [], [r["quote"] for r in summary.unattached]
        assert _attached(db) == made


KILLER = """
import os, signal, sys
from kwaliteitscan.pipeline import code as pipeline
from kwaliteitscan.project import store

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

phase = sys.argv[3]
if phase == "extract":
    real_extract = pipeline.extract_many
    def extract_many(*args, **kwargs):
        return real_extract(*args, **{**kwargs, "on_done": die})
    pipeline.extract_many = extract_many
elif phase == "store":  # inside a document's transaction: the old rows deleted, the new ones not yet written
    store._candidate_row = die
elif phase == "reattach":
    store._best_matches = die
pipeline.code_corpus(sys.argv[1], sys.argv[2], jobs=1)
"""


def test_a_code_run_killed_at_any_phase_loses_no_decision(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    pdf = folder / "roc-aap-2024.pdf"
    render_text(_body(0, 0), pdf)
    db = code_corpus(folder, BOOK, jobs=1).db
    made = _decide_all(db)
    for round, phase in enumerate(("extract", "store", "reattach")):
        render_text(_body(round + 1, round), pdf, layout="two-column" if round % 2 else "one-column")
        killed = subprocess.run([sys.executable, "-c", KILLER, str(folder), str(BOOK), phase],
                                capture_output=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
        assert killed.returncode == -signal.SIGKILL, (phase, killed.stderr.decode()[-2000:])
        summary = code_corpus(folder, BOOK, jobs=1)
        assert summary.unattached == [], phase
        assert _attached(db) == made, phase
        with Project(db) as project:
            assert project.integrity() == []
