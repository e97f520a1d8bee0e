"""Codebook diff: what changed between two versions, and its effect on an already-coded corpus."""

from __future__ import annotations

import shutil

import pytest

from kwaliteitscan.codebook import build_codebook, load_codebook, load_yaml
from kwaliteitscan.codebook.diff import OTHER, Change, diff_codebooks
from kwaliteitscan.pipeline.codebook_effect import candidate_effect
from kwaliteitscan.pipeline.code import code_corpus
from kwaliteitscan.errors import InputError
from kwaliteitscan.extract.extractor import default_cache_dir
from kwaliteitscan.project.store import Project
from ..conftest import DATA_DIR

DATA = DATA_DIR
MINI = (DATA / "mini.yaml").read_text(encoding="utf-8")


def book(text: str, name: str = "new.yaml"):
    return build_codebook(load_yaml(text, name), name, text)


def edit(*replacements: tuple[str, str]) -> str:
    text = MINI
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def by_path(changes: list[Change]) -> dict[str, list[Change]]:
    out: dict[str, list[Change]] = {}
    for change in changes:
        out.setdefault(change.path, []).append(change)
    return out


def test_identical_codebooks_have_no_changes():
    assert diff_codebooks(book(MINI), book(MINI)) == []


def test_code_changes():
    new = book(edit(
        ('patterns: ["meldpunt*", "*meldpunt"]', 'patterns: ["meldpunt*", "meldroute", "vertrouwenspersoon"]'),
        ("        scope: paragraph\n", "        scope: sentence\n        weight: 2\n"),
        ("exclude: [verzuim]", "exclude: []"),
        ("        label: klik\n        polarity: negative\n", "        label: klik\n"),
        ('version: "0.1"', 'version: "0.2"'),
    ))
    changes = by_path(diff_codebooks(book(MINI), new))
    patterns = changes["themes.reporting_desk.codes.desk.patterns"]
    assert [(c.kind, c.before, c.after) for c in patterns] == [
        ("added", None, "meldroute"), ("added", None, "vertrouwenspersoon"), ("removed", "*meldpunt", None)]
    assert patterns[0].description == "code 'desk' of theme 'reporting_desk': pattern 'meldroute' added"
    scope = changes["themes.reporting_desk.codes.desk.scope"][0]
    assert (scope.kind, scope.before, scope.after) == ("changed", "paragraph", "sentence")
    assert scope.description == "code 'desk' of theme 'reporting_desk': scope changed from 'paragraph' to 'sentence'"
    assert changes["themes.reporting_desk.codes.desk.weight"][0].description.endswith("weight changed from 1 to 2")
    exclude = changes["themes.reporting_desk.codes.desk.exclude"][0]
    assert (exclude.before, exclude.after) == (["verzuim"], [])
    polarity = changes["themes.objective_matching.codes.subjective.polarity"][0]
    assert (polarity.before, polarity.after) == ("negative", "positive")
    assert changes["version"][0].description == "version changed from '0.1' to '0.2'"
    assert set(changes) == {"version", "themes.reporting_desk.codes.desk.patterns",
                            "themes.reporting_desk.codes.desk.scope", "themes.reporting_desk.codes.desk.weight",
                            "themes.reporting_desk.codes.desk.exclude",
                            "themes.objective_matching.codes.subjective.polarity"}


