"""A learned second opinion on rule candidates: is the passage evidence of its theme at all, and
does it count for or against it?

The codebook's negation by scope (negation.py) finds refusals with a negation word near the theme
word; it cannot read judgements without one ("De meeste van onze studenten vinden zonder grote
problemen een leerbedrijf" counts against acknowledgement). A polarity model is two small logistic
regressions over one candidate: the words and word pairs of its hit sentence, the words of the
sentence before it and of the sentences that continue it, and what the rules said (theme, codes,
qualifiers, the rule's polarity, a trigger in scope). One head gives P(the coder codes it against
its theme), the other P(the coder codes it under its theme at all). They are trained on the gold of
hand-coded corpora (`kwaliteitscan suggester train-polarity`, the `train` extra) and stored as plain
JSON, so applying them needs neither scikit-learn nor pickle.

Applied after the rules (`apply`): where the polarity head is confident it overrides the rule's
polarity (the candidate keeps its id, its reason names the model); a candidate the relevance head
finds unlikely is no candidate before review, but its passage keeps its rule evidence in the review
queue, so a coder still meets it there. Which of the two a model does is in its JSON (`use`), as
measured (docs/accuracy.md).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..codebook.model import MODEL_NEGATIVE, MODEL_POSITIVE
from ..errors import InputError
from .negation import negated as scope_negated, words as split_words
from .suggest import read_model_file, save_suggester as save_model, training_tools

FORMAT = "kwaliteitscan-polarity"
#: MODEL_NEGATIVE: the qualifier a candidate gets when the model, not a rule, says it counts against its
#: theme; MODEL_POSITIVE: when it says a rule's refusal is no refusal (labels: MODEL_QUALIFIERS)

_TOKEN = re.compile(r"\b\w\w+\b")
_NEGATION_WORD = frozenset("niet geen nooit niets nergens noch geenszins".split())


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def text_parts(sentence: str, prev: str, rest: str) -> Counter:
    """The text features of a candidate: words and word pairs of the hit sentence ('s:'), words of
    the sentence before it ('p:') and of the sentences continuing its passage ('c:')."""
    w = _words(sentence)
    out = Counter(f"s:{x}" for x in w)
    out.update(f"s:{a} {b}" for a, b in zip(w, w[1:]))
    out.update(f"p:{x}" for x in _words(prev))
    out.update(f"c:{x}" for x in _words(rest))
    return out


def rule_parts(theme: str, polarity: str, codes, qualifiers, weak: bool, negated_in_scope: bool,
               trigger: bool) -> list[str]:
    """What the rules said about a candidate, as binary features."""
    neg = polarity == "negative"
    out = [f"r:theme={theme}", f"r:rule={polarity}", f"r:rule={polarity}&{theme}"]
    out += [f"r:code={theme}.{c}" for c in codes]
    out += [f"r:qual={q}" for q in qualifiers]
    if weak:
        out.append("r:weak")
    if negated_in_scope:
        out += ["r:scope", f"r:scope&{theme}"]
    if trigger:
        out += ["r:trigger", f"r:trigger&{theme}"]
        if not neg:
            out.append("r:trigger&rule=positive")
    return out


def candidate_parts(cand, prev: str, negation=None) -> tuple[Counter, list[str]]:
    """(text features, rule features) of a Candidate (or a dict shaped like one) with `prev`, the
    sentence before its hit sentence ('' at the start of a section)."""
    get = cand.get if isinstance(cand, dict) else lambda k: getattr(cand, k)
    sentence, passage = get("sentence"), get("passage")
    rest = passage[len(sentence):] if passage.startswith(sentence) else ""
    return text_parts(sentence, prev, rest), _rules_of(cand, get, sentence, negation)


def _rules_of(cand, get, sentence: str, negation) -> list[str]:
    trigger = not _NEGATION_WORD.isdisjoint(split_words(sentence))
    in_scope = bool(negation is not None and trigger and scope_negated(sentence, list(get("terms")), negation))
    return rule_parts(get("theme"), get("polarity"), get("codes"), get("qualifiers"), bool(get("weak")),
                      in_scope, trigger)


def weigh(counts: Counter, idf: dict[str, float]) -> dict[str, float]:
    """Sublinear tf-idf over the known terms, scaled to unit length."""
    vec = {t: (1.0 + math.log(n)) * idf[t] for t, n in counts.items() if t in idf}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {t: v / norm for t, v in vec.items()} if norm else {}


#: the heads a model may have: P(the coder codes it against its theme), P(under its theme at all)
HEAD_ORDER = ("negative", "relevant")


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-35.0, min(35.0, z))))


@dataclass
class PolarityModel:
    idf: dict[str, float]  # text term -> idf
    #: head -> (intercept, {feature: coefficient}); heads: "negative", "relevant"
    heads: dict[str, tuple[float, dict[str, float]]]
    use: dict  # {"polarity": {"negative": p, "positive": p} | None, "demote": p | None}
    rule_weight: float = 1.0
    sha256: str = ""
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        # one look-up per term for both heads, by part: part -> {term: (idf, coefficient per head)}
        coefs = [self.heads[h][1] if h in self.heads else {} for h in HEAD_ORDER]
        self._parts: dict[str, dict[str, tuple]] = {"s": {}, "p": {}, "c": {}}
        for t, idf in self.idf.items():
            part, _, term = t.partition(":")
            if part in self._parts:
                self._parts[part][term] = (idf, *(c.get(t, 0.0) for c in coefs))
        self._rules = {r: tuple(c.get(r, 0.0) for c in coefs) for c in coefs for r in c if r.startswith("r:")}
        self._intercepts = tuple(self.heads[h][0] if h in self.heads else 0.0 for h in HEAD_ORDER)

    def features(self, cand, prev: str, negation=None) -> dict[str, float]:
        """The candidate's features by name, as training saw them (`scores` computes the same faster)."""
        text, rules = candidate_parts(cand, prev, negation)
        out = weigh(text, self.idf)
        for r in rules:
            out[r] = out.get(r, 0.0) + self.rule_weight
        return out

    def _text_scores(self, sentence: str, prev: str, rest: str) -> tuple[float, float]:
        """The text's share of both heads' logits: its tf-idf vector (unit length) times their coefficients."""
        square = z_neg = z_rel = 0.0
        w = _words(sentence)
        own = Counter(w)
        own.update(map(" ".join, zip(w, w[1:])))
        counts = (own, Counter(_words(prev)), Counter(_words(rest)))
        for table, found in zip((self._parts["s"], self._parts["p"], self._parts["c"]), counts):
            for term in sorted(found.keys() & table.keys()):  # the known terms (sorted: the same sums every run)
                row, n = table[term], found[term]
                x = (1.0 + math.log(n)) * row[0] if n > 1 else row[0]
                square += x * x
                z_neg += x * row[1]
                z_rel += x * row[2]
        norm = math.sqrt(square) or 1.0
        return z_neg / norm, z_rel / norm

    def scores(self, cand, prev: str, negation=None, memo: dict | None = None) -> tuple[float, float]:
        """(P(negative), P(relevant)) of a candidate: what `probability` gives on `features`, in one pass
        (this runs for every candidate of every agenda coded). `memo` keeps the text's share for the
        candidates of other themes on the same sentence."""
        get = cand.get if isinstance(cand, dict) else lambda k: getattr(cand, k)
        sentence, passage = get("sentence"), get("passage")
        rest = passage[len(sentence):] if passage.startswith(sentence) else ""
        key = (sentence, prev, rest)
        text = memo.get(key) if memo is not None else None
        if text is None:
            text = self._text_scores(sentence, prev, rest)
            if memo is not None:
                memo[key] = text
        z_neg, z_rel = self._intercepts[0] + text[0], self._intercepts[1] + text[1]
        for r in _rules_of(cand, get, sentence, negation):
            row = self._rules.get(r)
            if row is not None:
                z_neg += self.rule_weight * row[0]
                z_rel += self.rule_weight * row[1]
        return _sigmoid(z_neg), _sigmoid(z_rel)

    def probability(self, head: str, features: dict[str, float]) -> float:
        intercept, coef = self.heads[head]
        return _sigmoid(intercept + sum(v * coef.get(k, 0.0) for k, v in features.items()))

    @classmethod
    def from_data(cls, data: dict, where: str = "polarity model", sha256: str | None = None) -> "PolarityModel":
        """`sha256`: the identity of the file the data was read from (default: of the data itself)."""
        try:
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError(f"format must be {FORMAT!r}")
            idf = {str(t): float(v) for t, v in data["idf"].items()}
            heads = {}
            for name, head in data["heads"].items():
                heads[str(name)] = (float(head["intercept"]), {str(k): float(v) for k, v in head["coef"].items()})
            use = data["use"]
            polarity, demote = use.get("polarity"), use.get("demote")
            if polarity is not None:
                if "negative" not in heads or not 0.0 < float(polarity["negative"]) <= 1.0 \
                        or not 0.0 <= float(polarity["positive"]) < 1.0:
                    raise ValueError("use.polarity needs the head 'negative' and thresholds between 0 and 1")
            if demote is not None and ("relevant" not in heads or not 0.0 <= float(demote) < 1.0):
                raise ValueError("use.demote needs the head 'relevant' and a threshold between 0 and 1")
            sha = sha256 or hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()
            keep_codes = use.get("keep_codes", [])
            if not isinstance(keep_codes, list) or not all(isinstance(k, str) and "." in k for k in keep_codes):
                raise ValueError("use.keep_codes must be a list of theme.code names")
            use = {"polarity": polarity, "demote": demote, "demote_negative": bool(use.get("demote_negative", True)),
                   "keep_codes": frozenset(keep_codes)}
            return cls(idf, heads, use, float(data.get("rule_weight", 1.0)), sha256=sha,
                       meta=data.get("trained_on", {}))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"{where}: not a usable polarity model ({exc}); train one with "
                             "`kwaliteitscan suggester train-polarity`") from exc

    @classmethod
    def load(cls, path: Path | str) -> "PolarityModel":
        path = Path(path)
        data, raw = read_model_file(path, "the polarity model's JSON file",
                                    " or train one with `kwaliteitscan suggester train-polarity`")
        return cls.from_data(data, str(path), hashlib.sha256(raw).hexdigest())


