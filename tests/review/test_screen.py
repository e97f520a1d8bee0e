"""The full-screen review (Textual), driven key by key with Textual's pilot on a small coded project;
and once through a real pseudo-terminal, where arrow keys arrive as escape sequences."""

from __future__ import annotations

import asyncio
import io
import os
import sqlite3
import subprocess
import sys
import time

import pytest
from textual.widgets import Static

from kwaliteitscan.pipeline.code import code_corpus
from kwaliteitscan.project import project_codebook
from kwaliteitscan.project.store import Project
from kwaliteitscan.review.screen import HelpScreen, Pane, ReviewApp, ReviewScreen, ThemeMenu, key_line
from kwaliteitscan.review.session import ReviewSession
from ..conftest import DATA_DIR

MINI_ORDER = ["acknowledgement", "reporting_desk", "objective_matching"]  # tests/data/mini.yaml
NAVIGATION = ["up", "down", "left", "right", "pageup", "pagedown", "home", "end", "tab", "shift+tab"]

BODY = ("# 4 Stages\n\nWij erkennen dat stagediscriminatie een probleem is. Die erkenning delen wij.\n\n"
        "Een apart meldpunt achten wij niet nodig; studenten melden stagediscriminatie bij de mentor.\n\n"
        "In 2026 openen wij een meldpunt voor discriminatie.")
#: one sentence of about 1,900 characters in a paragraph of about 3,100: far more than 80 x 24 shows
LONG = ("# 4 Stages\n\nWij erkennen dat stagediscriminatie een probleem is, "
        + " ".join(f"en daarnaast werken wij in team {i} samen met de leerbedrijven in de regio" for i in range(25))
        + ". " + " ".join(f"Het rooster van opleiding {i} staat in de app." for i in range(30))
        + "\n\nIn 2026 openen wij een meldpunt voor discriminatie.")


def _coded(tmp_path, make_pdf, body: str, codebook=DATA_DIR / "mini.yaml"):
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf(body, name="corpus/roc-aap-2024.pdf")
    return folder, code_corpus(folder, codebook, jobs=1).db


@pytest.fixture
def coded(tmp_path, make_pdf):
    """Three rule candidates of the mini codebook in one agenda: (corpus folder, project file)."""
    return _coded(tmp_path, make_pdf, BODY)


def drive(db, scenario, size=(80, 24), coder="anna", queue=False, resolve=()):
    """Run the review headless on project `db` and hand `scenario(app, pilot, session)` the pilot;
    returns what the app returned (the number of decisions made) and what the scenario returned."""

    async def main():
        with Project(db) as project:
            book = project_codebook(project)
            session = ReviewSession(project, coder, book=book if queue else None, codebook_version="t",
                                    resolve_coders=resolve)
            app = ReviewApp(session, book)
            async with app.run_test(size=size) as pilot:
                await pilot.pause()
                result = await scenario(app, pilot, session)
            return app.return_value, result

    return asyncio.run(main())


def decided(db, coder="anna") -> dict[str, dict]:
    with Project(db) as project:
        return project.latest_decisions(coder)


def text(app, selector: str) -> str:
    """What a Static on the review screen shows, as plain text."""
    widget = app.screen.query_one(selector)
    if not isinstance(widget, Static):  # a container of lines, such as the header
        return "\n".join(text(app, f"#{child.id}") for child in widget.query(Static) if child.display)
    return widget.content if isinstance(widget.content, str) else widget.content.plain


def rendered(renderable, width: int = 80) -> str:
    from rich.console import Console

    console = Console(width=width, file=io.StringIO(), record=True)
    console.print(renderable)
    return console.export_text()


def test_navigation_keys_never_decide_and_c_does(coded):
    folder, db = coded

    async def scenario(app, pilot, session):
        first = session.current()
        for key in NAVIGATION:
            await pilot.press(key)
            assert session.current()["id"] == first["id"], key
            assert decided(db) == {}, f"{key} recorded a decision"
            assert not text(app, "#status"), f"{key} said something: unknown key?"
        await pilot.press("c")  # the keys do reach the review: c decides
        return first

    made, first = drive(db, scenario)
    [(cid, row)] = decided(db).items()
    assert (cid, row["decision"]) == (first["id"], "confirmed")
    assert made is None  # the app was not quit with q


