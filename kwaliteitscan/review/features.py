"""The review queue's features: the terms of a passage, the tf-idf featurizer, the sparse matrix,
and that matrix built fast from per-document term lists.

Featurising every passage in Python (queue.Featurizer.transform) took about 30 s for a
60-agenda project (223k passages), all of it when `review` opened. Most of that work, finding
the words, word pairs and heading words of each passage, depends on the passage alone, so it is
done once per document when the document is coded (`document_terms`, in the coding workers)
and stored with its passages. Opening the queue then only joins the documents' term lists
(`assemble`): the project's vocabulary, document frequencies and tf-idf are computed in numpy.

`assemble` gives exactly the matrix Queue.features gives (same columns, same values bit for bit,
same order of entries in a row), so the queue's order does not depend on which path built it;
tests/review/test_features.py holds the two side by side.
"""

from __future__ import annotations

import hashlib
import marshal
import math
import re
from collections import Counter
from itertools import count, repeat
from pathlib import Path

import numpy as np

from ..files import write_cache
from ..match.passages import Passage

THEMES = ("acknowledgement", "goals", "monitoring", "social_norm", "professionals", "reporting_desk",
          "informing_students", "objective_matching")
_TOKEN = re.compile(r"\b\w\w+\b")

# --------------------------------------------------------------------------- features


def terms(item: Passage, prev: bool = True, heading: bool = True, pairs: bool = True) -> tuple[Counter, Counter, Counter]:
    words = _TOKEN.findall(item.text.lower())
    own = Counter(words + ([f"{a} {b}" for a, b in zip(words, words[1:])] if pairs else []))
    own[f"k:{item.kind}"] += 1
    pw = Counter("p:" + w for w in _TOKEN.findall(item.prev.lower())) if prev else Counter()
    hw = Counter("h:" + w for w in _TOKEN.findall(item.heading.lower())) if heading else Counter()
    return own, pw, hw


