"""The browser front end of a review session: a local web page with the passage beside its PDF page.

`kwaliteitscan review CORPUS --coder NAME --web` serves one coder's ReviewSession (session.py,
along the review queue of queue.py) on 127.0.0.1: the passage with its matched terms marked, its
context, and the PDF page rendered beside it (pdfpage.py) with the passage highlighted. The same
single keys as the terminal review (a small script clicks the buttons; every button works without
it), and every decision is committed to the project at once by the session.

Protected like a local tool should be: the server binds to the loopback only; every path starts
with a random token (`/r/<token>/`) that only the printed URL carries, and a request without it
gets 403; a Host or Origin header other than 127.0.0.1:PORT or localhost:PORT (DNS rebinding, a
page of another site) gets 403; decisions are POSTs, each naming the passage it was made on, so a
stale tab never decides the wrong passage; no page is cached; every text from a PDF is escaped
by Jinja2's autoescaping and the page allows no inline script (Content-Security-Policy).

The Starlette app keeps its state in one WebReview; the ReviewSession (and its SQLite connection)
is made on first use in the thread that serves requests, and closed when the app shuts down.
"""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs

from ..codebook.model import MODEL_QUALIFIERS
from ..errors import InputError, KwaliteitscanError, UsageError
from ..untrusted import clean
from .session import KEYS, ReviewSession

try:
    import jinja2
    import uvicorn
    from starlette.applications import Starlette
    from starlette.background import BackgroundTask
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
    from starlette.routing import Route
except ImportError as exc:  # the optional extra is missing
    raise InputError("the browser review (--web) needs Starlette and uvicorn: pip install 'kwaliteitscan[web]'") \
        from exc

DECISION_NL = {"confirmed": "bevestigd", "rejected": "afgewezen", "uncertain": "onzeker", "pending": "open"}
POLARITY_NL = {"positive": "positief", "negative": "negatief"}
#: the buttons that post at once: key (one of the session's KEYS), action, Dutch label, style; m and a open a
#: theme menu and ? the help (review.html)
BUTTONS = (("c", "confirm", "Bevestigen", "yes"), ("r", "reject", "Afwijzen", "no"), ("u", "uncertain", "Onzeker", ""),
           ("p", "polarity", "Polariteit omdraaien", ""), ("n", "note", "Notitie bewaren", ""),
           ("s", "skip", "Overslaan", ""), ("z", "undo", "Ongedaan maken", ""), ("q", "quit", "Stoppen", ""))
