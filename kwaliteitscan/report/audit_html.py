"""The self-audit as one self-contained HTML page that prints to two or three A4 pages.

No script; inline CSS allowed by a Content-Security-Policy hash; every text from the PDF, the
file name or the codebook is escaped (`html.esc`).
"""

from __future__ import annotations

from .html import csp_hash, esc
from .labels import NO_GAPS, NOTHING_IN_ORDER

_CSS = """
:root { --tekst: #1d2433; --zacht: #5b6475; --lijn: #c9ced8; --achter: #f6f7f9; --rood: #b03a3a;
  --groen: #2e7d32; --geel: #a87900; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font: 16px/1.5 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: var(--tekst); }
main { max-width: 52rem; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.6em; margin: 0 0 4px; line-height: 1.25; }
h2 { font-size: 1.25em; margin: 28px 0 10px; border-bottom: 2px solid var(--tekst); padding-bottom: 3px; }
h3 { font-size: 1.05em; margin: 0 0 4px; }
.onder { color: var(--zacht); margin: 0 0 8px; }
.waarschuwing { border: 3px solid var(--rood); background: #fdf0f0; padding: 10px 14px; border-radius: 6px;
  font-weight: bold; margin: 14px 0; }
ol.punten { list-style: none; padding: 0; margin: 0; counter-reset: punt; }
.punt { border-left: 6px solid var(--rood); background: #fdf7f7; padding: 8px 12px; margin: 0 0 10px;
  border-radius: 4px; break-inside: avoid; }
.punt h3::before { counter-increment: punt; content: counter(punt) ". "; }
.punt p { margin: 3px 0; }
.bevinding { font-style: italic; color: var(--zacht); }
.bevinding.niets { color: var(--rood); font-weight: bold; font-style: normal; }
blockquote { margin: 4px 0 4px 0; padding: 3px 10px; border-left: 3px solid var(--lijn); background: #fff;
  font-size: .92em; }
blockquote.tegen { border-left-color: var(--rood); }
blockquote .p { color: var(--zacht); white-space: nowrap; }
.orde { list-style: none; padding: 0; margin: 0; }
.orde li { border-left: 6px solid var(--groen); padding: 6px 12px; margin: 0 0 8px; background: #f4faf4;
  border-radius: 4px; break-inside: avoid; }
.orde h3::before { content: "✓ "; color: var(--groen); }
.thema { font-size: .85em; color: var(--zacht); }
.methode { font-size: .9em; color: var(--zacht); padding-left: 1.2em; }
.methode li { margin: 2px 0; }
@page { size: A4 portrait; margin: 16mm 15mm; }
@media print {
  body { font-size: 9.5pt; line-height: 1.38; }
  main { max-width: none; padding: 0; }
  h1 { font-size: 16pt; }
  h2 { font-size: 12.5pt; margin-top: 14px; break-after: avoid; }
  .punt, .orde li { padding: 4px 10px; margin-bottom: 6px; }
  blockquote { margin: 2px 0; }
}
"""

CSP = f"default-src 'none'; style-src {csp_hash(_CSS)}; img-src 'none'; base-uri 'none'; form-action 'none'"


def _quote(q) -> str:
    cls = " class=\"tegen\"" if q.against else ""
    against = f" · {esc(q.mark)}" if q.against else ""
    return f"<blockquote{cls}>“{esc(q.text)}” <span class=\"p\">(p. {esc(q.page)}{against})</span></blockquote>"


def render_audit_html(audit) -> str:
    """The page of a `report.audit.Audit` (a string)."""
    parts = ["<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n",
             f"<meta http-equiv=\"Content-Security-Policy\" content=\"{esc(CSP)}\">\n",
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
             "<meta name=\"referrer\" content=\"no-referrer\">\n",
             f"<title>{esc(audit.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n",
             f"<h1>{esc(audit.title)}</h1>\n",
             f"<p class=\"onder\">Gemaakt met kwaliteitscan op {esc(audit.report.created)}. Suggesties van een "
             "computerprogramma, nog niet door een mens gecontroleerd.</p>\n"]
    if audit.warning:
        parts.append(f"<p class=\"waarschuwing\" role=\"alert\">{esc(audit.warning)}</p>\n")
    parts.append("<section id=\"beter\">\n<h2>Wat kan er beter?</h2>\n")
    if not audit.gaps:
        parts.append(f"<p>{NO_GAPS}</p>\n")
    else:
        parts.append("<ol class=\"punten\">\n")
        for gap in audit.gaps:
            finding = "bevinding niets" if not gap.quotes else "bevinding"
            themes = ", ".join(gap.themes)
            parts.append(f"<li class=\"punt\"><h3>{esc(gap.title)}</h3>"
                         + (f"<p class=\"thema\">Thema: {esc(themes)}</p>" if themes != gap.title else "")
                         + f"<p>{esc(gap.advice)}</p>"
                         + (f"<p class=\"reden\">Waarom: {esc(gap.reason)}.</p>" if gap.reason else "")
                         + f"<p class=\"{finding}\">{esc(gap.finding)}</p>"
                         + "".join(_quote(q) for q in gap.quotes) + "</li>\n")
        parts.append("</ol>\n")
    parts.append("</section>\n<section id=\"orde\">\n<h2>Wat is in orde</h2>\n")
    if not audit.in_order:
        parts.append(f"<p>{NOTHING_IN_ORDER}</p>\n")
    else:
        parts.append("<ul class=\"orde\">\n")
        for item in audit.in_order:
            parts.append(f"<li><h3>{esc(item.label)}</h3>{_quote(item.quote)}</li>\n")
        parts.append("</ul>\n")
    parts.append("</section>\n<section id=\"methode\">\n<h2>Hoe dit rapport is gemaakt</h2>\n<ul class=\"methode\">"
                 + "".join(f"<li>{esc(line)}</li>" for line in audit.method) + "</ul>\n</section>\n")
    parts.append("</main>\n</body>\n</html>\n")
    return "".join(parts)
