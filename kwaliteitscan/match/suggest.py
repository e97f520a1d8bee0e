"""Theme suggestions learned from hand-coded agendas, for sentences that no pattern hits.

About 6 % of the passages a coder codes hold no word of any codebook pattern ("Binnen vijf
werkdagen volgt een gesprek." under a heading about the topic; docs/accuracy.md). A
suggester is a small linear model per theme (logistic regression on tf-idf words and word
pairs of the sentence, and the words of the section headings above it), trained on gold
codings in the format of GOLD_FORMAT.md (`kwaliteitscan suggester train`). When coding with
`--suggest FILE`, a sentence in a paragraph about the topic (the suggester's `requires` cues,
in the paragraph or its section headings) that no pattern of a theme hit becomes a hit of
that theme when the model gives it at least the suggester's threshold. Its code is
`suggested` (weak, weight 0): it joins its theme's candidate in the paragraph, or makes a weak
candidate of its own. Polarity comes from the codebook's qualifiers as for any other hit.

The model is stored as plain JSON (terms, idf weights, coefficients), so using it needs
neither scikit-learn nor pickle; only training does (the optional `train` extra).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

FORMAT = "kwaliteitscan-suggester"
_TOKEN = re.compile(r"\b\w\w+\b")


def text_terms(text: str) -> Counter:
    """Words and pairs of adjacent words of a sentence, lowercased."""
    words = _TOKEN.findall(text.lower())
    return Counter(words + [f"{a} {b}" for a, b in zip(words, words[1:])])


def head_terms(text: str) -> Counter:
    """Words of the section headings above a sentence, lowercased."""
    return Counter(_TOKEN.findall(text.lower()))


def weigh(counts: Counter, idf: dict[str, float]) -> dict[str, float]:
    """Sublinear tf-idf over the known terms, scaled to unit length."""
    vec = {t: (1.0 + math.log(n)) * idf[t] for t, n in counts.items() if t in idf}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {t: v / norm for t, v in vec.items()} if norm else {}


def _add(scores: list[float], terms: Counter, table: dict, scale: float) -> None:
    for term, w in weigh(terms, {t: table[t][0] for t in terms if t in table}).items():
        for i, c in enumerate(table[term][1]):
            scores[i] += scale * w * c



def read_model_file(path: Path, what: str, hint: str = "") -> tuple[object, bytes]:
    """A learned model's JSON and its bytes (their sha256 is the model's identity), or one line naming
    the file and what to give instead (`what`, e.g. "the suggester's JSON file"; `hint`: how to get one)."""
    try:
        raw = path.read_bytes()
        return json.loads(raw), raw
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}); give {what}") from exc
    except ValueError as exc:
        raise InputError(f"{path}: not JSON ({exc}); give {what}{hint}") from exc

@dataclass
class Suggester:
    themes: tuple[str, ...]
    threshold: float
    requires: tuple[str, ...]
    head_weight: float
    text: dict[str, tuple[float, tuple[float, ...]]]  # term -> (idf, coefficient per theme)
    head: dict[str, tuple[float, tuple[float, ...]]]
    intercepts: tuple[float, ...]
    sha256: str = ""
    meta: dict = field(default_factory=dict)

    def base(self, heading: str = "") -> list[float]:
        """The scores per theme before the sentence: intercepts plus the headings' share."""
        scores = list(self.intercepts)
        _add(scores, head_terms(heading), self.head, self.head_weight)
        return scores

    def probabilities(self, sentence: str, heading: str = "", base: list[float] | None = None) -> dict[str, float]:
        """P(theme) for one sentence under `heading` (the section headings above it, joined);
        `base` is `self.base(heading)` computed once for the sentences of one paragraph."""
        scores = list(base if base is not None else self.base(heading))
        _add(scores, text_terms(sentence), self.text, 1.0)
        return {theme: 1.0 / (1.0 + math.exp(-s)) for theme, s in zip(self.themes, scores)}

    @classmethod
    def from_data(cls, data: dict, where: str = "suggester") -> "Suggester":
        try:
            if data.get("format") != FORMAT:
                raise ValueError(f"format must be {FORMAT!r}")
            themes = tuple(data["themes"])
            n = len(themes)

            def table(key: str) -> dict:
                out = {}
                for term, row in data[key].items():
                    if len(row) != n + 1:
                        raise ValueError(f"{key}[{term!r}] needs idf and {n} coefficients")
                    out[term] = (float(row[0]), tuple(float(c) for c in row[1:]))
                return out

            intercepts = tuple(float(c) for c in data["intercepts"])
            if len(intercepts) != n:
                raise ValueError(f"intercepts needs {n} values")
            threshold = float(data["threshold"])
            if not 0.0 < threshold < 1.0:
                raise ValueError("threshold must be between 0 and 1")
            requires = data.get("requires", [])
            if not isinstance(requires, list) or not all(isinstance(c, str) for c in requires):
                raise ValueError("requires must be a list of cue names")
            if not all(isinstance(t, str) for t in themes):
                raise ValueError("themes must be a list of theme ids")
            # identity of a model built in memory; `load` uses the file's bytes instead
            sha = hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()
            return cls(themes, threshold, tuple(requires), float(data.get("head_weight", 0.5)),
                       table("text_terms"), table("head_terms"), intercepts, sha256=sha,
                       meta=data.get("trained_on", {}))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"{where}: not a usable suggester ({exc}); train one with "
                             "`kwaliteitscan suggester train`") from exc

    @classmethod
    def load(cls, path: Path | str) -> "Suggester":
        path = Path(path)
        data, raw = read_model_file(path, "the suggester's JSON file")
        if not isinstance(data, dict):
            raise InputError(f"{path}: not a usable suggester (not a JSON object)")
        model = cls.from_data(data, str(path))
        model.sha256 = hashlib.sha256(raw).hexdigest()
        return model


