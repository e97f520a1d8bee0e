"""`kwaliteitscan export` as a function: a project's candidates and decisions in the format asked for.

Formats: jsonl, csv, xlsx (one row per candidate with its decision: review/spreadsheet.py),
qdpx and qdc (a REFI-QDA project or codebook: interop/refiqda.py), gold (the reviewed
documents as gold codings: interop/gold_export.py). Whose decisions: `coder` that coder's;
`final` the final ones (project/decisions.py: resolved, else agreed by all coders);
`all_coders` the latest decision of anyone (a file `import` refuses: it would take other
coders' decisions as one coder's). Without any of them a spreadsheet has an empty decision
column, so nobody's decisions travel to another coder (blind coding holds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, UsageError
from ..project import open_project, project_codebook
from ..project.decisions import final_decisions

FORMATS = ("jsonl", "csv", "xlsx", "qdpx", "qdc", "gold")
NEEDS_OUT = ("xlsx", "qdpx", "qdc")


@dataclass
class Exported:
    text: str | None = None  # what goes to standard output when there is no --out
    done: str = ""  # one line saying what was written
    skipped: list[str] = field(default_factory=list)


def export_project(corpus: Path, fmt: str, *, db: Path | None = None, out: Path | None = None,
                   coder: str | None = None, final: bool = False, pending: bool = False, limit: int | None = None,
                   theme: str | None = None, all_coders: bool = False) -> Exported:
    if fmt not in FORMATS:
        raise UsageError(f"--format is one of {', '.join(FORMATS)}")
    if sum(map(bool, (coder, final, all_coders))) > 1:
        raise UsageError("choose one of --coder NAME, --final or --all-coders")
    if fmt == "gold" and out is None:
        raise UsageError("--format gold needs --out FOLDER (gold/<doc>.yaml is written there; the corpus "
                         "folder itself makes a corpus the benchmark and `suggester train` can read)")
    if fmt in NEEDS_OUT and out is None:
        raise UsageError(f"--format {fmt} needs --out FILE.{fmt}")
    if pending:
        return _pending(corpus, fmt, db, out, coder, limit, theme)
    if limit is not None or theme is not None:
        raise UsageError("--limit and --theme go with --pending (the next passages of a coder's review queue)")
    with open_project(corpus, db, readonly=True) as project:
        if fmt == "gold":
            return _gold(project, out, coder, final)
        if fmt in ("qdpx", "qdc"):
            return _refiqda(project, fmt, corpus, out, coder, final)
        from ..review.spreadsheet import export as write_export
        from ..review.spreadsheet import export_rows

        if final:
            decisions = final_decisions(project)
        elif coder or all_coders:
            decisions = project.latest_decisions(coder)
        else:
            decisions = {}  # an empty decision column: nobody's decisions travel to another coder
        rows = export_rows(project.candidates(), decisions, blank=not (coder or final or all_coders))
    text = write_export(rows, fmt, out)
    return Exported(text=text, done="" if text is not None else f"wrote {len(rows)} rows to {out}")


def _refiqda(project, fmt: str, corpus: Path, out: Path, coder: str | None, final: bool) -> Exported:
    from ..interop import refiqda

    book = project_codebook(project)
    if fmt == "qdc":
        refiqda.export_qdc(book, out)
        return Exported(done=f"wrote the codebook to {out}")
    done = refiqda.export_qdpx(project, book, corpus, out, coder=coder, final=final)
    return Exported(done=f"wrote {out}: {done.documents} documents, {done.codings} codings of "
                         f"{len(done.users)} user(s), {done.notes} notes",
                    skipped=[f"{user} {cid}: {reason}" for user, cid, reason in done.skipped])


def _gold(project, out: Path, coder: str | None, final: bool) -> Exported:
    from ..interop import gold_export
    from ..report.model import decisions_for

    book = project_codebook(project)
    decisions, basis = decisions_for(project, coder, final)
    coded, skipped = gold_export.codings(book, project.candidates(), project.documents(), decisions)
    header = (f"gold coding exported by kwaliteitscan from {project.path.name}: {basis}; codebook {book.name} "
              f"{book.version} ({book.sha256[:12]}).\nOnly the hit sentences of decided candidates are in it: "
              "see docs/reports.md.")
    try:
        done = gold_export.write(coded, out, header)
    except OSError as exc:
        raise InputError(f"{out}: cannot write the gold files ({exc.strerror}); choose a folder you can write to") \
            from exc
    # documents still under review and gold files already there are skipped on purpose (exit 0)
    return Exported(done=f"wrote {len(done.written)} gold coding(s) to {out / 'gold'} ({basis})",
                    skipped=skipped + done.skipped)


def _pending(corpus: Path, fmt: str, db: Path | None, out: Path | None, coder: str | None, limit: int | None,
             theme: str | None) -> Exported:
    """The next `limit` passages of `coder`'s review queue, in queue order, re-ranked on all their
    decisions so far: a coder in a spreadsheet follows the same queue as in `review`, batch by batch."""
    from ..review.queue import ReviewQueue
    from ..review.spreadsheet import export as write_export
    from ..review.spreadsheet import export_rows

    if not coder:
        raise UsageError("--pending needs --coder NAME: each coder's queue learns from their own decisions only")
    if fmt not in ("csv", "xlsx", "jsonl"):
        raise UsageError("--pending writes csv, xlsx or jsonl")
    with open_project(corpus, db, readonly=True) as project:
        book = project_codebook(project)
        if theme is not None and theme not in book.theme_ids:
            raise UsageError(f"unknown theme {theme!r}; one of {', '.join(book.theme_ids)}")
        queue = ReviewQueue(project, coder, book)
        rows = export_rows(queue.items(limit=limit, theme=theme), {})
        met, left, recall = queue.stop()["overall"]
    text = write_export(rows, fmt, out)
    state = (f"the stopping rule is met (about {left:.0f} relevant passage(s) left, estimated recall {recall:.2f})"
             if met else f"not yet at the stopping rule: about {left:.0f} relevant passage(s) left, estimated "
                         f"recall {recall:.2f}")
    return Exported(text=text, done=(f"wrote the next {len(rows)} passage(s) of {coder}'s queue to {out}; "
                                      if text is None else f"{coder}'s queue: ") + state)
