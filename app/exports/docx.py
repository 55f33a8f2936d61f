"""The Word export: committee papers the council can keep editing.

``render_docx(model)`` reads only the ExportModel (no database, no Flask) and returns the bytes
of a .docx made with python-docx from its default template:

- a title page (council, title in the "Title" style, kind, version, status, generation date,
  content hash), then the clauses under a "Heading 1", each clause a "Heading 2" reading
  "N. Heading" (the number is in the text, so it survives any restyling);
- clause bodies converted from Markdown (markdown-it-py's token stream) to Word paragraphs and
  runs: bold and italic runs, "List Bullet"/"List Number" styles (each numbered list restarts
  at its own number through a Word numbering instance), "Quote" style for quotes, and links as
  their text followed by the address in brackets;
- with ``model.changes_since``, the clauses come from ``model.changes`` as real Word tracked
  changes (``w:ins``/``w:del``, author "Accord", dated ``model.generated_at`` in UTC, so the
  same model gives the same bytes and the date is when the comparison was made): added
  and removed clauses are whole insertions and deletions (formatted as usual), unchanged ones
  are plain, and changed wording is diffed word by word with ``app.diff.word_changes`` and
  shown as its Markdown source (``**bold**``, ``- item``), one Word paragraph per Markdown
  paragraph. ``_track_run`` and ``_track_mark`` below build that XML;
- annexes (clause history; recommendation coverage and voting record as Word tables with a
  repeating header row; the voting record on a landscape page).

The same model always gives the same bytes: the core properties are set from the model
(created and modified are ``generated_at``) and the zip is rewritten with fixed entry dates.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import fields, is_dataclass, replace
from datetime import UTC, datetime
from typing import cast
from zoneinfo import ZoneInfo

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from app.diff import BlockChange, Word, block_changes, markdown_blocks, word_changes
from app.exports.model import ClauseDiff, ExportClause, ExportModel, SideCount
from app.exports.printing import (
    accepted_against_rule,
    amendment_label,
    checkpoint_text,
    early_closes,
    side_count_text,
)

AUTHOR = "Accord"  # the author of every tracked change
LONDON = ZoneInfo("Europe/London")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
NO_VALUE = "—"
# Characters XML cannot hold (control characters other than tab and newlines).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render_docx(model: ExportModel) -> bytes:
    """The Word document for ``model``, byte-identical for the same model."""
    return _Writer(_xml_safe(model)).render()


def _xml_safe(value):
    """``value`` (the model, and all its text) without characters XML cannot hold."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, tuple):
        return tuple(_xml_safe(item) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: _xml_safe(getattr(value, f.name)) for f in fields(value)})
    return value


# Dates -------------------------------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    """``value`` in UTC without a zone (naive values are taken to be UTC already)."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _local(value: datetime) -> datetime:
    return _utc(value).replace(tzinfo=UTC).astimezone(LONDON)


def _date(value: datetime) -> str:
    """'23 November 2026', in the council's time zone."""
    local = _local(value)
    return f"{local.day} {local:%B %Y}"


def _date_time(value: datetime) -> str:
    """'23 November 2026 at 2:05pm', in the council's time zone."""
    local = _local(value)
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{_date(value)} at {hour}:{local:%M}{local:%p}".replace("AM", "am").replace("PM", "pm")


# The zip -----------------------------------------------------------------------------------


def _deterministic_zip(data: bytes) -> bytes:
    """``data`` (a zip) rewritten in the same order with fixed dates, attributes and compression."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def _field(code: str, shown: str):
    """A simple Word field (``PAGE``, ``NUMPAGES``) showing ``shown`` until Word updates it."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {code} ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = shown
    run.append(text)
    field.append(run)
    return field


