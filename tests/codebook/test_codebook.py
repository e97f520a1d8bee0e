"""Codebook loading and validation: every error names file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.codebook import DEFAULT_CODEBOOK, load_codebook
from kwaliteitscan.errors import CodebookError
from ..conftest import DATA_DIR

DATA = DATA_DIR
MINI = (DATA / "mini.yaml").read_text(encoding="utf-8")
runner = CliRunner()


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "book.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path, text: str) -> str:
    with pytest.raises(CodebookError) as info:
        load_codebook(write(tmp_path, text))
    message = str(info.value)
    assert "\n" not in message and "book.yaml" in message
    return message


def test_mini_codebook_loads():
    book = load_codebook(DATA / "mini.yaml")
    assert book.name == "mini" and book.version == "0.1" and len(book.sha256) == 64
    assert book.theme_ids == ("acknowledgement", "reporting_desk", "objective_matching")
    assert book.code("reporting_desk", "desk").scope == "paragraph"
    assert [q.id for q in book.qualifiers] == ["negated", "exploratory", "intended"]


def test_bundled_codebook_is_valid_and_complete():
    book = load_codebook(DEFAULT_CODEBOOK)
    assert book.theme_ids == ("acknowledgement", "goals", "monitoring", "social_norm", "professionals",
                              "reporting_desk", "informing_students", "objective_matching")
    assert {p.id for p in book.checklist} == {"acknowledge_problem", "inform_students", "professionalise_staff",
                                              "assign_responsibility", "objective_criteria",
                                              "monitoring_beyond_reports"}
    for theme in book.themes:
        assert theme.label and theme.definition and theme.codes
    for point in book.checklist:
        assert point.label and ("Stagepact" in point.explanation or "Inspectie" in point.explanation)


def test_unknown_key_is_an_error_with_line_and_suggestion(tmp_path):
    message = error_of(tmp_path, MINI.replace("        patterns: [\"meldpunt*\"", "        pattern: [\"meldpunt*\""))
    line = MINI.splitlines().index('        patterns: ["meldpunt*", "*meldpunt"]') + 1
    assert f"book.yaml:{line}:" in message and "pattern" in message and "did you mean 'patterns'" in message


def test_duplicate_key_is_an_error(tmp_path):
    message = error_of(tmp_path, MINI.replace('version: "0.1"', 'version: "0.1"\nversion: "0.2"'))
    assert "book.yaml:3:" in message and "duplicate key 'version'" in message


def test_python_tags_are_refused_never_run(tmp_path):
    canary = tmp_path / "ran.txt"
    text = MINI.replace('description: A small codebook for the tests.',
                        f'description: !!python/object/apply:os.system ["touch {canary}"]')
    message = error_of(tmp_path, text)
    assert "not allowed" in message and not canary.exists()


def test_invalid_regex_is_rejected(tmp_path):
    message = error_of(tmp_path, MINI.replace("{regex: 'klik(ken)?\\b'}", "{regex: 'klik(ken'}"))
    assert "invalid regular expression" in message and "book.yaml:52:" in message


@pytest.mark.parametrize("regex", ["(a+)+$", "(\\w*\\s?)*x", "(x|xy)*(y+)+"])
def test_catastrophic_regex_is_rejected(tmp_path, regex):
    message = error_of(tmp_path, MINI.replace("{regex: 'klik(ken)?\\b'}", f"{{regex: '{regex}'}}"))
    assert "backtrack catastrophically" in message


def test_unknown_cue_reference(tmp_path):
    message = error_of(tmp_path, MINI.replace("exclude: [verzuim]", "exclude: [absentie]"))
    assert "absentie" in message and "not defined under cues" in message


def test_checklist_rule_must_name_existing_code(tmp_path):
    message = error_of(tmp_path, MINI.replace("lacks_code: objective", "lacks_code: objectief"))
    assert "has no code 'objectief'" in message


def test_bad_values(tmp_path):
    assert "scope must be sentence, paragraph, section, heading or column" in error_of(tmp_path, MINI.replace("scope: paragraph",
                                                                                     "scope: page"))
    assert "polarity must be positive or negative" in error_of(tmp_path, MINI.replace(
        "polarity: negative\n    patterns", "polarity: neutral\n    patterns"))
    assert "'*' may only stand" in error_of(tmp_path, MINI.replace('"meldpunt*"', '"meld*punt"'))
    assert "cannot start with '...'" in error_of(tmp_path, MINI.replace('"speelt ... niet"', '"... niet"'))


def test_missing_required_keys(tmp_path):
    assert "needs the key 'themes'" in error_of(tmp_path, "name: x\nversion: '1'\n")
    assert "not valid YAML" in error_of(tmp_path, "name: [unclosed\n")


def test_cli_validate_and_show():
    ok = runner.invoke(app, ["codebook", "validate", str(DATA / "mini.yaml")])
    assert ok.exit_code == 0 and "valid codebook mini 0.1: 3 themes, 9 patterns" in ok.output
    shown = runner.invoke(app, ["codebook", "show", str(DATA / "mini.yaml")])
    assert shown.exit_code == 0 and "reporting_desk" in shown.output and "achten wij niet nodig" in shown.output


def test_cli_validate_error_exit_code(tmp_path):
    bad = write(tmp_path, "name: x\n")
    result = runner.invoke(app, ["codebook", "validate", str(bad)])
    assert result.exit_code == 4 and "book.yaml" in result.output and "Traceback" not in result.output


def test_quanteda_dictionary_is_read(tmp_path):
    path = tmp_path / "dict.yml"
    path.write_text("melden:\n  - meldpunt*\n  - meldpunt stagediscriminatie\nnorm:\n  sociaal:\n"
                    "    - sociale norm\n", encoding="utf-8")
    book = load_codebook(path)
    assert book.theme_ids == ("melden", "norm")
    assert [p.source for p in book.code("melden", "main").patterns] == ["meldpunt*", "meldpunt stagediscriminatie"]
    assert book.code("norm", "sociaal").patterns[0].steps[1][0][0].value == "norm"
