"""The browser review end to end: `kwaliteitscan review --web` in a subprocess, driven in Debian's
headless chromium by Playwright. Decide by key and by button, arrow keys that never decide, a note,
reload and resume, two coders in two tabs (two servers, one per coder, as two coders would start
them) who stay blind, a server killed with SIGKILL mid-session that loses nothing, and the page at
1280x800 and 1024x768 without console errors (a CSP violation would be one)."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the browser review needs the web extra: pip install 'kwaliteitscan[web]'")
sync_api = pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright (in the test extra)")

from kwaliteitscan.project.store import Project  # noqa: E402

from ..browser import chromium  # noqa: E402
SOURCE = """# 3 Stagediscriminatie

Wij erkennen dat stagediscriminatie bij onze leerbedrijven voorkomt. Dat nemen wij serieus.

Wij richten in 2025 een meldpunt stagediscriminatie in. Studenten vinden het op de website.

Matching op leerwens doen wij in twee teams; bij sommige bedrijven gaat het nog op de klik.

Wij bespreken discriminatie op stage elk jaar met de studentenraad en leggen de afspraken vast.

De kantine is open van acht tot vier. Het rooster staat in de app.
"""


@pytest.fixture(scope="module")
def browser():
    executable = chromium("the browser review end to end")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True,
                                              args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def coded(tmp_path, make_pdf):
    from kwaliteitscan.pipeline.code import code_corpus

    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf(SOURCE, name="corpus/roc-aap-2024.pdf")
    return folder, code_corpus(folder, None, jobs=1).db


class Server:
    """`kwaliteitscan review --web --no-browser` in its own process group; `url` once it listens."""

    def __init__(self, folder: Path, db: Path, coder: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kwaliteitscan.cli", "review", str(folder), "--db", str(db), "--coder", coder,
             "--web", "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True)
        self.output: list[str] = []
        self.url = self._wait_for_url()

    def _wait_for_url(self, timeout: float = 60) -> str:
        selector = selectors.DefaultSelector()
        selector.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if selector.select(timeout=0.2):
                    line = self.proc.stdout.readline()
                    if not line:
                        break
                    self.output.append(line)
                    found = re.search(r"Review in the browser: (http://127\.0\.0\.1:\d+/r/[\w-]+/)", line)
                    if found:
                        return found.group(1)
                elif self.proc.poll() is not None:
                    break
        finally:
            selector.close()
        self.kill()
        pytest.fail(f"the review server printed no URL: {''.join(self.output)} {self.proc.stderr.read()}")

    def kill(self) -> None:
        """SIGKILL: no clean-up, no commit at exit (only the group this test started)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()

    def finish(self, timeout: float = 30) -> str:
        """Wait for the server to end by itself (after Stoppen); its remaining output."""
        out, err = self.proc.communicate(timeout=timeout)
        assert self.proc.returncode == 0, err
        return "".join(self.output) + out


@contextmanager
def server(folder, db, coder):
    running = Server(folder, db, coder)
    try:
        yield running
    finally:
        if running.proc.returncode is None:
            running.kill()


@contextmanager
def tab(browser, url, width=1280, height=800):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url)
    try:
        yield page
    finally:
        context.close()


def shown(page) -> str:
    return page.locator('input[name="shown"]').get_attribute("value")


def press(page, key: str) -> None:
    """A key that posts the form: wait for the page that follows (the decision is committed by then)."""
    with page.expect_navigation():
        page.keyboard.press(key)


def latest(db, coder="anna") -> dict:
    with Project(db) as project:
        return project.latest_decisions(coder)


def test_decide_by_key_and_button_reload_and_resume(browser, coded):
    folder, db = coded
    with server(folder, db, "anna") as running, tab(browser, running.url) as page:
        first = shown(page)
        press(page, "c")
        assert latest(db)[first]["decision"] == "confirmed"
        assert "Vastgelegd: bevestigd" in page.locator("#message").inner_text()
        second = shown(page)
        with page.expect_navigation():
            page.get_by_role("button", name="Afwijzen").click()
        assert latest(db)[second]["decision"] == "rejected"
        third = shown(page)
        for key in ("ArrowDown", "ArrowRight", "ArrowLeft", "ArrowUp", "PageDown", "PageUp", "End", "Home", "x"):
            page.keyboard.press(key)  # scrolling keys, and a key without a meaning: none decides
        page.wait_for_timeout(300)
        assert shown(page) == third and len(latest(db)) == 2
        page.keyboard.press("n")
        page.keyboard.type("c r u: letters typed in the note are text, not keys")
        page.keyboard.press("Escape")
        press(page, "u")
        row = latest(db)[third]
        assert (row["decision"], row["note"]) == ("uncertain", "c r u: letters typed in the note are text, not keys")
        fourth = shown(page)
        page.keyboard.press("m")
        assert page.locator("#move").get_attribute("open") is not None
        page.keyboard.press("c")  # not a digit: cancels the menu, as in the terminal, and decides nothing
        page.wait_for_timeout(300)
        assert page.locator("#move").get_attribute("open") is None and len(latest(db)) == 3
        page.keyboard.press("m")
        press(page, "2")
        second_theme = page.locator("#move .menu button").nth(1).get_attribute("value").split(":")[1]
        assert (latest(db)[fourth]["decision"], latest(db)[fourth]["theme"]) == ("confirmed", second_theme)
        page.keyboard.press("?")
        assert page.locator("#help dl").is_visible()
        here = shown(page)
        page.reload()
        assert shown(page) == here and len(latest(db)) == 4  # a reload resumes at the same passage
        press(page, "z")
        assert fourth not in latest(db) and shown(page) == fourth
        decided = set(latest(db))
        with page.expect_navigation():
            page.get_by_role("button", name="Stoppen").click()
        assert "Sessie gestopt" in page.content()
        output = running.finish()
        assert "3 decision(s) saved" in output
        assert page.errors == []
    with server(folder, db, "anna") as running, tab(browser, running.url) as page:
        assert shown(page) not in decided  # a new session resumes at the first undecided passage
        assert f"{len(decided)} van " in page.locator("#progress").inner_text()


