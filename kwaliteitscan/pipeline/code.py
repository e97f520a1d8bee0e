"""`code_corpus`: extract (cached), segment (cached), match and store a whole corpus.

Usable from a notebook as well as from the CLI:

    from kwaliteitscan.coding import code_corpus
    summary = code_corpus("corpus/")
    print(summary.candidates_per_theme)

Documents are coded in worker processes (one document each, both cores); the main process
owns the database and writes each document in one transaction. A document whose content,
codebook and pipeline are unchanged since the last run is skipped, so running twice changes
nothing; after a codebook change its candidates are recomputed and decisions, which live
in their own log keyed by stable candidate ids, are untouched.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterator

from ..codebook import Codebook
from ..extract.corpus import MANIFEST, Entry, corpus_entries, drop_concepts, find_pdfs
from ..errors import CodebookError, InputError
from ..extract.extractor import Cache, Document, extract_many, quiet_collector
from ..extract.ocr import require_tools as require_ocr
from ..match.matcher import Candidate, Matcher, code_document
from ..match.passages import Passage, passages_of
from ..match.polarity import apply as apply_polarity
from ..match.reuse import ReusingMatcher, hits_path, load_hits, result_digest, store_hits
from ..project.store import Project, default_db, document_rows, learned_label, run_label
from ..review.features import cached_document_terms, for_project, terms_path
from ..segment.nlp import pipeline_id
from ..segment.segmenter import cache_path, segmented





@dataclass
class CodingSummary:
    db: Path
    codebook: str
    pipeline: str
    documents: int = 0
    pages: int = 0
    coded: int = 0  # documents (re)coded in this run; the rest were unchanged
    candidates_per_theme: Counter = field(default_factory=Counter)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    reattached: int = 0  # decisions moved to the candidate that now holds their quote
    unattached: list[dict] = field(default_factory=list)  # decisions whose passage could not be found again
    #: backups of the project made before a migration or a re-attachment of decisions
    backups: list[Path] = field(default_factory=list)
    #: concept versions left out, and institutions with several files (one line each)
    notes: list[str] = field(default_factory=list)
    #: (file, institution, year) guessed from file names, when the corpus has no manifest.csv
    guessed: list[tuple[str, str, int | None]] = field(default_factory=list)
    #: where the time went: extraction (incl. cache look-ups), segmenting + matching, database writes
    stage_seconds: dict[str, float] = field(default_factory=lambda: {"extract": 0.0, "code": 0.0, "store": 0.0})


# --------------------------------------------------------------------------- worker side

_worker: dict = {}


def _matcher(codebook: Codebook) -> Matcher:
    # the polarity model is not the matcher's, but the result digest reads it from matcher.codebook
    key = (codebook.sha256, getattr(codebook.suggester, "sha256", None), id(codebook.suggester),
           getattr(codebook.polarity_model, "sha256", None))
    if _worker.get("key") != key:
        _worker.update(key=key, matcher=Matcher(codebook))
    return _worker["matcher"]




def _restricted(codebook: Codebook, keys: frozenset[str]) -> Matcher:
    """A matcher for the patterns with these hit keys only (the new patterns of an edited codebook)."""
    cache = _worker.setdefault("restricted", {})
    key = (_worker["key"], keys)
    if key not in cache:
        cache.clear()
        cache[key] = Matcher(codebook, only=keys)
    return cache[key]


def code_one(doc: Document, codebook: Codebook, pipeline: str, cache_root: Path | None = None,
             stored: str | None = None, queue_terms: bool = True,
             ) -> tuple[list[Candidate] | None, list[Passage] | None, str, tuple | None]:
    """Segment (from cache when possible) and match one document: (its candidates, all its passages,
    the digest of what they were computed from, the passages' terms for the review queue). The
    patterns an earlier run looked for in this document are not looked for again (match/reuse.py);
    when the digest comes out as `stored` (the project's), the stored candidates and passages are
    what coding would give, and (None, None, digest, None) says so without computing them.
    `queue_terms` False: no terms (a throw-away project that no queue opens, as an audit's)."""
    full = _matcher(codebook)
    path = hits_path(cache_path(doc.sha256, pipeline, cache_root, doc.engine))
    earlier = load_hits(path)
    seg = None
    if stored is not None and earlier is not None:
        missing = frozenset(full.keys) - set(earlier)
        if missing:  # new patterns: when they hit nothing here, the document's result cannot change
            seg = segmented(doc, codebook.language, pipeline, cache_root)
            if _restricted(codebook, missing).finds_nothing(seg):
                earlier = {**earlier, **dict.fromkeys(missing, [])}
                store_hits(path, earlier)
                missing = frozenset()
        if not missing:
            digest = result_digest(full, earlier, path.name)
            if digest == stored:
                return None, None, digest, None
    seg = seg or segmented(doc, codebook.language, pipeline, cache_root)
    try:
        matcher = ReusingMatcher(full, earlier, lambda keys: _restricted(codebook, keys))
    except (ValueError, TypeError, KeyError):  # a hits file of the wrong shape: match everything
        path.unlink(missing_ok=True)
        matcher = ReusingMatcher(full, None, lambda keys: full)
    seen: dict = {}
    candidates = code_document(seg, matcher, seen)
    # the passages keep the rules' evidence of every candidate, also of one the polarity model leaves out:
    # the review queue still ranks such a passage as the rules made it, so a coder still meets it there
    passages = passages_of(seg, candidates, matcher, seen)
    if codebook.polarity_model is not None:
        prev = {(p.page, p.start): p.prev for p in passages}
        candidates = apply_polarity(candidates, prev, codebook.polarity_model, codebook.negation)
    hits = matcher.hits()
    if hits is not None:
        store_hits(path, hits)
    digest = result_digest(full, hits if hits is not None else earlier or {}, path.name)
    # the passages' terms for the review queue, counted here in the worker so opening `review` stays quick
    terms = None
    if queue_terms:
        place = terms_path(cache_path(doc.sha256, pipeline, cache_root, doc.engine))
        terms = for_project(cached_document_terms(passages, place), passages)
    return candidates, passages, digest, terms


def _failure(doc: Document, exc: Exception) -> str:
    return f"{doc.document}: coding failed ({type(exc).__name__}: {exc})"


def _init_worker(book: Codebook) -> None:
    _worker["book"] = book
    _matcher(book)
    quiet_collector()



def _task(args) -> tuple[str, tuple | None, str | None]:
    doc, pipeline, cache_root, stored, queue_terms = args
    try:
        return doc.sha256, _as_rows(code_one(doc, _worker["book"], pipeline, cache_root, stored, queue_terms),
                                    _worker["book"]), None
    except CodebookError:  # a pattern stopped by its time budget: the whole run stops, naming it
        raise
    except Exception as exc:  # noqa: BLE001 - reported per document, the batch goes on
        return doc.sha256, None, _failure(doc, exc)


def _as_rows(coded: tuple, book: Codebook) -> tuple:
    """code_one's result with its candidates and passages as the rows the project stores (None: as
    stored), (rows, digest, terms): built in the coding worker, so the main process only writes them."""
    candidates, passages, digest, terms = coded
    return (None if candidates is None else document_rows(candidates, passages, book.sha256)), digest, terms


# --------------------------------------------------------------------------- main side


def code_corpus(corpus: Path | str, codebook: Path | str | Codebook | None = None, db: Path | str | None = None,
                *, jobs: int = 2, engine: str = "pdfium", cache: Cache | None = None,
                on_event: Callable[[str, str], None] | None = None, ocr: bool = False,
                queue_terms: bool = True) -> CodingSummary:
    """Code every PDF and Word file of `corpus` (a folder, or one file) and store the candidates in
    the project; `ocr` reads the pages without a text layer with Tesseract. `queue_terms` False
    leaves out the review queue's terms (a project no queue opens; a queue opened on it counts them)."""
    started = time.perf_counter()
    corpus = Path(corpus)
    if not corpus.exists():
        raise InputError(f"{corpus}: no such folder or file; give the corpus folder")
    if not isinstance(codebook, Codebook):  # a file or the bundled one: with the model that ships beside it
        from . import codebook_for_run

        codebook = codebook_for_run(codebook, None)
    book = codebook
    if ocr:
        require_ocr()  # before anything is written: a missing Tesseract is one line, not a failed batch
    pdfs = find_pdfs([corpus])
    if not pdfs:
        raise InputError(f"{corpus}: no PDF or Word files found; put the agendas (*.pdf, *.docx) in this folder")
    root = corpus if corpus.is_dir() else corpus.parent
    kept, notes = drop_concepts(root, corpus_entries(root, pdfs))
    pdfs = [e.path for e in kept]
    entries = {e.path: e for e in kept}
    cache = cache if cache is not None else Cache()
    pipeline = pipeline_id(book.language)
    # what the project records: the pipeline, and the suggester when one adds candidates
    suggester = learned_label(book)
    db_path = Path(db) if db else default_db(corpus)
    notify = on_event or (lambda kind, text: None)
    summary = CodingSummary(db_path, f"{book.name} {book.version} ({book.sha256[:12]})",
                            run_label(pipeline, suggester))
    summary.notes = notes
    if not (root / MANIFEST).exists():
        summary.guessed = [(e.path.name, e.institution, e.year) for e in kept]
    with Project(db_path) as project, _old_objects_skipped() as skip_loaded:
        if project.backup_path:
            summary.backups.append(project.backup_path)
        project.save_codebook(book)
        project.set_meta("pipeline", pipeline)
        project.set_meta("suggester", suggester or "")
        mark = time.perf_counter()
        outcomes = extract_many(pdfs, engine, cache, jobs=jobs, ocr=ocr,
                                on_done=lambda o: notify("extracted", o.path.name),
                                while_extracting=lambda: _start_spacy(book))
        skip_loaded()  # spaCy, started while extracting
        # a text read another way (OCR on or off) is coded again, even when codebook and pipeline are unchanged
        engines = {d["sha256"]: d["engine"] for d in project.documents(active_only=False)}
        summary.stage_seconds["extract"] = time.perf_counter() - mark
        if cache.unwritable:
            summary.notes.append(f"{cache.root}: the cache folder cannot be written ({cache.unwritable}); coding goes "
                                 "on without it, and the next run extracts again - set KWALITEITSCAN_CACHE to a "
                                 "writable folder")
        todo: list[tuple[Document, Entry]] = []
        first_of: dict[str, Entry] = {}  # content sha -> the file that agenda is coded as
        for outcome in outcomes:
            if outcome.error:
                summary.failed.append((str(outcome.path), outcome.error))
                notify("failed", outcome.error)
                continue
            doc, entry = outcome.document, entries[outcome.path]
            if doc.sha256 in first_of:
                summary.notes.append(_duplicate_note(first_of[doc.sha256], entry))
                continue
            first_of[doc.sha256] = entry
            summary.documents += 1
            summary.pages += len(doc.pages)
            summary.warnings.extend((doc.document, w) for w in doc.warnings)
            if (project.document_state(doc.sha256) == (book.sha256, pipeline, suggester)
                    and engines.get(doc.sha256) == doc.engine and project.has_passages(doc.sha256)):
                project.update_document_meta(doc.sha256, doc.document, entry.institution, entry.year)
                notify("unchanged", doc.document)
            else:
                todo.append((doc, entry))
        project.deactivate_missing({o.document.sha256 for o in outcomes if o.document})
        mark = time.perf_counter()
        stored = project.results() if engines else {}
        for doc, entry, coded, error in _code_all(todo, book, pipeline, cache.root, jobs, stored, queue_terms):
            if error:
                summary.failed.append((doc.document, error))
                notify("failed", error)
                continue
            store_start = time.perf_counter()
            row = dict(sha=doc.sha256, file=doc.document, institution=entry.institution, year=entry.year,
                       pages=len(doc.pages), engine=doc.engine, warnings=doc.warnings, pipeline=pipeline,
                       codebook_sha=book.sha256, suggester=suggester)
            if coded[0] is None:  # the result came out as stored: only the codebook on it changes
                project.keep_document(**row)
            else:
                project.replace_document(**row, rows=coded[0], result=coded[1], terms=coded[2])
            summary.stage_seconds["store"] += time.perf_counter() - store_start
            summary.coded += 1
            notify("coded", doc.document)
        summary.stage_seconds["code"] = time.perf_counter() - mark - summary.stage_seconds["store"]
        # always, not only after coding: a run killed during re-attachment is resumed by the next one
        orphans = project.orphan_decisions()
        if summary.coded and orphans:  # once per re-code, not on every run of a resumed one
            summary.backups.append(project.backup(label="before-reattach"))
        summary.reattached, summary.unattached = project.reattach(orphans)
        summary.candidates_per_theme = Counter(project.candidate_counts())
    summary.seconds = time.perf_counter() - started
    return summary


@contextmanager
def _old_objects_skipped() -> Iterator[Callable[[], None]]:
    """While a corpus is coded, the garbage collector's full collections leave alone what the
    process held before (the imports, and spaCy once the function given is called): unpickling and
    storing each document's results makes enough objects to start a full collection every few
    documents, and each walked spaCy's millions of objects again. Measured on 20 agendas cold:
    8 full collections, 1.46 s of the main process's 3.5 s CPU. Afterwards the objects are
    collected as before (unless they were held back already when this began)."""
    already, thresholds = gc.get_freeze_count() > 0, gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)  # and collections run less often (as in the workers)
    try:
        yield gc.freeze
    finally:
        gc.set_threshold(*thresholds)
        if not already:
            gc.unfreeze()


def _start_spacy(book: Codebook) -> None:
    """Load spaCy (about 1.5 s) while the extraction workers run: a new file is to be segmented
    anyway, and the workers of the coding stage inherit it. A failure waits for that stage."""
    from ..errors import ModelError
    from ..segment.nlp import load_pipeline

    try:
        load_pipeline(book.language)
    except ModelError:
        pass


def _duplicate_note(first: Entry, copy: Entry) -> str:
    """The rule for one content under two names: the project keys an agenda by its content, so it
    is coded once, as the first file in path order; the copy is named, never merged silently."""
    def named(e: Entry) -> str:
        return f"{e.path.name} ({e.institution} {e.year or ''})".replace(" )", ")")

    return (f"{named(copy)} has the same content as {named(first)}: coded once, as {first.path.name}; "
            "remove the copy, or replace it with the agenda it should be")


def _code_all(todo, book: Codebook, pipeline: str, cache_root, jobs: int, stored: dict[str, str],
              queue_terms: bool = True):
    if not todo:
        return
    tasks = [(doc, pipeline, cache_root, stored.get(doc.sha256), queue_terms) for doc, _ in todo]
    if len(tasks) <= 1 or jobs <= 1:
        for doc, entry in todo:
            try:
                yield doc, entry, _as_rows(code_one(doc, book, pipeline, cache_root, stored.get(doc.sha256),
                                                    queue_terms), book), None
            except CodebookError:
                raise
            except Exception as exc:  # noqa: BLE001 - reported per document, the batch goes on
                yield doc, entry, None, _failure(doc, exc)
        return
    from ..segment.segmenter import is_cached

    if not all(is_cached(doc.sha256, pipeline, cache_root, doc.engine) for doc, _ in todo):
        from ..segment.nlp import load_pipeline

        load_pipeline(book.language)  # started once here and inherited by the workers, not once per worker
    # each worker gets the codebook once, when it starts (by fork, so nothing is pickled per task)
    by_sha = {doc.sha256: (doc, entry) for doc, entry in todo}
    with get_context("fork").Pool(min(jobs, len(tasks)), initializer=_init_worker, initargs=(book,)) as pool:
        for sha, coded, error in pool.imap_unordered(_task, tasks):
            doc, entry = by_sha[sha]
            yield doc, entry, coded, error
