"""The full-screen review (Textual): a pinned header, the passage and its context in panes that
scroll on their own, a single key per decision, the menus and the help as overlays.

This module only draws a ReviewSession and hands it the coder's keys; the session decides and
commits every decision at once. Navigation keys (arrows, PageUp/PageDown, Home/End, Tab) scroll
the panes or move between them and never decide. Everything the coder reads is Dutch, with the
theme, code and qualifier labels taken from the codebook, themes always in the codebook's order.
terminal.py keeps the line-based loop for pipes and scripts.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ..codebook.model import MODEL_QUALIFIERS
from ..errors import KwaliteitscanError
from ..untrusted import clean
from .session import ReviewSession
from .terminal import highlight

DECISIONS = {"confirmed": "bevestigd", "rejected": "afgewezen", "uncertain": "twijfel", "pending": "open"}
POLARITIES = {"positive": "positief", "negative": "negatief"}
#: the code of a passage the review queue proposes without a rule hit (review/queue.py)
QUEUE_CODE = "wachtrij"
FLASH_SECONDS = 3.0

#: (key shown, what it does): the key line and the help overlay
KEY_HELP = (
    ("c", "bevestigen"), ("r", "afwijzen"), ("u", "twijfel"), ("m", "ander thema"), ("a", "+thema"),
    ("p", "polariteit"), ("n", "notitie"), ("s", "overslaan"), ("z", "ongedaan"), ("q", "stoppen"),
    ("?", "hulp"),
)
NAVIGATION_HELP = (
    ("↑ ↓", "regel voor regel door het venster met de focus"),
    ("PgUp PgDn", "een venster verder of terug"),
    ("Home End", "naar het begin of het einde van het venster"),
    ("← → Tab", "naar het passagevenster of het contextvenster"),
)


@dataclass(frozen=True)
class Labels:
    """The codebook's Dutch labels, the themes in the codebook's order."""

    themes: dict[str, str]
    codes: dict[tuple[str, str], str]
    qualifiers: dict[str, str]

    @classmethod
    def of(cls, book) -> "Labels":
        return cls({t.id: t.label for t in book.themes},
                   {(t.id, c.id): c.label for t in book.themes for c in t.codes},
                   {**MODEL_QUALIFIERS, **{q.id: q.label for q in book.qualifiers}})

    def theme(self, theme: str) -> str:
        return self.themes.get(theme, theme)

    def code(self, theme: str, code: str) -> str:
        if code == QUEUE_CODE:
            return "voorstel van de wachtrij (geen regel)"
        return self.codes.get((theme, code), code)

    def ordered(self, ids) -> list[str]:
        """`ids` in the codebook's theme order (unknown ones last, as given)."""
        ids = list(ids)
        return [t for t in self.themes if t in ids] + [t for t in ids if t not in self.themes]


