"""Segmented documents x codebook -> candidates (theme, codes, polarity, qualifiers, score).

Token tests are evaluated once per distinct (form, lemma) of a document (the segment
cache numbers them), so matching a 100-page agenda against hundreds of patterns costs a
list look-up per token, a short walk around the few tokens that anchor a pattern of
several words, and regular-expression searches only in sentences that hold the literal
strings an expression cannot match without. Every shortcut is exact: Matcher(shortcuts=False)
searches everything, and tests compare the two.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections import defaultdict

try:  # the regular-expression parser, used only to find what a pattern cannot match without
    from re import _constants as _sre, _parser as _sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _sre
    import sre_parse as _sre_parse
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Callable

from ..codebook import Code, Codebook, Pattern, TokenTest
from ..segment.segmenter import Block, PageTokens, Segmented
from ..errors import CodebookError
from .budget import REGEX_BUDGET, Expired, page_budget
from .negation import negated as scope_negated

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


#: what a cached hit of a pattern depends on besides the pattern and the segmented text: bump it when
#: the way a pattern is matched changes (token tests, walks, regular-expression searching)
MATCH_VERSION = "1"


def hit_key(kind: str, pattern: Pattern) -> str:
    """What an entry's hits in a sentence depend on: its pattern, and whether it is a heading pattern
    (looked for in headings only). Entries with one key have the same hits in every sentence."""
    where = "heading" if kind == "heading" else "text"
    if pattern.regex is not None:
        return f"{where} regex {pattern.regex}"
    steps = tuple((tuple(sorted((t.kind, t.value) for t in alts)), gap) for alts, gap in pattern.steps)
    return f"{where} tokens {steps!r}"


def candidate_id(document_sha: str, page: int, start: int, end: int, theme: str) -> str:
    """Stable id from content: the same sentence of the same document and theme keeps its id."""
    return hashlib.sha256(f"{document_sha}:{page}:{start}:{end}:{theme}".encode()).hexdigest()[:20]


@dataclass(frozen=True)
class _Entry:
    kind: str  # code | heading (a code with scope heading or column) | cue | qualifier
    owner: object  # Code, cue name or qualifier id
    pattern: Pattern
    steps: tuple[tuple[frozenset[int], int], ...]


class Matcher:
    """A codebook compiled for matching."""

    def __init__(self, codebook: Codebook, shortcuts: bool = True, regex_budget: float | None = REGEX_BUDGET,
                 only: frozenset[str] | None = None) -> None:
        self.codebook = codebook
        #: the hit key of each entry (see hit_key); `only`: look for the entries with these keys alone
        #: (the others keep their index but are never hit: reuse.py adds what an earlier run found)
        self.keys: list[str] = []
        self._only = only
        #: seconds each regular expression may search one page (None: no limit); see budget.py
        self.regex_budget = regex_budget
        self.shortcuts = shortcuts  # False: search every sentence with every pattern (for tests)
        self.negative_qualifiers = frozenset(q.id for q in codebook.qualifiers if q.polarity == "negative")
        self.suggester = codebook.suggester
        if self.suggester is not None:
            from ..codebook.model import RESERVED_CODE as CODE_ID, SUGGESTED_LABEL as CODE_LABEL

            source = f"model p >= {self.suggester.threshold:.2f} ({self.suggester.sha256[:12] or 'in memory'})"
            self.suggested_pattern = Pattern(source=source, line=0)
            # a suggestion is weak and adds nothing to a candidate's score
            self.suggested_codes = {t: Code(CODE_ID, t, CODE_LABEL, (), weight=0.0, weak=True)
                                    for t in codebook.theme_ids if t in self.suggester.themes}
        self._tests: dict[TokenTest, int] = {}
        self._exact: dict[str, list[int]] = defaultdict(list)
        self._prefix: dict[str, list[tuple[str, int]]] = defaultdict(list)  # by first two letters
        self._other: list[tuple[str, str, int]] = []  # suffix, contains and one-letter prefixes
        self._types: dict[tuple[str, str], frozenset[int]] = {}
        self._by_word: dict[tuple[str, str | None], tuple] = {}  # as printed, before lowercasing: see _word
        self.entries: list[_Entry] = []
        self._distinct: dict[str, tuple[re.Pattern, _Gate, list[int]]] = {}  # each expression searched once
        self._page: tuple | None = None  # (page, its regular-expression hits by sentence, its sentences)
        self._vocab: tuple | None = None  # (a document's vocabulary, the _word of each entry)
        # test id -> entries: one-token patterns (a test is a hit) and longer ones, by their anchor
        # step (a test there sends the walk looking for the pattern around it); patterns of
        # scope-heading codes apart, as they are looked for in headings only
        self._single: dict[int, list[int]] = defaultdict(list)
        self._by_anchor: dict[int, list[int]] = defaultdict(list)
        self._head_single: dict[int, list[int]] = defaultdict(list)
        self._head_by_anchor: dict[int, list[int]] = defaultdict(list)
        self._anchor: dict[int, tuple[int, int]] = {}  # entry -> (anchor step, most tokens from step 0 to it)
        self._step_tests: dict[int, tuple[frozenset[int], ...]] = {}  # entry -> the tests of each step
        for theme in codebook.themes:
            for code in theme.codes:
                for pattern in code.patterns:
                    self._add("heading" if code.scope in ("heading", "column") else "code", code, pattern)
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
                if test.kind == "prefix" and len(test.value) >= 2:
                    self._prefix[test.value[:2]].append((test.value, self._tests[test]))
                else:
                    self._other.append((test.kind, test.value, self._tests[test]))
        return self._tests[test]

    def _add(self, kind: str, owner, pattern: Pattern) -> None:
        index = len(self.entries)
        self.keys.append(hit_key(kind, pattern))
        if self._only is not None and self.keys[-1] not in self._only:
            self.entries.append(_Entry(kind, owner, pattern, ()))
            return
        if pattern.regex is not None:
            self.entries.append(_Entry(kind, owner, pattern, ()))
            if pattern.regex not in self._distinct:
                self._distinct[pattern.regex] = (re.compile(pattern.regex), regex_gate(pattern.regex), [])
            self._distinct[pattern.regex][2].append(index)
            return
        steps = tuple((frozenset(self._test_id(t) for t in alts), gap) for alts, gap in pattern.steps)
        self.entries.append(_Entry(kind, owner, pattern, steps))
        if kind == "heading":
            single, by_anchor = self._head_single, self._head_by_anchor
        else:
            single, by_anchor = self._single, self._by_anchor
        if len(steps) == 1:
            for test_id in steps[0][0]:
                single[test_id].append(index)
            return
        k = _anchor_step(pattern) if self.shortcuts else 0
        self._anchor[index] = (k, sum(1 + gap for _, gap in steps[1:k + 1]))
        self._step_tests[index] = tuple(tests for tests, _ in steps)
        for test_id in steps[k][0]:
            by_anchor[test_id].append(index)

    def token_tests(self, lower: str, lemma: str) -> frozenset[int]:
        key = (lower, lemma)
        found = self._types.get(key)
        if found is None:
            forms = {lower, lemma}
            for form in (lower, lemma):
                if ("-" in form or "/" in form) and not form.startswith("niet-"):  # niet-westers: a prefix, no negation
                    forms.update(p for p in _PARTS.split(form) if p)
            ids: set[int] = set()
            for form in forms:
                ids.update(self._exact.get(form, ()))
                ids.update(test_id for value, test_id in self._prefix.get(form[:2], ()) if form.startswith(value))
                for kind, value, test_id in self._other:
                    if (form.startswith(value) if kind == "prefix" else form.endswith(value) if kind == "suffix"
                            else value in form):
                        ids.add(test_id)
            found = self._types[key] = frozenset(ids)
        return found

    def _word(self, word: str, lemma: str | None) -> tuple:
        """(tests passed, one-token patterns hit, longer patterns started, the same two for
        heading patterns) for a word as printed."""
        lower = word.lower()
        ids = self.token_tests(lower, lemma or lower)
        info = (ids, tuple(i for t in ids for i in self._single.get(t, ())),
                tuple(i for t in ids for i in self._by_anchor.get(t, ())),
                tuple(i for t in ids for i in self._head_single.get(t, ())),
                tuple(i for t in ids for i in self._head_by_anchor.get(t, ())))
        self._by_word[(word, lemma)] = info
        return info

    def _vocab_infos(self, vocab: list) -> list:
        """_word for every entry of a document's vocabulary, kept for the document being matched."""
        if self._vocab is None or self._vocab[0] is not vocab:
            by_word = self._by_word
            infos = [by_word.get(key) or self._word(*key) for key in vocab]
            self._vocab = (vocab, infos, any(info[1] or info[2] or info[3] or info[4] for info in infos))
        return self._vocab[1]

    def finds_nothing(self, seg: Segmented) -> bool:
        """Whether none of this matcher's patterns hits any sentence of `seg`: no word of the document
        starts a token pattern, and no regular expression matches a sentence of any page."""
        if seg.pages:
            self._vocab_infos(seg.pages[0].vocab)
            if self._vocab[2]:
                return False
        if self._distinct:
            for page in seg.pages:
                self._page = (page, *self._page_regex_hits(page))
                if self._page[1]:
                    return False
        return True

    def match_sentence(self, page: PageTokens, start: int, end: int, first: int, last: int,
                       heading: bool = False) -> list[tuple[int, str]]:
        """All (entry index, matched text) in one sentence; patterns of scope-heading codes only
        when the sentence is a heading (or a list label)."""
        text, spans = page.text, page.spans
        infos = self._vocab_infos(page.vocab)  # each distinct word of the document looked up once
        if not self._vocab[2]:  # no word of the document starts any token pattern
            if not self._distinct:
                return []
            found = self._regex_hits(page, (start, end))
            return found if heading else [h for h in found if self.entries[h[0]].kind != "heading"]
        token_infos = [infos[t] for t in page.types[first:last]]
        ids = [info[0] for info in token_infos]
        if heading:
            triggers = [(k, (info[0], info[1] + info[3], info[2] + info[4])) for k, info in enumerate(token_infos)
                        if info[1] or info[2] or info[3] or info[4]]
        else:
            triggers = [(k, info) for k, info in enumerate(token_infos) if info[1] or info[2]]
        hits: list[tuple[int, str]] = []
        entries = self.entries
        present: set[int] | None = None  # every test some token of the sentence passes
        possible: dict[int, bool] = {}  # pattern -> do all its steps occur in the sentence at all?
        walked: set[tuple[int, int]] = set()  # (pattern, start) already walked
        for offset, (_, singles, multis, *_) in triggers:
            if singles:
                a, b = spans[first + offset]
                word = text[a:b]
                hits.extend((index, word) for index in singles)
            for index in multis:
                steps = entries[index].steps
                ok = possible.get(index) if self.shortcuts else True
                if ok is None:
                    if present is None:
                        present = set().union(*ids)
                    ok = True
                    for step in self._step_tests[index]:
                        if present.isdisjoint(step):
                            ok = False
                            break
                    possible[index] = ok
                if not ok:
                    continue
                k, reach = self._anchor[index]
                # the walk always starts at step 0: from this token, or from where step 0 stands
                # before this anchor token within reach
                for start_at in ((offset,) if k == 0 else range(max(0, offset - reach), offset - k + 1)):
                    if k and ((index, start_at) in walked or ids[start_at].isdisjoint(steps[0][0])):
                        continue
                    walked.add((index, start_at))
                    stop = self._walk(steps, ids, start_at)
                    if stop is not None:
                        hits.append((index, text[spans[first + start_at][0]:spans[first + stop][1]]))
        if self._distinct:
            found = self._regex_hits(page, (start, end))
            hits.extend(found if heading else [h for h in found if self.entries[h[0]].kind != "heading"])
        return hits

    def _regex_hits(self, page: PageTokens, span: tuple[int, int]) -> list[tuple[int, str]]:
        """Regular-expression hits in `span` of a page. The hits of all the page's sentences are
        found at once, each expression searched only where its gate admits it; a span that is
        not one of the page's sentences is searched directly."""
        if self._page is None or self._page[0] is not page:
            self._page = (page, *self._page_regex_hits(page))
        _, by_sentence, sentences = self._page
        if span in sentences:
            return by_sentence.get(span, [])
        start, end = span
        lowered = page.text[start:end].lower()
        out = []
        with page_budget(self.regex_budget) as timer:
            for source, (regex, _, indexes) in self._distinct.items():
                timer.start()
                try:
                    found = regex.search(lowered)
                except Expired:
                    raise self._too_slow(source, page) from None
                if found:
                    out.extend((index, page.text[start + found.start():start + found.end()]) for index in indexes)
        return out

    def _too_slow(self, source: str, page: PageTokens) -> CodebookError:
        entry = self.entries[self._distinct[source][2][0]]
        return CodebookError(f"{self.codebook.path or 'codebook'}: line {entry.pattern.line}: regular expression "
                             f"{source[:80]!r} took more than {self.regex_budget:g} s on one page (page {page.number}) "
                             "and was stopped; bound its repeats (e.g. [^.;]{0,80}? instead of .*) and code again")

    def _page_regex_hits(self, page: PageTokens) -> tuple[dict, set]:
        bounds = sorted((s[0], s[1]) for block in page.blocks for s in block.sentences)
        starts = [s for s, _ in bounds]
        lowered = page.text.lower()
        if len(lowered) != len(page.text):  # lowercasing changed the length: no shared offsets, search everything
            lowered = None
        out: dict[tuple[int, int], list[tuple[int, str]]] = defaultdict(list)
        with page_budget(self.regex_budget) as timer:
            for source, (regex, gate, indexes) in self._distinct.items():
                use_gate = lowered is not None and self.shortcuts
                timer.start()  # the budget is per expression per page
                try:
                    for k in (gate.sentences(lowered, bounds, starts) if use_gate else range(len(bounds))):
                        start, end = bounds[k]
                        found = regex.search(lowered[start:end] if lowered is not None
                                             else page.text[start:end].lower())
                        if found:
                            matched = page.text[start + found.start():start + found.end()]
                            out[(start, end)].extend((index, matched) for index in indexes)
                except Expired:
                    raise self._too_slow(source, page) from None
        return out, set(bounds)

    @staticmethod
    def _walk(steps, ids, offset: int) -> int | None:
        position = offset
        size = len(ids)
        for tests, gap in steps[1:]:
            stop = position + 2 + gap
            for j in range(position + 1, stop if stop < size else size):
                if ids[j] & tests:
                    position = j
                    break
            else:
                return None
        return position


