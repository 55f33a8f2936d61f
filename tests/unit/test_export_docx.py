"""The Word export: real styles, Markdown, annex tables, tracked changes and stable bytes."""

import io
import zipfile
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from app.diff import _tokenise, word_changes
from app.exports.docx import render_docx
from app.exports.model import (
    ClauseDiff,
    CoverageRow,
    ExportClause,
    ExportModel,
    HistoryEntry,
    SideCount,
    VotingRecord,
)

GENERATED = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
HASH = "9f" * 32


def clause(number="1", heading="Respect", body="Members and Officers treat each other well.", **kw):
    kw.setdefault("recommendations", ("CR g", "CPC d"))
    kw.setdefault("status", "Agreed")
    return ExportClause(number, heading, body, **kw)


def model(*clauses, **kw) -> ExportModel:
    values = {
        "council": "St Helens Council",
        "title": "Ways of Working",
        "kind": "accord",
        "kind_label": "Ways of Working Accord",
        "version_label": "Version 2",
        "version_number": 2,
        "status_label": "Open for comment",
        "content_hash": HASH,
        "generated_at": GENERATED,
        "clauses": clauses,
        "agreed_only": False,
        "include_annexes": False,
    }
    values.update(kw)
    return ExportModel(**values)


def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def paragraphs(doc):
    return [(p.style.name, p.text) for p in doc.paragraphs]


def texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


W = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}


def xpath(doc_or_element, path):
    """XPath with the w: prefix, on a document's body or on any element."""
    element = getattr(getattr(doc_or_element, "element", None), "body", doc_or_element)
    return etree.XPath(path, namespaces=W)(element)


def visible(element, *, accept: bool) -> str:
    """The text once every change is accepted (or rejected)."""
    kept = []
    for node in element.iter(qn("w:t"), qn("w:delText")):
        inside = {a.tag for a in node.iterancestors()}
        if accept and node.tag == qn("w:t") and qn("w:del") not in inside:
            kept.append(node.text or "")
        if not accept and qn("w:ins") not in inside:
            kept.append(node.text or "")
    return "".join(kept)


# Title page and clauses -----------------------------------------------------------------------


def test_title_page_has_title_style_version_status_date_and_hash():
    doc = open_docx(render_docx(model(clause())))
    found = paragraphs(doc)
    assert found[0] == ("Normal", "St Helens Council")
    assert ("Title", "Ways of Working") in found
    assert ("Subtitle", "Ways of Working Accord") in found
    body = texts(doc)
    assert "Version 2" in body
    assert "Status: Open for comment" in body
    assert "Generated 23 November 2026" in body
    assert f"Content hash (SHA-256): {HASH}" in body
    # A page break ends the title page, before the first Heading 1.
    first_heading = next(i for i, (style, _) in enumerate(found) if style == "Heading 1")
    breaks = xpath(doc.paragraphs[first_heading - 1]._p, ".//w:br[@w:type='page']")
    assert breaks and found[first_heading] == ("Heading 1", "Ways of Working")


def test_clause_headings_are_numbered_heading_2_in_order():
    doc = open_docx(
        render_docx(model(clause("1", "Respect"), clause("2", "Gifts"), clause("10", "Meetings")))
    )
    headings = [text for style, text in paragraphs(doc) if style == "Heading 2"]
    assert headings == ["1. Respect", "2. Gifts", "10. Meetings"]


def test_status_lines_and_answers_when_not_agreed_only():
    doc = open_docx(
        render_docx(
            model(
                clause("1", "Respect", status="Agreed"),
                clause("2", "Gifts", status="Not agreed", recommendations=("CR a",)),
                clause("3", "Travel", status="Not voted on", recommendations=()),
            )
        )
    )
    body = texts(doc)
    assert body[body.index("1. Respect") + 1] == "Status: Agreed"
    assert body[body.index("1. Respect") + 2] == "Answers: CR g, CPC d"
    assert body[body.index("2. Gifts") + 1 : body.index("2. Gifts") + 3] == [
        "Status: Not agreed",
        "Answers: CR a",
    ]
    assert body[body.index("3. Travel") + 1] == "Status: Not voted on"
    assert not any(t.startswith("Answers:") for t in body[body.index("3. Travel") :])
    assert "The agreed text: clauses agreed by Members and Officers." not in body