class Featurizer:
    """Sublinear tf-idf, each part (sentence, previous sentence, headings) scaled to unit length
    and weighted; the rule evidence as one column per theme (`r:<theme>`)."""

    def __init__(self, idf: dict[str, float], prev: float = 0.5, heading: float = 0.5, rules: float = 1.0,
                 pairs: bool = True) -> None:
        self.idf = dict(idf)
        self.columns = {t: i for i, t in enumerate(self.idf)}
        self.prev, self.heading, self.rules, self.pairs = prev, heading, rules, pairs
        self.rule_cols = [self._col(f"r:{t}", 1.0) for t in THEMES]

    def _col(self, term: str, idf: float) -> int:
        if term not in self.columns:
            self.columns[term] = len(self.columns)
            self.idf[term] = idf
        return self.columns[term]

    @staticmethod
    def fit_idf(items: list[Passage], min_df: int = 2, **kw) -> dict[str, float]:
        df = Counter()
        for it in items:
            for part in terms(it, **kw):
                df.update(part.keys())
        n = len(items)
        return {t: math.log((1 + n) / (1 + d)) + 1.0 for t, d in sorted(df.items()) if d >= min_df}

    def extend(self, items: list[Passage], min_df: int = 2) -> None:
        """Add the project's own terms (df >= min_df in the project) as new columns (weight 0 in the prior)."""
        n = len(items)
        for t, d in sorted(Counter(t for it in items for part in self._terms(it) for t in part).items()):
            if d >= min_df and t not in self.columns:
                self._col(t, math.log((1 + n) / (1 + d)) + 1.0)

    def _terms(self, it: Passage):
        return terms(it, prev=self.prev > 0, heading=self.heading > 0, pairs=self.pairs)

    @property
    def width(self) -> int:
        return len(self.columns)

    def transform(self, items: list[Passage]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR triplet (indptr, indices, data)."""
        indptr, indices, data = [0], [], []
        cols, idf = self.columns, self.idf
        for it in items:
            row: dict[int, float] = {}
            for part, scale in zip(self._terms(it), (1.0, self.prev, self.heading)):
                vec = {cols[t]: (1.0 + math.log(c)) * idf[t] for t, c in part.items() if t in cols}
                norm = math.sqrt(sum(v * v for v in vec.values()))
                if norm and scale:
                    for k, v in vec.items():
                        row[k] = row.get(k, 0.0) + scale * v / norm
            if self.rules:
                for k, v in zip(self.rule_cols, it.prior):
                    if v:
                        row[k] = self.rules * v
            for k in sorted(row):
                indices.append(k)
                data.append(row[k])
            indptr.append(len(indices))
        return np.array(indptr, np.int64), np.array(indices, np.int64), np.array(data, np.float64)


class Csr:
    """A sparse matrix as numpy arrays, with the two products the queue needs."""

    #: entries per block of rows in dot(): the temporary arrays stay small (the sums are the same)
    BLOCK = 1 << 20

    def __init__(self, triplet, width: int) -> None:
        self.indptr, self.indices, self.data = triplet
        self.n, self.width = len(self.indptr) - 1, width
        self._rows = None

    @property
    def rows(self) -> np.ndarray:
        """The row of each entry."""
        if self._rows is None:
            self._rows = np.repeat(np.arange(self.n), np.diff(self.indptr))
        return self._rows

    def take(self, rows: np.ndarray) -> "Csr":
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lengths = ends - starts
        idx = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends)]) if len(rows) else np.zeros(0, np.int64)
        return Csr((np.concatenate([[0], np.cumsum(lengths)]), self.indices[idx], self.data[idx]), self.width)

    def dot(self, w: np.ndarray, only: np.ndarray | None = None) -> np.ndarray:
        """X @ w for w of shape (width, T): each row's products summed in the order of its entries,
        a block of rows at a time. `only` (a mask of columns) leaves out the entries of the other
        columns: where w is zero on them, the sums are the same (adding a zero changes no sum)."""
        out = np.empty((self.n, w.shape[1]))
        columns = np.ascontiguousarray(w.T)
        cuts = np.searchsorted(self.indptr, np.arange(self.BLOCK, self.indptr[-1], self.BLOCK))
        bounds = np.unique(np.concatenate([[0], cuts, [self.n]]))
        for r0, r1 in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            lo, hi = self.indptr[r0], self.indptr[r1]
            rows = np.repeat(np.arange(r1 - r0), np.diff(self.indptr[r0:r1 + 1]))
            data, indices = self.data[lo:hi], self.indices[lo:hi].astype(np.intp)
            if only is not None:
                keep = only[indices]
                rows, data, indices = rows[keep], data[keep], indices[keep]
            for t in range(w.shape[1]):
                out[r0:r1, t] = np.bincount(rows, weights=data * columns[t].take(indices), minlength=r1 - r0)
        return out

    def tdot(self, g: np.ndarray) -> np.ndarray:
        """X.T @ g for g of shape (n, T)."""
        out = np.empty((self.width, g.shape[1]))
        for t in range(g.shape[1]):
            out[:, t] = np.bincount(self.indices, weights=self.data * g[self.rows, t], minlength=self.width)
        return out



# --------------------------------------------------------------------------- stored per document

#: bump when `terms` or the layout below changes: stored term lists of another version are ignored
TERMS_VERSION = 5
_PARTS = 3  # the passage itself, the previous sentence ("p:"), the headings ("h:")


def document_terms(passages) -> bytes:
    """The terms of one document's passages (in reading order), for `assemble`: the passages' keys,
    the document's vocabulary in sorted order, and per passage each term's count, listed as
    queue.terms counts them (the passage, then the previous sentence, then the headings, each in
    order of first occurrence), with the number of terms of each of the three parts and the
    passage's terms in sorted order (as positions in its list)."""
    flat: list[str] = []
    counts: list[int] = []
    lengths: list[int] = []
    memo: dict[tuple[str, str], tuple[list, list]] = {}  # previous sentences and headings recur

    def part(prefix: str, text: str) -> tuple[list, list]:
        got = memo.get((prefix, text))
        if got is None:
            c = Counter(prefix + w for w in _TOKEN.findall(text.lower()))
            got = memo[(prefix, text)] = (list(c), list(c.values()))
        return got

    for p in passages:
        own, _, _ = terms(p, prev=False, heading=False)
        flat.extend(own)
        counts.extend(own.values())
        lengths.append(len(own))
        for prefix, text in (("p:", p.prev), ("h:", p.heading)):
            keys, values = part(prefix, text)
            flat.extend(keys)
            counts.extend(values)
            lengths.append(len(keys))
    vocab = sorted(set(flat))
    local = dict(zip(vocab, range(len(vocab))))
    ids = np.fromiter(map(local.__getitem__, flat), np.int64, len(flat))
    lengths_ = np.array(lengths, np.int64)
    n = len(lengths) // _PARTS
    # each passage's terms in sorted order (= column order, see assemble), as positions in its list
    row = np.repeat(np.arange(n), lengths_.reshape(n, _PARTS).sum(1))
    order = np.lexsort((ids, row))
    starts = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=n))])[:-1]
    # keys and terms hold no line break: each list is stored as one text (read back with one split)
    return marshal.dumps((TERMS_VERSION, "\n".join(p.key for p in passages), "\n".join(vocab), _compact(ids),
                          _compact(np.array(counts, np.int64)), _compact(lengths_), _compact(order - starts[row[order]])))