def beside(book) -> Path | None:
    """The polarity model for a codebook file: `<codebook>.polarity.json` beside it, else the bundled
    codebook's (as the review queue's prior, review/queue.py), when that was trained for the same themes."""
    from ..codebook.model import DEFAULT_CODEBOOK

    path = Path(book.path).with_suffix(".polarity.json") if book.path else None
    if path is not None and path.is_file():
        return path
    path = DEFAULT_CODEBOOK.with_suffix(".polarity.json")
    if not path.is_file():
        return None
    try:
        themes = json.loads(path.read_bytes()).get("trained_on", {}).get("themes")
    except (OSError, ValueError, AttributeError):
        return path  # loading it says what is wrong, naming the file
    return path if themes is None or sorted(themes) == sorted(book.theme_ids) else None


def attach(book, model: "PolarityModel | None", where: str = "polarity model"):
    """The codebook `book` with `model` as its polarity model (None: the rules alone)."""
    import dataclasses

    themes = (model.meta or {}).get("themes") if model is not None else None
    if themes is not None and sorted(themes) != sorted(book.theme_ids):
        raise InputError(f"{where}: trained for the themes {', '.join(themes)}, not those of the codebook "
                         f"{book.name}; train one for it with `kwaliteitscan suggester train-polarity`")
    return dataclasses.replace(book, polarity_model=model)