# --------------------------------------------------------------------------- regex gates


class _Gate:
    """Cheap necessary conditions for a regular expression to match a (lowercased) text.

    `sets`: for each set, at least one of its strings must occur in the text (every set is
    required; the most selective set is searched for, the others tested); `max_len`: for a pattern anchored at both
    ends, the longest text it can match. Both are derived from the parsed pattern, so a
    search they rule out could not have matched: they spare the search, never a hit.
    """

    def __init__(self, sets: list[list[str]], max_len: int | None) -> None:
        # most selective first: the longest shortest string, then the fewest strings
        self.sets = sorted((tuple(sorted(set(o), key=len)) for o in sets), key=lambda o: (-len(o[0]), len(o)))
        self.max_len = max_len

    def admits(self, text: str) -> bool:
        """Could the expression match `text` (lowercased)?"""
        if self.max_len is not None and len(text) > self.max_len + 1:  # `$` may stand before a final newline
            return False
        return all(any(s in text for s in options) for options in self.sets)

    def sentences(self, lowered: str, bounds: list[tuple[int, int]], starts: list[int]) -> list[int]:
        """Indexes of the sentences (start, end) of a page that the gate admits."""
        if self.sets:
            if not all(any(s in lowered for s in o) for o in self.sets):
                return []
            found: set[int] = set()
            for literal in self.sets[0]:
                position = lowered.find(literal)
                while position >= 0:
                    k = bisect_right(starts, position) - 1
                    if k >= 0 and position + len(literal) <= bounds[k][1]:
                        found.add(k)
                        position = lowered.find(literal, bounds[k][1])
                    else:
                        position = lowered.find(literal, position + 1)
            chosen, others = sorted(found), self.sets[1:]
        else:
            chosen, others = list(range(len(bounds))), []
        if self.max_len is not None:
            chosen = [k for k in chosen if bounds[k][1] - bounds[k][0] <= self.max_len + 1]  # `$` before a newline
        for options in others:
            chosen = [k for k in chosen if any(o in lowered[bounds[k][0]:bounds[k][1]] for o in options)]
        return chosen


