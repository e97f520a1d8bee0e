"""Segmented documents x codebook -> candidates (theme, codes, polarity, qualifiers, score).

Token tests are evaluated once per distinct (form, lemma) and cached, so matching a
100-page agenda against hundreds of patterns costs a dictionary look-up per token plus a
short walk for the few tokens that start a pattern.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass

from .codebook import Code, Codebook, Pattern, TokenTest
from .segment import Block, PageTokens, Segmented

_PARTS = re.compile(r"[-/]")


@dataclass(frozen=True)
class Candidate:
    id: str
    document: str  # the document's SHA-256
    theme: str
    codes: tuple[str, ...]
    page: int
    start: int  # the hit sentence, as offsets into the page text
    end: int
    passage_end: int  # the passage runs from start to passage_end (continuation sentences)
    sentence: str
    passage: str
    context: str
    polarity: str
    qualifiers: tuple[str, ...]
    score: float
    weak: bool
    terms: tuple[str, ...]
    patterns: tuple[str, ...]


def candidate_id(document_sha: str, page: int, start: int, end: int, theme: str) -> str:
    """Stable id from content: the same sentence of the same document and theme keeps its id."""
    return hashlib.sha256(f"{document_sha}:{page}:{start}:{end}:{theme}".encode()).hexdigest()[:20]


@dataclass(frozen=True)
class _Entry:
    kind: str  # code | cue | qualifier
    owner: object  # Code, cue name or qualifier id
    pattern: Pattern
    steps: tuple[tuple[frozenset[int], int], ...]


class Matcher:
    """A codebook compiled for matching."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self._tests: dict[TokenTest, int] = {}
        self._exact: dict[str, list[int]] = defaultdict(list)
        self._affix: list[tuple[str, str, int]] = []
        self._types: dict[tuple[str, str], frozenset[int]] = {}
        self.entries: list[_Entry] = []
        self.regexes: list[tuple[int, re.Pattern]] = []
        self._by_first: dict[int, list[int]] = defaultdict(list)
        for theme in codebook.themes:
            for code in theme.codes:
                for pattern in code.patterns:
                    self._add("code", code, pattern)
        for name, patterns in codebook.cues.items():
            for pattern in patterns:
                self._add("cue", name, pattern)
        for qualifier in codebook.qualifiers:
            for pattern in qualifier.patterns:
                self._add("qualifier", qualifier.id, pattern)

    def _test_id(self, test: TokenTest) -> int:
        if test not in self._tests:
            self._tests[test] = len(self._tests)
            if test.kind == "exact":
                self._exact[test.value].append(self._tests[test])
            else:
                self._affix.append((test.kind, test.value, self._tests[test]))
        return self._tests[test]

    def _add(self, kind: str, owner, pattern: Pattern) -> None:
        index = len(self.entries)
        if pattern.regex is not None:
            self.entries.append(_Entry(kind, owner, pattern, ()))
            self.regexes.append((index, re.compile(pattern.regex)))
            return
        steps = tuple((frozenset(self._test_id(t) for t in alts), gap) for alts, gap in pattern.steps)
        self.entries.append(_Entry(kind, owner, pattern, steps))
        for test_id in steps[0][0]:
            self._by_first[test_id].append(index)

    def token_tests(self, lower: str, lemma: str) -> frozenset[int]:
        key = (lower, lemma)
        found = self._types.get(key)
        if found is None:
            forms = {lower, lemma}
            for form in (lower, lemma):
                if "-" in form or "/" in form:
                    forms.update(p for p in _PARTS.split(form) if p)
            ids: set[int] = set()
            for form in forms:
                ids.update(self._exact.get(form, ()))
                for kind, value, test_id in self._affix:
                    if (form.startswith(value) if kind == "prefix" else form.endswith(value) if kind == "suffix"
                            else value in form):
                        ids.add(test_id)
            found = self._types[key] = frozenset(ids)
        return found

    def match_sentence(self, page: PageTokens, start: int, end: int, first: int, last: int) -> list[tuple[int, str]]:
        """All (entry index, matched text) in one sentence."""
        ids = [self.token_tests(page.lower(i), page.lemma(i)) for i in range(first, last)]
        hits: list[tuple[int, str]] = []
        for offset, token_ids in enumerate(ids):
            for test_id in token_ids:
                for index in self._by_first.get(test_id, ()):
                    stop = self._walk(self.entries[index].steps, ids, offset)
                    if stop is not None:
                        s = page.spans[first + offset][0]
                        e = page.spans[first + stop][1]
                        hits.append((index, page.text[s:e]))
        if self.regexes:
            lowered = page.text[start:end].lower()
            for index, regex in self.regexes:
                found = regex.search(lowered)
                if found:
                    hits.append((index, page.text[start + found.start():start + found.end()]))
        return hits

    @staticmethod
    def _walk(steps, ids, offset: int) -> int | None:
        position = offset
        for tests, gap in steps[1:]:
            for j in range(position + 1, min(len(ids), position + 2 + gap)):
                if ids[j] & tests:
                    position = j
                    break
            else:
                return None
        return position


