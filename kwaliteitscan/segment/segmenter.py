"""Document -> blocks (paragraphs, table rows) -> sentences -> tokens with lemmas.

The result is plain data (offsets into each page's text, lemmas only where they differ
from the lowercase form) and is cached by document SHA-256 and pipeline name, so a
re-code with a changed codebook needs no spaCy at all.
"""

from __future__ import annotations

import marshal
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..extract.extractor import Document, default_cache_dir
from ..files import write_cache

SEGMENT_VERSION = "5"
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+\S")


@dataclass
class Block:
    start: int
    end: int
    is_row: bool
    header: str  # for a table row: the table's header row, else ""
    sentences: list[tuple[int, int, int, int]]  # (start, end, first token, end token)
    heading: int = 0  # 0: body text; else the heading level (1 = chapter; 9 = unnumbered heading)


@dataclass
class PageTokens:
    number: int
    text: str
    blocks: list[Block]
    spans: list[tuple[int, int]]
    lemmas: dict[int, str]
    #: per token, its index in `vocab`: the document's distinct (word as printed, lemma or None),
    #: so a matcher looks each distinct word up once per document, not once per token
    types: list[int] = field(default_factory=list)
    vocab: list[tuple[str, str | None]] = field(default_factory=list)

    def lower(self, i: int) -> str:
        s, e = self.spans[i]
        return self.text[s:e].lower()

    def lemma(self, i: int) -> str:
        return self.lemmas.get(i) or self.lower(i)


@dataclass
class Segmented:
    sha256: str
    pipeline: str
    pages: list[PageTokens]
    engine: str = "pdfium"  # the extraction engine of the text (with EXTRACTOR_VERSION, part of the cache key)


def split_blocks(text: str) -> list[tuple[int, int, bool, str]]:
    """Paragraphs and table rows of a page as (start, end, is_row, header)."""
    out = []
    start = -2
    chunks = text.split("\n\n")
    for i, chunk in enumerate(chunks):
        start = start + 2 + (len(chunks[i - 1]) if i else 0)
        lines = chunk.split("\n")
        if len(lines) > 1 or " | " in chunk:
            header = lines[0] if len(lines) > 1 else ""
            offset = start
            for i, line in enumerate(lines):
                if line.strip():
                    out.append((offset, offset + len(line), True, header if i > 0 else ""))
                offset += len(line) + 1
        elif chunk.strip():
            out.append((start, start + len(chunk), False, ""))
    return out


def heading_level(text: str) -> int:
    """0 for body text; the depth of a numbered heading ("4.6 Meldpunt" -> 2); 9 for a short title."""
    text = text.strip()
    if not text or len(text) > 100 or text[-1] in ".:;,!?" or "|" in text:
        return 0
    numbered = _NUMBERED.match(text)
    if numbered:
        return numbered.group(1).count(".") + 1
    words = text.split()
    return 9 if len(words) <= 8 and text[0].isupper() else 0


def segment(doc: Document, nlp, pipeline: str) -> Segmented:
    """Tokenise and split into sentences with `nlp` (see nlp.load_pipeline)."""
    from .nlp import lookup_parts

    pages: list[PageTokens] = []
    jobs = []
    for page in doc.pages:
        pages.append(PageTokens(page.number, page.text, [], [], {}))
        for start, end, is_row, header in split_blocks(page.text):
            jobs.append((len(pages) - 1, start, end, is_row, header))
    texts = (pages[p].text[s:e] for p, s, e, _, _ in jobs)
    parts = lookup_parts(nlp)
    if parts is not None:
        return Segmented(doc.sha256, pipeline,
                         _segment_with_rules(pages, jobs, nlp.tokenizer.pipe(texts, batch_size=128), *parts),
                         doc.engine)
    for (p, start, end, is_row, header), parsed in zip(jobs, nlp.pipe(texts, batch_size=128)):
        page = pages[p]
        first = len(page.spans)
        for token in parsed:
            if token.is_space:
                continue
            index = len(page.spans)
            page.spans.append((start + token.idx, start + token.idx + len(token.text)))
            lemma = token.lemma_.lower()
            if lemma and lemma != token.lower_:
                page.lemmas[index] = lemma
        last = len(page.spans)
        if is_row:
            sentences = [(start, end, first, last)]
        else:
            sentences = []
            t = first
            for sent in parsed.sents:
                n = sum(1 for tok in sent if not tok.is_space)
                s_start = start + sent.start_char
                s_end = start + sent.end_char
                sentences.append((s_start, s_end, t, t + n))
                t += n
        level = 0 if is_row else heading_level(page.text[start:end])
        page.blocks.append(Block(start, end, is_row, header, sentences, level))
    return Segmented(doc.sha256, pipeline, _with_types(pages), doc.engine)


def _with_types(pages: list[PageTokens]) -> list[PageTokens]:
    """Give every token its type index in one vocabulary shared by the document's pages."""
    vocab: list[tuple[str, str | None]] = []
    index: dict[tuple[str, str | None], int] = {}
    for page in pages:
        text, lemmas = page.text, page.lemmas
        page.vocab = vocab
        types = page.types = []
        for i, (a, b) in enumerate(page.spans):
            key = (text[a:b], lemmas.get(i))
            found = index.get(key)
            if found is None:
                found = index[key] = len(vocab)
                vocab.append(key)
            types.append(found)
    return pages