def judge(model: PolarityModel, cand, prev: str, negation=None,
          memo: dict | None = None) -> tuple[float | None, float | None]:
    """(P(negative), P(relevant)) of one candidate; None for a head the model lacks."""
    p_neg, p_rel = model.scores(cand, prev, negation, memo)
    return (p_neg if "negative" in model.heads else None, p_rel if "relevant" in model.heads else None)


def decide(model: PolarityModel, polarity: str, p_negative: float | None, p_relevant: float | None,
           codes: tuple[str, ...] = ()) -> tuple[str, str | None, bool]:
    """(polarity, the model's qualifier or None, kept as a candidate) for a candidate the rules gave
    `polarity` and `codes` ("theme.code"), by the thresholds in the model's `use`."""
    use = model.use
    qualifier = None
    if use["polarity"] is not None and p_negative is not None:
        if polarity == "positive" and p_negative >= use["polarity"]["negative"]:
            polarity, qualifier = "negative", MODEL_NEGATIVE
        elif polarity == "negative" and p_negative <= use["polarity"]["positive"]:
            polarity, qualifier = "positive", MODEL_POSITIVE
    keep = (use["demote"] is None or p_relevant is None or p_relevant >= use["demote"]
            or (polarity == "negative" and not use.get("demote_negative", True))
            or not use["keep_codes"].isdisjoint(codes))
    return polarity, qualifier, keep


def apply(candidates: list, prev_of: dict[tuple[int, int], str], model: PolarityModel, negation=None) -> list:
    """`candidates` (match.matcher.Candidate) after the model: polarity overridden where it is
    confident, candidates it finds unlikely left out. `prev_of`: (page, start) -> the sentence
    before the hit sentence."""
    out = []
    memo: dict = {}
    for c in candidates:
        p_neg, p_rel = judge(model, c, prev_of.get((c.page, c.start), ""), negation, memo)
        polarity, qualifier, keep = decide(model, c.polarity, p_neg, p_rel, tuple(f"{c.theme}.{k}" for k in c.codes))
        if not keep:
            continue
        if qualifier is not None:
            c = replace(c, polarity=polarity, qualifiers=tuple(sorted(set(c.qualifiers) | {qualifier})))
        out.append(c)
    return out


