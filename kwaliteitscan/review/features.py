"""The review queue's feature matrix, built fast from per-document term lists.

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
from collections import Counter
from itertools import chain, repeat
from pathlib import Path

import numpy as np

from ..files import write_cache
from .queue import _TOKEN, THEMES, Csr, Featurizer, Prior, terms

#: bump when `terms` (queue.py) or the layout below changes: stored term lists of another version are ignored
TERMS_VERSION = 1
_PARTS = 3  # the passage itself, the previous sentence ("p:"), the headings ("h:")


def document_terms(passages) -> bytes:
    """The terms of one document's passages (in reading order), for `assemble`: its vocabulary in
    sorted order, and per passage each term's count, listed as queue.terms counts them (the
    passage, then the previous sentence, then the headings, each in order of first occurrence),
    with the number of terms of each of the three parts."""
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
    return marshal.dumps((TERMS_VERSION, n, vocab, _compact(ids), _compact(np.array(counts, np.int64)),
                          _compact(lengths_), _compact(order - starts[row[order]])))


def _compact(values: np.ndarray) -> tuple[str, bytes]:
    """An array of non-negative integers in the narrowest type that holds it."""
    top = int(values.max(initial=0))
    dtype = "<u2" if top < 2**16 else "<u4" if top < 2**32 else "<i8"
    return dtype, values.astype(dtype).tobytes()


def _wide(stored: tuple[str, bytes]) -> np.ndarray:
    dtype, raw = stored
    return np.frombuffer(raw, dtype).astype(np.int64)


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


class DocumentTerms:
    """A stored term list read back (see document_terms)."""

    def __init__(self, blob: bytes) -> None:
        version, self.n, self.vocab, ids, counts, lengths, sorted_ = marshal.loads(blob)
        if version != TERMS_VERSION:
            raise ValueError(f"term list version {version}, not {TERMS_VERSION}")
        self.ids, self.counts, self.lengths, self.sorted = _wide(ids), _wide(counts), _wide(lengths), _wide(sorted_)
        if (len(self.lengths) != _PARTS * self.n
                or not len(self.ids) == len(self.counts) == len(self.sorted) == int(self.lengths.sum())):
            raise ValueError("term list arrays of unequal length")


def fast_path_fits(prior: Prior) -> bool:
    """Whether `assemble` builds this prior's features: stored term lists hold every part and word
    pairs, so a prior that leaves one out takes the plain path."""
    f = prior.featurizer
    return f.prev > 0 and f.heading > 0 and f.pairs


def assemble(docs: list[DocumentTerms], priors: np.ndarray, prior: Prior, extend_vocab: bool = True,
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
    # the project's vocabulary: each distinct term once, in the order first met
    words = list(dict.fromkeys(chain.from_iterable(d.vocab for d in docs)))
    gid = dict(zip(words, range(len(words))))
    local = [np.fromiter(map(gid.__getitem__, d.vocab), np.int64, len(d.vocab)) for d in docs]
    # columns: the prior's, then (extend_vocab) the project's terms in >= 2 passages, in sorted order
    col = np.fromiter(map(f.columns.get, words, repeat(-1)), np.int64, len(words))
    idf = np.fromiter(map(f.idf.get, words, repeat(0.0)), np.float64, len(words))
    width = f.width
    if extend_vocab:  # a term is listed once per passage: its count of entries is its df
        df = np.bincount(np.concatenate(local), weights=np.concatenate(
            [np.bincount(d.ids, minlength=len(d.vocab)) for d in docs]), minlength=len(words)).astype(np.int64)
        new = np.flatnonzero((col < 0) & (df >= 2))
        order = sorted(new.tolist(), key=words.__getitem__)
        col[order] = np.arange(f.width, f.width + len(order))
        logs = {d: math.log((1 + n) / (1 + d)) + 1.0 for d in np.unique(df[new]).tolist()}
        idf[new] = np.array([logs[d] for d in df[new].tolist()])
        width += len(order)
    text_cols = sorted((c, t) for t, c in f.columns.items() if c not in set(f.rule_cols))
    rule_cols = np.array(f.rule_cols, np.int64)
    in_order = ([t for _, t in text_cols] == sorted(t for _, t in text_cols) and bool(np.all(np.diff(rule_cols) > 0))
                and (not text_cols or text_cols[-1][0] < int(rule_cols.min())))
    tf = np.array([0.0] + [1.0 + math.log(c) for c in range(1, max(int(d.counts.max(initial=0)) for d in docs) + 1)])
    pieces, products, start = [], [], 0
    if times is not None:  # zero weight on the project's own columns, as in Queue
        times = np.vstack([times, np.zeros((width - len(times), times.shape[1]))])
    for d, ids in zip(docs, local):
        piece = _document_rows(d, col[ids], idf[ids], tf, priors[start:start + d.n], f, rule_cols, in_order)
        pieces.append(piece)
        if times is not None:
            products.append(Csr(piece, width).dot(times))
        start += d.n
    sizes = np.concatenate([np.diff(p[0]) for p in pieces])
    triplet = (np.concatenate([[0], np.cumsum(sizes)]), np.concatenate([p[1] for p in pieces]).astype(np.int32),
               np.concatenate([p[2] for p in pieces]))
    if times is None:
        return triplet, width
    return triplet, width, np.concatenate(products)


def _document_rows(d: DocumentTerms, col: np.ndarray, idf: np.ndarray, tf: np.ndarray, priors: np.ndarray,
                   f: Featurizer, rule_cols: np.ndarray, in_order: bool) -> tuple:
    """One document's rows of the matrix (CSR), given its terms' columns and idf (-1: no column)."""
    n = d.n
    segment = np.repeat(np.arange(n * _PARTS), d.lengths)  # passage x 3 + part
    row, parts = segment // _PARTS, segment % _PARTS
    # tf-idf per entry; each part scaled to unit length over the terms that are columns, summed in
    # the order queue.terms lists them (as Featurizer.transform does: the same sums, bit for bit)
    ecol = col[d.ids]
    known = ecol >= 0
    value = tf[d.counts] * idf[d.ids]
    norm = np.sqrt(np.bincount(segment, weights=np.where(known, value * value, 0.0), minlength=n * _PARTS))
    scale = np.array([1.0, f.prev, f.heading])
    value = scale[parts] * value / np.where(norm == 0, 1.0, norm)[segment]
    keep = known & (norm[segment] != 0) & (scale[parts] != 0)
    # each passage's entries in sorted term order, then only the ones that are columns
    starts = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=n))])[:-1]
    by_term = starts[row] + d.sorted
    by_term = by_term[keep[by_term]]
    rows, cols, data = row[by_term], ecol[by_term], value[by_term]
    rr, tt = np.nonzero(priors) if f.rules else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    rcols, rdata = rule_cols[tt], f.rules * priors[rr, tt]
    if in_order:
        # the prior's columns are in term order with the rule columns after them (so it is for a
        # prior that `build_prior` made), and the project's own columns come last in term order: a
        # row's entries in column order are its prior terms, its rule evidence, its own terms
        return _merge(n, rows, cols, data, cols < rule_cols.min(initial=f.width), rr, rcols, rdata)
    rows, cols, data = np.concatenate([rows, rr]), np.concatenate([cols, rcols]), np.concatenate([data, rdata])
    order = np.lexsort((cols, rows))
    return np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]), cols[order], data[order]


def _merge(n, rows, cols, data, first, rule_rows, rule_cols, rule_data) -> tuple:
    """CSR of three runs per row: the entries where `first`, the rule entries, the other entries;
    each run is in column order already (all arrays by row, ascending)."""
    size_first = np.bincount(rows, weights=first, minlength=n).astype(np.int64)
    size_rules = np.bincount(rule_rows, minlength=n)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n) + size_rules)])
    # the k-th entry of a run in a row goes to: the row's start + the runs before it + k
    seen_first = np.cumsum(first) - first  # entries where `first` before this one
    before_row = np.concatenate([[0], np.cumsum(size_first)])[:-1]
    k_first = seen_first - before_row[rows]
    k_other = np.arange(len(rows)) - indptr[rows] + np.concatenate([[0], np.cumsum(size_rules)])[rows] - k_first
    # (the entries before this one in its row, minus those where `first`)
    pos = indptr[rows] + np.where(first, k_first, size_first[rows] + size_rules[rows] + k_other)
    rule_pos = indptr[rule_rows] + size_first[rule_rows] + np.arange(len(rule_rows)) - np.concatenate(
        [[0], np.cumsum(size_rules)])[rule_rows]
    out_cols, out_data = np.empty(indptr[-1], np.int64), np.empty(indptr[-1])
    out_cols[pos], out_data[pos] = cols, data
    out_cols[rule_pos], out_data[rule_pos] = rule_cols, rule_data
    return indptr, out_cols, out_data
