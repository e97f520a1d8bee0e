"""The HTML report: structure, output safety, and a real headless-browser render (chromium)."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import signal
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kwaliteitscan.codebook import load_codebook
from kwaliteitscan.report.html import CSP, esc, hyphenate, render_html
from kwaliteitscan.report.model import STATE_NL, STATUS_NL, build_report

from ..browser import CHROMIUM, chromium

BOOK = load_codebook()
DANGEROUS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{7*7}}", "javascript:alert(1)"]


# --------------------------------------------------------------------------- realistic data


def _cand(cid, file, inst, year, page, theme, codes, passage, polarity="positive", qualifiers=(), weak=False):
    return dict(id=cid, file=file, institution=inst, year=year, page=page, passage=passage,
                context="Uit de paragraaf over stagediscriminatie.", theme=theme, codes=list(codes),
                polarity=polarity, qualifiers=list(qualifiers), weak=weak)


def _dec(decision, theme, polarity="positive", coder="anna", note=""):
    return dict(decision=decision, theme=theme, polarity=polarity, coder=coder, note=note)


def realistic_report():
    """Three institutions with every status and every review state somewhere in the matrix."""
    a, fa = "ROC Rivierenland", "roc-rivierenland-2024.pdf"
    b, fb = "Grafisch Lyceum Zuid", "glz-kwaliteitsagenda-2024.pdf"
    c, fc = "AOC Groene Delta", "aoc-groene-delta-2026.pdf"
    cands = [
        _cand("a1", fa, a, 2024, 12, "acknowledgement", ["general", "own_school"],
              "Stagediscriminatie komt ook bij onze studenten voor, zowel bij het zoeken naar een stage als op "
              "de werkvloer. Wij accepteren dat niet."),
        _cand("a2", fa, a, 2024, 14, "goals", ["target", "responsibility"],
              "Eind 2027 heeft elk team een aanpak tegen stagediscriminatie; de directeur onderwijs is "
              "eigenaar van deze ambitie.", qualifiers=["intended"]),
        _cand("a3", fa, a, 2024, 15, "monitoring", ["reports_only"],
              "Wij volgen het aantal meldingen van stagediscriminatie per kwartaal."),
        _cand("a4", fa, a, 2024, 15, "social_norm", ["norm"],
              "Het college van bestuur spreekt jaarlijks uit dat discriminatie bij ons en bij onze "
              "leerbedrijven niet wordt geaccepteerd."),
        _cand("a5", fa, a, 2024, 16, "social_norm", ["conduct"],
              "Leerbedrijven ondertekenen een gedragscode."),
        _cand("a6", fa, a, 2024, 17, "professionals", ["training"],
              "Alle bpv-begeleiders volgen in 2025 een training over het herkennen en bespreken van "
              "stagediscriminatie.", qualifiers=["intended"]),
        _cand("a7", fa, a, 2024, 18, "reporting_desk", ["desk", "reporting"],
              "Studenten kunnen stagediscriminatie melden bij het meldpunt; de vertrouwenspersoon neemt "
              "binnen twee werkdagen contact op."),
        _cand("a8", fa, a, 2024, 21, "objective_matching", ["unspecified"],
              "Wij matchen vraag en aanbod op de regionale arbeidsmarkt."),
        _cand("b1", fb, b, 2024, 7, "acknowledgement", ["playing_down"],
              "Stagediscriminatie speelt bij ons nauwelijks; het hangt sterk af van de branche.",
              polarity="negative", qualifiers=["negated"]),
        _cand("b2", fb, b, 2024, 9, "goals", ["generic"],
              "Wij onderschrijven de doelen van het Stagepact mbo.", weak=True),
        _cand("b3", fb, b, 2024, 11, "monitoring", ["survey"],
              "Mogelijk nemen wij vragen over discriminatie op in de JOB-monitor.", qualifiers=["exploratory"]),
        _cand("b4", fb, b, 2024, 12, "reporting_desk", ["general_route"],
              "Voor alle zorgen kunnen studenten terecht bij hun loopbaanbegeleider."),
        _cand("c1", fc, c, 2026, 4, "acknowledgement", ["general"],
              "Stagediscriminatie is een hardnekkig probleem in het mbo."),
        _cand("c2", fc, c, 2026, 22, "informing_students", ["informing"],
              "In de voorbereiding op de bpv krijgen alle eerstejaars een les over stagediscriminatie: wat het "
              "is, hoe je het herkent en waar je het meldt."),
        _cand("c3", fc, c, 2026, 23, "objective_matching", ["objective"],
              "Vanaf 2025 koppelen twee teams eerstejaars bol-studenten op hun leerwens aan een leerbedrijf."),
        _cand("c4", fc, c, 2026, 30, "monitoring", ["survey", "baseline"],
              "In 2025 houden wij een nulmeting naar ervaringen met discriminatie tijdens de stage."),
    ]
    docs = [dict(file=fa, institution=a, year=2024), dict(file=fb, institution=b, year=2024),
            dict(file=fc, institution=c, year=2026)]
    decisions = {
        "a1": _dec("confirmed", "acknowledgement"), "a2": _dec("confirmed", "goals"),
        "a3": _dec("confirmed", "monitoring"), "a4": _dec("confirmed", "social_norm"),
        "a7": _dec("confirmed", "reporting_desk", note="Meldpunt is specifiek voor stagediscriminatie."),
        "a8": _dec("rejected", "objective_matching", coder="bram", note="Arbeidsmarkt, geen stagematching."),
        "b1": _dec("confirmed", "acknowledgement", polarity="negative"),
        "b3": _dec("uncertain", "monitoring", coder="bram"),
        "c2": _dec("confirmed", "informing_students"), "c3": _dec("confirmed", "objective_matching"),
    }
    return build_report(BOOK, "blank:nl", cands, docs, decisions, "latest")


# --------------------------------------------------------------------------- a small HTML reader


class _Reader(HTMLParser):
    """Collects tags with attributes, script bodies, the text of every matrix cell, and all text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.cells: list[str] = []
        self.texts: list[str] = []
        self._in: str | None = None
        self._cell_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag in ("script", "style"):
            self._in = tag
            (self.scripts if tag == "script" else self.styles).append("")
        if tag == "a" and "cel" in (attrs.get("class") or "").split():
            self._cell_depth = 1
            self.cells.append("")
        elif self._cell_depth and tag == "span":
            self._cell_depth += 1
            self.cells[-1] += " "

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._in = None
        if self._cell_depth and tag in ("a", "span"):
            self._cell_depth -= 1
            self.cells[-1] += " "

    def handle_data(self, data):
        if self._in == "script":
            self.scripts[-1] += data
        elif self._in == "style":
            self.styles[-1] += data
        else:
            self.texts.append(data)
            if self._cell_depth:
                self.cells[-1] += data


