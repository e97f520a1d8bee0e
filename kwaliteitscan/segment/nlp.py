"""The spaCy pipeline: the trained Dutch model when installed, else a blank one with lookups.

`nl_core_news_sm` is not on PyPI and cannot be installed on every machine; without it we
use `spacy.blank("nl")` with the lookup lemmatiser from spacy-lookups-data and a rule
sentenciser. The pipeline's name is recorded with every coding run. spaCy is imported
here only, inside functions, so the CLI starts fast.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache

from ..errors import ModelError

TRAINED = "nl_core_news_sm"


@lru_cache(maxsize=2)
def load_pipeline(language: str = "nl", prefer_trained: bool | None = None):
    """Return (nlp, name). KWALITEITSCAN_PIPELINE=blank forces the fallback."""
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spaCy is a dependency
        raise ModelError("spaCy is not installed: pip install spacy spacy-lookups-data") from exc
    if prefer_trained is None:
        prefer_trained = os.environ.get("KWALITEITSCAN_PIPELINE", "auto") != "blank"
    if prefer_trained and language == "nl":
        try:
            nlp = spacy.load(TRAINED, exclude=["parser", "ner", "senter"])
        except OSError:
            nlp = None
        if nlp is not None:
            nlp.add_pipe("sentencizer")
            return nlp, f"{TRAINED}-{nlp.meta.get('version', '?')}+sentencizer"
    nlp = spacy.blank(language)
    try:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
        lemmas = "lookup"
    except Exception:  # noqa: BLE001 - no lookup tables for this language: tokens and sentences only
        nlp = spacy.blank(language)
        lemmas = "none"
    nlp.add_pipe("sentencizer")
    return nlp, f"blank:{language}+lemmas:{lemmas}+sentencizer (spacy {spacy.__version__})"



def lookup_parts(nlp):
    """(lemma table, sentence-final characters) when `nlp` is the blank lookup pipeline, else None.

    segment.py then runs only spaCy's tokenizer and applies the two rule components itself,
    once per distinct word instead of once per token: the same tokens, lemmas and sentences
    (tests/test_shortcuts.py checks this against the full pipeline), about four times faster.
    """
    if list(nlp.pipe_names) != ["lemmatizer", "sentencizer"]:
        return None
    lemmatizer, sentencizer = nlp.get_pipe("lemmatizer"), nlp.get_pipe("sentencizer")
    if (getattr(lemmatizer, "mode", None) != "lookup" or type(lemmatizer).__name__ != "DutchLemmatizer"
            or lemmatizer.overwrite is not False or sentencizer.overwrite is not False):
        return None
    return lemmatizer.lookups.get_table("lemma_lookup", {}), frozenset(sentencizer.punct_chars)


def pipeline_id(language: str = "nl") -> str:
    """Which spaCy pipeline a run uses, known without loading spaCy."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        spacy_version = version("spacy")
    except PackageNotFoundError:  # pragma: no cover
        spacy_version = "?"
    if (language == "nl" and os.environ.get("KWALITEITSCAN_PIPELINE", "auto") != "blank"
            and importlib.util.find_spec("nl_core_news_sm") is not None):
        return f"nl_core_news_sm {version('nl_core_news_sm')}+sentencizer (spacy {spacy_version})"
    return f"blank:{language}+lookup-lemmas+sentencizer (spacy {spacy_version})"
