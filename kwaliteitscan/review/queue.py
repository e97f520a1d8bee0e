"""The review queue: every passage of a project ranked for one coder, re-ranked after each
decision, with stopping rules that say when the rest is unlikely to hold anything.

Pure logic on numpy and the standard library (no scikit-learn at review time). A passage is a
`match.passages.Passage` (or anything with key, document, text, prev, heading, kind and prior).

The model (chosen by measurement, docs/review-queue.md): per theme, logistic regression on
tf-idf of the passage (words and word pairs), of the previous sentence ("p:" words) and of the
section headings ("h:" words), plus the codebook's evidence per theme (the passage's prior),
trained offline on a gold-coded corpus and shipped as JSON (`codebooks/stagediscriminatie.queue.json`,
`kwaliteitscan suggester train-queue`). The coder's own decisions fit a per-theme correction on
top of it (logistic regression with the bundled model's logit as offset and an L2 penalty that
pulls the correction to zero), so passages like the confirmed ones rise and passages like the
rejected ones sink; the neighbours of a confirmed passage get a lift for its theme. The same
decisions give the same order: no randomness, ties in reading order.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import CodebookError
from ..match.passages import CONTINUATION, WEAK_HIT, Passage
from .features import (THEMES, Csr, DocumentTerms, Featurizer, Vocabulary, assemble, document_terms,  # noqa: F401
                       fast_path_fits, for_project, keep_freed_memory, terms, with_evidence, without_words)  # (THEMES, Csr, Featurizer, terms: the queue's names, as before)

FORMAT = "kwaliteitscan-queue-prior"


# --------------------------------------------------------------------------- the bundled prior


@dataclass
class Prior:
    """Per-theme linear model over the featurizer's columns, as plain JSON."""

    kind: str  # "lr" (logistic regression) or "nb" (multinomial naive Bayes counts)
    featurizer: Featurizer
    weights: np.ndarray  # (width, T): lr coefficients, or nb positive counts
    bias: np.ndarray  # (T,): lr intercepts, or nb log prior odds
    neg: np.ndarray | None = None  # nb: negative counts (width, T)
    meta: dict | None = None

    def to_json(self) -> dict:
        f = self.featurizer
        terms_ = {t: [round(f.idf[t], 5)] + [round(float(v), 5) for v in self.weights[c]]
                  + ([round(float(v), 5) for v in self.neg[c]] if self.neg is not None else [])
                  for t, c in f.columns.items()}
        return {"format": FORMAT, "version": 1, "kind": self.kind, "themes": list(THEMES),
                "parts": {"prev": f.prev, "heading": f.heading, "rules": f.rules, "pairs": f.pairs},
                "bias": [round(float(b), 6) for b in self.bias], "terms": terms_, "meta": self.meta or {}}

    @classmethod
    def from_json(cls, data: dict) -> "Prior":
        if data.get("format") != FORMAT or tuple(data.get("themes", ())) != THEMES:
            raise ValueError(f"not a {FORMAT} for the themes {THEMES}")
        parts, t = data["parts"], len(THEMES)
        idf = {term: row[0] for term, row in data["terms"].items()}
        f = Featurizer(idf, parts["prev"], parts["heading"], parts["rules"], parts["pairs"])
        rows = np.array([data["terms"][term] for term in f.columns])
        neg = rows[:, 1 + t:1 + 2 * t] if data["kind"] == "nb" else None
        return cls(data["kind"], f, rows[:, 1:1 + t], np.array(data["bias"]), neg, data.get("meta"))

    @classmethod
    def load(cls, path: Path | str) -> "Prior":
        from ..errors import InputError

        try:
            return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise InputError(f"{path}: not a review-queue prior ({exc}); make one with `kwaliteitscan suggester "
                             "train-queue`") from exc