def test_c_records_confirmed_and_the_screen_says_so(coded):
    folder, db = coded

    async def scenario(app, pilot, session):
        first = session.current()
        assert first["passage"].strip() in text(app, "#passage")
        await pilot.press("c")
        status = text(app, "#status")
        assert "Vastgelegd (ROC Aap, blz. 1): bevestigd — Erkennen, positief" in status  # the codebook's label
        assert "acknowledgement" not in status + text(app, "#header")  # never the English id
        assert app.screen.query_one("#status").has_class("flash")
        second = session.current()
        assert second["id"] != first["id"] and second["passage"] in text(app, "#passage")
        assert "passage 2 van 3" in text(app, "#header") and "1 van 3 beslist" in text(app, "#header")
        await pilot.press("r")
        assert "Vastgelegd (ROC Aap, blz. 1): afgewezen — Meldpunt" in text(app, "#status")
        await pilot.press("u")
        assert "): twijfel — Meldpunt" in text(app, "#status")
        assert "Niets meer te beoordelen" in text(app, "#header")
        await pilot.press("c")  # nothing left: says so, records nothing
        assert "Niets meer te beoordelen" in text(app, "#status")
        await pilot.press("q")
        return first

    made, first = drive(db, scenario)
    assert made == 3
    assert sorted(r["decision"] for r in decided(db).values()) == ["confirmed", "rejected", "uncertain"]
    assert decided(db)[first["id"]]["decision"] == "confirmed"


def test_a_note_and_a_flipped_polarity_survive_undo(coded):
    folder, db = coded

    async def scenario(app, pilot, session):
        first = session.current()
        await pilot.press("n", *"twijfel over de scope", "enter")
        assert "notitie: twijfel over de scope" in text(app, "#views")
        await pilot.press("p")
        assert "(omgedraaid)" in text(app, "#header")
        await pilot.press("c")
        row = decided(db)[first["id"]]
        assert (row["note"], row["polarity"]) == ("twijfel over de scope", _flip(first["polarity"]))
        assert "notitie: twijfel over de scope" in text(app, "#status")
        await pilot.press("z")
        assert first["id"] not in decided(db)  # taken back
        assert session.current()["id"] == first["id"]
        assert "notitie: twijfel over de scope" in text(app, "#views")  # the note is back on screen
        assert "(omgedraaid)" in text(app, "#header") and "Ongedaan gemaakt" in text(app, "#status")
        await pilot.press("c")  # decided again: the note and the polarity go with it again
        return first

    made, first = drive(db, scenario)
    row = decided(db)[first["id"]]
    assert (row["decision"], row["note"], row["polarity"]) == ("confirmed", "twijfel over de scope",
                                                              _flip(first["polarity"]))


def _flip(polarity: str) -> str:
    return "negative" if polarity == "positive" else "positive"


def test_question_mark_shows_the_help_and_decision_keys_do_nothing_under_it(coded):
    folder, db = coded

    async def scenario(app, pilot, session):
        await pilot.press("?")
        assert isinstance(app.screen, HelpScreen)
        shown = rendered(app.screen.text)
        assert "bevestigen" in shown and "Navigeren (legt nooit iets vast)" in shown
        assert shown.index("Erkennen") < shown.index("Meldpunt")  # the codebook's theme order
        await pilot.press("c", "r", "down")
        assert decided(db) == {} and isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)

    drive(db, scenario)
    assert decided(db) == {}


def test_move_and_add_menus_list_the_themes_in_the_codebooks_order(coded):
    folder, db = coded

    async def scenario(app, pilot, session):
        first = session.current()
        await pilot.press("m")
        assert isinstance(app.screen, ThemeMenu)
        assert app.screen.ids == MINI_ORDER
        await pilot.press("escape")
        assert decided(db) == {} and "niets vastgelegd" in text(app, "#status")
        await pilot.press("m", "down")  # arrows move in the menu; only the choice decides
        assert decided(db) == {}
        await pilot.press("enter")
        return first, text(app, "#status")

    (_, (first, status)) = drive(db, scenario)
    row = decided(db)[first["id"]]
    assert (row["decision"], row["theme"]) == ("confirmed", MINI_ORDER[1]) and "(ander thema)" in status