def _segment_with_rules(pages: list[PageTokens], jobs, docs, table, final: frozenset[str]) -> list[PageTokens]:
    """The blank pipeline's lookup lemmatiser and sentenciser, applied to tokenizer output, and
    the token types of `_with_types`, for a whole document at once.

    Same rules as spaCy's components: the lemma is the table's entry for the lowercased
    text (else the text itself); a sentence ends after a token in `final` and the next one
    starts at the first following token that is not punctuation. The per-token work is done
    on numpy arrays of the whole document (one array per attribute, blocks concatenated); only
    each distinct word is looked at in Python. tests/match/test_shortcuts.py compares the
    result with spaCy's own components.
    """
    import numpy as np
    from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, ORTH

    attrs = [IDX, LENGTH, IS_SPACE, IS_PUNCT, ORTH]
    jobs = list(jobs)
    arrays, sizes, vocab_strings = [], [], None
    for parsed in docs:
        sizes.append(len(parsed))
        if len(parsed):
            arrays.append(parsed.to_array(attrs))
            vocab_strings = parsed.vocab.strings
    vocab: list[tuple[str, str | None]] = []
    for page in pages:
        page.vocab = vocab
    if not arrays:
        for p, start, end, is_row, header in jobs:
            pages[p].blocks.append(Block(start, end, is_row, header, [(start, end, 0, 0)] if is_row else [],
                                         0 if is_row else heading_level(pages[p].text[start:end])))
        return pages
    table_rows = np.concatenate(arrays)
    orth = table_rows[:, 4]
    idx, length = table_rows[:, 0].astype(np.int64), table_rows[:, 1].astype(np.int64)
    space, punct = table_rows[:, 2].astype(bool), table_rows[:, 3].astype(bool)
    # one entry per distinct word (by spaCy's hash of the text): its type, and whether it ends a sentence
    distinct, first_at, inverse = np.unique(orth, return_index=True, return_inverse=True)
    order = np.argsort(first_at, kind="stable")  # types are numbered in order of first appearance
    type_of = np.full(len(order), -1, dtype=np.int64)
    is_final_word = np.zeros(len(order), dtype=bool)
    lemma_of: list[str | None] = [None] * len(order)
    for u in order.tolist():
        word = vocab_strings[int(distinct[u])]
        is_final_word[u] = word in final
        if space[first_at[u]]:
            continue
        lower = word.lower()
        lemma = str(table.get(lower, lower)).lower()
        lemma_of[u] = lemma if lemma and lemma != lower else None
        type_of[u] = len(vocab)
        vocab.append((word, lemma_of[u]))
    types = type_of[inverse]
    is_final = is_final_word[inverse]
    block_of = np.repeat(np.arange(len(sizes)), sizes)
    block_first = np.concatenate(([0], np.cumsum(sizes)))
    # a sentence starts at a token that is neither punctuation nor final when a final token came
    # since the previous such token (within the block); the first token of a block starts one too
    candidate = ~punct & ~is_final
    finals_before = np.cumsum(is_final) - is_final  # final tokens before each token, whole document
    cand_index = np.flatnonzero(candidate)
    prev_cand = np.concatenate(([-1], cand_index[:-1]))
    same_block = prev_cand >= 0
    same_block[same_block] = block_of[prev_cand[same_block]] == block_of[cand_index[same_block]]
    base = np.where(same_block, finals_before[np.maximum(prev_cand, 0)] + is_final[np.maximum(prev_cand, 0)],
                    finals_before[block_first[block_of[cand_index]]])
    starts_here = cand_index[finals_before[cand_index] > base]
    is_start = np.zeros(len(orth), dtype=bool)
    is_start[starts_here] = True
    is_start[block_first[:-1][np.asarray(sizes) > 0]] = True
    kept = ~space
    kept_before = (np.cumsum(kept) - kept).tolist()  # non-space tokens before each token, whole document
    kept_before.append(int(kept.sum()))  # ... and before the end
    # every kept token's place in its page's text, its type and its lemma, page by page
    block_start = np.array([start for _, start, _, _, _ in jobs], dtype=np.int64)
    token_start = block_start[block_of] + idx
    kept_index = np.flatnonzero(kept)
    lemma_kept = np.array([lemma is not None for lemma in lemma_of], dtype=bool)[inverse[kept_index]]
    page_of_job = np.array([p for p, _, _, _, _ in jobs], dtype=np.int64)
    page_of_kept = page_of_job[block_of[kept_index]]
    cuts = np.flatnonzero(np.diff(page_of_kept)) + 1
    for group in np.split(np.arange(len(kept_index)), cuts):
        if not len(group):
            continue
        tokens = kept_index[group]
        page = pages[int(page_of_kept[group[0]])]
        starts = token_start[tokens]
        page.spans = list(zip(starts.tolist(), (starts + length[tokens]).tolist()))
        page.types = types[tokens].tolist()
        with_lemma = np.flatnonzero(lemma_kept[group])
        page.lemmas = dict(zip(with_lemma.tolist(), [lemma_of[u] for u in inverse[tokens[with_lemma]].tolist()]))
    idx_l, len_l = idx.tolist(), length.tolist()
    start_positions = np.flatnonzero(is_start).tolist()
    s_cursor = 0
    page_first = -1  # the document-wide count of kept tokens before the current page's first block
    current = -1
    for b, (p, start, end, is_row, header) in enumerate(jobs):
        page = pages[p]
        lo, hi = int(block_first[b]), int(block_first[b + 1])
        if p != current:
            current, page_first = p, kept_before[lo]
        first, last = kept_before[lo] - page_first, kept_before[hi] - page_first
        while s_cursor < len(start_positions) and start_positions[s_cursor] < lo:
            s_cursor += 1
        if is_row or lo == hi:
            sentences = [(start, end, first, last)] if is_row else []
        else:
            bounds = []
            while s_cursor < len(start_positions) and start_positions[s_cursor] < hi:
                bounds.append(start_positions[s_cursor])
                s_cursor += 1
            sentences = [(start + idx_l[s_first], start + idx_l[s_stop - 1] + len_l[s_stop - 1],
                          kept_before[s_first] - page_first, kept_before[s_stop] - page_first)
                         for s_first, s_stop in zip(bounds, bounds[1:] + [hi])]
        level = 0 if is_row else heading_level(page.text[start:end])
        page.blocks.append(Block(start, end, is_row, header, sentences, level))
    return pages


