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

from ..codebook.model import Negation

#: words, and the punctuation a terminator may name (a comma ends a clause: "..., die nog geen plek hebben";
#: "|" ends a table cell: "Meldpunt ingericht | Niet aanwezig | Gerealiseerd per 2024")
_WORD = re.compile(r"\w+(?:[-']\w+)*|[;:,|]")


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _pseudo_spans(tokens: list[str], pseudo: tuple[tuple[str, ...], ...]) -> set[int]:
    """Token positions covered by a pseudo-trigger phrase."""
    covered: set[int] = set()
    for phrase in pseudo:
        n = len(phrase)
        for i in range(len(tokens) - n + 1):
            if all(p == "*" or p == t for p, t in zip(phrase, tokens[i:i + n])):
                covered.update(range(i, i + n))
    return covered


def _spans(tokens: list[str], term: str) -> list[tuple[int, int]]:
    """(first, last) token of each place `term` stands in `tokens`."""
    want = words(term)
    if not want:
        return []
    n = len(want)
    return [(i, i + n - 1) for i in range(len(tokens) - n + 1) if tokens[i:i + n] == want]


def negated(sentence: str, terms: list[str], rules: Negation) -> bool:
    """Whether any of `terms` (the matched words of a theme) is in the scope of a trigger."""
    tokens = words(sentence)
    kinds = (rules.triggers, rules.pre, rules.post)
    triggers = [(i, t) for i, t in enumerate(tokens) if any(t in kind for kind in kinds)]
    if not triggers:
        return False
    blocked = _pseudo_spans(tokens, rules.pseudo)
    triggers = [(i, t) for i, t in triggers if i not in blocked]
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