HELP_NL = {"c": "bevestigen: de passage is bewijs voor dit thema", "r": "afwijzen: geen bewijs voor dit thema",
           "u": "onzeker: later nog eens bekijken", "m": "ander thema: bewijs, maar voor een ander thema (dan 1–9)",
           "a": "thema erbij: ook bewijs voor een ander thema (dan 1–9); de passage blijft staan",
           "p": "polariteit omdraaien (geldt voor de volgende beslissing)",
           "n": "notitie typen (gaat mee met de volgende beslissing; Esc om terug te gaan naar de toetsen)",
           "s": "overslaan (blijft open)", "z": "de laatste beslissing ongedaan maken",
           "q": "stoppen (alles is al bewaard)", "?": "deze hulp tonen of verbergen"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = [(b"cache-control", b"no-store"), (b"referrer-policy", b"same-origin"),
                    (b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                    (b"content-security-policy", CSP.encode())]
PAGE_CACHE = 24  # rendered PDF pages kept in memory
STOP_DELAY = 1.5  # seconds the server still answers after Stoppen


def loopback_socket(port: int = 0) -> socket.socket:
    """A listening socket on 127.0.0.1 (a free port when `port` is 0)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(16)
    except OSError as exc:
        sock.close()
        raise UsageError(f"port {port} on 127.0.0.1 cannot be used ({exc.strerror}); choose another --port or leave "
                         "it out for a free one") from exc
    return sock


@dataclass
class WebReview:
    """What the browser page shows and does, over one ReviewSession."""

    open_session: Callable[[], ReviewSession]
    book: object
    corpus: Path
    message: str = ""
    made: int = 0
    _session: ReviewSession | None = None
    _pdfs: dict[str, Path | None] = field(default_factory=dict)
    _images: dict[tuple[str, int], bytes] = field(default_factory=dict)
    _boxes: dict[tuple, list] = field(default_factory=dict)

    @property
    def session(self) -> ReviewSession:
        if self._session is None:
            self._session = self.open_session()
        return self._session

    def close(self) -> dict:
        """Close the project; returns what the session came to (for the terminal's last lines)."""
        if self._session is None:
            return {"made": self.made}
        session, self._session = self._session, None
        try:
            done, total, _ = session.progress()
            stop = session.stopping_rule()
            return {"made": self.made, "done": done, "total": total, "coder": session.coder,
                    "stop": stop["overall"] if stop else None}
        finally:
            session.project.close()

    # ------------------------------------------------------------------ labels

    @property
    def theme_labels(self) -> dict[str, str]:
        return {t.id: t.label for t in self.book.themes}

    def code_label(self, theme: str, code: str) -> str:
        from ..codebook.model import QUEUE_CODE

        if code == QUEUE_CODE:
            return "wachtrij (geen regel)"
        found = next((c.label for t in self.book.themes if t.id == theme for c in t.codes if c.id == code), None)
        return found or code

    def label(self, theme: str) -> str:
        return self.theme_labels.get(theme, theme)

    # ------------------------------------------------------------------ the PDF page

    def pdf(self, sha: str, file: str) -> Path | None:
        if sha not in self._pdfs:
            from ..extract.corpus import find_coded_pdf

            self._pdfs[sha] = find_coded_pdf(self.corpus, file, sha)
        return self._pdfs[sha]

    def page_png(self, sha: str, number: int) -> bytes | None:
        doc = next((d for d in self.session.project.documents() if d["sha256"] == sha), None)
        path = self.pdf(sha, doc["file"]) if doc else None
        if path is None:
            return None
        key = (sha, number)
        if key not in self._images:
            from .pdfpage import render_png

            if len(self._images) >= PAGE_CACHE:
                self._images.pop(next(iter(self._images)))
            self._images[key] = render_png(path, number)
        return self._images[key]

    def page_view(self, cand: dict) -> dict:
        """The page beside the passage: its image URL, shape and the passage's boxes; or why it is missing."""
        path = self.pdf(cand["document"], cand["file"])
        if path is None:
            return {"missing": f"{cand['file']} is niet (meer) te vinden in {self.corpus}, of is gewijzigd sinds "
                               "het coderen; de passage staat links."}
        from .pdfpage import page_aspect, passage_boxes

        key = (cand["document"], cand["page"], cand["passage"])
        try:
            if key not in self._boxes:
                self._boxes[key] = (page_aspect(path, cand["page"]), passage_boxes(path, cand["page"], cand["passage"]))
        except InputError as exc:
            return {"missing": exc.message}
        aspect, boxes = self._boxes[key]
        width = 1000
        return {"missing": None, "url": f"page/{cand['document']}/{cand['page']}.png", "width": width,
                "height": round(width * aspect),
                "boxes": [(b.left * width, b.top * width * aspect, b.width * width, b.height * width * aspect)
                          for b in boxes]}

    # ------------------------------------------------------------------ what the page shows

    def view(self) -> dict:
        session = self.session
        cand = session.current()
        done, total, per_theme = session.progress()
        order = [t for t in self.theme_labels if t in per_theme] + [t for t in per_theme if t not in self.theme_labels]
        view = {"coder": session.coder, "message": self.message, "done": done, "total": total,
                "per_theme": [(self.label(t), *per_theme[t]) for t in order],
                "themes": [(i, t, self.label(t)) for i, t in enumerate(self.theme_labels, start=1)],
                "buttons": BUTTONS, "help": [(k, HELP_NL.get(k, v)) for k, v in KEYS.items()],
                "resolve": session.role == "final", "cand": None, "stop": None}
        self.message = ""
        stop = session.stopping_rule()
        if stop is not None:
            met, left, recall = stop["overall"]
            view["stop"] = (f"wachtrij: nog ongeveer {left:.0f} relevante passage(s), geschatte recall {recall:.2f}"
                            + (" · de stopregel is gehaald" if met else ""))
        if cand is None:
            return view
        polarity = session.shown_polarity()
        qualifiers = {**MODEL_QUALIFIERS, **{q.id: q.label for q in getattr(self.book, "qualifiers", ())}}
        view.update({
            "cand": cand, "where": clean(f"{cand['institution']}" + (f" ({cand['year']})" if cand["year"] else "")),
            "file": clean(cand["file"]), "page": cand["page"], "theme": clean(self.label(cand["theme"])),
            "codes": clean(", ".join(self.code_label(cand["theme"], c) for c in cand["codes"])),
            "polarity": POLARITY_NL.get(polarity, polarity), "flipped": bool(session.pending.polarity),
            "qualifiers": clean(", ".join(qualifiers.get(q, q) for q in cand["qualifiers"])) or "–",
            "score": cand.get("queue_score"), "weak": cand["weak"], "heading": clean(cand.get("heading") or ""),
            "passage": marked(cand["passage"], cand["terms"]), "context": in_context(cand["context"], cand["passage"]),
            "note": session.pending.note, "position": session.position + 1, "queue": len(session.queue),
            "others": [(clean(name), _describe(row, self.label)) for name, row in session.other_views().items()],
            "pdf": self.page_view(cand),
        })
        return view

    # ------------------------------------------------------------------ what the buttons do

    def act(self, action: str, shown: str, note: str | None) -> bool:
        """Apply one button (or key) to the passage shown as `shown` (its id; '' when none was left).
        Returns False when the page was stale: then nothing is done and the page says so."""
        session = self.session
        cand = session.current()
        if (cand["id"] if cand else "") != shown:
            self.message = ("Deze pagina was niet meer actueel (een ander tabblad of de terugknop?); er is niets "
                            "vastgelegd. Hieronder staat de passage die nu aan de beurt is.")
            return False
        if note is not None and cand is not None:
            session.note(note)
        kind, _, theme = action.partition(":")
        if kind in ("confirm", "reject", "uncertain", "move") and cand is not None:
            polarity, note = session.shown_polarity(), session.pending.note  # what goes with the decision
            if kind == "move":
                if theme not in self.theme_labels:
                    self.message = "Onbekend thema; er is niets vastgelegd."
                    return True
                decided = session.move(theme)
                what = "bevestigd onder"
            else:
                decided = {"confirm": session.confirm, "reject": session.reject, "uncertain": session.uncertain}[kind]()
                theme = decided["theme"]
                what = {"confirm": "bevestigd:", "reject": "afgewezen:", "uncertain": "onzeker:"}[kind]
            self.made += 1
            self.message = clean(f"Vastgelegd: {what} {self.label(theme)} ({POLARITY_NL.get(polarity, polarity)}) · "
                                 f"{decided['institution']}, p. {decided['page']}"
                                 + (f" · notitie: {note}" if note else ""))
        elif kind == "add" and cand is not None:
            if theme not in self.theme_labels:
                self.message = "Onbekend thema; er is niets vastgelegd."
                return True
            try:
                session.add_theme(theme)
            except ValueError:
                self.message = "Een thema erbij kan alleen langs de wachtrij (niet met --candidates-only)."
                return True
            self.made += 1
            self.message = clean(f"Vastgelegd: ook {self.label(theme)}; beslis nu over de passage zelf.")
        elif kind == "polarity" and cand is not None:
            now = session.flip_polarity()
            self.message = f"Polariteit nu {POLARITY_NL.get(now, now)}; bevestig of kies onzeker om die te houden."
        elif kind == "note" and cand is not None:
            self.message = "Notitie bewaard voor de volgende beslissing." if session.pending.note else ""
        elif kind == "skip" and cand is not None:
            session.skip()
            self.message = "Overgeslagen; de passage blijft open."
        elif kind == "undo":
            back = session.undo()
            if back is not None:
                self.made -= 1
            self.message = (clean(f"Ongedaan gemaakt: {self.label(back['theme'])} · {back['institution']}, "
                                  f"p. {back['page']}") if back else "Niets om ongedaan te maken in deze sessie.")
        else:
            self.message = "Niets meer te beoordelen." if cand is None else f"Onbekende actie {action!r}."
        return True


def _describe(row: dict | None, label) -> str:
    if row is None:
        return "nog niet beslist"
    text = DECISION_NL.get(row["decision"], row["decision"])
    if row["decision"] == "confirmed":
        text += f" {label(row['theme'])} ({POLARITY_NL.get(row['polarity'], row['polarity'])})"
    return clean(text + (f" — {row['note']}" if row["note"] else ""))


def marked(text: str, terms: list[str]) -> list[tuple[str, bool]]:
    """The text in pieces, (piece, is a matched term): the template marks the terms and escapes all."""
    import re

    text = clean(text)
    wanted = sorted({clean(t) for t in terms if t.strip()}, key=len, reverse=True)
    if not wanted:
        return [(text, False)]
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    pieces, at = [], 0
    for hit in pattern.finditer(text):
        if hit.start() > at:
            pieces.append((text[at:hit.start()], False))
        pieces.append((hit.group(), True))
        at = hit.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def in_context(context: str, passage: str) -> list[tuple[str, bool]] | None:
    """The context in pieces, (piece, is the passage); None when the context is the passage itself."""
    context, passage = clean(context), clean(passage)
    if not context.strip() or context.strip() == passage.strip():
        return None
    at = context.find(passage.strip()) if passage.strip() else -1
    if at < 0:
        return [(context, False)]
    end = at + len(passage.strip())
    return [piece for piece in ((context[:at], False), (context[at:end], True), (context[end:], False)) if piece[0]]


# --------------------------------------------------------------------------- the app


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("kwaliteitscan.review", "webpage"),
                             autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env


def _asset(name: str) -> bytes:
    return resources.files("kwaliteitscan.review").joinpath("webpage", name).read_bytes()


class Guard:
    """ASGI middleware: only this server's Host, no foreign Origin, the token first in every path; and the
    security headers on every response."""

    def __init__(self, app, *, port: int, token: str) -> None:
        self.app, self.token = app, token
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        self.origins = {f"http://{host}" for host in self.hosts}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}

        async def secured(message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message, headers=list(message.get("headers", [])) + SECURITY_HEADERS)
            await send(message)

        refusal = self.refusal(headers, scope["path"])
        if refusal:
            await PlainTextResponse(refusal, status_code=403)(scope, receive, secured)
            return
        await self.app(scope, receive, secured)

    def refusal(self, headers: dict[str, str], path: str) -> str | None:
        if headers.get("host", "").lower() not in self.hosts:
            return "Verboden: deze server antwoordt alleen op 127.0.0.1 en localhost met zijn eigen poort."
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in self.origins:
            return "Verboden: een verzoek van een andere site."
        prefix = path.split("/", 3)
        if len(prefix) < 4 or prefix[1] != "r" or not secrets.compare_digest(prefix[2].encode(), self.token.encode()):
            return "Verboden: open de link met de sleutel die kwaliteitscan in de terminal toonde."
        return None


def create_app(review: WebReview, *, port: int, token: str, stop: Callable[[], None] = lambda: None,
               closed: Callable[[dict], None] = lambda summary: None):
    """The Starlette app over `review`, for a server on 127.0.0.1:`port` with this `token`.

    Every endpoint is a coroutine, so the session's SQLite connection is only used by the event
    loop's thread. `stop` ends the server (the Stoppen button); `closed` gets the summary at shutdown."""
    from contextlib import asynccontextmanager

    env = _templates()
    base = f"/r/{token}/"

    async def page(request: Request) -> Response:
        return HTMLResponse(env.get_template("review.html").render(**review.view()))

    async def act(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        one = lambda name: form[name][0] if name in form else None  # noqa: E731
        action = one("action") or ""
        if action == "quit":
            summary = review.session.progress()
            text = env.get_template("done.html").render(made=review.made, done=summary[0], total=summary[1],
                                                        coder=review.session.coder)
            return HTMLResponse(text, background=BackgroundTask(stop_soon))
        review.act(action, one("shown") or "", one("note"))
        return RedirectResponse(base, status_code=303)

    async def stop_soon() -> None:
        import asyncio

        await asyncio.sleep(STOP_DELAY)  # the goodbye page fetches its style sheet and icon first
        stop()

    async def page_image(request: Request) -> Response:
        try:
            png = review.page_png(request.path_params["sha"], request.path_params["number"])
        except InputError as exc:  # a page the PDF does not have, a PDF that cannot be opened
            return PlainTextResponse(exc.message, status_code=404)
        if png is None:
            return PlainTextResponse("Deze PDF is niet te vinden.", status_code=404)
        return Response(png, media_type="image/png")

    async def refused(request: Request, exc: KwaliteitscanError) -> Response:
        """A problem the coder can act on (the project locked by another process, ...): one line in the
        page; nothing was recorded, so the same key can be pressed again."""
        text = env.get_template("problem.html").render(message=exc.message)
        return HTMLResponse(text, status_code=503)

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        kinds = {"review.css": "text/css", "review.js": "text/javascript", "icon.svg": "image/svg+xml"}
        if name not in kinds:
            return PlainTextResponse("Niet gevonden.", status_code=404)
        return Response(_asset(name), media_type=kinds[name])

    @asynccontextmanager
    async def lifespan(app):
        yield
        closed(review.close())

    routes = [Route(base, page, methods=["GET"]), Route(base + "act", act, methods=["POST"]),
              Route(base + "page/{sha:str}/{number:int}.png", page_image, methods=["GET"]),
              Route(base + "static/{name:str}", asset, methods=["GET"])]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={KwaliteitscanError: refused})
    return Guard(app, port=port, token=token)


def serve(open_session: Callable[[], ReviewSession], book, corpus: Path, *, port: int = 0, open_browser: bool = True,
          echo: Callable[[str], None] = print) -> dict:
    """Serve the review on 127.0.0.1 until the coder presses Stoppen or Ctrl+C; returns the summary
    (decisions made, decided and total for the coder, the stopping rule)."""
    sock = loopback_socket(port)
    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(24)
    review = WebReview(open_session, book, Path(corpus))
    summary: dict = {}
    try:
        review.session  # opened here, in the thread the server's event loop runs in; errors show before serving
        servers: list = []
        app = create_app(review, port=port, token=token, stop=lambda: setattr(servers[0], "should_exit", True),
                         closed=summary.update)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, server_header=False,
                                               lifespan="on"))
        servers.append(server)
        url = f"http://127.0.0.1:{port}/r/{token}/"
        echo(f"Review in the browser: {url}")
        echo("Every decision is saved at once; press Stoppen in the page or Ctrl+C here to end.")
        if open_browser:
            note = open_browser_at(url)
            if note:
                echo(note)
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:  # uvicorn shut down cleanly on Ctrl+C and then raises it again: the usual end
            pass
    finally:
        sock.close()
        if not summary:
            summary.update(review.close())
    return summary


def open_browser_at(url: str) -> str | None:
    """Open `url` in the desktop's browser; a text browser that would take over this terminal is not
    started. Returns a note for the user when no browser was opened."""
    import webbrowser

    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return "No browser found: open the link above yourself."
    if isinstance(browser, webbrowser.GenericBrowser) and not isinstance(browser, webbrowser.BackgroundBrowser):
        return "Only a text browser was found: open the link above in a graphical browser."
    if not browser.open(url):
        return "The browser did not open: open the link above yourself."
    return None