def _read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


def _text(html: str) -> str:
    return " ".join("".join(_read(html).texts).split())


# --------------------------------------------------------------------------- structure


def test_page_has_title_codebook_and_meta():
    report = realistic_report()
    html = render_html(report)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="nl">' in html
    text = _text(html)
    assert "Kwaliteitsagenda's en stagediscriminatie" in text
    assert BOOK.name in text and f"versie {BOOK.version}" in text
    assert BOOK.sha256[:12] in text and BOOK.sha256[:13] not in text
    assert "blank:nl" in text and report.created in text and "latest" in text


def test_matrix_has_every_theme_institution_and_cell():
    report = realistic_report()
    html = render_html(report)
    reader = _read(html)
    text = _text(html)
    headers = re.findall(r'<th scope="col">(.*?)</th>', html[html.index('class="matrix"'):])[:len(BOOK.themes)]
    assert [h.replace("\u00ad", "") for h in headers] == [t.label for t in BOOK.themes]
    assert "\u00ad" in "".join(headers)  # long Dutch words may break with a hyphen in narrow columns
    for inst in report.institutions:
        assert f"{inst.institution} ({inst.year})" in text
    cells = [" ".join(c.split()) for c in reader.cells]
    assert len(cells) == len(report.institutions) * len(BOOK.themes)
    seen_states = set()
    for i, inst in enumerate(report.institutions):
        for j, theme in enumerate(BOOK.themes):
            cell, shown = inst.themes[theme.id], cells[i * len(BOOK.themes) + j]
            assert STATUS_NL[cell.status] in shown
            assert {"present": "●", "unclear": "◐", "absent": "○"}[cell.status] in shown
            if cell.state == "no_candidates":
                assert "geen kandidaten" in shown
            elif cell.reviewed:
                assert "✓ beoordeeld" in shown and "suggestie" not in shown
            else:
                assert "suggestie" in shown and "✓" not in shown
            if cell.state not in ("reviewed",):
                assert STATE_NL[cell.state] in shown
            seen_states.add(cell.state)
    # the realistic report exercises every state and every status
    assert seen_states == set(STATE_NL)
    assert {c.status for i in report.institutions for c in i.themes.values()} == set(STATUS_NL)
    # the border style separates reviewed cells from suggestions, also without colour
    assert "bw-beoordeeld" in html and "bw-suggestie" in html and "bw-leeg" in html