def _number(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


#: the header's lines, top to bottom; the first two are cut with an ellipsis rather than wrapped
HEADER_LINES = ("where", "what", "how", "progress", "themes")


def header(session: ReviewSession, labels: Labels, wide: bool = False) -> dict[str, Text]:
    """What stays pinned at the top, line by line (HEADER_LINES): where the passage comes from, what is
    proposed, its polarity and qualifiers, where the coder is and what the stopping rule expects."""
    cand = session.current()
    done, total, per_theme = session.progress()
    lines = {name: Text() for name in HEADER_LINES}
    if cand is None:
        lines["where"].append(clean(f"Niets meer te beoordelen voor {session.coder}"), style="bold")
        lines["where"].append(f": {done} van {total} beslist.")
    else:
        year = f" ({cand['year']})" if cand["year"] else ""
        lines["where"].append(clean(f"{cand['institution']}{year}"), style="bold")
        lines["where"].append(clean(f" · blz. {cand['page']} · {cand['file']}"))
        lines["what"].append(clean(labels.theme(cand["theme"])), style="bold cyan")
        codes = "; ".join(labels.code(cand["theme"], c) for c in cand["codes"])
        lines["what"].append(clean(f" · code: {codes}"))
        how = lines["how"]
        polarity = POLARITIES.get(session.shown_polarity(), session.shown_polarity())
        how.append("polariteit ")
        how.append(polarity, style="bold" + (" yellow" if session.pending.polarity else ""))
        if session.pending.polarity:
            how.append(" (omgedraaid)", style="yellow")
        quals = ", ".join(labels.qualifiers.get(q, q) for q in cand["qualifiers"]) or "geen"
        how.append(clean(f" · kwalificaties: {quals}"))
        if cand.get("weak"):
            how.append(" · zwakke treffer")
        lines["progress"].append(f"passage {session.position + 1} van {len(session.queue)} · ")
    stop = session.stopping_rule()
    progress = lines["progress"]
    if stop is None:
        progress.append(f"{done} van {total} beslist")
    else:  # along the queue: the session's passages are (nearly) all passages, so one count says it
        met, left, recall = stop["overall"]
        progress.append(f"{done} beslist · stopregel: nog ~{left:.0f} relevant, recall ~{_number(recall)}")
        if met:
            progress.append(" · gehaald", style="bold green")
    if wide:
        lines["themes"].append(theme_progress(session, per_theme, labels), style="dim")
    return lines


def theme_progress(session: ReviewSession, per_theme: dict[str, tuple[int, int]], labels: Labels) -> str:
    """Per theme in the codebook's order: decided of its candidates, or (along the queue) found of expected."""
    what = "gevonden van ~verwacht" if session.worklist is not None else "beslist"
    return f"{what}: " + "  ".join(clean(f"{labels.theme(t)} {per_theme[t][0]}/{per_theme[t][1]}")
                                     for t in labels.ordered(per_theme))


def context_text(cand: dict) -> Text:
    """The context, dim, with the passage itself in plain weight so the eye finds it."""
    context = clean(cand["context"])
    out = Text(context, style="dim")
    passage = clean(cand["passage"]).strip()
    at = context.find(passage) if passage else -1
    if at >= 0:
        out.stylize("not dim", at, at + len(passage))
    return out


def key_line(width: int = 200) -> Text:
    """The keys in one line, or in as many as `width` needs, broken between keys and never inside one."""
    out, used = Text(), 0
    for key, what in KEY_HELP:
        size = len(key) + 1 + len(what)
        if used and used + 2 + size > width:
            out.append("\n")
            used = 0
        elif used:
            out.append("  ")
            used += 2
        out.append(key, style="bold reverse")
        out.append(f" {what}")
        used += size
    return out


class Pane(VerticalScroll):
    """A scrolling pane; ← and → move to the passage or the context pane instead of scrolling sideways."""

    BINDINGS = [Binding("left", "screen.focus_pane('passage-pane')", show=False),
                Binding("right", "screen.focus_pane('context-pane')", show=False)]


class ThemeMenu(ModalScreen[str | None]):
    """Pick a theme (to move the passage to, or to add): a digit, or ↑ ↓ and Enter; Esc cancels."""

    BINDINGS = [Binding("escape", "dismiss_menu", "annuleren")] + [
        Binding(str(i), f"pick({i})", show=False) for i in range(1, 10)]

    def __init__(self, title: str, labels: Labels, current: str | None) -> None:
        super().__init__()
        self.title_text, self.labels, self.current = title, labels, current
        self.ids = list(labels.themes)

    def compose(self) -> ComposeResult:
        with Vertical(id="menu"):
            yield Static(Text(self.title_text, style="bold"))
            yield OptionList(*[Option(Text(clean(f"{i} {label}") + (" (huidig thema)" if t == self.current else "")),
                                      id=t) for i, (t, label) in enumerate(self.labels.themes.items(), start=1)])
            yield Static(Text("cijfer, of ↑ ↓ en Enter, kiest · Esc annuleert", style="dim"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_pick(self, number: int) -> None:
        if number <= len(self.ids):
            self.dismiss(self.ids[number - 1])

    def action_dismiss_menu(self) -> None:
        self.dismiss(None)


class NoteEditor(ModalScreen[str | None]):
    """Type a note for the passage; Enter keeps it for the next decision, Esc leaves the note as it was."""

    BINDINGS = [Binding("escape", "dismiss_note", "annuleren")]

    def __init__(self, note: str) -> None:
        super().__init__()
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="note"):
            yield Static(Text("Notitie bij deze passage", style="bold"))
            yield Input(value=self.note, placeholder="bijvoorbeeld: twijfel over de reikwijdte")
            yield Static(Text("Enter bewaart de notitie voor de volgende beslissing · Esc annuleert", style="dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_dismiss_note(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """The keys, and the progress per theme in the codebook's order."""

    BINDINGS = [Binding("escape,question_mark,q,enter", "close", "sluiten")]

    def __init__(self, text) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(self.text)

    def action_close(self) -> None:
        self.dismiss(None)


def help_text(session: ReviewSession, labels: Labels):
    """The help overlay: what each key does, how to move around, progress per theme in the codebook's order."""
    from rich.console import Group
    from rich.table import Table

    what = {"c": "bevestigen: de passage is bewijs voor het getoonde thema",
            "r": "afwijzen: geen bewijs voor dit thema",
            "u": "twijfel: later nog eens bekijken",
            "m": "ander thema: bevestigd onder een thema uit het menu",
            "a": "thema toevoegen: de passage is ook bewijs voor een ander thema",
            "p": "polariteit omdraaien (positief / negatief) voor de volgende beslissing",
            "n": "notitie bij de volgende beslissing",
            "s": "overslaan: niets vastgelegd",
            "z": "laatste beslissing ongedaan maken (notitie en polariteit komen terug)",
            "q": "stoppen; elke beslissing is al bewaard",
            "?": "deze hulp (Esc sluit)"}

    def table(rows) -> Table:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for key, text in rows:
            grid.add_row(key, text)
        return grid

    done, total, per_theme = session.progress()
    per = ("gevonden van ~verwacht (de schatting van de wachtrij)" if session.worklist is not None
           else "beslist van de kandidaten")
    cand = session.current()
    about = []
    if cand is not None:  # in full what the header may cut on a narrow screen
        about = [Text("\nDeze passage", style="bold"), table([
            ("document", clean(f"{cand['file']}, blz. {cand['page']}")),
            ("thema", clean(labels.theme(cand["theme"]))),
            ("code", clean("; ".join(labels.code(cand["theme"], c) for c in cand["codes"]))),
            ("kwalificaties", clean(", ".join(labels.qualifiers.get(q, q) for q in cand["qualifiers"]) or "geen"))])]
    return Group(
        Text("Toetsen (elke beslissing is meteen bewaard)", style="bold"),
        table((key, what[key]) for key, _ in KEY_HELP),
        Text("\nNavigeren (legt nooit iets vast)", style="bold"),
        table(NAVIGATION_HELP),
        Text(f"\nVoortgang: {done} van {total} beslist; per thema {per}", style="bold"),
        table((clean(labels.theme(t)), f"{per_theme[t][0]}/{per_theme[t][1]}") for t in labels.ordered(per_theme)),
        *about,
    )


class ReviewScreen(Screen):
    """One candidate at a time: header, passage, context, the other coders' views, status, keys."""

    BINDINGS = [
        Binding("c,C", "decide('confirmed')", "bevestigen", show=False),
        Binding("r,R", "decide('rejected')", "afwijzen", show=False),
        Binding("u,U", "decide('uncertain')", "twijfel", show=False),
        Binding("m,M", "menu('move')", "ander thema", show=False),
        Binding("a,A", "menu('add')", "thema toevoegen", show=False),
        Binding("p,P", "polarity", "polariteit", show=False),
        Binding("n,N", "note", "notitie", show=False),
        Binding("s,S", "skip", "overslaan", show=False),
        Binding("z,Z", "undo", "ongedaan", show=False),
        Binding("q,Q", "stop", "stoppen", show=False),
        Binding("question_mark", "help", "hulp", show=False),
    ]
    #: keys that do something (bound here, or navigation): anything else printable gets a hint
    KNOWN = set("crumapnszq?CRUMAPNSZQ")

    def __init__(self, session: ReviewSession, labels: Labels) -> None:
        super().__init__()
        self.session, self.labels = session, labels
        self.shown_id: str | None = None
        self._flash_timer = None

    def compose(self) -> ComposeResult:
        with Vertical(id="header"):
            for name in HEADER_LINES:
                yield Static(id=name, classes="cut" if name in ("where", "what") else "")
        with Pane(id="passage-pane", classes="pane") as passage:
            passage.border_title = "passage"
            yield Static(id="passage")
        with Pane(id="context-pane", classes="pane") as context:
            context.border_title = "context"
            yield Static(id="context")
        yield Static(id="views")
        with Vertical(id="footer"):
            yield Static(id="status")
            yield Static(id="keys")

    def on_mount(self) -> None:
        self.show()
        self.query_one("#passage-pane").focus()

    def on_resize(self) -> None:
        self.show()

    # ------------------------------------------------------------------ drawing

    def show(self) -> None:
        session, cand = self.session, self.session.current()
        wide = self.app.size.width >= 120
        self.query_one("#keys", Static).update(key_line(self.app.size.width - 2))
        for name, line in header(session, self.labels, wide=wide).items():
            widget = self.query_one(f"#{name}", Static)
            widget.update(line)
            widget.display = bool(line.plain)
        passage, context = self.query_one("#passage", Static), self.query_one("#context", Static)
        context_pane = self.query_one("#context-pane")
        if cand is None:
            passage.update(Text("Alles in deze sessie is beslist. z maakt de laatste beslissing ongedaan; "
                                "q sluit af."))
            context_pane.display = False
        else:
            passage.update(highlight(cand["passage"], cand["terms"]))
            has_context = clean(cand["context"]).strip() != clean(cand["passage"]).strip()
            context.update(context_text(cand) if has_context else Text(""))
            context_pane.display = has_context  # without it the passage has the room
            self.query_one("#passage-pane").set_class(not has_context, "alone")
            if not has_context and self.focused is context_pane:
                self.query_one("#passage-pane").focus()
        if (cand or {}).get("id") != self.shown_id:  # a new passage starts at the top of both panes
            self.shown_id = (cand or {}).get("id")
            for pane in self.query(Pane):
                pane.scroll_home(animate=False)
        views = Text()
        for name, row in session.other_views().items():  # resolving: what each coder decided
            what = "nog niet beslist"
            if row is not None:
                what = f"{DECISIONS.get(row['decision'], row['decision'])} · {self.labels.theme(row['theme'])}"
                if row["decision"] != "rejected":
                    what += f" · {POLARITIES.get(row['polarity'], row['polarity'])}"
                if row["note"]:
                    what += f" — {row['note']}"
            views.append(clean(f"{name}: "), style="bold")
            views.append(clean(what) + "\n")
        if session.pending.note:
            views.append("notitie: ", style="bold")
            views.append(clean(session.pending.note))
        views.rstrip()
        widget = self.query_one("#views", Static)
        widget.update(views)
        widget.display = bool(views.plain)

    def flash(self, message: str, error: bool = False) -> None:
        """Say what was just recorded (or why not): highlighted for a moment, then kept, dim, until the next key."""
        status = self.query_one("#status", Static)
        status.update(Text(clean(message)))
        status.set_class(error, "error")
        status.add_class("flash")
        if self._flash_timer is not None:
            self._flash_timer.stop()
        self._flash_timer = self.set_timer(FLASH_SECONDS, lambda: status.remove_class("flash"))

    def on_key(self, event) -> None:
        if event.is_printable and event.character and event.character not in self.KNOWN:
            self.flash(f"Onbekende toets {event.character!r}; ? toont de toetsen")

    def action_focus_pane(self, pane_id: str) -> None:
        pane = self.query_one(f"#{pane_id}")
        if pane.display:
            pane.focus()

    # ------------------------------------------------------------------ actions

    def _nothing_left(self) -> bool:
        if self.session.current() is None:
            self.flash("Niets meer te beoordelen; z maakt de laatste beslissing ongedaan, q sluit af")
            return True
        return False

    def _record(self, do, describe) -> None:
        """Run one session action that writes the decision log; a failure to save is said, never swallowed."""
        try:
            result = do()
        except KwaliteitscanError as exc:
            self.flash(f"Niet vastgelegd: {exc.message}", error=True)
            return
        except ValueError as exc:
            self.flash(f"Niet vastgelegd: {exc}", error=True)
            return
        message = describe(result)
        self.show()
        self.flash(message)

    def _what(self, decision: str, decided: dict, theme: str, polarity: str, note: str) -> str:
        """What was recorded, naming the passage it was recorded for (the screen shows the next one by now)."""
        where = f"{decided['institution']}, blz. {decided['page']}"
        text = f"Vastgelegd ({where}): {DECISIONS[decision]} — {self.labels.theme(theme)}"
        if decision != "rejected":
            text += f", {POLARITIES.get(polarity, polarity)}"
        return text + (f" · notitie: {note}" if note else "")

    def action_decide(self, decision: str) -> None:
        if self._nothing_left():
            return
        cand, polarity, note = self.session.current(), self.session.shown_polarity(), self.session.pending.note
        self._record(lambda: self.session.decide(decision),
                     lambda decided: self._what(decision, decided, cand["theme"], polarity, note))

    def action_menu(self, kind: str) -> None:
        if self._nothing_left():
            return
        cand = self.session.current()
        title = ("Ander thema: de passage wordt bevestigd onder" if kind == "move"
                 else "Thema toevoegen: de passage is ook bewijs voor")

        def chosen(theme: str | None) -> None:
            if theme is None:
                self.flash("Geen thema gekozen; niets vastgelegd")
            elif kind == "move":
                polarity, note = self.session.shown_polarity(), self.session.pending.note
                self._record(lambda: self.session.move(theme),
                             lambda decided: self._what("confirmed", decided, theme, polarity, note)
                             + " (ander thema)")
            else:
                self._record(lambda: self.session.add_theme(theme),
                             lambda added: f"Vastgelegd: ook {self.labels.theme(added['theme'])}, bevestigd; "
                                           "beslis nu over de passage zelf")

        self.app.push_screen(ThemeMenu(title, self.labels, cand["theme"]), chosen)

    def action_polarity(self) -> None:
        if self._nothing_left():
            return
        now = self.session.flip_polarity()
        self.show()
        self.flash(f"Polariteit nu {POLARITIES.get(now, now)}; wordt vastgelegd bij c, u of m")

    def action_note(self) -> None:
        if self._nothing_left():
            return

        def typed(note: str | None) -> None:
            if note is None:
                self.flash("Notitie niet gewijzigd")
                return
            self.session.note(note)
            self.show()
            self.flash("Notitie bewaard voor de volgende beslissing" if note.strip() else "Notitie gewist")

        self.app.push_screen(NoteEditor(self.session.pending.note), typed)

    def action_skip(self) -> None:
        if self._nothing_left():
            return
        self.session.skip()
        self.show()
        self.flash("Overgeslagen; niets vastgelegd")

    def action_undo(self) -> None:
        try:
            back = self.session.undo()
        except KwaliteitscanError as exc:
            self.flash(f"Niet ongedaan gemaakt: {exc.message}", error=True)
            return
        if back is None:
            self.flash("Niets om ongedaan te maken in deze sessie")
            return
        self.show()
        kept = f"; notitie terug: {self.session.pending.note}" if self.session.pending.note else ""
        self.flash(f"Ongedaan gemaakt: deze passage ({self.labels.theme(back['theme'])}) staat weer open{kept}")

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(help_text(self.session, self.labels)))

    @property
    def made(self) -> int:
        """Decisions of this session still in force: each passage decided, each theme added (undo takes both back)."""
        return len(self.session.history) + len(self.session.added)

    def action_stop(self) -> None:
        self.app.exit(self.made)


class ReviewApp(App[int]):
    """The review as a full-screen application; `run()` returns the number of decisions made."""

    TITLE = "kwaliteitscan beoordelen"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("ctrl+c", "stop", "stoppen", show=False, priority=True)]
    CSS = """
    #header { dock: top; height: auto; padding: 0 1; background: $boost; }
    #header Static { height: auto; }
    #header .cut { text-wrap: nowrap; text-overflow: ellipsis; }
    .pane { border: round $panel-lighten-2; border-title-align: left; padding: 0 1; }
    .pane:focus { border: round $accent; }
    #passage-pane { height: auto; max-height: 50%; min-height: 4; }
    #passage-pane.alone { height: 1fr; max-height: 100%; }
    #context-pane { height: 1fr; min-height: 3; }
    #views { height: auto; max-height: 4; padding: 0 1; }
    #footer { dock: bottom; height: auto; }
    #status { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
    #status.flash { background: $success 40%; color: $text; text-style: bold; }
    #status.error { background: $error 50%; color: $text; text-style: bold; }
    #keys { height: auto; padding: 0 1; background: $boost; }
    ThemeMenu, NoteEditor, HelpScreen { align: center middle; }
    #menu, #note { width: 70; max-width: 95%; height: auto; max-height: 90%; border: thick $accent;
                   background: $surface; padding: 0 1; }
    #menu OptionList { height: auto; max-height: 12; }
    #help { width: 90; max-width: 95%; height: auto; max-height: 90%; border: thick $accent;
            background: $surface; padding: 0 1; }
    """

    def __init__(self, session: ReviewSession, book) -> None:
        super().__init__()
        self.review = ReviewScreen(session, Labels.of(book))

    def get_default_screen(self) -> Screen:
        return self.review

    def action_stop(self) -> None:
        self.exit(self.review.made)


def run(session: ReviewSession, book) -> int:
    """Review full-screen until the coder quits; returns the number of decisions made (net of undos)."""
    app = ReviewApp(session, book)
    made = app.run()
    if app.return_code:  # Textual has shown the error; the decisions made before it are in the log
        raise KwaliteitscanError("the review screen stopped on an error (above); every decision made before it "
                                 "is saved, and the next review resumes after it")
    return made if made is not None else 0
