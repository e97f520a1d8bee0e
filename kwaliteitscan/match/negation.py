"""Negation by scope, not by phrase list: the ConText idea (a trigger, a window, terminators).

A theme's hit in a sentence is negated when a trigger word ('niet', 'geen', ...) stands within
`window` words of the hit, before or after it (a `pre` trigger only before it, a `post` trigger
only after it) (Dutch puts the negation after the object: "Een
apart meldpunt richten wij niet in"), and no terminator ('maar', 'wel', ...) stands between
them. A pseudo-trigger is a phrase that holds a trigger but does not negate the theme: a norm
("geen enkele student mag ...", "discriminatie accepteren wij niet") or a figure of speech
("niet alleen"). The words are data in the codebook (`negation:`, docs/codebook.md); this
module only applies them. It complements the `negated` qualifier's phrases, which catch
hedges and refusals without a trigger word ("speelt bij ons beperkt", "on hold").
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..codebook.model import Negation

#: words, and the punctuation a terminator may name (a comma ends a clause: "..., die nog geen plek hebben";
#: "|" ends a table cell: "Meldpunt ingericht | Niet aanwezig | Gerealiseerd per 2024")
_WORD = re.compile(r"\w+(?:[-']\w+)*|[;:,|]")


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORD.findall(text))


def words(text: str) -> list[str]:
    return list(_tokens(text))


#: the pseudo-triggers of a rule set by the trigger word they hold: word -> ((phrase, offset of the word), ...)
_PSEUDO_INDEX: dict[int, tuple[Negation, dict[str, tuple[tuple[tuple[str, ...], int], ...]]]] = {}


def _pseudo_index(rules: Negation) -> dict[str, tuple[tuple[tuple[str, ...], int], ...]]:
    cached = _PSEUDO_INDEX.get(id(rules))
    if cached is not None and cached[0] is rules:
        return cached[1]
    index: dict[str, list] = {}
    for phrase in rules.pseudo:
        for offset, word in enumerate(phrase):
            if word != "*":
                index.setdefault(word, []).append((phrase, offset))
    frozen = {word: tuple(found) for word, found in index.items()}
    _PSEUDO_INDEX[id(rules)] = (rules, frozen)
    return frozen


_TRIGGER_RE: dict[int, tuple[Negation, re.Pattern]] = {}


def _any_trigger(rules: Negation) -> re.Pattern:
    """One expression that finds any trigger word of `rules` (case-insensitive): a quick test that
    finds at least every sentence in which the word splitting finds a trigger."""
    cached = _TRIGGER_RE.get(id(rules))
    if cached is None or cached[0] is not rules:
        alternatives = sorted(rules.triggers | rules.pre | rules.post, key=lambda w: (-len(w), w))
        cached = _TRIGGER_RE[id(rules)] = (rules, re.compile(
            r"(?<!\w)(?:" + "|".join(map(re.escape, alternatives)) + r")(?!\w)", re.IGNORECASE))
    return cached[1]


def _blocked(tokens: tuple[str, ...], trig: int, rules: Negation) -> bool:
    """Whether the trigger at `trig` stands inside a pseudo-trigger phrase."""
    for phrase, offset in _pseudo_index(rules).get(tokens[trig], ()):
        first = trig - offset
        if first < 0 or first + len(phrase) > len(tokens):
            continue
        if all(p == "*" or p == t for p, t in zip(phrase, tokens[first:first + len(phrase)])):
            return True
    return False


def _spans(tokens: tuple[str, ...], term: str) -> list[tuple[int, int]]:
    """(first, last) token of each place `term` stands in `tokens`."""
    want = _tokens(term)
    if not want:
        return []
    n = len(want)
    return [(i, i + n - 1) for i in range(len(tokens) - n + 1) if tokens[i:i + n] == want]


def negated(sentence: str, terms: list[str], rules: Negation) -> bool:
    """Whether any of `terms` (the matched words of a theme) is in the scope of a trigger."""
    if not _any_trigger(rules).search(sentence):
        return False  # most sentences hold no trigger word: no need to split them into words
    tokens = _tokens(sentence)
    kinds = (rules.triggers, rules.pre, rules.post)
    triggers = [(i, t) for i, t in enumerate(tokens) if any(t in kind for kind in kinds)]
    if not triggers:
        return False
    triggers = [(i, t) for i, t in triggers if not _blocked(tokens, i, rules)]
    if not triggers:
        return False
    for term in terms:
        for first, last in _spans(tokens, term):
            for trig, word in triggers:
                if first <= trig <= last:
                    continue  # the pattern itself holds the word ("niet ... geaccepteerd"): its own meaning
                if trig < first and word not in rules.triggers and word not in rules.pre:
                    continue  # a post-trigger negates only what stands before it
                if trig > last and word not in rules.triggers and word not in rules.post:
                    continue  # a pre-trigger negates only what follows it
                lo, hi = (trig, first) if trig < first else (last, trig)
                if hi - lo <= rules.window and not any(t in rules.terminators for t in tokens[lo + 1:hi]):
                    return True
    return False
