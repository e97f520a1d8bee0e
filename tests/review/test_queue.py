"""The review queue: it ranks every passage, learns from each decision, is deterministic, and
knows when to stop; simulate and train-queue work through the CLI."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from kwaliteitscan.cli import app
from kwaliteitscan.codebook import load_codebook
from kwaliteitscan.errors import CodebookError
from kwaliteitscan.match.passages import HIT, Passage
from kwaliteitscan.review.queue import THEMES, Prior, Queue, build_prior, bundled_prior, rank, stop_consecutive

from ..conftest import DATA_DIR

runner = CliRunner()
ZERO = (0.0,) * len(THEMES)


def passage(n: int, text: str, heading: str = "3 Stage", prior=ZERO, doc: str = "d1") -> Passage:
    return Passage(f"p{n:04d}", doc, n, 1, n * 100, n * 100 + len(text), "sentence", text, "", heading, prior)


def with_theme(theme: str, value: float = HIT) -> tuple[float, ...]:
    return tuple(value if t == theme else 0.0 for t in THEMES)


@pytest.fixture(scope="module")
def prior() -> Prior:
    train = [passage(i, "Wij richten een meldpunt voor stagediscriminatie in.", prior=with_theme("reporting_desk"))
             for i in range(6)]
    train += [passage(10 + i, "Studenten melden discriminatie bij het meldpunt.", prior=with_theme("reporting_desk"))
              for i in range(6)]
    train += [passage(20 + i, "De kantine is open van acht tot vier.") for i in range(6)]
    train += [passage(30 + i, "Het rooster staat in de app.") for i in range(6)]
    labels = [{"reporting_desk"}] * 12 + [set()] * 12
    return build_prior(train, labels, "lr", min_df=1)


def project_passages() -> list[Passage]:
    texts = ["Wij bieden een meldpunt voor stagediscriminatie.", "Het rooster verschijnt op vrijdag.",
             "De bpv-docent bespreekt elke melding met de student.", "De kantine sluit om vier uur.",
             "Elke melding van de bpv-docent komt bij de coördinator.", "Wij vernieuwen het rooster elk jaar."]
    return [passage(i, t) for i, t in enumerate(texts)]


def test_every_passage_is_ranked_the_likely_ones_first(prior):
    queue = Queue(project_passages(), prior)
    ranked = queue.rank()
    assert len(ranked) == 6
    assert ranked[0][0] == "p0000" and ranked[0][1] == "reporting_desk"
    assert [k for k, _, _ in ranked].index("p0001") > 0


def test_the_queue_learns_from_confirmations_and_rejections(prior):
    queue = Queue(project_passages(), prior)
    index = {k: i for i, k in enumerate(p.key for p in queue.items)}
    t = THEMES.index("reporting_desk")
    before = queue.probabilities()[index["p0004"], t]
    queue.decide("p0002", {"reporting_desk"})  # 'elke melding ... bpv-docent': a coder confirms
    after = queue.probabilities()[index["p0004"], t]
    assert after > before  # the passage like it rises
    sunk = Queue(project_passages(), prior)
    sunk.decide("p0002", set())  # the same passage rejected
    assert sunk.probabilities()[index["p0004"], t] < before


def test_the_same_decisions_give_the_same_order(prior):
    decisions = {"p0002": {"reporting_desk"}, "p0001": set()}
    assert rank(project_passages(), decisions, prior) == rank(project_passages(), dict(decisions), prior)
    assert {k for k, _, _ in rank(project_passages(), decisions, prior)} == {"p0000", "p0003", "p0004", "p0005"}


def test_a_run_of_rejections_stops_the_queue_once_the_rule_candidates_are_read(prior):
    items = [passage(i, f"Zin nummer {i} over het rooster.", prior=with_theme("goals") if i == 0 else ZERO)
             for i in range(40)]
    queue = Queue(items, prior)
    history = []
    for i in range(12):
        themes = {"goals"} if i == 0 else set()
        queue.decide(items[i].key, themes)
        history.append(frozenset(themes))
    assert not stop_consecutive(queue, history, run=20)["overall"][0]  # not yet 20 in a row
    for i in range(12, 25):
        queue.decide(items[i].key, set())
        history.append(frozenset())
    stop, remaining, recall = stop_consecutive(queue, history, run=20)["overall"]
    assert stop and remaining >= 0 and 0 < recall <= 1


def test_the_bundled_prior_fits_the_bundled_codebook_and_refuses_another():
    book = load_codebook()
    assert bundled_prior(book).featurizer.width > 1000
    with pytest.raises(CodebookError, match="train-queue"):
        bundled_prior(load_codebook(DATA_DIR / "mini.yaml"))


@pytest.fixture
def coded_source(tmp_path, make_pdf):
    """One agenda of SOURCE, coded with the bundled codebook: (corpus folder, project file)."""
    from kwaliteitscan.pipeline.code import code_corpus

    folder = tmp_path / "corpus"
    folder.mkdir()
    make_pdf(SOURCE, name="corpus/roc-aap-2024.pdf")
    return folder, code_corpus(folder, None, jobs=1).db


SOURCE = """# 3 Stagediscriminatie

