"""REFI-QDA export: the coded project as a .qdpx, the codebook as a .qdc, and a reader.

REFI-QDA (www.qdasoftware.org) is the open exchange standard of ATLAS.ti, MAXQDA, NVivo,
QualCoder and others. The element names, attributes and their order follow the standard's
Project schema (QDA-XML 1.0, `Project-mrt2019.xsd`, namespace urn:QDA-XML:project:1.0); the
codebook file uses the same Code elements in namespace urn:QDA-XML:codebook:1.0.

    from kwaliteitscan.refiqda import export_qdpx, export_qdc, read_qdpx
    with Project("corpus/kwaliteitscan.sqlite") as p:
        export_qdpx(p, load_codebook(), Path("corpus"), Path("agendas.qdpx"), final=True)

A .qdpx is a zip archive:

    project.qde                  the project (XML, UTF-8)
    sources/<source guid>.pdf    each PDF of the corpus, unchanged
    sources/<text guid>.txt      its extracted text (UTF-8, no byte order mark)

Each PDF is a PDFSource whose Representation (a TextSource) is the .txt; a Word draft is
sources/<source guid>.docx and itself a TextSource (richTextPath the .docx, plainTextPath the
.txt). The coded passages are PlainTextSelections of that text. The text is the pages' texts joined by a blank line
("\\n\\n"), not by a form feed: U+000C is not allowed in XML 1.0, and QDA programs may copy
the text into their own XML (PlainTextContent). Other characters XML 1.0 does not allow
(control characters, lone surrogates, U+FFFE/U+FFFF) and carriage returns are replaced by a
space, one for one, so no offset moves. startPosition/endPosition count Unicode code points
from 0, end exclusive: a passage is `text[startPosition:endPosition]` in Python.

What is exported: one Code per theme with a child Code per code of the theme; every active
document; one PlainTextSelection per CONFIRMED decision with one Coding (the code of the
decision's theme: the first code the candidate had under that theme, or the theme itself),
the decision's note as a Note (memo) referenced from the selection. Rejected and uncertain
decisions are not exported. Whose decisions: `coder=` that coder's; `final=True` the lead
coder's final decisions (user "final"); otherwise every coder's, each as their own user.

Output is deterministic: GUIDs are uuid5 of stable names (codebook name and ids, document
SHA-256, coder and candidate id), elements are sorted, dates come from the decisions and the
zip entries carry a fixed timestamp, so the same project exports byte-identical files.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from ..version import __version__
from ..errors import InputError, UsageError
from ..extract.corpus import find_coded_pdf, find_pdfs
from ..extract.docx import is_docx
from ..extract.extractor import extract_many
from ..project.decisions import final_decisions

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PAGE_SEPARATOR = "\n\n"
SOURCES_DIR = "sources"
FINAL_USER = "final"
#: namespace of every GUID this module makes (uuid5 of a stable name inside it)
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:kwaliteitscan:refi-qda")
#: the standard's limit for a file inside the archive (2^31 - 1 bytes)
MAX_INTERNAL_FILE = 2**31 - 1
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: characters that may not appear in XML 1.0, plus carriage return (line ends differ per program)
_NOT_XML = re.compile("[^\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_HEX_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_GUID = re.compile(rf"^(?:{_HEX_GUID}|\{{{_HEX_GUID}\}})$")
_COLORS = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F", "#BCBD22",
           "#17BECF")


@dataclass
class ExportSummary:
    """What an export wrote, and what it left out and why."""

    out: Path
    documents: int = 0
    users: list[str] = field(default_factory=list)
    codings: int = 0
    notes: int = 0
    codings_per_user: dict[str, int] = field(default_factory=dict)
    #: confirmed decisions that could not be exported: (user, candidate id, reason)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)


# --------------------------------------------------------------------------- GUIDs and text


def _guid(*parts: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(parts))).upper()


def code_guid(codebook, theme_id: str, code_id: str | None = None) -> str:
    """The GUID of a theme's Code (code_id None) or of one of its codes: stable across codebook versions."""
    return _guid("code", codebook.name, theme_id, code_id or "")


def user_guid(name: str) -> str:
    return _guid("user", name)


