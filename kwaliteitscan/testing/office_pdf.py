"""A two-column Dutch .docx written by hand, exported to PDF by LibreOffice headless.

What an office suite makes of an agenda: justified columns, automatic Dutch hyphenation, a
running header and a page-number footer. Used by benchmarks/bench_reading_order.py and
tests/extract; needs `soffice` (apt-get install libreoffice-writer-nogui hyphen-nl), and says
so when it is missing. The product never imports it.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

HEADER = "Kwaliteitsagenda 2024-2027 | ROC Duinrand"




def write_docx(paragraphs: list[str], out: Path) -> Path:
    """A minimal two-column Word document in Dutch with automatic hyphenation, a running header
    ("Kwaliteitsagenda 2024-2027 | ROC Duinrand") and a footer with the page number."""
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' \
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    body = "".join(f'<w:p><w:pPr><w:jc w:val="both"/></w:pPr><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>'
                   for p in paragraphs)
    section = ('<w:sectPr><w:headerReference w:type="default" r:id="rHeader"/>'
               '<w:footerReference w:type="default" r:id="rFooter"/>'
               '<w:pgSz w:w="11906" w:h="16838"/>'
               '<w:pgMar w:top="1418" w:right="1134" w:bottom="1418" w:left="1134" w:header="709" w:footer="709"/>'
               '<w:cols w:num="2" w:space="454"/></w:sectPr>')
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
            '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
            '<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
            '<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>'
            '</Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            '</Relationships>'),
        "word/_rels/document.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            '<Relationship Id="rSettings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>'
            '<Relationship Id="rHeader" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>'
            '<Relationship Id="rFooter" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>'
            '</Relationships>'),
        "word/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><w:styles {w}><w:docDefaults><w:rPrDefault><w:rPr>'
            '<w:rFonts w:ascii="Liberation Serif" w:hAnsi="Liberation Serif"/><w:sz w:val="21"/><w:lang w:val="nl-NL"/>'
            '</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="120"/></w:pPr></w:pPrDefault>'
            '</w:docDefaults></w:styles>'),
        "word/settings.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:settings {w}><w:autoHyphenation/></w:settings>',
        "word/header1.xml": (f'<?xml version="1.0" encoding="UTF-8"?><w:hdr {w}><w:p><w:r>'
                             f'<w:t>{HEADER}</w:t></w:r></w:p></w:hdr>'),
        "word/footer1.xml": (f'<?xml version="1.0" encoding="UTF-8"?><w:ftr {w}><w:p><w:pPr><w:jc w:val="center"/></w:pPr>'
                             '<w:r><w:t xml:space="preserve">Pagina </w:t></w:r><w:fldSimple w:instr="PAGE"><w:r><w:t>1</w:t>'
                             '</w:r></w:fldSimple></w:p></w:ftr>'),
        "word/document.xml": (f'<?xml version="1.0" encoding="UTF-8"?><w:document {w}><w:body>{body}{section}'
                              '</w:body></w:document>'),
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return out


def libreoffice_pdf(paragraphs: list[str], folder: Path) -> tuple[Path | None, str]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None, "soffice not installed (apt-get install libreoffice-writer-nogui hyphen-nl)"
    docx = write_docx(paragraphs, folder / "agenda-lo.docx")
    profile = folder / "lo-profile"
    proc = subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                           "--outdir", str(folder), str(docx)], capture_output=True, text=True, timeout=300)
    pdf = folder / "agenda-lo.pdf"
    if not pdf.exists():
        return None, f"LibreOffice did not write a PDF: {proc.stderr.strip()[:200]}"
    version = subprocess.run([soffice, "--version"], capture_output=True, text=True).stdout.strip()
    return pdf, version