def test_an_unknown_key_gets_a_hint_not_a_decision(coded):
    folder, db = coded

    async def scenario(app, pilot, session):
        await pilot.press("x")
        assert "Onbekende toets 'x'" in text(app, "#status")

    drive(db, scenario)
    assert decided(db) == {}


def test_the_header_stays_pinned_at_80x24_for_a_long_passage(tmp_path, make_pdf):
    folder, db = _coded(tmp_path, make_pdf, LONG)

    async def scenario(app, pilot, session):
        screen = app.screen
        header, keys = screen.query_one("#header"), screen.query_one("#keys")
        passage, context = screen.query_one("#passage-pane", Pane), screen.query_one("#context-pane", Pane)
        cand = session.current()
        assert len(cand["passage"]) > 1500 and len(cand["context"]) > len(cand["passage"])
        top = header.region
        assert (top.x, top.y, top.width) == (0, 0, 80) and 3 <= top.height <= 8
        for line in ("ROC", "roc-aap-2024.pdf", "blz. 1", "Erkennen", "polariteit", "kwalificaties",
                     "passage 1 van 2"):
            assert line in text(app, "#header")
        assert passage.region.y >= top.bottom and context.region.y >= passage.region.bottom
        assert keys.region.bottom == 24 and context.region.bottom <= keys.region.y
        assert passage.max_scroll_y > 0 and context.max_scroll_y > 0  # both longer than their panes
        assert app.focused is passage
        await pilot.press("pagedown", "down")
        assert passage.scroll_y > 0 and context.scroll_y == 0  # each pane scrolls on its own
        await pilot.press("right", "end")
        assert app.focused is context and context.scroll_y == context.max_scroll_y > 0
        await pilot.press("home", "left")
        assert context.scroll_y == 0 and app.focused is passage
        top_line = screen.get_widget_at(1, 0)[0]
        assert header.region == top and top_line.id == "where"  # still at the top, saying where the passage is
        assert text(app, "#where").startswith("ROC Aap (2024) · blz. 1")
        assert decided(db) == {}
        await pilot.press("c")
        assert header.region.y == 0 and passage.scroll_y == 0  # the next passage starts at its top

    drive(db, scenario)


def test_a_wide_terminal_shows_progress_per_theme_in_the_codebooks_order(coded):
    folder, db = coded

    async def scenario(app, pilot, session):
        head = text(app, "#header")
        assert "beslist: Erkennen 0/1  Meldpunt 0/2" in head
        assert "\n" not in key_line(158).plain  # the keys fit on one line
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert "Erkennen 0/1" not in text(app, "#header")
        assert "\n" in text(app, "#keys")  # two lines, broken between keys
        assert all(not line.rstrip().endswith((" c", " r", " n")) for line in text(app, "#keys").splitlines())

    drive(db, scenario, size=(160, 45))


def test_along_the_queue_the_header_has_the_stopping_rule_and_a_adds_a_theme(tmp_path, make_pdf):
    source = ("# 3 Stagediscriminatie\n\nWij erkennen dat stagediscriminatie bij onze leerbedrijven voorkomt. "
              "Dat nemen wij serieus.\n\nWij richten in 2025 een meldpunt stagediscriminatie in. Studenten vinden "
              "het op de website.\n\nDe kantine is open van acht tot vier. Het rooster staat in de app.\n")
    folder, db = _coded(tmp_path, make_pdf, source, codebook=None)

    async def scenario(app, pilot, session):
        assert "stopregel: nog ~" in text(app, "#header") and "recall ~" in text(app, "#header")
        shown = session.current()
        await pilot.press("a")
        menu = app.screen
        other = next(i for i, t in enumerate(menu.ids, start=1) if t != shown["theme"])
        await pilot.press(str(other))
        assert "beslis nu over de passage zelf" in text(app, "#status")
        assert session.current()["id"] == shown["id"]  # still on screen for its own decision
        await pilot.press("c")
        return shown, menu.ids[other - 1]

    made, (shown, other) = drive(db, scenario, queue=True)
    themes = {r["theme"] for r in decided(db).values() if r["decision"] == "confirmed"}
    assert themes == {shown["theme"], other}


