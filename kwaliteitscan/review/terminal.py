"""The terminal front end of a review session: draws the candidate, reads single keys.

All logic lives in review.ReviewSession; this module only renders and dispatches keys.
Works in an 80-column terminal; when standard input is not a terminal (a pipe, a test),
keys are read one character at a time from it.
"""

from __future__ import annotations

import re
import sys
from contextlib import contextmanager

from ..untrusted import clean
from .session import KEYS, ReviewSession

HELP_LINE = "c confirm r reject u unsure m move a +theme p polarity n note s skip z undo q quit ?"


class Keys:
    """Single keys from a terminal (raw mode) or characters from a pipe."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stdin
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    @contextmanager
    def raw(self):
        if not self.tty:
            yield
            return
        import termios
        import tty

        fd = self.stream.fileno()
        saved = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd)
            yield
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)

    def key(self) -> str:
        while True:
            char = self.stream.read(1)
            if char == "":
                return "q"  # end of input: quit cleanly
            if char == "\x1b":
                self._swallow_escape()
                continue
            if char not in "\r\n":
                return char

    def _swallow_escape(self) -> None:
        """Read past the rest of an escape sequence (an arrow key sends ESC [ C, ESC O D): its last byte is
        a letter that must never count as a decision key. Navigation keys do nothing in this loop."""
        lead = self.stream.read(1)
        if lead == "O":
            self.stream.read(1)
        elif lead == "[":
            while (char := self.stream.read(1)) and not ("@" <= char <= "~"):
                pass

    def line(self, prompt: str, console) -> str:
        console.print(prompt, end="")
        if self.tty:
            import termios

            fd = self.stream.fileno()
            attrs = termios.tcgetattr(fd)
            attrs[3] |= termios.ICANON | termios.ECHO
            termios.tcsetattr(fd, termios.TCSADRAIN, attrs)
            try:
                return self.stream.readline().strip()
            finally:
                import tty

                tty.setcbreak(fd)
        return self.stream.readline().strip()


def highlight(text: str, terms: list[str]):
    from rich.text import Text

    out = Text(clean(text))
    for term in sorted(set(terms), key=len, reverse=True):
        if term.strip():
            out.highlight_regex(re.escape(clean(term)), style="bold reverse")
    return out


def render(session: ReviewSession, console, theme_labels: dict[str, str], message: str = "") -> None:
    from rich.panel import Panel
    from rich.text import Text

    cand = session.current()
    done, total, per_theme = session.progress()
    console.clear()
    if cand is None:
        console.print(f"Nothing left to review for {clean(session.coder)}: {done} of {total} decided.")
        return
    year = f" ({cand['year']})" if cand["year"] else ""
    quals = ", ".join(cand["qualifiers"]) or "-"
    polarity = session.shown_polarity()
    flipped = " (flipped)" if session.pending.polarity else ""
    head = Text()
    head.append(clean(f"{cand['institution']}{year}"), style="bold")
    head.append(clean(f" · {cand['file']} · p. {cand['page']}\n"))
    head.append(clean(theme_labels.get(cand["theme"], cand["theme"])), style="bold cyan")
    head.append(clean(f" [{', '.join(cand['codes'])}]\n"))
    head.append(f"polarity {polarity}{flipped} · qualifiers {quals} · score {cand['score']:.1f}"
                f"{' · weak' if cand['weak'] else ''}")
    console.print(head)
    console.print(Panel(highlight(cand["passage"], cand["terms"]), title="passage", title_align="left"))
    context = clean(cand["context"])
    if context.strip() != clean(cand["passage"]).strip():
        lines = context.splitlines() or [context]
        shown = "\n".join(lines)[:1200] + (" …" if len(context) > 1200 else "")
        console.print(Panel(Text(shown, style="dim"), title="context", title_align="left"))
    for name, row in session.other_views().items():
        what = "not decided" if row is None else f"{row['decision']} {row['theme']} {row['polarity']}"
        note = f" — {clean(row['note'])}" if row and row["note"] else ""
        console.print(clean(f"  {name}: {what}{note}"))
    if session.pending.note:
        console.print(clean(f"note: {session.pending.note}"))
    order = [t for t in theme_labels if t in per_theme] + [t for t in per_theme if t not in theme_labels]
    themes = "  ".join(f"{theme_labels.get(t, t)} {per_theme[t][0]}/{per_theme[t][1]}" for t in order)
    console.print(clean(f"{done} of {total} decided · {session.position + 1} of {len(session.queue)} in this session"))
    stop = session.stopping_rule()
    if stop is not None:
        met, left, recall = stop["overall"]
        console.print(clean(f"queue: about {left:.0f} relevant left, estimated recall {recall:.2f}"
                            + (" · stopping rule met" if met else "")))
    console.print(Text(clean(themes), style="dim"))
    console.print(Text(HELP_LINE, style="bold"))
    if message:
        console.print(Text(clean(message), style="yellow"))


def run(session: ReviewSession, theme_ids: list[str], theme_labels: dict[str, str], console=None, keys=None) -> int:
    """The key loop; returns the number of decisions made."""
    from rich.console import Console

    console = console or Console(highlight=False)
    keys = keys or Keys()
    made = 0
    message = ""
    with keys.raw():
        while True:
            render(session, console, theme_labels, message)
            message = ""
            if session.current() is None:
                return made
            key = keys.key().lower()
            if key == "q":
                return made
            if key in ("c", "r", "u"):
                {"c": session.confirm, "r": session.reject, "u": session.uncertain}[key]()
                made += 1
            elif key == "m":
                menu = "  ".join(f"{i} {theme_labels.get(t, t)}" for i, t in enumerate(theme_ids, start=1))
                console.print(menu)
                choice = keys.key()
                if choice.isdigit() and 1 <= int(choice) <= len(theme_ids):
                    session.move(theme_ids[int(choice) - 1])
                    made += 1
                else:
                    message = "move cancelled"
            elif key == "a":
                menu = "  ".join(f"{i} {theme_labels.get(t, t)}" for i, t in enumerate(theme_ids, start=1))
                console.print("add a theme: " + menu)
                choice = keys.key()
                if choice.isdigit() and 1 <= int(choice) <= len(theme_ids):
                    try:
                        added = session.add_theme(theme_ids[int(choice) - 1])
                        made += 1
                        message = f"also recorded under {added['theme']}; now decide the passage itself"
                    except ValueError as exc:
                        message = str(exc)
                else:
                    message = "add cancelled"
            elif key == "p":
                message = f"polarity now {session.flip_polarity()}; confirm or mark uncertain to keep it"
            elif key == "n":
                session.note(keys.line("note: ", console))
                message = "note kept for the next decision"
            elif key == "s":
                session.skip()
            elif key == "z":
                back = session.undo()
                message = "undone" if back else "nothing to undo in this session"
            elif key == "?":
                message = "; ".join(f"{k} {v}" for k, v in KEYS.items())
            else:
                message = f"unknown key {key!r}; ? for help"