def _required(items, ignore_case: bool, ascii_only: bool) -> list[list[str]]:
    """Sets of strings: every match of the parsed sequence contains one string of each set.

    Where case is ignored nothing is required (Python folds more than lowercase does:
    'ſ' matches 's'), and a digit class requires an ASCII digit only under re.ASCII."""
    options: list[list[str]] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            options.append(["".join(run)])
            run.clear()

    def best(sets: list[list[str]]) -> list[str] | None:
        return max(sets, key=lambda o: (min(len(s) for s in o), -len(o))) if sets else None

    for op, av in items:
        if op is _sre.LITERAL and not ignore_case:
            run.append(chr(av))
            continue
        close_run()
        if op is _sre.SUBPATTERN:
            _, add, remove, sub = av
            options.extend(_required(sub, (ignore_case or bool(add & re.I)) and not remove & re.I,
                                     (ascii_only or bool(add & re.A)) and not remove & re.A))
        elif op is _sre.BRANCH:
            branches = [best(_required(branch, ignore_case, ascii_only)) for branch in av[1]]
            if all(branches):
                options.append(sorted({s for b in branches for s in b}))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", None)) and av[0] >= 1:
            options.extend(_required(av[2], ignore_case, ascii_only))
        elif op is _sre.IN and not ignore_case and all(o is _sre.LITERAL for o, _ in av):
            options.append(sorted({chr(v) for _, v in av}))
        elif op is _sre.IN and ascii_only and av == [(_sre.CATEGORY, _sre.CATEGORY_DIGIT)]:
            options.append(list("0123456789"))
    close_run()
    return options