# --------------------------------------------------------------------------- cache


def _cache_path(sha: str, pipeline: str, root: Path | None, engine: str) -> Path:
    """Keyed by the PDF, the extraction engine and version that made its text, the pipeline, and the
    Python version (marshal's format is Python's own and may change between versions)."""
    import hashlib

    from ..extract.extractor import EXTRACTOR_VERSION

    python = "%d.%d" % sys.version_info[:2]
    tag = hashlib.sha256(f"{engine}:{EXTRACTOR_VERSION}:{pipeline}:{python}".encode()).hexdigest()[:12]
    return Path(root or default_cache_dir()) / "segment" / f"{sha}-{tag}-v{SEGMENT_VERSION}.marshal"


def to_data(seg: Segmented) -> tuple:
    """The cached form: plain tuples, lists, dicts, strings and ints only, so marshal writes and
    reads it in C: a warm re-code reads every document's tokens, and JSON with base64 spans took longer."""
    vocab = seg.pages[0].vocab if seg.pages else []
    return (_FORMAT, seg.sha256, seg.pipeline, seg.engine, vocab, [
        (p.number, p.text, p.spans, p.lemmas, p.types,
         [(b.start, b.end, b.is_row, b.header, b.sentences, b.heading) for b in p.blocks]) for p in seg.pages])


def from_data(data: tuple) -> Segmented:
    tag, sha, pipeline, engine, vocab, raw_pages = data
    if tag != _FORMAT:
        raise ValueError("not a segment cache of this format")
    pages = []
    for number, text, spans, lemmas, types, blocks in raw_pages:
        pages.append(PageTokens(number, text, [Block(*b) for b in blocks], spans, lemmas, types, vocab))
    if any(len(p.types) != len(p.spans) or (p.types and max(p.types) >= len(vocab)) for p in pages):
        raise ValueError("token types do not fit the vocabulary")
    return Segmented(sha, pipeline, pages, engine)


_FORMAT = "kwaliteitscan-segment"


def cache_path(sha: str, pipeline: str, root: Path | None = None, engine: str = "pdfium") -> Path:
    """Where the document's segmentation is cached (caches derived from it live beside it)."""
    return _cache_path(sha, pipeline, root, engine)


def is_cached(sha: str, pipeline: str, root: Path | None = None, engine: str = "pdfium") -> bool:
    return _cache_path(sha, pipeline, root, engine).exists()


def load_cached(sha: str, pipeline: str, root: Path | None = None, engine: str = "pdfium") -> Segmented | None:
    path = _cache_path(sha, pipeline, root, engine)
    try:
        return from_data(marshal.loads(path.read_bytes()))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError):  # damaged: segment again
        path.unlink(missing_ok=True)
        return None


def store_cached(seg: Segmented, root: Path | None = None) -> None:
    path = _cache_path(seg.sha256, seg.pipeline, root, seg.engine)
    data = marshal.dumps(to_data(seg))
    # unwritable: the extraction cache beside it says so once (Cache.unwritable); this only costs time
    write_cache(path, lambda tmp: tmp.write_bytes(data))


def segmented(doc: Document, language: str, pipeline: str, cache_root: Path | None = None):
    """The document's sentences and tokens: from the segmentation cache, else segmented and cached."""
    seg = load_cached(doc.sha256, pipeline, cache_root, doc.engine)
    if seg is None:
        from .nlp import load_pipeline

        nlp, _ = load_pipeline(language)
        seg = segment(doc, nlp, pipeline)
        store_cached(seg, cache_root)
    return seg