def test_cells_link_to_evidence_with_pages():
    report = realistic_report()
    html = render_html(report)
    reader = _read(html)
    ids = {a.get("id") for _, a in reader.tags if a.get("id")}
    hrefs = [a["href"] for t, a in reader.tags if t == "a" and "cel" in (a.get("class") or "")]
    assert hrefs and all(h.startswith("#") and h[1:] in ids for h in hrefs)
    assert all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids)  # anchors from indexes, never from text
    text = _text(html)
    for inst in report.institutions:
        for cell in inst.themes.values():
            for ev in cell.evidence:
                assert " ".join(ev.text.split()) in text
                assert f"{ev.document}, p. {ev.page}" in text
    assert "beslissing: bevestigd (anna)" in text
    assert "beslissing: verworpen (bram)" in text and "Arbeidsmarkt, geen stagematching." in text
    assert "beslissing: nog niet beoordeeld (suggestie)" in text
    assert "kwalificaties: voornemen" in text and "polariteit: negatief" in text
    assert "Geen kandidaten gevonden" in text


def test_checklist_per_institution_applying_points_first():
    report = realistic_report()
    html = render_html(report)
    text = _text(html)
    assert text.count("Wat kan er beter?") == len(report.institutions)
    for inst in report.institutions:
        for item in inst.checklist:
            assert item.label in text and item.reason in text
            if item.applies:
                assert " ".join(item.explanation.split()) in text
    # ROC Rivierenland counts only reports: the monitoring point applies, with the page it rests on
    first = report.institutions[[i.institution for i in report.institutions].index("ROC Rivierenland")]
    assert next(c for c in first.checklist if c.id == "monitoring_beyond_reports").applies
    section = html[html.index(f'id="inst-{report.institutions.index(first)}"'):]
    section = section[:section.index("Bewijs per thema")]
    tags = re.findall(r'<li class="punt (geldt|geldt-niet)">', section)
    assert tags == sorted(tags, key=lambda t: t != "geldt") and "geldt" in tags and "geldt-niet" in tags
    assert "roc-rivierenland-2024.pdf p. 15</a>" in section


def test_hyphenate_only_adds_soft_hyphens():
    for label in [t.label for t in BOOK.themes] + [p.label for p in BOOK.checklist] + ["ROC", "", "a  b"]:
        assert hyphenate(label).replace("\u00ad", "") == label
    assert hyphenate("Stagediscriminatie").split("\u00ad")[:2] == ["Sta", "ge"]
    assert hyphenate("Onderwijsprofessionals").replace("\u00ad", "-") == "Onder-wijs-pro-fes-sio-nals"


def test_summary_sentences_are_on_the_page():
    report = realistic_report()
    text = _text(render_html(report))
    for line in report.summary():
        assert line in text


def test_page_is_self_contained():
    html = render_html(realistic_report())
    for bad in ("http://", "https://", "<link", "src=", "@import", "url("):
        assert bad not in html, bad
    reader = _read(html)
    assert [t for t, _ in reader.tags].count("script") == 1
    assert not any(k.startswith("on") for _, attrs in reader.tags for k in attrs)


def test_csp_hashes_match_the_inline_script_and_style():
    reader = _read(render_html(realistic_report()))
    for body, kind in ((reader.scripts[0], "script-src"), (reader.styles[0], "style-src")):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{kind} 'sha256-{digest}'" in CSP
    assert "default-src 'none'" in CSP