def test_agreed_only_says_so_and_has_no_status_lines():
    doc = open_docx(render_docx(model(clause(), agreed_only=True)))
    body = texts(doc)
    assert "The agreed text: clauses agreed by Members and Officers." in body
    assert not any(t.startswith("Status: Agreed") for t in body)
    assert "Answers: CR g, CPC d" in body


def test_empty_document():
    doc = open_docx(render_docx(model(include_annexes=True)))
    body = texts(doc)
    assert "This document has no clauses." in body
    assert "No history has been recorded for these clauses." in body
    assert "No recommendations have been recorded." in body
    assert "No clause has been put to a vote." in body
    assert not doc.tables


# Markdown -------------------------------------------------------------------------------------

MARKDOWN = """Members **must** declare *all* gifts.

- at the meeting
- in writing

1. first
2. second

> Openness matters.

Read [the guidance](https://example.org/guide) or <https://example.org>."""


def test_markdown_becomes_runs_and_list_and_quote_styles():
    doc = open_docx(render_docx(model(clause(body=MARKDOWN))))
    found = paragraphs(doc)
    assert ("Normal", "Members must declare all gifts.") in found
    runs = next(p for p in doc.paragraphs if p.text.startswith("Members must")).runs
    assert [r.text for r in runs if r.bold] == ["must"]
    assert [r.text for r in runs if r.italic] == ["all"]
    assert ("List Bullet", "at the meeting") in found
    assert ("List Bullet", "in writing") in found
    assert ("List Number", "first") in found
    assert ("List Number", "second") in found
    assert ("Quote", "Openness matters.") in found
    assert ("Normal", "Read the guidance (https://example.org/guide) or https://example.org.") in (
        found
    )


def test_each_numbered_list_restarts_at_its_own_number():
    doc = open_docx(render_docx(model(clause(body="1. a\n2. b\n\nBetween.\n\n3. c\n4. d"))))
    numbered = [p for p in doc.paragraphs if p.style.name == "List Number"]
    ids = [p._p.pPr.numPr.numId.val for p in numbered]
    assert ids[0] == ids[1] and ids[2] == ids[3] and ids[0] != ids[2]
    numbering = doc.part.numbering_part.element
    starts = [
        xpath(numbering.num_having_numId(i), "./w:lvlOverride/w:startOverride/@w:val")
        for i in (ids[0], ids[2])
    ]
    assert starts == [["1"], ["3"]]


def test_markdown_keeps_every_word_of_nested_lists_and_code():
    body = (
        "- outer\n  - inner\n    - third\n      - fourth\n\n        fourth again\n\n"
        "      code line\n\nA line  \nbreak and `code`."
    )
    doc = open_docx(render_docx(model(clause(body=body))))
    found = paragraphs(doc)
    assert ("List Bullet", "outer") in found
    assert ("List Bullet 2", "inner") in found
    assert ("List Bullet 3", "third") in found
    assert ("List Bullet 4", "fourth") in found  # made from level 3, indented further
    assert ("List Continue 4", "fourth again") in found
    fourth = doc.styles["List Bullet 4"].paragraph_format.left_indent
    assert fourth > (doc.styles["List Bullet 3"].paragraph_format.left_indent or 0)
    all_text = "\n".join(texts(doc))
    for word in ("code line", "A line", "break and code."):
        assert word in all_text