def regex_gate(pattern: str) -> _Gate:
    parsed = _sre_parse.parse(pattern)
    flags = parsed.state.flags
    sets = _required(parsed.data, bool(flags & re.IGNORECASE), bool(flags & re.ASCII))
    data = parsed.data
    anchored = (len(data) >= 2 and data[0] == (_sre.AT, _sre.AT_BEGINNING) and data[-1] == (_sre.AT, _sre.AT_END)
                and not flags & re.MULTILINE)
    width = parsed.getwidth()[1]
    return _Gate(sets, width if anchored and width < _sre.MAXREPEAT else None)


# --------------------------------------------------------------------------- candidates


@dataclass
class _Sentence:
    start: int
    end: int
    codes: dict[str, list[tuple[Code, Pattern, str]]]
    cues: set[str]
    qualifiers: set[str]
    opener: str
    headings: list[tuple[Code, Pattern, str]] = field(default_factory=list)  # scope-heading codes this line names


@dataclass
class _Unit:
    """What the matcher codes at once: a paragraph, or the rows of one table."""

    page: PageTokens
    blocks: list[Block]


def _units(seg: Segmented):
    for page in seg.pages:
        unit: list[Block] = []
        for block in page.blocks:
            same_table = unit and block.is_row and unit[-1].is_row and (
                block.header == unit[-1].header or block.header == page.text[unit[0].start:unit[0].end])
            if same_table:
                unit.append(block)
                continue
            if unit:
                yield _Unit(page, unit)
            unit = [block]
        if unit:
            yield _Unit(page, unit)