def test_empty_report_renders():
    report = build_report(BOOK, "blank:nl", [], [], {}, "alleen suggesties, nog niets beoordeeld")
    html = render_html(report)
    assert "Geen instellingen in dit rapport." in html and "alleen suggesties, nog niets beoordeeld" in html


# --------------------------------------------------------------------------- injection


def _hostile_report():
    evil = " | ".join(DANGEROUS)
    inst = f"ROC {evil}"
    file = f"agenda {evil}.pdf"
    cands = [_cand("x1", file, inst, 2024, 3, "acknowledgement", ["general"], f"Stagediscriminatie {evil}"),
             _cand("x2", file, inst, 2024, 4, "monitoring", ["reports_only"], evil)]
    docs = [dict(file=file, institution=inst, year=2024)]
    decisions = {"x1": _dec("confirmed", "acknowledgement", coder=f"coder {evil}", note=evil)}
    return build_report(BOOK, f"pipe {evil}", cands, docs, decisions, f"coder {evil}")


def test_untrusted_text_is_escaped():
    html = render_html(_hostile_report())
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '"><img src=x onerror=alert(1)>' not in html and "<img" not in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "{{7*7}}" in html and "{{49}}" not in html and "Stagediscriminatie 49" not in html
    assert "javascript:alert(1)" in html  # only ever as text:
    reader = _read(html)
    assert [t for t, _ in reader.tags].count("script") == 1
    assert "alert" not in reader.scripts[0] and "alert" not in reader.styles[0]
    for tag, attrs in reader.tags:
        assert tag not in ("img", "iframe", "object", "embed", "form", "base")
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert "alert" not in (value or "") and "javascript" not in (value or "").lower(), (tag, name, value)
            if name in ("href", "id"):
                assert re.fullmatch(r"#?[a-z0-9-]+", value), value
    # and the text itself survives, readable, in the right places
    text = _text(html)
    assert text.count("ROC " + " | ".join(DANGEROUS)) >= 3
    assert "agenda " + " | ".join(DANGEROUS) + ".pdf, p. 3" in text


# --------------------------------------------------------------------------- a real browser



def _chromium() -> str:
    return chromium("the browser render test", CHROMIUM)


