"""`compare`: years in time order, who lacks a year, the years that exist when none match,
evidence counts beside each status, and every format (terminal, md, json, html, xlsx)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.errors import UsageError
from kwaliteitscan.report.compare import build_comparison, render_compare_html, render_compare_markdown
from kwaliteitscan.report.labels import cut_at_word

runner = CliRunner()


def _cli(demo_project, *args):
    folder, db = demo_project
    return runner.invoke(app, ["compare", str(folder), "--db", str(db), *args])


def test_the_years_are_put_in_order(demo_report):
    ordered = build_comparison(demo_report, 2024, 2026)
    reversed_ = build_comparison(demo_report, 2026, 2024)
    assert (reversed_.first, reversed_.second) == (2024, 2026)
    assert render_compare_markdown(reversed_) == render_compare_markdown(ordered)
    # an improvement stays an improvement: social norm absent in 2024, present in 2026 at ROC Noordkust
    noordkust = next(c for c in reversed_.institutions if c.institution == "ROC Noordkust")
    social = next(ch for ch in noordkust.changes if ch.id == "social_norm")
    assert (social.before, social.after, social.change) == ("absent", "present", "improved")


def test_institutions_with_one_year_only_are_named(demo_report, demo_project):
    comp = build_comparison(demo_report, 2024, 2026)
    both = {c.institution for c in comp.institutions}
    first = {i.institution for i in demo_report.institutions if i.year == 2024}
    second = {i.institution for i in demo_report.institutions if i.year == 2026}
    assert set(comp.only_first) == first - both and set(comp.only_second) == second - both
    assert comp.only_first and comp.only_second  # the demo corpus has both kinds
    for fmt in ("terminal", "md", "html"):
        out = " ".join(_cli(demo_project, "--years", "2024,2026", "-f", fmt).output.split())  # the terminal wraps
        assert "Alleen een agenda van 2026, niet van 2024" in out
        for name in comp.only_second:
            assert name in out
    data = json.loads(_cli(demo_project, "--years", "2026,2024", "-f", "json").output)
    assert data["years"] == [2024, 2026] and data["only_second_year"] == comp.only_second


def test_no_match_lists_the_years_that_exist(demo_project, demo_report):
    result = _cli(demo_project, "--years", "2024,2025")
    assert result.exit_code == 2
    assert "no agendas of 2025" in result.output and "2024 (" in result.output and "2026 (" in result.output
    assert _cli(demo_project, "--years", "2024,2024").exit_code == 2
    with pytest.raises(UsageError, match="years with agendas"):
        build_comparison(demo_report, 2023, 2026)


def test_each_theme_shows_its_evidence_count_in_both_years(demo_report, demo_project):
    comp = build_comparison(demo_report, 2024, 2026)
    meerhaven = next(c for c in comp.institutions if c.institution == "ROC Meerhaven")
    goals = next(ch for ch in meerhaven.changes if ch.id == "goals")
    # 'gelijk' in status, but not in evidence: the counts say so
    assert goals.change == "unchanged" and goals.count_before != goals.count_after
    assert goals.count_before == len(goals.evidence_before) and goals.count_after == len(goals.evidence_after)
    md = render_compare_markdown(comp)
    assert f"| aanwezig ({goals.count_before} fragmenten) | aanwezig ({goals.count_after} fragmenten) | gelijk |" in md
    data = json.loads(_cli(demo_project, "--years", "2024,2026", "-f", "json").output)
    row = next(ch for i in data["institutions"] if i["institution"] == "ROC Meerhaven" for ch in i["changes"]
               if ch["id"] == "goals")
    assert (row["count_before"], row["count_after"]) == (goals.count_before, goals.count_after)
    terminal = _cli(demo_project, "--years", "2024,2026").output  # the default format is the terminal
    assert "n = aantal fragmenten" in terminal and "verbeterd" in terminal


def test_quotes_are_cut_at_a_word():
    text = "stagediscriminatie " * 40
    cut = cut_at_word(text, 50)
    assert cut.endswith(" …") and cut[:-2].split() == ["stagediscriminatie"] * 2
    assert cut_at_word("kort", 50) == "kort"


def test_compare_html_is_self_contained(demo_report):
    html = render_compare_html(build_comparison(demo_report, 2024, 2026))
    assert html.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in html
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert 'class="improved">verbeterd' in html


def test_compare_xlsx(demo_project, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "vergelijking.xlsx"
    result = _cli(demo_project, "--years", "2026,2024", "--out", str(out))  # the format from the extension
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    ws = wb["vergelijking"]
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref
    header = [c.value for c in ws[1]]
    assert header[3:5] == ["status 2024", "fragmenten 2024"]
    values = {c.value for row in ws.iter_rows(min_row=2) for c in row}
    assert {"verbeterd", "gelijk", "aanwezig"} <= values and not values & {"improved", "present", "absent"}
    improved = [row[7] for row in ws.iter_rows(min_row=2) if row[7].value == "verbeterd"]
    assert improved and all(c.fill.fgColor.rgb.endswith("DCEFDC") for c in improved)
    missing = wb["niet vergeleken"]
    assert all(isinstance(row[1].value, int) for row in missing.iter_rows(min_row=2))
    assert _cli(demo_project, "--years", "2024,2026", "-f", "xlsx").exit_code == 2  # xlsx needs --out
