"""Pattern syntax shared by the codebook and the dictionary formats: token patterns with
wildcards, alternatives and gaps, and the check that refuses regular expressions that can
backtrack catastrophically."""

from __future__ import annotations

from .model import TokenTest

MAX_PATTERN = 300


def parse_pattern(text: str, gap: int, fail) -> tuple[tuple[tuple[TokenTest, ...], int], ...]:
    steps: list[tuple[tuple[TokenTest, ...], int]] = []
    pending_gap = 0
    for word in text.lower().split():
        if word == "...":
            if not steps:
                fail(f"pattern {text!r} cannot start with '...'")
            pending_gap = gap
            continue
        alternatives = []
        for alt in word.split("|"):
            if not alt or alt.strip("*") == "":
                fail(f"pattern {text!r} has an empty alternative or a bare '*'")
            if "*" in alt.strip("*"):
                fail(f"pattern {text!r}: '*' may only stand at the start or end of a word")
            starts, ends = alt.startswith("*"), alt.endswith("*")
            core = alt.strip("*")
            kind = "contains" if starts and ends else "suffix" if starts else "prefix" if ends else "exact"
            alternatives.append(TokenTest(kind, core))
        steps.append((tuple(alternatives), pending_gap))
        pending_gap = 0
    if pending_gap:
        fail(f"pattern {text!r} cannot end with '...'")
    if not steps:
        fail(f"pattern {text!r} is empty")
    return tuple(steps)


def can_backtrack_badly(source: str) -> bool:
    import re._parser as sre_parse  # Python 3.11+

    repeats = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT}

    def contains_repeat(items) -> bool:
        for op, arg in items:
            if op in repeats and arg[1] > 1:
                return True
            if _children(op, arg) and any(contains_repeat(child) for child in _children(op, arg)):
                return True
        return False

    def walk(items) -> bool:
        for op, arg in items:
            if op in repeats and arg[1] > 1 and contains_repeat(arg[2]):
                return True
            if any(walk(child) for child in _children(op, arg)):
                return True
        return False

    def _children(op, arg):
        if op in repeats:
            return [arg[2]]
        if op == sre_parse.SUBPATTERN:
            return [arg[3]]
        if op == sre_parse.BRANCH:
            return list(arg[1])
        return []

    return walk(sre_parse.parse(source))


def grows_exponentially(compiled) -> bool:
    """Whether a compiled regular expression takes exponentially longer on longer failing input:
    timed on a few adversarial texts of 16 and 22 characters (a linear one takes microseconds on
    both; one like (?:\\w|\\w\\w)+$ takes many times longer on the longer). Bounded: the slowest
    catastrophic case costs tens of milliseconds here, not minutes at coding time."""
    import time

    for unit in ("a", "1", "a ", "ab", "-"):
        timings = []
        for n in (16, 22):
            text = (unit * n)[:n] + "!\u0000"
            best = float("inf")
            for _ in range(2):
                start = time.perf_counter()
                compiled.search(text)
                best = min(best, time.perf_counter() - start)
            timings.append(best)
        if timings[1] > 0.002 and timings[1] > 4 * timings[0]:
            return True
    return False
