"""Generated 'scans' for the OCR tests: Dutch text rendered to a bitmap and embedded as the only
content of a PDF page (no text layer), next to an ordinary text page."""

from __future__ import annotations

import textwrap
from pathlib import Path

SCANNED_TEXT = (
    "Stagediscriminatie op de werkvloer",
    "Wij erkennen dat stagediscriminatie voorkomt bij het zoeken naar een stageplaats. "
    "Studenten kunnen een melding doen bij het meldpunt van de school. De stagecoördinator "
    "bespreekt iedere melding binnen twee weken met de student en het leerbedrijf.",
)
TEXT_PAGE = "Voorwoord. Deze kwaliteitsagenda beschrijft onze plannen voor de komende vier jaar."


def _font(size: int):
    from PIL import ImageFont
    import reportlab

    vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"  # shipped with reportlab: no system font needed
    return ImageFont.truetype(str(vera), size)


def scan_image(path: Path, lines: tuple[str, ...] = SCANNED_TEXT, dpi: int = 200, blur: float = 0.0,
               noise: float = 0.0, rotate: int = 0) -> Path:
    """An A4 'scan' of `lines` (the first as a heading) as a grayscale PNG; `blur` and `noise`
    make a poor one, `rotate` (degrees) one fed into the scanner the wrong way round."""
    from PIL import Image, ImageDraw, ImageFilter

    width, height = int(8.27 * dpi), int(11.69 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    y = int(1.0 * dpi)
    for k, text in enumerate(lines):
        size = int((16 if k == 0 else 11) / 72 * dpi)
        font = _font(size)
        for line in textwrap.wrap(text, 60 if k else 40):
            draw.text((int(1.0 * dpi), y), line, fill=0, font=font)
            y += int(size * 1.5)
        y += size
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        import random

        rng = random.Random(7)
        pixels = image.load()
        for _ in range(int(noise * width * height)):
            pixels[rng.randrange(width), rng.randrange(height)] = rng.choice((0, 255))
    if rotate:
        image = image.rotate(rotate, expand=True, fillcolor=255)
    image.save(path)
    return path


def scanned_pdf(path: Path, *, text_page: bool = True, **image_options) -> Path:
    """Page 1 (when `text_page`): ordinary text; page 2 (or 1): only the scanned image."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    image = scan_image(path.with_suffix(".png"), **image_options)
    c = canvas.Canvas(str(path), pagesize=A4)
    if text_page:
        c.setFont("Helvetica", 11)
        c.drawString(72, A4[1] - 72, TEXT_PAGE)
        c.showPage()
    c.drawImage(str(image), 0, 0, width=A4[0], height=A4[1])
    c.showPage()
    c.save()
    image.unlink()
    return path
