"""Text cleaning for extracted PDF text: Unicode normalisation and line-end hyphenation.

Pure functions without I/O, property-tested in tests/test_textclean.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

#: characters a PDF extractor may leave where a word was broken at a line end
LINE_END_HYPHENS = ("-", "\u2010", "\u00ad", "\ufffe", "\u2011")

_LIGATURES = {
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
    "\ufb05": "st", "\ufb06": "st", "\u0132": "IJ", "\u0133": "ij",
}
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t"), " ")
_DROP = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\ufffe\uffff"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRANSLATE = {**{ord(k): v for k, v in _LIGATURES.items()}, **_SPACES, **_DROP}
#: any character _TRANSLATE changes: translating costs a dictionary miss per character, looking costs little
_TRANSLATED = re.compile("[" + re.escape("".join(map(chr, _TRANSLATE))) + "]")

#: words after which a line-end hyphen is a suspended compound ("taal- en rekenonderwijs")
SUSPENSION_WORDS = frozenset({"en", "of", "tot", "noch", "als", "dan"})

#: lowercase abbreviations and prefixes that Dutch joins with a real hyphen ("mbo-instelling")
HYPHEN_PREFIXES = frozenset({
    "mbo", "hbo", "vmbo", "vo", "wo", "po", "havo", "vwo", "bpv", "bol", "bbl", "ict", "job", "sbb",
    "roc", "aoc", "ocw", "pdca", "kpi", "avg", "slb", "lob", "evc", "nt2", "ex", "oud", "niet", "e",
    "anti", "sociaal", "pr", "hr", "it", "cao", "wet", "ggz", "bhv", "mr", "cvb", "rvt", "oer", "nrto",
    "aspirant", "interim", "vice",
})
#: prefixes that are also the first syllable of many plain words ("ex-terne", "po-litie",
#: "wet-ten"): their hyphen is real only when the part after it is a word of the document
#: ("ex-partner" where "partner" occurs)
AMBIGUOUS_PREFIXES = frozenset({"ex", "vo", "wo", "po", "oud", "job", "lob", "pr", "hr", "it", "mr", "wet", "oer"})
# Linear in the length of the text, also on a 32,000-character token: a word is taken whole
# (possessive, no backtracking into it) and only where it starts (not inside another word).
_WORD_END = re.compile(r"(?<!\w)(\w++)$")
_WORD = re.compile(r"\w+")
_HYPHENATED = re.compile(r"(?<!\w)\w++(?:-\w++)+")
_WORD_START = re.compile(r"\w++")  # used with .match: only at the start
_TAIL = 256  # the last word of a text is looked for in its last _TAIL characters


def normalize(text: str) -> str:
    """Ligatures to letters, NFC, odd spaces to a space, soft hyphens and controls dropped."""
    if _TRANSLATED.search(text):
        text = text.translate(_TRANSLATE)
    text = _CONTROL.sub("", text)
    return unicodedata.normalize("NFC", text)


_ASCII_NOT_ALNUM = bytes(b for b in range(128) if not chr(b).isalnum())
_ASCII = bytes(range(128))


def count_alnum(text: str) -> int:
    """How many characters of `text` are letters or digits (str.isalnum), as
    `sum(map(str.isalnum, text))` counts them but in bulk: the ASCII characters are counted in
    the UTF-8 bytes (dropping an ASCII byte never cuts a multi-byte character), only the others
    one by one. Extraction counts every character of a document several times."""
    data = text.encode("utf-8", "surrogatepass")
    kept = data.translate(None, _ASCII_NOT_ALNUM)  # ASCII letters and digits, and all non-ASCII
    other = kept.translate(None, _ASCII)  # the non-ASCII characters only
    if not other:
        return len(kept)
    return len(kept) - len(other) + sum(map(str.isalnum, other.decode("utf-8", "surrogatepass")))


def keeps_hyphen(left: str, right: str, vocabulary: "Vocabulary | None" = None) -> bool:
    """Decide whether a hyphen between line fragments `left` and `right` is a real one.

    `left` is the word fragment before the line-end hyphen, `right` the one after it.
    """
    if not left or not right:
        return True
    if not right[0].isalnum() or not left[-1].isalnum():
        return True
    if vocabulary is not None:
        verdict = vocabulary.verdict(left.lower(), right.lower())
        if verdict is not None:
            return verdict
    if right[0].isupper() or right[0].isdigit() or left[-1].isdigit() or left.isupper():
        return True
    if vocabulary is not None and left.lower() in AMBIGUOUS_PREFIXES:
        # short words ("ten", "ging") occur everywhere and say nothing: "wet-" + "ten", "po-" + "ging"
        return len(right) >= 5 and vocabulary.is_word(right.lower())
    return left.lower() in HYPHEN_PREFIXES


def join_hyphenated(before: str, after: str, vocabulary: "Vocabulary | None" = None,
                    marker: str = "-") -> str:
    """Join two lines where `before` ended with a line-end hyphen `marker` (already removed).

    A soft hyphen (U+00AD) always joins; a suspended compound ("taal-" + "en") keeps the
    hyphen and a space; a real hyphen ("mbo-" + "instellingen") is kept; otherwise the
    word is joined ("stagedis-" + "criminatie").
    """
    offset = max(0, len(before) - _TAIL)
    left_match = _WORD_END.search(before, offset)
    right_match = _WORD_START.match(after)
    left = left_match.group(1) if left_match else ""
    right = right_match.group(0) if right_match else ""
    if marker == "\u00ad" and left and right:
        return before + after
    if right.lower() in SUSPENSION_WORDS or not right:
        return f"{before}- {after}"
    verdict = vocabulary.verdict(left.lower(), right.lower()) if vocabulary is not None and left else None
    if verdict is None and left_match and right_match and before[left_match.start() - 1:left_match.start()] == "-" \
            and after[right_match.end():right_match.end() + 1] == "-":
        return f"{before}-{after}"  # inside a chain of hyphenated words: "ver-van-ons-" + "bed-show"
    if keeps_hyphen(left, right, vocabulary):
        return f"{before}-{after}"
    return before + after


class Vocabulary:
    """Word forms seen in a document, used to decide hyphens the way the document spells them."""

    def __init__(self) -> None:
        self.words: set[str] = set()
        self.pairs: set[tuple[str, str]] = set()
        self.after: dict[str, set[str]] = {}  # first part of a hyphenated word -> the parts after it
        self.fragments: set[str] = set()  # seen only at the start of a line after a line-end hyphen

    def add_text(self, text: str) -> list[str]:
        """Add the words of `text`; return them (lowercased)."""
        lowered = text.lower()
        found = _WORD.findall(lowered)
        self.fragments.difference_update(found)  # seen whole elsewhere after all
        self.words.update(found)  # every word, also each part of a hyphenated one
        # a hyphenated word lies within one run of non-spaces: look for it only in the runs with a hyphen
        for token in _HYPHENATED.findall(" ".join(run for run in lowered.split() if "-" in run)):
            parts = token.split("-")
            self.pairs.update(zip(parts, parts[1:]))
            for a, b in zip(parts, parts[1:]):
                self.after.setdefault(a, set()).add(b)
        return found

    def add_lines(self, lines: list[str]) -> None:
        """Add the lines of a page. The first word of a line after a line-end hyphen is only
        a fragment ("ex-" + "terne"), so it does not count as a word of the document unless
        it also occurs elsewhere."""
        ends = "".join(LINE_END_HYPHENS)
        stripped = [line.rstrip(ends) for line in lines]
        starts = [_WORD_START.match(text.lower()) for prev, cut, line, text in zip(lines, stripped, lines[1:], stripped[1:])
                  if line and len(cut) != len(prev)]  # after a line that ended in a line-end hyphen
        pieces = Counter(m.group(0) for m in starts if m)
        new = [w for w in pieces if not self.is_word(w)]
        found = self.add_text("\n".join(stripped))
        if new:
            counts = Counter(w for w in found if w in pieces)
            self.fragments.update(w for w in new if counts[w] <= pieces[w])

    def is_word(self, word: str) -> bool:
        """Whether `word` occurs in the document other than as the rest of a broken word."""
        return word in self.words and word not in self.fragments

    def verdict(self, left: str, right: str) -> bool | None:
        """True if the document writes `left-right`, False if it writes `leftright`, else None.

        When it writes neither, another form of the same hyphenated compound decides
        ("aspirant-studenten" for "aspirant-" + "student")."""
        hyphen = (left, right) in self.pairs
        joined = (left + right) in self.words
        if hyphen != joined:
            return hyphen
        if not hyphen and any(r.startswith(right) or right.startswith(r) for r in self.after.get(left, ())):
            return True
        return None
