"""Managing documents in the browser: a facilitator creates a document, adds three clauses,
moves one up with JavaScript (focus stays on the button) and one without, fixes a number by
hand and retires a clause; every page is checked with axe-core.

The live server's database is shared by every browser test and seeded with the demo, so the
journey creates a document of its own (a Draft, with a unique title) and leaves the demo's
documents alone.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in

FACILITATOR = "facilitator@example.org"


def clause_numbers(page) -> list[str]:
    """The clauses on the manage page, as "number heading" (once the page has loaded)."""
    page.locator("#clause-order").wait_for()
    return [
        re.sub(r"\s+", " ", text).replace(" Number fixed by hand", "").strip()
        for text in page.locator("#clause-order li h3").all_inner_texts()
    ]


def button(page, action: str, heading: str):
    """A clause's button, such as "Move up" for "Respect" (the heading is visually hidden)."""
    return page.get_by_role("button", name=re.compile(rf"^{action}\W+{heading}$"))


def settled(page) -> None:
    """htmx has swapped and settled the new content (and wired up its forms)."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def add_clause(page, heading: str, text: str, *, after: str = "At the end") -> None:
    page.get_by_role("link", name="Add a clause", exact=True).click()
    assert_accessible(page)
    page.get_by_label("Heading", exact=True).fill(heading)
    page.get_by_label("Text", exact=True).fill(text)
    page.get_by_label("Find a recommendation").fill("CR g")
    page.get_by_role("checkbox", name=re.compile(r"^CR g:")).check()
    page.get_by_label("Where does it go?").select_option(label=after)
    page.get_by_role("button", name="Add the clause").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage the clauses")


def test_a_facilitator_builds_a_document(page, page_without_javascript, live_server):
    title = f"Accord for the journey {uuid.uuid4().hex[:8]}"
    sign_in(page, FACILITATOR)
    page.goto("/")
    page.get_by_role("link", name="Create a document").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a document")
    assert_accessible(page)

    # Nothing typed: the error summary and the messages by the fields.
    page.get_by_role("button", name="Create the document").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Choose what kind of document it is"
    )
    assert_accessible(page)

    page.get_by_label("Ways of Working Accord").check()
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Summary", exact=True).fill("Drafted in a browser journey.")
    page.get_by_role("button", name="Create the document").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage the clauses")
    expect(page.get_by_text("is created as a Draft")).to_be_visible()
    manage_url = page.url.split("#")[0]
    assert_accessible(page)

    add_clause(page, "Trust", "We assume **good faith**.")
    add_clause(page, "Respect", "We treat each other with respect.")
    add_clause(page, "Roles", "Members set direction; Officers advise.", after="After 1: Trust")
    assert clause_numbers(page) == ["1 Trust", "2 Roles", "3 Respect"]
    assert_accessible(page)

    # With JavaScript: the list is swapped in place and focus stays on the moved clause.
    move_up = button(page, "Move up", "Respect")
    move_up.focus()
    move_up.click()
    expect(page.locator("#announcer")).to_have_text("“Respect” is now clause 2, at position 2.")
    expect(button(page, "Move up", "Respect")).to_be_focused()
    assert clause_numbers(page) == ["1 Trust", "2 Respect", "3 Roles"]
    settled(page)
    # At the top it has no "Move up": focus moves to its "Move down".
    page.keyboard.press("Enter")
    expect(button(page, "Move down", "Respect")).to_be_focused()
    assert clause_numbers(page) == ["1 Respect", "2 Trust", "3 Roles"]
    settled(page)
    assert_accessible(page)

    # A position out of range: the message by the field, nothing moved.
    page.get_by_label("Move to position (Roles)").fill("9")
    button(page, "Move", "Roles").click()
    expect(page.locator("#clause-order .govuk-error-message")).to_have_text(
        "Error: Choose a position from 1 to 3."
    )
    expect(page.locator("#announcer")).to_have_text("Choose a position from 1 to 3.")
    expect(button(page, "Move", "Roles")).to_be_focused()
    assert clause_numbers(page) == ["1 Respect", "2 Trust", "3 Roles"]
    assert_accessible(page)

    # Without JavaScript: a plain form post, a redirect and the message.
    plain = page_without_javascript
    sign_in(plain, FACILITATOR)
    plain.goto(manage_url)
    button(plain, "Move up", "Roles").click()
    expect(plain.get_by_text("“Roles” is now clause 2, at position 2.")).to_be_visible()
    assert clause_numbers(plain) == ["1 Respect", "2 Roles", "3 Trust"]
    # (axe needs JavaScript, so the page is checked below, in the browser that has it.)

    # A number fixed by hand.
    page.goto(manage_url)
    page.get_by_role("link", name="Fix the number by hand of Trust").click()
    assert_accessible(page)
    page.get_by_label("Number", exact=True).fill("2A")
    page.get_by_role("button", name="Fix the number").click()
    expect(page.get_by_text("“Trust” is numbered 2A.")).to_be_visible()
    assert clause_numbers(page) == ["1 Respect", "2 Roles", "2A Trust"]
    expect(page.get_by_text("Number fixed by hand")).to_be_visible()

    # Retiring a clause: a confirmation with a reason, then it leaves the numbering.
    page.get_by_role("link", name="Retire Respect").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Retire clause 1: Respect?")
    assert_accessible(page)
    page.get_by_role("button", name="Retire the clause").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Give the reason the clause is retired"
    )
    assert_accessible(page)
    page.get_by_label("Why is the clause retired?").fill("Covered by the Code of Conduct.")
    page.get_by_role("button", name="Retire the clause").click()
    assert clause_numbers(page) == ["1 Roles", "2A Trust"]
    retired = page.locator("#retired ~ ul")
    expect(retired).to_contain_text("Covered by the Code of Conduct.")
    assert_accessible(page)

    page.get_by_role("link", name="Respect", exact=True).click()
    expect(page.locator("#retired-notice")).to_contain_text("Retired")
    expect(page.locator("#retired-notice")).to_contain_text("Covered by the Code of Conduct.")
    assert_accessible(page)

    page.get_by_role("link", name=title).first.click()
    expect(page.locator(".app-clause")).to_have_count(2)
    expect(page.get_by_text("We treat each other with respect.")).to_have_count(0)
    assert_accessible(page)
