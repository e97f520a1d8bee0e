"""The SQLite project: the only module that speaks SQL.

Schema versions are recorded in `PRAGMA user_version` and applied by an ordered list of
migration functions. WAL mode and foreign keys are on. Decisions are an append-only log;
every write of a decision is its own committed transaction.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from array import array
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from ..codebook.model import QUEUE_CODE
from ..errors import ProjectError
from ..match.matcher import Candidate

DEFAULT_DB_NAME = "kwaliteitscan.sqlite"
#: seconds to wait for another process that holds the project's write lock
LOCK_TIMEOUT = 5.0
APPLICATION_ID = 0x4B534341  # "KSCA": marks a file as a kwaliteitscan project


def _v1(db: sqlite3.Connection) -> None:
    _script(db, """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE codebooks (
            sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL,
            path TEXT NOT NULL, text TEXT NOT NULL, first_used TEXT NOT NULL);
        CREATE TABLE documents (
            sha256 TEXT PRIMARY KEY, file TEXT NOT NULL, institution TEXT NOT NULL, year INTEGER,
            pages INTEGER NOT NULL, engine TEXT NOT NULL, warnings TEXT NOT NULL,
            pipeline TEXT, codebook TEXT REFERENCES codebooks(sha256), active INTEGER NOT NULL DEFAULT 1);
        CREATE TABLE candidates (
            id TEXT PRIMARY KEY, document TEXT NOT NULL REFERENCES documents(sha256) ON DELETE CASCADE,
            theme TEXT NOT NULL, codes TEXT NOT NULL, page INTEGER NOT NULL,
            start INTEGER NOT NULL, "end" INTEGER NOT NULL, passage_end INTEGER NOT NULL,
            sentence TEXT NOT NULL, passage TEXT NOT NULL, context TEXT NOT NULL,
            polarity TEXT NOT NULL, qualifiers TEXT NOT NULL, score REAL NOT NULL, weak INTEGER NOT NULL,
            terms TEXT NOT NULL, patterns TEXT NOT NULL, codebook TEXT NOT NULL REFERENCES codebooks(sha256));
        CREATE INDEX candidates_document ON candidates(document, page, start);
        CREATE INDEX candidates_theme ON candidates(theme);
        CREATE TABLE decisions (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, candidate_id TEXT NOT NULL, coder TEXT NOT NULL,
            decision TEXT NOT NULL, theme TEXT, polarity TEXT, note TEXT NOT NULL DEFAULT '',
            codebook_version TEXT, document TEXT, page INTEGER, quote TEXT, context TEXT,
            created_at TEXT NOT NULL);
        CREATE INDEX decisions_candidate ON decisions(candidate_id, coder, seq);
    """)


def _script(db: sqlite3.Connection, script: str) -> None:
    """Run DDL statements inside the caller's transaction (executescript would commit it)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _v2(db: sqlite3.Connection) -> None:
    """Decisions get a role (a coder's own, or the lead coder's final word) and an origin
    (the candidate a re-attached decision was first made on)."""
    _script(db, """
        ALTER TABLE decisions ADD COLUMN role TEXT NOT NULL DEFAULT 'coder';
        ALTER TABLE decisions ADD COLUMN origin TEXT;
        CREATE INDEX decisions_role ON decisions(role, coder, seq)
    """)


def _v3(db: sqlite3.Connection) -> None:
    """The suggester a document was coded with gets its own column (and meta key); before,
    it rode along in the pipeline as '<pipeline>+suggester <sha>'."""
    marker = "+suggester "
    db.execute("ALTER TABLE documents ADD COLUMN suggester TEXT")
    db.execute("""UPDATE documents SET suggester = substr(pipeline, instr(pipeline, ?) + ?),
                  pipeline = substr(pipeline, 1, instr(pipeline, ?) - 1) WHERE instr(pipeline, ?) > 0""",
               (marker, len(marker), marker, marker))
    row = db.execute("SELECT value FROM meta WHERE key = 'pipeline'").fetchone()
    if row and marker in row[0]:
        pipeline, suggester = row[0].split(marker, 1)
        db.execute("UPDATE meta SET value = ? WHERE key = 'pipeline'", (pipeline,))
        db.execute("INSERT OR REPLACE INTO meta VALUES ('suggester', ?)", (suggester,))


def _v4(db: sqlite3.Connection) -> None:
    """Every passage of every document (sentence, table row, list item) for the review queue, with
    the codebook's evidence per theme. Documents coded before have none: `code` codes them again
    (Project.has_passages), which keeps every decision."""
    _script(db, """
        CREATE TABLE passages (
            key TEXT PRIMARY KEY, document TEXT NOT NULL REFERENCES documents(sha256) ON DELETE CASCADE,
            ord INTEGER NOT NULL, page INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
            kind TEXT NOT NULL, text TEXT NOT NULL, prev TEXT NOT NULL, heading TEXT NOT NULL,
            prior TEXT NOT NULL);
        CREATE INDEX passages_document ON passages(document, ord)
    """)


def _v5(db: sqlite3.Connection) -> None:
    """Each document's passage terms and rule evidence for the review queue (review/features.py),
    written with its passages, so opening the queue does not read every passage's words again. The
    terms (words only) stay as they are when a codebook change leaves the words alike (`digest`);
    the evidence changes with the codebook. A document without them gets them the first time its
    queue is opened."""
    _script(db, """
        CREATE TABLE passage_terms (
            document TEXT PRIMARY KEY REFERENCES documents(sha256) ON DELETE CASCADE, digest TEXT NOT NULL,
            terms BLOB NOT NULL);
        CREATE TABLE passage_evidence (
            document TEXT PRIMARY KEY REFERENCES documents(sha256) ON DELETE CASCADE, evidence BLOB NOT NULL)
    """)