def test_non_ascii_text_round_trips():
    heading = "Parch – ‘respect’ a “chwarae teg”"
    body = "Gŵyl a ŷd: café, naïve, Llŷn, **ŵ**."
    doc = open_docx(render_docx(model(clause(heading=heading, body=body), council="Cyngor ŵ")))
    body_texts = texts(doc)
    assert f"1. {heading}" in body_texts
    assert "Gŵyl a ŷd: café, naïve, Llŷn, ŵ." in body_texts
    assert doc.core_properties.author == "Cyngor ŵ"


def test_a_very_long_clause_is_kept_whole():
    body = ("Members and Officers work together openly. " * 466)[:20_000].strip()
    assert len(body) > 19_900
    doc = open_docx(render_docx(model(clause(body=body))))
    assert body in texts(doc)


def test_control_characters_are_dropped_not_fatal():
    doc = open_docx(render_docx(model(clause(heading="Bad\x0bheading", body="a\x00b\x1fc"))))
    assert "1. Badheading" in texts(doc)
    assert "abc" in texts(doc)


# Annexes --------------------------------------------------------------------------------------


def annexed_model(**kw):
    kw.setdefault("include_annexes", True)
    return model(
        clause(
            "1",
            "Respect",
            history=(
                HistoryEntry(datetime(2026, 3, 3, 10, 0, tzinfo=UTC), "Wording 1 proposed"),
                HistoryEntry(datetime(2026, 6, 1, 13, 30, tzinfo=UTC), "Amendment 4 accepted"),
            ),
        ),
        clause("2", "Gifts", recommendations=("CR a",), status="Not voted on"),
        coverage=(
            CoverageRow("CR a", "a", "Publish gifts.", ("2",)),
            CoverageRow("CR g", "g", "Treat people well.", ("1",)),
            CoverageRow("CR h", "h", "Train everyone.", ()),
        ),
        voting_record=(
            VotingRecord(
                "1",
                "Respect",
                SideCount(9, 1, 2, 0, 12),
                SideCount(5, 0, 0, 1, 6),
                "Agreed",
                datetime(2026, 7, 1, 12, 0, tzinfo=UTC),
            ),
            VotingRecord("2", "Gifts", None, None, "Not voted on", None),
        ),
        **kw,
    )


def cells(table):
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_annex_headings_history_and_unanswered_recommendations():
    doc = open_docx(render_docx(annexed_model()))
    found = paragraphs(doc)
    annexes = [text for style, text in found if style == "Heading 1" and text.startswith("Annex")]
    assert annexes == [
        "Annex A: Clause history",
        "Annex B: Recommendation coverage",
        "Annex C: Voting record",
    ]
    assert ("List Bullet", "3 March 2026 at 10:00am: Wording 1 proposed") in found
    assert ("List Bullet", "1 June 2026 at 2:30pm: Amendment 4 accepted") in found  # BST
    unanswered = found.index(("Heading 2", "Recommendations not yet answered"))
    assert found[unanswered + 1] == ("List Bullet", "CR h: Train everyone.")
    assert ("List Bullet", "CR a: Publish gifts.") not in found


def test_coverage_table_rows_match_the_model():
    doc = open_docx(render_docx(annexed_model()))
    coverage = doc.tables[0]
    assert cells(coverage) == [
        ["Recommendation", "What it asks", "Answered by"],
        ["CR a", "Publish gifts.", "Clause 2"],
        ["CR g", "Treat people well.", "Clause 1"],
        ["CR h", "Train everyone.", "Not answered"],
    ]
    header = coverage.rows[0]
    assert xpath(header._tr, "./w:trPr/w:tblHeader")
    assert all(run.bold for cell in header.cells for run in cell.paragraphs[0].runs)
    assert coverage.style.name == "Table Grid"


