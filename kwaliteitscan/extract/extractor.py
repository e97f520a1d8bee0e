"""PDF -> Document: faithful page text, cached by file content, bad files isolated.

`extract_file` does one PDF in this process. `extract_many` does a batch the way the CLI
does: results come from the cache when the file's SHA-256 is known, the rest are
extracted in forked worker processes (both cores) with a memory cap and a time limit, so a
decompression bomb or a file that hangs pdfium costs one error line, never the batch.
"""

from __future__ import annotations

import faulthandler
import gc
import hashlib
import json
import os
import pickle
import resource
import signal
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable, Iterable

from ..errors import InputError, KwaliteitscanError
from ..files import write_cache
from .docx import check_docx_file, is_docx, read_docx
from .layout import Removed, layout_document, page_text
from .ocr import ocr_pages, page_warning, require_tools
from .pdfsource import ENGINES, RawPage, count_pages, open_pages
from .textclean import count_alnum

#: bump when extraction output changes, so cached results are recomputed
EXTRACTOR_VERSION = "5"
#: the extraction worker's memory cap: a decompression bomb stops here (pdfium needs about twice
#: the inflated size of a content stream); an ordinary 100-page agenda needs under 50 MB.
#: KWALITEITSCAN_MEMORY_MB raises it for a legitimate giant.
DEFAULT_MEMORY_MB = int(os.environ.get("KWALITEITSCAN_MEMORY_MB") or 512)
WORKER_HEADROOM_MB = 256
DEFAULT_TIMEOUT_S = 300.0
#: with --ocr a file's time limit allows some 10 s per page for a 180-page scan
OCR_TIMEOUT_S = 1800.0


@dataclass(frozen=True)
class Page:
    number: int
    text: str
    #: for a page read by OCR (--ocr): Tesseract's mean word confidence, 0-100
    ocr_confidence: float | None = None