def _v6(db: sqlite3.Connection) -> None:
    """A passage's previous sentence (`prev`: the review queue reads its words, and a passage shown
    as a candidate has it as context) is most often the text of the passage before it, so it was
    stored twice (19 of the 290 MB of the 60-agenda benchmark project). There it is NULL now, and
    read as that passage's text (Project.passages), so every passage reads back as it was. The rows
    and their number stay, so the stored result digests of the documents still hold.

    The review queue's terms get one numbering for the whole project (`queue_terms`: the distinct
    terms in chunks, the first of each numbered `first`, the next first + 1, ...) and each
    document's term list the numbers of its terms (`passage_terms.numbers`), so opening the queue
    does not read every document's term strings. Term lists stored before get their numbers
    when the queue is next opened."""
    _script(db, """
        CREATE TABLE passages_v6 (
            key TEXT PRIMARY KEY, document TEXT NOT NULL REFERENCES documents(sha256) ON DELETE CASCADE,
            ord INTEGER NOT NULL, page INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
            kind TEXT NOT NULL, text TEXT NOT NULL, prev TEXT, heading TEXT NOT NULL, prior TEXT NOT NULL);
        INSERT INTO passages_v6 SELECT p.key, p.document, p.ord, p.page, p.start, p."end", p.kind, p.text,
            CASE WHEN p.prev = q.text THEN NULL ELSE p.prev END, p.heading, p.prior
            FROM passages p LEFT JOIN passages q ON q.document = p.document AND q.ord = p.ord - 1;
        DROP TABLE passages;
        ALTER TABLE passages_v6 RENAME TO passages;
        CREATE INDEX passages_document ON passages(document, ord);
        UPDATE meta SET value = '6' || substr(value, 2) WHERE key LIKE 'result:%' AND value LIKE '5:%';
        CREATE TABLE queue_terms (first INTEGER PRIMARY KEY, terms TEXT NOT NULL);
        ALTER TABLE passage_terms ADD COLUMN numbers BLOB
    """)


MIGRATIONS = [_v1, _v2, _v3, _v4, _v5, _v6]
DECISION_VALUES = ("pending", "confirmed", "rejected", "uncertain")
SCHEMA_VERSION = len(MIGRATIONS)


class Unwritable(ProjectError):
    """The project file cannot be written here (a read-only file, folder, disk or mount)."""