def test_voting_table_rows_match_the_model():
    doc = open_docx(render_docx(annexed_model()))
    voting = cells(doc.tables[1])
    # Five columns that fit a landscape page, not thirteen squeezed onto portrait A4.
    assert voting[0] == ["Clause", "Members", "Officers", "Outcome", "Date closed"]
    assert voting[1] == [
        "1. Respect",
        "9 support, 1 oppose, 2 abstain, 0 declared an interest (12 eligible)",
        "5 support, 0 oppose, 0 abstain, 1 declared an interest (6 eligible)",
        "Agreed",
        "1 July 2026",
    ]
    assert voting[2] == ["2. Gifts", "No vote", "No vote", "Not voted on", "—"]
    layout = xpath(doc.tables[1]._tbl, "./w:tblPr/w:tblLayout/@w:type")
    assert layout == ["fixed"]  # long words wrap inside their cell
    assert xpath(doc.tables[1]._tbl, "./w:tr[1]/w:trPr/w:tblHeader")


def test_no_annexes_unless_asked():
    doc = open_docx(render_docx(annexed_model(include_annexes=False)))
    assert not doc.tables
    assert not any(text.startswith("Annex") for text in texts(doc))


# Tracked changes ------------------------------------------------------------------------------


def changes_model(*changes, clauses=()):
    return model(*clauses, changes_since="Version 1", changes=changes)


def revisions(doc):
    return xpath(doc, ".//w:ins | .//w:del")


def test_a_changed_word_is_a_tracked_deletion_and_insertion():
    change = ClauseDiff(
        "changed",
        "1",
        "Respect",
        "Respect",
        "Members must declare gifts.",
        "Members should declare gifts.",
    )
    doc = open_docx(render_docx(changes_model(change, clauses=(clause(),))))
    assert ("Heading 2", "1. Respect") in paragraphs(doc)  # the clause keeps its heading
    assert not any("Changes since" in text for style, text in paragraphs(doc) if "Heading" in style)
    deleted = xpath(doc, ".//w:p/w:del")
    inserted = xpath(doc, ".//w:p/w:ins")
    assert ["".join(xpath(d, ".//w:delText/text()")) for d in deleted] == ["must"]
    assert ["".join(xpath(i, ".//w:t/text()")) for i in inserted] == ["should"]
    for revision in deleted + inserted:
        assert revision.get(qn("w:author")) == "Accord"
        assert revision.get(qn("w:date")) == "2026-11-23T14:05:00Z"
    for text in xpath(doc, ".//w:delText"):
        assert text.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
    paragraph = deleted[0].getparent()
    assert visible(paragraph, accept=True) == "Members should declare gifts."
    assert visible(paragraph, accept=False) == "Members must declare gifts."


def test_changed_headings_and_paragraphs_are_tracked_too():
    change = ClauseDiff(
        "moved and changed",
        "2",
        "Old heading",
        "New heading",
        "First paragraph.\n\nSecond paragraph stays.",
        "First paragraph, changed.\n\nSecond paragraph stays.\n\nA third one.",
    )
    doc = open_docx(render_docx(changes_model(change)))
    heading = next(p for p in doc.paragraphs if p.style.name == "Heading 2")
    assert visible(heading._p, accept=True) == "2. New heading"
    assert visible(heading._p, accept=False) == "2. Old heading"
    assert "Moved: this clause was in a different place in Version 1." in texts(doc)
    # The new paragraph's break is an inserted paragraph mark.
    assert xpath(doc, ".//w:p/w:pPr/w:rPr/w:ins")
    body = "\n\n".join(visible(p, accept=True) for p in xpath(doc, ".//w:p")[-3:])
    assert body == "First paragraph, changed.\n\nSecond paragraph stays.\n\nA third one."