def build_prior(items: list[Passage], labels: list[set[str]], kind: str = "lr", *, prev: float = 0.5,
                heading: float = 0.5, rules: float = 1.0, pairs: bool = True, c: float = 4.0,
                min_df: int = 2, meta: dict | None = None) -> Prior:
    """Train the bundled prior OFFLINE (lr needs scikit-learn; nb needs numpy only)."""
    idf = Featurizer.fit_idf(items, min_df, prev=prev > 0, heading=heading > 0, pairs=pairs)
    f = Featurizer(idf, prev, heading, rules, pairs)
    x = Csr(f.transform(items), f.width)
    y = np.array([[t in lab for t in THEMES] for lab in labels], float)
    if kind == "nb":
        pos, neg = x.tdot(y), x.tdot(1.0 - y)
        return Prior("nb", f, pos, np.log((y.sum(0) + 1) / (len(y) - y.sum(0) + 1)), neg, meta)
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    m = csr_matrix((x.data, x.indices, x.indptr), shape=(x.n, x.width))
    w, b = np.zeros((f.width, len(THEMES))), np.full(len(THEMES), -10.0)
    for t in range(len(THEMES)):
        if 0 < y[:, t].sum() < len(y):
            model = LogisticRegression(C=c, max_iter=3000).fit(m, y[:, t])
            w[:, t], b[t] = model.coef_[0], model.intercept_[0]
    return Prior("lr", f, w, b, None, meta)


# --------------------------------------------------------------------------- the queue


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


@dataclass
class Columns:
    """What the queue needs of the passages besides their features, column by column: keys, the
    document of each (as any array of equal values per document) and the rule evidence (n x themes)."""

    keys: list[str]
    documents: np.ndarray
    priors: np.ndarray

    @classmethod
    def of(cls, items: list[Passage]) -> "Columns":
        codes: dict[str, int] = {}
        documents = np.fromiter((codes.setdefault(it.document, len(codes)) for it in items), np.int64, len(items))
        priors = np.array([it.prior for it in items], np.float64).reshape(len(items), len(items[0].prior) if items
                                                                          else len(THEMES))
        return cls([it.key for it in items], documents, priors)


