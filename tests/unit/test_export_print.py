"""The print page, its PDF and the Markdown export say the same, readably, and always the same."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest
from flask import has_app_context
from pypdf import PdfReader

from app import create_app
from app.exports import printing
from app.exports.markdown_export import critic_markup, render_markdown_export
from app.exports.model import (
    ClauseDiff,
    CoverageRow,
    ExportClause,
    ExportModel,
    HistoryEntry,
    SideCount,
    VotingRecord,
)
from app.exports.printing import (
    PRINT_CSS,
    agenda_line,
    render_pdf,
    render_print_html,
    session_rows,
)

GENERATED = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
HASH = "9f2c" * 16
LONG_END = "Diweddglo"  # the last word of the 20,000-character clause
LONG_BODY = (" ".join(f"Paragraph {n}: Cymraeg: ŵ ŷ, “quoted” text." for n in range(600)))[
    : 20_000 - len(LONG_END) - 1
] + f" {LONG_END}"
HEADINGS = [
    "1. Respect and courtesy",
    "2. Cymraeg: ŵ ŷ",
    "3. Declaring ‘interests’",
]


def clause(number, heading, body, status="Agreed", recommendations=(), **extra):
    return ExportClause(number, heading, body, tuple(recommendations), status, **extra)


def full_model(**changes) -> ExportModel:
    clauses = (
        clause(
            "1",
            "Respect and courtesy",
            "Members **must** treat Officers with respect:\n\n"
            "- in meetings\n- in writing\n\n"
            "> “Be kind” — Zoë Brontë\n\n"
            "See [the plan](https://example.org/plan) and "
            "https://example.org/" + "a-very-long-address-" * 15 + " too.",
            recommendations=("CR g", "CPC d"),
            history=(
                HistoryEntry(GENERATED, "Wording 1 by Zoë Brontë: first draft"),
                HistoryEntry(GENERATED, "Voting closed: agreed"),
            ),
        ),
        clause("2", "Cymraeg: ŵ ŷ", LONG_BODY, status="Not agreed"),
        clause("3", "Declaring ‘interests’", "Say so <b>early</b>.", status="Not voted on"),
    )
    model = ExportModel(
        council="St Helens Council",
        title="Ways of Working Accord",
        kind="accord",
        kind_label="Ways of Working Accord",
        version_label="Version 2",
        version_number=2,
        status_label="Open for comment",
        content_hash=HASH,
        generated_at=GENERATED,
        clauses=clauses,
        agreed_only=False,
        include_annexes=True,
        voting_record=(
            VotingRecord(
                "1",
                "Respect and courtesy",
                SideCount(4, 1, 0, 0, 7),
                SideCount(3, 0, 1, 1, 6),
                "Agreed",
                GENERATED,
            ),
            VotingRecord("3", "Declaring ‘interests’", None, None, "Not voted on", None),
        ),
        coverage=(
            CoverageRow("CR g", "g", "Treat each other with respect | always", ("1",)),
            CoverageRow("CR b", "b", "Train new Members", ()),
        ),
        changes_since="Version 1",
        changes=(
            ClauseDiff(
                "changed",
                "1",
                "Respect",
                "Respect and courtesy",
                "Members treat Officers well.",
                "Members treat Officers with respect.",
            ),
            ClauseDiff("added", "3", None, "Declaring ‘interests’", None, "Say so early."),
            ClauseDiff("removed", "4", "Old rule", None, "Gone now.", None),
            ClauseDiff("moved", "2", "Cymraeg: ŵ ŷ", "Cymraeg: ŵ ŷ", "x", "x"),
            ClauseDiff("unchanged", "5", "Same", "Same", "Same text.", "Same text."),
        ),
    )
    return replace(model, **changes)


def small_model(**changes) -> ExportModel:
    """Without the long clause or tracked changes: a PDF of two pages or so."""
    clauses = full_model().clauses
    return full_model(
        **{"clauses": clauses[:1] + clauses[2:], "changes_since": None, "changes": (), **changes}
    )


def pdf_text(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() for page in reader.pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def outline_titles(outline, depth=0) -> list[tuple[int, str]]:
    titles = []
    for item in outline:
        if isinstance(item, list):
            titles += outline_titles(item, depth + 1)
        else:
            titles.append((depth, item.title))
    return titles


@pytest.fixture(scope="module")
def flask_app():
    return create_app({"ACCORD_ENV": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.fixture
def in_app(flask_app):
    """Inside an app context, as the export routes are."""
    with flask_app.app_context():
        yield flask_app


@pytest.fixture(scope="module")
def full_pdf(flask_app):
    with flask_app.app_context():
        return pdf_text(render_pdf(full_model()))


# The PDF --------------------------------------------------------------------------------------


def test_pdf_has_the_title_page_headings_in_order_and_page_numbers(full_pdf):
    reader, pages = full_pdf
    assert len(reader.pages) > 1
    title_page = pages[0]
    for text in ["St Helens Council", "Ways of Working Accord", "Version 2", "Open for comment"]:
        assert text in title_page
    assert "Generated 3 March 2026 at 10:00am" in title_page
    assert HASH in squash(title_page), "the whole content hash, even if it wraps"
    assert f"Page 1 of {len(pages)}" in title_page
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    assert "Ways of Working Accord – Version 2" in pages[1], "running header"

    body = "\n".join(pages[1:])
    positions = [body.find(heading) for heading in HEADINGS]
    assert -1 not in positions and positions == sorted(positions), positions
    assert body.find("Annex A: Clause history") > positions[-1]
    assert "Status: Not agreed" in body and "Answers: CR g, CPC d" in body
    assert "“Be kind” — Zoë Brontë" in body
    assert LONG_END in body, "the end of a 20,000-character clause is printed"
    assert "Say so <b>early</b>." in body, "HTML in a clause is shown, not obeyed"


def test_pdf_annexes_start_on_new_pages(full_pdf):
    _, pages = full_pdf
    annex_pages = [
        next(i for i, page in enumerate(pages) if page.lstrip().startswith(f"Annex {letter}:"))
        for letter in "ABC"
    ]
    assert annex_pages == sorted(annex_pages) and len(set(annex_pages)) == 3
    assert "4 support, 1 oppose, 0" in pages[annex_pages[2]]
    assert "Not answered" in pages[annex_pages[1]]
    assert "Wording 1 by Zoë Brontë: first draft" in pages[annex_pages[0]]


def test_pdf_bookmarks_follow_the_headings(full_pdf):
    reader, _ = full_pdf
    titles = outline_titles(reader.outline)
    assert titles[0] == (0, "Ways of Working Accord")
    level_two = [title for depth, title in titles if depth == 1]
    clause_titles = [title for title in level_two if title in HEADINGS]
    assert clause_titles == HEADINGS
    assert level_two[-3:] == [
        "Annex A: Clause history",
        "Annex B: Recommendation coverage",
        "Annex C: Voting record",
    ]
    assert (2, "1. Respect and courtesy") in titles, "changed clauses sit under their section"


def test_pdf_is_tagged_with_metadata_from_the_model(full_pdf):
    reader, _ = full_pdf
    meta = reader.metadata
    assert meta.title == "Ways of Working Accord – Version 2"
    assert meta.author == "St Helens Council"
    assert meta["/CreationDate"] == "D:20260303100000Z"
    assert meta["/ModDate"] == "D:20260303100000Z"
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root, "a tagged PDF"
    assert root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()


def test_pdf_tracked_changes_read_without_colour(full_pdf):
    _, pages = full_pdf
    changes = next(page for page in pages if "Changes since Version 1" in page.split("\n")[0])
    flat = squash(changes)
    assert "deleted:well" in flat and "inserted:withrespect" in flat
    assert flat.index("deleted:well") < flat.index("inserted:withrespect")
    assert "Heading:Respectinserted:andcourtesy" in flat
    assert "Removed." in changes and "deleted:Gonenow." in flat
    assert "Moved to clause 2; wording unchanged." in changes
    assert "Same text" not in changes, "unchanged clauses are left out"


def test_pdf_of_the_agreed_text_says_so(in_app):
    model = full_model(
        agreed_only=True, clauses=full_model().clauses[:1], changes_since=None, changes=()
    )
    _, pages = pdf_text(render_pdf(model))
    assert "The agreed text: clauses agreed by Members and Officers." in pages[0]
    assert "Status:" not in "".join(pages), "every clause is agreed: no status lines"


def test_pdf_of_an_empty_document():
    """Also: a PDF can be made outside an app context."""
    assert not has_app_context()
    model = full_model(
        clauses=(), include_annexes=False, changes_since=None, changes=(), voting_record=()
    )
    reader, pages = pdf_text(render_pdf(model))
    assert "This document has no clauses yet." in "".join(pages)
    assert "Annex" not in "".join(pages)
    assert outline_titles(reader.outline) == [(0, "Ways of Working Accord")]


def test_pdf_is_the_same_every_time(in_app):
    first, second = render_pdf(small_model()), render_pdf(small_model())
    assert pdf_text(first)[1] == pdf_text(second)[1]
    assert first == second, "fixed dates: the same bytes"


def test_pdf_loads_nothing_but_print_css(in_app, monkeypatch):
    fetched = []
    from weasyprint import URLFetcher

    original = URLFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(URLFetcher, "fetch", spy)
    model = small_model(clauses=(clause("1", "Links", "[a](https://example.org/x.css)"),))
    render_pdf(model)
    assert fetched == [PRINT_CSS.as_uri()]
    fetcher = printing._fetcher()
    for url in ["file:///etc/passwd", "http://169.254.169.254/latest", PRINT_CSS.as_uri() + "x"]:
        with pytest.raises(ValueError, match="Exports do not load"):
            fetcher.fetch(url)


# The print page -------------------------------------------------------------------------------


def test_print_html_has_no_scripts_or_inline_styles(in_app):
    html = render_print_html(full_model(), "/static/css/print.css")
    assert "<script" not in html.lower()
    assert "<style" not in html.lower()
    assert not re.search(r"\sstyle\s*=", html, re.I)
    assert '<link rel="stylesheet" href="/static/css/print.css">' in html
    assert '<html lang="en-GB">' in html
    assert "<title>Ways of Working Accord – Version 2</title>" in html
    assert '<meta name="dcterms.created" content="2026-03-03T10:00:00Z">' in html
    assert '<h2 id="clause-1">1. Respect and courtesy</h2>' in html
    assert '<h2 id="clause-3">3. Declaring ‘interests’</h2>' in html


def test_print_html_renders_markdown_safely(in_app):
    html = render_print_html(full_model(), "print.css")
    assert "<strong>must</strong>" in html
    assert "<li>in meetings</li>" in html
    assert "<blockquote>" in html
    assert 'href="https://example.org/plan"' in html
    assert "Say so &lt;b&gt;early&lt;/b&gt;." in html
    assert "<b>early</b>" not in html
    assert "Cymraeg: ŵ ŷ" in html and "Zoë Brontë" in html


def test_print_html_redlines_use_del_and_ins_with_spoken_markers(in_app):
    html = render_print_html(full_model(), "print.css")
    changes = html[html.index('id="changes"') : html.index('id="annex-a"')]
    hidden = '<span class="govuk-visually-hidden">'
    assert f'<del class="app-del">{hidden}deleted: </span>well</del>' in changes
    assert "inserted: </span>with respect</ins>" in changes
    assert "deleted: </span>Gone now.</del>" in changes
    assert "Same text." not in changes


def test_print_html_is_the_same_with_or_without_an_app_context(flask_app):
    assert not has_app_context()
    outside = render_print_html(full_model(), "print.css")
    with flask_app.app_context():
        inside = render_print_html(full_model(), "print.css")
    assert outside == inside


def test_print_html_of_an_agenda_shows_the_meeting_and_each_item(in_app):
    agenda = full_model(
        kind="agenda",
        session={
            "title": "Joint working group",
            "date": date(2026, 3, 17),
            "start": time(10, 0),
            "end": "12:00",
        },
        clauses=(
            clause(
                "1",
                "Welcome",
                "",
                agenda={"start": "10:00", "duration": 30, "purpose": "discussion", "lead": "Zoë"},
            ),
            clause("2", "Any other business", "", agenda={"lead": "The chair"}),
        ),
    )
    html = render_print_html(agenda, "print.css")
    assert '<th scope="row">Date</th>' in html and "Tuesday 17 March 2026" in html
    assert "10:00 to 12:00" in html
    assert "Venue" not in html, "a key that is absent is left out"
    assert "10:00 (30 minutes), for discussion, led by Zoë" in html
    assert '<p class="app-agenda">Led by The chair</p>' in html


def test_agenda_and_session_lines():
    assert agenda_line(None) == ""
    assert agenda_line({"duration": "1"}) == "1 minute"
    assert agenda_line({"start": time(9, 5), "purpose": "Decision"}) == "09:05, for decision"
    assert agenda_line({"purpose": "To agree the terms"}) == "To agree the terms"
    assert agenda_line({"purpose": "discussion", "lead": "Zoë"}) == "For discussion, led by Zoë"
    assert agenda_line({"lead": "the chair"}) == "Led by the chair"
    assert session_rows({"start": "18:30", "venue": "Town Hall"}) == [
        ("Time", "From 18:30"),
        ("Venue", "Town Hall"),
    ]
    assert session_rows(None) == []


# The Markdown export --------------------------------------------------------------------------


def test_markdown_export_has_the_text_in_order_and_the_annex_tables():
    text = render_markdown_export(full_model())
    assert text.startswith("# Ways of Working Accord\n")
    for line in [
        "- Council: St Helens Council",
        "- Version: Version 2",
        "- Status: Open for comment",
        "- Generated 3 March 2026 at 10:00am (2026-03-03T10:00:00Z)",
        f"- Content hash (SHA-256): `{HASH}`",
    ]:
        assert line in text.splitlines()
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        *(f"## {heading}" for heading in HEADINGS),
        "## Changes since Version 1",
        "## Annex A: Clause history",
        "## Annex B: Recommendation coverage",
        "## Annex C: Voting record",
    ]
    assert full_model().clauses[0].body in text, "bodies are kept as typed"
    assert LONG_BODY in text
    assert "Status: Agreed  \nAnswers: CR g, CPC d" in text
    assert "| Recommendation | What it asks | Answered by |\n| --- | --- | --- |" in text
    assert "| CR g | Treat each other with respect \\| always | Clause 1 |" in text
    assert "| Clause | Members | Officers | Outcome | Date closed |" in text
    assert (
        "| 1. Respect and courtesy | 4 support, 1 oppose, 0 abstain, 0 declared an interest "
        "(7 eligible) | 3 support, 0 oppose, 1 abstain, 1 declared an interest (6 eligible) "
        "| Agreed | 3 March 2026 at 10:00am |"
    ) in text
    assert "### Recommendations not yet answered\n\n- CR b: Train new Members" in text
    assert "- 3 March 2026 at 10:00am: Wording 1 by Zoë Brontë: first draft" in text


def test_markdown_export_marks_changes_with_critic_markup():
    text = render_markdown_export(full_model())
    changes = text[text.index("## Changes since") : text.index("## Annex A")]
    assert "Members treat Officers {--well--}{++with respect++}." in changes
    assert "Heading: Respect {++and courtesy++}" in changes
    assert "{++Say so early.++}" in changes
    assert "{--Gone now.--}" in changes
    assert "Moved to clause 2; wording unchanged." in changes
    assert "Same text" not in changes


def test_critic_markup_keeps_paragraphs_and_unescapes():
    from app.diff import redline

    assert critic_markup(redline("A & B.\n\nOld line", "A & B.\n\nNew line")) == (
        "A & B.\n\n{--Old--}{++New++} line"
    )


def test_markdown_export_of_the_agreed_text_and_of_an_empty_document():
    agreed = render_markdown_export(
        full_model(agreed_only=True, changes_since=None, include_annexes=False)
    )
    assert "The agreed text: clauses agreed by Members and Officers." in agreed
    assert "Status: Agreed" not in agreed and "Annex" not in agreed
    empty = render_markdown_export(
        full_model(clauses=(), include_annexes=False, changes_since=None, changes=())
    )
    assert "*This document has no clauses yet.*" in empty
    assert empty.endswith("yet.*\n")


def test_exports_are_deterministic(in_app):
    assert render_markdown_export(full_model()) == render_markdown_export(full_model())
    assert render_print_html(full_model(), "p.css") == render_print_html(full_model(), "p.css")
    later = full_model(generated_at=datetime(2027, 1, 1, tzinfo=UTC))
    assert render_markdown_export(later) != render_markdown_export(full_model())


# Committee papers in PDF: header, footer, landscape annex, nothing past the margin ------------

LONG_WORD = "Accountability" * 11  # 154 letters, no break


def paper_model() -> ExportModel:
    from app.exports.model import AmendmentRecord, CommitteePaper, Declaration

    return small_model(
        clauses=(
            clause(
                "1",
                LONG_WORD,
                f"Members **must** treat Officers with **{LONG_WORD[:40]}**{LONG_WORD[40:]}."
                "\n\n- a list item\n- another",
            ),
        ),
        voting_record=(
            VotingRecord("1", LONG_WORD, SideCount(4, 1, 0, 0, 7), None, "Agreed", GENERATED),
        ),
        paper=CommitteePaper("Standards Committee", date(2027, 3, 12), "7", "B", "Jo Bloggs"),
        amendment_record=(
            AmendmentRecord(
                4, "1", "Sarah Whitfield", "Accepted", None, None, "Not voted on", GENERATED
            ),
        ),
        declarations=(Declaration("Cllr Ann Lee", "Clause 1", LONG_WORD, GENERATED),),
    )


def test_pdf_pages_carry_the_header_footer_and_page_x_of_y(in_app):
    reader, pages = pdf_text(render_pdf(paper_model()))
    for number, page in enumerate(pages, start=1):
        assert "Appendix B to agenda item 7, Standards Committee, 12 March 2027" in page
        assert HASH in squash(page)
        assert f"Page {number} of {len(pages)}" in page
    assert "Report author" in pages[0] and "Jo Bloggs" in pages[0]
    assert squash(pages[0]).count(squash("Ways of Working Accord")) <= 3  # cover, kind, header
    annex = next(i for i, page in enumerate(pages) if page.lstrip().startswith("Annex C:"))
    box = reader.pages[annex].mediabox
    assert box.width > box.height, "the voting annex is on a landscape page"
    assert reader.pages[0].mediabox.width < reader.pages[0].mediabox.height
    annex_text = squash("".join(pages[annex:]))
    assert squash("Amendment 4 to clause 1, proposed by Sarah Whitfield") in annex_text
    assert squash("Cllr Ann Lee") in annex_text


def boxes(box):
    yield box
    for child in getattr(box, "children", []) or []:
        yield from boxes(child)


def test_pdf_contents_give_each_part_its_page_at_the_right_margin(in_app):
    """Each entry of a contents list long enough to run onto a second page has its page number
    on its heading's (last) line, at the right margin, on its heading's page, and the number is
    the page the part starts on (the contents were once dotted leaders: see print.css)."""
    from weasyprint.formatting_structure.boxes import TextBox

    parts = tuple(
        clause(
            str(n), f"Heading {n}" + (" that runs on" * 12 if n % 7 == 0 else ""), "Text. " * 300
        )
        for n in range(60)
    )
    document = printing.layout_pdf(small_model(clauses=parts))
    starts: dict[str, int] = {}  # "#clause-4" → the page its heading starts on
    entries = []
    for page_number, page in enumerate(document.pages, start=1):
        right = page.width - page._page_box.margin_right
        for box in boxes(page._page_box):
            element = getattr(box, "element", None)
            if element is None:
                continue
            starts.setdefault(f"#{element.get('id')}", page_number)
            if type(box).__name__ == "TableRowBox" and element.get("data-target"):
                # never split between pages, or a number can end a page its heading starts
                assert box.style["break_inside"] == "avoid"
                texts = [t for t in boxes(box) if isinstance(t, TextBox) and t.text.strip()]
                entries.append((page_number, element.get("data-target"), texts, right))
    assert len(entries) == 60 + 3 and len({page for page, *_ in entries}) > 1
    for _, target, (*heading, number), right in entries:
        # on the same line as the heading (a wrapped one's last line)
        assert number.position_y == pytest.approx(heading[-1].position_y, abs=0.5), target
        assert number.position_x + number.width == pytest.approx(right, abs=1), target
        assert int(number.text) == starts[target], target


def test_pdf_draws_nothing_past_the_right_margin(in_app):
    """Long unbroken words in a heading, a partly bold word and a table cell all wrap."""
    from weasyprint.formatting_structure.boxes import TextBox

    document = printing.layout_pdf(paper_model())
    checked = 0
    for page in document.pages:
        right = page.width - page._page_box.margin_right  # the page's content edge, in px
        for box in boxes(page._page_box):
            if isinstance(box, TextBox) and box.text.strip():
                checked += 1
                assert box.position_x + box.width <= right + 0.5, (box.text[:40], page.width)
    assert checked > 50


def test_the_markdown_export_writes_typed_reasons_and_names_as_typed_not_as_markup():
    """A close reason, a cell or a name holding Markdown or HTML is written so that a Markdown
    reader shows it as typed: nothing bold, no tag obeyed."""
    model = full_model()
    typed = "The <i>meeting</i> **moved** _again_"
    record = replace(model.voting_record[0], close_reason=typed, heading="A *b*")
    text = render_markdown_export(replace(model, voting_record=(record, *model.voting_record[1:])))
    line = next(line for line in text.splitlines() if "before its announced time" in line)
    assert "\\<i>meeting\\</i> \\*\\*moved\\*\\* \\_again\\_" in line
    assert "A \\*b\\*" in line
    assert "| 1. A \\*b\\* |" in text
