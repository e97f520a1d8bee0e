"""Institutions and years a user recognises, from file names as schools give them."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.extract.corpus import corpus_entries, drop_concepts, guess_institution, guess_year

runner = CliRunner()


@pytest.mark.parametrize("name, institution, year", [
    ("Kwaliteitsagenda 2024-2027 ROC Duinrand (definitief).pdf", "ROC Duinrand", 2024),
    ("Kwaliteitsagenda ROC Noordkust 2024.pdf", "ROC Noordkust", 2024),
    ("roc-noordkust-2026.pdf", "ROC Noordkust", 2026),
    ("KA_Vakcollege-Lek_2024-2027_v3.pdf", "Vakcollege Lek", 2024),
    ("aoc-groenrijk-2024-concept.pdf", "AOC Groenrijk", 2024),
    ("ROC Rijn en Gouwe kwaliteitsagenda 2024 tm 2027 versie 2.pdf", "ROC Rijn en Gouwe", 2024),
])
def test_names_and_years_from_file_names(name, institution, year):
    assert (guess_institution(name), guess_year(name)) == (institution, year)


def test_a_concept_beside_its_final_version_is_left_out_and_named(tmp_path):
    (tmp_path / "archief").mkdir()
    final = tmp_path / "Kwaliteitsagenda ROC Duinrand 2024-2027.pdf"
    concept = tmp_path / "archief" / "roc-duinrand-2024-concept.pdf"
    other = tmp_path / "roc-zeekant-2024-concept.pdf"  # only a concept: it is the agenda
    for path in (final, concept, other):
        path.write_bytes(b"%PDF-1.4\n")
    kept, notes = drop_concepts(tmp_path, corpus_entries(tmp_path, [final, concept, other]))
    assert [e.path for e in kept] == sorted([final, other], key=str)
    assert len(notes) == 1 and "roc-duinrand-2024-concept.pdf" in notes[0] and "left out" in notes[0]


def test_manifest_writes_the_guesses_and_code_prints_them(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf("# 1 Inleiding\n\nStagediscriminatie komt voor.", name="corpus/Kwaliteitsagenda 2024-2027 ROC Aap.pdf")
    coded = runner.invoke(app, ["code", str(folder)])
    assert coded.exit_code == 0, coded.output
    assert "guessed from the file names" in coded.output and "ROC Aap" in coded.output
    assert runner.invoke(app, ["manifest", str(folder)]).exit_code == 0
    with open(folder / "manifest.csv", encoding="utf-8") as handle:
        assert list(csv.DictReader(handle)) == [
            {"file": "Kwaliteitsagenda 2024-2027 ROC Aap.pdf", "institution": "ROC Aap", "year": "2024"}]
    again = runner.invoke(app, ["manifest", str(folder)])
    assert again.exit_code == 3 and "--force" in again.output
    assert "guessed from the file names" not in runner.invoke(app, ["code", str(folder)]).output


def test_audit_takes_the_name_and_year(tmp_path, make_pdf):
    pdf = make_pdf("# 3 Stage\n\nWij erkennen dat stagediscriminatie bij ons voorkomt.", name="concept-v2.pdf")
    result = runner.invoke(app, ["audit", str(pdf), "--institution", "ROC Beekzicht", "--year", "2024"])
    # one sentence is no agenda: the audit is written, with a warning and exit code 11 (NOT_AN_AGENDA)
    assert result.exit_code == 11, result.output
    assert "Zelfevaluatie ROC Beekzicht 2024" in result.output
