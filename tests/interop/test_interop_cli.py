"""The interoperability commands through the CLI: qdpx/qdc export, dictionary import/export, diff."""

from __future__ import annotations


import yaml
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.codebook import load_codebook
from kwaliteitscan.pipeline.code import code_corpus
from kwaliteitscan.interop.refiqda import read_qdpx
from kwaliteitscan.project.store import Project
from ..conftest import DATA_DIR

DATA = DATA_DIR
runner = CliRunner()


def test_export_qdpx_and_qdc_through_the_cli(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf("Wij erkennen dat stagediscriminatie een probleem is.\n\nMatching op leerwens doen wij.",
             name="corpus/roc-aap-2024.pdf")
    summary = code_corpus(folder, DATA / "mini.yaml", jobs=1)
    with Project(summary.db) as project:
        cands = project.candidates()
        project.add_decision(cands[0], "anna", "confirmed", note="helder")
        project.add_decision(cands[1], "anna", "rejected")
    out = tmp_path / "p.qdpx"
    result = runner.invoke(app, ["export", str(folder), "-f", "qdpx", "--coder", "anna", "-o", str(out)])
    assert result.exit_code == 0, result.output
    [coding] = read_qdpx(out)
    assert coding["user"] == "anna" and coding["text"] == cands[0]["passage"] and coding["note"] == "helder"
    assert runner.invoke(app, ["export", str(folder), "-f", "qdpx"]).exit_code == 2  # needs --out
    qdc = tmp_path / "c.qdc"
    assert runner.invoke(app, ["export", str(folder), "-f", "qdc", "-o", str(qdc)]).exit_code == 0
    assert b"CodeBook" in qdc.read_bytes()


def test_dictionary_import_export_and_diff(tmp_path):
    out = tmp_path / "imported.yaml"
    result = runner.invoke(app, ["codebook", "import", str(DATA / "dictionaries" / "stagepact.cat"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    book = load_codebook(out)
    assert book.themes and all(code.patterns for theme in book.themes for code in theme.codes)
    exported = runner.invoke(app, ["codebook", "export", str(DATA / "mini.yaml")])
    assert exported.exit_code == 0 and "acknowledgement" in yaml.safe_load(exported.stdout)
    changed = tmp_path / "mini2.yaml"
    changed.write_text((DATA / "mini.yaml").read_text(encoding="utf-8").replace(
        '"meldpunt*", "*meldpunt"', '"meldpunt*", "*meldpunt", "meldroute"'), encoding="utf-8")
    diff = runner.invoke(app, ["codebook", "diff", str(DATA / "mini.yaml"), str(changed)])
    assert diff.exit_code == 0 and "meldroute" in diff.output and "1 change(s)" in diff.output
    bad = tmp_path / "bad.cat"
    bad.write_text("    ENTRY (1)\n", encoding="utf-8")
    failed = runner.invoke(app, ["codebook", "import", str(bad)])
    assert failed.exit_code == 4 and "bad.cat:1" in failed.output


def test_a_corpus_coded_with_a_quanteda_dictionary_can_be_reported(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf("Het meldpunt stagediscriminatie is open voor alle studenten.", name="corpus/roc-aap-2024.pdf")
    summary = code_corpus(folder, DATA / "dictionaries" / "stagepact.yml", jobs=1)
    assert sum(summary.candidates_per_theme.values()) >= 1
    result = runner.invoke(app, ["report", str(folder), "-f", "json"])
    assert result.exit_code == 0, result.output


def test_reviewed_documents_export_as_gold_codings_the_benchmark_and_training_can_read(tmp_path, make_pdf):
    from kwaliteitscan.interop import gold

    folder = tmp_path / "corpus"
    folder.mkdir()
    body = ("# Stages\n\nWij erkennen dat stagediscriminatie een probleem is. Die erkenning delen wij.\n\n"
            "Het meldpunt van de school kent ook racisme op stage niet.\n\n"
            "Matching op leerwens doen wij in twee teams.")
    make_pdf(body, name="corpus/roc-aap-2024.pdf")
    make_pdf(body.replace("twee teams", "alle teams"), name="corpus/roc-noot-2026.pdf")
    summary = code_corpus(folder, DATA / "mini.yaml", jobs=1)
    with Project(summary.db) as project:
        cands = project.candidates()
        aap = {c["theme"]: c for c in cands if c["file"] == "roc-aap-2024.pdf"}
        noot = [c for c in cands if c["file"] == "roc-noot-2026.pdf"]
        assert set(aap) == {"acknowledgement", "reporting_desk", "objective_matching"}, aap
        project.add_decision(aap["acknowledgement"], "anna", "confirmed")
        project.add_decision(aap["reporting_desk"], "anna", "rejected", note="verzuim")
        project.add_decision(aap["objective_matching"], "anna", "confirmed", polarity="negative")
        project.add_decision(noot[0], "anna", "confirmed")  # the rest of this document is still open

    result = runner.invoke(app, ["export", str(folder), "-f", "gold", "-o", str(folder)])
    assert result.exit_code == 0, result.output
    assert "roc-noot-2026.pdf" in result.output and "pending or uncertain" in result.output
    assert "wrote 1 gold coding(s)" in result.output
    [(doc_id, coding)] = gold.read(folder).items()
    assert doc_id == "roc-aap-2024" and coding["document"] == "roc-aap-2024.pdf"
    assert coding["institution"] == "ROC Aap" and coding["year"] == 2024
    passages = [(p["theme"], p["polarity"], p["text"]) for p in coding["passages"]]
    assert aap["acknowledgement"]["passage"].endswith("Die erkenning delen wij.")
    assert passages == [  # the confirmed hit sentences; the coder's polarity wins; continuations are not claimed
        ("acknowledgement", "positive", "Wij erkennen dat stagediscriminatie een probleem is."),
        ("objective_matching", "negative", "Matching op leerwens doen wij in twee teams."),
    ]
    assert coding["traps"] == [{"theme": "reporting_desk", "text": "Het meldpunt van de school kent ook racisme op stage niet."}]
    assert coding["themes"]["acknowledgement"] == "present"
    assert coding["themes"]["reporting_desk"] == "absent" and coding["themes"]["objective_matching"] == "absent"
    assert set(coding["themes"]) == set(load_codebook(DATA / "mini.yaml").theme_ids)
    assert coding["flags"] == ["objective_criteria"]
    text = (folder / "gold" / "roc-aap-2024.yaml").read_text(encoding="utf-8")
    assert text.startswith("# gold coding exported by kwaliteitscan") and "laatste beslissing" in text

    # a second export never overwrites what is there (skipped on purpose: not a failure)
    again = runner.invoke(app, ["export", str(folder), "-f", "gold", "-o", str(folder)])
    assert again.exit_code == 0 and "never overwritten" in again.output and "wrote 0" in again.output
    assert (folder / "gold" / "roc-aap-2024.yaml").read_text(encoding="utf-8") == text
    assert runner.invoke(app, ["export", str(folder), "-f", "gold"]).exit_code == 2  # needs --out

    # the suggester's training reads it: the confirmed sentence carries its theme, the continuation none
    from kwaliteitscan.pipeline.train import examples_from_corpus

    examples, summary = examples_from_corpus(folder, load_codebook(DATA / "mini.yaml"))
    labels = {sentence: themes for sentence, _, themes in examples}
    assert summary["documents"] == 1
    assert labels["Wij erkennen dat stagediscriminatie een probleem is."] == {"acknowledgement"}
    assert labels["Die erkenning delen wij."] == set()


def test_gold_export_keeps_a_confirmation_over_a_rejection_of_the_same_sentence():
    from kwaliteitscan.interop.gold_export import codings

    book = load_codebook(DATA / "mini.yaml")
    doc = {"file": "a.pdf", "institution": "ROC A", "year": 2024}

    def cand(cid, theme):
        return {"id": cid, "file": "a.pdf", "page": 1, "passage": "Zin een. Zin twee.", "sentence": "Zin een. ",
                "context": "", "theme": theme, "codes": ["x"], "polarity": "positive", "qualifiers": [],
                "weak": False}

    cands = [cand("c1", "acknowledgement"), cand("c2", "reporting_desk")]  # the rejection of c1 comes first
    decisions = {"c1": {"decision": "rejected", "theme": None, "polarity": None, "coder": "a", "note": ""},
                 "c2": {"decision": "confirmed", "theme": "acknowledgement", "polarity": None, "coder": "a",
                        "note": ""}}
    coded, skipped = codings(book, cands, [doc], decisions)
    assert skipped == []
    assert coded["a.pdf"]["passages"] == [{"theme": "acknowledgement", "polarity": "positive", "text": "Zin een."}]
    assert coded["a.pdf"]["traps"] == []
    assert coded["a.pdf"]["themes"]["acknowledgement"] == "present"


def test_training_finds_the_pdfs_of_a_gold_coding_in_subfolders(tmp_path, make_pdf):
    from kwaliteitscan.pipeline.train import examples_from_corpus

    (tmp_path / "corpus" / "2024").mkdir(parents=True)
    make_pdf("Wij erkennen dat stagediscriminatie een probleem is.", name="corpus/2024/roc-aap-2024.pdf")
    (tmp_path / "corpus" / "gold").mkdir()
    (tmp_path / "corpus" / "gold" / "roc-aap-2024.yaml").write_text(yaml.safe_dump({
        "document": "roc-aap-2024.pdf", "passages": [
            {"theme": "acknowledgement", "polarity": "positive",
             "text": "Wij erkennen dat stagediscriminatie een probleem is."}]}), encoding="utf-8")
    examples, summary = examples_from_corpus(tmp_path / "corpus", load_codebook(DATA / "mini.yaml"))
    assert summary["documents"] == 1 and summary["skipped"] == []
    assert {"acknowledgement"} in [themes for _, _, themes in examples]