@dataclass(frozen=True)
class Document:
    document: str
    sha256: str
    pages: tuple[Page, ...]
    warnings: tuple[str, ...] = ()
    engine: str = "pdfium"

    def to_json(self) -> dict:
        """The documented JSON shape of `kwaliteitscan extract --format json`."""
        return {
            "document": self.document,
            "sha256": self.sha256,
            "pages": [_page_json(p) for p in self.pages],
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_json(cls, data: dict, engine: str = "pdfium") -> "Document":
        return cls(data["document"], data["sha256"],
                   tuple(Page(p["number"], p["text"], p.get("ocr_confidence")) for p in data["pages"]),
                   tuple(data.get("warnings", ())), engine)

    def text(self) -> str:
        """All pages, separated by form feeds (as pdftotext does)."""
        return "\f".join(p.text for p in self.pages)


def _page_json(page: Page) -> dict:
    data = {"number": page.number, "text": page.text}
    if page.ocr_confidence is not None:
        data["ocr_confidence"] = page.ocr_confidence
    return data


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_pdf_file(path: Path) -> None:
    """Cheap checks that give a clear message before any PDF library sees the file."""
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a PDF")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes); download or export it again")
    with open(path, "rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise InputError(f"{path}: not a PDF (no %PDF header); convert it to PDF or remove it from the corpus")


def check_input_file(path: Path) -> None:
    """`check_pdf_file`, or its .docx counterpart for a Word file."""
    if is_docx(path):
        check_docx_file(path)
    else:
        check_pdf_file(path)


def file_engine(path: Path, engine: str = "pdfium", ocr: bool = False) -> str:
    """The engine that reads `path`, as recorded with its text: "docx" for a Word file, else the PDF
    engine with "+ocr" when pages without a text layer are OCR'd."""
    if is_docx(path):
        return "docx"
    return engine if engine.endswith("+ocr") or not ocr else f"{engine}+ocr"


#: a PDF is read by several processes (`readers`) only from this many pages on: below it forking costs
#: more than it saves
SPLIT_MIN_PAGES = 8


def read_pages(path: Path, engine: str, readers: int = 1) -> list[RawPage]:
    """All pages of `path` as RawPage records, in order. With `readers` > 1 the pages are cut into
    that many runs and all but the first are read by forked helper processes at the same time (each
    page is read on its own, so the records are the same whoever reads them). A helper that fails or
    dies (a page that crashes pdfium, the memory cap) costs nothing but time: its pages are then read
    here, where the failure is reported as it would be without helpers."""
    count = count_pages(path, engine) if readers > 1 else 0
    if readers < 2 or count < SPLIT_MIN_PAGES:
        return list(open_pages(path, engine))
    readers = min(readers, count // (SPLIT_MIN_PAGES // 2))
    cuts = [count * k // readers for k in range(readers + 1)]
    helpers = [_start_reader(path, engine, cuts[k], cuts[k + 1]) for k in range(1, readers)]
    try:
        pages = list(open_pages(path, engine, 0, cuts[1]))
    except BaseException:
        for pid, fd in helpers:  # no helper is left behind, blocked on a pipe nobody reads
            os.kill(pid, signal.SIGKILL)
            os.close(fd)
            os.waitpid(pid, 0)
        raise
    for k, (pid, fd) in enumerate(helpers, start=1):
        pages.extend(_finish_reader(pid, fd) or open_pages(path, engine, cuts[k], cuts[k + 1]))
    return pages


def idle_readers(cores: int) -> int:
    """How many processes may read one file's pages: `cores`, but no more than the machine has idle
    (1 + the processors the last minute's load average leaves free). On a busy machine a second
    reader only competes for the same processor and costs the split's overhead (a second pdfium
    document, its fonts parsed again, the pages pickled back: about a quarter more CPU)."""
    if cores < 2:
        return 1
    try:
        free = (os.cpu_count() or 1) - os.getloadavg()[0]
    except OSError:
        return 1
    return max(1, min(cores, 1 + int(free)))


def _start_reader(path: Path, engine: str, start: int, stop: int) -> tuple[int, int]:
    """Fork a process that reads pages start..stop-1 and writes them, pickled, into a pipe."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write_end)
        return pid, read_end
    status = 1
    try:  # the helper: never returns into the caller's code, whatever happens
        os.close(read_end)
        _die_with_parent()
        data = pickle.dumps(list(open_pages(path, engine, start, stop)), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as out:
            out.write(data)
        status = 0
    finally:
        os._exit(status)


def _finish_reader(pid: int, fd: int) -> list[RawPage] | None:
    """The pages a helper read, or None when it failed."""
    with os.fdopen(fd, "rb") as handle:
        data = handle.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        return None
    try:
        return pickle.loads(data)
    except Exception:  # noqa: BLE001 - a truncated result: read those pages here instead
        return None


def _die_with_parent() -> None:
    """Ask Linux to kill this helper when its parent dies (the batch's time limit kills the worker
    with SIGKILL, which a helper could otherwise outlive); elsewhere nothing happens."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(1)


def extract_file(path: Path, engine: str = "pdfium", sha256: str | None = None, ocr: bool = False,
                 readers: int = 1) -> Document:
    """Extract one PDF or Word (.docx) file in this process; `ocr` (or an engine ending in "+ocr")
    reads the PDF's pages without a text layer with Tesseract. `readers` > 1 reads a long PDF's
    pages in that many processes at once (`read_pages`)."""
    path = Path(path)
    if is_docx(path):
        pages, notes = read_docx(path)
        return Document(path.name, sha256 or sha256_file(path), tuple(Page(n, t) for n, t in pages),
                        tuple(notes), "docx")
    engine, _, extra = engine.partition("+")
    ocr = ocr or extra == "ocr"
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    check_pdf_file(path)
    sha = sha256 or sha256_file(path)
    raw_pages = read_pages(path, engine, readers)
    warnings = [f"{r.error}; its text is missing" for r in raw_pages if r.error]
    # with --ocr every page without a text layer is read (a scan; or text drawn as shapes, which pdfium cannot see)
    textless = [r.number for r in raw_pages if not r.lines and not r.error]
    read = {p.number: p for p in (ocr_pages(path, textless) if ocr and textless else [])}
    if raw_pages and not any(r.lines for r in raw_pages) and not any(p.words for p in read.values()):
        if any(r.has_images for r in raw_pages):
            raise InputError(f"{path}: no text layer, it looks like a scanned image; "
                             + ("OCR found no text in it either; scan it again at 300 dpi" if ocr else
                                "run again with --ocr to read it with Tesseract"))
        raise InputError(f"{path}: the PDF has no extractable text; export it again with text"
                         + ("" if ocr else ", or run again with --ocr"))
    if not raw_pages:
        raise InputError(f"{path}: the PDF has no pages; export it again")
    for r in raw_pages:
        if r.number in read and (read[r.number].words or r.has_images or read[r.number].error):
            warnings += filter(None, [page_warning(read[r.number])])
        elif not r.lines and not r.error:
            warnings.append(f"page {r.number} has no text layer (a scanned image?); run again with --ocr to read it"
                            if r.has_images else f"page {r.number} is empty")
    for r in raw_pages:
        warnings.extend(r.warnings)
    before = {r.number: _letters(line.text for line in r.lines) for r in raw_pages}
    removed: list[Removed] = []
    laid = layout_document(raw_pages, removed)
    pages = tuple(Page(r.number, read[r.number].text, read[r.number].confidence) if r.number in read
                  else Page(r.number, page_text(blocks)) for r, blocks in zip(raw_pages, laid))
    warnings.extend(shrink_warnings(before, pages, removed))
    return Document(path.name, sha, pages, tuple(warnings), file_engine(path, engine, ocr))


#: a page that loses more than this share of its letters and digits through cleaning gets a warning
SHRINK_SHARE = 0.2


def _letters(texts) -> int:
    return count_alnum("".join(texts))


def shrink_warnings(before: dict[int, int], pages, removed) -> list[str]:
    """One warning per page whose text shrank by more than SHRINK_SHARE through cleaning, unless
    all it lost is a header, footer or page number that stands on nearly every page."""
    taken = {r.number: r for r in removed}
    out = []
    for page in pages:
        had = before.get(page.number, 0)
        lost = had - _letters([page.text])
        if had == 0 or lost <= SHRINK_SHARE * had:
            continue
        report = taken.get(page.number)
        running = report.chars if report else 0
        suspicious = report.suspicious if report else []
        other = lost - running  # letters that went elsewhere than running-line removal
        if not suspicious and other <= 0.05 * had:
            continue
        what = []
        if suspicious:
            shown = "; ".join(repr(t[:60]) for t in suspicious[:3])
            what.append(f"removed as running header/footer: {shown}")
        if other > 0.05 * had:
            what.append(f"{other} letters lost in layout")
        out.append(f"page {page.number}: cleaning removed {lost / had:.0%} of its text ({', '.join(what)}); "
                   "check this page in the PDF")
    return out


# --------------------------------------------------------------------------- cache


def default_cache_dir() -> Path:
    env = os.environ.get("KWALITEITSCAN_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kwaliteitscan"


@dataclass
class Cache:
    """Extraction results on disk, keyed by file SHA-256, engine and extractor version."""

    root: Path | None = field(default_factory=default_cache_dir)
    #: why the cache could not be written, if it could not (coding goes on without it)
    unwritable: str | None = None

    def _path(self, sha: str, engine: str) -> Path | None:
        if self.root is None:
            return None
        return Path(self.root) / "extract" / f"{sha}-{engine}-v{EXTRACTOR_VERSION}.json"

    def get(self, sha: str, engine: str, name: str) -> Document | None:
        path = self._path(sha, engine)
        if path is None or not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            doc = Document.from_json(data, engine)
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)  # a damaged cache entry is recomputed, never trusted
            return None
        return Document(name, doc.sha256, doc.pages, doc.warnings, engine)

    def put(self, doc: Document) -> None:
        path = self._path(doc.sha256, doc.engine)
        if path is None:
            return
        text = json.dumps(doc.to_json(), ensure_ascii=False)
        problem = write_cache(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        if problem and self.unwritable is None:
            self.unwritable = problem


# --------------------------------------------------------------------------- batches


@dataclass
class Outcome:
    """The result for one input file: a document, or the one-line error that names the file."""

    path: Path
    document: Document | None = None
    error: str | None = None
    detail: str | None = None  # the traceback, shown with --debug
    cached: bool = False
    seconds: float = 0.0


def _address_space_mb() -> int:
    """This process's virtual size in MB (Linux), 0 where unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def quiet_collector() -> None:
    """For a forked worker that allocates hundreds of thousands of small objects per document and
    frees them without cycles: what it inherited goes to the collector's permanent generation, so
    collections stop walking it (and stop touching pages shared with the parent), and collections
    run less often. Measured in paired runs: extraction workers -5 % CPU (8 agendas of 100 pages),
    coding -2 % (3 agendas)."""
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def _child(conn, path: str, engine: str, sha: str, memory_mb: int | None, readers: int = 1) -> None:
    quiet_collector()
    faulthandler.disable()  # a crash is reported through the pipe as one line, not dumped
    if not os.environ.get("KWALITEITSCAN_DEBUG"):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)  # pdfium's own complaints would garble the progress display
    try:
        if memory_mb:
            # the whole address space, so peak RSS stays under it too; a worker forked from a big
            # parent (spaCy already loaded) keeps WORKER_HEADROOM_MB above what it starts with
            limit = max(memory_mb, _address_space_mb() + WORKER_HEADROOM_MB) * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        doc = extract_file(Path(path), engine, sha, readers=readers)
        conn.send(("ok", dict(doc.to_json(), engine=doc.engine), None))  # the engine names its cache entry
    except KwaliteitscanError as exc:
        conn.send(("error", exc.message, None))
    except MemoryError:
        conn.send(("error", f"{path}: extraction needed more than {memory_mb} MB, the PDF may be a "
                            "decompression bomb or damaged; repair or re-export it (e.g. qpdf)", None))
    except BaseException as exc:  # noqa: BLE001 - reported as one line, traceback with --debug
        advice = ("open it in Word or LibreOffice and save it again, or export it as PDF" if is_docx(path) else
                  "repair or re-export the PDF (e.g. qpdf) or try --engine pdfplumber")
        conn.send(("error", f"{path}: could not be extracted ({type(exc).__name__}: {exc}); {advice}",
                   traceback.format_exc()))
    finally:
        conn.close()


def extract_many(paths: Iterable[Path], engine: str = "pdfium", cache: Cache | None = None, jobs: int = 2,
                 timeout: float | None = None, memory_mb: int | None = DEFAULT_MEMORY_MB,
                 on_done: Callable[[Outcome], None] | None = None, ocr: bool = False,
                 while_extracting: Callable[[], None] | None = None) -> list[Outcome]:
    """Extract many PDFs and Word files; the outcomes come back in input order, one per path.
    `ocr` reads the pages without a text layer with Tesseract (refused at once when it is missing).

    `while_extracting` is called once in this process when the last extraction worker has started
    (only if any file is not in the cache): work that can overlap with theirs, such as starting
    spaCy, which otherwise waits for extraction to end."""
    paths = [Path(p) for p in paths]
    if ocr:
        require_tools()
    timeout = timeout or (OCR_TIMEOUT_S if ocr else DEFAULT_TIMEOUT_S)
    cache = cache if cache is not None else Cache()
    outcomes: dict[int, Outcome] = {}
    todo: list[tuple[int, Path, str]] = []

    def done(index: int, outcome: Outcome) -> None:
        outcomes[index] = outcome
        if on_done:
            on_done(outcome)

    for index, path in enumerate(paths):
        try:
            check_input_file(path)
            sha = sha256_file(path)
        except KwaliteitscanError as exc:
            done(index, Outcome(path, error=exc.message))
            continue
        except OSError as exc:
            done(index, Outcome(path, error=f"{path}: cannot be read ({exc.strerror}); check its permissions"))
            continue
        hit = cache.get(sha, file_engine(path, engine, ocr), path.name)
        if hit is not None:
            done(index, Outcome(path, hit, cached=True))
        else:
            todo.append((index, path, sha))
    worker_engine = f"{engine}+ocr" if ocr else engine  # extract_file reads "+ocr" from the engine's name
    _run_workers(todo, worker_engine, cache, max(1, jobs), timeout, memory_mb, done, while_extracting)
    return [outcomes[i] for i in range(len(paths))]


def _run_workers(todo, engine, cache, jobs, timeout, memory_mb, done, while_extracting=None) -> None:
    ctx = get_context("fork")
    if len(todo) > 1 and engine.startswith("pdfium"):
        # imported once here, every worker forked from this process has it: otherwise each of them
        # imports it (and starts pdfium) again, some 20 ms per file. A failure is each worker's to report.
        try:
            import pypdfium2  # noqa: F401
        except Exception:  # noqa: BLE001
            pass
    running: dict = {}  # conn -> (index, path, process, started)
    queue = list(todo)
    while queue or running:
        while queue and len(running) < jobs:
            index, path, sha = queue.pop(0)
            # cores no other file will take (the last file of a batch, or a single file) read its pages
            readers = idle_readers(jobs - len(running) - len(queue))
            parent, child = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(child, str(path), engine, sha, memory_mb, readers), daemon=True)
            proc.start()
            child.close()
            running[parent] = (index, path, proc, time.monotonic())
        if while_extracting is not None and not queue:
            # once the last worker is started, so no worker is forked with what it loads (their memory cap
            # counts the address space they inherit); their clocks keep running meanwhile
            while_extracting()
            while_extracting = None
        ready = wait(list(running), timeout=1.0)
        now = time.monotonic()
        for conn in list(running):
            index, path, proc, started = running[conn]
            if conn in ready:
                outcome = _receive(conn, path, memory_mb)
            elif now - started > timeout:
                proc.kill()
                outcome = Outcome(path, error=f"{path}: extraction took longer than {timeout:.0f} s and was "
                                              "stopped; the PDF may be damaged or a decompression bomb")
            else:
                continue
            proc.join(5)
            conn.close()
            del running[conn]
            outcome.seconds = now - started
            if outcome.document is not None:
                cache.put(outcome.document)
            done(index, outcome)


def _receive(conn, path: Path, memory_mb) -> Outcome:
    try:
        status, payload, detail = conn.recv()
    except (EOFError, OSError):
        return Outcome(path, error=f"{path}: the extractor crashed (or needed more than {memory_mb} MB); the PDF "
                                   "may be damaged or a decompression bomb; repair it (e.g. qpdf) and run again")
    if status == "ok":
        doc = Document.from_json(payload, payload.get("engine", "pdfium"))
        return Outcome(path, doc)
    return Outcome(path, error=payload, detail=detail)
