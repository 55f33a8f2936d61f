"""The .docx to mark up in Word: the working text of a document (or one clause).

``suggestions_docx(document, clauses) -> bytes`` writes, with python-docx and the Word export's
Markdown-to-Word writer (``app.exports.docx``), a title, a short how-to, then each clause as a
locked block content control (``w:sdt``, tagged as ``app.word.markers`` says) holding a
"Heading 2" paragraph "N. Heading" and the clause's wording. Track Changes is switched on in
the file's settings, and the file is signed (``markers``) so an upload can be trusted to be
Accord's. ``clause_paragraphs(number, heading, body)`` gives the ``w:p`` elements one clause is
written as, so an upload can be compared with exactly what was downloaded.
"""

from __future__ import annotations

import io
import re

from docx import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from app.exports.docx import _NOT_XML, _deterministic_zip, _Writer
from app.models import Clause, Document
from app.text import upper_first
from app.word.markers import (
    CLAUSES_VAR,
    DOCUMENT_VAR,
    SIGNATURE_VAR,
    ClauseMark,
    clauses_value,
    signature,
)

HOW_TO = (
    "Track Changes is switched on in this file: change the wording as you would like it, and "
    "add comments (Review, New Comment) to ask about or remark on a passage.",
    "Keep each change inside its clause. Headings and numbers cannot be changed this way.",
    "Then upload the file in Accord (Upload suggestions from Word, on the document's page). "
    "You will see what it would create before anything is saved.",
)
# Written after the how-to for each clause whose amendments are stopped (the upload lists such a
# clause's changes as not made, and still takes its comments).
STOPPED_NOTE = (
    "New amendments to clause {number} are stopped: you can comment on it, but changes to its "
    "wording will not be made."
)
# Elements of w:settings that must come after w:trackRevisions and after w:docVars (ECMA-376
# part 1, 17.15.1.78: the children of w:settings are in a fixed order).
_AFTER_TRACK = {
    "doNotTrackMoves", "doNotTrackFormatting", "documentProtection", "autoFormatOverride",
    "styleLockTheme", "styleLockQFSet", "defaultTabStop", "autoHyphenation",
    "consecutiveHyphenLimit", "hyphenationZone", "doNotHyphenateCaps", "showEnvelope",
    "summaryLength", "clickAndTypeStyle", "defaultTableStyle", "evenAndOddHeaders",
    "bookFoldRevPrinting", "bookFoldPrinting", "bookFoldPrintingSheets",
    "drawingGridHorizontalSpacing", "drawingGridVerticalSpacing",
    "displayHorizontalDrawingGridEvery", "displayVerticalDrawingGridEvery",
    "doNotUseMarginsForDrawingGridOrigin", "drawingGridHorizontalOrigin",
    "drawingGridVerticalOrigin", "doNotShadeFormData", "noPunctuationKerning",
    "characterSpacingControl", "printTwoOnOne", "strictFirstAndLastChars", "noLineBreaksAfter",
    "noLineBreaksBefore", "savePreviewPicture", "doNotValidateAgainstSchema", "saveInvalidXml",
    "ignoreMixedContent", "alwaysShowPlaceholderText", "doNotDemarcateInvalidXml",
    "saveXmlDataOnly", "useXSLTWhenSaving", "saveThroughXslt", "showXMLTags",
    "alwaysMergeEmptyNamespace", "updateFields", "hdrShapeDefaults", "footnotePr", "endnotePr",
    "compat",
}  # fmt: skip
_AFTER_DOC_VARS = {
    "rsids", "mathPr", "attachedSchema", "themeFontLang", "clrSchemeMapping",
    "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures", "forceUpgrade", "captions",
    "readModeInkLockDown", "smartTagType", "schemaLibrary", "shapeDefaults",
    "doNotEmbedSmartTags", "decimalSymbol", "listSeparator",
}  # fmt: skip


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


class _ClauseWriter(_Writer):
    """The Word export's writer without an export model: only its Markdown-to-Word part."""

    def __init__(self) -> None:
        self.doc = WordDocument()
        self.body = self.doc.element.body
        self.next_revision_id = 1
        self.author, self.date = "Accord", ""
        self.list_numbers = {}
        self.style_ids = {style.name: style.style_id for style in self.doc.styles}

    def clause(self, number: str, heading: str, body: str) -> list:
        """Write one clause at the end: its w:p elements (heading first)."""
        since = len(self.body)
        self._paragraph(_clean(f"{number}. {heading}"), style="Heading 2")
        self._markdown(_clean(body))
        return self._new_paragraphs(since)