class Project:
    """An open project database."""

    def __init__(self, path: Path | str, *, lock_timeout: float = LOCK_TIMEOUT, readonly: bool = False) -> None:
        self.path = Path(path)
        #: the backup made before a migration, if one was needed
        self.backup_path = None
        self._numbering: _TermNumbering | None = None  # the queue's terms numbered so far (read when needed)
        if readonly:
            try:
                # an ordinary connection that may not write (query_only): it sees other processes'
                # commits like any reader, and closing it tidies the -wal and -shm files away
                self.db = _connect(self.path, lock_timeout)
            except Unwritable as exc:
                # a read-only folder or mount: SQLite's own read-only modes
                self.db = _connect_readonly(self.path, lock_timeout)
                if self.db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                    self.db.close()
                    raise ProjectError(f"{self.path}: made by an older kwaliteitscan; open it once where it can be "
                                       "written (any kwaliteitscan command) to bring it up to date") from exc
                return
        else:
            self.db = _connect(self.path, lock_timeout)
        try:
            self.backup_path = _migrate(self.db, self.path)  # an older project is brought up to date (backed up)
            if readonly:
                self.db.execute("PRAGMA query_only=ON")
        except BaseException:
            self.db.close()
            raise

    def close(self) -> None:
        self.db.close()

    def backup(self, out: Path | str | None = None, label: str = "manual") -> Path:
        """A consistent copy of the project, also while others read it (SQLite's online backup)."""
        return backup_connection(self.db, self.path, label, Path(out) if out else None)

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            yield self.db
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            _rollback(self.db)
            self._numbering = None  # it may hold numbers the rollback took back
            raise _translate(exc, self.path) from exc
        except BaseException:
            _rollback(self.db)
            self._numbering = None
            raise

    # ------------------------------------------------------------------ meta

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                       (key, value))

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    # ------------------------------------------------------------------ coding results

    def save_codebook(self, codebook) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO codebooks VALUES (?, ?, ?, ?, ?, ?)",
                       (codebook.sha256, codebook.name, codebook.version, codebook.path, codebook.source_text, _now()))

    def codebook_source(self) -> dict | None:
        """sha256, text and path of the codebook the active documents were coded with."""
        row = self.db.execute("""SELECT c.sha256, c.text, c.path FROM codebooks c
                                 JOIN documents d ON d.codebook = c.sha256 WHERE d.active = 1 LIMIT 1""").fetchone()
        return dict(row) if row else None

    def document_state(self, sha: str) -> tuple[str | None, str | None, str | None] | None:
        """(codebook, pipeline, suggester) the document was last coded with; None if never."""
        row = self.db.execute("SELECT codebook, pipeline, suggester FROM documents WHERE sha256 = ?",
                              (sha,)).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def has_any_passages(self) -> bool:
        return self.db.execute("SELECT 1 FROM passages LIMIT 1").fetchone() is not None

    def has_passages(self, sha: str) -> bool:
        """Whether the document's passages are stored (not so when it was coded with schema 3 or older)."""
        return self.db.execute("SELECT 1 FROM passages WHERE document = ? LIMIT 1", (sha,)).fetchone() is not None

    def replace_document(self, *, sha: str, file: str, institution: str, year: int | None, pages: int, engine: str,
                         warnings: Iterable[str], pipeline: str, codebook_sha: str,
                         candidates: list[Candidate] | None = None, suggester: str | None = None,
                         passages: list | None = None, result: str | None = None,
                         terms: tuple | None = None, rows: DocumentRows | None = None) -> None:
        """Store one coded document, its candidates and its passages in one transaction (decisions are
        untouched). `result`: a digest of everything the candidates and passages were computed from
        (match/reuse.py), so a re-code that would compute them again can keep them (keep_document).
        `terms`: the passages' terms for the review queue, (digest, terms, evidence[, the terms' words one
        a line, which the project numbers]) (review/features.py). `rows`: the candidates and passages
        as document_rows made them (instead of `candidates` and `passages`)."""
        rows = rows or document_rows(candidates or (), passages or (), codebook_sha)
        with self.transaction() as db:
            self._document_row(db, sha, file, institution, year, pages, engine, warnings, pipeline, codebook_sha,
                               suggester)
            n_candidates = _replace_rows(db, "candidates", "id", sha, rows.candidates, unique=True)
            n_passages = _replace_rows(db, "passages", "key", sha, rows.passages)
            self._store_terms(db, sha, terms)
            db.execute("DELETE FROM meta WHERE key = ?", (_RESULT + sha,))
            if result is not None:  # with the row counts, so rows lost since (a migration) are noticed
                db.execute("INSERT INTO meta(key, value) VALUES (?, ?)",
                           (_RESULT + sha, f"{SCHEMA_VERSION}:{n_candidates}:{n_passages}:{result}"))

    @staticmethod
    def _document_row(db, sha, file, institution, year, pages, engine, warnings, pipeline, codebook_sha,
                      suggester) -> None:
        db.execute("UPDATE documents SET active = 0 WHERE file = ? AND sha256 != ?", (file, sha))
        db.execute("""INSERT INTO documents (sha256, file, institution, year, pages, engine, warnings, pipeline,
                                             codebook, active, suggester)
                      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
                      ON CONFLICT(sha256) DO UPDATE SET file=excluded.file, institution=excluded.institution,
                      year=excluded.year, pages=excluded.pages, engine=excluded.engine,
                      warnings=excluded.warnings, pipeline=excluded.pipeline, codebook=excluded.codebook,
                      active=1, suggester=excluded.suggester""",
                   (sha, file, institution, year, pages, engine, json.dumps(list(warnings), ensure_ascii=False),
                    pipeline, codebook_sha, suggester))

    def results(self) -> dict[str, str]:
        """document -> the digest its stored candidates and passages were computed from (replace_document),
        for the documents whose rows are all still there."""
        counts = {}
        for table in ("candidates", "passages"):
            for sha, n in self.db.execute(f"SELECT document, COUNT(*) FROM {table} GROUP BY document"):
                counts.setdefault(sha, {})[table] = n
        out = {}
        for key, value in self.db.execute("SELECT key, value FROM meta WHERE key LIKE 'result:%'"):
            sha = key[len(_RESULT):]
            schema, n_candidates, n_passages, digest = value.split(":", 3)
            have = counts.get(sha, {})
            if (schema == str(SCHEMA_VERSION) and have.get("candidates", 0) == int(n_candidates)
                    and have.get("passages", 0) == int(n_passages) > 0):
                out[sha] = digest
        return out

    def keep_document(self, *, sha: str, file: str, institution: str, year: int | None, pages: int, engine: str,
                      warnings: Iterable[str], pipeline: str, codebook_sha: str, suggester: str | None = None) -> None:
        """A re-coded document whose candidates and passages came out as stored (its result digest is
        unchanged): record the new codebook on the document and its candidates, in one transaction."""
        with self.transaction() as db:
            self._document_row(db, sha, file, institution, year, pages, engine, warnings, pipeline, codebook_sha,
                               suggester)
            db.execute("UPDATE candidates SET codebook = ? WHERE document = ?", (codebook_sha, sha))

    def update_document_meta(self, sha: str, file: str, institution: str, year: int | None) -> None:
        with self.transaction() as db:
            db.execute("UPDATE documents SET active = 0 WHERE file = ? AND sha256 != ?", (file, sha))
            db.execute("UPDATE documents SET file = ?, institution = ?, year = ?, active = 1 WHERE sha256 = ?",
                       (file, institution, year, sha))

    def deactivate_missing(self, present: set[str]) -> None:
        with self.transaction() as db:
            for (sha,) in db.execute("SELECT sha256 FROM documents").fetchall():
                if sha not in present:
                    db.execute("UPDATE documents SET active = 0 WHERE sha256 = ?", (sha,))

    def documents(self, active_only: bool = True) -> list[dict]:
        query = "SELECT * FROM documents" + (" WHERE active = 1" if active_only else "") + " ORDER BY institution, year, file"
        return [dict(row) for row in self.db.execute(query)]

    def passages(self, *, institution: str | None = None, document: str | None = None,
                 keys: Iterable[str] | None = None) -> list[dict]:
        """Every passage of the active documents in reading order, with its document's institution
        and year; `prior` is the codebook's evidence per theme (in the codebook's theme order).
        `document`, `keys`: only those."""
        # a passage's prev is stored as NULL where it is the text of the passage before it (schema 6)
        query = """SELECT p.key, p.document, p.ord, p.page, p.start, p."end", p.kind, p.text,
                   COALESCE(p.prev, q.text) AS prev, p.heading, p.prior, d.file, d.institution, d.year, d.codebook,
                   b.name AS codebook_name, b.version AS codebook_version
                   FROM passages p JOIN documents d ON d.sha256 = p.document
                   LEFT JOIN passages q ON q.document = p.document AND q.ord = p.ord - 1
                   LEFT JOIN codebooks b ON b.sha256 = d.codebook WHERE d.active = 1"""
        query, args = _filtered(query, [("d.institution = ?", [institution] if institution else None),
                                        ("p.document = ?", [document] if document else None), _in("p.key", keys)])
        query += " ORDER BY d.institution, d.year, d.file, p.ord"
        rows = [dict(row) for row in self.db.execute(query, args)]
        priors: dict[str, tuple] = {}  # most passages share a prior (all zeros): each is parsed once
        for row in rows:
            text = row["prior"]
            row["prior"] = priors.get(text) or priors.setdefault(text, tuple(json.loads(text)))
        return rows

    def passage_counts(self, *, institution: str | None = None) -> list[tuple[str, int]]:
        """The active documents that have passages, in the order of `passages`, with how many."""
        query = "SELECT sha256 FROM documents WHERE active = 1"
        args: list = []
        if institution:
            query += " AND institution = ?"
            args.append(institution)
        counts = dict(self.db.execute("SELECT document, COUNT(*) FROM passages GROUP BY document"))
        return [(sha, counts[sha]) for (sha,) in self.db.execute(query + " ORDER BY institution, year, file", args)
                if counts.get(sha)]

    def hit_passages(self, ids: Iterable[str]) -> dict[str, str]:
        """candidate id -> the key of the passage that is its hit sentence (same document, page and start)."""
        ids = list(ids)
        return dict(self.db.execute(f"""SELECT c.id, p.key FROM candidates c JOIN passages p ON p.document = c.document
                                        AND p.page = c.page AND p.start = c.start
                                        WHERE c.id IN ({', '.join('?' * len(ids))})""", ids))

    def passage_terms(self) -> dict[str, tuple[bytes, bytes]]:
        """document -> (its passages' terms, their evidence) for the review queue, as replace_document
        stored them."""
        return {sha: (terms, evidence) for sha, terms, evidence, _ in self.each_passage_terms()}

    def each_passage_terms(self) -> Iterator[tuple[str, bytes, bytes, bytes | None]]:
        """(document, its passages' terms, their evidence, the project's numbers of its terms or None),
        one document at a time."""
        yield from self.db.execute("""SELECT t.document, t.terms, e.evidence, t.numbers
                                      FROM passage_terms t JOIN passage_evidence e USING (document)""")

    def queue_vocabulary(self) -> list[str]:
        """The review queue's terms of the whole project, each at its number (passage_terms.numbers)."""
        return _TermNumbering(self.db).words

    def save_passage_terms(self, sha: str, terms: tuple) -> None:
        """The terms of a document's passages (digest, terms, evidence[, their words one a line]), for a
        document coded before they were stored."""
        with self.transaction() as db:
            self._store_terms(db, sha, terms)

    def number_passage_terms(self, term_lists: Iterable[tuple[str, str, list[str], bytes]]) -> None:
        """The project's numbers of stored term lists' terms, for term lists stored before the project
        numbered them: (document, the digest of its term list (only that one gets them), its terms in
        order, the term list to keep from now on (without the strings)), all in one transaction."""
        with self.transaction() as db:
            for sha, digest, words, terms in term_lists:
                db.execute("UPDATE passage_terms SET numbers = ?, terms = ? WHERE document = ? AND digest = ?",
                           (self._numbers(db, words), terms, sha, digest))

    def _numbers(self, db: sqlite3.Connection, words: list[str]) -> bytes:
        if self._numbering is None:
            self._numbering = _TermNumbering(db)
        return self._numbering.numbers(db, words)

    def _store_terms(self, db: sqlite3.Connection, sha: str, terms: tuple | None) -> None:
        """A document's queue terms and evidence (None: it has none); terms with the digest already
        stored are not written again (a codebook change mostly leaves the words alike). With the
        terms' words (one a line), their numbers in the project are stored too."""
        if terms is None:
            db.execute("DELETE FROM passage_terms WHERE document = ?", (sha,))
            db.execute("DELETE FROM passage_evidence WHERE document = ?", (sha,))
            return
        digest, blob, evidence, *words = terms
        row = db.execute("SELECT digest, numbers FROM passage_terms WHERE document = ?", (sha,)).fetchone()
        if row is None or row[0] != digest or (row[1] is None and words):
            numbers = self._numbers(db, words[0].split("\n") if words[0] else []) if words else None
            db.execute("INSERT OR REPLACE INTO passage_terms(document, digest, terms, numbers) VALUES (?, ?, ?, ?)",
                       (sha, digest, blob, numbers))
        db.execute("INSERT OR REPLACE INTO passage_evidence(document, evidence) VALUES (?, ?)", (sha, evidence))

    def passage_candidates(self, decisions: dict[str, dict]) -> list[dict]:
        """The passages decided in the review queue (decision ids key#theme in `decisions`), as candidates."""
        keys = {passage_of(cid) for cid in decisions} - {None}
        if not keys:
            return []
        rows = {r["key"]: r for r in self.passages() if r["key"] in keys}
        out = []
        for cid, row in decisions.items():
            key = passage_of(cid)
            if key in rows:
                out.append(passage_candidate(rows[key], cid.partition("#")[2], row.get("polarity") or "positive"))
        return sorted(out, key=lambda c: (c["institution"], c["year"] or 0, c["file"], c["page"], c["start"], c["id"]))

    def candidate_counts(self) -> dict[str, int]:
        """Candidates per theme over the active documents."""
        return dict(self.db.execute("""SELECT c.theme, COUNT(*) FROM candidates c JOIN documents d
                                       ON d.sha256 = c.document WHERE d.active = 1 GROUP BY c.theme"""))

    def candidates(self, *, theme: str | None = None, institution: str | None = None,
                   ids: Iterable[str] | None = None, at: tuple[str, int, int] | None = None) -> list[dict]:
        """Candidates of the active documents, joined with their document, in reading order; `ids`:
        only those; `at`: only those whose hit sentence starts there (document, page, start)."""
        query = """SELECT c.*, d.file, d.institution, d.year, b.name AS codebook_name, b.version AS codebook_version
                   FROM candidates c JOIN documents d ON d.sha256 = c.document
                   JOIN codebooks b ON b.sha256 = c.codebook WHERE d.active = 1"""
        query, args = _filtered(query, [("c.theme = ?", [theme] if theme else None),
                                        ("d.institution = ?", [institution] if institution else None), _in("c.id", ids),
                                        ("c.document = ? AND c.page = ? AND c.start = ?", at)])
        query += " ORDER BY d.institution, d.year, d.file, c.page, c.start, c.theme"
        memo: dict[str, list] = {}
        return [_decode(dict(row), memo) for row in self.db.execute(query, args)]

    # ------------------------------------------------------------------ decisions

    def add_decision(self, candidate: dict, coder: str, decision: str, *, theme: str | None = None,
                     polarity: str | None = None, note: str = "", codebook_version: str | None = None,
                     role: str = "coder", origin: str | None = None) -> int:
        """Append one decision and commit it at once ('pending' takes a decision back)."""
        if decision not in DECISION_VALUES:
            raise ValueError(f"decision must be one of {', '.join(DECISION_VALUES)}, not {decision!r}")
        with self.transaction() as db:
            return self._insert_decision(db, candidate, coder, decision, theme, polarity, note, codebook_version,
                                         role, origin)

    def add_decisions(self, items: list[dict], coder: str, role: str = "coder") -> int:
        """Append many decisions in one transaction (all or nothing): for spreadsheet imports."""
        with self.transaction() as db:
            for item in items:
                self._insert_decision(db, item["candidate"], coder, item["decision"], item.get("theme"),
                                      item.get("polarity"), item.get("note", ""), item.get("codebook_version"),
                                      role, None)
        return len(items)

    @staticmethod
    def _insert_decision(db, candidate, coder, decision, theme, polarity, note, codebook_version, role, origin):
        cur = db.execute(
            """INSERT INTO decisions(candidate_id, coder, decision, theme, polarity, note, codebook_version,
               document, page, quote, context, created_at, role, origin)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (candidate["id"], coder, decision, theme or candidate.get("theme"),
             polarity or candidate.get("polarity"), note or "", codebook_version, candidate.get("document"),
             candidate.get("page"), candidate.get("sentence"), candidate.get("context"), _now(), role, origin))
        return int(cur.lastrowid)

    def decision_log(self, coder: str | None = None, role: str | None = None) -> list[dict]:
        query, args = "SELECT * FROM decisions WHERE 1=1", []
        if coder is not None:
            query += " AND coder = ?"
            args.append(coder)
        if role is not None:
            query += " AND role = ?"
            args.append(role)
        return [dict(row) for row in self.db.execute(query + " ORDER BY seq", args)]

    def latest_decisions(self, coder: str | None = None, role: str = "coder") -> dict[str, dict]:
        """The current decision per candidate id (of one coder, or whoever decided last), 'pending' left out.

        The log is append-only; the current decision is the latest row, and a 'pending' row
        takes an earlier decision back (undo)."""
        latest: dict[str, dict] = {}
        for row in self.decision_log(coder, role):
            latest[row["candidate_id"]] = row
        return {cid: row for cid, row in latest.items() if row["decision"] != "pending"}

    def coders(self) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT coder FROM decisions WHERE role = 'coder' ORDER BY coder")]

    # ------------------------------------------------------------------ integrity and re-attachment

    def orphan_decisions(self) -> list[dict]:
        """Current decisions whose candidate no longer exists (moved by a re-extraction or codebook change)."""
        log = self.decision_log()
        if not log:
            return []
        live = {row[0] for row in self.db.execute(
            "SELECT c.id FROM candidates c JOIN documents d ON d.sha256 = c.document WHERE d.active = 1")}
        passages = {row[0] for row in self.db.execute(
            "SELECT p.key FROM passages p JOIN documents d ON d.sha256 = p.document WHERE d.active = 1")}
        live |= {row["candidate_id"] for row in log if passage_of(row["candidate_id"]) in passages}
        latest: dict[tuple, dict] = {}
        moved: set[tuple] = set()
        for row in log:
            latest[(row["candidate_id"], row["coder"], row["role"])] = row
            if row["origin"]:
                moved.add((row["origin"], row["coder"], row["role"]))
        return [row for key, row in latest.items()
                if row["candidate_id"] not in live and row["decision"] != "pending" and key not in moved]

    def reattach(self, orphans: list[dict] | None = None) -> tuple[int, list[dict]]:
        """Move orphaned decisions to the candidate (or passage) that now holds their quote; return
        (moved, not moved).

        Decisions follow their passage's text, not the file's bytes: among the current candidates of
        the same theme in a document of the same file name or institution whose passage or context
        holds the quote (white space normalised), the one that also has the same polarity, the same
        hit sentence and the same page wins; only a tie on all of those leaves a decision
        unattached. A decision on a passage found in the review queue moves to the passage
        with the same text, and so does a decision on a candidate that is no candidate any more
        (the polarity model left it out before review) when no other candidate holds its quote.
        Each new row records its origin, so a run that is interrupted is simply resumed by the next one."""
        orphans = self.orphan_decisions() if orphans is None else orphans
        if not orphans:
            return 0, []
        docs = {d["sha256"]: d for d in self.documents(active_only=False)}
        candidates = self.candidates()
        passages: list[dict] | None = None
        moved, left = 0, []
        for row in orphans:
            old = docs.get(row["document"] or "", {})
            quote = " ".join((row["quote"] or "").split())
            same_doc = [c for c in candidates if c["file"] == old.get("file") or c["institution"] == old.get("institution")]
            queued = passage_of(row["candidate_id"]) is not None
            matches = [] if queued else _best_matches(row, quote, [c for c in same_doc if c["theme"] == row["theme"]])
            if queued or not matches:
                if passages is None:
                    passages = self.passages()
                theme = row["candidate_id"].partition("#")[2] if queued else row["theme"]
                matches = [passage_candidate(p, theme) for p in passages
                           if (p["file"] == old.get("file") or p["institution"] == old.get("institution"))
                           and quote and " ".join(p["text"].split()) == quote]
            if len(matches) == 1:
                self.add_decision(matches[0], row["coder"], row["decision"], theme=row["theme"],
                                  polarity=row["polarity"], note=row["note"], codebook_version=row["codebook_version"],
                                  role=row["role"], origin=row["candidate_id"])
                moved += 1
            else:
                left.append(row)
        return moved, left

    def integrity(self) -> list[str]:
        """Problems found: SQLite's own checks, foreign keys, decisions that lost their candidate."""
        problems = [r[0] for r in self.db.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"foreign key: {tuple(r)}" for r in self.db.execute("PRAGMA foreign_key_check")]
        for row in self.orphan_decisions():
            problems.append(f"decision #{row['seq']} of {row['coder']} ({row['decision']}, {row['theme']}) has no "
                            f"candidate any more: {(row['quote'] or '')[:80]!r}")
        return problems


def _best_matches(row: dict, quote: str, candidates: list[dict]) -> list[dict]:
    """The candidates a decision's quote now stands in, narrowed step by step (same polarity, same
    hit sentence, same page) while more than one is left."""
    if not quote:
        return []
    norm = lambda text: " ".join((text or "").split())  # noqa: E731
    found = [c for c in candidates if quote in norm(c["passage"]) or quote in norm(c["context"])]
    was_negative = row.get("polarity") == "negative"
    steps = [lambda c: (c["polarity"] == "negative") == was_negative,
             lambda c: norm(c["sentence"]) == quote,
             lambda c: c["page"] == row.get("page")]
    for keep in steps:
        if len(found) <= 1:
            break
        narrowed = [c for c in found if keep(c)]
        found = narrowed or found
    return found


def passage_decision_id(key: str, theme: str) -> str:
    """The id a decision on a passage (not on a rule candidate) is logged under: one per theme."""
    return f"{key}#{theme}"


def passage_of(decision_id: str) -> str | None:
    """The passage key of a passage decision's id; None for a decision on a rule candidate."""
    key, sep, _ = decision_id.partition("#")
    return key if sep else None


def passage_candidate(row: dict, theme: str, polarity: str = "positive") -> dict:
    """A stored passage (a row of Project.passages) in the shape of a candidate of `theme`, so review,
    spreadsheets, reports and the decision log treat a passage decided in the queue like a candidate."""
    context = " ".join(x for x in (row["prev"], row["text"]) if x)
    return {"id": passage_decision_id(row["key"], theme), "document": row["document"], "file": row["file"],
            "institution": row["institution"], "year": row["year"], "theme": theme, "codes": [QUEUE_CODE],
            "page": row["page"], "start": row["start"], "end": row["end"], "passage_end": row["end"],
            "sentence": row["text"], "passage": row["text"], "context": context, "polarity": polarity,
            "qualifiers": [], "score": 0.0, "weak": True, "terms": [], "patterns": [], "passage_key": row["key"],
            "heading": row["heading"], "codebook": row.get("codebook", ""), "codebook_name": row.get("codebook_name", ""),
            "codebook_version": row.get("codebook_version", "")}


_RESULT = "result:"  # meta key prefix: the result digest of a document's stored candidates and passages


_UINT32 = next(code for code in "IL" if array(code).itemsize == 4)


class _TermNumbering:
    """The project's numbers of the review queue's terms (table queue_terms), as far as read; new
    terms are appended in the writing transaction, after what other processes appended meanwhile,
    so each term has one number in the project."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.number: dict[str, int] = {}
        self.words: list[str] = []
        self._read(db)

    def _read(self, db: sqlite3.Connection) -> None:
        for first, chunk in db.execute("SELECT first, terms FROM queue_terms WHERE first >= ? ORDER BY first",
                                       (len(self.words),)):
            if first != len(self.words):
                raise sqlite3.DatabaseError(f"queue_terms: a chunk starts at {first}, not {len(self.words)}")
            self.words.extend(chunk.split("\n"))
        if len(self.number) < len(self.words):
            self.number.update(zip(self.words[len(self.number):], range(len(self.number), len(self.words))))

    def numbers(self, db: sqlite3.Connection, words: list[str]) -> bytes:
        """The numbers of `words` (little-endian uint32), numbering the new ones (in `db`'s open write
        transaction)."""
        self._read(db)
        new = [w for w in dict.fromkeys(words) if w not in self.number]
        if new:
            first = len(self.words)
            db.execute("INSERT INTO queue_terms(first, terms) VALUES (?, ?)", (first, "\n".join(new)))
            self.words.extend(new)
            self.number.update(zip(new, range(first, first + len(new))))
        out = array(_UINT32, map(self.number.__getitem__, words))
        if sys.byteorder != "little":
            out.byteswap()
        return out.tobytes()


@dataclass(frozen=True)
class DocumentRows:
    """A coded document's candidates and passages as the project stores them (document_rows)."""

    candidates: list[tuple]
    passages: list[tuple]


def document_rows(candidates: Iterable[Candidate], passages: Iterable, codebook_sha: str) -> DocumentRows:
    """The rows replace_document writes for a document's candidates and passages (match.Passage):
    made where they are computed (a coding worker sends them instead of the objects, which cost
    the process that owns the project more to receive than these plain tuples)."""
    memo: dict = {}  # most priors are alike (all zeros): each is written as JSON once
    return DocumentRows([_candidate_row(c, codebook_sha) for c in candidates], [
        (p.key, p.document, p.order, p.page, p.start, p.end, p.kind, p.text, prev, p.heading,
         memo.get(p.prior) or memo.setdefault(p.prior, json.dumps(p.prior)))
        for p, prev in _stored_prev(passages)])


def _stored_prev(passages) -> Iterator[tuple]:
    """Each passage to store (the first of a key, as _replace_rows keeps it) with its `prev` as
    stored: None where it is the text of the passage stored just before it (schema 6)."""
    kept = {}
    for p in passages:
        kept.setdefault(p.key, p)
    text = {p.order: p.text for p in kept.values()}
    for p in kept.values():
        yield p, None if text.get(p.order - 1) == p.prev else p.prev


def _filtered(query: str, conditions: list[tuple[str, Iterable | None]]) -> tuple[str, list]:
    """`query` (which has a WHERE) with " AND condition" for each condition that has values (None:
    left out), and the values for its placeholders in order."""
    args: list = []
    for condition, values in conditions:
        if values is not None:
            query += f" AND {condition}"
            args.extend(values)
    return query, args


def _in(column: str, values: Iterable | None) -> tuple[str, list | None]:
    """A `column IN (...)` condition for _filtered (None: no such filter)."""
    if values is None:
        return "", None
    values = list(values)
    return f"{column} IN ({', '.join('?' * len(values))})", values


def _candidate_row(c: Candidate, codebook_sha: str) -> tuple:
    return (c.id, c.document, c.theme, _json(c.codes), c.page, c.start, c.end, c.passage_end, c.sentence,
            c.passage, c.context, c.polarity, _json(c.qualifiers), c.score, int(c.weak),
            _json_text(c.terms), _json_text(c.patterns), codebook_sha)


@lru_cache(maxsize=4096)
def _json(values: tuple) -> str:
    return json.dumps(values)


@lru_cache(maxsize=4096)
def _json_text(values: tuple) -> str:
    return json.dumps(values, ensure_ascii=False)


def _replace_rows(db: sqlite3.Connection, table: str, key: str, sha: str, rows: list[tuple],
                  unique: bool = False) -> int:
    """Make the rows of document `sha` in `table` equal to `rows` (the key column first), writing only
    what differs: after a codebook change most rows of a re-coded document are what they were, so a
    re-code rewrites a few rows, not every one. Returns the number of rows the document now has. `unique`: a key twice in `rows` is an error (as a
    plain INSERT makes it); otherwise the first of them is kept (as INSERT OR IGNORE does)."""
    new: dict = {}
    for row in rows:
        if row[0] in new:
            if unique:
                raise sqlite3.IntegrityError(f"UNIQUE constraint failed: {table}.{key}")
            continue
        new[row[0]] = row
    width = len(rows[0]) if rows else 0
    old = {row[0]: tuple(row) for row in db.execute(f"SELECT * FROM {table} WHERE document = ?", (sha,))}
    gone = [(k,) for k in old if k not in new]
    if gone:
        db.executemany(f"DELETE FROM {table} WHERE {key} = ?", gone)
    changed = [row for k, row in new.items() if old.get(k) != row]
    if changed:
        db.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({', '.join('?' * width)})", changed)
    return len(new)


def _decode(row: dict, memo: dict[str, list] | None = None) -> dict:
    """A candidate row with its JSON lists parsed; `memo` keeps each distinct list parsed once (every
    row gets its own copy)."""
    memo = {} if memo is None else memo
    for key in ("codes", "qualifiers", "terms", "patterns"):
        text = row[key]
        parsed = memo.get(text)
        if parsed is None:
            parsed = memo[text] = json.loads(text)
        row[key] = list(parsed)
    row["weak"] = bool(row["weak"])
    return row


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _rollback(db: sqlite3.Connection) -> None:
    try:
        db.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def _translate(exc: sqlite3.Error, path: Path) -> ProjectError:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return ProjectError(f"{path}: the project is locked by another kwaliteitscan process; wait for it to "
                            "finish and run again")
    if "full" in text or "no space" in text:
        return ProjectError(f"{path}: the disk is full; free some space and run again (what was saved before "
                            "stays saved)")
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return Unwritable(f"{path}: the project cannot be written here (a read-only file, folder or disk); "
                            "copy the folder somewhere writable, or use a command that only reads (report, "
                            "export, agreement, integrity, backup)")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return ProjectError(f"{path}: the project file is damaged ({exc}); restore it from a backup or run "
                            "`kwaliteitscan integrity`")
    return ProjectError(f"{path}: database error ({exc})")


def _connect(path: Path, timeout: float = LOCK_TIMEOUT) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists() and path.stat().st_size > 0
    db = None
    try:
        db = sqlite3.connect(path, isolation_level=None, timeout=timeout)
        db.row_factory = sqlite3.Row
        if existed:
            _check_header(db, path)
        _wal(db, timeout)
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
    except sqlite3.DatabaseError as exc:
        if db is not None:
            db.close()
        raise _translate(exc, path) from exc
    except ProjectError:
        db.close()
        raise
    return db


def _connect_readonly(path: Path, timeout: float = LOCK_TIMEOUT) -> sqlite3.Connection:
    """A connection that can never change the project (`mode=ro`), for the commands that only read it.

    On a read-only folder or mount SQLite cannot make the WAL's shared-memory file; the project is
    then opened `immutable`, which is sound there because nothing can write it either, unless a
    previous writer left changes in its -wal file that only a writable open can fold back in."""
    uri = path.resolve().as_uri()
    db = None
    try:
        try:
            db = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, timeout=timeout)
            _check_header(db, path)
        except sqlite3.OperationalError as exc:
            if db is not None:
                db.close()
                db = None
            if "unable to open" not in str(exc) and "readonly" not in str(exc):
                raise
            wal = path.with_name(path.name + "-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise ProjectError(f"{path}: the project cannot be read here: its folder is read-only and the "
                                   f"last session's changes are still in {wal.name}; open it once where it can "
                                   "be written (any kwaliteitscan command), then copy it back") from exc
            db = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None, timeout=timeout)
            _check_header(db, path)
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if db is not None:
            db.close()
        raise _translate(exc, path) from exc
    except ProjectError:
        if db is not None:
            db.close()
        raise
    if version > SCHEMA_VERSION:
        db.close()
        raise ProjectError(f"{path}: made by a newer kwaliteitscan (schema {version}); upgrade kwaliteitscan")
    db.row_factory = sqlite3.Row
    return db


