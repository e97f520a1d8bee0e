"""The use cases that cross stages: code a corpus, audit one file, train a suggester, measure a
codebook change, export a project. The only layer that imports more than one stage."""

from __future__ import annotations

from pathlib import Path

from ..codebook import Codebook, load_codebook


#: `--polarity-model none`: code with the rules alone
NO_MODEL = "none"


def codebook_for_run(codebook: Path | str | Codebook | None, suggest: Path | str | None,
                     polarity_model: Path | str | None = None) -> Codebook:
    """The codebook to code with, with the suggester `suggest` attached, and its polarity model:
    `polarity_model` (a JSON file), none for "none", or by default the one that ships beside a codebook
    file (`<codebook>.polarity.json`; a Codebook given as an object keeps the model it has)."""
    from ..match import polarity

    given = isinstance(codebook, Codebook)
    book = codebook if given else load_codebook(codebook)
    if suggest is not None:
        from ..match.suggest import Suggester, attach

        book = attach(book, Suggester.load(suggest), str(suggest))
    if polarity_model is not None and str(polarity_model).lower() == NO_MODEL:
        return polarity.attach(book, None)
    if polarity_model is not None:
        return polarity.attach(book, polarity.PolarityModel.load(polarity_model), str(polarity_model))
    if not given:
        path = polarity.beside(book)
        if path is not None:
            book = polarity.attach(book, polarity.PolarityModel.load(path), str(path))
    return book


def code_corpus(*args, **kwargs):
    """`kwaliteitscan code` as a function: see pipeline.code.code_corpus."""
    from .code import code_corpus as run

    return run(*args, **kwargs)