def _compact(values: np.ndarray) -> tuple[str, bytes]:
    """An array of non-negative integers in the narrowest type that holds it."""
    top = int(values.max(initial=0))
    dtype = "u1" if top < 2**8 else "<u2" if top < 2**16 else "<u4" if top < 2**32 else "<i8"
    return dtype, values.astype(dtype).tobytes()


def _array(stored: tuple[str, bytes]) -> np.ndarray:
    dtype, raw = stored
    return np.frombuffer(raw, dtype)


def cached_document_terms(passages, path: Path) -> bytes:
    """document_terms, kept in the file `path` (beside the document's segmentation cache): the terms
    depend on the passages' words only, so a re-code after a codebook change reads them back. The file
    holds a digest of what they were computed from, so passages that came out otherwise are counted again."""
    digest = hashlib.sha256()
    for p in passages:
        digest.update(f"{p.key}\x1f{p.kind}\x1f{p.text}\x1f{p.prev}\x1f{p.heading}\x1e".encode())
    key = digest.hexdigest()
    try:
        stored_key, blob = marshal.loads(path.read_bytes())
        if stored_key == key and isinstance(blob, bytes):
            return blob
    except (OSError, ValueError, TypeError, EOFError):  # missing or damaged: counted again
        pass
    blob = document_terms(passages)
    data = marshal.dumps((key, blob))
    write_cache(path, lambda tmp: tmp.write_bytes(data))  # a cache that cannot be written only costs time
    return blob


def terms_path(segment_cache: Path) -> Path:
    """Beside the document's segmentation cache file, whose key (content, extraction, pipeline) it shares."""
    return segment_cache.with_name(f"{segment_cache.stem}.qterms-v{TERMS_VERSION}.marshal")


def with_evidence(terms: bytes, passages) -> tuple[str, bytes, bytes]:
    """What the project stores for a document: (a digest of its term list, the term list
    (document_terms, which depends on the words only), its passages' rule evidence (which changes
    with the codebook)), so opening the queue reads neither from the passages table."""
    width = len(passages[0].prior) if passages else 0
    priors = np.array([p.prior for p in passages], np.float64).reshape(len(passages), width)
    rows, themes = np.nonzero(priors)
    evidence = marshal.dumps((TERMS_VERSION, priors.shape[1], _compact(rows), _compact(themes),
                              priors[rows, themes].tobytes()))
    return terms_digest(terms), terms, evidence


def terms_digest(terms: bytes) -> str:
    """What the project stores a term list under (a re-code with the same words leaves it as it is)."""
    return hashlib.sha256(terms).hexdigest()