def _wal(db: sqlite3.Connection, timeout: float) -> None:
    """WAL mode. Switching a new file to it takes an exclusive lock without SQLite's busy handler,
    so processes racing on a new project retry here, within the lock timeout, instead of failing."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _check_header(db: sqlite3.Connection, path: Path) -> None:
    """Refuse a file that is not a kwaliteitscan project, asking SQLite itself. The file is never
    opened by Python while SQLite may hold it: closing any descriptor of a file drops every POSIX
    lock this process holds on it, and with them the lock by which another process's WAL
    connection sees that this one is still using the -wal file (it would delete it under us)."""
    try:
        db.execute("BEGIN")  # one snapshot for the checks below, while a racing process may commit
        try:
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            fresh = app_id == 0 and _empty(db)
        finally:
            _rollback(db)
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) and not _sqlite_magic(path):
            raise ProjectError(f"{path}: not a kwaliteitscan project (not an SQLite file); choose another --db "
                               "path") from exc
        raise
    if app_id == APPLICATION_ID or fresh:
        return
    raise ProjectError(f"{path}: an SQLite file, but not a kwaliteitscan project; choose another --db path")


def _sqlite_magic(path: Path) -> bool:
    """Whether the file starts as an SQLite file does; read only after SQLite refused the file."""
    try:
        with path.open("rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _empty(db: sqlite3.Connection) -> bool:
    """No schema and no version yet: a file another kwaliteitscan process has just made (the first
    migration writes the application id together with the schema)."""
    return (db.execute("PRAGMA user_version").fetchone()[0] == 0
            and db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0)


def _migrate(db: sqlite3.Connection, path: Path) -> Path | None:
    """Bring the project to the current schema; a project that holds decisions is backed up first.
    Returns the backup's path, if one was made."""
    made = None
    try:
        version = start = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ProjectError(f"{path}: made by a newer kwaliteitscan (schema {version}); upgrade kwaliteitscan")
        if 0 < version < SCHEMA_VERSION and db.execute("SELECT 1 FROM decisions LIMIT 1").fetchone():
            made = backup_connection(db, path, f"before-schema-{SCHEMA_VERSION}")
        while version < SCHEMA_VERSION:
            db.execute("BEGIN IMMEDIATE")
            # read again under the write lock: a process racing on the same new project may have
            # applied this step while we waited for the lock
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version < SCHEMA_VERSION:
                if version == 0:
                    db.execute(f"PRAGMA application_id={APPLICATION_ID}")
                MIGRATIONS[version](db)
                version += 1
                db.execute(f"PRAGMA user_version={version}")
            db.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        _rollback(db)
        raise _translate(exc, path) from exc
    if 0 < start < SCHEMA_VERSION:
        _give_back_space(db)
    return made


