"""Debian's chromium for the tests that look at pages in a real browser (the HTML report, the
browser review): its path, or a skip that says how to install it (a failure under CI, where
scripts/test.sh must have installed it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"


def chromium(purpose: str, fallback: str = CHROMIUM) -> str:
    """The chromium executable for `purpose` (said in the skip message)."""
    path = shutil.which("chromium") or (fallback if Path(fallback).exists() else None)
    if path:
        return path
    message = (f"chromium is not installed (looked for `chromium` on PATH and {fallback}); install it with "
               f"`apt-get install chromium` (scripts/test.sh does) to run {purpose}")
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
