"""Reading an uploaded .docx safely: its limits first, then its tracked changes and comments.

``read_upload(data) -> Uploaded`` raises ``WordFileError`` (a message for the upload field)
for anything that is not a plain Word document Accord can read:

- not a zip, or a zip without ``word/document.xml``: "not a Word document";
- more than ``MAX_ENTRIES`` entries, more than ``MAX_UNCOMPRESSED`` bytes uncompressed in all
  (from the zip's directory, and again while reading, so a directory that lies does not help),
  or an entry over 1 MiB compressed more than ``MAX_RATIO`` times: a zip bomb;
- macros (a ``vbaProject.bin`` or a macro-enabled content type, as in a .docm);
- external references: a relationship with ``TargetMode="External"`` other than a hyperlink
  (templates, linked images, frames, OLE links), an ``altChunk`` or an ``attachedTemplate``;
- a part with a DOCTYPE (Word never writes one).

Only ``[Content_Types].xml``, the relationships, ``word/document.xml``, ``word/settings.xml``
and ``word/comments.xml`` are read, each with lxml's parser set to resolve no entities, load no
DTD and use no network. Nothing in the file is run or fetched.

The result gives, per clause content control (``app.word.markers``), its paragraphs as pieces
of text marked equal, inserted or deleted (``w:ins``/``w:moveTo``, ``w:del``/``w:moveFrom``
with ``w:delText``), with comment range starts and ends between them; the paragraphs outside
every clause; the comments (``word/comments.xml``); and the document variables.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from app.text import without_bidi_controls

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
MAX_ENTRIES = 1_000
MAX_UNCOMPRESSED = 40 * 1024 * 1024  # bytes, all entries together
MAX_RATIO = 100  # uncompressed / compressed, for entries over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"

NOT_WORD = "The selected file must be a Word document (.docx)"
TOO_LARGE_INSIDE = (
    "The selected file unpacks to more than Accord will read: it is not a document Accord "
    "wrote. Download the file for suggestions again"
)
MACROS = (
    "The selected file contains macros. Save it in Word as a “Word Document (*.docx)” and "
    "upload that"
)
EXTERNAL = (
    "The selected file refers to something outside it ({what}). Remove it, or copy your "
    "changes into a fresh download, and upload again"
)


class WordFileError(Exception):
    """The upload cannot be read: ``str(error)`` is the message for the field."""


def _parser():
    from lxml import etree  # type: ignore[import-untyped]  # here: 6 ms of every start otherwise

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


@dataclass
class Piece:
    """Text in a paragraph, or a comment range mark.

    ``kind``: "equal", "insert", "delete", or "start"/"end" (a comment range, ``text`` its id).
    ``author`` and ``date`` are Word's, for tracked changes (shown, never trusted)."""

    kind: str
    text: str
    author: str = ""
    date: str = ""


@dataclass
class Paragraph:
    pieces: list[Piece]
    mark: str = "equal"  # the paragraph mark itself: "insert" or "delete" when tracked
    style: str = ""

    @property
    def has_changes(self) -> bool:
        return self.mark != "equal" or any(p.kind in ("insert", "delete") for p in self.pieces)

    def text(self, side: str) -> str:
        """The paragraph's text before ("old") or after ("new") its tracked changes."""
        skip = "insert" if side == "old" else "delete"
        return "".join(
            p.text
            for p in self.pieces
            if p.kind in ("equal", "insert", "delete") and p.kind != skip
        )


@dataclass
class Section:
    """A content control: ``tag`` as written, and its paragraphs."""

    tag: str
    paragraphs: list[Paragraph]


@dataclass
class WordComment:
    comment_id: str
    author: str
    date: str
    text: str


@dataclass
class Uploaded:
    variables: dict[str, str]
    sections: list[Section]  # the content controls whose tags look like Accord's
    outside: list[Paragraph]  # every other paragraph of the body
    comments: dict[str, WordComment] = field(default_factory=dict)


# The zip -------------------------------------------------------------------------------------