def attach(book, model: Suggester, where: str = "suggester"):
    """The codebook `book` with `model` as its suggester, after checking that they fit."""
    import dataclasses

    unknown = sorted(set(model.themes) - set(book.theme_ids))
    if unknown:
        raise InputError(f"{where}: trained for themes the codebook {book.name} does not have "
                         f"({', '.join(unknown)}); train it with this codebook")
    missing = [c for c in model.requires if c not in book.cues]
    if missing:
        raise InputError(f"{where}: requires cue(s) {', '.join(missing)} that the codebook {book.name} does not "
                         "define; train it with this codebook or pass --requires")
    return dataclasses.replace(book, suggester=model)


# --------------------------------------------------------------------------- training


def training_tools(what: str):
    """numpy, scipy's csr_matrix and scikit-learn's LogisticRegression, for training `what` (the
    `train` extra), or one line saying what to install."""
    try:
        import numpy as np
        from scipy.sparse import csr_matrix
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:
        raise InputError(f"training {what} needs scikit-learn: pip install 'kwaliteitscan[train]'") from exc
    return np, csr_matrix, LogisticRegression


def train(examples: list[tuple[str, str, set[str]]], themes: tuple[str, ...], *, threshold: float = 0.6,
          requires: tuple[str, ...] = (), head_weight: float = 0.5, min_df: int = 2, c: float = 4.0,
          trained_on: dict | None = None) -> dict:
    """Fit one logistic regression per theme on (sentence, heading, gold themes) examples;
    return the suggester as JSON-ready data. Needs scikit-learn (the `train` extra)."""
    np, csr_matrix, LogisticRegression = training_tools("a suggester")
    if not examples:
        raise InputError("no sentences to train on: the training corpus has no gold codings that match its text")

    def vocabulary(counts: list[Counter]) -> dict[str, float]:
        df = Counter(t for c in counts for t in c)
        n = len(counts)
        return {t: math.log((1 + n) / (1 + d)) + 1.0 for t, d in sorted(df.items()) if d >= min_df}

    texts = [text_terms(s) for s, _, _ in examples]
    heads = [head_terms(h) for _, h, _ in examples]
    idf_text, idf_head = vocabulary(texts), vocabulary(heads)
    if not idf_text:
        raise InputError(f"too little text to train on: no word occurs in {min_df} or more of the "
                         f"{len(examples)} sentences; give a larger hand-coded corpus")
    columns = {t: i for i, t in enumerate(idf_text)}
    offset = len(columns)
    columns.update({("h", t): offset + i for i, t in enumerate(idf_head)})
    rows, cols, vals = [], [], []
    for r, (tc, hc) in enumerate(zip(texts, heads)):
        for t, w in weigh(tc, idf_text).items():
            rows.append(r), cols.append(columns[t]), vals.append(w)
        for t, w in weigh(hc, idf_head).items():
            rows.append(r), cols.append(columns[("h", t)]), vals.append(head_weight * w)
    matrix = csr_matrix((vals, (rows, cols)), shape=(len(examples), len(columns)))
    coefs, intercepts = [], []
    for theme in themes:
        y = np.array([theme in labels for _, _, labels in examples])
        if y.all() or not y.any():
            coefs.append(np.zeros(len(columns)))
            intercepts.append(-20.0 if not y.any() else 20.0)
            continue
        model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        model.fit(matrix, y)
        coefs.append(model.coef_[0])
        intercepts.append(float(model.intercept_[0]))
    coef = np.array(coefs)

    def table(idf: dict, key) -> dict:
        return {t: [round(idf[t], 5)] + [round(float(v), 4) for v in coef[:, columns[key(t)]]] for t in idf}

    return {"format": FORMAT, "version": 1, "themes": list(themes), "threshold": threshold,
            "requires": list(requires), "head_weight": head_weight,
            "text_terms": table(idf_text, lambda t: t), "head_terms": table(idf_head, lambda t: ("h", t)),
            "intercepts": [round(v, 6) for v in intercepts], "trained_on": trained_on or {}}


def save_suggester(data: dict, out: Path, *, sort_keys: bool = False) -> None:
    """Write a trained model (a suggester, the queue's prior, a polarity model) as compact JSON;
    `sort_keys` for a model whose training must give the same bytes every time."""
    from ..files import write_text

    write_text(out, json.dumps(data, ensure_ascii=False, sort_keys=sort_keys, separators=(",", ":")))