def test_theme_code_cue_qualifier_settings_status_and_checklist_changes():
    new = book(edit(
        ("  gap: 3\n", "  gap: 4\n"),
        ("continuation: [die, dit, deze, daarnaast]", "continuation: [die, dit, daarnaast, verder]"),
        ('verzuim: [verzuim, ziekmelding*]', 'verzuim: [verzuim, ziekmelding*, ziekteverzuim]\n  stage: ["stage*"]'),
        ("    label: ontkend\n", "    label: ontkend of afgewezen\n"),
        ("    weak: true\n    patterns: [\"onderzoeken of\"]", "    patterns: [\"onderzoeken of\", \"verkennen of\"]"),
        ("  intended:\n    label: voornemen\n    patterns: [\"in 2026\", \"gaan wij\"]\n", ""),
        ("    label: Meldpunt\n    definition: Een meldpunt voor stagediscriminatie.",
         "    label: Meldpunt of meldroute\n    definition: Een meldpunt of meldroute voor stagediscriminatie."),
        ("      subjective:\n        label: klik\n        polarity: negative\n"
         "        patterns: [\"op de klik\", {regex: 'klik(ken)?\\b'}]\n", ""),
        ("status:\n", "  norm:\n    label: Norm\n    definition: De sociale norm.\n    codes:\n      norm:\n"
                      "        label: norm\n        patterns: [\"sociale norm\"]\nstatus:\n"),
        ("  min_score: 1.0", "  min_score: 2"),
        ("    label: Objectief matchen\n", "    label: Matchen op leerwens\n"),
        ("lacks_code: objective}", "status: [absent]}"),
        ("  acknowledge_problem:\n    label: Erken het probleem\n"
         "    explanation: De Inspectie vraagt stagediscriminatie expliciet te benoemen.\n"
         "    applies_when: {theme: acknowledgement, status: [absent, unclear]}\n", ""),
    ))
    changes = by_path(diff_codebooks(book(MINI), new))
    descriptions = [c.description for c in diff_codebooks(book(MINI), new)]
    assert changes["settings.gap"][0].description == "settings.gap changed from 3 to 4"
    assert [(c.kind, c.before or c.after) for c in changes["settings.continuation"]] == [
        ("added", "verder"), ("removed", "deze")]
    assert changes["cues.verzuim.patterns"][0].after == "ziekteverzuim"
    assert changes["cues.stage"][0].kind == "added" and changes["cues.stage"][0].after == ["stage*"]
    assert changes["qualifiers.negated.label"][0].after == "ontkend of afgewezen"
    weak = changes["qualifiers.exploratory.weak"][0]
    assert (weak.before, weak.after) == (True, False)
    assert changes["qualifiers.exploratory.patterns"][0].after == "verkennen of"
    assert changes["qualifiers.intended"][0].kind == "removed"
    assert changes["themes.reporting_desk.label"][0].after == "Meldpunt of meldroute"
    assert changes["themes.reporting_desk.definition"][0].kind == "changed"
    removed = changes["themes.objective_matching.codes.subjective"][0]
    assert removed.kind == "removed" and removed.before["patterns"] == ["op de klik", "{regex: klik(ken)?\\b}"]
    assert changes["themes.norm"][0].description == "theme 'norm' (Norm) added with 1 code(s) and 1 pattern(s)"
    assert changes["status.min_score"][0].description == "status.min_score changed from 1 to 2"
    assert changes["checklist.objective_criteria.label"][0].after == "Matchen op leerwens"
    rule = changes["checklist.objective_criteria.applies_when"][0]
    assert rule.before == {"theme": "objective_matching", "lacks_code": "objective"}
    assert rule.after == {"theme": "objective_matching", "status": ["absent"]}
    assert changes["checklist.acknowledge_problem"][0].kind == "removed"
    assert all(isinstance(d, str) and "\n" not in d for d in descriptions)


# --------------------------------------------------------------------------- effect on a coded corpus

BODY = ("# Stages\n\n"
        "Wij erkennen dat stagediscriminatie een probleem is.\n\n"
        "Studenten melden stagediscriminatie bij de vertrouwenspersoon.\n\n"
        "Een apart meldpunt voor stagediscriminatie hebben wij ingericht.\n\n"
        "Matching op leerwens doen wij in twee teams.")

NEW = edit(
    ('patterns: ["meldpunt*", "*meldpunt"]', 'patterns: ["vertrouwenspersoon"]'),  # one added, two removed
    ('patterns: ["matching op leerwens", "*matching ... leerwens"]',
     'patterns: ["matching op leerwens", "*matching ... leerwens"]\n        requires: [discriminatie]'),
)


