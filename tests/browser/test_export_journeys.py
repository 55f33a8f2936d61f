"""Exports in the browser: Word, PDF, Markdown, the print page and open data.

The live server's database is shared by every browser test of the session. Exporting changes
nothing, so these journeys only read the Ways of Working Accord; the one thing they may add is a
published version of it (for the Member, who cannot export the working text), which changes no
document's state.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from docx import Document
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import (
    another_person,
    assert_accessible,
    horizontal_overflow,
    sign_in,
)

ACCORD = "/documents/ways-of-working-accord"
EXPORT = f"{ACCORD}/export"
TITLE = "Ways of Working Accord"
FIRST_CLAUSE = "1. Purpose and shared commitment"
LAST_CLAUSE = "13. Living the Accord and keeping it under review"
NOTHING_YET = "No version of this document has been published yet"


def choose(page, fmt: str, *, which: str | None = None, all_clauses: bool = True) -> None:
    """Fill the export form: a format, which text, which clauses, with the annexes."""
    page.get_by_role("group", name="Format").get_by_label(fmt, exact=True).check()
    if which is not None:
        page.get_by_label("Which text").select_option(label=which)
    clauses = page.get_by_role("group", name="Clauses")
    clauses.get_by_label(
        "All clauses, each with its status" if all_clauses else "The agreed text: only clauses"
    ).check()
    page.get_by_role("group", name="Annexes").get_by_label("Include the annexes").check()


def download(page, tmp_path: Path, action) -> Path:
    """Run ``action`` (a click), capture the download it starts and save it under tmp_path."""
    with page.expect_download() as info:
        action()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert info.value.failure() is None
    return saved


def press_download(page, tmp_path: Path) -> Path:
    return download(page, tmp_path, page.get_by_role("button", name="Download").click)


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def option_labels(page) -> list[str]:
    return [
        text.strip() for text in page.get_by_label("Which text").locator("option").all_inner_texts()
    ]


def test_a_facilitator_exports_the_accord_in_every_format(page, tmp_path):
    sign_in(page, "facilitator@example.org")
    page.goto(ACCORD)
    page.get_by_role("link", name="Export (Word, PDF, Markdown, open data)").click()
    expect(page).to_have_url(re.compile(re.escape(EXPORT) + "$"))
    expect(page).to_have_title(re.compile(r"^Export – Ways of Working Accord"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Export the text")
    assert option_labels(page)[0] == "The working text, as it is now"
    expect(page.get_by_label("Which text")).to_have_value("working")
    assert_accessible(page)

    # Word: each clause is a "Heading 2" reading "N. Heading".
    choose(page, "Word (.docx)", which="The working text, as it is now")
    word = press_download(page, tmp_path)
    assert word.name == "ways-of-working-accord-working-text.docx"
    headings = [
        paragraph.text
        for paragraph in Document(str(word)).paragraphs
        if paragraph.style.name == "Heading 2"
    ]
    assert FIRST_CLAUSE in headings
    assert LAST_CLAUSE in headings
    assert "Annex A: Clause history" in [p.text for p in Document(str(word)).paragraphs]

    # PDF: the title and the content hash on its title page.
    choose(page, "PDF")
    pdf = press_download(page, tmp_path)
    assert pdf.name == "ways-of-working-accord-working-text.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert TITLE in text
    assert "Content hash" in text
    assert "Purpose and shared commitment" in text

    # Markdown: the title as its first heading.
    choose(page, "Markdown")
    markdown = press_download(page, tmp_path)
    assert markdown.name == "ways-of-working-accord-working-text.md"
    content = markdown.read_text(encoding="utf-8")
    assert content.startswith(f"# {TITLE}")
    assert "Purpose and shared commitment" in content
    assert "Annex C: Voting record" in content

    # The print-friendly page opens in the same tab, standalone, with print.css.
    choose(page, "Print-friendly web page")
    page.get_by_role("button", name="Download").click()
    expect(page).to_have_url(re.compile(re.escape(f"{EXPORT}/download") + r"\?.*format=html"))
    expect(page).to_have_title(f"{TITLE} – Working text (not a published version)")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("heading", level=2, name=FIRST_CLAUSE, exact=True)).to_be_visible()
    expect(page.locator('link[rel="stylesheet"][href*="/css/print.css"]')).to_have_count(1)
    content_hash, checkpoint = page.locator(".app-hash").all()
    expect(content_hash).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    expect(checkpoint).to_contain_text(re.compile(r"[0-9]+:[0-9a-f]{64}"))
    assert_accessible(page)
    page.go_back()
    expect(page).to_have_url(re.compile(re.escape(EXPORT) + "$"))

    # Open data: CSV (UTF-8 with a BOM, so Excel reads it) and JSON.
    expect(page.get_by_role("heading", name="Open data")).to_be_visible()
    comments = download(page, tmp_path, page.get_by_role("link", name="Comments (CSV)").click)
    assert comments.name == "ways-of-working-accord-comments.csv"
    raw = comments.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "discussion_id", "parent_id"]
    assert "text" in rows[0]
    everything = download(page, tmp_path, page.get_by_role("link", name="Everything (JSON)").click)
    assert everything.name == "ways-of-working-accord-data.json"
    data = json.loads(everything.read_text(encoding="utf-8"))
    assert data["document"] == "ways-of-working-accord"
    assert data["title"] == TITLE
    for table in ("discussions", "comments", "votes", "amendments"):
        assert isinstance(data[table], list)


def test_an_impossible_export_shows_the_form_again_with_an_error(page):
    sign_in(page, "facilitator@example.org")
    response = page.goto(
        f"{EXPORT}/download?format=exe&version=working&clauses=all&annexes=yes&changes_since="
    )
    assert response.status == 422
    expect(page).to_have_title(re.compile(r"^Error: Export – Ways of Working Accord"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text(
        "Choose a format: Word, PDF, Markdown or the print-friendly page"
    )
    expect(page.locator("#format-error")).to_contain_text("Choose a format")
    # The rest of what was asked for is kept.
    expect(page.get_by_label("Which text")).to_have_value("working")
    expect(page.get_by_label("All clauses, each with its status")).to_be_checked()
    assert_accessible(page)
    # The summary's link takes you to the first format.
    summary.get_by_role("link").click()
    expect(page.get_by_label("Word (.docx)")).to_be_focused()


def test_a_member_exports_a_published_version_but_not_the_working_text(
    page, browser, live_server, tmp_path
):
    with another_person(browser, live_server, "member@example.org") as member:
        member.goto(ACCORD)
        member.get_by_role("link", name="Export (Word, PDF, Markdown, open data)").click()
        expect(member.get_by_role("heading", level=1)).to_have_text("Export the text")
        if member.get_by_text(NOTHING_YET).count():
            # Nothing published yet: nothing to choose, no download, no open data.
            expect(member.get_by_role("button", name="Download")).to_have_count(0)
            expect(member.get_by_role("heading", name="Open data")).to_have_count(0)
            assert_accessible(member)
            # The facilitator publishes a version.
            sign_in(page, "facilitator@example.org")
            page.goto(ACCORD)
            page.get_by_role("link", name="Versions and history").click()
            page.get_by_label("Note (optional)").fill("For the export journey")
            page.get_by_role("button", name="Publish a new version").click()
            expect(page).to_have_url(re.compile(re.escape(ACCORD) + r"/versions/\d+$"))
            member.reload()

        expect(member.get_by_text(NOTHING_YET)).to_have_count(0)
        labels = option_labels(member)
        assert labels, "the Member is offered no version"
        assert not any("working text" in label for label in labels), labels
        assert all(re.fullmatch(r"Version \d+ \(published .+\)", label) for label in labels)
        latest = int(re.match(r"Version (\d+)", labels[0]).group(1))
        expect(member.get_by_role("heading", name="Open data")).to_have_count(0)
        expect(member.get_by_role("link", name=re.compile(r"\((CSV|JSON)\)$"))).to_have_count(0)
        assert_accessible(member)

        choose(member, "PDF", which=labels[0])
        pdf = press_download(member, tmp_path)
        assert pdf.name == f"ways-of-working-accord-v{latest}.pdf"
        text = pdf_text(pdf)
        assert TITLE in text
        assert "Content hash" in text
        assert f"Version {latest}" in text

        # Neither the working text nor open data, even by address.
        response = member.goto(
            f"{EXPORT}/download?format=md&version=working&clauses=all&annexes=yes"
        )
        assert response.status == 422
        expect(member.locator(".govuk-error-summary")).to_contain_text(
            "Choose a version you can export"
        )
        assert member.request.get(f"{EXPORT}/data.json").status == 403
        assert member.request.get(f"{EXPORT}/comments.csv").status == 403


def test_the_markdown_download_works_without_javascript(page_without_javascript, tmp_path):
    page = page_without_javascript
    sign_in(page, "facilitator@example.org")
    page.goto(ACCORD)
    page.get_by_role("link", name="Export (Word, PDF, Markdown, open data)").click()
    choose(page, "Markdown", which="The working text, as it is now")
    markdown = press_download(page, tmp_path)
    assert markdown.name == "ways-of-working-accord-working-text.md"
    content = markdown.read_text(encoding="utf-8")
    assert content.startswith(f"# {TITLE}")
    assert FIRST_CLAUSE.split(". ", 1)[1] in content


def test_a_facilitator_makes_a_committee_pack(page, tmp_path):
    """The committee-paper details go on the cover and at the top of every page, in PDF and
    Word; the voting annex is a landscape page; bad details are shown by their fields."""
    sign_in(page, "facilitator@example.org")
    page.goto(EXPORT)
    paper = page.get_by_role("group", name="Committee paper details (optional)")
    expect(paper).to_be_visible()

    # A mistake first: the appendix is a letter, the date a real one.
    paper.get_by_label("Committee", exact=True).fill("Standards Committee")
    meeting = paper.get_by_role("group", name="Meeting date")
    meeting.get_by_label("Day").fill("31")
    meeting.get_by_label("Month").fill("2")
    meeting.get_by_label("Year").fill("2027")
    paper.get_by_label("Agenda item", exact=True).fill("7")
    paper.get_by_label("Appendix", exact=True).fill("B12")
    paper.get_by_label("Report author", exact=True).fill("Jo Bloggs, Democratic Services")
    choose(page, "PDF", which="The working text, as it is now")
    page.get_by_role("button", name="Download").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the appendix as a letter, for example B")
    expect(summary).to_contain_text("Meeting date must be a real date")
    expect(page.get_by_label("Committee", exact=True)).to_have_value("Standards Committee")
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        assert horizontal_overflow(page) == 0, width
    page.set_viewport_size({"width": 1280, "height": 900})

    # Put right, the pack downloads.
    page.get_by_label("Day").fill("12")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Appendix", exact=True).fill("B")
    choose(page, "PDF", which="The working text, as it is now")
    pdf = press_download(page, tmp_path)
    reader = PdfReader(pdf)
    pages = [" ".join((p.extract_text() or "").split()) for p in reader.pages]
    reference = "Appendix B to agenda item 7, Standards Committee, 12 March 2027"
    for number, text in enumerate(pages, start=1):
        assert reference in text and f"Page {number} of {len(pages)}" in text
    assert "Report author Jo Bloggs, Democratic Services" in pages[0]
    annex = next(i for i, text in enumerate(pages) if text.startswith("Annex C: Voting record"))
    box = reader.pages[annex].mediabox
    assert box.width > box.height

    choose(page, "Word (.docx)", which="The working text, as it is now")
    word = Document(str(press_download(page, tmp_path)))
    assert reference in word.sections[0].header.paragraphs[0].text
    assert "Report author: Jo Bloggs, Democratic Services" in [p.text for p in word.paragraphs]
