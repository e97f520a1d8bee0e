"""The command line: help everywhere, version, light imports, documented commands."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from kwaliteitscan import __version__
from kwaliteitscan.cli import app

from .. import pdfs
from ..conftest import ROOT

runner = CliRunner()


def _commands(group=None, prefix=()):
    group = group or get_command(app)
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from _commands(command, prefix + (name,))
        else:
            yield prefix + (name,)


COMMANDS = list(_commands())


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"kwaliteitscan {__version__}"


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and len(result.output.splitlines()) > 3


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_is_documented_in_the_readme(command):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"kwaliteitscan {' '.join(command)}" in readme


def test_importing_the_cli_does_not_import_heavy_libraries():
    code = ("import sys, kwaliteitscan.cli; "
            "print(sorted(m for m in ('spacy', 'pypdfium2', 'pdfplumber', 'rich', 'openpyxl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_importing_the_cli_imports_no_stage_of_the_library():
    """--help stays as fast as typer allows: the stages are imported by the command that runs."""
    code = ("import sys, kwaliteitscan.cli; print(sorted({m.split('.')[1] for m in sys.modules "
            "if m.startswith('kwaliteitscan.')}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['cli', 'errors', 'version']"


def test_a_clean_extract_does_not_import_rich_and_a_warning_is_still_printed(make_pdf, tmp_path):
    """rich is imported only to print an error or a warning (its import cost a tenth of a clean run)."""
    clean = make_pdf("Stagediscriminatie is onacceptabel.", name="schoon.pdf")
    empty_page = tmp_path / "leeg.pdf"  # its second page is empty: a warning
    empty_page.write_bytes(pdfs.raw_pdf([pdfs.text_stream([(72, 760, "Eerste pagina.")]), b""]))
    code = ("import sys\nfrom kwaliteitscan.cli.app import app\n"
            "try:\n    app(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print('rich' in sys.modules, file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", code, "extract", "--no-cache", str(clean)], capture_output=True,
                         text=True, check=True)
    assert "Stagediscriminatie is onacceptabel." in run.stdout
    assert run.stderr.strip().splitlines()[-1] == "False"
    cache = ["--cache-dir", str(tmp_path / "cache")]
    warned = subprocess.run([sys.executable, "-c", code, "extract", *cache, str(clean), str(empty_page)],
                            capture_output=True, text=True, check=True)
    lines = warned.stderr.strip().splitlines()
    assert lines[-1] == "True" and any(line.startswith("warning: leeg.pdf: page 2") for line in lines), lines


def test_extract_json_one_document_is_an_object_several_are_a_list(make_pdf):
    one = make_pdf("Eerste document.", name="een.pdf")
    two = make_pdf("Tweede document.", name="twee.pdf")
    single = json.loads(runner.invoke(app, ["extract", str(one), "--format", "json"]).output)
    assert single["document"] == "een.pdf" and "Eerste document." in single["pages"][0]["text"]
    both = json.loads(runner.invoke(app, ["extract", str(one), str(two), "--format", "json"]).output)
    assert [d["document"] for d in both] == ["een.pdf", "twee.pdf"]


def test_extract_text_to_out_folder(make_pdf, tmp_path):
    pdf = make_pdf("\n\n".join(f"Alinea {i} met wat tekst over stages." for i in range(80)))
    result = runner.invoke(app, ["extract", str(pdf), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0
    text = (tmp_path / "o" / "doc.txt").read_text(encoding="utf-8")
    assert "\f" in text and "Alinea 79 met wat tekst over stages." in text


def test_usage_error_exit_code():
    result = runner.invoke(app, ["extract", "--format", "pdf", "x.pdf"])
    assert result.exit_code == 2
