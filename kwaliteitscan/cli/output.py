"""What every command shares: the error console, rich-markup escaping, the --debug state,
batch exit codes and the shared options (declared once, so they mean the same everywhere)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import PARTIAL_FAILURE

state = {"debug": False}


def err_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def batch_exit_code(succeeded: int, total: int) -> int:
    """0 when every file went through, 3 when none did, PARTIAL_FAILURE in between."""
    if succeeded == total:
        return 0
    return 3 if succeeded == 0 else PARTIAL_FAILURE


class Engine(str, Enum):
    pdfium = "pdfium"
    pdfplumber = "pdfplumber"


EngineOpt = Annotated[Engine, typer.Option("--engine", help="PDF engine: pdfium (fast, default) or pdfplumber.")]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes for extraction.")]
OcrOpt = Annotated[bool, typer.Option(
    "--ocr", help="Read PDF pages without a text layer (scans) with Tesseract's Dutch OCR "
                  "(needs tesseract-ocr-nld); each such page gets its OCR confidence.")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Ignore and do not write the extraction cache.")]
CacheDirOpt = Annotated[Optional[Path], typer.Option(
    "--cache-dir", help="Extraction cache folder (default: $KWALITEITSCAN_CACHE or ~/.cache/kwaliteitscan).")]
CodebookOpt = Annotated[Optional[Path], typer.Option(
    "--codebook", "-c", help="Codebook YAML (default: the bundled codebooks/stagediscriminatie.yaml).")]
DbOpt = Annotated[Optional[Path], typer.Option(
    "--db", help="Project file (default: kwaliteitscan.sqlite in the corpus folder).")]
SuggestOpt = Annotated[Optional[Path], typer.Option(
    "--suggest", help="A suggester (JSON, from `kwaliteitscan suggester train`; bundled: "
                      "codebooks/stagediscriminatie.suggester.json) that adds weak candidates for sentences "
                      "without keywords in sections about the topic.")]
PolarityOpt = Annotated[Optional[str], typer.Option(
    "--polarity-model", help="A polarity model (JSON, from `kwaliteitscan suggester train-polarity`) that reads "
                             "the rules' candidates again: 'none' for the rules alone (default: the one beside the "
                             "codebook, codebooks/stagediscriminatie.polarity.json).")]
CorpusArg = Annotated[Path, typer.Argument(help="The corpus folder that was coded.")]
CoderOpt = Annotated[Optional[str], typer.Option("--coder", help="Your name as a coder (decisions are per coder).")]
OnlyCoderOpt = Annotated[Optional[str], typer.Option("--coder", help="Use this coder's decisions only.")]
#: one meaning in every command: the lead coder's resolution where there is one, else what all coders agreed on
FinalOpt = Annotated[bool, typer.Option(
    "--final", help="Use the final decisions: the lead coder's resolution, else what all coders agreed on.")]
OutOpt = Annotated[Optional[Path], typer.Option("--out", "-o", help="Output file (required for xlsx).")]
