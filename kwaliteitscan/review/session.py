"""The review session: pure logic, no terminal. terminal.py draws it and reads keys.

Given the codebook, a coder walks through the review queue (queue.py): every passage of the
project they have not decided yet, the likely ones first, re-ranked after each decision from
what they decided; without it (and in resolve mode), through the rule candidates in reading order. Every decision is
appended to the project's decision log and committed at once, so quitting or a crash
loses nothing already answered, and the next session resumes at the first undecided
candidate. A coder sees only their own decisions (blind double coding). In resolve mode a
lead coder walks through the candidates on which the named coders disagree and records
the final decision (role 'final').
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..project.store import Project

KEYS = {
    "c": "confirm", "r": "reject", "u": "uncertain", "m": "move to another theme", "a": "add a theme",
    "p": "flip polarity", "n": "note", "s": "skip", "z": "undo", "q": "quit", "?": "help",
}


@dataclass
class Pending:
    """Edits to the current candidate that go with the next decision."""

    polarity: str | None = None
    note: str = ""


@dataclass
class ReviewSession:
    project: Project
    coder: str
    theme: str | None = None
    institution: str | None = None
    codebook_version: str | None = None
    resolve_coders: tuple[str, ...] = ()
    queue: list[dict] = field(default_factory=list)
    position: int = 0
    pending: Pending = field(default_factory=Pending)
    #: per decision of this session: (queue position, candidate, the edits that went with it), so undo can
    #: give the coder back the note and the flipped polarity they had typed
    history: list[tuple[int, dict, Pending]] = field(default_factory=list)
    #: the codebook: with it (and not resolving) the session follows the review queue over every passage
    book: object = None
    worklist: object = None
    added: list[tuple[int, dict]] = field(default_factory=list)  # themes added to a passage: (position, decision)

    def __post_init__(self) -> None:
        if not self.coder or self.coder.startswith("@"):
            raise ValueError("a coder name is needed (and may not start with '@')")
        self._all = None
        if self.book is not None and not self.resolve_coders:
            from .queue import ReviewQueue

            # the queue reads candidates as their passages come up, not all of them at the start
            self.worklist = ReviewQueue(self.project, self.coder, self.book, institution=self.institution)
            self.queue = _Joined([], self.worklist.items(theme=self.theme))
            self.total = len(self.worklist.keys)
            return
        candidates = self.all
        if self.resolve_coders:
            candidates = [c for c in candidates if c["id"] in self.disagreements()]
        decided = self._decided()
        self.queue = [c for c in candidates if c["id"] not in decided]
        self.total = len(candidates)

    @property
    def all(self) -> list[dict]:
        """The session's candidates (its theme and institution), read when first needed."""
        if self._all is None:
            self._all = self.project.candidates(theme=self.theme, institution=self.institution)
        return self._all

    @property
    def role(self) -> str:
        return "final" if self.resolve_coders else "coder"

    def _decided(self) -> dict[str, dict]:
        return self.project.latest_decisions(self.coder if self.role == "coder" else None, role=self.role)

    def disagreements(self) -> dict[str, dict[str, dict | None]]:
        """Candidates on which the resolve coders differ (or not all of them decided): id -> coder -> decision."""
        by_coder = {name: self.project.latest_decisions(name) for name in self.resolve_coders}
        out = {}
        for cand in self.all:
            views = {name: by_coder[name].get(cand["id"]) for name in self.resolve_coders}
            keys = {_decision_key(v) for v in views.values()}
            if any(v is not None for v in views.values()) and len(keys) > 1:
                out[cand["id"]] = views
        return out

    # ------------------------------------------------------------------ what to show

    def current(self) -> dict | None:
        return self.queue[self.position] if self.position < len(self.queue) else None

    def shown_polarity(self) -> str | None:
        cand = self.current()
        return None if cand is None else (self.pending.polarity or cand["polarity"])

    def progress(self) -> tuple[int, int, dict[str, tuple[int, int]]]:
        """(decided, total, theme -> (decided, total)) for this coder over the session's candidates;
        following the queue: (passages decided, passages, theme -> (found, found + estimated left))."""
        if self.worklist is not None:
            stop = self.worklist.stop()
            found = self.worklist.queue.found()
            per = {t: (int(found[i]), int(round(found[i] + stop[t][1]))) for i, t in enumerate(self.book.theme_ids)}
            return len(self.worklist.queue.decisions), self.total, per
        decided = self._decided()
        per: dict[str, list[int]] = {}
        ids = {c["id"] for c in self.queue} | set(decided)
        pool = [c for c in self.all if c["id"] in ids] if self.resolve_coders else self.all
        for cand in pool:
            slot = per.setdefault(cand["theme"], [0, 0])
            slot[1] += 1
            slot[0] += cand["id"] in decided
        done = sum(v[0] for v in per.values())
        return done, sum(v[1] for v in per.values()), {k: (v[0], v[1]) for k, v in sorted(per.items())}

    def other_views(self) -> dict[str, dict | None]:
        """In resolve mode: what each coder decided on the current candidate."""
        cand = self.current()
        if cand is None or not self.resolve_coders:
            return {}
        return {name: self.project.latest_decisions(name).get(cand["id"]) for name in self.resolve_coders}

    # ------------------------------------------------------------------ actions

    def decide(self, decision: str, theme: str | None = None) -> dict:
        cand = self.current()
        if cand is None:
            raise IndexError("nothing left to review")
        self.project.add_decision(cand, self.coder, decision, theme=theme or cand["theme"],
                                  polarity=self.pending.polarity or cand["polarity"], note=self.pending.note,
                                  codebook_version=self.codebook_version, role=self.role)
        self.history.append((self.position, cand, replace(self.pending)))
        self.pending = Pending()
        self.position += 1
        if self.worklist is not None and cand.get("passage_key"):
            extra = {c["theme"] for pos, c in self.added if pos == self.position - 1}
            self.worklist.teach(cand["passage_key"],
                                ({theme or cand["theme"]} if decision == "confirmed" else set()) | extra)
            self.queue = _Joined(self.queue[:self.position], self.worklist.items(theme=self.theme))
        return cand

    def stopping_rule(self) -> dict | None:
        """Following the queue: {theme or 'overall': (met, estimated left, estimated recall)}."""
        return self.worklist.stop() if self.worklist is not None else None

    def confirm(self) -> dict:
        return self.decide("confirmed")

    def reject(self) -> dict:
        return self.decide("rejected")

    def uncertain(self) -> dict:
        return self.decide("uncertain")

    def move(self, theme: str) -> dict:
        """The passage is evidence, but for another theme: confirmed under `theme`."""
        return self.decide("confirmed", theme=theme)

    def add_theme(self, theme: str) -> dict:
        """The current passage is evidence for `theme` too (one passage, several themes): recorded at
        once as a confirmed decision on the passage under that theme, with the shown polarity; the
        passage stays on screen for its own decision. Needs the review queue (the passage's key)."""
        from ..project.store import passage_candidate

        cand = self.current()
        if cand is None:
            raise IndexError("nothing left to review")
        key = cand.get("passage_key")
        if self.worklist is None or key not in self.worklist.rows:
            raise ValueError("adding a theme works along the review queue (not with --candidates-only)")
        extra = passage_candidate(self.worklist.rows[key], theme)
        polarity = self.pending.polarity or cand["polarity"]
        self.project.add_decision(extra, self.coder, "confirmed", theme=theme, polarity=polarity,
                                  codebook_version=self.codebook_version, role=self.role)
        self.added.append((self.position, extra))
        return extra

    def flip_polarity(self) -> str:
        cand = self.current()
        now = self.pending.polarity or cand["polarity"]
        self.pending.polarity = "negative" if now == "positive" else "positive"
        return self.pending.polarity

    def note(self, text: str) -> None:
        self.pending.note = text.strip()

    def skip(self) -> None:
        if self.current() is not None:
            self.pending = Pending()
            self.position += 1

    def undo(self) -> dict | None:
        """Take the last decision of this session back (a 'pending' row in the log) and return to it, with
        the note and polarity that went with it pending again: deciding once more records them again."""
        if not self.history:
            return None
        position, cand, edits = self.history.pop()
        self.project.add_decision(cand, self.coder, "pending", note="undo", codebook_version=self.codebook_version,
                                  role=self.role)
        for extra in [c for pos, c in self.added if pos == position]:  # the themes added to it go back too
            self.project.add_decision(extra, self.coder, "pending", note="undo",
                                      codebook_version=self.codebook_version, role=self.role)
        self.added = [(pos, c) for pos, c in self.added if pos != position]
        self.position = position
        self.pending = edits
        if self.worklist is not None and cand.get("passage_key"):
            self.worklist.forget(cand["passage_key"])
            self.queue = _Joined(self.queue[:position] + [cand], self.worklist.items(theme=self.theme),
                                 skip=cand["passage_key"])
        return cand


def _decision_key(row: dict | None):
    if row is None:
        return None
    return (row["decision"], row["theme"], row["polarity"]) if row["decision"] == "confirmed" else (row["decision"],)



class _Joined:
    """What a queue session walks: the items already shown (a list), then the queue's ranked rest
    (lazy); `skip` leaves out a passage that is already in the head (after an undo)."""

    def __init__(self, head: list, tail, skip: str | None = None) -> None:
        self.head, self.tail, self.skip = list(head), tail, skip
        self._skipped = None

    def _tail_index(self, k: int) -> int:
        if self.skip is None:
            return k
        if self._skipped is None:
            self._skipped = next((i for i in range(len(self.tail)) if self.tail[i].get("passage_key") == self.skip),
                                 -1)
        return k + 1 if 0 <= self._skipped <= k else k

    def __len__(self) -> int:
        extra = len(self.tail) - (1 if self.skip is not None and self._find_skip() >= 0 else 0)
        return len(self.head) + extra

    def _find_skip(self) -> int:
        self._tail_index(0)
        return self._skipped if self._skipped is not None else -1

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        if k < len(self.head):
            return self.head[k]
        return self.tail[self._tail_index(k - len(self.head))]

    def __iter__(self):
        return (self[k] for k in range(len(self)))
