"""Recommendations administration in the browser: an administrator adds a source, pastes an
action plan, checks the preview (a line that could not be placed is shown with its number),
saves, and sees the recommendations; without JavaScript, the same with a CSV file.

The live server's database is shared by every browser journey, and others count the Culture
Review's recommendations and coverage. So each journey here adds a source of its own, with a
unique name, and leaves the shipped recommendations alone.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in

ADMIN = "admin@example.org"

PLAN = (
    "Parks Review Action Plan\n"
    "\n"
    "Opening hours\n"
    "a) Open the parks at dawn\n"
    "and close them at dusk\n"
    "\n"
    "b)\tLight the paths\tAgreed: lights by winter\tWinter 2025\n"
)


def new_source(page) -> tuple[str, str]:
    """Add a source with a unique name from the Recommendations page; return name and short."""
    suffix = uuid.uuid4().hex[:6]
    name, short = f"Parks Review {suffix}", f"P{suffix[:5]}".upper()
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Recommendations").click()
    page.get_by_role("link", name="Add a recommendation source").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a recommendation source")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Short name").fill(short)
    page.get_by_role("button", name="Add the source").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import recommendations")
    expect(page.get_by_text(f"{name} is added.")).to_be_visible()
    expect(page.get_by_label(f"{name} ({short})")).to_be_checked()
    return name, short


def test_an_admin_imports_pasted_text_after_checking_the_preview(page):
    sign_in(page, ADMIN)
    name, short = new_source(page)

    page.get_by_role("button", name="Preview the import").click()
    expect(page).to_have_title(re.compile(r"^Error: Import recommendations"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(
        summary.get_by_role("link", name="Upload a file or paste the action plan")
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Or paste the action plan").fill(PLAN)
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check what will be imported")
    expect(page.locator("#import-summary")).to_contain_text(
        "2 recommendations recognised: 2 new, 0 changing existing ones, 0 unchanged."
    )
    recognised = page.get_by_role("region", name="What was recognised")
    row_a = recognised.get_by_role("row", name=re.compile(rf"^{short} a "))
    expect(row_a).to_contain_text("Open the parks at dawn and close them at dusk")
    expect(row_a).to_contain_text("Opening hours")
    unplaced = page.get_by_role("region", name="Lines that could not be placed")
    expect(unplaced.get_by_role("row", name="1 Parks Review Action Plan")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Save 2 recommendations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendations")
    expect(
        page.get_by_text(f"2 recommendations saved to {name}: 2 added, 0 updated.")
    ).to_be_visible()
    section = page.get_by_role("region", name=name)
    expect(section.get_by_role("link", name=f"{short} b")).to_be_visible()
    expect(section.get_by_text("Light the paths")).to_be_visible()
    assert_accessible(page)

    section.get_by_role("link", name=f"{short} a").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Recommendation a ({short} a)")
    expect(page.get_by_text("This is its only wording")).to_be_visible()


def test_without_javascript_an_admin_imports_a_csv_file(page_without_javascript, tmp_path):
    page = page_without_javascript
    sign_in(page, ADMIN)
    name, short = new_source(page)
    csv_file = tmp_path / "parks.csv"
    csv_file.write_text(
        "letter,text,theme,response,timescale\n"
        "a,Open the parks at dawn,Access,We agree.,Spring 2025\n"
        "seven,Not a letter,,,\n"
    )
    page.get_by_label("Upload a file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check what will be imported")
    expect(page.get_by_text("Row 3: 'seven' is not a letter a to z.")).to_be_visible()
    unplaced = page.get_by_role("region", name="Lines that could not be placed")
    expect(unplaced.get_by_role("row", name="3 seven,Not a letter,,,")).to_be_visible()
    page.get_by_role("button", name="Save 1 recommendation").click()
    expect(
        page.get_by_text(f"1 recommendation saved to {name}: 1 added, 0 updated.")
    ).to_be_visible()

    page.get_by_role("region", name=name).get_by_role("link", name=f"{short} a").click()
    page.get_by_role("link", name=f"Edit {short} a").click()
    page.get_by_label("Text", exact=True).fill("Open the parks at six")
    page.get_by_role("button", name="Save the new wording").click()
    expect(page.get_by_text(f"{short} a has its new wording.")).to_be_visible()
    wordings = page.locator("#wording-2")
    expect(wordings).to_contain_text("Wording 2")
    expect(wordings.locator("ins.app-ins")).to_contain_text("six")
    expect(page.locator("#wording-1")).to_be_visible()
