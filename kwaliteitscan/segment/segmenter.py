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
        _segment_with_rules(pages, jobs, nlp.tokenizer.pipe(texts, batch_size=128), *parts)
        return Segmented(doc.sha256, pipeline, _with_types(pages), doc.engine)
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


def _segment_with_rules(pages: list[PageTokens], jobs, docs, table, final: frozenset[str]) -> None:
    """The blank pipeline's lookup lemmatiser and sentenciser, applied to tokenizer output.

    Same rules as spaCy's components: the lemma is the table's entry for the lowercased
    text (else the text itself); a sentence ends after a token in `final` and the next one
    starts at the first following token that is not punctuation.
    """
    from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH

    lemma_of: dict[str, str | None] = {}
    for (p, start, end, is_row, header), parsed in zip(jobs, docs):
        page = pages[p]
        text = page.text
        rows = parsed.to_array([IDX, LENGTH, IS_SPACE, IS_PUNCT]).tolist() if len(parsed) else []
        first = len(page.spans)
        starts = [0]  # token indexes where a sentence starts
        seen_final = False
        for i, (idx, length, is_space, is_punct) in enumerate(rows):
            a = start + idx
            word = text[a:a + length]
            is_final = word in final
            if seen_final and not is_punct and not is_final:
                starts.append(i)
                seen_final = False
            elif is_final:
                seen_final = True
            if is_space:
                continue
            index = len(page.spans)
            page.spans.append((a, a + length))
            lower = word.lower()
            if lower not in lemma_of:
                lemma = str(table.get(lower, lower)).lower()
                lemma_of[lower] = lemma if lemma and lemma != lower else None
            if lemma_of[lower] is not None:
                page.lemmas[index] = lemma_of[lower]
        last = len(page.spans)
        if is_row or not rows:
            sentences = [(start, end, first, last)] if is_row else []
        else:
            sentences = []
            t = first
            bounds = starts[1:] + [len(rows)]
            for s_first, s_stop in zip(starts, bounds):
                n = sum(1 for row in rows[s_first:s_stop] if not row[2])
                s_start = start + rows[s_first][0]
                s_end = start + rows[s_stop - 1][0] + rows[s_stop - 1][1]
                sentences.append((s_start, s_end, t, t + n))
                t += n
        level = 0 if is_row else heading_level(text[start:end])
        page.blocks.append(Block(start, end, is_row, header, sentences, level))


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