def xml_safe(text: str) -> str:
    """`text` with every character XML 1.0 does not allow (and CR) replaced by a space: same length."""
    return _NOT_XML.sub(" ", text or "")


def representation_text(pages: Iterable) -> tuple[str, dict[int, int]]:
    """The exported text of a document and where each page starts in it: (text, {page number: offset})."""
    parts: list[str] = []
    starts: dict[int, int] = {}
    position = 0
    for index, page in enumerate(pages):
        if index:
            position += len(PAGE_SEPARATOR)
        starts[page.number] = position
        clean = xml_safe(page.text)
        parts.append(clean)
        position += len(clean)
    return PAGE_SEPARATOR.join(parts), starts


def _xsd_datetime(value) -> str | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: ET.Element, tag: str, attrs: dict | None = None, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: v for k, v in (attrs or {}).items() if v is not None})
    if text is not None:
        element.text = xml_safe(text)
    return element


def _label(text: str, limit: int = 80) -> str:
    text = " ".join(xml_safe(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


# --------------------------------------------------------------------------- the codebook


def _codes(codebook, parent: ET.Element) -> None:
    """One Code per theme (its definition as Description) with a child Code per code."""
    codes = _sub(parent, "Codes")
    for index, theme in enumerate(codebook.themes):
        color = _COLORS[index % len(_COLORS)]
        element = _sub(codes, "Code", {"guid": code_guid(codebook, theme.id), "name": xml_safe(theme.label),
                                       "isCodable": "true", "color": color})
        _sub(element, "Description", text=f"{theme.definition}\n\n(kwaliteitscan theme {theme.id}, codebook "
                                          f"{codebook.name} {codebook.version})")
        for code in theme.codes:
            child = _sub(element, "Code", {"guid": code_guid(codebook, theme.id, code.id),
                                           "name": xml_safe(code.label), "isCodable": "true", "color": color})
            _sub(child, "Description", text=f"{code.label}: a code of theme {theme.label} (kwaliteitscan "
                                            f"{theme.id}/{code.id}, polarity {code.polarity})")


def codebook_xml(codebook) -> bytes:
    """The codebook alone as REFI-QDA codebook XML (.qdc)."""
    root = ET.Element("CodeBook", {"xmlns": CODEBOOK_NS, "origin": f"kwaliteitscan {__version__}"})
    _codes(codebook, root)
    return _xml_bytes(root)


def export_qdc(codebook, out: Path) -> Path:
    """Write the codebook as a .qdc file (CodeBook XML, urn:QDA-XML:codebook:1.0)."""
    out = Path(out)
    _write_atomic(out, lambda tmp: tmp.write_bytes(codebook_xml(codebook)))
    return out


# --------------------------------------------------------------------------- the project


@dataclass
class _Source:
    doc: dict
    pdf: Path
    guid: str
    text_guid: str
    text: str
    page_starts: dict[int, int]
    #: (start, end, user, candidate id, decision row, candidate, theme id) of each confirmed decision
    selections: list[tuple] = field(default_factory=list)


def _decision_sets(project, coder: str | None, final: bool) -> dict[str, dict[str, dict]]:
    if coder and final:
        raise UsageError("export the decisions of one coder or the final decisions, not both")
    if final:
        decided = final_decisions(project)
        if not decided:
            raise UsageError(f"{project.path}: there are no final decisions yet; resolve the coders' "
                             "differences first (kwaliteitscan review --resolve --coders A,B)")
        return {FINAL_USER: decided}
    if coder:
        coders = project.coders()
        if coder not in coders:
            known = ", ".join(coders) or "none yet"
            raise UsageError(f"{project.path}: coder {coder!r} has made no decisions (coders: {known})")
        return {coder: project.latest_decisions(coder)}
    return {name: project.latest_decisions(name) for name in project.coders()}


def _locate_pdfs(documents: list[dict], folder: Path) -> dict[str, Path]:
    """The corpus file of each coded document (sha256 -> path), checked against its SHA-256."""
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder; give the corpus folder the project was coded from")
    found: dict[str, Path] = {}
    for doc in documents:
        match = find_coded_pdf(folder, doc["file"], doc["sha256"])
        if match is None:
            direct = folder / doc["file"]
            same_name = [direct] if direct.is_file() else [p for p in find_pdfs([folder]) if p.name == doc["file"]]
            if same_name:
                raise InputError(f"{same_name[0]}: the PDF changed since it was coded; run `kwaliteitscan code` "
                                 "again before exporting, so the positions fit")
            raise InputError(f"{direct}: a coded PDF is missing from the corpus folder; put it back or run "
                             "`kwaliteitscan code` again")
        if match.stat().st_size > MAX_INTERNAL_FILE:
            raise InputError(f"{match}: larger than 2 GiB, the REFI-QDA limit for a file inside a .qdpx")
        found[doc["sha256"]] = match
    return found


def _sources(documents: list[dict], folder: Path) -> list[_Source]:
    pdfs = _locate_pdfs(documents, folder)
    by_engine: dict[str, list[dict]] = {}
    for doc in documents:
        by_engine.setdefault(doc.get("engine") or "pdfium", []).append(doc)
    pages: dict[str, tuple] = {}
    for engine, docs in sorted(by_engine.items()):
        for doc, outcome in zip(docs, extract_many([pdfs[d["sha256"]] for d in docs], engine)):
            if outcome.error:
                raise InputError(outcome.error)
            pages[doc["sha256"]] = outcome.document.pages
    sources = []
    for doc in documents:
        text, starts = representation_text(pages[doc["sha256"]])
        sources.append(_Source(doc, pdfs[doc["sha256"]], _guid("source", doc["sha256"]),
                               _guid("text", doc["sha256"]), text, starts))
    return sources


def _coding_code(codebook, candidate: dict, theme_id: str, level: str) -> str:
    """The theme's code, or (level 'code') the first code the candidate had under that theme."""
    theme = next(t for t in codebook.themes if t.id == theme_id)
    if level == "code" and theme_id == candidate["theme"]:
        ids = {code.id for code in theme.codes}
        for code_id in candidate["codes"]:
            if code_id in ids:
                return code_guid(codebook, theme_id, code_id)
    return code_guid(codebook, theme_id)


def export_qdpx(project, codebook, corpus_folder: Path, out: Path, *, coder: str | None = None,
                final: bool = False, level: str = "code") -> ExportSummary:
    """Write the project as a REFI-QDA .qdpx archive; see the module docstring for what goes in.

    `level` is "code" (a coding gets the first code the candidate had under the decided
    theme, else the theme) or "theme" (always the theme's own Code)."""
    if level not in ("code", "theme"):
        raise UsageError(f"level must be 'code' or 'theme', not {level!r}")
    out = Path(out)
    decision_sets = _decision_sets(project, coder, final)
    themes = {t.id: t for t in codebook.themes}
    candidates = {c["id"]: c for c in project.candidates()}
    documents = project.documents()
    sources = _sources(documents, Path(corpus_folder))
    by_sha = {s.doc["sha256"]: s for s in sources}
    summary = ExportSummary(out, documents=len(sources), users=sorted(decision_sets))
    dates = [d for rows in decision_sets.values() for r in rows.values() if (d := _xsd_datetime(r["created_at"]))]

    for user in sorted(decision_sets):
        summary.codings_per_user[user] = 0
        for cid, row in sorted(decision_sets[user].items()):
            if row["decision"] != "confirmed":
                continue
            cand = candidates.get(cid)
            theme_id = row["theme"] or (cand or {}).get("theme")
            if cand is None or cand["document"] not in by_sha:
                summary.skipped.append((user, cid, "its candidate is gone (the document was re-coded or removed); "
                                                   "run `kwaliteitscan integrity`"))
                continue
            if theme_id not in themes:
                summary.skipped.append((user, cid, f"theme {theme_id!r} is not in codebook {codebook.name}"))
                continue
            source = by_sha[cand["document"]]
            offset = source.page_starts.get(cand["page"])
            start = None if offset is None else offset + cand["start"]
            end = None if offset is None else offset + cand["passage_end"]
            if start is None or source.text[start:end] != xml_safe(cand["passage"]):
                summary.skipped.append((user, cid, "the passage is not at its position in the extracted text "
                                                   "(re-extracted differently?); run `kwaliteitscan code` again"))
                continue
            source.selections.append((start, end, user, cid, row, cand, theme_id))
            summary.codings += 1
            summary.codings_per_user[user] += 1

    name = xml_safe(Path(corpus_folder).resolve().name or "corpus")
    root = ET.Element("Project", {"xmlns": PROJECT_NS, "name": name, "origin": f"kwaliteitscan {__version__}"})
    if dates:
        root.set("creationDateTime", min(dates))
        root.set("modifiedDateTime", max(dates))
    if decision_sets:
        users = _sub(root, "Users")
        for user in sorted(decision_sets):
            _sub(users, "User", {"guid": user_guid(user), "name": xml_safe(user)})
    codebook_element = _sub(root, "CodeBook")
    _codes(codebook, codebook_element)
    variables = {"institution": _guid("variable", "institution"), "year": _guid("variable", "year")}
    if sources:
        element = _sub(root, "Variables")
        _sub(_sub(element, "Variable", {"guid": variables["institution"], "name": "institution",
                                        "typeOfVariable": "Text"}), "Description", text="The school (instelling)")
        _sub(_sub(element, "Variable", {"guid": variables["year"], "name": "year", "typeOfVariable": "Integer"}),
             "Description", text="The year of the kwaliteitsagenda")

    notes: list[tuple] = []  # (guid, name, creatingUser guid, text, date)
    if sources:
        element = _sub(root, "Sources")
        for source in sources:
            _pdf_source(element, source, codebook, themes, level, variables, notes)
            summary.notes = len(notes)
    if notes:
        element = _sub(root, "Notes")
        for guid, name, user, text, date in notes:
            note = _sub(element, "Note", {"guid": guid, "name": name, "creatingUser": user,
                                          "creationDateTime": date})
            _sub(note, "PlainTextContent", text=text)
    which = (f"the decisions of coder {coder}" if coder else "the final decisions" if final
             else "every coder's decisions")
    _sub(root, "Description", text=(
        f"Exported by kwaliteitscan {__version__} from {project.path.name}: codebook {codebook.name} "
        f"{codebook.version}, {which} (confirmed passages only). Each PDF's text is in sources/*.txt: its pages "
        "joined by a blank line; positions count Unicode code points from 0, end exclusive."))

    xml = _xml_bytes(root)
    _write_atomic(out, lambda tmp: _write_zip(tmp, xml, sources))
    return summary


def _pdf_source(parent, source: _Source, codebook, themes, level, variables, notes) -> None:
    doc = source.doc
    word = is_docx(source.pdf)
    if word:  # a Word draft is a TextSource: the .docx its rich text, our text of it its plain text
        element = _sub(parent, "TextSource", {"guid": source.guid, "name": xml_safe(doc["file"]),
                                              "richTextPath": f"internal://{source.guid}.docx",
                                              "plainTextPath": f"internal://{source.text_guid}.txt"})
    else:
        element = _sub(parent, "PDFSource", {"guid": source.guid, "name": xml_safe(doc["file"]),
                                             "path": f"internal://{source.guid}.pdf"})
    year = doc.get("year")
    _sub(element, "Description", text=f"{doc['institution']}{f', {year}' if year else ''} "
                                      f"(SHA-256 {doc['sha256']})")
    representation = element if word else _sub(element, "Representation", {
        "guid": source.text_guid, "name": xml_safe(doc["file"]), "plainTextPath": f"internal://{source.text_guid}.txt"})
    for start, end, user, cid, row, cand, theme_id in sorted(source.selections, key=lambda s: s[:4]):
        date = _xsd_datetime(row["created_at"])
        creator = user_guid(user)
        selection = _sub(representation, "PlainTextSelection", {
            "guid": _guid("selection", user, cid), "name": _label(cand["sentence"]),
            "startPosition": str(start), "endPosition": str(end), "creatingUser": creator,
            "creationDateTime": date})
        polarity = row["polarity"] or cand["polarity"]
        _sub(selection, "Description", text=f"{themes[theme_id].label}, page {cand['page']}, polarity {polarity}"
                                            f" (kwaliteitscan candidate {cid})")
        coding = _sub(selection, "Coding", {"guid": _guid("coding", user, cid), "creatingUser": creator,
                                            "creationDateTime": date})
        _sub(coding, "CodeRef", {"targetGUID": _coding_code(codebook, cand, theme_id, level)})
        if (row["note"] or "").strip():
            note_guid = _guid("note", user, cid)
            _sub(selection, "NoteRef", {"targetGUID": note_guid})
            notes.append((note_guid, _label(f"Note by {user}: {doc['file']} p. {cand['page']}"), creator,
                          row["note"], date))
    if doc.get("institution"):
        value = _sub(element, "VariableValue")
        _sub(value, "VariableRef", {"targetGUID": variables["institution"]})
        _sub(value, "TextValue", text=doc["institution"])
    if year is not None:
        value = _sub(element, "VariableValue")
        _sub(value, "VariableRef", {"targetGUID": variables["year"]})
        _sub(value, "IntegerValue", text=str(int(year)))


def _zipinfo(name: str, directory: bool = False) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_STORED if directory else zipfile.ZIP_DEFLATED
    info.external_attr = ((0o40755 if directory else 0o100644) << 16) | (0x10 if directory else 0)
    info.create_system = 3  # unix, so the permissions above are read as such on every platform
    return info


def _write_zip(path: Path, xml: bytes, sources: list[_Source]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(_zipinfo("project.qde"), xml)
        archive.writestr(_zipinfo(f"{SOURCES_DIR}/", directory=True), b"")
        for source in sorted(sources, key=lambda s: s.guid):
            member = _zipinfo(f"{SOURCES_DIR}/{source.guid}{'.docx' if is_docx(source.pdf) else '.pdf'}")
            with open(source.pdf, "rb") as src, archive.open(member, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            archive.writestr(_zipinfo(f"{SOURCES_DIR}/{source.text_guid}.txt"), source.text.encode("utf-8"))


def _write_atomic(out: Path, write) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, out)
    except OSError as exc:
        raise InputError(f"{out}: cannot be written ({exc.strerror or exc}); check the folder and its "
                         "permissions") from None
    finally:
        tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------- reading


def _q(tag: str) -> str:
    return f"{{{PROJECT_NS}}}{tag}"


def _norm(guid: str | None) -> str | None:
    return guid.strip().strip("{}").upper() if guid else None


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    if info.file_size > MAX_INTERNAL_FILE:
        raise InputError(f"{path}: {info.filename} is larger than 2 GiB, beyond the REFI-QDA limit")
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise InputError(f"{path}: {info.filename} cannot be read from the archive ({exc}); the file is "
                         "damaged, export it again") from None


def read_qdpx(path: Path | str) -> list[dict]:
    """The text codings of a .qdpx: one dict per Coding of a PlainTextSelection.

    Keys: source, source_guid, selection_guid, user, user_guid, code, code_guid, code_path,
    start, end, text (the selection sliced from its text, None when the text is not inside
    the archive), note (the texts of the memos referenced from the selection or coding),
    created. Raises InputError, naming the file, for anything that is not a readable
    REFI-QDA project."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a .qdpx file") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise InputError(f"{path}: not a REFI-QDA project (.qdpx): the file is not a zip archive") from None
    with archive:
        infos = {info.filename: info for info in archive.infolist()}
        qde = infos.get("project.qde") or next(
            (info for name, info in sorted(infos.items()) if "/" not in name and name.lower().endswith(".qde")),
            None)
        if qde is None:
            raise InputError(f"{path}: no project.qde inside; not a REFI-QDA project (.qdpx) export")
        data = _member(archive, qde, path)
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise InputError(f"{path}: {qde.filename} declares a DOCTYPE or entities, which REFI-QDA does not "
                             "use; refusing to read it")
        try:
            root = ET.fromstring(data)
        except ET.ParseError as exc:
            raise InputError(f"{path}: {qde.filename} is not well-formed XML ({exc}); export the project "
                             "again") from None
        if root.tag != _q("Project"):
            raise InputError(f"{path}: {qde.filename} is not a REFI-QDA project (root element {root.tag!r}, "
                             f"expected Project in namespace {PROJECT_NS})")
        return _Reader(path, archive, infos).codings(root)


class _Reader:
    def __init__(self, path: Path, archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]):
        self.path, self.archive = path, archive
        self.internal = {name.lower(): info for name, info in infos.items()}

    def text_of(self, holder: ET.Element) -> str | None:
        inline = holder.find(_q("PlainTextContent"))
        if inline is not None:
            return inline.text or ""
        ref = holder.get("plainTextPath") or ""
        if not ref.startswith("internal://"):
            return None  # an external file: not in the archive
        name = ref[len("internal://"):].lstrip("/")
        info = self.internal.get(f"{SOURCES_DIR}/{name}".lower())
        if info is None:
            raise InputError(f"{self.path}: {ref} is not in the archive (expected {SOURCES_DIR}/{name}); the "
                             "export is incomplete")
        try:
            return _member(self.archive, info, self.path).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"{self.path}: {info.filename} is not UTF-8 text") from None

    def codings(self, root: ET.Element) -> list[dict]:
        users = {_norm(u.get("guid")): u.get("name") for u in root.iter(_q("User"))}
        codes: dict[str, tuple[str, str]] = {}

        def walk(element: ET.Element, prefix: str) -> None:
            for code in element.findall(_q("Code")):
                name = code.get("name") or ""
                codes[_norm(code.get("guid"))] = (name, f"{prefix}{name}")
                walk(code, f"{prefix}{name}/")

        book = root.find(_q("CodeBook"))
        if book is not None and book.find(_q("Codes")) is not None:
            walk(book.find(_q("Codes")), "")
        notes_element = root.find(_q("Notes"))
        notes = {}
        for note in (notes_element.findall(_q("Note")) if notes_element is not None else []):
            notes[_norm(note.get("guid"))] = note

        out: list[dict] = []
        sources = root.find(_q("Sources"))
        for source in (list(sources) if sources is not None else []):
            holders = [source] if source.tag == _q("TextSource") else source.findall(_q("Representation"))
            for holder in holders:
                selections = holder.findall(_q("PlainTextSelection"))
                if not selections:
                    continue
                text = self.text_of(holder)
                for selection in selections:
                    out.extend(self.selection(source, selection, text, users, codes, notes))
        return out

    def selection(self, source, selection, text, users, codes, notes) -> list[dict]:
        guid = selection.get("guid")
        try:
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
        except (TypeError, ValueError):
            raise InputError(f"{self.path}: selection {guid} has no numeric startPosition/endPosition") from None
        if not 0 <= start <= end or (text is not None and end > len(text)):
            length = "?" if text is None else len(text)
            raise InputError(f"{self.path}: selection {guid} ({start}-{end}) lies outside the text of "
                             f"{source.get('name')!r} ({length} characters)")
        records = []
        for coding in selection.findall(_q("Coding")):
            ref = coding.find(_q("CodeRef"))
            code = _norm(ref.get("targetGUID")) if ref is not None else None
            user = _norm(coding.get("creatingUser") or selection.get("creatingUser"))
            refs = [n.get("targetGUID") for n in selection.findall(_q("NoteRef"))]
            refs += [n.get("targetGUID") for n in coding.findall(_q("NoteRef"))]
            memo = [self.note_text(notes[_norm(r)]) for r in refs if _norm(r) in notes]
            name, code_path = codes.get(code, (None, None))
            records.append({
                "source": source.get("name"), "source_guid": _norm(source.get("guid")),
                "selection_guid": _norm(guid), "user": users.get(user), "user_guid": user, "code": name,
                "code_guid": code, "code_path": code_path, "start": start, "end": end,
                "text": None if text is None else text[start:end], "note": "\n\n".join(m for m in memo if m),
                "created": coding.get("creationDateTime") or selection.get("creationDateTime"),
            })
        return records

    def note_text(self, note: ET.Element) -> str:
        return self.text_of(note) or ""


def is_guid(value: str | None) -> bool:
    """Whether `value` has the standard's GUID form (with or without braces)."""
    return bool(value) and bool(_GUID.match(value))