def test_added_and_removed_clauses_are_whole_insertions_and_deletions():
    added = ClauseDiff("added", "2", None, "Gifts", None, "Declare **every** gift.")
    removed = ClauseDiff("removed", "3", "Travel", None, "Claim *expenses* promptly.", None)
    unchanged = ClauseDiff("unchanged", "1", "Respect", "Respect", "Be kind.", "Be kind.")
    doc = open_docx(
        render_docx(
            changes_model(
                unchanged,
                added,
                removed,
                clauses=(clause("1", "Respect", "Be kind."), clause("2", "Gifts")),
            )
        )
    )
    inserted = "".join(t for i in xpath(doc, ".//w:p/w:ins") for t in xpath(i, ".//w:t/text()"))
    deleted = "".join(
        t for d in xpath(doc, ".//w:p/w:del") for t in xpath(d, ".//w:delText/text()")
    )
    assert "2. Gifts" in inserted and "Declare every gift." in inserted
    assert "3. Travel" in deleted and "Claim expenses promptly." in deleted
    # Bold survives inside the insertion, italics inside the deletion.
    assert xpath(doc, ".//w:ins/w:r[w:rPr/w:b]/w:t[.='every']")
    assert xpath(doc, ".//w:del/w:r[w:rPr/w:i]/w:delText[.='expenses']")
    # Every paragraph of the added and removed clauses has a tracked paragraph mark.
    assert ("Heading 2", "1. Respect") in paragraphs(doc)
    assert len(xpath(doc, ".//w:p[w:pPr/w:rPr/w:ins]")) >= 3  # heading, answers, body
    assert len(xpath(doc, ".//w:p[w:pPr/w:rPr/w:del]")) == 2  # heading, body
    # The unchanged clause is plain text.
    assert "Be kind." in texts(doc)


def test_revision_ids_are_unique_integers_and_in_paragraphs():
    changes = [
        ClauseDiff("changed", str(n), f"H{n}", f"H{n} new", "a b c d", "a x c y e")
        for n in range(1, 6)
    ]
    changes.append(ClauseDiff("added", "6", None, "New", None, "- one\n- two"))
    doc = open_docx(render_docx(changes_model(*changes)))
    found = revisions(doc)
    ids = [r.get(qn("w:id")) for r in found]
    assert len(found) > 20
    assert all(i.isdigit() for i in ids)
    assert len(set(ids)) == len(ids)
    for revision in found:
        parent = revision.getparent().tag
        assert parent in (qn("w:p"), qn("w:rPr"))  # a run change, or a paragraph mark
        if parent == qn("w:p"):
            assert xpath(revision, "./w:r")


def test_non_ascii_in_tracked_changes():
    change = ClauseDiff("changed", "1", "Y Gŵyl", "Y Gŵyl", "‘Dŵr’ a tân.", "“Dŵr” a ŷd.")
    doc = open_docx(render_docx(changes_model(change)))
    paragraph = xpath(doc, ".//w:p[w:del]")[0]
    assert visible(paragraph, accept=True) == "“Dŵr” a ŷd."
    assert visible(paragraph, accept=False) == "‘Dŵr’ a tân."


def test_no_changes_says_so():
    doc = open_docx(render_docx(changes_model()))
    assert "No clause has changed since Version 1." in texts(doc)
    assert not revisions(doc)


# word_changes ---------------------------------------------------------------------------------


def simplified(text: str) -> str:
    tokens, gaps = _tokenise(text)
    return "".join(gap + token for gap, token in zip(gaps, tokens, strict=True))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Members must declare gifts.", "Members should declare gifts."),
        ("Normally the Leader decides.", "the Leader decides."),
        ("the Leader decides.", "Normally the Leader decides."),
        ("One.\n\nNormally two.", "One.\n\ntwo."),
        ("- a\n- b", "- a\n- c\n\nMore."),
        ("", "New."),
        ("Old.", ""),
        ("Decide, then act.", "Decide then act!"),
    ],
)
def test_word_changes_rebuild_both_texts(old, new):
    pieces = word_changes(old, new)
    assert all(kind in ("equal", "delete", "insert") and text for kind, text in pieces)
    assert "".join(t for kind, t in pieces if kind != "delete") == simplified(new)
    assert "".join(t for kind, t in pieces if kind != "insert") == simplified(old)


