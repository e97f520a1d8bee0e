"""Reports: golden files per format on the demo corpus, the JSON contract, status rules,
injection in every format, comparison of years, and the one-shot audit."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.codebook import load_codebook
from kwaliteitscan.pipeline.code import code_corpus
from kwaliteitscan.report.compare import compare
from kwaliteitscan.report.model import build_report, cell_for, Evidence, report_from_project
from kwaliteitscan.report.labels import md_escape
from kwaliteitscan.report.markdown import render_markdown
from kwaliteitscan.report.tables import render_csv, render_json, write_xlsx
from kwaliteitscan.project.store import Project

from ..conftest import CORPUS
from ..conftest import DATA_DIR

GOLDEN = DATA_DIR / "golden"
THEMES = ("acknowledgement", "goals", "monitoring", "social_norm", "professionals", "reporting_desk",
          "informing_students", "objective_matching")
POINTS = ("acknowledge_problem", "inform_students", "professionalise_staff", "assign_responsibility",
          "objective_criteria", "monitoring_beyond_reports")
runner = CliRunner()


#: the golden files pin a small fixture corpus, so a change shows as a readable diff: one institution
#: in two years and one agenda with many refusals
GOLDEN_DOCS = ("roc-noordkust-2024.pdf", "roc-noordkust-2026.pdf", "roc-zeestroom-2024.pdf")


@pytest.fixture(scope="session")
def golden_project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("golden")
    for name in GOLDEN_DOCS:
        shutil.copy(CORPUS / name, folder / name)
    rows = [line for line in (CORPUS / "manifest.csv").read_text(encoding="utf-8").splitlines(keepends=True)
            if line.startswith("file,") or line.split(",")[0] in GOLDEN_DOCS]
    (folder / "manifest.csv").write_text("".join(rows), encoding="utf-8")
    summary = code_corpus(folder, None, folder / "project.sqlite")
    return folder, summary.db


def _fixed_report(db, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1798934400")  # 2027-01-04: a fixed date for byte-identical files
    with Project(db) as project:
        report = report_from_project(project, load_codebook())
    report.pipeline = "PIPELINE"  # the spaCy version is not part of what the golden files pin
    return report


@pytest.fixture
def golden_report(golden_project, monkeypatch):
    return _fixed_report(golden_project[1], monkeypatch)


def _golden(name: str, text: str, request) -> None:
    path = GOLDEN / name
    if request.config.getoption("--update-golden") or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not request.config.getoption("--update-golden"):
            pytest.fail(f"{path} did not exist and was written; check it and run again")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; run pytest --update-golden if intended"


@pytest.mark.parametrize("name, render", [("report.md", render_markdown), ("report.csv", render_csv),
                                          ("report.json", render_json)])
def test_golden_files(golden_report, request, name, render):
    _golden(name, render(golden_report), request)


def test_golden_html(golden_report, request):
    from kwaliteitscan.report.html import render_html

    _golden("report.html", render_html(golden_report), request)


def test_json_contract(demo_report):
    data = json.loads(render_json(demo_report))
    assert set(data) == {"contract", "codebook", "pipeline", "summary", "institutions"} and data["contract"] == 3
    # agendas and institutions are counted apart: two institutions have an agenda of 2024 and one of 2026
    assert (data["summary"]["agendas"], data["summary"]["institutions"]) == (41, 39)
    assert sum(data["summary"]["agendas_per_year"].values()) == 41 and len(data["summary"]["agendas_per_year"]) == 2
    assert data["summary"]["lines"][0].startswith("41 agenda's van 39 instellingen (2024: ")
    assert set(data["codebook"]) == {"name", "version", "sha256"} and len(data["codebook"]["sha256"]) == 64
    assert isinstance(data["pipeline"], str)
    assert len(data["institutions"]) == 41
    for inst in data["institutions"]:
        assert set(inst) == {"institution", "year", "documents", "themes", "checklist", "search", "figures"}
        assert inst["search"] is None  # nobody has worked a review queue in the demo project
        # contract 3: the figures an agenda is ranked by, counted from the cells and the checklist
        assert inst["figures"] == {
            "themes_present": sum(c["status"] == "present" for c in inst["themes"].values()),
            "themes_reviewed": sum(c["reviewed"] for c in inst["themes"].values()),
            "checklist_applies": sum(c["applies"] for c in inst["checklist"])}
        assert isinstance(inst["institution"], str) and (inst["year"] is None or isinstance(inst["year"], int))
        assert all(isinstance(d, str) for d in inst["documents"])
        assert tuple(inst["themes"]) == THEMES
        for cell in inst["themes"].values():
            assert set(cell) == {"status", "reviewed", "evidence"}
            assert cell["status"] in ("present", "absent", "unclear") and isinstance(cell["reviewed"], bool)
            for ev in cell["evidence"]:
                assert set(ev) == {"candidate_id", "document", "page", "text", "polarity", "qualifiers", "decision"}
                assert isinstance(ev["page"], int) and ev["polarity"] in ("positive", "negative")
                assert ev["decision"] in ("pending", "confirmed", "rejected", "uncertain")
        assert tuple(c["id"] for c in inst["checklist"]) == POINTS
        assert all(set(c) == {"id", "applies", "reason"} and isinstance(c["applies"], bool) for c in inst["checklist"])


def test_before_review_statuses_are_the_suggestions(demo_report):
    from kwaliteitscan.report.status import statuses

    for inst in demo_report.institutions:
        evidence = [e for cell in inst.themes.values() for e in cell.evidence]
        assert {t: c.status for t, c in inst.themes.items()} == statuses(demo_report.codebook, evidence)
        assert not any(c.reviewed for c in inst.themes.values())


# --------------------------------------------------------------------------- status rules


def ev(decision="pending", polarity="positive", weak=False, theme="goals", cid="x"):
    return Evidence(cid, "d.pdf", 1, "tekst", "tekst", theme, ("c",), polarity, (), decision, weak or decision == "uncertain")


@pytest.mark.parametrize("evidence, status, state, reviewed", [
    ([], "absent", "no_candidates", False),
    ([ev("rejected"), ev("rejected", cid="y")], "absent", "all_rejected", True),
    ([ev()], "unclear", "not_reviewed", False),  # one unreviewed suggestion is not enough for 'present'
    ([ev(), ev(cid="y")], "unclear", "not_reviewed", False),  # nor two (SUGGESTED_PRESENT_MIN, codebook 1.9)
    ([ev(), ev(cid="y"), ev(cid="v")], "present", "not_reviewed", False),
    ([ev(), ev(cid="y"), ev(cid="v"), ev(polarity="negative", cid="z"), ev(polarity="negative", cid="w"),
      ev(polarity="negative", cid="u")], "unclear", "not_reviewed", False),  # as many refusals as hits: contested
    ([ev("confirmed"), ev(cid="y")], "present", "partly_reviewed", False),
    ([ev("confirmed")], "present", "reviewed", True),
    ([ev("uncertain")], "unclear", "reviewed", True),
    ([ev(weak=True)], "unclear", "not_reviewed", False),
    ([ev("confirmed", polarity="negative")], "absent", "reviewed", True),
    ([ev("rejected"), ev("confirmed", polarity="negative", cid="y")], "absent", "reviewed", True),
])
def test_status_rules(evidence, status, state, reviewed):
    cell = cell_for("goals", evidence)
    assert (cell.status, cell.state, cell.reviewed) == (status, state, reviewed)


@pytest.mark.parametrize("evidence, status, words", [
    ([], "absent", "geen passage gevonden"),
    ([ev(polarity="negative")], "absent", "ontkennen, afzwakken of afwijzen"),
    ([ev(weak=True)], "unclear", "alleen zwak of onzeker bewijs"),
    ([ev(), ev(cid="y")], "unclear", "maar 2 passages met stevig bewijs; zonder codeur telt een thema pas als aanwezig "
                                     "bij ten minste 3"),
    ([ev(), ev(cid="y"), ev(cid="v"), ev(polarity="negative", cid="z"), ev(polarity="negative", cid="w"),
      ev(polarity="negative", cid="u")], "unclear", "3 passages met stevig bewijs, maar 3 passages die het afzwakken"),
    ([ev(), ev(cid="y"), ev(cid="v"), ev(polarity="negative", cid="z")], "present",
     "3 passages met stevig bewijs, tegen 1 passage die het afzwakt of afwijst"),
    ([ev("confirmed")], "present", "bevestigd door een codeur"),
])
def test_every_status_says_why_in_dutch(evidence, status, words):
    cell = cell_for("goals", evidence)
    assert cell.status == status and words in cell.reason


def test_decisions_change_the_report(tmp_path, demo_project):
    folder, db = demo_project
    work = tmp_path / "p.sqlite"
    shutil.copy(db, work)
    with Project(work) as project:
        cands = [c for c in project.candidates() if c["institution"] == "ROC Middenveld"
                 and c["theme"] == "reporting_desk"]
        for c in cands:
            project.add_decision(c, "anna", "rejected")
        moved = next(c for c in project.candidates() if c["institution"] == "AOC Groenrijk")
        project.add_decision(moved, "anna", "confirmed", theme="social_norm", polarity="positive")
        report = report_from_project(project, load_codebook(), coder="anna")
        other = report_from_project(project, load_codebook(), coder="bram")
    cell = next(i for i in report.institutions if i.institution == "ROC Middenveld").themes["reporting_desk"]
    assert (cell.status, cell.state, cell.reviewed) == ("absent", "all_rejected", True)
    norm = next(i for i in report.institutions if i.institution == "AOC Groenrijk").themes["social_norm"]
    assert norm.status == "present" and any(e.decision == "confirmed" for e in norm.evidence)
    assert next(i for i in other.institutions if i.institution == "ROC Middenveld").themes[
        "reporting_desk"].status == "present"  # bram decided nothing: suggestions


# --------------------------------------------------------------------------- injection

EVIL = ["=HYPERLINK(\"http://x\",\"klik\")", "<script>alert(1)</script>", "| kolom | [link](javascript:alert(1)) `code`",
        "![beacon](http://evil/x.png)", "@SUM(1+1)", "\tTAB", "+31 6 1234"]


def evil_report():
    book = load_codebook()
    cands = [dict(id=f"c{i}", file=f"evil{i}.pdf", institution=f"ROC {text}", year=2024, page=1, passage=text,
                  context=text, theme="acknowledgement", codes=["general"], polarity="positive", qualifiers=[],
                  weak=False) for i, text in enumerate(EVIL)]
    docs = [dict(file=c["file"], institution=c["institution"], year=2024) for c in cands]
    return build_report(book, "p", cands, docs, {}, "suggestions")


def test_injection_csv_and_xlsx(tmp_path):
    report = evil_report()
    for row in csv.reader(io.StringIO(render_csv(report))):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    path = tmp_path / "r.xlsx"
    write_xlsx(report, path)
    from openpyxl import load_workbook

    for ws in load_workbook(path).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.value
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t")), cell.value


def test_injection_markdown():
    text = render_markdown(evil_report())
    assert "[link](javascript" not in text and "![beacon]" not in text and "<script>" not in text
    assert "\\| kolom \\|" in text and "\\`code\\`" in text and "javascript&#58;" in text
    assert md_escape("a|b") == "a\\|b" and md_escape("[x](y)") == "\\[x\\](y)"
    # every table row keeps its column count
    rows = [line for line in text.splitlines() if line.startswith("| p. ")]
    assert rows and all(line.replace("\\|", "").count("|") == 7 for line in rows)


def test_injection_html():
    from kwaliteitscan.report.html import render_html

    html = render_html(evil_report())
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html and "src=" not in html


def test_injection_terminal():
    from rich.console import Console

    from kwaliteitscan.report.terminal import render_terminal

    report = evil_report()
    report.institutions[0].institution = "ROC \x1b]0;pwned\x07\x1b[31mrood\u202e"
    buffer = io.StringIO()
    render_terminal(report, Console(file=buffer, width=200, color_system=None))
    assert "\x1b" not in buffer.getvalue() and "\u202e" not in buffer.getvalue()


# --------------------------------------------------------------------------- cli, compare, audit


@pytest.mark.parametrize("fmt", ["terminal", "md", "html", "csv", "json"])
def test_report_cli_formats(demo_project, fmt):
    folder, db = demo_project
    result = runner.invoke(app, ["report", str(folder), "--db", str(db), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert "ROC Middenveld" in result.output


def test_report_cli_xlsx_needs_out_and_final_vs_coder(demo_project, tmp_path):
    folder, db = demo_project
    assert runner.invoke(app, ["report", str(folder), "--db", str(db), "-f", "xlsx"]).exit_code == 2
    assert runner.invoke(app, ["report", str(folder), "--db", str(db), "--final", "--coder", "a"]).exit_code == 2
    out = tmp_path / "r.xlsx"
    assert runner.invoke(app, ["report", str(folder), "--db", str(db), "-f", "xlsx", "-o", str(out)]).exit_code == 0
    from openpyxl import load_workbook

    assert load_workbook(out).sheetnames == ["overzicht", "bewijs", "verbeterpunten", "samenvatting", "toelichting"]


def test_compare_years(demo_report, demo_project):
    comparisons, shift = compare(demo_report, 2024, 2026)
    assert [c.institution for c in comparisons] == ["ROC Meerhaven", "ROC Noordkust"]
    changes = {ch.id: ch for ch in comparisons[1].changes}
    assert set(changes) == set(THEMES) | set(POINTS)
    for ch in changes.values():
        assert ch.change in ("improved", "regressed", "unchanged")
    social = changes["social_norm"]
    assert social.before == "absent" and social.after == "present" and social.change == "improved"
    by_inst = [{ch.id: ch for ch in c.changes}["social_norm"] for c in comparisons]
    assert shift["social_norm"] == (sum(ch.before == "present" for ch in by_inst),
                                    sum(ch.after == "present" for ch in by_inst))  # present in 2024, in 2026
    folder, db = demo_project
    result = runner.invoke(app, ["compare", str(folder), "--db", str(db), "--years", "2024,2026", "-f", "json"])
    data = json.loads(result.output)
    assert data["years"] == [2024, 2026] and data["institutions"][1]["institution"] == "ROC Noordkust"
    md = runner.invoke(app, ["compare", str(folder), "--db", str(db), "--years", "2024,2026", "-f", "md"]).output
    assert "verbeterd" in md and "Bewijs naast elkaar" in md


def test_audit_one_agenda(tmp_path):
    pdf = tmp_path / "roc-noordkust-2024.pdf"
    shutil.copy(CORPUS / "roc-noordkust-2024.pdf", pdf)
    result = runner.invoke(app, ["audit", str(pdf)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("Wat kan er beter?") < out.index("Wat is in orde")  # the checklist comes first
    assert "suggesties" in out and "Studenten informeren over stagediscriminatie" in out
    assert not list(tmp_path.glob("*.sqlite"))  # no project was set up
    data = json.loads(runner.invoke(app, ["audit", str(pdf), "-f", "json"]).output)
    assert data["institution"] == "ROC Noordkust"
    bad = runner.invoke(app, ["audit", str(tmp_path / "geen.pdf")])
    assert bad.exit_code == 3 and "geen.pdf" in bad.output


def test_the_report_says_how_far_each_agendas_queue_was_worked(tmp_path, make_pdf):
    from kwaliteitscan.review.session import ReviewSession

    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf("# 3 Stage\n\nWij erkennen dat stagediscriminatie bij onze leerbedrijven voorkomt.\n\n"
             "De kantine is open van acht tot vier.", name="corpus/roc-aap-2024.pdf")
    db = code_corpus(folder, None, jobs=1).db
    with Project(db) as project:
        ReviewSession(project, "ann", book=load_codebook(), codebook_version="t").confirm()
    result = runner.invoke(app, ["report", str(folder), "--coder", "ann", "--format", "json"])
    search = json.loads(result.output)["institutions"][0]["search"]
    assert "nog niet tot de stopregel" in search and "(ann)" in search
    md = runner.invoke(app, ["report", str(folder), "--format", "md"]).output
    assert "Zoektocht: de beoordelingswachtrij is nog niet tot de stopregel doorgewerkt" in md


def test_report_xlsx_is_dutch_coloured_filterable_and_frozen(demo_report, tmp_path):
    from openpyxl import load_workbook

    from kwaliteitscan.report.tables import STATUS_FILL

    out = tmp_path / "rapport.xlsx"
    write_xlsx(demo_report, out)
    wb = load_workbook(out)
    for ws in wb.worksheets:
        assert ws.freeze_panes == "B2" and ws.auto_filter.ref, ws.title  # header row and first column frozen
    ws = wb["overzicht"]
    head = [c.value for c in ws[1]]
    assert head[:5] == ["instelling", "jaar", "thema's aanwezig", "thema's beoordeeld", "verbeterpunten"]
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{len(demo_report.institutions) + 1}"
    for inst, row in zip(demo_report.institutions, ws.iter_rows(min_row=2)):
        assert row[1].value == inst.year and row[1].data_type == "n"  # the year is a number
        figures = inst.figures()
        assert [c.value for c in row[2:5]] == [figures[k] for k in ("themes_present", "themes_reviewed",
                                                                   "checklist_applies")]
        for theme, cell in zip(demo_report.codebook.themes, row[5:]):
            assert cell.fill.fgColor.rgb.endswith(STATUS_FILL[inst.themes[theme.id].status])
    values = {str(c.value) for sheet in wb.worksheets for row in sheet.iter_rows() for c in row if c.value is not None}
    english = {"positive", "negative", "confirmed", "rejected", "pending", "uncertain", "present", "absent", "unclear"}
    assert not values & english
    assert {"positief", "nog niet beoordeeld (suggestie)"} <= values
    points = wb["verbeterpunten"]
    applying = [r for r in points.iter_rows(min_row=2) if r[3].value == "ja"]
    assert applying and all(r[3].fill.fgColor.rgb.endswith("F7E0E0") for r in applying)