class Queue:
    """All items of a project, the bundled prior and the project's decisions.

    decide(key, themes): the coder's decision on an item: the set of themes it carries
    (a confirmed, moved or added theme is in the set; an empty set is a rejection).
    """

    def __init__(self, items, prior: Prior, *, l2: float = 2.0, iters: int = 30,
                 neighbour: float = 1.5, nb_weight: float = 1.0, extend_vocab: bool = True,
                 features: tuple | None = None, prior_product: np.ndarray | None = None) -> None:
        """`items`: the passages (a list of Passage), or their Columns together with `features`;
        `prior_product`: the features times the prior's weights, when they were computed together."""
        self.items = items if isinstance(items, Columns) else list(items)
        columns = items if isinstance(items, Columns) else Columns.of(self.items)
        self.keys, self.n = columns.keys, len(columns.keys)
        self.index = dict(zip(self.keys, range(self.n)))
        #: passages with rule evidence (a candidate's sentence or its continuation): the stopping rules' minimum
        self.n_rules = int((columns.priors.max(1, initial=0.0) >= CONTINUATION).sum())
        self.prior = prior
        if features is None:  # (CSR triplet, width): what features() returns, e.g. from features.assemble
            features = self.features(self.items, prior, extend_vocab)
        triplet, width = features
        self.x = Csr(triplet, width)
        pad = width - prior.weights.shape[0]
        self.w0 = np.vstack([prior.weights, np.zeros((pad, len(THEMES)))])
        if prior.kind == "nb":
            self.neg0 = np.vstack([prior.neg, np.zeros((pad, len(THEMES)))])
            self.pos_counts, self.neg_counts = np.zeros_like(self.w0), np.zeros_like(self.w0)
            self.base = None
        else:
            if prior_product is None:
                prior_product = self.x.dot(self.w0)
            self.base = prior_product + prior.bias  # the prior's logits, computed once
        self.l2, self.iters, self.neighbour_lift, self.nb_weight = l2, iters, neighbour, nb_weight
        self.decisions: dict[int, frozenset[str]] = {}
        self.delta = np.zeros((width, len(THEMES)))
        self.delta_b = np.zeros(len(THEMES))
        self.doc_order = self._neighbours(columns.documents)
        self._logits = None

    @staticmethod
    def features(items: list[Passage], prior: Prior, extend_vocab: bool = True) -> tuple:
        """The feature matrix of `items` under `prior` (with the project's own words as extra columns):
        (CSR triplet, width). The slow part of opening a queue, so ReviewQueue caches it."""
        f = Featurizer(prior.featurizer.idf, prior.featurizer.prev, prior.featurizer.heading,
                       prior.featurizer.rules, prior.featurizer.pairs)
        if extend_vocab:
            f.extend(items)
        return f.transform(items), f.width

    def _neighbours(self, documents: np.ndarray):
        prev_ = np.full(self.n, -1)
        next_ = np.full(self.n, -1)
        same = np.flatnonzero(documents[1:] == documents[:-1]) + 1  # i: passage i-1 is in i's document
        prev_[same], next_[same - 1] = same - 1, same
        return prev_, next_

    # ---- decisions and learning
    def decide(self, key: str, themes, refit: bool = True) -> None:
        i = self.index[key]
        themes = frozenset(themes)
        self.decisions[i] = themes
        if self.prior.kind == "nb":
            xi = self.x.take(np.array([i]))
            y = np.array([[t in themes for t in THEMES]], float)
            self.pos_counts += xi.tdot(y) * self.nb_weight
            self.neg_counts += xi.tdot(1.0 - y) * self.nb_weight
        self._logits = None
        if refit:
            self.refit()

    def refit(self) -> None:
        if self.prior.kind == "nb" or not self.decisions:
            self._logits = None
            return
        rows = np.array(sorted(self.decisions))
        xl = self.x.take(rows)
        y = np.array([[t in self.decisions[r] for t in THEMES] for r in rows], float)
        off = self.base[rows]
        # step size from the largest eigenvalue of X'X (power iteration, fixed start: deterministic)
        v = np.ones((xl.width, 1)) / math.sqrt(xl.width)
        for _ in range(8):
            v = xl.tdot(xl.dot(v))
            lam = float(np.linalg.norm(v))
            v /= lam or 1.0
        step = 1.0 / (0.25 * (lam + len(rows)) + self.l2)
        d, db = self.delta.copy(), self.delta_b.copy()
        zd, zb, tk = d.copy(), db.copy(), 1.0
        for _ in range(self.iters):  # Nesterov-accelerated gradient descent, warm-started
            g = _sigmoid(off + xl.dot(zd) + zb) - y
            nd = zd - step * (xl.tdot(g) + self.l2 * zd)
            nb = zb - step * (g.sum(0) + self.l2 * zb)
            tn = (1 + math.sqrt(1 + 4 * tk * tk)) / 2
            zd, zb = nd + (tk - 1) / tn * (nd - d), nb + (tk - 1) / tn * (nb - db)
            d, db, tk = nd, nb, tn
        self.delta, self.delta_b = d, db
        self._logits = None

    def forget(self, key: str) -> None:
        """Take a decision back (the coder pressed undo)."""
        if self.index[key] in self.decisions:
            del self.decisions[self.index[key]]
            self.refit()
            self._logits = None

    # ---- scores
    def logits(self) -> np.ndarray:
        if self._logits is None:
            if self.prior.kind == "nb":
                pos = self.w0 + self.pos_counts + 1.0
                neg = self.neg0 + self.neg_counts + 1.0
                w = np.log(pos / pos.sum(0)) - np.log(neg / neg.sum(0))
                z = self.x.dot(w) + self.prior.bias
            else:
                cols = np.abs(self.delta).sum(1) != 0
                z = self.base + self.delta_b
                if cols.any():  # the correction lives on the columns of the decided passages
                    z = z + self.x.dot(self.delta, only=cols)
            if self.neighbour_lift and self.decisions:
                prev_, next_ = self.doc_order
                lift = np.zeros_like(z)
                for i, themes in self.decisions.items():
                    for t, theme in enumerate(THEMES):
                        if theme in themes:
                            for j in (prev_[i], next_[i]):
                                if j >= 0:
                                    lift[j, t] = self.neighbour_lift
                z = z + lift
            self._logits = z
        return self._logits

    def probabilities(self) -> np.ndarray:
        return _sigmoid(self.logits())

    def pending(self) -> np.ndarray:
        mask = np.ones(self.n, bool)
        if self.decisions:
            mask[np.fromiter(self.decisions, int)] = False
        return np.flatnonzero(mask)

    def rank(self, limit: int | None = None) -> list[tuple[str, str, float]]:
        """Pending items, most likely first: (key, proposed theme, score = P(proposed theme))."""
        p = self.probabilities()
        todo = self.pending()
        best = p[todo].argmax(1)
        score = p[todo, best]
        order = np.lexsort((todo, -score))  # ties: reading order (deterministic)
        if limit is not None:
            order = order[:limit]
        return [(self.keys[todo[k]], THEMES[best[k]], float(score[k])) for k in order]

    def next_index(self) -> int:
        p = self.probabilities()
        todo = self.pending()
        score = p[todo].max(1)
        return int(todo[np.lexsort((todo, -score))[0]])

    # ---- stopping rules
    def found(self) -> np.ndarray:
        c = np.zeros(len(THEMES))
        for themes in self.decisions.values():
            for t, theme in enumerate(THEMES):
                c[t] += theme in themes
        return c


