"""The report of a coded corpus with, per agenda, how far its review queue was worked.

'Absent' after review means 'looked for and not found' only where a coder worked the queue to
the stopping rule; elsewhere it may mean 'not read yet'. So the report says per agenda which
it is, from the review queue of each coder whose decisions the report rests on.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import CodebookError
from ..project import open_project, project_codebook
from ..report.model import Report, report_from_project
from ..review.queue import ReviewQueue, bundled_prior


def report_with_search(corpus: Path, db: Path | None = None, coder: str | None = None,
                       final: bool = False) -> Report:
    """`report.load_report`, plus each agenda's search state (InstitutionReport.search)."""
    with open_project(corpus, db, readonly=True) as project:
        book = project_codebook(project)
        built = report_from_project(project, book, coder, final)
        coders = [coder] if coder else project.coders()
        if not coders or not project.has_any_passages():
            return built
        try:
            prior = bundled_prior(book)
        except CodebookError:  # no queue prior for this codebook's themes: nobody worked a queue
            return built
        queues = {name: ReviewQueue(project, name, book, prior=prior) for name in coders}
        unit_of = {d["sha256"]: (d["institution"], d["year"]) for d in project.documents()}
    met = sorted(name for name, queue in queues.items() if queue.stop()["overall"][0] and queue.queue.decisions)
    left: dict[tuple, float] = {}
    for name, queue in queues.items():
        if not queue.queue.decisions:
            continue
        p = queue.queue.probabilities()
        for i in queue.queue.pending():
            unit = unit_of[queue.documents[queue.document_of[i]]]
            left[(name, unit)] = left.get((name, unit), 0.0) + float(p[i].sum())
    working = sorted(name for name, queue in queues.items() if queue.queue.decisions)
    for inst in built.institutions:
        unit = (inst.institution, inst.year)
        if met:
            inst.search = (f"de beoordelingswachtrij is tot de stopregel doorgewerkt ({', '.join(met)}): wat hier "
                           "afwezig is, is gezocht en niet gevonden.")
        elif working:
            estimate = min(left.get((name, unit), 0.0) for name in working)
            inst.search = (f"de beoordelingswachtrij is nog niet tot de stopregel doorgewerkt ({', '.join(working)}); "
                           f"naar schatting staan in deze agenda nog {estimate:.0f} relevante passage(s) ongelezen, "
                           "dus 'afwezig' betekent hier nog niet 'gezocht en niet gevonden'.")
    return built
