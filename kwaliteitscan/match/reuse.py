"""Matching a document again after a codebook edit, looking only for the patterns that are new.

A pattern's hits in a document depend on the pattern and the segmented text alone (matcher.hit_key),
not on the codes, cues, rules or weights around it. So the hits of every pattern are kept beside the
segmentation cache, and a re-code takes the hits of the patterns an earlier run already looked for
and matches only the new ones; everything after matching (requires / exclude / scope rules,
negation, passages, scores) is computed again from those hits, so a changed rule takes effect.
Exact by construction: the same (entry, matched text) hits per sentence as matching everything;
tests/pipeline/test_recode.py compares a warm re-code with a cold run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
from collections import defaultdict
from pathlib import Path
from typing import Callable

from ..files import write_cache
from ..codebook.model import Code, Pattern
from .matcher import MATCH_VERSION, Matcher

_FORMAT = "kwaliteitscan-hits"

#: key -> [(page, sentence start, matched text), ...]: every hit of one pattern in one document
Hits = dict[str, list[tuple[int, int, str]]]


class ReusingMatcher:
    """A Matcher for one document: earlier hits for the patterns already looked for, a matcher
    restricted to the new patterns for the rest. Everything else is the full matcher's."""

    def __init__(self, matcher: Matcher, earlier: Hits | None,
                 restricted: Callable[[frozenset[str]], Matcher]) -> None:
        self._matcher = matcher
        # the full matcher's public attributes, read per sentence by code_document: looked up once here
        self.__dict__.update((k, v) for k, v in vars(matcher).items() if not k.startswith("_"))
        self._earlier = earlier or {}
        keys = set(matcher.keys)
        known = keys & set(self._earlier)
        self._missing = frozenset(keys - known)
        if not self._missing:
            self._fresh = None
        elif not known:
            self._fresh = matcher
        else:
            self._fresh = restricted(self._missing)
        by_key: dict[str, list[int]] = defaultdict(list)
        for index, key in enumerate(matcher.keys):
            by_key[key].append(index)
        reused: dict[tuple[int, int], list[tuple[int, str]]] = defaultdict(list)
        for key in known:
            indexes = by_key[key]
            if len(indexes) == 1:
                index = indexes[0]
                for page, start, text in self._earlier[key]:
                    reused[(page, start)].append((index, text))
            else:
                for page, start, text in self._earlier[key]:
                    reused[(page, start)].extend((i, text) for i in indexes)
        self._reused = reused
        self._found: dict[tuple[int, int], list[tuple[int, str]]] = {}

    def __getattr__(self, name: str):
        return getattr(self._matcher, name)

    def match_sentence(self, page, start: int, end: int, first: int, last: int,
                       heading: bool = False) -> list[tuple[int, str]]:
        hits = list(self._reused.get((page.number, start), ()))
        if self._fresh is not None:
            found = self._fresh.match_sentence(page, start, end, first, last, heading)
            self._found[(page.number, start)] = found
            hits.extend(found)
        return hits

    def hits(self) -> Hits | None:
        """Every pattern's hits in the document, the earlier ones and those found now, for the next
        re-code; None when nothing new was looked for (the kept hits are still right)."""
        if self._fresh is None:
            return None
        out: Hits = dict(self._earlier)  # the earlier lists are not changed: the new keys are other keys
        out.update((key, []) for key in self._missing)  # a pattern without hits was looked for too
        keys = self._matcher.keys
        first_of: dict[str, int] = {}
        for index, key in enumerate(keys):
            first_of.setdefault(key, index)
        for (page, start), found in self._found.items():
            for index, text in found:
                if first_of[keys[index]] == index:  # entries with one key hit alike: keep one of them
                    out[keys[index]].append((page, start, text))
        return out


def result_digest(matcher: Matcher, hits: Hits, place: str) -> str:
    """A digest of everything a document's candidates and passages are computed from: the code that
    computes them, the codebook without its patterns (themes, codes, rules, weights, qualifiers,
    negation, settings, suggester), and the patterns that hit the document, with the document's
    segmentation (`place`: the hits file's name, keyed like the segmentation cache). A pattern that
    hits nothing in a document cannot change its result, so adding one keeps the digest."""
    book = matcher.codebook
    suggester = matcher.suggester
    hitting = [(entry.kind, _owner(entry.owner), entry.pattern.source, key)
               for entry, key in zip(matcher.entries, matcher.keys) if hits.get(key)]
    digest = hashlib.sha256(_source_digest().encode())
    digest.update(repr((place, _rules(book), hitting)).encode())
    if suggester is not None:  # the whole model: one in memory may have no sha256
        digest.update(_suggester_digest(suggester).encode())
    model = book.polarity_model
    if model is not None:  # its sha256: of the file's bytes, or of the data of one built in memory
        digest.update(f"polarity {model.sha256}".encode())
    return digest.hexdigest()


_suggesters: dict[int, tuple[object, str]] = {}
_books: dict[int, tuple[object, str]] = {}


def _rules(book) -> str:
    """repr(_plain(book)), once per codebook object."""
    known = _books.get(id(book))
    if known is None or known[0] is not book:
        known = _books[id(book)] = (book, repr(_plain(book)))
    return known[1]


def _suggester_digest(suggester) -> str:
    known = _suggesters.get(id(suggester))
    if known is None or known[0] is not suggester:
        known = _suggesters[id(suggester)] = (suggester, hashlib.sha256(repr(_plain(suggester)).encode()).hexdigest())
    return known[1]


def _owner(owner) -> object:
    return (owner.theme, owner.id) if isinstance(owner, Code) else owner


_SKIP = {"patterns", "line", "source_text", "sha256", "path", "name", "version", "description", "suggester",
         "polarity_model"}


def _plain(value):
    """A codebook as plain, ordered data without its patterns (sets sorted, so the repr is stable)."""
    if isinstance(value, Pattern):
        return None
    if dataclasses.is_dataclass(value):
        return tuple((f.name, _plain(getattr(value, f.name))) for f in dataclasses.fields(value) if f.name not in _SKIP)
    if isinstance(value, dict):
        return tuple((k, _plain(v)) for k, v in sorted(value.items(), key=lambda kv: repr(kv[0])))
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(_plain(v) for v in value))
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value if not isinstance(v, Pattern))
    return value


_SOURCES = ("matcher.py", "passages.py", "negation.py", "suggest.py", "reuse.py", "polarity.py")
_source: list[str] = []


def _source_digest() -> str:
    """The code that turns hits into candidates and passages: a change to it changes every digest."""
    if not _source:
        digest = hashlib.sha256()
        for name in _SOURCES:
            digest.update((Path(__file__).parent / name).read_bytes())
        _source.append(digest.hexdigest())
    return _source[0]


def hits_path(segment_cache: Path) -> Path:
    """Beside the document's segmentation cache file, whose key (content, extraction, pipeline) it shares."""
    return segment_cache.with_name(f"{segment_cache.stem}.hits-m{MATCH_VERSION}.marshal")


def load_hits(path: Path) -> Hits | None:
    try:
        tag, hits = marshal.loads(path.read_bytes())
        if tag != _FORMAT or not isinstance(hits, dict):
            raise ValueError("not a hits cache")
        return hits
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, EOFError):  # damaged: match everything again
        path.unlink(missing_ok=True)
        return None


def store_hits(path: Path, hits: Hits) -> None:
    data = marshal.dumps((_FORMAT, hits))
    write_cache(path, lambda tmp: tmp.write_bytes(data))  # a cache that cannot be written only costs time