@pytest.fixture
def coded(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf(BODY, name="corpus/roc-aap-2024.pdf")
    make_pdf(BODY.replace("twee teams", "alle teams"), name="corpus/roc-noot-2025.pdf")
    summary = code_corpus(folder, DATA / "mini.yaml", jobs=1)
    assert summary.coded == 2
    return folder, summary.db


def effect_of(db, **kwargs):
    with Project(db) as project:
        return candidate_effect(project, load_codebook(DATA / "mini.yaml"), book(NEW), **kwargs)


def test_candidate_effect_per_theme_and_pattern(coded):
    folder, db = coded
    with Project(db) as project:
        stored = project.candidates()
    effect = effect_of(db)
    assert effect["documents"] == 2 and effect["skipped"] == [] and effect["old_matches_project"]
    assert effect["themes"]["acknowledgement"] == {"before": 2, "after": 2, "added": 0, "removed": 0, "changed": 0}
    assert effect["themes"]["reporting_desk"] == {"before": 2, "after": 2, "added": 2, "removed": 2, "changed": 0}
    assert effect["themes"]["objective_matching"] == {"before": 2, "after": 0, "added": 0, "removed": 2,
                                                      "changed": 0}
    assert effect["totals"] == {"before": 6, "after": 4, "added": 2, "removed": 4, "changed": 0}
    assert effect["totals"]["before"] == len(stored)
    rows = {(p["change"], p["pattern"]): p for p in effect["patterns"]}
    assert set(rows) == {("added", "vertrouwenspersoon"), ("removed", "meldpunt*"), ("removed", "*meldpunt")}
    added = rows[("added", "vertrouwenspersoon")]
    assert (added["theme"], added["code"], added["candidates"]) == ("reporting_desk", "desk", 2)
    assert added["examples"][0]["sentence"] == "Studenten melden stagediscriminatie bij de vertrouwenspersoon."
    assert added["examples"][0]["file"] in {"roc-aap-2024.pdf", "roc-noot-2025.pdf"}
    assert rows[("removed", "meldpunt*")]["candidates"] == 2 and rows[("removed", "*meldpunt")]["candidates"] == 2
    # the matching candidates went because of `requires`, not because of a pattern
    assert effect["other"]["label"] == OTHER
    assert (effect["other"]["added"], effect["other"]["removed"]) == (0, 2)
    assert effect["other"]["examples_removed"][0]["sentence"].startswith("Matching op leerwens")
    with Project(db) as project:
        assert project.candidates() == stored  # nothing was re-coded or written


def test_candidate_effect_counts_changed_candidates(coded):
    _, db = coded
    new = book(edit(('patterns: ["matching op leerwens", "*matching ... leerwens"]',
                     'patterns: ["*matching ... leerwens"]')))
    with Project(db) as project:
        effect = candidate_effect(project, load_codebook(DATA / "mini.yaml"), new)
    assert effect["themes"]["objective_matching"] == {"before": 2, "after": 2, "added": 0, "removed": 0,
                                                      "changed": 2}
    assert [(p["change"], p["pattern"], p["candidates"]) for p in effect["patterns"]] == [
        ("removed", "matching op leerwens", 0)]


def test_candidate_effect_without_the_segmentation_cache(coded):
    folder, db = coded
    expected = effect_of(db)
    shutil.rmtree(default_cache_dir() / "segment")
    assert effect_of(db) == expected  # segmented again from the extraction cache
    shutil.rmtree(default_cache_dir() / "extract")
    gone = effect_of(db)
    assert gone["documents"] == 0 and [s["file"] for s in gone["skipped"]] == ["roc-aap-2024.pdf",
                                                                                "roc-noot-2025.pdf"]
    assert "corpus" in gone["skipped"][0]["reason"]
    assert effect_of(db, corpus=folder) == expected  # read again from the PDFs


def test_candidate_effect_on_an_empty_project(tmp_path):
    with Project(tmp_path / "empty.sqlite") as project:
        with pytest.raises(InputError, match="no coded documents"):
            candidate_effect(project, book(MINI), book(MINI))


def test_candidate_effect_on_a_project_coded_with_a_suggester(tmp_path, make_pdf):
    from dataclasses import replace

    from kwaliteitscan.match.suggest import FORMAT, Suggester

    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf(BODY, name="corpus/roc-aap-2024.pdf")
    model = Suggester.from_data({"format": FORMAT, "themes": ["acknowledgement"], "threshold": 0.5, "requires": [],
                                 "text_terms": {"x": [1.0, 0.0]}, "head_terms": {}, "intercepts": [-5.0]})
    summary = code_corpus(folder, replace(load_codebook(DATA / "mini.yaml"), suggester=model), jobs=1)
    assert "+suggester" in summary.pipeline
    shutil.rmtree(default_cache_dir() / "extract")  # only the segmentation cache is left to compare with
    with Project(summary.db) as project:
        effect = candidate_effect(project, load_codebook(DATA / "mini.yaml"), book(NEW))
    assert effect["documents"] == 1 and effect["skipped"] == []
