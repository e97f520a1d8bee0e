"""The browser review through Starlette's test client: the token, Host and Origin guards, no caching,
escaping, every decision committed to the project at once, stale pages, blind coders, the PDF page,
the keys, and a one-line error when the `web` extra is missing."""

from __future__ import annotations

import re
import socket
import sys
from contextlib import contextmanager

import pytest
from typer.testing import CliRunner

pytest.importorskip("starlette", reason="the browser review needs the web extra: pip install 'kwaliteitscan[web]'")

from starlette.testclient import TestClient  # noqa: E402

from kwaliteitscan.cli import app  # noqa: E402
from kwaliteitscan.errors import UsageError  # noqa: E402
from kwaliteitscan.project import project_codebook  # noqa: E402
from kwaliteitscan.project.store import Project  # noqa: E402
from kwaliteitscan.review.session import KEYS, ReviewSession  # noqa: E402
from kwaliteitscan.review.web import WebReview, create_app, loopback_socket  # noqa: E402

runner = CliRunner()
PORT = 8765  # the test client binds nothing: the port is only what Host and Origin must name
TOKEN = "een-sleutel-voor-de-tests"
BASE = f"/r/{TOKEN}/"
HOST = f"127.0.0.1:{PORT}"
SCRIPT = '<script>alert("xss")</script>'
SOURCE = f"""# 3 Stagediscriminatie

Wij erkennen dat stagediscriminatie bij onze leerbedrijven voorkomt {SCRIPT} en dat nemen wij serieus.

Wij richten in 2025 een meldpunt stagediscriminatie in. Studenten vinden het op de website.

De kantine is open van acht tot vier. Het rooster staat in de app.
"""


@pytest.fixture
def coded(tmp_path, make_pdf):
    """One agenda coded with the bundled codebook: (corpus folder, project file)."""
    from kwaliteitscan.pipeline.code import code_corpus

    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf(SOURCE, name="corpus/roc-aap-2024.pdf")
    return folder, code_corpus(folder, None, jobs=1).db


@contextmanager
def browser_client(folder, db, coder="anna", queue=True, resolve=()):
    with Project(db) as project:
        book = project_codebook(project)
    stopped, closed = [], {}

    def open_session():
        return ReviewSession(Project(db), coder, book=book if queue and not resolve else None,
                             codebook_version=f"{book.name} {book.version}", resolve_coders=resolve)

    review = WebReview(open_session, book, folder)
    asgi = create_app(review, port=PORT, token=TOKEN, stop=lambda: stopped.append(True), closed=closed.update)
    with TestClient(asgi, base_url=f"http://{HOST}", follow_redirects=False) as client:
        client.stopped = stopped
        yield client
    assert closed["made"] >= 0  # the app closed the session (and its project) at shutdown


def shown(html: str) -> str:
    return re.search(r'name="shown" value="([^"]*)"', html).group(1)


def decide(client, action: str, note: str | None = None, stale: str | None = None):
    page = client.get(BASE)
    form = {"action": action, "shown": stale if stale is not None else shown(page.text)}
    if note is not None:
        form["note"] = note
    return client.post(BASE + "act", data=form)


def latest(db, coder="anna") -> dict:
    with Project(db) as project:  # a second connection: what is committed, not what one connection holds
        return project.latest_decisions(coder)


# --------------------------------------------------------------------------- the guards


def test_without_the_token_every_request_is_refused(coded):
    folder, db = coded
    with browser_client(folder, db) as client:
        assert client.get(BASE).status_code == 200
        for path in ("/", "/r/", "/r/verkeerd/", f"/r/{TOKEN}", f"/r/{TOKEN[:-1]}/", "/favicon.ico",
                     f"/r/{TOKEN}x/static/review.js"):
            assert client.get(path).status_code == 403, path
        refused = client.post("/r/verkeerd/act", data={"action": "confirm", "shown": shown(client.get(BASE).text)})
        assert refused.status_code == 403 and "sleutel" in refused.text
    assert latest(db) == {}