Wij erkennen dat stagediscriminatie bij onze leerbedrijven voorkomt. Dat nemen wij serieus.

Wij richten in 2025 een meldpunt stagediscriminatie in. Studenten vinden het op de website.

De kantine is open van acht tot vier. Het rooster staat in de app.
"""


@pytest.fixture
def gold_corpus(tmp_path, make_pdf):
    folder = tmp_path / "corpus"
    (folder / "gold").mkdir(parents=True)
    for name in ("roc-aap-2024", "roc-noot-2024"):
        make_pdf(SOURCE, name=f"corpus/{name}.pdf")
        passages = [{"theme": "acknowledgement", "polarity": "positive",
                     "text": "Wij erkennen dat stagediscriminatie bij onze leerbedrijven voorkomt."},
                    {"theme": "acknowledgement", "polarity": "positive", "text": "Dat nemen wij serieus."},
                    {"theme": "reporting_desk", "polarity": "positive",
                     "text": "Wij richten in 2025 een meldpunt stagediscriminatie in."},
                    {"theme": "goals", "polarity": "positive",
                     "text": "Wij richten in 2025 een meldpunt stagediscriminatie in."},
                    {"theme": "informing_students", "polarity": "positive",
                     "text": "Studenten vinden het op de website."}]
        statuses = {t: "absent" for t in THEMES} | {"acknowledgement": "present", "reporting_desk": "present",
                                                    "goals": "present", "informing_students": "present"}
        (folder / "gold" / f"{name}.yaml").write_text(yaml.safe_dump(
            {"document": f"{name}.pdf", "institution": name, "year": 2024, "themes": statuses, "flags": [],
             "passages": passages}, allow_unicode=True), encoding="utf-8")
    return folder


def test_simulate_replays_the_gold_through_the_queue(gold_corpus, tmp_path):
    png = tmp_path / "curves.png"
    result = runner.invoke(app, ["simulate", str(gold_corpus), "--out", str(png)])
    assert result.exit_code == 0, result.output
    assert "10 gold passages" in result.output and "1.00:" in result.output
    assert "matrix after review" in result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(runner.invoke(app, ["simulate", str(gold_corpus), "--json"]).output)
    assert data["gold"] == 10 and data["reachable"] == 10
    assert data["needed"]["1.0"] is not None and data["needed"]["1.0"] <= data["items"]


def test_train_queue_writes_a_prior_simulate_can_use(gold_corpus, tmp_path):
    out = tmp_path / "prior.json"
    result = runner.invoke(app, ["suggester", "train-queue", str(gold_corpus), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert Prior.load(out).meta["documents"] == 2
    again = runner.invoke(app, ["simulate", str(gold_corpus), "--prior", str(out), "--json"])
    assert again.exit_code == 0 and json.loads(again.output)["gold"] == 10


def test_train_queue_learns_from_several_coded_corpora_at_once(gold_corpus, tmp_path, make_pdf):
    # every blind batch, once scored, is more coded text for the prior: the corpora add up
    second = tmp_path / "batch"
    (second / "gold").mkdir(parents=True)
    make_pdf(SOURCE + "\n\nDe teams bespreken dit jaarlijks.", name="batch/roc-mies-2024.pdf")
    (second / "gold" / "roc-mies-2024.yaml").write_text(yaml.safe_dump(
        {"document": "roc-mies-2024.pdf", "institution": "ROC Mies", "year": 2024,
         "themes": {t: "absent" for t in THEMES} | {"acknowledgement": "present"}, "flags": [],
         "passages": [{"theme": "acknowledgement", "polarity": "positive",
                       "text": "Wij erkennen dat stagediscriminatie bij onze leerbedrijven voorkomt."}]},
        allow_unicode=True), encoding="utf-8")
    out = tmp_path / "prior.json"
    result = runner.invoke(app, ["suggester", "train-queue", str(gold_corpus), str(second), "--out", str(out)])
    assert result.exit_code == 0, result.output
    meta = Prior.load(out).meta
    assert meta["documents"] == 3 and meta["corpus"] == "corpus, batch"
    assert "trained on 3 documents" in result.output


def test_train_queue_names_a_coding_without_its_pdf_and_still_trains(gold_corpus, tmp_path):
    (gold_corpus / "gold" / "roc-weg-2024.yaml").write_text(yaml.safe_dump(
        {"document": "roc-weg-2024.pdf", "institution": "ROC Weg", "year": 2024,
         "themes": {t: "absent" for t in THEMES}, "flags": [], "passages": []}), encoding="utf-8")
    out = tmp_path / "prior.json"
    result = runner.invoke(app, ["suggester", "train-queue", str(gold_corpus), "--out", str(out)])
    assert result.exit_code == 10, result.output  # like `code`: some of the batch failed, the rest was used
    assert "roc-weg-2024.pdf: has a gold coding but no PDF" in result.output
    assert Prior.load(out).meta["documents"] == 2


def test_a_prior_that_is_not_one_is_one_line(gold_corpus, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    result = runner.invoke(app, ["simulate", str(gold_corpus), "--prior", str(bad)])
    assert result.exit_code == 3 and "not a review-queue prior" in result.output


def test_a_spreadsheet_coder_follows_the_queue_and_one_passage_may_carry_several_themes(tmp_path, coded_source):
    import csv

    from kwaliteitscan.project import Project

    folder, db = coded_source
    sheet = tmp_path / "batch.csv"
    assert runner.invoke(app, ["export", str(folder), "--pending", "--format", "csv"]).exit_code == 2  # needs --coder
    result = runner.invoke(app, ["export", str(folder), "--pending", "--coder", "ann", "--limit", "3", "--format",
                                 "csv", "--out", str(sheet)])
    assert result.exit_code == 0, result.output
    assert "stopping rule" in result.output
    with open(sheet, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 and all(r["decision"] == "pending" for r in rows)
    target = next(r for r in rows + [{}] if "meldpunt" in r.get("passage", "")) or rows[0]
    for r in rows:
        r["decision"] = "rejected"
    target["decision"], target["theme"] = "confirmed", "goals;reporting_desk"
    with open(sheet, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    imported = runner.invoke(app, ["import", str(folder), str(sheet), "--coder", "ann"])
    assert imported.exit_code == 0, imported.output
    with Project(db) as project:
        decided = project.latest_decisions("ann")
    confirmed = {(row["theme"], row["quote"]) for row in decided.values() if row["decision"] == "confirmed"}
    assert {theme for theme, quote in confirmed if quote and quote in target["passage"]} == {"goals", "reporting_desk"}
    def next_ids(coder: str) -> list[str]:
        out = tmp_path / f"next-{coder}.csv"
        assert runner.invoke(app, ["export", str(folder), "--pending", "--coder", coder, "--limit", "3", "--format",
                                   "csv", "--out", str(out)]).exit_code == 0
        with open(out, encoding="utf-8") as handle:
            return [r["id"] for r in csv.DictReader(handle)]

    assert not {r["id"] for r in rows} & set(next_ids("ann"))  # decided passages leave ann's queue
    assert next_ids("bob") == [r["id"] for r in rows]  # bob's queue knows nothing of ann's decisions
    report = json.loads(runner.invoke(app, ["report", str(folder), "--coder", "ann", "--format", "json"]).output)
    cells = report["institutions"][0]["themes"]
    texts = {t: {e["text"] for e in cells[t]["evidence"] if e["decision"] == "confirmed"} for t in cells}
    assert any(t in target["passage"] or target["passage"] in t for t in texts["goals"])
    assert any(t in target["passage"] or target["passage"] in t for t in texts["reporting_desk"])


def test_review_follows_the_queue_and_undo_puts_the_passage_back(tmp_path, coded_source):
    from kwaliteitscan.project import Project
    from kwaliteitscan.review.session import ReviewSession

    folder, db = coded_source
    with Project(db) as project:
        book = load_codebook()
        session = ReviewSession(project, "eva", book=book, codebook_version="t")
        assert session.total == len(project.passages()) == len(session.queue)  # every passage has a place
        first = session.current()
        assert first["sentence"] != "De kantine is open van acht tot vier."  # not the canteen first
        session.confirm()
        assert session.current()["id"] != first["id"] and session.progress()[0] == 1
        assert session.undo()["id"] == first["id"] and session.current()["id"] == first["id"]
        assert session.progress()[0] == 0 and project.latest_decisions("eva") == {}
        met, left, recall = session.stopping_rule()["overall"]
        assert not met and left > 0


def test_agreement_counts_passages_decided_in_the_queue_under_each_theme(tmp_path, coded_source):
    from kwaliteitscan.project import Project
    from kwaliteitscan.project.store import passage_candidate

    folder, db = coded_source
    with Project(db) as project:
        row = next(r for r in project.passages() if r["text"] == "Studenten vinden het op de website.")
        for theme in ("informing_students", "reporting_desk"):
            project.add_decision(passage_candidate(row, theme), "ann", "confirmed", theme=theme)
        project.add_decision(passage_candidate(row, "informing_students"), "bob", "confirmed",
                             theme="informing_students")
        project.add_decision(passage_candidate(row, "reporting_desk"), "bob", "rejected", theme="reporting_desk")
    result = runner.invoke(app, ["agreement", str(folder), "--coders", "ann,bob", "--format", "json"])
    assert result.exit_code == 0, result.output
    found = [d for d in json.loads(result.output)["disagreements"] if d["level"] == "candidate"]
    assert [(d["theme"], d["ann"], d["bob"], d["candidate_id"]) for d in found] == [
        ("reporting_desk", "confirmed", "rejected", f"{row['key']}#reporting_desk")]


def test_a_review_key_adds_a_theme_to_the_passage_on_screen(tmp_path, coded_source):
    from kwaliteitscan.project import Project
    from kwaliteitscan.review.session import ReviewSession

    folder, db = coded_source
    with Project(db) as project:
        session = ReviewSession(project, "eva", book=load_codebook(), codebook_version="t")
        shown = session.current()
        other = next(t for t in THEMES if t != shown["theme"])
        session.add_theme(other)
        assert session.current()["id"] == shown["id"]  # still on screen for its own decision
        session.confirm()
        themes = {row["theme"] for row in project.latest_decisions("eva").values() if row["decision"] == "confirmed"}
        assert themes == {shown["theme"], other}
        key = shown["passage_key"]
        assert session.worklist.queue.decisions[session.worklist.queue.index[key]] == {shown["theme"], other}
        session.undo()
        assert project.latest_decisions("eva") == {}  # undo takes the added theme back as well
        plain = ReviewSession(project, "fay", codebook_version="t")  # candidates only: no passage key to add to
        with pytest.raises(ValueError, match="review queue"):
            plain.add_theme(other)
