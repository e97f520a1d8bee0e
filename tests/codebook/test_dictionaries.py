"""Importing quanteda YAML and WordStat .cat dictionaries, and exporting to quanteda."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kwaliteitscan.codebook import build_codebook, import_dictionary, load_codebook
from kwaliteitscan.codebook.dictionaries import export_quanteda, regex_glob, value_pattern, write_codebook_yaml
from kwaliteitscan.errors import CodebookError
from kwaliteitscan.extract.extractor import Document, Page
from kwaliteitscan.match.matcher import Matcher, code_document
from kwaliteitscan.segment.nlp import load_pipeline
from kwaliteitscan.segment.segmenter import segment
from ..conftest import DATA_DIR

DATA = DATA_DIR
DICTS = DATA / "dictionaries"


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline("nl", prefer_trained=False)[0]


def found(text: str, book, nlp) -> dict[str, set[str]]:
    """theme -> codes of the candidates in `text`."""
    doc = Document("t.pdf", "0" * 64, (Page(1, text),))
    out: dict[str, set[str]] = {}
    for cand in code_document(segment(doc, nlp, "test"), Matcher(book)):
        out.setdefault(cand.theme, set()).update(cand.codes)
    return out


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- quanteda YAML


def test_quanteda_keys_become_themes_and_codes():
    data = import_dictionary(DICTS / "stagepact.yml")
    book = build_codebook(data, "stagepact.yml")
    assert book.name == "stagepact" and book.version
    assert book.theme_ids == ("melden", "norm", "erkenning")
    assert [c.id for c in book.theme("melden").codes] == ["meldpunt", "vertrouwenspersoon"]
    assert [c.id for c in book.theme("norm").codes] == ["main"]
    assert [p.source for p in book.code("melden", "meldpunt").patterns] == ["meldpunt*", "*meldpunt", "meldroute"]
    theme = book.theme("melden")
    assert theme.label == "melden" and "stagepact.yml" in theme.definition and "quanteda" in theme.definition
    assert "stagepact.yml" in data["description"]


def test_quanteda_phrases_globs_and_question_marks_match(nlp):
    book = build_codebook(import_dictionary(DICTS / "stagepact.yml"), "x")
    assert found("Wij stellen een duidelijke sociale norm.", book, nlp) == {"norm": {"main"}}
    assert found("Ongelijke behandeling accepteren wij niet.", book, nlp) == {"norm": {"main"}}
    assert found("Bel de vertrouwens persoon.", book, nlp) == {"melden": {"vertrouwenspersoon"}}
    assert found("De meldpuntfunctionaris en het centrale meldpunt.", book, nlp) == {"melden": {"meldpunt"}}
    # `?` is exactly one letter: gedragscode, not gedragscodes or gedragsode
    assert found("Er is een gedragscode.", book, nlp) == {"norm": {"main"}}
    assert found("Er zijn gedragscodes en een gedragsode.", book, nlp) == {}
    # `*` inside a word
    assert found("Stagediscriminatie komt voor.", book, nlp)["norm"] == {"main"}
    # phrase words must be adjacent
    assert found("Een sociale en duidelijke norm.", book, nlp) == {}


def test_question_mark_becomes_a_safe_word_regex():
    pattern = value_pattern("gedrags?ode", "f.yml", 3)
    assert pattern == {"regex": r"(?<!\w)gedrags\wode(?!\w)"}
    assert value_pattern("Stage   Discriminatie", "f.yml", 3) == "stage discriminatie"
    assert value_pattern("sociale_norm", "f.cat", 3, underscores=True) == "sociale norm"
    assert value_pattern("melden * stage", "f.yml", 3) == {"regex": r"(?<!\w)melden\s+\S+\s+stage(?!\w)"}
    assert regex_glob(pattern["regex"]) == "gedrags?ode"
    assert regex_glob(r"klik(ken)?\b") is None


def test_load_codebook_still_reads_a_quanteda_file():
    book = load_codebook(DICTS / "stagepact.yml")
    assert book.theme_ids == ("melden", "norm", "erkenning")


# --------------------------------------------------------------------------- WordStat .cat


def test_wordstat_categories_entries_weights_and_nesting():
    data = import_dictionary(DICTS / "stagepact.cat")
    book = build_codebook(data, "stagepact.cat")
    assert book.theme_ids == ("melden", "norm", "erkenning")
    assert book.theme("melden").label == "MELDEN"
    codes = {c.id: c for c in book.theme("melden").codes}
    assert list(codes) == ["meldpunt", "meldpunt_weight_2", "meldingen"]
    assert [p.source for p in codes["meldpunt"].patterns] == ["meldpunt*", "*meldpunt", "meld route"]
    assert codes["meldpunt"].weight == 1.0 and codes["meldpunt_weight_2"].weight == 2.0
    assert [p.source for p in codes["meldpunt_weight_2"].patterns] == ["vertrouwens persoon"]
    assert [c.id for c in book.theme("norm").codes] == ["main"]  # entries right under a top-level category
    erkenning = {c.id: c for c in book.theme("erkenning").codes}
    assert list(erkenning) == ["probleem", "probleem_direct"]  # a third level becomes its own code
    assert erkenning["probleem_direct"].label == "PROBLEEM > DIRECT"
    assert "WordStat" in book.theme("norm").definition


def test_wordstat_phrases_match(nlp):
    book = build_codebook(import_dictionary(DICTS / "stagepact.cat"), "x")
    assert found("Wij stellen een duidelijke sociale norm.", book, nlp) == {"norm": {"main"}}   # SOCIALE_NORM
    assert found("Ongelijke behandeling accepteren wij niet.", book, nlp) == {"norm": {"main"}}
    assert found("Studenten gebruiken de meld route.", book, nlp) == {"melden": {"meldpunt"}}
    assert found("De scholen erkennen het.", book, nlp) == {"erkenning": {"probleem_direct"}}


def test_wordstat_spaces_before_tabs(nlp):
    """quanteda issue 459: lines indented with spaces and then tabs."""
    book = build_codebook(import_dictionary(DICTS / "spaces-and-tabs.cat"), "x")
    assert book.theme_ids == ("zuid",)
    assert [c.id for c in book.theme("zuid").codes] == ["limburg", "brabant"]
    assert [p.source for p in book.code("zuid", "brabant").patterns] == ["eindhoven", "den bosch"]
    assert found("Wij werken in Den Bosch.", book, nlp) == {"zuid": {"brabant"}}


def test_format_can_be_given_or_guessed(tmp_path):
    path = write(tmp_path, "woorden.txt", "NORM\n\tSOCIALE_NORM (1)\n")
    assert list(import_dictionary(path)["themes"]) == ["norm"]
    path = write(tmp_path, "woorden.dict", "norm: [sociale norm]\n")
    assert list(import_dictionary(path, format="quanteda")["themes"]) == ["norm"]
    with pytest.raises(CodebookError, match="unknown dictionary format"):
        import_dictionary(path, format="liwc")


def test_ids_are_made_safe_and_unique(tmp_path):
    path = write(tmp_path, "d.yml", "Meld punt!: [a]\nmeld_punt: [b]\n2024 plannen: [c]\nÉén woord: [d]\n")
    themes = import_dictionary(path)["themes"]
    assert list(themes) == ["meld_punt", "meld_punt_2", "k_2024_plannen", "een_woord"]
    assert themes["meld_punt"]["label"] == "Meld punt!"


# --------------------------------------------------------------------------- malformed input


@pytest.mark.parametrize("name, content, line, message", [
    ("entry-first.cat", None, 1, "comes before any category"),
    ("bad-indent.cat", None, 3, "bad indentation"),
    ("scalar-value.yml", None, 3, "neither a list"),
    ("lonely.cat", "MELDEN\n\tMELDPUNT (1)\nNORM\nERKENNING\n\tERKEND (1)\n", 3, "has no entries"),
    ("weight.cat", "MELDEN\n\tMELDPUNT (0)\n", 2, "weight 0"),
    ("noword.cat", "MELDEN\n\t (1)\n\tMELDROUTE (1)\n", 2, "before any category|no word"),
    ("dedent.cat", "MELDEN\n\t\tMELDPUNT (1)\n\tMELDROUTE (1)\n", 3, "bad indentation"),
    ("toplevel.cat", "MELDEN\n\tA\n\t\tB (1)\nMELDROUTE (1)\n", 4, "not indented below a category"),
    ("star.cat", "MELDEN\n\t* (1)\n", 2, "every word"),
    ("empty.cat", "\n\n", 1, "no categories"),
    ("emptykey.yml", "melden: [a]\n'': [b]\n", 2, "empty key"),
    ("nullvalue.yml", "melden: [a]\nnorm:\n", 2, "has no values"),
    ("emptylist.yml", "melden: []\n", 1, "empty list"),
    ("nested.yml", "melden:\n  - a\n  - [b, c]\n", 3, "a value is a list"),
    ("emptyvalue.yml", "melden:\n  - a\n  - ''\n", 3, "empty value"),
    ("star.yml", "melden:\n  - a\n  - '*'\n", 3, "every word"),
    ("number.yml", "melden: 12\n", 1, "neither a list"),
    ("syntax.yml", "melden:\n  - a\n - b\n", 3, "not valid YAML"),
    ("duplicate.yml", "melden: [a]\nmelden: [b]\n", 2, "duplicate key"),
    ("list.yml", "- a\n- b\n", 1, "YAML mapping"),
    ("latin1.cat", "MELDEN\n\tMELDPUNT (1)\n\tCAF\xe9 (1)\n".encode("latin-1"), 3, "not valid UTF-8"),
    ("latin1.yml", "melden:\n  - a\n  - caf\xe9\n".encode("latin-1"), 3, "not valid UTF-8"),
])
def test_malformed_files_name_file_and_line(tmp_path, name, content, line, message):
    path = DICTS / name if content is None else write(tmp_path, name, content)
    with pytest.raises(CodebookError) as info:
        import_dictionary(path)
    text = str(info.value)
    assert text.startswith(f"{path}:{line}:"), text
    assert __import__("re").search(message, text), text
    assert "Traceback" not in text and "\n" not in text


def test_a_kwaliteitscan_codebook_is_not_imported():
    with pytest.raises(CodebookError, match="already a kwaliteitscan codebook"):
        import_dictionary(DATA / "mini.yaml")


def test_missing_file():
    with pytest.raises(CodebookError, match="cannot read"):
        import_dictionary(DICTS / "missing.cat")


# --------------------------------------------------------------------------- writing and exporting


def test_written_codebook_loads_and_says_it_was_imported(tmp_path):
    data = import_dictionary(DICTS / "stagepact.cat")
    out = tmp_path / "stagepact.yaml"
    text = write_codebook_yaml(data, out)
    assert out.read_text(encoding="utf-8") == text
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any("imported" in line.lower() for line in header)
    assert any("definition" in line and "person" in line for line in header)
    book = load_codebook(out)
    direct = build_codebook(data, "x")
    assert book.theme_ids == direct.theme_ids
    for theme, again in zip(direct.themes, book.themes):
        assert [(c.id, c.weight, [p.source for p in c.patterns]) for c in theme.codes] == \
               [(c.id, c.weight, [p.source for p in c.patterns]) for c in again.codes]
    assert write_codebook_yaml(data) == text


def test_quanteda_round_trip_keeps_keys_and_values():
    original = yaml.safe_load((DICTS / "stagepact.yml").read_text(encoding="utf-8"))
    book = build_codebook(import_dictionary(DICTS / "stagepact.yml"), "x")
    text, warnings = export_quanteda(book)
    assert warnings == []
    assert yaml.safe_load(text) == original
    assert text.startswith("# quanteda dictionary exported by kwaliteitscan")


def test_round_trip_with_labels_as_keys(tmp_path):
    source = {"Melden": {"Meld punt": ["meldpunt*", "vertrouwens persoon"]}, "Norm": ["sociale norm", "stag?"]}
    path = write(tmp_path, "d.yml", yaml.safe_dump(source, sort_keys=False))
    book = build_codebook(import_dictionary(path), "x")
    text, warnings = export_quanteda(book, keys="label")
    assert not warnings
    exported = yaml.safe_load(text)
    assert list(exported) == ["Melden", "Norm"] and exported["Norm"] == source["Norm"]
    assert list(exported["Melden"].values()) == [source["Melden"]["Meld punt"]]
    # and back: the codebook made from the export equals the first one
    again = build_codebook(import_dictionary(write(tmp_path, "again.yml", text)), "x")
    assert [(t.label, [(c.id, [p.source for p in c.patterns]) for c in t.codes]) for t in again.themes] == \
           [(t.label, [(c.id, [p.source for p in c.patterns]) for c in t.codes]) for t in book.themes]


def test_export_of_our_codebook_reports_what_it_leaves_out():
    book = load_codebook(DATA / "mini.yaml")
    text, warnings = export_quanteda(book)
    exported = yaml.safe_load(text)
    assert exported["acknowledgement"] == {"general": ["erkennen", "erkend", "erkent", "probleem"]}
    assert exported["objective_matching"] == {"objective": ["matching op leerwens"], "subjective": ["op de klik"]}
    assert exported["reporting_desk"] == {"desk": ["meldpunt*", "*meldpunt"]}
    joined = "\n".join(warnings)
    assert "'komt ... voor' skipped: a '...' gap" in joined
    assert "*matching ... leerwens" in joined
    assert "klik(ken)?\\b" in joined and "regular expression" in joined
    assert "themes.reporting_desk.codes.desk: requires discriminatie, exclude verzuim" in joined
    assert "polarity negative" in joined
    assert "cues not exported: discriminatie, verzuim" in joined
    assert "qualifiers not exported: negated, exploratory, intended" in joined


def test_export_expands_alternatives_in_phrases(tmp_path):
    data = {"name": "t", "version": "1", "themes": {"t": {"label": "T", "definition": "T", "codes": {
        "c": {"label": "c", "patterns": ["geen|zonder apart meldpunt*"]},
        "d": {"label": "d", "patterns": ["a ... b"]},
        "h": {"label": "h", "patterns": ["melden"], "scope": "heading"}}}}}
    text, warnings = export_quanteda(build_codebook(data, "t.yaml"))
    assert yaml.safe_load(text) == {"t": {"c": ["geen apart meldpunt*", "zonder apart meldpunt*"]}}
    assert any("themes.t.codes.d: no pattern could be exported" in w for w in warnings)
    assert any("themes.t.codes.h: scope heading" in w and "left out" in w for w in warnings)