def test_resolving_shows_what_each_coder_decided(coded):
    folder, db = coded
    with Project(db) as project:
        anna, bram = ReviewSession(project, "anna"), ReviewSession(project, "bram")
        anna.note("geen erkenning van het eigen probleem")
        anna.reject()
        bram.confirm()

    async def scenario(app, pilot, session):
        views = text(app, "#views")
        assert "anna: afgewezen · Erkennen — geen erkenning van het eigen probleem" in views
        assert "bram: bevestigd · Erkennen · positief" in views
        await pilot.press("c")
        assert "Niets meer te beoordelen" in text(app, "#header")

    drive(db, scenario, coder="lead", resolve=("anna", "bram"))
    with Project(db) as project:
        assert [r["decision"] for r in project.latest_decisions(None, role="final").values()] == ["confirmed"]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_arrow_keys_from_a_real_terminal_never_decide(coded):
    """The bug this screen fixes: ESC [ C (→) ended in 'C' and was taken as confirm. Through a pseudo-terminal
    the review is full-screen and gets the bytes a terminal sends; only the 'c' after them decides."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    folder, db = coded
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    out = bytearray()

    def read_until(done, seconds=60.0) -> bool:
        deadline = time.time() + seconds
        while time.time() < deadline:
            if done():
                return True
            if select.select([master], [], [], 0.1)[0]:
                try:
                    out.extend(os.read(master, 65536))
                except OSError:  # the child closed the terminal
                    return done()
        return done()

    def count() -> int:
        with sqlite3.connect(db) as con:
            return con.execute("SELECT count(*) FROM decisions WHERE coder = 'tty'").fetchone()[0]

    env = dict(os.environ, TERM="xterm-256color", COLUMNS="80", LINES="24")
    proc = subprocess.Popen([sys.executable, "-m", "kwaliteitscan.cli", "review", str(folder), "--db", str(db),
                             "--coder", "tty"], stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True)
    os.close(slave)
    try:
        assert read_until(lambda: b"polariteit" in out), "the full-screen review did not start"
        # right, left, up, down (CSI and SS3 forms), PageDown, PageUp, Home, End
        os.write(master, b"\x1b[C\x1b[D\x1b[A\x1b[B\x1bOC\x1bOD\x1b[6~\x1b[5~\x1b[H\x1b[F\x1b[1;5C")
        os.write(master, b"c")
        assert read_until(lambda: count() >= 1), "the c after the arrows was not recorded"
        os.write(master, b"q")
        assert read_until(lambda: b"decision(s) saved" in out), out[-3000:]
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        os.close(master)
    assert count() == 1  # keys are handled in order: by the time c was saved, every arrow had been read
    assert [r["decision"] for r in decided(db, "tty").values()] == ["confirmed"]
    assert b"1 decision(s) saved" in out and proc.returncode == 0


def test_the_line_loop_for_pipes_reads_past_escape_sequences_too(coded):
    from typer.testing import CliRunner

    from kwaliteitscan.cli import app

    folder, db = coded
    result = CliRunner().invoke(app, ["review", str(folder), "--db", str(db), "--coder", "anna"],
                                input="\x1b[C\x1b[D\x1bOC\x1b[6~\x1b[1;5Cq")
    assert result.exit_code == 0, result.output
    assert decided(db) == {} and "unknown key" not in result.output
    result = CliRunner().invoke(app, ["review", str(folder), "--db", str(db), "--coder", "anna"], input="\x1b[Ccq")
    assert [r["decision"] for r in decided(db).values()] == ["confirmed"]