def _result(found: np.ndarray, remaining: np.ndarray, stop_theme, stop_all) -> dict:
    out = {}
    for t, theme in enumerate(THEMES):
        total = found[t] + remaining[t]
        out[theme] = (bool(stop_theme[t]), float(remaining[t]), float(found[t] / total) if total else 1.0)
    f, r = found.sum(), remaining.sum()
    out["overall"] = (bool(stop_all), float(r), float(f / (f + r)) if f + r else 1.0)
    return out


def stop_consecutive(queue: Queue, history: list[frozenset[str]], run: int = 50, minimum: float = 1.0) -> dict:
    """Stop after `run` consecutive rejected items, once at least `minimum` x the rule candidates
    (items with a HIT/WEAK_HIT/CONTINUATION prior) have been read. Remaining is estimated by the
    rate of the last `run` items times what is pending (+0.5: the rule of three's cousin)."""
    n_rules = queue.n_rules
    last = history[-run:]
    streak = len(last) == run and not any(last)
    pending = queue.n - len(history)
    found = queue.found()
    rate = np.array([sum(t in h for h in last) for t in THEMES], float)
    remaining = (rate + 0.5 / len(THEMES)) / max(len(last), 1) * pending
    stop_all = streak and len(history) >= minimum * n_rules
    per = [stop_all or (len(last) == run and rate[t] == 0 and len(history) >= minimum * n_rules)
           for t in range(len(THEMES))]
    return _result(found, remaining, per, stop_all)


def stop_estimate(queue: Queue, history: list[frozenset[str]], target: float = 0.95, minimum: float = 1.0,
                  scale: float = 1.0) -> dict:
    """Stop when the model's expected number of relevant item-theme pairs in the unread tail
    (sum of calibrated probabilities, times `scale`) leaves an estimated recall >= target, per
    theme and overall, once `minimum` x the rule candidates have been read."""
    n_rules = queue.n_rules
    todo = queue.pending()
    remaining = queue.probabilities()[todo].sum(0) * scale
    found = queue.found()
    est = found / np.maximum(found + remaining, 1e-9)
    ok = len(history) >= minimum * n_rules
    per = [ok and est[t] >= target for t in range(len(THEMES))]
    stop_all = ok and found.sum() / max(found.sum() + remaining.sum(), 1e-9) >= target and all(per)
    return _result(found, remaining, per, stop_all)