class _Package:
    def __init__(self, data: bytes):
        if not data.startswith(b"PK\x03\x04"):
            raise WordFileError(NOT_WORD)
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
            raise WordFileError(NOT_WORD) from error
        if len(infos) > MAX_ENTRIES:
            raise WordFileError(TOO_LARGE_INSIDE)
        if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
            raise WordFileError(TOO_LARGE_INSIDE)
        for info in infos:
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise WordFileError(TOO_LARGE_INSIDE)
        self.names = {info.filename for info in infos}
        self.budget = MAX_UNCOMPRESSED

    def read(self, name: str) -> bytes | None:
        """The entry's bytes, counting against the budget as they are inflated."""
        if name not in self.names:
            return None
        try:
            with self.zip.open(name) as entry:
                data = entry.read(self.budget + 1)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as error:
            # a bad CRC, an unknown compression, a truncated entry, encryption
            raise WordFileError(NOT_WORD) from error
        self.budget -= len(data)
        if self.budget < 0:
            raise WordFileError(TOO_LARGE_INSIDE)
        return data

    def xml(self, name: str):
        data = self.read(name)
        if data is None:
            return None
        if re.search(rb"<!DOCTYPE|<!ENTITY", data, re.IGNORECASE):
            raise WordFileError(NOT_WORD)
        from lxml import etree

        try:
            return etree.fromstring(data, _parser())
        except etree.XMLSyntaxError as error:
            raise WordFileError(NOT_WORD) from error


def _check_package(package: _Package) -> None:
    """Refuse macros and external references (module docstring)."""
    names = package.names
    if any(name.lower().endswith("vbaproject.bin") or "/vba" in name.lower() for name in names):
        raise WordFileError(MACROS)
    types = package.xml("[Content_Types].xml")
    if types is None or "word/document.xml" not in names:
        raise WordFileError(NOT_WORD)
    content_types = [element.get("ContentType", "") for element in types]
    if any(
        "macroenabled" in value.lower() or "vbaproject" in value.lower() for value in content_types
    ):
        raise WordFileError(MACROS)
    main = [e for e in types if e.get("PartName", "").lower() == "/word/document.xml"]
    if not main or main[0].get("ContentType") != MAIN_TYPE:
        raise WordFileError(NOT_WORD)
    for name in sorted(names):
        if not name.endswith(".rels"):
            continue
        rels = package.xml(name)
        if rels is None:
            continue
        for rel in rels.iter(f"{{{PKG_RELS}}}Relationship"):
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            if kind == "aFChunk":
                raise WordFileError(EXTERNAL.format(what="an embedded part of another file"))
            if rel.get("TargetMode", "").lower() == "external" and kind != "hyperlink":
                what = {"attachedTemplate": "a template"}.get(kind, f"a linked {kind}")
                raise WordFileError(EXTERNAL.format(what=what))


# The document --------------------------------------------------------------------------------

_INSERTED = {_w("ins"), _w("moveTo")}
_DELETED = {_w("del"), _w("moveFrom")}
_TEXT = {_w("t"): None, _w("delText"): None, _w("tab"): "\t", _w("br"): "\n", _w("cr"): "\n"}
_TEXT_TAGS = {*_TEXT, _w("noBreakHyphen")}
_SKIPPED = {_w("pPr"), _w("rPr"), _w("instrText"), _w("txbxContent"), _w("sdtPr")}


def _change(element, paragraph):
    """The w:ins or w:del (or move) the element is inside, within its paragraph, or None."""
    parent = element.getparent()
    while parent is not None and parent is not paragraph:
        if parent.tag in _INSERTED or parent.tag in _DELETED:
            return parent
        if parent.tag in _SKIPPED:
            return False
        parent = parent.getparent()
    return None


