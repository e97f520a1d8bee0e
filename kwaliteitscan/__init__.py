"""kwaliteitscan: code Dutch MBO kwaliteitsagenda's against a codebook on stagediscriminatie.

The library is usable without the CLI, e.g. from a notebook:

    import kwaliteitscan
    summary = kwaliteitscan.code_corpus("corpus/")
    print(summary.candidates_per_theme)

    from kwaliteitscan.extract import extract_file
    doc = extract_file("corpus/roc-middenveld-2024.pdf")
    print(doc.pages[0].text)

One folder per stage of the flow: extract -> segment -> (codebook) -> match -> project ->
review / report -> interop; pipeline holds the use cases that cross stages, cli the command.
"""

from .version import __version__

__all__ = ["__version__", "audit_file", "code_corpus"]


def __getattr__(name: str):  # the use cases, imported only when asked for, so `--help` stays fast
    if name in ("code_corpus", "audit_file"):
        from . import pipeline
        from .pipeline import audit

        return {"code_corpus": pipeline.code_corpus, "audit_file": audit.audit_file}[name]
    raise AttributeError(name)