def code_document(seg: Segmented, matcher: Matcher, themes_seen: dict | None = None) -> list[Candidate]:
    """All candidates of one segmented document, in page and offset order.

    Hits of one theme in one paragraph (or table row) are merged into one candidate per
    polarity; the section heading above a paragraph counts as its topic for `scope: section`.
    `themes_seen`, when given, receives for every sentence ((page, start) -> themes) the themes
    whose patterns occur in it before any requires / exclude / scope rule (for the review queue).
    """
    out: list[Candidate] = []
    headings: list[tuple[int, set[str], list]] = []  # the heading chain: (level, cues, scope-heading hits)
    section_cues: set[str] = set()
    bridges = _page_bridges(seg)
    for unit in _units(seg):
        labels = {id(block) for block in unit.blocks if _is_label(unit.page.text, block)}
        blocks = unit.blocks
        table = len(blocks) > 1 and not blocks[0].header
        matched = [[_match(unit.page, s, matcher, bool(block.heading) or id(block) in labels or (table and not i))
                    for s in block.sentences] for i, block in enumerate(blocks)]
        if themes_seen is not None:
            for sents in matched:
                for sent in sents:
                    themes_seen[(unit.page.number, sent.start)] = set(sent.codes)
        unit_cues = set().union(*(s.cues for sents in matched for s in sents))
        if table:  # the header row says what each cell is: its hits, and the columns it names, hold for every row
            header_codes = [hit for sent in matched[0] for hits in sent.codes.values() for hit in hits]
            header_codes += [hit for sent in matched[0] for hit in sent.headings if hit[0].scope == "column"]
            for sentences in matched[1:]:
                for sent in sentences:
                    for hit in header_codes:
                        sent.codes[hit[0].theme].append(hit)
            blocks, matched = blocks[1:], matched[1:]
        for block, sentences in zip(blocks, matched):
            kind = _LABEL if id(block) in labels else block.heading
            if not kind and headings and headings[-1][0] == _LABEL and not _is_item(unit.page.text, block):
                headings = headings[:-1]  # the list a label introduced has ended
                section_cues = set().union(*(h[1] for h in headings))
            if kind:
                cues = set().union(*(s.cues for s in sentences))
                named = [hit for s in sentences for hit in s.headings if hit[0].scope == "heading"]
                if kind == _LABEL and not named:  # "Hoe werkt het:" keeps the theme of the heading above
                    named = next((h[2] for h in reversed(headings) if h[0] != _LABEL), [])
                text = unit.page.text[block.start:block.end]
                headings = [h for h in headings if h[0] < kind] + [(kind, cues, named, text)]
                section_cues = set().union(*(h[1] for h in headings))
            elif headings and headings[-1][2]:  # under a heading that names a theme: every sentence is a hit
                for sent in sentences:
                    for hit in headings[-1][2]:
                        sent.codes[hit[0].theme].append(hit)
            heading = None
            if matcher.suggester is not None and not kind:  # the headings above, joined only when needed
                heading = partial(" ".join, [h[3] for h in headings] + [block.header])
            found = _block_candidates(seg.sha256, unit.page, block, sentences, unit_cues, section_cues, matcher,
                                      heading)
            head, tail = bridges.get((unit.page.number, block.start), ("", ""))
            if head or tail:  # a paragraph that runs over a page break: show all of it as context
                found = [replace(c, context=" ".join(p for p in (head, c.context, tail) if p)) for c in found]
            out.extend(found)
    return out