def _run_chromium(args: list[str], tmp_path: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run headless chromium in its own process group, killing that group on timeout."""
    profile = tmp_path / "profile"
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"chromium did not finish within {timeout} s: {' '.join(cmd)}")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # leftover helpers of this run only
        except ProcessLookupError:
            pass
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def test_missing_chromium_fails_in_ci_and_skips_elsewhere(monkeypatch, tmp_path):
    me = sys.modules[__name__]

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(me, "CHROMIUM", str(tmp_path / "geen-chromium"))
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="chromium is not installed"):
        me._chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        me._chromium()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_browser_renders_screenshot_and_dom(tmp_path):
    report = realistic_report()
    page = tmp_path / "rapport.html"
    page.write_text(render_html(report), encoding="utf-8")
    shot = tmp_path / "shot.png"
    run = _run_chromium([f"--screenshot={shot}", "--window-size=1280,1600", page.as_uri()], tmp_path)
    assert shot.exists(), f"no screenshot (exit {run.returncode}): {run.stderr[-2000:]}"
    data = shot.read_bytes()
    assert len(data) > 10_000
    assert _png_size(data) == (1280, 1600)
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with reportlab in the test extra
        Image = None
    if Image is not None:
        with Image.open(shot) as img:
            colours = img.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 50, "screenshot is (nearly) a single colour"
        present = {rgb for _, rgb in colours}
        # the cell fills prove the inline style was applied (its CSP hash is right)
        assert (0xdc, 0xef, 0xdc) in present and (0xf7, 0xe0, 0xe0) in present

    dom = _run_chromium(["--dump-dom", page.as_uri()], tmp_path).stdout
    for inst in report.institutions:
        assert inst.institution in dom
    assert re.search(r'<html[^>]*class="js"', dom), "the inline script did not run (CSP hash?)"
    assert dom.count('class="cel st-') >= len(report.institutions) * len(BOOK.themes)


def test_browser_keeps_hostile_text_inert(tmp_path):
    page = tmp_path / "boos.html"
    page.write_text(render_html(_hostile_report()), encoding="utf-8")
    dom = _run_chromium(["--dump-dom", page.as_uri()], tmp_path).stdout
    assert "ROC " in dom and re.search(r'<html[^>]*class="js"', dom)
    assert "<img" not in dom and "onerror=" not in dom.replace("onerror=alert(1)&gt;", "")
    assert dom.count("<script") == 1
    assert "{{7*7}}" in dom


def test_browser_click_opens_the_evidence_panel(tmp_path):
    """Click a cell in a real browser (a test-only script, allowed by adding its hash to the CSP)."""
    report = realistic_report()
    click = ("document.querySelectorAll('a.cel')[0].click();"
             "document.body.setAttribute('data-getest', String(location.hash === ''));")
    digest = base64.b64encode(hashlib.sha256(click.encode()).digest()).decode()
    html = render_html(report)
    test_csp = CSP.replace("script-src ", f"script-src 'sha256-{digest}' ")
    html = html.replace(esc(CSP), esc(test_csp)).replace("</body>", f"<script>{click}</script></body>")
    page = tmp_path / "klik.html"
    page.write_text(html, encoding="utf-8")
    dom = _run_chromium(["--dump-dom", page.as_uri()], tmp_path).stdout
    panel = dom[dom.index('<aside id="paneel"'):dom.index("</aside>")]
    assert " hidden" not in panel.split(">", 1)[0], "the panel did not open"
    first = report.institutions[0].themes[BOOK.themes[0].id]
    assert first.evidence and first.evidence[0].text in panel
    assert 'id="ev-' not in panel  # the copy carries no duplicate ids
    assert re.search(r'class="cel [^"]*gekozen"', dom)
    assert 'data-getest="true"' in dom  # the click was handled by the script, not by a jump


# --------------------------------------------------------------------------- ranking, points that do not apply


def test_matrix_has_the_ranking_figures_and_sortable_heads():
    report = realistic_report()
    html = render_html(report)
    matrix = html[html.index('<table class="matrix">'):html.index("</table>")]
    assert re.findall(r'<button type="button" data-kolom="(\d+)"', matrix) == ["0", "1", "2", "3"]
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", matrix)
    assert len(rows) == len(report.institutions)
    for inst, row in zip(report.institutions, rows):
        figures = inst.figures()
        assert re.findall(r'<td class="cijfer" data-v="(\d+)">', row) == [
            str(figures["themes_present"]), str(figures["themes_reviewed"]), str(figures["checklist_applies"])]
    # the figures are what the cells and the checklist say
    for inst in report.institutions:
        assert inst.figures()["themes_present"] == sum(c.status == "present" for c in inst.themes.values())
        assert inst.figures()["checklist_applies"] == sum(c.applies for c in inst.checklist)


def test_points_that_do_not_apply_are_grey_and_do_not_read_as_criticism():
    report = realistic_report()
    html = render_html(report)
    items = re.findall(r'<li class="punt geldt-niet">(.*?)</li>', html)
    assert items
    explanations = {" ".join(p.explanation.split()) for p in BOOK.checklist}
    for item in items:
        assert "Geen verbeterpunt" in item and not any(e in " ".join(_text(item).split()) for e in explanations)
    style = html[html.index("<style>"):html.index("</style>")]
    rule = style[style.index(".punt.geldt-niet {"):]
    rule = rule[:rule.index("}")]
    assert "aanwezig" not in rule  # no green border or fill


def _with_test_script(html: str, script: str) -> str:
    """The page with a test-only script, allowed by adding its hash to the CSP."""
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    test_csp = CSP.replace("script-src ", f"script-src 'sha256-{digest}' ")
    return html.replace(esc(CSP), esc(test_csp)).replace("</body>", f"<script>{script}</script></body>")


def test_browser_sorts_the_matrix_by_a_figure_and_by_name(tmp_path):
    report = realistic_report()
    script = ("var k = document.querySelector('button[data-kolom=\"3\"]'); k.click();"
              "var rows = Array.prototype.map.call(document.querySelectorAll('table.matrix tbody tr'),"
              " function (r) { return r.cells[0].textContent; });"
              "document.body.setAttribute('data-op', rows.join('|'));"
              "k.click();"
              "document.body.setAttribute('data-af', Array.prototype.map.call("
              "document.querySelectorAll('table.matrix tbody tr'), function (r) { return r.cells[0].textContent; })"
              ".join('|'));"
              "document.querySelector('button[data-kolom=\"0\"]').click(); document.querySelector("
              "'button[data-kolom=\"0\"]').click();"
              "document.body.setAttribute('data-naam', Array.prototype.map.call("
              "document.querySelectorAll('table.matrix tbody tr'), function (r) { return r.cells[0].textContent; })"
              ".join('|'));")
    page = tmp_path / "sorteer.html"
    page.write_text(_with_test_script(render_html(report), script), encoding="utf-8")
    dom = _run_chromium(["--dump-dom", page.as_uri()], tmp_path).stdout

    def order(attr):
        found = re.search(attr + r'="([^"]*)"', dom)
        assert found, f"{attr} not set: the sort script did not run"
        return found.group(1).replace("&amp;", "&").split("|")

    def name(inst):
        return f"{inst.institution} ({inst.year})"

    points = [(i.figures()["checklist_applies"], name(i)) for i in report.institutions]
    assert order("data-op") == [n for _, n in sorted(points)]
    assert order("data-af") == [n for _, n in sorted(points, key=lambda p: (-p[0], p[1]))]
    names = [name(i) for i in report.institutions]
    assert order("data-naam") == sorted(names, reverse=True)  # name, clicked twice: Z to A


@pytest.mark.parametrize("width", [1024, 1400, 1920])
def test_browser_matrix_fits_without_sideways_scroll(tmp_path, width):
    """At 1024, 1400 and 1920 px wide: a screenshot, and the matrix does not scroll sideways."""
    report = realistic_report()
    script = ("var rol = document.querySelector('.rol');"
              "document.body.setAttribute('data-over', String(rol.scrollWidth - rol.clientWidth));"
              "document.body.setAttribute('data-pagina', String(document.documentElement.scrollWidth - "
              "window.innerWidth));"
              "document.body.setAttribute('data-breed', String(window.innerWidth));")
    page = tmp_path / "breed.html"
    page.write_text(_with_test_script(render_html(report), script), encoding="utf-8")
    dom = _run_chromium([f"--window-size={width},900", "--dump-dom", page.as_uri()], tmp_path).stdout
    assert re.search(r'data-breed="(\d+)"', dom).group(1) == str(width)
    assert int(re.search(r'data-over="(-?\d+)"', dom).group(1)) <= 0, "the matrix scrolls sideways"
    assert int(re.search(r'data-pagina="(-?\d+)"', dom).group(1)) <= 0, "the page scrolls sideways"
    shot = tmp_path / f"matrix-{width}.png"
    _run_chromium([f"--screenshot={shot}", f"--window-size={width},900", "--hide-scrollbars",
                   (tmp_path / "breed.html").as_uri()], tmp_path)
    assert _png_size(shot.read_bytes()) == (width, 900)


def test_browser_prints_the_report_to_a4(tmp_path):
    pypdfium2 = pytest.importorskip("pypdfium2")
    report = realistic_report()
    page = tmp_path / "rapport.html"
    page.write_text(render_html(report), encoding="utf-8")
    pdf = tmp_path / "rapport.pdf"
    run = _run_chromium([f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri()], tmp_path)
    assert pdf.exists(), run.stderr[-2000:]
    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        width, height = doc[0].get_size()
        assert abs(width - 842) < 3 and abs(height - 595) < 3  # A4 landscape, in points
        first = doc[0].get_textpage().get_text_range()
        # each institution starts on a page of its own, after the matrix and the overviews
        assert len(doc) >= 1 + len(report.institutions)
    finally:
        doc.close()
    assert "Matrix" in first and "↕" not in first  # the sort arrows are for the screen only


def test_style_sheets_are_balanced():
    """A stray brace silently drops the rule after it in a browser (it once hid a matrix rule)."""
    from kwaliteitscan.report.audit_html import _CSS as AUDIT_CSS
    from kwaliteitscan.report.html import _CSS

    for css in (_CSS, AUDIT_CSS):
        depth = 0
        for ch in css:
            depth += (ch == "{") - (ch == "}")
            assert depth >= 0, "a '}' closes nothing"
        assert depth == 0