def _give_back_space(db: sqlite3.Connection) -> None:
    """After a migration that rebuilt a table (schema 6: passages), the file would keep the old
    table's pages as free space; VACUUM gives them back (1.2 s for the 60-agenda benchmark project,
    once). Another process reading the project blocks it: then the space is only reused later."""
    free, pages = (db.execute(f"PRAGMA {name}").fetchone()[0] for name in ("freelist_count", "page_count"))
    if free * 4 > pages:
        try:
            db.execute("VACUUM")
        except sqlite3.OperationalError:
            pass


def backup_connection(db: sqlite3.Connection, path: Path, label: str, out: Path | None = None) -> Path:
    """A consistent copy of an open project (SQLite's online backup), next to it unless `out` is
    given: `<name>.backup-<label>-<UTC time>.sqlite`."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    target = out or path.with_name(f"{path.stem}.backup-{label}-{stamp}{path.suffix or '.sqlite'}")
    try:
        copy = sqlite3.connect(target)
        try:
            db.backup(copy)
        finally:
            copy.close()
    except (sqlite3.Error, OSError) as exc:
        raise ProjectError(f"{target}: cannot write the backup ({exc}); free some space or choose another place") \
            from exc
    return target


def default_db(corpus: Path) -> Path:
    """The project file: `kwaliteitscan.sqlite` inside the corpus folder (beside a single PDF)."""
    corpus = Path(corpus)
    return (corpus if corpus.is_dir() else corpus.parent) / DEFAULT_DB_NAME


def learned_label(book) -> str | None:
    """What a project records of the learned models a codebook was used with (the `suggester` column and
    meta key): the suggester's sha, and 'polarity <sha>' for a polarity model; None without either. A
    new model thus makes a document's state differ, so the next `code` computes its candidates again."""
    parts = []
    if book.suggester is not None:
        parts.append(book.suggester.sha256[:12])
    if getattr(book, "polarity_model", None) is not None:
        parts.append(f"polarity {book.polarity_model.sha256[:12]}")
    return "+".join(parts) or None


def run_label(pipeline: str, suggester: str | None) -> str:
    """How a run is shown: the spaCy pipeline, and the learned models (their shas) that took part."""
    return pipeline + "".join(f"+{part}" if part.startswith("polarity ") else f"+suggester {part}"
                              for part in (suggester or "").split("+") if part)
