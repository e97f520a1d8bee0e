"""One meaning per option across commands: --final, --coder, the corpus argument, and the one
error handler that turns every library error into one line and its exit code."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.pipeline.code import code_corpus
from kwaliteitscan.project import Project

from ..conftest import DATA_DIR

runner = CliRunner()
BODY = """# 3 Stagediscriminatie

Wij erkennen dat stagediscriminatie een probleem is bij onze leerbedrijven.

Een apart meldpunt voor discriminatie achten wij niet nodig.

Bedrijven kiezen een student op de klik.
"""


@pytest.fixture
def coded(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf(BODY, name="corpus/roc-aap-2024.pdf")
    summary = code_corpus(folder, DATA_DIR / "mini.yaml", jobs=1)
    with Project(summary.db) as project:
        first, second, third = project.candidates()[:3]
        for coder in ("anna", "bram"):  # agreed on the first
            project.add_decision(first, coder, "confirmed")
        project.add_decision(second, "anna", "confirmed")  # disagreed on the second, resolved by the lead
        project.add_decision(second, "bram", "rejected")
        project.add_decision(second, "lead", "rejected", role="final")
        project.add_decision(third, "anna", "confirmed")  # only one coder: not final
        ids = first["id"], second["id"], third["id"]
    return folder, ids


def test_final_means_resolved_else_agreed_in_report_and_export(coded):
    folder, (agreed, resolved, single) = coded
    report = json.loads(runner.invoke(app, ["report", str(folder), "--final", "--format", "json"]).output)
    in_report = {ev["candidate_id"]: ev["decision"] for inst in report["institutions"]
                 for cell in inst["themes"].values() for ev in cell["evidence"]}
    exported = runner.invoke(app, ["export", str(folder), "--final", "--format", "csv"]).output
    in_export = {row["id"]: row["decision"] for row in csv.DictReader(io.StringIO(exported))}
    expected = {agreed: "confirmed", resolved: "rejected", single: "pending"}
    assert {cid: in_export[cid] or "pending" for cid in expected} == expected
    assert {cid: in_report.get(cid, "rejected") for cid in expected} == expected  # rejected is no evidence


@pytest.mark.parametrize("command", [["report"], ["export", "--format", "csv"]])
def test_final_and_coder_together_is_a_usage_error_everywhere(coded, command):
    folder, _ = coded
    result = runner.invoke(app, [command[0], str(folder), *command[1:], "--final", "--coder", "anna"])
    assert result.exit_code == 2
    assert "--coder NAME" in result.output and "--final" in result.output


@pytest.mark.parametrize("command", ["report", "export", "agreement", "integrity", "review", "compare"])
def test_the_corpus_is_the_first_argument_and_a_missing_project_is_one_line(tmp_path, command):
    extra = {"agreement": ["--coders", "a,b"], "review": ["--coder", "a"], "compare": ["--years", "2024,2026"]}
    result = runner.invoke(app, [command, str(tmp_path), *extra.get(command, [])])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "no project yet" in result.output


def test_import_takes_the_corpus_first_too(coded, tmp_path):
    folder, _ = coded
    sheet = tmp_path / "sheet.csv"
    assert runner.invoke(app, ["export", str(folder), "--format", "csv", "--coder", "anna", "--out",
                               str(sheet)]).exit_code == 0
    result = runner.invoke(app, ["import", str(folder), str(sheet), "--coder", "anna"])
    assert result.exit_code == 0, result.output
    assert "decision(s) of anna imported" in result.output


def test_library_errors_of_a_subcommand_pass_the_one_handler(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nthemes: [", encoding="utf-8")
    result = runner.invoke(app, ["codebook", "validate", str(bad)])
    assert result.exit_code == 4
    assert result.output.startswith("error:") and "Traceback" not in result.output



def test_an_export_without_coder_carries_no_decisions_and_import_refuses_anothers(coded, tmp_path):
    folder, (agreed, _, _) = coded
    plain = tmp_path / "plain.csv"
    assert runner.invoke(app, ["export", str(folder), "--format", "csv", "--out", str(plain)]).exit_code == 0
    with open(plain, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["decision"] for r in rows} == {""} and {r["coder"] for r in rows} == {""}
    everyone = tmp_path / "all.csv"
    assert runner.invoke(app, ["export", str(folder), "--format", "csv", "--all-coders", "--out",
                               str(everyone)]).exit_code == 0
    refused = runner.invoke(app, ["import", str(folder), str(everyone), "--coder", "fred"])
    assert refused.exit_code == 3 and "not of fred" in refused.output
    with Project(folder / "kwaliteitscan.sqlite") as project:
        assert project.latest_decisions("fred") == {}  # nothing of anna's or bram's became fred's
    forced = runner.invoke(app, ["import", str(folder), str(everyone), "--coder", "fred", "--force"])
    assert forced.exit_code == 0 and "--force" in forced.output


def test_import_reads_a_csv_saved_by_dutch_excel(coded, tmp_path):
    folder, (agreed, _, _) = coded
    sheet = tmp_path / "mine.csv"
    assert runner.invoke(app, ["export", str(folder), "--format", "csv", "--coder", "anna", "--out",
                               str(sheet)]).exit_code == 0
    with open(sheet, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[-1]["decision"], rows[-1]["note"] = "rejected", "geen bewijs, één zin"
    excel = tmp_path / "excel.csv"
    with open(excel, "w", newline="", encoding="cp1252") as handle:  # what Dutch Excel saves: ';' and cp1252
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows({k: v.encode("cp1252", "replace").decode("cp1252") for k, v in r.items()} for r in rows)
    result = runner.invoke(app, ["import", str(folder), str(excel), "--coder", "anna"])
    assert result.exit_code == 0, result.output
    assert "CSV, cp1252, separated by ';'" in result.output
    with Project(folder / "kwaliteitscan.sqlite") as project:
        assert project.latest_decisions("anna")[rows[-1]["id"]]["note"] == "geen bewijs, één zin"



@pytest.mark.parametrize("coders, message", [("anna,anna", "twice"), ("anna,zoe", "'zoe' has made no decisions")])
def test_agreement_refuses_a_coder_named_twice_or_without_decisions(coded, coders, message):
    folder, _ = coded
    result = runner.invoke(app, ["agreement", str(folder), "--coders", coders])
    assert result.exit_code == 2 and message in result.output


def test_agreement_in_every_format_with_ids_full_labels_and_whole_words(coded, tmp_path):
    folder, (_, resolved, _) = coded
    data = json.loads(runner.invoke(app, ["agreement", str(folder), "--coders", "anna,bram", "-f", "json"]).output)
    ids = [d["candidate_id"] for d in data["disagreements"] if d["level"] == "candidate"]
    assert resolved in ids
    md_file = tmp_path / "agreement.md"
    assert runner.invoke(app, ["agreement", str(folder), "--coders", "anna,bram", "-f", "md", "--out",
                               str(md_file)]).exit_code == 0
    md = md_file.read_text(encoding="utf-8")
    assert f"`{resolved}`" in md and "| alle thema's |" in md
    csv_rows = list(csv.DictReader(io.StringIO(runner.invoke(
        app, ["agreement", str(folder), "--coders", "anna,bram", "-f", "csv"]).output)))
    assert {r["candidate_id"] for r in csv_rows} >= {resolved}
    terminal = runner.invoke(app, ["agreement", str(folder), "--coders", "anna,bram"]).output
    assert "Meldpunt" in terminal and resolved in terminal


def test_quotes_are_cut_at_a_word_boundary():
    from kwaliteitscan.review.agreement import shorten

    text = "Een apart meldpunt voor discriminatie achten wij niet nodig omdat de vertrouwenspersoon er al is."
    short = shorten(text, 40)
    assert short.endswith(" …") and text.startswith(short[:-2]) and len(short) <= 42
    assert shorten("kort", 40) == "kort"


def test_review_names_an_institution_it_does_not_know_instead_of_saying_nothing_is_left(coded):
    folder, _ = coded
    result = runner.invoke(app, ["review", str(folder), "--coder", "anna", "--institution", "roc aap"])
    assert result.exit_code == 2 and "did you mean 'ROC Aap'?" in result.output
    other = runner.invoke(app, ["review", str(folder), "--coder", "anna", "--institution", "ROC Zee"])
    assert other.exit_code == 2 and "the project has: ROC Aap" in other.output