def test_word_changes_shares_the_space_around_a_replaced_word():
    assert word_changes("Members must declare.", "Members should declare.") == [
        ("equal", "Members "),
        ("delete", "must"),
        ("insert", "should"),
        ("equal", " declare."),
    ]
    assert word_changes("Same text.", "Same text.") == [("equal", "Same text.")]
    assert word_changes("", "") == []


# Byte stability and properties ----------------------------------------------------------------


def test_same_model_same_bytes_and_generated_at_changes_them():
    one = annexed_model()
    first, second = render_docx(one), render_docx(one)
    assert first == second
    later = render_docx(replace(one, generated_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC)))
    assert later != first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.testzip() is None
        assert "docProps/thumbnail.jpeg" not in archive.namelist()


def test_core_properties_come_from_the_model():
    properties = open_docx(render_docx(model(clause()))).core_properties
    assert properties.title == "Ways of Working"
    assert properties.author == properties.last_modified_by == "St Helens Council"
    assert properties.created == properties.modified == datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
    assert properties.revision == 1
    assert properties.comments == ""


def test_a_tracked_changes_export_is_stable_too():
    change = ClauseDiff("changed", "1", "Respect", "Respect", "a b", "a c")
    first = render_docx(changes_model(change))
    assert first == render_docx(changes_model(change))


# Accept All gives the new wording exactly ---------------------------------------------------


def accept_all(doc) -> None:
    """What Word's Accept All Changes does, in the XML: insertions are unwrapped, deletions
    removed, and a paragraph whose mark was deleted goes (its text went with it)."""
    body = doc.element.body
    for ins in list(body.iter(qn("w:ins"))):
        parent = ins.getparent()
        if parent.tag == qn("w:rPr"):
            parent.remove(ins)
            continue
        for child in list(ins):
            ins.addprevious(child)
        parent.remove(ins)
    for deleted in list(body.iter(qn("w:del"))):
        parent = deleted.getparent()
        if parent.tag == qn("w:rPr"):
            paragraph = parent.getparent().getparent()
            assert not "".join(xpath(paragraph, ".//w:t/text()"))
            paragraph.getparent().remove(paragraph)
        else:
            parent.remove(deleted)


def formatted(doc, after: str) -> list:
    """Each paragraph from the heading ``after`` on: style, and its characters' formatting."""
    found, seen = [], False
    for paragraph in doc.paragraphs:
        seen = seen or paragraph.text == after
        if seen:
            chars = [(c, bool(r.bold), bool(r.italic)) for r in paragraph.runs for c in r.text]
            found.append((paragraph.style.name, paragraph.text, chars))
    return found


OLD_BODY = (
    "Members must:\n\n- declare **gifts** promptly\n- attend\n    - in person\n\n"
    "> Quoted *words*\n\n1. first\n2. second\n\nA [link](https://example.org) here."
)
NEW_BODY = (
    "Members should:\n\n- declare **all gifts**\n- attend meetings\n    - in person\n"
    "        - or online\n            - by video\n                - with camera\n- vote\n\n"
    "> Quoted *new words*\n\n1. first\n2. second and third\n\nA [link](https://example.org)."
)


def test_accepting_every_tracked_change_gives_the_new_wording_and_its_styles():
    change = ClauseDiff("changed", "1", "Respect", "Respect", OLD_BODY, NEW_BODY)
    tracked = open_docx(render_docx(changes_model(change, clauses=(clause(body=NEW_BODY),))))
    assert xpath(tracked, ".//w:ins") and xpath(tracked, ".//w:del")
    accept_all(tracked)
    plain = open_docx(render_docx(model(clause(body=NEW_BODY))))
    assert formatted(tracked, "1. Respect") == formatted(plain, "1. Respect")
    styles = [style for style, *_ in formatted(plain, "1. Respect")]
    assert {
        "List Bullet",
        "List Bullet 2",
        "List Bullet 3",
        "List Bullet 4",
        "List Bullet 5",
    } <= set(styles)
    assert "Quote" in styles and "List Number" in styles