def stop_knee(queue: Queue, history: list[frozenset[str]], ratio: float = 6.0, minimum: float = 1.0,
              after: int = 30) -> dict:
    """Cormack & Grossman's knee method on the gain curve (relevant items found against items read):
    stop when the slope before the knee is at least `ratio` times the slope after it, and at least
    `after` items have been read past the knee."""
    n_rules = queue.n_rules
    gains = np.cumsum([bool(h) for h in history])
    s = len(history)
    found = queue.found()
    if s < 2:
        return _result(found, np.full(len(THEMES), np.inf), [False] * len(THEMES), False)
    xs = np.arange(1, s + 1)
    r = gains[-1]
    dist = gains * s - xs * r  # proportional to the distance above the chord from (0,0) to (s, r)
    knee = int(np.argmax(dist))
    k, rk = knee + 1, gains[knee]
    rho = (rk / k) / ((r - rk + 1) / max(s - k, 1))
    stop_all = rho >= ratio and s - k >= after and s >= minimum * n_rules
    slope_after = (r - rk + 1) / max(s - k, 1)
    pending = queue.n - s
    share = found / max(found.sum(), 1)
    remaining = share * slope_after * pending * 0.1  # a rough tail, the rule decides on rho alone
    return _result(found, remaining, [stop_all] * len(THEMES), stop_all)


STOPPING_RULES = {"consecutive": stop_consecutive, "estimate": stop_estimate, "knee": stop_knee}


# --------------------------------------------------------------------------- simulation


def gold_matrix(items: list[Passage], gold_pairs: list[tuple[str, str, str]], contains=None, is_part=None):
    """Which items carry which gold passage. gold_pairs: (document sha, theme, passage text).
    Returns (themes per item, passage ids per item, theme per passage id). A table cell matches the
    row that holds it (the row's text contains the cell); a sentence matches a passage that holds it
    whole or of which it is at least half."""
    def norm(s):
        return re.sub(r"\s+", " ", s).strip().lower()

    contains = contains or (lambda text, g: bool(norm(g)) and norm(g) in norm(text))
    is_part = is_part or (lambda s, g: bool(norm(s)) and norm(s) in norm(g) and len(norm(s)) >= 0.5 * len(norm(g)))
    by_doc: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        by_doc.setdefault(it.document, []).append(i)
    themes = [set() for _ in items]
    passages = [set() for _ in items]
    for pid, (doc, theme, text) in enumerate(gold_pairs):
        for i in by_doc.get(doc, []):
            if contains(items[i].text, text) or is_part(items[i].text, text):
                themes[i].add(theme)
                passages[i].add(pid)
    return [frozenset(t) for t in themes], passages, [g[1] for g in gold_pairs]


def simulate(items: list[Passage], gold_pairs: list[tuple[str, str, str]], prior: Prior, *, budget: float = 4.0,
             every: int = 1, rules: dict | None = None, queue_kw: dict | None = None, rules_first: bool = False,
             matrix=None) -> dict:
    """A perfect coder reviews the queue in order, coding each item with all its gold themes.
    Re-ranks after every `every` decisions. Stops at `budget` x the gold passages (or the end).
    Returns the recall curve (overall and per theme, over gold passages), items needed for recall
    0.90/0.95/0.97/1.00, and where each stopping rule fired with the recall there."""
    rules = rules if rules is not None else {"consecutive": {}, "estimate": {}, "knee": {}}
    themes_of, passages_of, passage_theme = matrix or gold_matrix(items, gold_pairs)
    n_gold = len(gold_pairs)
    reachable = set().union(*passages_of) if passages_of else set()
    queue = Queue(items, prior, **(queue_kw or {}))
    limit = min(len(items), int(math.ceil(budget * n_gold)))
    found_p: set[int] = set()
    history: list[frozenset[str]] = []
    curve, curve_t = [], {t: [] for t in THEMES}
    per_theme_total = Counter(passage_theme)
    fired: dict[str, dict] = {}
    order: list[int] = []
    first_tier = [i for i, it in enumerate(items) if max(it.prior) >= WEAK_HIT] if rules_first else []
    order_cache: list[int] = []
    for step in range(limit):
        if first_tier:
            first_tier = [i for i in first_tier if i not in queue.decisions]
        if first_tier:
            p = queue.probabilities()[first_tier].max(1)
            i = first_tier[int(np.lexsort((first_tier, -p))[0])]
        elif every == 1 or not order_cache:
            if every == 1:
                i = queue.next_index()
            else:
                p = queue.probabilities()
                todo = queue.pending()
                order_cache = list(todo[np.lexsort((todo, -p[todo].max(1)))][:every])
                i = order_cache.pop(0)
        else:
            i = order_cache.pop(0)
        order.append(i)
        decision = themes_of[i]
        refit = every == 1 or (step + 1) % every == 0
        queue.decide(items[i].key, decision, refit=refit)
        history.append(decision)
        found_p |= passages_of[i]
        curve.append(len(found_p) / n_gold)
        for t in THEMES:
            curve_t[t].append(sum(1 for p in found_p if passage_theme[p] == t) / max(per_theme_total[t], 1))
        for name, kw in rules.items():
            if name not in fired and refit:
                res = STOPPING_RULES[name.split("#")[0]](queue, history, **kw)
                if res["overall"][0]:
                    fired[name] = {"at": step + 1, "recall": curve[-1], "estimated_recall": res["overall"][2],
                                   "estimated_remaining": res["overall"][1], "effort": (step + 1) / n_gold,
                                   "theme_recall": {t: curve_t[t][-1] for t in THEMES}}
        if len(found_p) == len(reachable) and len(fired) == len(rules):
            break

    def needed(level, c):
        for k, v in enumerate(c):
            if v >= level - 1e-12:
                return k + 1
        return None

    return {"gold": n_gold, "reachable": len(reachable), "items": len(items), "curve": curve, "curve_theme": curve_t,
            "needed": {lv: needed(lv, curve) for lv in (0.90, 0.95, 0.97, 1.00)},
            "needed_theme": {t: {lv: needed(lv, curve_t[t]) for lv in (0.90, 0.95)} for t in THEMES
                             if per_theme_total[t]},
            "theme_gold": dict(per_theme_total), "stops": fired, "order": order}