class Vocabulary:
    """A number for each term of the project's documents. `words`: the project's own numbering
    (Project.queue_vocabulary: distinct terms, numbered as first stored), which the documents'
    stored `numbers` refer to; terms of documents read without numbers get the next numbers as
    they are read (one for every term read, so those have gaps)."""

    def __init__(self, words: list[str] = ()) -> None:
        self._seed = list(words)
        self._number: dict[str, int] | None = None  # made when a document is numbered here
        self._draw = count(len(self._seed))
        self.size = len(self._seed)  # numbers drawn so far

    def local(self, vocab: list[str]) -> np.ndarray:
        """The numbers of a document's vocabulary."""
        if self._number is None:
            self._number = dict(zip(self._seed, range(len(self._seed))))
        self.size += len(vocab)
        return np.fromiter(map(self._number.setdefault, vocab, self._draw), np.int64, len(vocab))

    def terms(self) -> tuple[list[str], np.ndarray]:
        """Every term and its number."""
        if self._number is None:
            return self._seed, np.arange(len(self._seed))
        return list(self._number), np.fromiter(self._number.values(), np.int64, len(self._number))

    def words(self) -> list[str]:
        """The term of each number ('' for the numbers drawn for a term that had one already)."""
        if self._number is None:
            return self._seed
        words = [""] * self.size
        for term, number in self._number.items():
            words[number] = term
        return words


def for_project(terms: bytes, passages) -> tuple[str, bytes, bytes, str]:
    """What the project stores for a document (Project.replace_document's `terms`): the digest of
    its term list (document_terms), the term list without its terms' strings, its passages' rule
    evidence (with_evidence), and the terms one a line, which the project numbers and stores the
    numbers of with the term list: the strings are in the project once, not once per document
    (28 of the 261 MB of the 60-agenda benchmark project)."""
    digest, _, evidence = with_evidence(terms, passages)
    return digest, without_words(terms), evidence, marshal.loads(terms)[2]


def without_words(terms: bytes) -> bytes:
    """A term list (document_terms) without its terms' strings, as the project stores it once it
    holds the numbers of the terms."""
    version, keys, _, *arrays = marshal.loads(terms)
    return marshal.dumps((version, keys, None, *arrays))


class DocumentTerms:
    """A stored term list with its evidence read back (see with_evidence and document_terms):
    keys, vocab, ids, counts, lengths, sorted and priors (passages x themes). With a `vocabulary`,
    the document's terms are numbered in it at once (`local`) and their strings are not kept, so
    a project's documents can be read one after the other without holding every term string."""

    def __init__(self, terms: bytes, evidence: bytes, vocabulary: Vocabulary | None = None,
                 numbers: bytes | None = None) -> None:
        version, width, rows, themes, values = marshal.loads(evidence)
        if version != TERMS_VERSION:
            raise ValueError(f"term list version {version}, not {TERMS_VERSION}")
        version, *fields = marshal.loads(terms)
        if version != TERMS_VERSION:
            raise ValueError(f"term list version {version}, not {TERMS_VERSION}")
        keys, vocab, ids, counts, lengths, sorted_ = fields
        self.keys = keys.split("\n") if keys else []
        self.priors = np.zeros((len(self.keys), width))
        rows, themes = _array(rows), _array(themes)
        if int(rows.max(initial=0)) >= max(len(self.keys), 1) or int(themes.max(initial=0)) >= max(width, 1):
            raise ValueError("evidence for other passages than the term list's")
        self.priors[rows, themes] = np.frombuffer(values, np.float64)
        self.n = len(self.keys)
        self.ids, self.counts, self.lengths, self.sorted = _array(ids), _array(counts), _array(lengths), _array(sorted_)
        if (len(self.lengths) != _PARTS * self.n
                or not len(self.ids) == len(self.counts) == len(self.sorted) == int(self.lengths.sum())):
            raise ValueError("term list arrays of unequal length")
        # with the project's numbers of its terms (stored with it), the term strings are not needed
        local = None
        if vocabulary is not None and numbers is not None:
            local = np.frombuffer(numbers, "<u4")
            if ((vocab is not None and len(local) != (vocab.count("\n") + 1 if vocab else 0))
                    or int(self.ids.max(initial=0)) >= len(local) > 0 or (len(self.ids) and not len(local))
                    or local.max(initial=0) >= vocabulary.size):
                local = None  # not numbers of these terms: numbered from the strings below
        if local is None and vocab is None:  # stored without its strings (for_project), and no numbers
            raise ValueError("a term list without its terms and without the project's numbers of them")
        #: whether the project's numbers of the terms came with them; if not, the terms one a line
        #: and the term list's digest, to number them in the project
        self.numbered, self.words = local is not None, None if local is not None else vocab
        self.digest = None if self.numbered else terms_digest(terms)
        self.stored: bytes | None = None  # (the form a reader will store it in, where it sets one)
        self.vocab = None if local is not None else vocab.split("\n") if vocab else []
        self.local, self.vocabulary = local, vocabulary
        if vocabulary is not None and local is None:
            self.local, self.vocab = vocabulary.local(self.vocab), None