def test_a_foreign_host_or_origin_is_refused(coded):
    folder, db = coded
    with browser_client(folder, db) as client:
        current = shown(client.get(BASE).text)
        for host in ("evil.example", f"evil.example:{PORT}", "127.0.0.1", f"127.0.0.1:{PORT + 1}", f"[::1]:{PORT}"):
            assert client.get(BASE, headers={"Host": host}).status_code == 403, host
        assert client.get(BASE, headers={"Host": f"localhost:{PORT}"}).status_code == 200
        for origin in ("http://evil.example", f"http://127.0.0.1:{PORT + 1}", "null", f"https://127.0.0.1:{PORT}"):
            answer = client.post(BASE + "act", data={"action": "confirm", "shown": current},
                                 headers={"Origin": origin})
            assert answer.status_code == 403, origin
        assert latest(db) == {}  # none of them decided anything
        ok = client.post(BASE + "act", data={"action": "confirm", "shown": current},
                         headers={"Origin": f"http://localhost:{PORT}"})
        assert ok.status_code == 303
    assert list(latest(db)) == [current]


def test_decisions_are_posts_and_pages_are_never_cached(coded):
    folder, db = coded
    with browser_client(folder, db) as client:
        page = client.get(BASE)
        assert client.get(BASE + "act").status_code == 405
        for answer in (page, client.get("/"), client.get(BASE + "static/review.js")):
            assert answer.headers["cache-control"] == "no-store"
            # "same-origin", not "no-referrer": with that, chromium posts the form with Origin: null
            assert answer.headers["referrer-policy"] == "same-origin"
            assert "script-src 'self'" in answer.headers["content-security-policy"]
            assert "unsafe-inline" not in answer.headers["content-security-policy"]
        # the only script is the page's own file: no inline script, no CDN, no other host
        assert re.findall(r"<script[^>]*>", page.text) == ['<script src="static/review.js" defer>']
        assert not re.search(r"(src|href)=\"(https?:)?//", page.text)


def test_every_passage_is_escaped(coded):
    folder, db = coded
    with browser_client(folder, db, queue=False) as client:  # the rule candidates: the <script> one is first
        seen = []
        for _ in range(10):
            html = client.get(BASE).text
            assert "<script>alert" not in html
            seen.append(html)
            if shown(html) == "":
                break
            decide(client, "skip")
        with_script = [h for h in seen if "&lt;script&gt;alert(" in h]
        assert with_script, "the passage with <script> was never shown"
        assert re.findall(r"<script[^>]*>", with_script[0]) == ['<script src="static/review.js" defer>']


# --------------------------------------------------------------------------- decisions


def test_every_decision_is_committed_at_once(coded):
    folder, db = coded
    with browser_client(folder, db) as client:
        first = shown(client.get(BASE).text)
        answer = decide(client, "confirm")
        assert answer.status_code == 303 and answer.headers["location"] == BASE
        assert latest(db)[first]["decision"] == "confirmed"  # committed before the next page is even asked for
        assert "Vastgelegd: bevestigd" in client.get(BASE).text
        second = shown(client.get(BASE).text)
        decide(client, "reject")
        third = shown(client.get(BASE).text)
        decide(client, "uncertain")
        fourth = shown(client.get(BASE).text)
        before = client.get(BASE).text
        flipped = "negatief" if 'id="polarity">positief' in before else "positief"
        decide(client, "polarity", note="eerst de polariteit")
        page = client.get(BASE).text
        assert f'id="polarity">{flipped}</strong> (omgedraaid)' in page
        assert "eerst de polariteit</textarea>" in page  # the note typed before the flip is kept
        decide(client, "move:goals", note="twijfel over de scope")
        decided = latest(db)
        assert [decided[c]["decision"] for c in (first, second, third)] == ["confirmed", "rejected", "uncertain"]
        moved = decided[fourth]
        assert (moved["decision"], moved["theme"], moved["note"]) == ("confirmed", "goals", "twijfel over de scope")
        assert moved["polarity"] == {"positief": "positive", "negatief": "negative"}[flipped]
        with Project(db) as project:
            goals = next(t.label for t in project_codebook(project).themes if t.id == "goals")
        assert f"Vastgelegd: bevestigd onder {goals}" in client.get(BASE).text
        decide(client, "undo")
        page = client.get(BASE).text
        assert fourth not in latest(db) and shown(page) == fourth and "Ongedaan gemaakt" in page