class _Writer:
    """One render: the python-docx Document and the counter for tracked-change ids."""

    def __init__(self, model: ExportModel):
        self.model = model
        self.doc = Document()
        self.body = self.doc.element.body
        self.revision_date = _utc(model.generated_at).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.next_revision_id = 1
        self.author, self.date = AUTHOR, self.revision_date  # of the change being written
        self.list_numbers: dict[tuple, int | None] = {}
        self.style_ids = {style.name: style.style_id for style in self.doc.styles}

    def render(self) -> bytes:
        self._set_up()
        self._header_and_footer(self.doc.sections[0])
        self._title_page()
        if self.model.changes_since:
            self._changes()
        else:
            self._clauses()
        if self.model.include_annexes:
            self._annexes()
        out = io.BytesIO()
        self.doc.save(out)
        return _deterministic_zip(out.getvalue())

    # Set-up --------------------------------------------------------------------------------

    def _set_up(self) -> None:
        model, doc = self.model, self.doc
        section = doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)  # A4
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Mm(25))
        lang = doc.styles.element.find(f"{qn('w:docDefaults')}//{qn('w:lang')}")
        if lang is not None:
            lang.set(qn("w:val"), "en-GB")
        properties = doc.core_properties
        properties.title = model.title[:255]
        properties.subject = f"{model.kind_label}, {model.version_label}"[:255]
        properties.author = properties.last_modified_by = model.council[:255]
        properties.comments = properties.keywords = properties.category = ""
        properties.language = "en-GB"
        properties.created = properties.modified = _utc(model.generated_at)
        properties.revision = 1
        # The template's thumbnail is python-docx's logo: leave it out.
        rels = doc.part.package.rels
        for key in [key for key, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
            del rels[key]

    def _header_and_footer(self, section) -> None:
        """Every page: the title, version and paper reference above; the content hash and
        "Page x of y" (Word's PAGE and NUMPAGES fields) below. Later sections link to these."""
        model = self.model
        header = section.header.paragraphs[0]
        header.text = model.running_header
        header.style = self.doc.styles["Header"]
        footer = section.footer.paragraphs[0]
        footer.style = self.doc.styles["Footer"] if "Footer" in self.style_ids else None
        footer.add_run(f"{model.running_footer}")
        footer.add_run().add_break()
        footer.add_run("Page ")
        footer._p.append(_field("PAGE", "1"))
        footer.add_run(" of ")
        footer._p.append(_field("NUMPAGES", "1"))
        for paragraph in (header, footer):
            for run in paragraph.runs:
                run.font.size = Pt(9)

    def _new_paragraphs(self, since: int) -> list:
        """The paragraphs (w:p) added since the body had ``since`` children (sectPr is last)."""
        return [p for p in list(self.body)[since - 1 : -1] if p.tag == qn("w:p")]

    def _paragraph(self, text: str = "", style: str | None = None):
        """A new last paragraph. Styles are set by id: python-docx's lookup by name is slow."""
        paragraph = self.doc.add_paragraph(text)
        if style:
            paragraph._p.style = self.style_ids[style]
        return paragraph

    def _line(self, text: str, *, italic: bool = False, bold: bool = False):
        run = self._paragraph().add_run(text)
        if italic:
            run.italic = True
        if bold:
            run.bold = True

    # Title page ----------------------------------------------------------------------------

    def _title_page(self) -> None:
        model, doc = self.model, self.doc
        self._line(model.council, bold=True)
        self._paragraph(model.title, "Title")
        if model.kind_label != model.title:  # "Member/Officer Protocol" once, not twice
            self._paragraph(model.kind_label, "Subtitle")
        self._line(model.version_label)
        self._line(f"Status: {model.status_label}")
        self._line(f"Generated {_date(model.generated_at)}")
        self._line(f"Content hash (SHA-256): {model.content_hash}")
        self._line(f"Audit trail checkpoint: {checkpoint_text(model)}")
        if model.paper is not None:
            for label, value in model.paper.rows:
                self._line(f"{label}: {value}")
        if model.agreed_only:
            self._line(model.worded("The agreed text: clauses agreed by Members and Officers."))
        if model.changes_since:
            self._line(
                model.worded(
                    f"Changes since {model.changes_since} are shown as tracked changes, each "
                    "under its clause and named after the person whose amendment made it: use "
                    "Review in Word to see, accept or reject them."
                )
            )
        doc.add_page_break()

    # Clauses -------------------------------------------------------------------------------

    def _clauses(self) -> None:
        model = self.model
        self._paragraph(model.title, "Heading 1")
        if not model.clauses and model.agreed_only:
            self._line(model.worded("No clauses have been agreed yet."))
        elif not model.clauses:
            self._line(model.worded("This document has no clauses."))
        for clause in model.clauses:
            self._paragraph(f"{clause.number}. {clause.heading}", "Heading 2")
            self._clause_notes(clause)
            self._markdown(clause.body)

    def _clause_notes(self, clause: ExportClause | None) -> None:
        if clause is None:
            return
        if self.model.shows_clause_status:
            self._line(f"Status: {clause.status}", italic=True)
        if clause.recommendations:
            self._line(f"Answers: {', '.join(clause.recommendations)}", italic=True)

    # Markdown ------------------------------------------------------------------------------

    def _markdown(self, text: str) -> None:
        """Markdown as Word paragraphs: lists, quotes and code keep their text; a heading is a
        bold paragraph (``app.diff.markdown_blocks``), as the page shows it."""
        self._blocks(
            [
                BlockChange("equal", block.frames, block, tuple(("equal", w) for w in block.words))
                for block in markdown_blocks(text or "")
            ]
        )

    def _blocks(self, changes: list[BlockChange]) -> None:
        """Blocks of a comparison (``app.diff.block_changes``) as Word paragraphs, one per leaf
        block, in the new wording's styles: whole blocks added or removed are tracked with
        their paragraph marks, words inside a block as tracked runs. Accepting every change
        gives exactly the paragraphs, styles and runs of the new wording exported alone."""
        started_items: set[tuple] = set()
        for change in changes:
            block = change.block
            if block.kind == "hr":
                continue
            style, number = self._block_style(change.frames, block, started_items)
            paragraph = self._paragraph(style=style)
            if number is not None:
                numbering = paragraph._p.get_or_add_pPr().get_or_add_numPr()
                numbering.get_or_add_ilvl().val = 0
                numbering.get_or_add_numId().val = number
            self._words(paragraph, change.words, code=block.kind == "pre")
            if change.kind in ("insert", "delete"):
                self._track_mark(paragraph._p, change.kind)

    def _block_style(self, frames, block, started_items: set) -> tuple[str | None, int | None]:
        """The Word style (and numbering instance) of a leaf block in its containers."""
        lists = [frame for frame in frames if frame.kind in ("ul", "ol")]
        items = [frame for frame in frames if frame.kind == "li"]
        if lists and items:
            level = min(len(lists), 5)
            suffix = f" {level}" if level > 1 else ""
            if items[-1].key in started_items:  # a later paragraph of the same list item
                return self._style("List Continue" + suffix), None
            started_items.add(items[-1].key)
            if lists[-1].kind == "ol":
                style = self._style("List Number" + suffix)
                if lists[-1].key not in self.list_numbers:
                    self.list_numbers[lists[-1].key] = self._numbering(style, lists[-1].start)
                return style, self.list_numbers[lists[-1].key]
            return self._style("List Bullet" + suffix), None
        if any(frame.kind == "blockquote" for frame in frames):
            return "Quote", None
        return None, None

    def _style(self, name: str) -> str:
        """``name``; levels 4 and 5 of a list style are made (from level 3, indented further)
        the first time they are needed: the default template stops at 3."""
        if name in self.style_ids:
            return name
        base, level = name.rsplit(" ", 1)
        parent = self.doc.styles[f"{base} 3"]
        style = self.doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = parent
        style.paragraph_format.left_indent = Mm(6.35 * (int(level) + 1))
        style.paragraph_format.first_line_indent = Mm(-6.35) if base != "List Continue" else None
        numbering = parent.element.pPr.numPr if parent.element.pPr is not None else None
        if numbering is not None and numbering.numId is not None:
            own = style.element.get_or_add_pPr().get_or_add_numPr()
            own.get_or_add_ilvl().val = 0
            own.get_or_add_numId().val = numbering.numId.val
        self.style_ids[name] = style.style_id
        return name

    def _words(self, paragraph, pieces, *, code: bool = False) -> None:
        """Compared words as runs: one run per stretch of one change kind and one set of
        marks (bold, italic, code); a link's text is followed by its address in brackets."""
        groups: list[tuple[str, tuple[str, ...], list]] = []
        for kind, word in pieces:
            if groups and groups[-1][:2] == (kind, word.marks):
                groups[-1][2].append(word)
            else:
                groups.append((kind, word.marks, [word]))
        index = 0
        while index < len(groups) - 1:
            (kind, _, words), (after, _, later) = groups[index], groups[index + 1]
            gap = words[0].gap
            if (kind, after) == ("delete", "insert") and gap and gap == later[0].gap:
                # "must" → "should": the space both share stays outside the change.
                words[0], later[0] = replace(words[0], gap=""), replace(later[0], gap="")
                groups.insert(index, ("equal", (), [Word("", gap)]))
                index += 1
            index += 1
        first, before = True, cast(tuple[str, ...], ())
        for index, (kind, marks, words) in enumerate(groups):
            text = ""
            if marks and not first and words[0].gap and marks != before:
                # The space before a bold stretch is not bold (inside one, it is).
                self._run(paragraph, words[0].gap, kind)
                words = [replace(words[0], gap=""), *words[1:]]
            if kind != "delete" and any(word.text for word in words):
                before = marks
            for word in words:
                if word.text == "\n" and not code:
                    self._run(paragraph, text, kind, marks, code)
                    text = ""
                    self._run(paragraph, None, kind, marks, code)
                    first = False
                    continue
                text += ("" if first else word.gap) + word.text
                first = False
            self._run(paragraph, text, kind, marks, code)
            link = next((m for m in marks if m.startswith("link:")), "")
            following = groups[index + 1][1] if index + 1 < len(groups) else ()
            if link and link not in following:
                span: list[tuple[str, tuple[str, ...], list]] = []
                for other in reversed(groups[: index + 1]):
                    if link not in other[1]:
                        break
                    span.insert(0, other)
                shown = "".join(
                    (w.gap if i or j else "") + w.text
                    for i, g in enumerate(span)
                    if g[0] != "delete"
                    for j, w in enumerate(g[2])
                )
                href = link.removeprefix("link:")
                kinds = {g[0] for g in span}
                if href and href.removeprefix("mailto:") != shown.strip():
                    self._run(paragraph, f" ({href})", kinds.pop() if len(kinds) == 1 else "equal")

    def _run(self, paragraph, text, kind: str, marks=(), code: bool = False) -> None:
        """A run of ``text`` (None: a line break) with the marks, tracked unless "equal"."""
        if text == "":
            return
        run = paragraph.add_run()
        if text is None:
            run.add_break()
        else:
            run.text = text
        if "strong" in marks:
            run.bold = True
        if "em" in marks:
            run.italic = True
        if code or "code" in marks:
            run.font.name = "Courier New"
        if kind != "equal":
            self._track_run(run._r, kind)

    def _numbering(self, style: str, start: int) -> int | None:
        """A new Word list instance for ``style``'s list definition, starting at ``start``."""
        properties = self.doc.styles[style].element.pPr
        if properties is None or properties.numPr is None or properties.numPr.numId is None:
            return None
        numbering = self.doc.part.numbering_part.element
        definition = numbering.num_having_numId(properties.numPr.numId.val).abstractNumId.val
        instance = numbering.add_num(definition)
        instance.add_lvlOverride(ilvl=0).add_startOverride(start)
        return instance.numId

    # Tracked changes -----------------------------------------------------------------------

    def _revision(self, tag: str):
        """A ``w:ins`` or ``w:del`` with a new id, the author and the date."""
        element = OxmlElement(tag)
        element.set(qn("w:id"), str(self.next_revision_id))
        element.set(qn("w:author"), self.author)
        element.set(qn("w:date"), self.date)
        self.next_revision_id += 1
        return element

    def _track_run(self, run, kind: str) -> None:
        """Wrap the run (w:r) in w:ins or w:del; a deleted run's w:t become w:delText."""
        wrapper = self._revision("w:ins" if kind == "insert" else "w:del")
        run.addprevious(wrapper)
        wrapper.append(run)
        if kind == "delete":
            for text in run.findall(qn("w:t")):
                text.tag = qn("w:delText")
                text.set(qn("xml:space"), "preserve")

    def _track_mark(self, paragraph, kind: str) -> None:
        """Mark the paragraph's mark (the break after it) as inserted or deleted."""
        properties = paragraph.get_or_add_pPr()
        marks = properties.find(qn("w:rPr"))
        if marks is None:
            marks = OxmlElement("w:rPr")
            properties.append(marks)  # nothing after w:rPr is ever added here
        marks.insert(0, self._revision("w:ins" if kind == "insert" else "w:del"))

    def _track_paragraphs(self, paragraphs, kind: str) -> None:
        for paragraph in paragraphs:
            for run in paragraph.findall(qn("w:r")):
                self._track_run(run, kind)
            self._track_mark(paragraph, kind)

    def _tracked_text(self, paragraph, pieces: list[tuple[str, str]]) -> None:
        """``word_changes`` pieces (of a one-line heading) as runs."""
        for kind, text in pieces:
            self._run(paragraph, text, kind)

    def _changes(self) -> None:
        """The clauses with the changes since the earlier version as tracked changes, each
        under its own heading, attributed to whoever made them."""
        model = self.model
        self._paragraph(model.title, "Heading 1")
        if not model.changes:
            self._line(model.worded(f"No clause has changed since {model.changes_since}."))
        by_number = {clause.number: clause for clause in model.clauses}
        for change in model.changes:
            clause = by_number.get(change.number) if change.kind != "removed" else None
            self.author = change.author or AUTHOR
            self.date = (
                _utc(change.changed_at).strftime("%Y-%m-%dT%H:%M:%SZ")
                if (change.changed_at)
                else self.revision_date
            )
            self._change(change, clause)
        self.author, self.date = AUTHOR, self.revision_date

    def _change(self, change: ClauseDiff, clause: ExportClause | None) -> None:
        kind = change.kind
        if kind in ("added", "removed"):
            new = kind == "added"
            heading = change.new_heading if new else change.old_heading
            start = len(self.body)
            self._paragraph(f"{change.number}. {heading or ''}", "Heading 2")
            self._clause_notes(clause)
            self._track_paragraphs(self._new_paragraphs(start), "insert" if new else "delete")
            old, text = ("", change.new_body) if new else (change.old_body, "")
            self._blocks(block_changes(old or "", text or ""))
            return
        old_heading = " ".join((change.old_heading or "").split())
        new_heading = " ".join((change.new_heading or "").split())
        heading = self._paragraph(f"{change.number}. ", "Heading 2")
        self._tracked_text(heading, word_changes(old_heading, new_heading))
        if kind.startswith("moved"):
            self._line(
                self.model.worded(
                    f"Moved: this clause was in a different place in {self.model.changes_since}."
                ),
                italic=True,
            )
        self._clause_notes(clause)
        if kind in ("unchanged", "moved"):
            self._markdown(change.new_body or "")
        else:
            self._blocks(block_changes(change.old_body or "", change.new_body or ""))

    # Annexes -------------------------------------------------------------------------------

    def _table(
        self, headers: list[str], rows: list[list[str]], widths: tuple[int, ...] = ()
    ) -> None:
        """A "Table Grid" table whose bold header row repeats on each page; ``widths`` in mm
        (fixed layout, so long words wrap inside their cell instead of widening it)."""
        table = self.doc.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        if widths:
            table.autofit = False  # w:tblLayout "fixed"
            for column, width in zip(table.columns, widths, strict=True):
                column.width = Mm(width)
        for cell, text in zip(table.rows[0].cells, headers, strict=True):
            cell.paragraphs[0].add_run(text).bold = True
        table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for row in rows:
            for cell, text in zip(table.add_row().cells, row, strict=True):
                cell.text = text
        if widths:
            for row in table.rows:
                for cell, width in zip(row.cells, widths, strict=True):
                    cell.width = Mm(width)

    def _annexes(self) -> None:
        model, doc = self.model, self.doc

        doc.add_page_break()
        self._paragraph(model.worded("Annex A: Clause history"), "Heading 1")
        with_history = [clause for clause in model.clauses if clause.history]
        if not with_history:
            self._line(model.worded("No history has been recorded for these clauses."))
        for clause in with_history:
            self._paragraph(f"{clause.number}. {clause.heading}", "Heading 2")
            for entry in clause.history:
                text = f"{_date_time(entry.when)}: {entry.what}" if entry.when else entry.what
                self._paragraph(text, "List Bullet")

        doc.add_page_break()
        self._paragraph("Annex B: Recommendation coverage", "Heading 1")
        if not model.coverage:
            self._line("No recommendations have been recorded.")
        for source, rows in model.coverage_by_source:
            if source:
                self._paragraph(source, "Heading 2")
            self._table(
                ["Recommendation", "What it asks", "Answered by"],
                [
                    [
                        row.label,
                        row.text,
                        model.worded(f"Clause {', '.join(row.clauses)}")
                        if row.clauses
                        else "Not answered",
                    ]
                    for row in rows
                ],
                widths=(30, 95, 35),
            )
        if model.coverage:
            self._paragraph("Recommendations not yet answered", "Heading 2")
            unanswered = [row for row in model.coverage if not row.clauses]
            if not unanswered:
                self._line(model.worded("Every recommendation is answered by at least one clause."))
            for row in unanswered:
                self._paragraph(f"{row.label}: {row.text}", "List Bullet")

        # The voting record is wide: a landscape section (which also starts a new page).
        section = doc.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        self._paragraph("Annex C: Voting record", "Heading 1")
        if not model.voting_record:
            self._line(model.worded("No clause has been put to a vote."))
        else:
            self._paragraph(model.worded("Clauses"), "Heading 2")
            self._table(
                [model.worded("Clause"), "Members", "Officers", "Outcome", "Date closed"],
                [
                    [
                        f"{record.number}. {record.heading}",
                        side_count_text(record.members),
                        side_count_text(record.officers),
                        record.outcome_text,
                        _date(record.closed_at) if record.closed_at else NO_VALUE,
                    ]
                    for record in model.voting_record
                ],
                widths=(70, 55, 55, 45, 22),
            )
        for line in early_closes(model):
            self._paragraph(line, "List Bullet")
        self._paragraph("Amendments", "Heading 2")
        if not model.amendment_record:
            self._line("No amendment has been proposed.")
        else:
            self._table(
                ["Amendment", "Members", "Officers", "Outcome", "Decided"],
                [
                    [
                        amendment_label(model, record),
                        side_count_text(record.members),
                        side_count_text(record.officers),
                        record.outcome,
                        _date(record.decided_at) if record.decided_at else NO_VALUE,
                    ]
                    for record in model.amendment_record
                ],
                widths=(70, 55, 55, 45, 22),
            )
        for line in accepted_against_rule(model):
            self._paragraph(line, "List Bullet")
        self._paragraph("Declarations of interest", "Heading 2")
        if not model.declarations:
            self._line("No interest has been declared.")
        else:
            self._table(
                ["Who", "On", "Reason given", "When"],
                [
                    [d.name, d.item, d.reason, _date(d.when) if d.when else NO_VALUE]
                    for d in model.declarations
                ],
                widths=(50, 50, 117, 30),
            )


def _counts(count: SideCount | None) -> list[str]:
    """Support, oppose, abstain, interest and eligible, or dashes when there was no vote."""
    names = ("support", "oppose", "abstain", "interest", "eligible")
    return [str(getattr(count, name)) if count else NO_VALUE for name in names]
