"""Small PDFs the tests make themselves: good ones via reportlab, bad ones by hand.

A hand-written PDF is a list of objects with a correct cross-reference table, so that a
test controls exactly which part is broken.
"""

from __future__ import annotations

import zlib
from pathlib import Path


def raw_pdf(page_streams: list[bytes], *, filters: list[str | None] | None = None, width: int = 595,
            height: int = 842) -> bytes:
    """A minimal PDF with one Helvetica page per content stream (streams may be pre-compressed)."""
    filters = filters or [None] * len(page_streams)
    objects: list[bytes] = []
    n_pages = len(page_streams)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i, (stream, flt) in enumerate(zip(page_streams, filters)):
        content_ref = 5 + 2 * i
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
                       f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content_ref} 0 R >>".encode())
        extra = f" /Filter /{flt}" if flt else ""
        objects.append(f"<< /Length {len(stream)}{extra} >>\nstream\n".encode() + stream + b"\nendstream")
    return pdf_from_objects(objects, header=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")


def pdf_from_objects(objects: list[bytes], header: bytes = b"%PDF-1.4\n") -> bytes:
    """A PDF of the given objects (numbered from 1, the first the catalog) with a correct xref table."""
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def text_stream(lines: list[tuple[float, float, str]], size: int = 11) -> bytes:
    """Content stream that shows each (x, y, text) with Helvetica, in the order given."""
    ops = []
    for x, y, text in lines:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"BT /F1 {size} Tf {x:.1f} {y:.1f} Td ({escaped}) Tj ET")
    return "\n".join(ops).encode("cp1252")


def interleaved_two_columns(left: list[str], right: list[str]) -> bytes:
    """Two columns written line by line alternating between them, the hard case for stream order."""
    lines = []
    for i in range(max(len(left), len(right))):
        y = 760 - 14 * i
        if i < len(left):
            lines.append((50, y, left[i]))
        if i < len(right):
            lines.append((320, y, right[i]))
    return raw_pdf([text_stream(lines, size=10)])


def bomb_pdf(megabytes: int) -> bytes:
    """One page whose content stream inflates from a few hundred kB to `megabytes` MB."""
    packer = zlib.compressobj(9)
    parts = [packer.compress(b"BT /F1 11 Tf 50 800 Td (Bom) Tj ET\n")]
    block = b" " * (1024 * 1024)
    parts += [packer.compress(block) for _ in range(megabytes)]  # a megabyte at a time: small here
    parts.append(packer.flush())
    return raw_pdf([b"".join(parts)], filters=["FlateDecode"])


def broken_page_pdf() -> bytes:
    """Three pages; the second has a content stream that cannot be decoded."""
    good1 = text_stream([(50, 780, "Eerste pagina met gewone tekst over stages.")])
    good3 = text_stream([(50, 780, "Derde pagina met gewone tekst over meldingen.")])
    garbage = b"\x00\x01this is not flate data at all\xff" * 20
    return raw_pdf([good1, garbage, good3], filters=[None, "FlateDecode", None])


def image_only_pdf(path: Path) -> Path:
    """A 'scan': one page with only an image, no text layer."""
    from PIL import Image
    from reportlab.pdfgen import canvas

    img = path.with_suffix(".png")
    Image.new("RGB", (200, 280), "white").save(img)
    c = canvas.Canvas(str(path))
    c.drawImage(str(img), 50, 300, width=400, height=500)
    c.showPage()
    c.save()
    return path


def encrypted_pdf(path: Path, password: str = "geheim") -> Path:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    enc = pdfencrypt.StandardEncryption(password, canPrint=1)
    c = canvas.Canvas(str(path), encrypt=enc)
    c.drawString(72, 720, "Vertrouwelijke kwaliteitsagenda")
    c.showPage()
    c.save()
    return path


def long_pdf(path: Path, pages: int) -> Path:
    """Many simple pages fast (canvas, no layout engine), with a running footer."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    for number in range(1, pages + 1):
        for line in range(40):
            c.drawString(72, 760 - 16 * line, f"Pagina-inhoud {number}.{line}: studenten lopen stage bij leerbedrijven.")
        c.drawCentredString(300, 30, f"Pagina {number} van {pages}")
        c.showPage()
    c.save()
    return path
