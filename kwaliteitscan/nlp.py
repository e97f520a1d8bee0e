"""The spaCy pipeline: the trained Dutch model when installed, else a blank one with lookups.

`nl_core_news_sm` is not on PyPI and cannot be installed on every machine; without it we
use `spacy.blank("nl")` with the lookup lemmatiser from spacy-lookups-data and a rule
sentenciser. The pipeline's name is recorded with every coding run. spaCy is imported
here only, inside functions, so the CLI starts fast.
"""

from __future__ import annotations

import os
from functools import lru_cache

from .errors import ModelError

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

