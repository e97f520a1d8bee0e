"""What a codebook is: frozen dataclasses for themes, codes, patterns, qualifiers and checklist.

Loading and validating the YAML is `loader.py`; the format is docs/codebook.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_CODEBOOK = Path(__file__).resolve().parent.parent / "codebooks" / "stagediscriminatie.yaml"
STATUSES = ("present", "absent", "unclear")
#: the code of a learned suggestion (match/suggest.py), not available to codebooks
RESERVED_CODE = "suggested"
SUGGESTED_LABEL = "voorgesteld door het model (geen trefwoord)"
#: the code of a passage a coder decided in the review queue that is no rule candidate
QUEUE_CODE = "wachtrij"
QUEUE_LABEL = "door de codeur gevonden in de beoordelingswachtrij"
#: the qualifiers the learned polarity model (match/polarity.py) gives a candidate it turned negative
#: or positive, with their labels
MODEL_NEGATIVE, MODEL_POSITIVE = "model_negative", "model_positive"
MODEL_QUALIFIERS = {MODEL_NEGATIVE: "het model leest dit als afwijzing of afzwakking (geen codeur)",
                    MODEL_POSITIVE: "het model leest dit niet als afwijzing (geen codeur)"}


@dataclass(frozen=True)
class TokenTest:
    kind: str  # exact | prefix | suffix | contains
    value: str


@dataclass(frozen=True)
class Pattern:
    source: str
    line: int
    #: token steps: (alternatives, max gap before this step); empty for a regex pattern
    steps: tuple[tuple[tuple[TokenTest, ...], int], ...] = ()
    regex: str | None = None


@dataclass(frozen=True)
class Qualifier:
    id: str
    label: str
    patterns: tuple[Pattern, ...]
    polarity: str = "positive"
    weak: bool = False


#: where a code's patterns are looked for (docs/codebook.md): in the hit sentence, its paragraph,
#: its section; for `heading`, in the section heading, making every sentence under it a hit; for
#: `column`, in a table's header row, making every row of the table a hit
SCOPES = ("sentence", "paragraph", "section", "heading", "column")


@dataclass(frozen=True)
class Code:
    id: str
    theme: str
    label: str
    patterns: tuple[Pattern, ...]
    requires: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    scope: str = "sentence"
    weight: float = 1.0
    weak: bool = False
    polarity: str = "positive"


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    definition: str
    codes: tuple[Code, ...]
    #: plain Dutch advice for a school's audit when the agenda lacks this theme or is unclear on it,
    #: for a board member (optional; else `definition`)
    advice: str = ""


@dataclass(frozen=True)
class ChecklistPoint:
    id: str
    label: str
    explanation: str
    applies_when: Any
    #: plain Dutch advice for a school's audit, for a board member (optional; else `explanation`)
    advice: str = ""


@dataclass(frozen=True)
class Settings:
    gap: int = 4
    continuation: tuple[str, ...] = ()
    max_continuation: int = 2


@dataclass(frozen=True)
class Negation:
    """Negation by scope (match/negation.py): trigger words, terminators, pseudo-triggers, window.

    `triggers` negate a theme's words before or after them; `pre` only the words after them
    ("geen meldpunt"), `post` only the words before them (ConText's pre- and post-triggers)."""

    triggers: frozenset[str]
    terminators: frozenset[str]
    pseudo: tuple[tuple[str, ...], ...]  # word sequences, lowercased; '*' matches any one word
    window: int = 6
    pre: frozenset[str] = frozenset()
    post: frozenset[str] = frozenset()
    #: how many following sentences of a paragraph a refusal of a theme reaches: their hits of the
    #: theme count against it too, unless the sentence opens with a terminator ("Wel ...")
    carry: int = 0
    #: cue names of sentences that report what others ask (the Stagepact): in a paragraph that
    #: refuses the theme and says nothing else for it, they count against it
    frame: frozenset[str] = frozenset()
    #: the themes whose hits the triggers negate (empty: all themes)
    themes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Codebook:
    name: str
    version: str
    language: str
    description: str
    settings: Settings
    cues: dict[str, tuple[Pattern, ...]]
    qualifiers: tuple[Qualifier, ...]
    themes: tuple[Theme, ...]
    checklist: tuple[ChecklistPoint, ...]
    min_score: float = 1.0
    sha256: str = ""
    path: str = ""
    source_text: str = field(default="", repr=False)
    #: a learned theme suggester (kwaliteitscan.suggest) to use with this codebook, if any; not
    #: part of the YAML (`code --suggest FILE`)
    suggester: object = field(default=None, repr=False, compare=False)
    #: negation by scope; None: only the negative qualifiers' phrases say what is negated
    negation: Negation | None = None
    #: a learned polarity model (match/polarity.py) applied after the rules, if any; not part of the
    #: YAML (`<codebook>.polarity.json` beside it, or `--polarity-model FILE`)
    polarity_model: object = field(default=None, repr=False, compare=False)

    def qualifier_label(self, qualifier_id: str) -> str:
        """A qualifier's label (the codebook's, or the polarity model's); its id when unknown."""
        found = next((q.label for q in self.qualifiers if q.id == qualifier_id), None)
        return found or MODEL_QUALIFIERS.get(qualifier_id, qualifier_id)

    def theme(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(theme_id)

    @property
    def theme_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.themes)

    def code(self, theme_id: str, code_id: str) -> Code:
        for code in self.theme(theme_id).codes:
            if code.id == code_id:
                return code
        raise KeyError(f"{theme_id}.{code_id}")