def rank(items: list[Passage], decisions: dict[str, set[str]], prior: Prior, **queue_kw) -> list[tuple[str, str, float]]:
    """Stateless form: the pending items ranked after replaying `decisions` (key -> themes, in the
    order given; an empty set is a rejection). A live session keeps one Queue and calls decide()."""
    queue = Queue(items, prior, **queue_kw)
    for key, themes in decisions.items():
        queue.decide(key, themes, refit=False)
    queue.refit()
    return queue.rank()


#: the stopping rule the queue reports by default (measured, docs/review-queue.md): 100 passages in a
#: row that carry no theme, after at least as many passages as there are rule candidates
STOPPING_RULE = ("consecutive", {"run": 100, "minimum": 1.0})


def bundled_prior(book) -> Prior:
    """The queue prior that ships beside a codebook (`<codebook>.queue.json`), for its themes."""
    path = Path(book.path).with_suffix(".queue.json") if book.path else None
    if path is None or not path.is_file():
        from ..codebook import DEFAULT_CODEBOOK

        path = DEFAULT_CODEBOOK.with_suffix(".queue.json")
    prior = Prior.load(path)
    if tuple(book.theme_ids) != THEMES:
        raise CodebookError(f"{book.path or book.name}: the review queue's prior {path.name} knows the themes "
                            f"{', '.join(THEMES)}; train one for this codebook with `kwaliteitscan suggester "
                            "train-queue`")
    return prior


# --------------------------------------------------------------------------- a project's queue for one coder