_MEMORY_KEPT = False


def keep_freed_memory() -> None:
    """Ask glibc to keep the memory numpy frees for its next arrays (Linux; elsewhere nothing).

    `assemble` makes and frees a dozen arrays of 1-2 MB per document. By default glibc hands the
    freed top of its heap back to the kernel once more than twice the largest array is free, so
    every document's arrays touch fresh pages again: opening the 60-agenda project took 148k page
    faults, 0.3-0.5 s of a 1.6-2.0 s opening on this (virtual) machine. With glibc keeping up to
    64 MB freed (arrays above 32 MB, such as the matrix itself, still come from and go back to the
    kernel), 57k. A process setting, made once by the process that opens a review queue."""
    global _MEMORY_KEPT
    if _MEMORY_KEPT:
        return
    _MEMORY_KEPT = True
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt  # glibc's; musl and other systems have none
    except (OSError, AttributeError):
        return
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    mallopt(M_MMAP_THRESHOLD, 32 << 20)
    mallopt(M_TRIM_THRESHOLD, 64 << 20)


def fast_path_fits(prior) -> bool:
    """Whether `assemble` builds this prior's features: stored term lists hold every part and word
    pairs, so a prior that leaves one out takes the plain path."""
    f = prior.featurizer
    return f.prev > 0 and f.heading > 0 and f.pairs