# --------------------------------------------------------------------------- training


#: what each head reads and how it is fitted, as measured (docs/accuracy.md): the polarity head reads
#: the words alone, with balanced classes (a head that also reads the rules' features learns to repeat
#: the rule and finds no negative the rule misses); the relevance head reads everything
HEADS = {"negative": {"parts": "spc", "balanced": True}, "relevant": {"parts": "spcr", "balanced": False}}
#: how the heads are used, as measured: the polarity head only adds negatives where it is sure; a
#: candidate with P(relevant) under 0.25 is no candidate before review, unless it has one of the
#: `keep_codes`: the Stagepact's three contact moments count under professionals in the 2024 study
#: (issue 13, point 7), which the development gold follows only in part (corpus/ 7 of 37 such
#: candidates, batch 6 0 of 6, batches 7 and 8 11 of 11), so the model would learn to drop them
USE = {"polarity": {"negative": 0.7, "positive": 0.0}, "demote": 0.25, "demote_negative": True,
       "keep_codes": ["professionals.contact_moments"]}


def fit(examples: list[tuple[Counter, list[str], bool | None, bool]], *, use: dict | None = None,
        heads: dict | None = None, c: float = 1.0, min_df: int = 2, rule_weight: float = 1.0,
        trained_on: dict | None = None) -> dict:
    """Fit the heads on (text features, rule features, negative?, relevant?) examples (negative? is
    None for a candidate that finds no gold of its theme: it trains only the relevance head).
    Returns the model as JSON-ready data. Needs scikit-learn (the `train` extra)."""
    np, csr_matrix, LogisticRegression = training_tools("a polarity model")
    if not examples:
        raise InputError("no candidates to train on: the training corpus has no gold codings that match its text")
    use = USE if use is None else use
    heads_spec = HEADS if heads is None else heads
    df = Counter(t for text, _, _, _ in examples for t in text)
    n = len(examples)
    idf = {t: round(math.log((1 + n) / (1 + d)) + 1.0, 5) for t, d in sorted(df.items()) if d >= min_df}
    rules = sorted({r for _, rs, _, _ in examples for r in rs})
    names = list(idf) + rules
    columns = {t: i for i, t in enumerate(names)}
    rows, cols, vals = [], [], []
    for r, (text, rs, _, _) in enumerate(examples):
        feats = weigh(text, idf)
        for rule in rs:
            feats[rule] = feats.get(rule, 0.0) + rule_weight
        for t, v in feats.items():
            rows.append(r), cols.append(columns[t]), vals.append(v)
    matrix = csr_matrix((vals, (rows, cols)), shape=(n, len(columns)))
    heads = {}
    for head, spec in sorted(heads_spec.items()):
        label = 2 if head == "negative" else 3
        idx = [i for i, e in enumerate(examples) if e[label] is not None]
        y = np.array([bool(examples[i][label]) for i in idx])
        if not idx or y.all() or not y.any():
            continue
        keep = np.array([name[0] in spec["parts"] for name in names])
        lr = LogisticRegression(C=c, max_iter=5000, solver="liblinear", random_state=0,
                                class_weight="balanced" if spec.get("balanced") else None)
        lr.fit(matrix[idx][:, np.flatnonzero(keep)], y)
        kept = [name for name, k in zip(names, keep) if k]
        coef = {name: round(float(v), 5) for name, v in zip(kept, lr.coef_[0]) if abs(v) >= 1e-5}
        heads[head] = {"intercept": round(float(lr.intercept_[0]), 6), "coef": coef, "parts": spec["parts"]}
    if not heads:
        raise InputError(f"too little gold to train on: the {n} rule candidates are all coded alike; give a larger "
                         "hand-coded corpus")
    use = dict(use, polarity=use.get("polarity") if "negative" in heads else None,
               demote=use.get("demote") if "relevant" in heads else None)
    # every term keeps its idf, used or not: a text's tf-idf vector is scaled to unit length over all of them
    return {"format": FORMAT, "version": 1, "rule_weight": rule_weight, "use": use, "idf": idf, "heads": heads,
            "trained_on": trained_on or {}}


def save(data: dict, out: Path) -> None:
    """Write a trained polarity model as compact, sorted JSON (the same training gives the same bytes)."""
    save_model(data, out, sort_keys=True)