def test_two_coders_in_two_tabs_stay_blind(browser, coded):
    """Two servers, one per coder (as each coder starts their own review), in two tabs of one browser."""
    folder, db = coded
    with server(folder, db, "anna") as anna_server, server(folder, db, "bram") as bram_server:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        try:
            anna, bram = context.new_page(), context.new_page()
            anna.goto(anna_server.url)
            bram.goto(bram_server.url)
            first = shown(anna)
            assert shown(bram) == first  # the same project, the same first passage
            press(anna, "c")
            bram.reload()
            assert shown(bram) == first  # anna's decision does not move bram on
            assert "0 van " in bram.locator("#progress").inner_text()
            assert "anna" not in bram.content()
            press(bram, "r")
            anna.reload()
            assert "bram" not in anna.content()
            assert "1 van " in anna.locator("#progress").inner_text()
        finally:
            context.close()
    assert latest(db, "anna")[first]["decision"] == "confirmed"
    assert latest(db, "bram")[first]["decision"] == "rejected"


def test_sigkill_mid_session_keeps_every_decision_made_before(browser, coded):
    folder, db = coded
    with server(folder, db, "kim") as running, tab(browser, running.url) as page:
        made = {}
        for key, decision in (("c", "confirmed"), ("r", "rejected"), ("u", "uncertain")):
            current = shown(page)
            press(page, key)
            made[current] = decision
        page.keyboard.press("p")  # a polarity flip pending, not yet a decision
        page.wait_for_load_state()
        running.kill()  # mid-session: the page is open, the server gone without any clean-up
        assert running.proc.returncode == -signal.SIGKILL
    assert {cid: row["decision"] for cid, row in latest(db, "kim").items()} == made
    with Project(db) as project:
        assert project.integrity() == []
    with server(folder, db, "kim") as running, tab(browser, running.url) as page:
        assert shown(page) not in made  # and the next session resumes after them
        assert f"{len(made)} van " in page.locator("#progress").inner_text()


def test_ctrl_c_ends_the_server_with_its_summary(browser, coded):
    folder, db = coded
    with server(folder, db, "anna") as running, tab(browser, running.url) as page:
        press(page, "c")
        running.proc.send_signal(signal.SIGINT)  # what Ctrl+C in its terminal sends
        output = running.finish()
        assert "1 decision(s) saved; 1 of " in output and "decided by anna" in output
    assert len(latest(db)) == 1


@pytest.mark.parametrize("width,height", [(1280, 800), (1024, 768)])
def test_the_page_fits_the_window(browser, coded, tmp_path, width, height):
    """Screenshots at both sizes (kept when KWALITEITSCAN_SCREENSHOTS names a folder); the passage, the
    decision buttons and the whole PDF page with its highlight are in view without scrolling."""
    folder, db = coded
    with server(folder, db, "anna") as running, tab(browser, running.url, width, height) as page:
        page.wait_for_load_state("networkidle")
        keep = Path(os.environ.get("KWALITEITSCAN_SCREENSHOTS") or tmp_path)
        keep.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(keep / f"review-{width}x{height}.png"))

        def inside(selector: str) -> bool:
            box = page.locator(selector).first.bounding_box()
            return box is not None and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width + 0.5 \
                and box["y"] + box["height"] <= height + 0.5

        for selector in ("#passage", "button[data-key='c']", "button[data-key='r']", "#page", "#page rect.hl"):
            assert inside(selector), f"{selector} is not in view at {width}x{height}"
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width  # no sideways scrolling
        loaded = page.evaluate("""() => new Promise(done => {
            const img = new Image(); img.onload = () => done(img.naturalWidth); img.onerror = () => done(0);
            img.src = document.querySelector('#page image').getAttribute('href'); })""")
        assert loaded > 500  # the rendered PDF page arrived (a PNG some 1100 pixels wide)
        assert page.errors == []