def _paragraph(p) -> Paragraph:
    pieces: list[Piece] = []
    for element in p.iter(*_TEXT_TAGS, _w("commentRangeStart"), _w("commentRangeEnd")):
        tag = element.tag
        change = _change(element, p)
        if change is False:
            continue
        if tag in (_w("commentRangeStart"), _w("commentRangeEnd")):
            kind = "start" if tag == _w("commentRangeStart") else "end"
            pieces.append(Piece(kind, element.get(_w("id"), "")))
            continue
        text = _TEXT.get(tag) if tag in _TEXT else "-"
        if text is None:  # no bidirectional control reaches the preview (``app.text``)
            text = without_bidi_controls(element.text or "")
        if not text:
            continue
        if change is None:
            kind = "delete" if tag == _w("delText") else "equal"
            author = date = ""
        else:
            kind = "insert" if change.tag in _INSERTED else "delete"
            author = without_bidi_controls(change.get(_w("author"), ""))
            date = change.get(_w("date"), "")
        last = pieces[-1] if pieces else None
        if last and (last.kind, last.author, last.date) == (kind, author, date):
            last.text += text
        else:
            pieces.append(Piece(kind, text, author, date))
    mark = "equal"
    properties = p.find(_w("pPr"))
    style = ""
    if properties is not None:
        marks = properties.find(_w("rPr"))
        if marks is not None:
            if marks.find(_w("ins")) is not None:
                mark = "insert"
            elif marks.find(_w("del")) is not None:
                mark = "delete"
        style_element = properties.find(_w("pStyle"))
        if style_element is not None:
            style = style_element.get(_w("val"), "")
    return Paragraph(pieces, mark, style)


def _paragraphs(container) -> list[Paragraph]:
    return [
        _paragraph(p)
        for p in container.iter(_w("p"))
        if not any(a.tag == _w("txbxContent") for a in p.iterancestors())
    ]


def _walk(body, sections: list[Section], outside: list[Paragraph]) -> None:
    for child in body:
        if child.tag == _w("sdt"):
            tag_element = child.find(f"{_w('sdtPr')}/{_w('tag')}")
            tag = tag_element.get(_w("val"), "") if tag_element is not None else ""
            content = child.find(_w("sdtContent"))
            if content is None:
                continue
            if tag.startswith("accord:"):
                sections.append(Section(tag, _paragraphs(content)))
            else:
                _walk(content, sections, outside)
        elif child.tag in (_w("p"), _w("tbl")):
            outside.extend(_paragraphs(child) if child.tag == _w("tbl") else [_paragraph(child)])
        elif child.tag in _INSERTED | _DELETED | {_w("customXml")}:
            _walk(child, sections, outside)


def _comments(root) -> dict[str, WordComment]:
    if root is None:
        return {}
    found = {}
    for comment in root.iter(_w("comment")):
        comment_id = comment.get(_w("id"), "")
        text = "\n\n".join(
            "".join(t.text or "" for t in p.iter(_w("t"))).strip() for p in comment.iter(_w("p"))
        ).strip()
        author = without_bidi_controls(comment.get(_w("author"), ""))
        found[comment_id] = WordComment(
            comment_id, author, comment.get(_w("date"), ""), without_bidi_controls(text)
        )
    return found


def read_upload(data: bytes) -> Uploaded:
    """The upload's clauses, other paragraphs, comments and variables (module docstring)."""
    package = _Package(data)
    _check_package(package)
    document = package.xml("word/document.xml")
    if document is None or document.tag != _w("document"):
        raise WordFileError(NOT_WORD)
    if next(document.iter(_w("altChunk")), None) is not None:
        raise WordFileError(EXTERNAL.format(what="an embedded part of another file"))
    settings = package.xml("word/settings.xml")
    variables: dict[str, str] = {}
    if settings is not None:
        if settings.find(_w("attachedTemplate")) is not None:
            raise WordFileError(EXTERNAL.format(what="a template"))
        for variable in settings.iter(_w("docVar")):
            variables[variable.get(_w("name"), "")] = variable.get(_w("val"), "")
    body = document.find(_w("body"))
    sections: list[Section] = []
    outside: list[Paragraph] = []
    if body is not None:
        _walk(body, sections, outside)
    return Uploaded(variables, sections, outside, _comments(package.xml("word/comments.xml")))


def plain_paragraphs(elements) -> list[str]:
    """The text of written ``w:p`` elements (python-docx's, from ``app.word.download``), read
    as an upload is read: for comparing an upload with what was downloaded."""
    return [_paragraph(p).text("old") for p in elements]