def clause_paragraphs(number: str, heading: str, body: str) -> list:
    """The ``w:p`` elements a clause's wording is written as (in a scratch document)."""
    return _ClauseWriter().clause(number, heading, body)


class ScratchClauses:
    """Many clauses written into one scratch document (a new python-docx Document each time
    is slow): ``paragraphs(number, heading, body)``."""

    def __init__(self) -> None:
        self.writer = _ClauseWriter()

    def paragraphs(self, number: str, heading: str, body: str) -> list:
        return self.writer.clause(number, heading, body)


def _content_control(paragraphs: list, mark: ClauseMark, name: str, control_id: int):
    """Wrap the paragraphs (already in the body, in order) in a locked block content control
    called ``name`` ("Clause 4A", "Item 3")."""
    sdt = OxmlElement("w:sdt")
    properties = OxmlElement("w:sdtPr")
    for tag, value in (
        ("w:alias", name),
        ("w:tag", mark.tag),
        ("w:id", str(control_id)),
        ("w:lock", "sdtLocked"),  # the control cannot be deleted; its content can be edited
    ):
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        properties.append(element)
    content = OxmlElement("w:sdtContent")
    sdt.append(properties)
    sdt.append(content)
    paragraphs[0].addprevious(sdt)
    for paragraph in paragraphs:
        content.append(paragraph)


def _insert_setting(settings, element, successors: set[str]) -> None:
    for child in settings:
        if isinstance(child.tag, str) and child.tag.split("}")[-1] in successors:
            child.addprevious(element)
            return
    settings.append(element)


def _settings(doc, variables: dict[str, str]) -> None:
    """Switch Track Changes on and add the document variables."""
    settings = doc.settings.element
    _insert_setting(settings, OxmlElement("w:trackRevisions"), _AFTER_TRACK | _AFTER_DOC_VARS)
    doc_vars = OxmlElement("w:docVars")
    for name, value in variables.items():
        variable = OxmlElement("w:docVar")
        variable.set(qn("w:name"), name)
        variable.set(qn("w:val"), value)
        doc_vars.append(variable)
    _insert_setting(settings, doc_vars, _AFTER_DOC_VARS)


def suggestions_docx(document: Document, clauses: list[Clause]) -> bytes:
    """The .docx for suggestions on ``clauses`` (live ones, in order) of ``document``."""
    writer = _ClauseWriter()
    doc = writer.doc
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(25))
    properties = doc.core_properties
    properties.title = _clean(document.title)[:255]
    properties.subject = "For suggestions"
    properties.author = properties.last_modified_by = "Accord"
    properties.comments = properties.keywords = properties.category = ""
    properties.language = "en-GB"
    rels = doc.part.package.rels
    for key in [key for key, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        del rels[key]
    writer._paragraph(_clean(document.title), style="Title")
    for line in HOW_TO:
        writer._paragraph(document.worded(line))
    for clause in clauses:
        if clause.amendments_stopped:
            writer._paragraph(document.worded(STOPPED_NOTE).format(number=clause.number))
    marks = []
    for index, clause in enumerate(clauses, start=1):
        mark = ClauseMark(clause.id, clause.revision_number)
        marks.append(mark)
        paragraphs = writer.clause(clause.number, clause.heading, clause.body)
        _content_control(paragraphs, mark, upper_first(clause.short_name), index)
    value = clauses_value(marks)
    _settings(
        doc,
        {
            DOCUMENT_VAR: document.slug,
            CLAUSES_VAR: value,
            SIGNATURE_VAR: signature(document.slug, value),
        },
    )
    out = io.BytesIO()
    doc.save(out)
    return _deterministic_zip(out.getvalue())


def is_how_to(document: Document, text: str) -> bool:
    """Whether ``text`` is a paragraph the download writes outside the clauses: the title, the
    how-to (in the words of the document, or as a file made before agendas had words of their
    own), or the note of a clause whose amendments are stopped (any clause number)."""
    if text in {_clean(document.title), *HOW_TO, *(document.worded(line) for line in HOW_TO)}:
        return True
    before, _, after = document.worded(STOPPED_NOTE).partition("{number}")
    return bool(re.fullmatch(re.escape(before) + r"[\w.]{1,20}" + re.escape(after), text))
