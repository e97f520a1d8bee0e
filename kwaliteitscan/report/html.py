"""The report as one self-contained, printable HTML page in Dutch (standard library only).

`render_html(report)` returns a complete document with inline CSS and one small inline
script; it loads nothing from anywhere, so it works offline and can be mailed as a file.

What the page holds, in order:
1. a header: title, codebook (name, version, first 12 characters of the sha256), pipeline,
   basis of the decisions and date, plus a legend of symbols and borders;
2. the matrix: institutions (with year), their three figures (themes present, themes reviewed,
   checklist points that apply; docs/reports.md) and the themes of the codebook; the name and
   figure heads sort the rows (inline script; without it the order stays alphabetical). Below
   1400 px the cells drop the symbol and review state so the matrix fits without scrolling
   sideways down to 1024 px. Each cell gives the
   status as a word *and* a symbol (● aanwezig, ◐ onduidelijk, ○ afwezig), whether it
   rests on reviewed decisions (solid border, "✓ beoordeeld") or on unreviewed
   suggestions (dashed border, "suggestie"), and the review state (geen kandidaten, alles
   verworpen, nog niet beoordeeld, deels beoordeeld);
3. the corpus summary (`Report.summary()`) and an overview of the checklist points;
4. per institution: the checklist "Wat kan er beter?" (applying points first, with
   explanation, reason and the pages it rests on; a point that does not apply shows only its
   label and reason, in grey, not its explanation, which describes a shortcoming) and the evidence per theme: quote,
   document, "p. N", qualifiers, polarity and decision.

Interaction: every matrix cell is a link to its evidence section further down the page
(`href="#ev-I-J"`), so it works without script and in print. The inline script
progressively enhances this: a click opens a copy of that evidence section in a panel at
the bottom of the screen, so the matrix stays in view. In print the panel and the
screen-only hints are hidden, colours are kept, each institution starts on a new page,
and all evidence is printed because it is ordinary page content.

Output safety: every text that comes from a PDF, a file name, a coder or the codebook is
passed through `html.escape(..., quote=True)`; untrusted text never goes into the script,
the style, a URL or an unescaped attribute. Anchor ids and CSS classes come from indexes
and fixed whitelists, never from raw text. A Content-Security-Policy meta tag allows only
the page's own script and style (by hash) and blocks every network request.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from ..codebook import Codebook
from .labels import DECISION_NL, POLARITY_NL
from .model import FIGURES_NL, STATE_NL, STATUS_NL, ChecklistItem, Evidence, InstitutionReport, Report, ThemeCell

TITLE = "Kwaliteitsagenda's en stagediscriminatie"

SYMBOL = {"present": "●", "unclear": "◐", "absent": "○"}
_STATUSES = frozenset(STATUS_NL)
_STATES = frozenset(STATE_NL)
_DECISIONS = frozenset(DECISION_NL)


def esc(value: object) -> str:
    """Escape any value for HTML text and for double-quoted attributes."""
    return escape("" if value is None else str(value), quote=True)


def _token(value: str, allowed: frozenset[str], default: str = "onbekend") -> str:
    """A CSS class token from a fixed whitelist, never from free text."""
    return value if value in allowed else default


# --------------------------------------------------------------------------- style and script

_CSS = """
:root { --tekst: #1d2433; --zacht: #5b6475; --lijn: #c9ced8; --achter: #f6f7f9;
  --aanwezig: #dcefdc; --aanwezig-rand: #2e7d32; --aanwezig-tekst: #1b5e20;
  --onduidelijk: #fff1bf; --onduidelijk-rand: #a87900; --onduidelijk-tekst: #5c4300;
  --afwezig: #f7e0e0; --afwezig-rand: #b03a3a; --afwezig-tekst: #7a1f1f; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font: 15px/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: var(--tekst);
  background: #fff; }
header, main { max-width: 1500px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; border-bottom: 3px solid var(--tekst); padding-bottom: 10px; }
h1 { font-size: 1.7em; margin: 0 0 6px; }
h2 { font-size: 1.3em; margin: 30px 0 10px; border-bottom: 1px solid var(--lijn); padding-bottom: 4px; }
h3 { font-size: 1.1em; margin: 22px 0 8px; }
h4 { font-size: 1em; margin: 0 0 6px; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: .92em; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0 0; }
.meta dt { font-weight: bold; }
.meta dd { margin: 0; }
.zacht { color: var(--zacht); }
.legenda { display: flex; flex-wrap: wrap; gap: 8px 18px; align-items: center; margin: 14px 0 6px;
  font-size: .88em; }
.legenda .cel { display: inline-block; min-height: 0; padding: 2px 8px; }
.hint { display: none; font-size: .88em; color: var(--zacht); margin: 4px 0 8px; }
html.js .hint { display: block; }
table { border-collapse: separate; border-spacing: 4px; width: 100%; }
.rol { overflow-x: auto; }
.matrix { table-layout: fixed; margin-left: -4px; }
.matrix th { font-size: .82em; text-align: left; vertical-align: bottom; padding: 4px 4px 6px;
  overflow-wrap: break-word; hyphens: auto; line-height: 1.25; }
.matrix th.instelling-kop, .matrix tbody th { width: 12%; }
.matrix th.cijfer-kop { width: 5%; }
.matrix td.cijfer { text-align: center; vertical-align: middle; font-weight: bold; font-size: .95em;
  background: var(--achter); border-radius: 4px; }
.matrix td.cijfer .van { font-weight: normal; color: var(--zacht); font-size: .8em; }
.sorteer button { font: inherit; font-weight: bold; color: inherit; background: none; border: 0; padding: 0;
  text-align: left; cursor: default; hyphens: manual; width: 100%; }
html.js .sorteer button { cursor: pointer; text-decoration: underline dotted; }
html.js .sorteer .pijl::after { content: " ↕"; color: var(--zacht); }
html.js .sorteer[aria-sort="ascending"] .pijl::after { content: " ▲"; color: var(--tekst); }
html.js .sorteer[aria-sort="descending"] .pijl::after { content: " ▼"; color: var(--tekst); }
.matrix tbody th { font-size: .9em; vertical-align: top; padding: 6px 6px 4px 4px;
  overflow-wrap: anywhere; }
.matrix tbody th a { color: var(--tekst); }
.matrix td { padding: 0; vertical-align: top; height: 1px; }
.matrix td > .cel { height: 100%; }
.cel { display: block; min-height: 76px; padding: 5px 7px; border: 2px solid; border-radius: 5px;
  text-decoration: none; color: var(--tekst); font-size: .82em; line-height: 1.3; }
a.cel:hover, a.cel:focus { outline: 3px solid #1a56c4; outline-offset: 1px; }
a.cel.gekozen { outline: 3px solid #1a56c4; outline-offset: 1px; }
.cel .status { display: block; font-weight: bold; font-size: 1em; }
.cel .sym { font-size: 1.15em; }
.cel .merk, .cel .staat, .cel .aantal { display: block; }
.cel .aantal { color: var(--zacht); }
.st-present { background: var(--aanwezig); border-color: var(--aanwezig-rand); }
.st-present .sym, .st-present .woord { color: var(--aanwezig-tekst); }
.st-unclear { background: var(--onduidelijk); border-color: var(--onduidelijk-rand); }
.st-unclear .sym, .st-unclear .woord { color: var(--onduidelijk-tekst); }
.st-absent { background: var(--afwezig); border-color: var(--afwezig-rand); }
.st-absent .sym, .st-absent .woord { color: var(--afwezig-tekst); }
.st-onbekend { background: var(--achter); border-color: var(--lijn); }
.bw-suggestie { border-style: dashed; }
.bw-leeg { border-style: dotted; }
.bw-suggestie .merk, .bw-leeg .merk { font-style: italic; }
.bw-beoordeeld .merk { font-weight: bold; }
.samenvatting li { margin: 2px 0; }
.overzicht { table-layout: fixed; font-size: .85em; margin-left: -4px; min-width: 820px; }
.overzicht th { text-align: left; vertical-align: bottom; padding: 4px; font-size: .95em; }
.overzicht td { padding: 4px 6px; border-radius: 4px; border: 1px solid var(--lijn); }
.overzicht td.geldt { background: var(--afwezig); border-color: var(--afwezig-rand); font-weight: bold; }
.overzicht td.geldt-niet { background: var(--achter); color: var(--zacht); }
.instelling { border-top: 3px solid var(--tekst); margin-top: 36px; }
.instelling > h2 { border: 0; margin-top: 14px; }
.documenten { margin: 0 0 8px; }
.punten { list-style: none; padding: 0; margin: 0; }
.punt { border: 1px solid var(--lijn); border-left-width: 6px; border-radius: 4px; padding: 8px 12px;
  margin: 0 0 8px; break-inside: avoid; }
.punt.geldt { border-left-color: var(--afwezig-rand); background: #fdf5f5; }
.punt.geldt-niet { border-left-color: var(--lijn); background: var(--achter); color: var(--zacht); padding: 4px 12px; }
.punt.geldt-niet .kop { font-weight: normal; color: var(--tekst); }
.punt p { margin: 3px 0; }
.punt .kop { font-weight: bold; }
.punt .label-geldt { display: inline-block; }
.punt .reden { font-size: .92em; }
.punt .refs { font-size: .88em; color: var(--zacht); }
.bewijs { border: 1px solid var(--lijn); border-radius: 6px; padding: 10px 14px; margin: 0 0 12px;
  scroll-margin-top: 12px; }
.bewijs:target { outline: 3px solid #1a56c4; }
.bewijs .kop-status { font-weight: normal; }
.bewijs-kop { display: flex; justify-content: space-between; align-items: baseline; gap: 12px; }
.bewijs .waar { display: none; margin: 0 0 4px; }
#paneel-inhoud .bewijs .waar { display: block; }
.bewijs.leeg { padding: 6px 14px; background: var(--achter); }
.bewijs.leeg h4 { margin: 0; }
.bewijs .geen { margin: 2px 0 0; font-size: .9em; color: var(--zacht); }
.s-present { color: var(--aanwezig-rand); } .s-unclear { color: var(--onduidelijk-rand); }
.s-absent { color: var(--afwezig-rand); }
.fragmenten { margin: 8px 0 0; padding-left: 1.5em; }
.frag { margin: 0 0 10px; break-inside: avoid; scroll-margin-top: 12px; }
.frag:target { background: #eef3fd; }
.frag blockquote { margin: 0 0 3px; padding: 4px 10px; border-left: 4px solid var(--lijn); background: var(--achter);
  white-space: pre-wrap; overflow-wrap: anywhere; }
.frag.pol-positive blockquote { border-left-color: var(--aanwezig-rand); }
.frag.pol-negative blockquote { border-left-color: var(--afwezig-rand); }
.frag.dec-rejected blockquote { color: var(--zacht); text-decoration: line-through; text-decoration-color: #9aa1ad; }
.frag .bron { font-size: .86em; color: var(--zacht); margin: 0; overflow-wrap: anywhere; }
.frag .bron b { color: var(--tekst); font-weight: 600; }
.terug { font-size: .85em; white-space: nowrap; }
.themas dt { font-weight: bold; margin-top: 6px; }
.themas dd { margin: 0 0 0 1.2em; }
footer { max-width: 1500px; margin: 30px auto 0; padding: 10px 24px 24px; color: var(--zacht); font-size: .85em;
  border-top: 1px solid var(--lijn); }
#paneel { position: fixed; left: 0; right: 0; bottom: 0; max-height: 48vh; overflow: auto; background: #fff;
  border-top: 3px solid #1a56c4; box-shadow: 0 -6px 18px rgba(0,0,0,.18); padding: 10px 24px 16px; z-index: 10; }
#paneel[hidden] { display: none; }
#paneel .paneel-balk { display: flex; justify-content: space-between; align-items: center; gap: 12px;
  max-width: 1500px; margin: 0 auto 6px; }
#paneel-inhoud { max-width: 1500px; margin: 0 auto; }
#paneel-inhoud .bewijs { border: 0; padding: 0; margin: 0; background: none; }
#paneel-inhoud .terug { display: none; }
#paneel-sluit { font: inherit; padding: 3px 12px; cursor: pointer; }
@media (max-width: 1399px) {
  .matrix { border-spacing: 2px; }
  .matrix th { font-size: .74em; padding: 2px 2px 4px; }
  .matrix tbody th { font-size: .8em; }
  .matrix th.instelling-kop, .matrix tbody th { width: 11%; }
  .matrix th.cijfer-kop { width: 6%; }
  .cel { min-height: 0; padding: 3px 4px; font-size: .72em; }
  .cel .status { white-space: normal; font-size: 1.05em; }
  .cel .sym, .cel .staat { display: none; }
}
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { font-size: 10pt; }
  header, main, footer { max-width: none; padding: 0; }
  #paneel, .hint, .terug, .sorteer .pijl { display: none !important; }
  .sorteer button { text-decoration: none !important; }
  a { color: inherit; text-decoration: none; }
  .matrix tr, .overzicht tr { break-inside: avoid; }
  .matrix thead, .overzicht thead { display: table-header-group; }
  .rol { overflow: visible; }
  .matrix, .overzicht { min-width: 0; }
  .cel { min-height: 0; font-size: .74em; padding: 3px 5px; }
  .cel .status { font-size: 1.05em; }
  .instelling { break-before: page; border-top: 0; margin-top: 0; }
  .bewijs { break-inside: auto; }
  .bewijs h4 { break-after: avoid; }
  h2, h3 { break-after: avoid; }
}
"""

_SCRIPT = """
(function () {
  document.documentElement.classList.add('js');
  var paneel = document.getElementById('paneel');
  var inhoud = document.getElementById('paneel-inhoud');
  var gekozen = null;
  function sluit() {
    paneel.hidden = true;
    if (gekozen) { gekozen.classList.remove('gekozen'); gekozen.focus(); gekozen = null; }
  }
  function toon(link) {
    var bron = document.getElementById(link.getAttribute('href').slice(1));
    if (!bron) { return false; }
    var kopie = bron.cloneNode(true);
    kopie.removeAttribute('id');
    kopie.querySelectorAll('[id]').forEach(function (n) { n.removeAttribute('id'); });
    inhoud.replaceChildren(kopie);
    if (gekozen) { gekozen.classList.remove('gekozen'); }
    gekozen = link;
    link.classList.add('gekozen');
    document.getElementById('paneel-naar').setAttribute('href', link.getAttribute('href'));
    paneel.hidden = false;
    paneel.scrollTop = 0;
    return true;
  }
  document.querySelectorAll('a.cel').forEach(function (link) {
    link.addEventListener('click', function (e) { if (toon(link)) { e.preventDefault(); } });
  });
  document.getElementById('paneel-sluit').addEventListener('click', sluit);
  document.getElementById('paneel-naar').addEventListener('click', function () { paneel.hidden = true; });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape' && !paneel.hidden) { sluit(); } });
  var tabel = document.querySelector('table.matrix');
  function naam(rij) { return rij.cells[0].textContent; }
  if (tabel && tabel.tBodies.length) {
    tabel.querySelectorAll('thead button[data-kolom]').forEach(function (knop) {
      knop.addEventListener('click', function () {
        var kolom = Number(knop.getAttribute('data-kolom'));
        var kop = knop.parentNode;
        var op = kop.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
        tabel.querySelectorAll('thead th').forEach(function (h) { h.removeAttribute('aria-sort'); });
        kop.setAttribute('aria-sort', op);
        var body = tabel.tBodies[0];
        var rijen = Array.prototype.slice.call(body.rows);
        rijen.sort(function (a, b) {
          var r = kolom === 0 ? naam(a).localeCompare(naam(b), 'nl')
            : Number(a.cells[kolom].getAttribute('data-v')) - Number(b.cells[kolom].getAttribute('data-v'));
          if (op === 'descending') { r = -r; }
          return r || naam(a).localeCompare(naam(b), 'nl');
        });
        rijen.forEach(function (rij) { body.appendChild(rij); });
      });
    });
  }
})();
"""


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


CSP = (f"default-src 'none'; style-src {csp_hash(_CSS)}; script-src {csp_hash(_SCRIPT)}; "
       "img-src 'none'; base-uri 'none'; form-action 'none'")


# --------------------------------------------------------------------------- anchors and labels


def _cell_id(i: int, j: int) -> str:
    return f"ev-{i}-{j}"


def _frag_id(i: int, j: int, k: int) -> str:
    return f"ev-{i}-{j}-{k}"


def _institution_name(inst: InstitutionReport) -> str:
    return f"{inst.institution} ({inst.year})" if inst.year is not None else f"{inst.institution} (jaar onbekend)"


def _qualifier_label(book: Codebook, qid: str) -> str:
    return book.qualifier_label(qid)


def _code_label(book: Codebook, theme: str, code: str) -> str:
    try:
        return book.code(theme, code).label
    except KeyError:
        from ..codebook.model import QUEUE_CODE, QUEUE_LABEL, RESERVED_CODE, SUGGESTED_LABEL

        return {RESERVED_CODE: SUGGESTED_LABEL, QUEUE_CODE: QUEUE_LABEL}.get(code, code)


def _ordered(cell: ThemeCell) -> list[Evidence]:
    """Evidence that counts first (by document and page), rejected candidates last."""
    return sorted(cell.evidence, key=lambda e: (e.decision == "rejected", e.document, e.page))


def _fragment_ids(report: Report, i: int, inst: InstitutionReport) -> dict[str, str]:
    """Candidate id -> anchor id of its evidence item on this page."""
    ids: dict[str, str] = {}
    for j, theme in enumerate(report.codebook.themes):
        cell = inst.themes.get(theme.id)
        for k, ev in enumerate(_ordered(cell) if cell else []):
            ids.setdefault(ev.candidate_id, _frag_id(i, j, k))
    return ids


_VOWELS = frozenset("aeiouyàáâäèéêëìíîïòóôöùúûü")
_ONSETS = frozenset({"bl", "br", "ch", "cl", "cr", "dr", "fl", "fr", "gl", "gr", "kl", "kn", "kr", "pl", "pr", "sch",
                     "schr", "sl", "sm", "sn", "sp", "spr", "st", "str", "tr", "vl", "vr", "wr", "zw"})
SOFT_HYPHEN = "\u00ad"


def _hyphen_points(word: str) -> list[int]:
    """Rough Dutch syllable breaks: before a single consonant, before a consonant onset, keep ch/sch."""
    low = word.lower()
    vowel = [c in _VOWELS or (c == "j" and k > 0 and low[k - 1] == "i") for k, c in enumerate(low)]
    nuclei, k = [], 0
    while k < len(low):
        if vowel[k]:
            start = k
            while k < len(low) and vowel[k]:
                k += 1
            nuclei.append((start, k))
        else:
            k += 1
    points = []
    for (_, end), (start, _) in zip(nuclei, nuclei[1:]):
        cluster = low[end:start]
        if not cluster.isalpha():
            continue
        pos = start - 1 if cluster not in ("ch", "sch") else end
        for n in (3, 2):
            if len(cluster) > n and cluster[-n:] in _ONSETS:
                pos = start - n
                break
        if 3 <= pos <= len(word) - 2:
            points.append(pos)
    return points


def hyphenate(text: str, min_len: int = 10) -> str:
    """Insert soft hyphens into long words, so narrow table headers break with a hyphen."""
    words = []
    for word in text.split(" "):
        if len(word) >= min_len and word.isalpha():
            for pos in reversed(_hyphen_points(word)):
                word = word[:pos] + SOFT_HYPHEN + word[pos:]
        words.append(word)
    return " ".join(words)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# --------------------------------------------------------------------------- header and legend


def _head() -> str:
    return ("<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{esc(CSP)}\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"referrer\" content=\"no-referrer\">\n"
            f"<title>{esc(TITLE)}</title>\n<style>{_CSS}</style>\n</head>\n")


def _header(report: Report) -> str:
    book = report.codebook
    n_docs = sum(len(i.documents) for i in report.institutions)
    rows = [
        ("Codeboek", f"{esc(book.name)}, versie {esc(book.version)} "
                     f"<span class=\"zacht\">(sha256 <code>{esc(book.sha256[:12])}</code>)</span>"),
        ("Pijplijn", esc(report.pipeline) or "<span class=\"zacht\">onbekend</span>"),
        ("Basis", esc(report.basis)),
        ("Datum", esc(report.created)),
        ("Omvang", f"{_count(len(report.institutions), 'agenda', 'agenda&#x27;s')} van "
                   f"{_count(report.counts()['institutions'], 'instelling', 'instellingen')}, "
                   f"{_count(n_docs, 'document', 'documenten')}"),
    ]
    meta = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return f"<header>\n<h1>{esc(TITLE)}</h1>\n<dl class=\"meta\">{meta}</dl>\n</header>\n"


def _legend() -> str:
    samples = [
        ("st-present bw-beoordeeld", f"{SYMBOL['present']} aanwezig"),
        ("st-unclear bw-beoordeeld", f"{SYMBOL['unclear']} onduidelijk"),
        ("st-absent bw-beoordeeld", f"{SYMBOL['absent']} afwezig"),
    ]
    parts = [f"<span class=\"cel {cls}\">{text}</span>" for cls, text in samples]
    parts += [
        "<span><span class=\"cel st-onbekend bw-beoordeeld\">doorgetrokken rand</span> ✓ beoordeeld: "
        "elke kandidaat heeft een beslissing</span>",
        "<span><span class=\"cel st-onbekend bw-suggestie\">gestreepte rand</span> suggestie: "
        "rust (deels) op niet-beoordeelde suggesties</span>",
        "<span><span class=\"cel st-onbekend bw-leeg\">gestippelde rand</span> geen kandidaten gevonden</span>",
    ]
    return ("<section aria-label=\"Legenda\"><div class=\"legenda\">" + "".join(parts) + "</div>"
            "<p class=\"hint\">Klik op een cel om het bewijs te zien.</p></section>\n")


# --------------------------------------------------------------------------- the matrix


def _marker(cell: ThemeCell) -> tuple[str, str]:
    """(border class, text marker) for reviewed decisions vs unreviewed suggestions."""
    if cell.state == "no_candidates":
        return "bw-leeg", "–\u00a0geen kandidaten"
    if cell.reviewed:
        return "bw-beoordeeld", "✓\u00a0beoordeeld"
    return "bw-suggestie", "suggestie"


def _cell(i: int, j: int, cell: ThemeCell | None) -> str:
    if cell is None:
        return "<td><span class=\"cel st-onbekend bw-leeg\">–</span></td>"
    status = _token(cell.status, _STATUSES)
    border, marker = _marker(cell)
    lines = [f"<span class=\"status\"><span class=\"sym\" aria-hidden=\"true\">{SYMBOL.get(status, '?')}</span> "
             f"<span class=\"woord\">{esc(STATUS_NL.get(cell.status, cell.status))}</span></span>",
             f"<span class=\"merk\">{esc(marker)}</span>"]
    if cell.state not in ("reviewed", "no_candidates"):
        lines.append(f"<span class=\"staat\">{esc(STATE_NL.get(cell.state, cell.state))}</span>")
    if cell.evidence:
        lines.append(f"<span class=\"aantal\">{_count(len(cell.evidence), 'fragment', 'fragmenten')}</span>")
    return (f"<td><a class=\"cel st-{status} {border}\" href=\"#{_cell_id(i, j)}\">"
            + "".join(lines) + "</a></td>")


#: short column heads for the figures, with soft hyphens so narrow columns break them cleanly
FIGURE_SHORT = {"themes_present": "aan\u00adwe\u00adzig", "themes_reviewed": "be\u00adoor\u00addeeld",
                "checklist_applies": "ver\u00adbe\u00adter\u00adpun\u00adten"}


def _sort_head(label: str, column: int, title: str, cls: str = "") -> str:
    """A column head that the inline script sorts by (a plain label without script)."""
    return (f"<th scope=\"col\" class=\"sorteer {cls}\"><button type=\"button\" data-kolom=\"{column}\" "
            f"title=\"{esc(title)}\">{label}<span class=\"pijl\" aria-hidden=\"true\"></span></button></th>")


def _matrix(report: Report) -> str:
    themes = report.codebook.themes
    head = "".join(f"<th scope=\"col\">{esc(hyphenate(t.label))}</th>" for t in themes)
    n_points = len(report.codebook.checklist)
    maxima = {"themes_present": len(themes), "themes_reviewed": len(themes), "checklist_applies": n_points}
    figure_heads = "".join(
        _sort_head(esc(FIGURE_SHORT[key]), k + 1, f"sorteer op {FIGURES_NL[key]} (van de {maxima[key]})",
                   "cijfer-kop")
        for k, key in enumerate(FIGURES_NL))
    rows = []
    for i, inst in enumerate(report.institutions):
        figures = inst.figures()
        numbers = "".join(f"<td class=\"cijfer\" data-v=\"{figures[key]}\">{figures[key]}"
                          f"<span class=\"van\">/{maxima[key]}</span></td>" for key in FIGURES_NL)
        cells = "".join(_cell(i, j, inst.themes.get(t.id)) for j, t in enumerate(themes))
        rows.append(f"<tr><th scope=\"row\"><a href=\"#inst-{i}\">{esc(_institution_name(inst))}</a></th>"
                    f"{numbers}{cells}</tr>")
    if not rows:
        rows.append(f"<tr><td colspan=\"{len(themes) + 1 + len(FIGURES_NL)}\">Geen instellingen in dit rapport.</td></tr>")
    return ("<section id=\"matrix\">\n<h2>Matrix: instellingen × thema's</h2>\n"
            "<p class=\"hint\">Klik op een kolomkop (instelling, aanwezig, beoordeeld, verbeterpunten) om te "
            "sorteren; nog eens klikken keert de volgorde om.</p>\n"
            "<div class=\"rol\"><table class=\"matrix\">\n<thead><tr>"
            + _sort_head("Instelling (jaar)", 0, "sorteer op naam", "instelling-kop")
            + f"{figure_heads}{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table></div>\n"
            "</section>\n")


# --------------------------------------------------------------------------- summary and checklist overview


def _summary(report: Report) -> str:
    items = "".join(f"<li>{esc(line)}</li>" for line in report.summary())
    return ("<section id=\"samenvatting\">\n<h2>Samenvatting van het corpus</h2>\n"
            f"<ul class=\"samenvatting\">{items}</ul>\n</section>\n")


def _checklist_overview(report: Report) -> str:
    points = report.codebook.checklist
    head = "".join(f"<th scope=\"col\">{esc(hyphenate(p.label))}</th>" for p in points)
    rows = []
    for i, inst in enumerate(report.institutions):
        by_id = {c.id: c for c in inst.checklist}
        cells = []
        for p in points:
            item = by_id.get(p.id)
            if item is None:
                cells.append("<td class=\"geldt-niet\">–</td>")
            elif item.applies:
                cells.append("<td class=\"geldt\">⚠ geldt</td>")
            else:
                cells.append("<td class=\"geldt-niet\">geldt niet</td>")
        rows.append(f"<tr><th scope=\"row\"><a href=\"#wkb-{i}\">{esc(_institution_name(inst))}</a></th>"
                    + "".join(cells) + "</tr>")
    return ("<section id=\"verbeterpunten\">\n<h2>Verbeterpunten per instelling</h2>\n"
            "<div class=\"rol\"><table class=\"overzicht\"><thead><tr><th scope=\"col\">Instelling (jaar)</th>" + head
            + "</tr></thead>\n<tbody>" + "\n".join(rows) + "</tbody></table></div>\n</section>\n")


# --------------------------------------------------------------------------- per institution


def _checklist_item(item: ChecklistItem, frag_ids: dict[str, str]) -> str:
    state = "geldt" if item.applies else "geldt-niet"
    tag = "⚠ Verbeterpunt:" if item.applies else "Geen verbeterpunt:"
    refs = []
    for ev in item.evidence:
        text = f"{esc(ev.document)} p. {esc(ev.page)}"
        anchor = frag_ids.get(ev.candidate_id)
        refs.append(f"<a href=\"#{anchor}\">{text}</a>" if anchor else text)
    ref_text = ", ".join(refs) if refs else "geen positief bewijs gevonden"
    if not item.applies:  # no explanation: it describes the shortcoming, which this agenda does not have
        return (f"<li class=\"punt {state}\"><p class=\"kop\"><span class=\"label-geldt\">{tag}</span> "
                f"{esc(item.label)}</p><p class=\"reden\">{esc(item.reason)}</p></li>")
    return (f"<li class=\"punt {state}\"><p class=\"kop\"><span class=\"label-geldt\">{tag}</span> "
            f"{esc(item.label)}</p>"
            f"<p>{esc(item.explanation)}</p>"
            f"<p class=\"reden\"><b>Waarom:</b> {esc(item.reason)}</p>"
            f"<p class=\"refs\">Bewijs: {ref_text}</p></li>")


def _checklist(i: int, inst: InstitutionReport, frag_ids: dict[str, str]) -> str:
    ordered = sorted(inst.checklist, key=lambda c: not c.applies)
    n = sum(1 for c in inst.checklist if c.applies)
    items = "\n".join(_checklist_item(c, frag_ids) for c in ordered)
    return (f"<section id=\"wkb-{i}\">\n<h3>Wat kan er beter?</h3>\n"
            f"<p class=\"zacht\">{_count(n, 'verbeterpunt geldt', 'verbeterpunten gelden')} "
            f"van de {len(inst.checklist)}.</p>\n<ul class=\"punten\">\n{items}\n</ul>\n</section>\n")


def _evidence_item(book: Codebook, ev: Evidence, anchor: str) -> str:
    decision = _token(ev.decision, _DECISIONS)
    polarity = _token(ev.polarity, frozenset(POLARITY_NL))
    source = [f"<b>{esc(ev.document)}</b>, <b>p. {esc(ev.page)}</b>",
              f"polariteit: {esc(POLARITY_NL.get(ev.polarity, ev.polarity))}",
              f"beslissing: {esc(DECISION_NL.get(ev.decision, ev.decision))}"
              + (f" ({esc(ev.coder)})" if ev.coder else "")]
    if ev.qualifiers:
        source.append("kwalificaties: " + esc(", ".join(_qualifier_label(book, q) for q in ev.qualifiers)))
    if ev.codes:
        source.append("codes: " + esc(", ".join(_code_label(book, ev.theme, c) for c in ev.codes)))
    if ev.weak:
        source.append("zwak bewijs")
    note = f"<p class=\"bron\">Notitie: {esc(ev.note)}</p>" if ev.note else ""
    return (f"<li id=\"{anchor}\" class=\"frag dec-{decision} pol-{polarity}\">"
            f"<blockquote>{esc(ev.text)}</blockquote>"
            f"<p class=\"bron\">{' · '.join(source)}</p>{note}</li>")


def _evidence_section(report: Report, i: int, j: int, inst: InstitutionReport) -> str:
    theme = report.codebook.themes[j]
    cell = inst.themes.get(theme.id)
    if cell is None:
        return ""
    _, marker = _marker(cell)
    status = _token(cell.status, _STATUSES)
    state = STATE_NL.get(cell.state, cell.state)
    heading = (f"<h4>{esc(theme.label)} <span class=\"kop-status\">— <span class=\"sym s-{status}\">"
               f"{SYMBOL.get(status, '?')}</span> "
               f"{esc(STATUS_NL.get(cell.status, cell.status))} · {esc(marker)}"
               + (f" · {esc(state)}" if cell.state not in ("reviewed", "no_candidates") else "")
               + "</span></h4>")
    where = f"<p class=\"waar zacht\">{esc(_institution_name(inst))}</p>"
    evidence = _ordered(cell)
    if evidence:
        body = ("<ol class=\"fragmenten\">"
                + "".join(_evidence_item(report.codebook, ev, _frag_id(i, j, k)) for k, ev in enumerate(evidence))
                + "</ol>")
    else:
        body = "<p class=\"geen\">Geen kandidaten gevonden in de documenten van deze instelling.</p>"
    back = "<a class=\"terug\" href=\"#matrix\">↑ matrix</a>"
    kind = "bewijs" if evidence else "bewijs leeg"
    return (f"<section class=\"{kind}\" id=\"{_cell_id(i, j)}\"><div class=\"bewijs-kop\">{heading}{back}</div>"
            f"{where}{body}</section>\n")


def _institution(report: Report, i: int, inst: InstitutionReport) -> str:
    frag_ids = _fragment_ids(report, i, inst)
    docs = ", ".join(esc(d) for d in inst.documents) or "geen"
    evidence = "".join(_evidence_section(report, i, j, inst) for j in range(len(report.codebook.themes)))
    return (f"<section class=\"instelling\" id=\"inst-{i}\">\n<h2>{esc(_institution_name(inst))}</h2>\n"
            f"<p class=\"documenten\"><b>Documenten:</b> {docs}</p>\n"
            + (f"<p class=\"zoektocht\"><b>Zoektocht:</b> {esc(inst.search)}</p>\n" if inst.search else "")
            + _checklist(i, inst, frag_ids)
            + f"<h3>Bewijs per thema</h3>\n{evidence}</section>\n")


# --------------------------------------------------------------------------- themes and page


def _themes_explained(book: Codebook) -> str:
    items = "".join(f"<dt>{esc(t.label)}</dt><dd>{esc(t.definition)}</dd>" for t in book.themes)
    return f"<section id=\"themas\">\n<h2>De thema's</h2>\n<dl class=\"themas\">{items}</dl>\n</section>\n"


def _panel() -> str:
    return ("<aside id=\"paneel\" hidden tabindex=\"-1\" aria-label=\"Bewijs bij de gekozen cel\">"
            "<div class=\"paneel-balk\"><a id=\"paneel-naar\" href=\"#matrix\">Naar het bewijs in het rapport ↓</a>"
            "<button type=\"button\" id=\"paneel-sluit\">Sluiten (Esc)</button></div>"
            "<div id=\"paneel-inhoud\"></div></aside>\n")


def render_html(report: Report) -> str:
    """The whole report as one self-contained HTML document (a string)."""
    book = report.codebook
    parts = [
        _head(),
        "<body>\n",
        _header(report),
        "<main>\n",
        _legend(),
        _matrix(report),
        _summary(report),
        _checklist_overview(report),
        *(_institution(report, i, inst) for i, inst in enumerate(report.institutions)),
        _themes_explained(book),
        "</main>\n",
        f"<footer>Gemaakt met kwaliteitscan · codeboek {esc(book.name)} {esc(book.version)} · "
        f"{esc(report.created)}</footer>\n",
        _panel(),
        f"<script>{_SCRIPT}</script>\n",
        "</body>\n</html>\n",
    ]
    return "".join(parts)
