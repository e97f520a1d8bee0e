"""The use cases that cross stages: code a corpus, audit one file, train a suggester, measure a
codebook change, export a project. The only layer that imports more than one stage."""

from __future__ import annotations

from pathlib import Path

from ..codebook import Codebook, load_codebook


def codebook_for_run(codebook: Path | str | Codebook | None, suggest: Path | str | None) -> Path | str | Codebook | None:
    """The codebook to code with: as given, or loaded with the suggester `suggest` attached."""
    if suggest is None:
        return codebook
    from ..match.suggest import Suggester, attach

    book = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    return attach(book, Suggester.load(suggest), str(suggest))


def code_corpus(*args, **kwargs):
    """`kwaliteitscan code` as a function: see pipeline.code.code_corpus."""
    from .code import code_corpus as run

    return run(*args, **kwargs)
