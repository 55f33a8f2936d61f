"""A joint session on the day, as a facilitator: take the register, and turn an item's outcome
into an amendment to an existing clause; with JavaScript and without; axe clean at 1280 and
320 px, with nothing scrolling sideways at 320 px.

The live server's database is shared by every browser test, so each journey makes a session of
its own. The amendment goes to the Protocol's last clause (the voting journey counts the
Protocol's clauses, not its amendments).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import (
    another_person,
    assert_accessible,
    horizontal_overflow,
    sign_in,
    unique,
)
from tests.browser.test_joint_session_journeys import add_item, create_session, publish

FACILITATOR = "facilitator@example.org"


def check_at_both_widths(page) -> None:
    """axe at 1280 px, then at 320 px with no sideways scroll."""
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 900})
    assert horizontal_overflow(page) == 0
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def new_published_session(page, title: str) -> str:
    session = create_session(page, title)
    add_item(page, "Working together on casework", "30")
    publish(page)
    return session


def take_register(page, session: str, *, javascript: bool = True) -> None:
    """Mark one Member present and one Officer with apologies; axe and the 320 px check run
    with JavaScript (axe runs in the page)."""
    page.goto(session)
    page.get_by_role("link", name="Who is coming, and take the register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who is coming, and the register")
    sarah = page.get_by_role("group", name="Sarah Whitfield", exact=True)
    expect(sarah).to_contain_text("Member, Labour Group")
    if javascript:
        check_at_both_widths(page)
    sarah.get_by_label("Present").check()
    officers = page.locator("fieldset", has_text="Officer ·")
    officers.first.get_by_label("Apologies").check()
    page.get_by_role("button", name="Save the register").click()
    expect(page.get_by_text("The register is saved: 2 people marked.")).to_be_visible()
    expect(
        page.get_by_role("group", name="Sarah Whitfield", exact=True).get_by_label("Present")
    ).to_be_checked()
    counts = page.get_by_role("table", name="Register so far")
    expect(counts.get_by_role("row", name=re.compile(r"^Members"))).to_contain_text("1")
    expect(counts.get_by_role("row", name=re.compile(r"^Officers"))).to_contain_text("1")
    if javascript:
        check_at_both_widths(page)


def test_a_facilitator_takes_the_register_and_makes_an_outcome_an_amendment(page):
    sign_in(page, FACILITATOR)
    session = new_published_session(page, unique("Casework on the day"))
    take_register(page, session)

    page.goto(session)
    page.get_by_role("link", name=re.compile("^Outcome and actions")).first.click()
    clause_8 = page.locator("#amendment-target option", has_text="Protocol, clause 8:")
    page.get_by_label("Which clause").select_option(label=clause_8.first.inner_text())
    page.get_by_label("The new wording of the clause").fill(
        "Members and Officers review this Protocol together each year."
    )
    page.get_by_role("button", name="Propose the amendment").click()
    expect(
        page.get_by_text(re.compile(r"The amendment to clause 8 .* is proposed"))
    ).to_be_visible()
    came_from = page.locator("#came-from + ul")
    expect(came_from).to_contain_text("Member/Officer Protocol, clause 8")
    expect(page.locator("#discusses + ul")).to_contain_text("Member/Officer Protocol, clause 8")
    check_at_both_widths(page)
    came_from.get_by_role("link").first.click()
    source = page.locator(".app-from-item")
    expect(source).to_contain_text("From item 1, “Working together on casework”")
    check_at_both_widths(page)
    source.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Working together on casework")


def test_the_register_works_without_javascript(page, page_without_javascript):
    sign_in(page, FACILITATOR)
    session = new_published_session(page, unique("Register without JavaScript"))
    sign_in(page_without_javascript, FACILITATOR)
    take_register(page_without_javascript, session, javascript=False)


def test_two_facilitators_taking_the_register_at_once(page, browser, live_server):
    """Two facilitators take the register from pages drawn at the same marks: each save
    writes only the marks its facilitator changed; when both changed one person's mark, the
    later save is refused naming whose, the register shown as it is now with the choices
    kept, and saving again replaces that mark knowingly."""
    sign_in(page, FACILITATOR)
    session = new_published_session(page, unique("Register in two tabs"))
    with another_person(browser, live_server, FACILITATOR) as other:
        for tab in (page, other):
            tab.goto(session)
            tab.get_by_role("link", name="Who is coming, and take the register").click()
        page.get_by_role("group", name="Sarah Whitfield", exact=True).get_by_label(
            "Present"
        ).check()
        page.get_by_role("button", name="Save the register").click()
        expect(page.get_by_text("The register is saved: 1 person marked.")).to_be_visible()

        sarah = other.get_by_role("group", name="Sarah Whitfield", exact=True)
        sarah.get_by_label("Absent").check()
        officer = other.locator("fieldset", has_text="Officer ·").first
        officer.get_by_label("Apologies").check()
        other.get_by_role("button", name="Save the register").click()
        expect(other).to_have_title(re.compile(r"^Error: Register for"))
        expect(other.locator("#shown-changed")).to_contain_text(
            "changed the mark of Sarah Whitfield"
        )
        sarah = other.get_by_role("group", name="Sarah Whitfield", exact=True)
        expect(sarah.locator(".govuk-error-message")).to_contain_text("“Present”")
        expect(sarah.get_by_label("Absent")).to_be_checked()
        expect(officer.get_by_label("Apologies")).to_be_checked()
        check_at_both_widths(other)
        other.get_by_role("button", name="Save the register").click()
        expect(other.get_by_text("The register is saved: 2 people marked.")).to_be_visible()
        expect(
            other.get_by_role("group", name="Sarah Whitfield", exact=True).get_by_label("Absent")
        ).to_be_checked()


def test_once_the_agenda_is_submitted_the_register_is_shown_as_it_was(page, live_server):
    """After the register is taken and the agenda submitted, the register page shows each
    person's mark with no form, saying why; the outcome page offers no amendment or clause."""
    from app.extensions import db
    from app.models import JointSession
    from tests import factories

    sign_in(page, FACILITATOR)
    title = unique("Submitted with its register")
    session = new_published_session(page, title)
    take_register(page, session, javascript=False)
    with factories.built(live_server.app):
        joint = db.session.query(JointSession).filter_by(title=title).one()
        factories.move_to(joint.agenda, "submitted")
    page.goto(session)
    page.get_by_role("link", name="Who came: the register").click()
    expect(page.locator(".govuk-inset-text")).to_contain_text("the register is kept as it was")
    expect(page.get_by_role("button", name="Save the register")).to_have_count(0)
    marks = page.locator("#register")
    expect(marks.locator(".govuk-summary-list__row", has_text="Sarah Whitfield")).to_contain_text(
        "Present"
    )
    check_at_both_widths(page)
    page.goto(session)
    page.get_by_role("link", name=re.compile("^Outcome and actions")).first.click()
    expect(page.get_by_role("button", name="Propose the amendment")).to_have_count(0)
    expect(page.get_by_role("button", name="Add the clause")).to_have_count(0)
    assert_accessible(page)