class ReviewQueue:
    """One coder's queue over every passage of a project, ranked by the model above.

    A passage that is the hit sentence of a rule candidate comes as that candidate (decisions on
    it land on the candidate, as they always did); any other passage comes as a candidate-shaped
    dict whose id is `<passage key>#<proposed theme>` (code 'wachtrij'), so the review screens,
    the spreadsheet and the decision log treat both alike. What the coder decided teaches the
    model: a confirmed (or moved) theme is a label of its passage, a rejection says it has none.
    Only this coder's decisions count, so blind double coding holds.
    """

    def __init__(self, project, coder: str, book, *, institution: str | None = None, prior: Prior | None = None):
        """Opening reads each passage's key and rule evidence and the terms stored with its document
        (review/features.py); a passage's text and its candidates are read when it is looked at."""
        from ..project.store import passage_of

        self.project, self.coder, self.book = project, coder, book
        prior = prior or bundled_prior(book)
        per_document = project.passage_counts(institution=institution)
        self.documents = [sha for sha, _ in per_document]
        #: the document of each passage, as an index into self.documents
        self.document_of = np.repeat(np.arange(len(per_document)), [n for _, n in per_document])
        keys, priors, features = _features(project, per_document, prior)
        self.queue = Queue(Columns(keys, self.document_of, priors), prior, features=features[:2],
                           prior_product=features[2] if len(features) > 2 else None)
        self.rows = _Rows(project, self.queue.index)
        labels: dict[str, set[str]] = {}
        decided = project.latest_decisions(coder)
        # a decision on a rule candidate teaches the passage that holds its hit sentence
        hit = dict(_chunked(lambda ids: project.hit_passages(ids).items(),
                            [cid for cid in decided if passage_of(cid) is None]))
        for cid, row in decided.items():
            key = passage_of(cid) or hit.get(cid)
            if key is None or key not in self.rows:
                continue
            slot = labels.setdefault(key, set())
            if row["decision"] == "confirmed":
                slot.add(row["theme"])
        self.rows.fetch(labels)
        for key in sorted(labels, key=lambda k: self.rows[k]["ord"]):
            self.queue.decide(key, labels[key], refit=False)
        self.queue.refit()
        self.history = [frozenset(labels[k]) for k in labels]

    @property
    def keys(self) -> list[str]:
        """Every passage's key, in the queue's (reading) order."""
        return self.queue.keys

    def teach(self, key: str, themes) -> None:
        """What the coder just decided on passage `key` (the themes it carries; none: rejected)."""
        if key in self.rows:
            self.queue.decide(key, themes)
            self.history.append(frozenset(themes))

    def forget(self, key: str) -> None:
        """The coder took the decision on passage `key` back."""
        if key in self.rows:
            self.queue.forget(key)
            if self.history:
                self.history.pop()

    def items(self, limit: int | None = None, theme: str | None = None) -> "Ranked":
        """The pending passages in queue order, as candidates (see the class doc). The list is lazy:
        a passage becomes a candidate dict when it is looked at, so re-ranking a large project after
        each decision costs the ranking, not thousands of dicts nobody reads."""
        p = self.queue.probabilities()
        todo = self.queue.pending()
        if theme is not None:
            best = np.full(len(todo), THEMES.index(theme))
        else:
            best = p[todo].argmax(1)
        score = p[todo, best]
        order = np.lexsort((todo, -score))
        if limit is not None:
            order = order[:limit]
        return Ranked(self, todo[order], best[order], score[order])

    def _item(self, index: int, theme_index: int, score: float) -> dict:
        row = self.rows[self.queue.keys[index]]
        proposed = THEMES[theme_index]
        hits = self.project.candidates(at=(row["document"], row["page"], row["start"]))
        cand = next((c for c in hits if c["theme"] == proposed), hits[0] if hits else None)
        return (dict(cand, queue_score=score, passage_key=row["key"]) if cand
                else self._as_candidate(row, proposed, score))

    def _as_candidate(self, row: dict, theme: str, score: float) -> dict:
        from ..project.store import passage_candidate

        return dict(passage_candidate(row, theme), queue_score=score)

    def stop(self) -> dict:
        """{theme or 'overall': (met, estimated left, estimated recall)}: whether the stopping rule
        (STOPPING_RULE) is met on this coder's decisions so far, with what the model expects is left
        in the unread passages (the sum of their calibrated probabilities: measured to be cautious)."""
        name, params = STOPPING_RULE
        rule = STOPPING_RULES[name](self.queue, self.history, **params)
        estimate = stop_estimate(self.queue, self.history)
        return {key: (rule[key][0], estimate[key][1], estimate[key][2]) for key in rule}


