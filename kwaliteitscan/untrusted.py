"""Text from untrusted PDFs, made safe for where it is shown: a spreadsheet cell, a terminal.

Every stage that writes passage text out (review screens, spreadsheets, reports) goes through
these two functions; HTML escaping lives with the HTML report, Markdown escaping with Markdown.
"""

from __future__ import annotations

import re

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
EXCEL_CELL_LIMIT = 32767
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe_cell(value):
    """A spreadsheet cell that cannot run as a formula."""
    if not isinstance(value, str):
        return value
    value = _ILLEGAL.sub("", value)
    if value.startswith(_FORMULA_START):
        value = "'" + value
    return value[:EXCEL_CELL_LIMIT]


def clean(text: str) -> str:
    """Text from a PDF, safe for a terminal: no escape sequences, controls or bidi overrides."""
    return _UNSAFE.sub("", text or "")