def assemble(docs: list[DocumentTerms], priors: np.ndarray, prior, extend_vocab: bool = True,
             times: np.ndarray | None = None) -> tuple:
    """The feature matrix of the passages of `docs` (one after the other, each in reading order)
    with rule evidence `priors` (n x themes): what Queue.features gives for the same passages,
    (CSR triplet, width). Built document by document, so no temporary array is larger than one
    document's terms. `times` (prior width x themes): the matrix times it is returned as well,
    (CSR triplet, width, product), summed as Csr.dot sums (the same figures) while each document's
    rows are at hand."""
    f = Featurizer(prior.featurizer.idf, prior.featurizer.prev, prior.featurizer.heading,
                   prior.featurizer.rules, prior.featurizer.pairs)
    n = sum(d.n for d in docs)
    priors = np.asarray(priors, np.float64).reshape(n, len(THEMES))
    if not docs:
        empty = (np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0)), f.width
        return empty if times is None else (*empty, np.zeros((0, times.shape[1])))
    # the project's vocabulary: a number for each distinct term (documents read with a Vocabulary
    # have their numbers already)
    vocabulary = next((d.vocabulary for d in docs if d.vocabulary is not None), None) or Vocabulary()
    if any(d.vocabulary not in (None, vocabulary) for d in docs):
        raise ValueError("documents numbered in different vocabularies")
    local = [d.local if d.local is not None else vocabulary.local(d.vocab) for d in docs]
    (every, known), size, words = vocabulary.terms(), vocabulary.size, vocabulary.words()
    # columns: the prior's, then (extend_vocab) the project's terms in >= 2 passages, in sorted order
    col = np.full(size, -1, np.int32)
    col[known] = np.fromiter(map(f.columns.get, every, repeat(-1)), np.int64, len(every))
    idf = np.zeros(size)
    idf[known] = np.fromiter(map(f.idf.get, every, repeat(0.0)), np.float64, len(every))
    width = f.width
    if extend_vocab:  # a term is listed once per passage: its count of entries is its df
        df = np.zeros(size, np.int64)
        for d, ids in zip(docs, local):  # (a document's terms are distinct)
            df[ids] += np.bincount(d.ids, minlength=len(ids))
        new = known[(col[known] < 0) & (df[known] >= 2)]
        order = sorted(new.tolist(), key=words.__getitem__)
        col[order] = np.arange(f.width, f.width + len(order))
        logs = {d: math.log((1 + n) / (1 + d)) + 1.0 for d in np.unique(df[new]).tolist()}
        idf[new] = np.array([logs[d] for d in df[new].tolist()])
        width += len(order)
    rule_set = frozenset(f.rule_cols)
    text_cols = sorted((c, t) for t, c in f.columns.items() if c not in rule_set)
    rule_cols = np.array(f.rule_cols, np.int64)
    in_order = ([t for _, t in text_cols] == sorted(t for _, t in text_cols) and bool(np.all(np.diff(rule_cols) > 0))
                and (not text_cols or text_cols[-1][0] < int(rule_cols.min())))
    tf = np.array([0.0] + [1.0 + math.log(c) for c in range(1, max(int(d.counts.max(initial=0)) for d in docs) + 1)])
    if times is not None:  # zero weight on the project's own columns, as in Queue
        times = np.vstack([times, np.zeros((width - len(times), times.shape[1]))])
        by_theme = np.ascontiguousarray(times.T)
    # the entries go straight into arrays long enough for all of them (the unused end is never touched)
    room = sum(len(d.ids) for d in docs) + int(np.count_nonzero(priors))
    indices, data = np.empty(room, np.int32), np.empty(room)
    sizes, products, start, end = [], [], 0, 0
    for d, ids in zip(docs, local):
        indptr, product = _document_rows(d, col[ids], idf[ids], tf, priors[start:start + d.n], f, rule_cols, in_order,
                                         indices[end:], data[end:], None if times is None else by_theme)
        if times is not None:
            products.append(product if product is not None else Csr(
                (indptr, indices[end:end + indptr[-1]], data[end:end + indptr[-1]]), width).dot(times))
        sizes.append(np.diff(indptr))
        start, end = start + d.n, end + int(indptr[-1])
    triplet = (np.concatenate([[0], np.cumsum(np.concatenate(sizes))]), indices[:end], data[:end])
    if times is None:
        return triplet, width
    return triplet, width, np.concatenate(products)


