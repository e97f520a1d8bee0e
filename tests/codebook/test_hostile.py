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