def test_a_theme_added_is_recorded_and_the_passage_stays(coded):
    folder, db = coded
    with browser_client(folder, db) as client:
        current = shown(client.get(BASE).text)
        decide(client, "add:informing_students")
        assert shown(client.get(BASE).text) == current
        added = [row for cid, row in latest(db).items() if cid.endswith("#informing_students")]
        assert [row["decision"] for row in added] == ["confirmed"]
        decide(client, "move:not-a-theme")
        assert "Onbekend thema" in client.get(BASE).text and current not in latest(db)


def test_when_all_is_decided_the_page_says_so_and_undo_still_works(coded):
    folder, db = coded
    with browser_client(folder, db, queue=False) as client:
        made = 0
        while shown(client.get(BASE).text):
            decide(client, "reject")
            made += 1
        page = client.get(BASE).text
        assert made >= 2 and "Niets meer te beoordelen" in page and f"{made} van {made} beslist" in page
        decide(client, "undo")
        assert shown(client.get(BASE).text) != "" and len(latest(db)) == made - 1


def test_a_stale_page_decides_nothing(coded):
    folder, db = coded
    with browser_client(folder, db) as client:
        old = shown(client.get(BASE).text)
        decide(client, "confirm")
        again = client.post(BASE + "act", data={"action": "reject", "shown": old})  # a second tab, or Back
        assert again.status_code == 303
        assert latest(db)[old]["decision"] == "confirmed" and len(latest(db)) == 1
        assert "niet meer actueel" in client.get(BASE).text


def test_a_reload_resumes_where_the_coder_was_and_a_new_server_too(coded):
    folder, db = coded
    with browser_client(folder, db) as client:
        decide(client, "confirm")
        decide(client, "skip")
        here = shown(client.get(BASE).text)
        assert shown(client.get(BASE).text) == here  # a reload shows the same passage
        decided = set(latest(db))
    with browser_client(folder, db) as client:  # the server again: the first undecided passage
        page = client.get(BASE).text
        assert shown(page) not in decided and f"{len(decided)} van " in page


def test_two_coders_stay_blind(coded):
    folder, db = coded
    with browser_client(folder, db, coder="anna") as anna:
        first = shown(anna.get(BASE).text)
        decide(anna, "confirm", note="anna's notitie")
        with browser_client(folder, db, coder="bram") as bram:
            page = bram.get(BASE).text
            assert shown(page) == first  # bram is offered the passage anna decided, undecided for him
            assert "anna" not in page and "0 van " in page
            decide(bram, "reject")
        assert "bram" not in anna.get(BASE).text
    assert latest(db, "anna")[first]["decision"] == "confirmed"
    assert latest(db, "bram")[first]["decision"] == "rejected"


# --------------------------------------------------------------------------- the page


def test_the_pdf_page_is_shown_with_the_passage_marked(coded):
    folder, db = coded
    with browser_client(folder, db, queue=False) as client:
        html = client.get(BASE).text
        image = re.search(r'<image href="(page/[0-9a-f]+/\d+\.png)"', html).group(1)
        png = client.get(BASE + image)
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(re.findall(r'<rect class="hl"', html)) >= 1
        assert "<mark>" in html  # the matched terms
        (folder / "roc-aap-2024.pdf").unlink()
    with browser_client(folder, db, queue=False) as client:
        html = client.get(BASE).text
        assert "niet (meer) te vinden" in html and "<svg" not in html
        assert client.get(BASE + image).status_code == 404


