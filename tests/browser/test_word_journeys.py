"""The Word round trip in the browser: a Member downloads the Member/Officer Protocol for
suggestions, a script makes tracked changes and a comment in it as Word does, the Member
uploads it, checks the preview (axe clean at 1280 and 320 pixels) and confirms.

The confirm journey needs the passages service (branch i-passages) and passes once merged.
It adds two suggestions and a comment to clause 3 of the shared demo Protocol, which no other
journey reads."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, horizontal_overflow, sign_in
from tests.word_files import Change, Remark, marked_up

PROTOCOL = "/documents/member-officer-protocol"
WORDS = "be seen to be so"


def _marked_up_download(page, tmp_path: Path) -> Path:
    page.goto(PROTOCOL)
    page.get_by_role("link", name="Suggest changes in Word").click()
    expect(page.get_by_role("heading", name="Suggest changes in Word")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download for suggestions (Word)").click()
    assert info.value.suggested_filename == "member-officer-protocol-for-suggestions.docx"
    downloaded = tmp_path / "downloaded.docx"
    info.value.save_as(downloaded)
    marked = tmp_path / "marked-up.docx"
    marked.write_bytes(
        marked_up(
            downloaded.read_bytes(),
            changes=[
                Change("3", "politically neutral", "strictly impartial", author="Word User"),
                Change("3", "", " at all times", after=WORDS),
            ],
            comments=[Remark("3", "whichever Group", "Does this include coalitions?")],
        )
    )
    return marked


def _check_accessible(page) -> None:
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        assert horizontal_overflow(page) == 0, width
    page.set_viewport_size({"width": 1280, "height": 900})


def _upload(page, marked: Path) -> None:
    page.get_by_label("Upload the Word file").set_input_files(str(marked))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="Check the suggestions from Word")).to_be_visible()


def test_a_member_uploads_tracked_changes_and_sees_the_preview(page, tmp_path):
    sign_in(page, "member@example.org")
    page.goto(f"{PROTOCOL}/word/upload")
    _check_accessible(page)
    page.get_by_role("button", name="Upload and check").click()  # no file: an error by the field
    expect(page.get_by_role("link", name="Select the Word file you downloaded")).to_be_visible()
    _check_accessible(page)
    marked = _marked_up_download(page, tmp_path)
    _upload(page, marked)
    section = page.locator(".app-word-clause").filter(
        has=page.get_by_role("heading", name=re.compile(r"^3\. "))
    )
    expect(section.locator("del").first).to_contain_text("politically neutral")
    expect(section.locator("ins").first).to_contain_text("strictly impartial")
    expect(section).to_contain_text("Word says by Word User")
    expect(section).to_contain_text("On “whichever Group”")
    expect(section).to_contain_text("Does this include coalitions?")
    expect(page.get_by_role("button", name="Create 2 suggestions and 1 comment")).to_be_visible()
    _check_accessible(page)


def test_a_member_confirms_the_suggestions_from_word(page, tmp_path):
    """Needs the passages service (i-passages)."""
    sign_in(page, "member@example.org")
    _upload(page, _marked_up_download(page, tmp_path))
    page.get_by_label("Why these changes? (optional)").fill("Plainer words.")
    page.get_by_role("button", name="Create 2 suggestions and 1 comment").click()
    expect(
        page.get_by_text("Your 2 suggestions and 1 comment from Word are saved.")
    ).to_be_visible()
    page.goto(f"{PROTOCOL}/clauses/3")
    expect(page.locator("main")).to_contain_text("strictly impartial")