def test_tracked_changes_are_attributed_to_whoever_made_them():
    when = datetime(2026, 10, 2, 9, 30, tzinfo=UTC)
    change = ClauseDiff(
        "changed", "1", "Respect", "Respect", "- must", "- should", "Sarah Whitfield", when
    )
    doc = open_docx(render_docx(changes_model(change, clauses=(clause(body="- should"),))))
    revisions_made = xpath(doc, ".//w:ins | .//w:del")
    assert revisions_made
    for revision in revisions_made:
        assert revision.get(qn("w:author")) == "Sarah Whitfield"
        assert revision.get(qn("w:date")) == "2026-10-02T09:30:00Z"
    item = next(p for p in doc.paragraphs if "should" in p.text or xpath(p._p, ".//w:delText"))
    assert item.style.name == "List Bullet"  # the tracked item keeps its list style


# Committee papers: header, footer, page numbers, landscape annex ----------------------------


def paper_model(**kw):
    from datetime import date

    from app.exports.model import AmendmentRecord, CommitteePaper, Declaration

    return annexed_model(
        paper=CommitteePaper(
            "Standards Committee", date(2027, 3, 12), "7", "B", "Jo Bloggs, Democratic Services"
        ),
        amendment_record=(
            AmendmentRecord(
                4,
                "1",
                "Sarah Whitfield",
                "Accepted",
                SideCount(8, 2, 0, 0, 10),
                None,
                "Agreed",
                datetime(2026, 6, 1, 13, 30, tzinfo=UTC),
            ),
        ),
        declarations=(
            Declaration("Cllr Ann Lee", "Clause 2", "Trustee of a local charity", GENERATED),
        ),
        **kw,
    )


def test_every_page_has_a_header_and_a_footer_with_page_x_of_y():
    doc = open_docx(render_docx(paper_model()))
    for section in doc.sections:  # later sections share the first one's
        header = "\n".join(p.text for p in section.header.paragraphs)
        footer_xml = section.footer._element
        assert "Ways of Working – Version 2" in header
        assert "Appendix B to agenda item 7, Standards Committee, 12 March 2027" in header
        assert HASH in "".join(xpath(footer_xml, ".//w:t/text()"))
        instructions = [i.strip() for i in xpath(footer_xml, ".//w:fldSimple/@w:instr")]
        assert instructions == ["PAGE", "NUMPAGES"]
        assert "Page 1 of 1" in "".join(xpath(footer_xml, ".//w:t/text()"))
    cover = texts(doc)[:16]
    assert "Committee: Standards Committee" in cover
    assert "Meeting date: 12 March 2027" in cover
    assert "Appendix: B" in cover and "Agenda item: 7" in cover
    assert "Report author: Jo Bloggs, Democratic Services" in cover


def test_the_voting_annex_is_landscape_and_has_amendments_and_declarations():
    from docx.enum.section import WD_ORIENT

    doc = open_docx(render_docx(paper_model()))
    assert doc.sections[0].orientation == WD_ORIENT.PORTRAIT
    landscape = doc.sections[-1]
    assert landscape.orientation == WD_ORIENT.LANDSCAPE
    assert landscape.page_width > landscape.page_height
    amendments, declarations = cells(doc.tables[2]), cells(doc.tables[3])
    assert amendments[1][0] == "Amendment 4 to clause 1, proposed by Sarah Whitfield: accepted"
    assert amendments[1][3] == "Agreed"
    assert declarations[0] == ["Who", "On", "Reason given", "When"]
    assert declarations[1][:3] == ["Cllr Ann Lee", "Clause 2", "Trustee of a local charity"]
    width = sum(column.width for column in doc.tables[1].columns)
    usable = landscape.page_width - landscape.left_margin - landscape.right_margin
    assert width <= usable