class Ranked:
    """A ranked, lazy list of queue items: len(), indexing and slicing make only what is read."""

    def __init__(self, queue: ReviewQueue, indices, themes, scores) -> None:
        self._queue, self._indices, self._themes, self._scores = queue, indices, themes, scores
        self._made: dict[int, dict] = {}

    def __len__(self) -> int:
        return len(self._indices)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(k)
        if k not in self._made:
            self._made[k] = self._queue._item(int(self._indices[k]), int(self._themes[k]), float(self._scores[k]))
        return self._made[k]

    def __iter__(self):
        return (self[k] for k in range(len(self)))


def _features(project, per_document: list, prior: Prior) -> tuple[list[str], np.ndarray, tuple]:
    """The passages' keys, their rule evidence (passages x themes) and the queue's feature matrix
    (with the prior's logits), from what is stored with each document (features.assemble); a
    document without it (coded before it was stored) gets it now, and keeps it when the project
    can be written. A prior that wants other terms than are stored is featurised in full."""
    from ..errors import ProjectError

    def passages(sha):
        return [Passage(r["key"], r["document"], r["ord"], r["page"], r["start"], r["end"], r["kind"], r["text"],
                        r["prev"], r["heading"], r["prior"]) for r in project.passages(document=sha)]

    keep_freed_memory()
    if not fast_path_fits(prior):
        items = [p for sha, _ in per_document for p in passages(sha)]
        return [p.key for p in items], Columns.of(items).priors, Queue.features(items, prior)
    # each stored term list is read as it comes, with the project's numbers of its terms, so neither
    # every document's stored bytes nor every term string are held at once; a term list stored
    # before the project numbered its terms is numbered from its strings (and gets its numbers)
    vocabulary, read, unnumbered = Vocabulary(project.queue_vocabulary()), {}, []
    for sha, stored, evidence, numbers in project.each_passage_terms():
        try:
            read[sha] = DocumentTerms(stored, evidence, vocabulary, numbers)
        except (ValueError, TypeError, EOFError):  # damaged: counted again below (its numbers are unused)
            continue
        if not read[sha].numbered:  # kept as the project will keep it once it has the numbers
            read[sha].stored = without_words(stored)
    docs = []
    for sha, n in per_document:
        got = read.pop(sha, None)
        if got is None or got.n != n or got.priors.shape[1] != len(THEMES):  # none, or for other passages
            items = passages(sha)
            counted = document_terms(items)
            try:
                project.save_passage_terms(sha, for_project(counted, items))
            except ProjectError:  # opened read-only (export): only the next opening costs the time again
                pass
            got = DocumentTerms(*with_evidence(counted, items)[1:], vocabulary)
        elif not got.numbered:
            unnumbered.append((sha, got.digest, got.words, got.stored))
        docs.append(got)
    if unnumbered:
        try:
            project.number_passage_terms((sha, digest, words.split("\n") if words else [], stored)
                                         for sha, digest, words, stored in unnumbered)
        except ProjectError:  # read-only: numbered from the strings again next time
            pass
    keys = [k for d in docs for k in d.keys]
    priors = np.concatenate([d.priors for d in docs]) if docs else np.zeros((0, len(THEMES)))
    return keys, priors, assemble(docs, priors, prior, times=prior.weights if prior.kind == "lr" else None)


def _chunked(read, items: list, size: int = 500) -> list:
    """read(part) over `items` in parts of `size` (SQLite limits the parameters of one statement)."""
    return [row for k in range(0, len(items), size) for row in read(items[k:k + size])]


class _Rows:
    """Stored passages by key (Project.passages rows), read when asked for and kept."""

    def __init__(self, project, index: dict[str, int]) -> None:
        self._project, self._index, self._rows = project, index, {}

    def __contains__(self, key) -> bool:
        return key in self._index

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self):
        return iter(self._index)

    def __getitem__(self, key: str) -> dict:
        if key not in self._index:
            raise KeyError(key)
        if key not in self._rows:
            self.fetch([key])
        return self._rows[key]

    def fetch(self, keys) -> None:
        """Read the rows of `keys` (those not read yet) in one go."""
        todo = [k for k in keys if k not in self._rows and k in self._index]
        for row in _chunked(lambda part: self._project.passages(keys=part), todo):
            self._rows[row["key"]] = row
