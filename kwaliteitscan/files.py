"""Writing output files safely: all or nothing, and one line when it cannot be done.

A file is written to a temporary file beside it and renamed over the target at the end, so a
full disk, a crash or Ctrl-C never leaves half a report; a folder that does not exist is made;
what cannot be written (no space, read-only, not a folder) is an InputError naming the file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from .errors import InputError


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """A temporary path to write to; renamed to `target` when the block ends without an error."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise InputError(f"{target}: cannot write here ({exc.strerror}); choose another --out") from exc
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        raise InputError(f"{target}: cannot write it ({exc.strerror}); free some space or choose another --out") \
            from exc
    finally:
        tmp.unlink(missing_ok=True)


def write_cache(path: Path, write: Callable[[Path], None], suffix: str = "") -> str | None:
    """Fill a cache file all or nothing: `write` writes a temporary path that is then renamed into
    place. A cache that cannot be written (read-only folder, full disk) only costs time, so the
    reason is returned instead of raised, and no temporary file is left behind."""
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}{suffix}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return exc.strerror or str(exc)
    return None


def write_text(target: Path | str, text: str) -> None:
    """`text` to `target` (UTF-8), all or nothing."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def text_or_file(text: str, out: Path | str | None) -> str | None:
    """`text` back when there is no `out` (for standard output), else written whole to `out`."""
    if out is None:
        return text
    write_text(out, text)
    return None


def format_from(out: Path | None, formats: tuple[str, ...], default: str) -> str:
    """The output format an --out file's extension names (report.html -> html), else `default`."""
    if out is not None:
        suffix = Path(out).suffix.lower().lstrip(".")
        suffix = {"markdown": "md", "htm": "html", "txt": "terminal"}.get(suffix, suffix)
        if suffix in formats:
            return suffix
    return default