_LABEL = 10  # a list label ("Wie:", "Resultaat eind 2027:") heads the bullet items after it, below any heading
_BULLETS = "•·▪◦‣●■-–"


def _is_label(text: str, block: Block) -> bool:
    line = text[block.start:block.end].strip()
    return (not block.heading and not block.is_row and line.endswith(":") and len(line.split()) <= 8
            and line[:1] not in _BULLETS)


def _is_item(text: str, block: Block) -> bool:
    return text[block.start:block.end].lstrip()[:1] in _BULLETS


#: the commonest Dutch function words: a pattern is not anchored on them (speed only, never results).
#: spaCy's stop-word list would do, but importing it costs a warm re-code a second of spaCy start-up.
_COMMON = frozenset("""de het een en in op van te voor met bij aan uit om tot door naar over als of dat die dit
deze wij we ons onze zij ze hij is zijn was waren wordt worden werd heeft hebben had niet geen ook nog al er hun
wel dan maar want meer zo kan kunnen moet moeten zal zullen wil willen gaan gaat""".split())


def _anchor_step(pattern: Pattern) -> int:
    """The step of a multi-token pattern least likely to occur: not a common function word or a
    one- or two-letter stem, then the longest; ties: the earliest."""

    def commonness(k: int) -> tuple:
        alternatives = pattern.steps[k][0]
        common = any((t.kind == "exact" and t.value in _COMMON) or len(t.value) <= 2 for t in alternatives)
        return (common, -min(len(t.value) for t in alternatives), k)

    return min(range(len(pattern.steps)), key=commonness)


def _page_bridges(seg: Segmented) -> dict[tuple[int, int], tuple[str, str]]:
    """(page, block start) -> (text before, text after) for paragraphs split by a page break."""
    bridges: dict[tuple[int, int], tuple[str, str]] = {}
    for this, nxt in zip(seg.pages, seg.pages[1:]):
        if not this.blocks or not nxt.blocks or this.blocks[-1].is_row or nxt.blocks[0].is_row:
            continue
        last, first = this.blocks[-1], nxt.blocks[0]
        before = this.text[last.start:last.end]
        after = nxt.text[first.start:first.end]
        if before.rstrip().endswith((".", "!", "?", ":")) or not after[:1].islower():
            continue
        key_last, key_first = (this.number, last.start), (nxt.number, first.start)
        bridges[key_last] = (bridges.get(key_last, ("", ""))[0], after)
        bridges[key_first] = (before, bridges.get(key_first, ("", ""))[1])
    return bridges


