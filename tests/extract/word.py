"""Word drafts for the tests, written with python-docx itself: a title page, a hard page break,
headings, a bullet list, a table, and Dutch sentences the codebook finds."""

from __future__ import annotations

from pathlib import Path

THEME_SENTENCE = ("Wij erkennen dat stagediscriminatie voorkomt: studenten met een migratieachtergrond "
                  "vinden moeilijker een stageplaats dan andere studenten.")
BULLETS = ("Studenten kunnen stagediscriminatie melden bij het meldpunt van de school.",
           "Elke opleiding heeft een aanspreekpunt voor discriminatie tijdens de stage.")
TABLE = (("Doel", "Streefwaarde", "Jaar"),
         ("Meldingen van stagediscriminatie binnen vier weken afgehandeld", "100%", "2026"))
CONTROLLED = "Deze alinea staat in een inhoudsbesturingselement."
INSERTED = "toegevoegd"
DELETED = "geschrapt"


def draft(path: Path, *, rendered_break_after_hard: bool = True, breaks: bool = True) -> Path:
    """Page 1: title and foreword; page 2: the theme chapter (heading, paragraph, bullets,
    table); page 3: monitoring, also in a content control and with tracked changes."""
    import docx
    from docx.enum.text import WD_BREAK
    from docx.oxml import OxmlElement

    doc = docx.Document()
    doc.add_heading("Kwaliteitsagenda 2024-2027 ROC Duinrand", level=0)
    doc.add_paragraph("Voorwoord. Deze agenda beschrijft onze plannen voor de komende vier jaar.")
    if breaks:
        doc.add_page_break()
    heading = doc.add_heading("1 Stagediscriminatie", level=1)
    if breaks and rendered_break_after_hard:
        # Word marks where its rendering started a page; after a hard break that is the same page
        heading.runs[0]._r.insert(0, OxmlElement("w:lastRenderedPageBreak"))
    doc.add_paragraph(THEME_SENTENCE)
    for item in BULLETS:
        doc.add_paragraph(item, style="List Bullet")
    table = doc.add_table(rows=len(TABLE), cols=len(TABLE[0]))
    for r, row in enumerate(TABLE):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    last = doc.add_paragraph("Zo volgen wij de voortgang")
    if breaks:
        last.add_run().add_break(WD_BREAK.PAGE)  # a hard break at the end of a paragraph
    last.add_run()
    doc.add_heading("2 Monitoring", level=1)
    body = doc.element.body
    body.sectPr.addprevious(_xml(f'<w:sdt {_NS}><w:sdtContent><w:p><w:r><w:t>{CONTROLLED}</w:t></w:r></w:p>'
                                 '</w:sdtContent></w:sdt>'))
    body.sectPr.addprevious(_xml(f'<w:p {_NS}><w:r><w:t xml:space="preserve">Een zin met een </w:t></w:r>'
                                 f'<w:ins w:id="1" w:author="kc" w:date="2026-01-01T00:00:00Z"><w:r><w:t>{INSERTED}'
                                 f'</w:t></w:r></w:ins><w:del w:id="2" w:author="kc" w:date="2026-01-01T00:00:00Z">'
                                 f'<w:r><w:delText>{DELETED}</w:delText></w:r></w:del>'
                                 '<w:r><w:t xml:space="preserve"> woord.</w:t></w:r></w:p>'))
    doc.save(str(path))
    return path


_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _xml(text: str):
    from docx.oxml import parse_xml

    return parse_xml(text)
