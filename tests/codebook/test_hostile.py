"""Codebooks are refused in bounded time and memory: YAML aliases, regular expressions that match
nothing in particular or take exponential time; errors name the line and never embed huge values."""

from __future__ import annotations

import time

import pytest

from kwaliteitscan.codebook import parse_codebook
from kwaliteitscan.errors import CodebookError

HEAD = "name: t\nversion: '1'\nthemes:\n  goals:\n    label: G\n    definition: G\n    codes:\n      c:\n        label: c\n"


def test_a_yaml_alias_bomb_is_refused_at_once_with_its_line():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8))
    start = time.perf_counter()
    with pytest.raises(CodebookError) as caught:
        parse_codebook(bomb + HEAD + "        patterns: [doel]\n", "bomb.yaml")
    assert time.perf_counter() - start < 2
    assert "bomb.yaml:1:" in caught.value.message and "aliases" in caught.value.message
    assert len(caught.value.message) < 300


@pytest.mark.parametrize("regex, message", [
    ("", "empty"),
    (".*", "empty text"),
    ("\\\\w+", "every sentence"),
    ("^(?:\\\\w|\\\\w\\\\w)+$", "exponentially"),
    ("(\\\\d+)*x", "backtrack"),
])
def test_regular_expressions_that_would_flood_or_hang_are_refused_with_their_line(regex, message):
    text = HEAD + f'        patterns:\n          - doel\n          - {{regex: "{regex}"}}\n'
    start = time.perf_counter()
    with pytest.raises(CodebookError, match=message) as caught:
        parse_codebook(text, "t.yaml")
    assert time.perf_counter() - start < 2
    assert caught.value.message.startswith("t.yaml:12:")


def test_a_codebook_saved_as_windows_1252_names_the_line(tmp_path):
    from kwaliteitscan.codebook import load_codebook

    path = tmp_path / "cb.yaml"
    path.write_bytes((HEAD + "        patterns: [doel, \"é\"]\n").encode("cp1252"))
    with pytest.raises(CodebookError, match=r"cb\.yaml:10: the codebook is not UTF-8"):
        load_codebook(path)


def test_a_theme_without_an_id_is_reported_at_its_line(tmp_path):
    text = HEAD + "        patterns: [doel]\n  :\n    label: X\n    definition: X\n    codes: {}\n"
    with pytest.raises(CodebookError, match=r"t\.yaml:11:"):
        parse_codebook(text, "t.yaml")


@pytest.mark.parametrize("command", ["code", "audit"])
def test_a_bad_codebook_leaves_the_project_untouched_and_makes_none(tmp_path, make_pdf, command):
    import hashlib

    from typer.testing import CliRunner

    from kwaliteitscan.cli import app
    from kwaliteitscan.pipeline.code import code_corpus

    from ..conftest import DATA_DIR

    folder = tmp_path / "corpus"
    folder.mkdir()
    pdf = make_pdf("# Stage\n\nWij erkennen dat stagediscriminatie een probleem is.\n", name="corpus/roc-aap-2024.pdf")
    project = code_corpus(folder, DATA_DIR / "mini.yaml", jobs=1).db
    before = hashlib.sha256(project.read_bytes()).hexdigest()
    bad = tmp_path / "bad.yaml"
    bad.write_text(HEAD + '        patterns:\n          - {regex: "(\\\\d+)*x"}\n', encoding="utf-8")
    target = str(folder) if command == "code" else str(pdf)
    result = CliRunner().invoke(app, [command, target, "--codebook", str(bad)])
    assert result.exit_code == 4 and "bad.yaml:" in result.output, result.output
    assert hashlib.sha256(project.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in folder.iterdir()) == ["kwaliteitscan.sqlite", "roc-aap-2024.pdf"]
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "roc-noot-2024.pdf").write_bytes(pdf.read_bytes())
    result = CliRunner().invoke(app, ["code", str(fresh), "--codebook", str(bad)])
    assert result.exit_code == 4 and sorted(p.name for p in fresh.iterdir()) == ["roc-noot-2024.pdf"]