def _match(page: PageTokens, sentence: tuple[int, int, int, int], matcher: Matcher, heading: bool = False) -> _Sentence:
    start, end, first, last = sentence
    sent = _Sentence(start, end, defaultdict(list), set(), set(), page.lower(first) if last > first else "")
    for index, text in matcher.match_sentence(page, start, end, first, last, heading):
        entry = matcher.entries[index]
        if entry.kind == "cue":
            sent.cues.add(entry.owner)
        elif entry.kind == "qualifier":
            sent.qualifiers.add(entry.owner)
        elif entry.kind == "heading":
            sent.headings.append((entry.owner, entry.pattern, text))
        else:
            sent.codes[entry.owner.theme].append((entry.owner, entry.pattern, text))
    return sent


def _allowed(code: Code, sentence_cues: set[str], unit_cues: set[str], section_cues: set[str]) -> bool:
    if code.exclude and any(cue in sentence_cues for cue in code.exclude):
        return False
    for cue in code.requires:
        if not (cue in sentence_cues or (code.scope not in ("sentence", "column") and cue in unit_cues)
                or (code.scope in ("section", "heading", "column") and cue in section_cues)):
            return False
    return True


def _block_candidates(sha, page, block, sentences, unit_cues, section_cues, matcher,
                      heading: Callable[[], str] | None = None) -> list[Candidate]:
    book = matcher.codebook
    negative_qualifiers = matcher.negative_qualifiers
    settings = book.settings
    groups: dict[tuple[str, str], list[tuple[int, list]]] = defaultdict(list)
    reach: dict[str, tuple[list, int]] = {}  # theme -> (its last hits, sentences it may still continue over)
    rules = book.negation
    carried: dict[str, int] = {}  # theme -> sentences a refusal of it still reaches (negation.carry)
    for k, sent in enumerate(sentences):
        negated = bool(sent.qualifiers & negative_qualifiers)
        contrast = rules is not None and sent.opener in rules.terminators  # "Wel ...", "Maar ...": the scope ends
        own, refused = {}, set()
        for theme, hits in sent.codes.items():
            kept = [h for h in hits if _allowed(h[0], sent.cues, unit_cues, section_cues)]
            if kept:
                own[theme] = kept
                negative = any(code.polarity == "negative" for code, _, _ in kept) or negated or (
                    rules is not None and (not rules.themes or theme in rules.themes)
                    and scope_negated(page.text[sent.start:sent.end], [text for _, _, text in kept], rules))
                if negative:
                    refused.add(theme)
                elif carried.get(theme) and not contrast and (not rules.themes or theme in rules.themes):
                    negative = True  # the reasons given for a refusal: "Voor een school van onze omvang werkt ..."
                groups[(theme, "negative" if negative else "positive")].append((k, kept))
        continues, names_any = _continues(sent, settings), bool(own)
        for theme, (hits, left) in list(reach.items()):
            if theme in own:
                continue
            if not continues or not left:
                del reach[theme]
            elif negated and not names_any:  # a refusal of nothing named, continuing a passage, counts against it
                own[theme] = hits
                sent.codes[theme] = hits  # the passage before it ends here (see _candidate)
                groups[(theme, "negative")].append((k, hits))
                refused.add(theme)
            else:
                reach[theme] = (hits, left - 1)
        for theme, kept in own.items():
            reach[theme] = (kept, settings.max_continuation)
        if carried:
            carried = {t: n - 1 for t, n in carried.items() if n > 1 and not contrast}
        if refused and rules is not None and rules.carry:
            carried.update((theme, rules.carry) for theme in refused)
    if rules is not None and rules.frame:
        _frame_follows_refusal(sentences, groups, rules.frame)
    if heading is not None and all(c in unit_cues or c in section_cues for c in matcher.suggester.requires):
        _suggest(page, sentences, heading(), matcher, groups)
    context = page.text[block.start:block.end]
    if block.header:
        context = f"{block.header}\n{context}"
    return [_candidate(sha, page, block, sentences, theme, polarity, members, context, book)
            for (theme, polarity), members in sorted(groups.items(), key=lambda kv: (kv[1][0][0], kv[0]))]