# --------------------------------------------------------------------------- candidates


@dataclass
class _Sentence:
    start: int
    end: int
    codes: dict[str, list[tuple[Code, Pattern, str]]]
    cues: set[str]
    qualifiers: set[str]
    opener: str


def code_document(seg: Segmented, matcher: Matcher) -> list[Candidate]:
    """All candidates of one segmented document, in page and offset order."""
    out: list[Candidate] = []
    for page in seg.pages:
        for block in page.blocks:
            out.extend(_code_block(seg.sha256, page, block, matcher))
    return out


def _code_block(sha: str, page: PageTokens, block: Block, matcher: Matcher) -> list[Candidate]:
    sentences = []
    for start, end, first, last in block.sentences:
        sent = _Sentence(start, end, defaultdict(list), set(), set(), page.lower(first) if last > first else "")
        for index, text in matcher.match_sentence(page, start, end, first, last):
            entry = matcher.entries[index]
            if entry.kind == "cue":
                sent.cues.add(entry.owner)
            elif entry.kind == "qualifier":
                sent.qualifiers.add(entry.owner)
            else:
                sent.codes[entry.owner.theme].append((entry.owner, entry.pattern, text))
        sentences.append(sent)
    block_cues = set().union(*(s.cues for s in sentences)) if sentences else set()
    header = block.header
    context = f"{header}\n{page.text[block.start:block.end]}" if header else page.text[block.start:block.end]
    candidates = []
    for k, sent in enumerate(sentences):
        for theme, hits in sent.codes.items():
            kept = [h for h in hits if _allowed(h[0], sent.cues, block_cues)]
            if kept:
                candidates.append(_candidate(sha, page, sentences, k, theme, kept, context, matcher.codebook))
    return candidates


def _allowed(code: Code, sentence_cues: set[str], block_cues: set[str]) -> bool:
    if any(cue in sentence_cues for cue in code.exclude):
        return False
    scope = sentence_cues if code.scope == "sentence" else block_cues
    return all(cue in scope for cue in code.requires)


def _candidate(sha, page, sentences, k, theme, hits, context, codebook: Codebook) -> Candidate:
    sent = sentences[k]
    passage_end = sent.end
    settings = codebook.settings
    for nxt in sentences[k + 1:k + 1 + settings.max_continuation]:
        if nxt.opener not in settings.continuation or theme in nxt.codes:
            break
        passage_end = nxt.end
    codes = tuple(sorted({code.id for code, _, _ in hits}))
    weights = {code.id: code.weight for code, _, _ in hits}
    qualifiers = {q.id: q for q in codebook.qualifiers if q.id in sent.qualifiers}
    negative = any(code.polarity == "negative" for code, _, _ in hits) or any(
        q.polarity == "negative" for q in qualifiers.values())
    score = sum(weights.values())
    weak = (all(code.weak for code, _, _ in hits) or any(q.weak for q in qualifiers.values())
            or score < codebook.min_score)
    return Candidate(
        id=candidate_id(sha, page.number, sent.start, sent.end, theme), document=sha, theme=theme, codes=codes,
        page=page.number, start=sent.start, end=sent.end, passage_end=passage_end,
        sentence=page.text[sent.start:sent.end], passage=page.text[sent.start:passage_end], context=context,
        polarity="negative" if negative else "positive", qualifiers=tuple(sorted(qualifiers)), score=score,
        weak=weak, terms=tuple(sorted({text for _, _, text in hits})),
        patterns=tuple(sorted({f"{code.id}: {pattern.source}" for code, pattern, _ in hits})),
    )
