"""The project stage: the SQLite file that holds documents, candidates and every coder's
decisions (store.py, the only SQL), and which decisions count as final (decisions.py)."""

from __future__ import annotations

from pathlib import Path

from ..errors import ProjectError, UsageError
from .store import DEFAULT_DB_NAME, Project, default_db, run_label


def open_project(corpus: Path, db: Path | None = None, *, readonly: bool = False) -> Project:
    """The project of a coded corpus (`db`, else kwaliteitscan.sqlite in the corpus folder).
    `readonly` opens it so that nothing can change it, also on a read-only folder or mount."""
    path = Path(db) if db else default_db(corpus)
    if not path.exists():
        raise UsageError(f"{path}: no project yet; run `kwaliteitscan code {corpus}` first")
    if path.is_file() and path.stat().st_size == 0:
        raise ProjectError(f"{path}: an empty file (0 bytes), not a project; restore it from a backup, or delete "
                           f"it and run `kwaliteitscan code {corpus}` to start again")
    return Project(path, readonly=readonly)


def project_codebook(project: Project):
    """The codebook the project's candidates were made with (the bundled one for an empty project)."""
    from ..codebook import load_codebook, parse_codebook

    source = project.codebook_source()
    return parse_codebook(source["text"], source["path"], source["sha256"]) if source else load_codebook()


__all__ = ["DEFAULT_DB_NAME", "Project", "default_db", "open_project", "project_codebook", "run_label"]
