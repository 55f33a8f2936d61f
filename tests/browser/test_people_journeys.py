"""People in the browser: an administrator invites someone (correcting a mistake on the way),
the invited person follows the emailed link, sets a password and is signed in; and an
administrator without JavaScript invites an Officer and deactivates someone after confirming.

The live server is shared by every browser journey, so each journey here invites people with
addresses of its own and never changes the demo accounts.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect
from sqlalchemy import update

from app.extensions import db
from app.mail import sent_mail
from app.models import Role, User
from app.services import people
from tests.browser.conftest import another_person, assert_accessible, new_page, sign_in, unique

ADMIN = "admin@example.org"
LINK = re.compile(r"https?://[^/\s]+(/invitation/[\w-]+)")


def unique_email(name: str) -> str:
    return f"{name}.{uuid.uuid4().hex[:8]}@example.org"


def invitation_path(live_server, email: str) -> str:
    message = [m for m in sent_mail(live_server.app) if m["To"] == email][-1]
    return LINK.search(message.get_content()).group(1)


def go_to_people(page) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")


def test_an_administrator_invites_a_member_who_accepts_and_is_signed_in(page, browser, live_server):
    email = unique_email("jo.bloggs")
    sign_in(page, ADMIN)
    go_to_people(page)
    expect(page.get_by_role("link", name="Lucy Parkinson")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Invite someone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite someone")
    page.get_by_label("Name", exact=True).fill("Jo Bloggs")
    page.get_by_label("Email address").fill(email)
    roles = page.get_by_role("group", name="Roles")
    expect(page.get_by_label("Political Group")).to_be_hidden()  # revealed with its role
    roles.get_by_role("checkbox", name="Member", exact=True).check()
    page.get_by_label("Political Group").select_option("Labour Group")
    page.get_by_role("button", name="Send the invitation").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the Member's ward")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Jo Bloggs")
    assert_accessible(page)
    summary.get_by_role("link", name="Enter the Member's ward").click()
    expect(page.get_by_label("Ward")).to_be_focused()
    page.get_by_label("Ward").select_option("Parr")
    page.get_by_role("button", name="Send the invitation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Jo Bloggs")
    expect(page.get_by_text("Jo Bloggs is invited.")).to_be_visible()
    expect(page.locator(".govuk-tag", has_text="Invited")).to_be_visible()
    assert_accessible(page)

    invited = new_page(browser, live_server)
    try:
        invited.goto(invitation_path(live_server, email))
        expect(invited.get_by_role("heading", level=1)).to_have_text("Set your password")
        assert_accessible(invited)
        invited.get_by_label("New password", exact=True).fill("a-password-of-my-own")
        invited.get_by_label("Confirm the password", exact=True).fill("a-password-of-my-own")
        invited.get_by_role("button", name="Set my password").click()
        expect(
            invited.get_by_text("Your password is set. Welcome to Accord, Jo Bloggs.")
        ).to_be_visible()
        expect(invited.locator(".app-header__name")).to_have_text("Jo Bloggs")
        assert_accessible(invited)
        # The link worked once.
        invited.goto(invitation_path(live_server, email))
        expect(invited.get_by_role("heading", level=1)).to_have_text("This link cannot be used")
    finally:
        invited.context.close()
    assert not invited.problems.messages, "\n".join(invited.problems.messages)

    page.reload()
    expect(page.locator(".govuk-tag", has_text="Active")).to_be_visible()


def test_without_javascript_an_administrator_invites_an_officer_and_deactivates_them(
    page_without_javascript,
):
    page = page_without_javascript
    email = unique_email("sam.patel")
    sign_in(page, ADMIN)
    go_to_people(page)
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Name", exact=True).fill("Sam Patel")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("group", name="Roles").get_by_role(
        "checkbox", name="Officer", exact=True
    ).check()
    # Without JavaScript every role's details are shown.
    page.get_by_label("Job title").fill("Assistant Director")
    page.get_by_role("combobox", name="Service").select_option("Legal and Governance")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Patel")

    page.get_by_role("link", name="Deactivate Sam Patel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deactivate Sam Patel?")
    page.get_by_role("button", name="Yes, deactivate Sam Patel").click()
    expect(page.get_by_text("Sam Patel is deactivated")).to_be_visible()
    expect(page.locator(".govuk-tag", has_text="Deactivated")).to_be_visible()


def test_an_administrator_imports_people_after_checking_the_preview(page, live_server):
    tag = uuid.uuid4().hex[:8]
    good = (
        "name,email,roles,group,ward,title,service\n"
        f"Ann Import,ann.{tag}@example.org,member,Labour Group,Parr,,\n"
        f"Ben Import,ben.{tag}@example.org,officer,,,Director,Place Services\n"
    )
    sign_in(page, ADMIN)
    go_to_people(page)
    page.get_by_role("link", name="Import people from a CSV file").click()
    assert_accessible(page)
    page.get_by_label("Or paste the CSV").fill(good + f"No Role,none.{tag}@example.org,,,,,\n")
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the import")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Row 4: No roles")
    expect(page.get_by_role("button", name=re.compile("^Import"))).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Back to the import").click()
    page.get_by_label("Or paste the CSV").fill(good)
    page.get_by_label("Email an invitation to each person created").uncheck()
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_text("2 to add")).to_be_visible()
    assert_accessible(page)
    # Meanwhile another administrator invites Ben: the import would now change him, not add
    # him, so the button the preview offered imports nothing and shows the import as it is.
    with live_server.app.app_context():
        people.create_user(
            f"ben.{tag}@example.org",
            "Ben Invited",
            {Role.OFFICER},
            job_title="Director",
            service="Place Services",
        )
        db.session.commit()
    page.get_by_role("button", name="Import 2 people").click()
    expect(page).to_have_title(re.compile(r"^Error: Check the import"))
    expect(page.locator("#shown-changed")).to_contain_text("so nothing was imported")
    expect(page.get_by_text("1 to add")).to_be_visible()
    expect(page.locator("#changed + .app-table-scroll")).to_contain_text(
        "Name: Ben Invited → Ben Import"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Import 2 people").click()
    expect(page.get_by_text("Imported 1 new and 1 changed people.")).to_be_visible()
    page.get_by_label("Name or email address").fill(tag)
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Ann Import")).to_be_visible()
    expect(page.get_by_role("link", name="Ben Import")).to_be_visible()
    assert [m for m in sent_mail(live_server.app) if tag in m["To"]] == []

    # While the administrator changes Ann's details, another import renames her: saving the
    # form drawn before would put the old name back, so it is refused, with both shown.
    page.get_by_role("link", name="Ann Import").click()
    page.get_by_role("link", name="Change details and roles").click()
    with live_server.app.app_context():
        ann = update(User).where(User.email == f"ann.{tag}@example.org")
        db.session.execute(ann.values(display_name="Ann Renamed"))
        db.session.commit()
    page.get_by_label("Name", exact=True).fill("Ann Imported")
    page.get_by_role("button", name="Save the changes").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Someone else changed Ann Renamed's details")
    expect(page.locator("#current-details")).to_contain_text("Ann Renamed")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Ann Imported")
    assert_accessible(page)
    page.get_by_role("button", name="Save the changes").click()
    expect(page.get_by_text("Ann Imported's details are saved.")).to_be_visible()


def test_two_administrators_renaming_one_service_at_once(page, browser, live_server):
    """Two administrators rename a service of their own from pages showing the same name: the
    later rename is refused saying what it is called now, the name typed kept to rename
    again."""
    name = unique("Parks")
    sign_in(page, ADMIN)
    page.goto("/people/lists/service")
    page.get_by_label("Name of the service").fill(name)
    page.get_by_role("button", name="Add the service").click()
    expect(page.get_by_text(f"“{name}” is on the list of Services.")).to_be_visible()
    with another_person(browser, live_server, ADMIN) as other:
        for tab in (page, other):
            tab.goto("/people/lists/service")
            tab.get_by_role("link", name=f"Rename {name}").click()
        page.get_by_label("New name").fill(f"{name} and Open Spaces")
        page.get_by_role("button", name="Rename").click()
        expect(page.get_by_text(f"“{name}” is now “{name} and Open Spaces”")).to_be_visible()
        other.get_by_label("New name").fill(f"{name} and Leisure")
        other.get_by_role("button", name="Rename").click()
        expect(other).to_have_title(re.compile(r"^Error: Rename"))
        expect(other.locator("#shown-changed")).to_contain_text(
            f"It is called “{name} and Open Spaces” now"
        )
        expect(other.get_by_label("New name")).to_have_value(f"{name} and Leisure")
        assert_accessible(other)
        other.get_by_role("button", name="Rename").click()
        expect(other.get_by_text(f"is now “{name} and Leisure”")).to_be_visible()