def _frame_follows_refusal(sentences, groups, frame: frozenset[str]) -> None:
    """A sentence that only reports what others ask ("Het Stagepact vraagt scholen om ... stagematching",
    one of the `frame` cues) counts against its theme in a paragraph that refuses the theme and holds
    no other sentence for it."""
    for theme in {t for t, _ in groups}:
        negative, positive = groups.get((theme, "negative")), groups.get((theme, "positive"))
        if not negative or not positive:
            continue
        if all(sentences[k].cues & frame for k, _ in positive):
            groups[(theme, "negative")] = sorted(negative + positive, key=lambda m: m[0])
            del groups[(theme, "positive")]


def _suggest(page, sentences, heading: str, matcher, groups) -> None:
    """Add the suggester's hits to `groups`: sentences of a paragraph in a section about the topic
    that no pattern of a theme hit, when the model gives the theme at least its threshold."""
    suggester = matcher.suggester
    base = suggester.base(heading)  # the headings weigh the same for every sentence of the paragraph
    taken = {(theme, k) for (theme, _), members in groups.items() for k, _ in members}
    touched = set()
    for k, sent in enumerate(sentences):
        probabilities = suggester.probabilities(page.text[sent.start:sent.end], base=base)
        negative = bool(sent.qualifiers & matcher.negative_qualifiers)
        for theme, p in probabilities.items():
            code = matcher.suggested_codes.get(theme)
            if p < suggester.threshold or code is None or (theme, k) in taken:
                continue  # too unlikely, not a theme of the codebook, or a pattern hit it already
            hit = (code, matcher.suggested_pattern, f"p={p:.2f}")
            sent.codes[theme].append(hit)  # so a passage before it ends here
            key = (theme, "negative" if negative else "positive")
            groups[key].append((k, [hit]))
            touched.add(key)
    for key in touched:
        groups[key].sort(key=lambda m: m[0])


def _continues(sentence: _Sentence, settings) -> bool:
    """Whether a sentence may continue the passage before it (settings.continuation)."""
    return sentence.opener in settings.continuation or "*" in settings.continuation


def _candidate(sha, page, block, sentences, theme, polarity, members, context, book: Codebook) -> Candidate:
    first_k, last_k = members[0][0], members[-1][0]
    passage_end = sentences[last_k].end
    for nxt in sentences[last_k + 1:last_k + 1 + book.settings.max_continuation]:
        if not _continues(nxt, book.settings) or theme in nxt.codes:
            break
        passage_end = nxt.end
    hits = [hit for _, kept in members for hit in kept]
    qualifier_ids = set().union(*(sentences[k].qualifiers for k, _ in members))
    qualifiers = [q for q in book.qualifiers if q.id in qualifier_ids]

    def weak_sentence(k: int, kept: list) -> bool:
        score = _score(kept)
        quals = [q for q in book.qualifiers if q.id in sentences[k].qualifiers]
        return all(code.weak for code, _, _ in kept) or any(q.weak for q in quals) or score < book.min_score

    start = sentences[first_k].start
    suffix = "" if polarity == "positive" else ":negative"
    return Candidate(
        id=candidate_id(sha, page.number, block.start, block.end, theme + suffix), document=sha, theme=theme,
        codes=tuple(sorted({code.id for code, _, _ in hits})), page=page.number, start=start,
        end=sentences[first_k].end, passage_end=passage_end, sentence=page.text[start:sentences[first_k].end],
        passage=page.text[start:passage_end], context=context, polarity=polarity,
        qualifiers=tuple(sorted(q.id for q in qualifiers)),
        score=_score(hits),
        weak=all(weak_sentence(k, kept) for k, kept in members),
        terms=tuple(sorted({text for _, _, text in hits})),
        patterns=tuple(sorted({f"{code.id}: {pattern.source}" for code, pattern, _ in hits})),
    )


def _score(hits: list) -> float:
    """The weights of the codes hit, each code once, summed in code order (so the order in which the
    hits were found cannot move the last digit)."""
    weights = {code.id: code.weight for code, _, _ in hits}
    return sum(weights[k] for k in sorted(weights))


def sentence_themes(page: PageTokens, sentence: tuple[int, int, int, int], matcher: Matcher,
                    heading: bool = False) -> set[str]:
    """The themes whose patterns occur in one sentence, before any requires / exclude / scope rule."""
    return set(_match(page, sentence, matcher, heading).codes)