def _document_rows(d: DocumentTerms, col: np.ndarray, idf: np.ndarray, tf: np.ndarray, priors: np.ndarray,
                   f: Featurizer, rule_cols: np.ndarray, in_order: bool, out_cols: np.ndarray,
                   out_data: np.ndarray, by_theme: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """One document's rows of the matrix (CSR), given its terms' columns and idf (-1: no column):
    the columns and values go into out_cols and out_data; returns (indptr, the rows times the
    weights `by_theme` (themes x width) when it could be summed here, else None). Arrays the size
    of the document's terms are few and narrow (int32): allocating them is much of the time."""
    n = d.n
    segment = np.repeat(np.arange(n * _PARTS, dtype=np.int32), d.lengths)  # passage x 3 + part
    # tf-idf per entry; each part scaled to unit length over the terms that are columns, summed in
    # the order queue.terms lists them (as Featurizer.transform does: the same sums, bit for bit)
    ecol = col[d.ids]
    known = ecol >= 0
    value = tf[d.counts] * idf[d.ids]
    norm = np.sqrt(np.bincount(segment, weights=np.where(known, value * value, 0.0), minlength=n * _PARTS))
    scale = np.tile(np.array([1.0, f.prev, f.heading]), n)  # per passage x 3 + part
    usable = (norm != 0) & (scale != 0)
    # each passage's entries in sorted term order, then only the ones that are columns
    starts = np.concatenate([[0], np.cumsum(d.lengths.reshape(n, _PARTS).sum(1))])[:-1].astype(np.int32)
    by_term = np.repeat(starts, _PARTS)[segment] + d.sorted
    by_term = by_term[(known & usable[segment])[by_term]]
    part = segment[by_term]
    rows, cols = part // _PARTS, ecol[by_term]
    data = scale[part] * value[by_term] / np.where(norm == 0, 1.0, norm)[part]
    rr, tt = np.nonzero(priors) if f.rules else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    rcols, rdata = rule_cols[tt], f.rules * priors[rr, tt]
    if in_order:
        # the prior's columns are in term order with the rule columns after them (so it is for a
        # prior that `build_prior` made), and the project's own columns come last in term order: a
        # row's entries in column order are its prior terms, its rule evidence, its own terms
        first = cols < rule_cols.min(initial=f.width)
        product = None
        if by_theme is not None:
            # each row's products in column order: its prior terms (here in that order, with its own
            # terms among them, which weigh nothing: adding a zero changes no sum), then its rule
            # evidence, the k-th of every row in the k-th round
            product = np.empty((n, len(by_theme)))
            for t, weights in enumerate(by_theme):
                product[:, t] = np.bincount(rows, weights=data * weights.take(cols), minlength=n)
            if len(rr):
                rank = np.arange(len(rr)) - np.searchsorted(rr, rr)  # (np.nonzero lists them by row)
                for k in range(int(rank.max()) + 1):
                    at = rank == k
                    product[rr[at]] += rdata[at, None] * by_theme[:, rcols[at]].T
        return _merge(n, rows, cols, data, first, rr, rcols, rdata, out_cols, out_data), product
    rows, cols, data = np.concatenate([rows, rr]), np.concatenate([cols, rcols]), np.concatenate([data, rdata])
    order = np.lexsort((cols, rows))
    out_cols[:len(order)], out_data[:len(order)] = cols[order], data[order]
    return np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]), None


def _merge(n, rows, cols, data, first, rule_rows, rule_cols, rule_data, out_cols, out_data) -> np.ndarray:
    """CSR of three runs per row: the entries where `first`, the rule entries, the other entries;
    each run is in column order already (all arrays by row, ascending). Writes the columns and
    values into out_cols and out_data (large enough); returns indptr."""
    size_rules = np.bincount(rule_rows, minlength=n)
    size = np.bincount(rows, minlength=n)
    indptr = np.concatenate([[0], np.cumsum(size + size_rules)])
    # the k-th entry of a run in a row goes to: the row's start + the runs before it + k, where for
    # the j-th entry (of the entries that are not rules) k = its `first` entries before it in the row,
    # or the others before it: j - the row's first j - that
    seen = np.concatenate([[0], np.cumsum(first)])  # entries where `first` before each one (in all rows)
    bounds = np.concatenate([[0], np.cumsum(size)])
    first_before = seen[bounds[:-1]]  # ... before the row
    size_first = seen[bounds[1:]] - first_before
    seen = seen[:-1]
    row_start = indptr[:-1] - np.concatenate([[0], np.cumsum(size_rules)])[:-1]  # the row's first j
    to_first = (indptr[:-1] - first_before)[rows] + seen
    to_other = (indptr[:-1] + size_first + size_rules - row_start + first_before)[rows] + np.arange(len(rows)) - seen
    pos = np.where(first, to_first, to_other)
    rule_pos = (indptr[:-1] + size_first - np.concatenate([[0], np.cumsum(size_rules)])[:-1])[rule_rows] + np.arange(
        len(rule_rows))
    out_cols[pos], out_data[pos] = cols, data
    out_cols[rule_pos], out_data[rule_pos] = rule_cols, rule_data
    return indptr