def test_a_page_the_pdf_does_not_have_is_a_404(coded):
    folder, db = coded
    with browser_client(folder, db) as client:
        image = re.search(r'<image href="page/([0-9a-f]+)/\d+\.png"', client.get(BASE).text).group(1)
        answer = client.get(BASE + f"page/{image}/9.png")
        assert answer.status_code == 404 and "has no page 9" in answer.text
        assert client.get(BASE + f"page/{'0' * 64}/1.png").status_code == 404


def test_a_locked_project_is_one_line_in_the_page_and_nothing_is_lost(coded, monkeypatch):
    from kwaliteitscan.errors import ProjectError

    folder, db = coded
    with browser_client(folder, db) as client:
        current = shown(client.get(BASE).text)
        real = Project.add_decision

        def locked(self, *args, **kwargs):
            raise ProjectError(f"{db}: the project is locked by another kwaliteitscan process; wait for it")

        monkeypatch.setattr(Project, "add_decision", locked)
        answer = decide(client, "confirm")
        assert answer.status_code == 503 and "locked by another kwaliteitscan process" in answer.text
        assert "Traceback" not in answer.text and latest(db) == {}
        monkeypatch.setattr(Project, "add_decision", real)
        assert shown(client.get(BASE).text) == current  # the same passage: press the key again
        decide(client, "confirm")
        assert latest(db)[current]["decision"] == "confirmed"


def test_the_lead_coder_sees_what_each_coder_decided(coded):
    folder, db = coded
    with browser_client(folder, db, coder="anna", queue=False) as anna:
        first = shown(anna.get(BASE).text)
        decide(anna, "confirm", note="<b>zeker</b>")
    with browser_client(folder, db, coder="bram", queue=False) as bram:
        decide(bram, "reject")
    with browser_client(folder, db, coder="lead", resolve=("anna", "bram")) as lead:
        page = lead.get(BASE).text
        assert shown(page) == first and "eindoordeel" in page
        assert "<strong>anna</strong>: bevestigd" in page and "&lt;b&gt;zeker&lt;/b&gt;" in page
        assert "<strong>bram</strong>: afgewezen" in page
        decide(lead, "reject")
    with Project(db) as project:
        assert project.latest_decisions(None, role="final")[first]["decision"] == "rejected"


def test_every_key_of_the_terminal_has_its_button(coded):
    folder, db = coded
    with browser_client(folder, db) as client:
        html = client.get(BASE).text
        assert set(re.findall(r'data-key="([^"]+)"', html)) == set(KEYS)
        assert client.get(BASE + "static/review.js").headers["content-type"].startswith("text/javascript")
        assert client.get(BASE + "static/other.js").status_code == 404


def test_stoppen_ends_the_server(coded, monkeypatch):
    import kwaliteitscan.review.web as web

    monkeypatch.setattr(web, "STOP_DELAY", 0)
    folder, db = coded
    with browser_client(folder, db) as client:
        decide(client, "confirm")
        answer = decide(client, "quit")
        assert answer.status_code == 200 and "Sessie gestopt" in answer.text and "1 beslissing(en)" in answer.text
        assert client.stopped == [True]


# --------------------------------------------------------------------------- the command


def test_a_busy_port_is_a_usage_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        with pytest.raises(UsageError, match="choose another --port"):
            loopback_socket(taken.getsockname()[1])
    free = loopback_socket(0)
    try:
        assert free.getsockname()[0] == "127.0.0.1" and free.getsockname()[1] > 0
    finally:
        free.close()


def test_without_the_web_extra_one_line_names_it(coded, monkeypatch):
    folder, db = coded
    monkeypatch.delitem(sys.modules, "kwaliteitscan.review.web")
    monkeypatch.setitem(sys.modules, "starlette", None)  # as if Starlette were not installed
    monkeypatch.setitem(sys.modules, "starlette.applications", None)
    result = runner.invoke(app, ["review", str(folder), "--db", str(db), "--coder", "anna", "--web", "--no-browser"])
    assert result.exit_code == 3
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "pip install 'kwaliteitscan[web]'" in lines[0]
    assert latest(db) == {}
