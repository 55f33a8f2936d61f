"""Notifications in the browser: a person sees the count in the header, opens the list, marks
one read and then all, follows one to what it is about, and changes their email settings;
with JavaScript (htmx marks one read in place) and without.

The live server's database is shared by every journey, and others' events (voting opened, a
session published) tell the demo Members and Officers too. So each journey here signs in as a
person of its own, made for it, and makes its own events: replies to that person's comment.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Clause, Document, Role, User
from app.services import discussions, people
from tests.browser.conftest import (
    DEMO_PASSWORD,
    assert_accessible,
    horizontal_overflow,
    sign_in,
)

REPLIERS = ["officer@example.org", "graham.tyldesley@example.org", "helen.marsden@example.org"]


def _person_with_replies(live_server, replies: int) -> tuple[str, str]:
    """A new Member whose comment on the Accord has ``replies`` replies from others; returns
    their email and the discussion's title."""
    tag = uuid.uuid4().hex[:8]
    email, title = f"notified.{tag}@example.org", f"Notification journey {tag}"
    with live_server.app.app_context():
        person = people.create_user(
            email, f"Nia Notified {tag}", {Role.MEMBER}, password=DEMO_PASSWORD
        )
        document = db.session.scalars(
            select(Document).filter_by(slug="ways-of-working-accord")
        ).one()
        clause = db.session.scalars(
            select(Clause).filter_by(document_id=document.id, number="1")
        ).one()
        discussion = discussions.start_discussion(
            document, clause, title, "My opening comment", list(clause.recommendations), by=person
        )
        db.session.flush()
        opening = db.session.scalars(
            select(discussions.Comment).filter_by(discussion_id=discussion.id)
        ).one()
        for replier in REPLIERS[:replies]:
            author = db.session.scalars(select(User).filter_by(email=replier)).one()
            reply = f"A reply from {replier}"
            discussions.add_comment(discussion, reply, by=author, parent=opening)
        db.session.commit()
    return email, title


def _menu(page):
    return page.get_by_role("navigation", name="Menu")


def test_notifications_with_javascript(page, live_server):
    email, title = _person_with_replies(live_server, 3)
    sign_in(page, email)
    _menu(page).get_by_role("link", name="Notifications 3 unread").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    items = page.locator(".app-notification-list > li")
    expect(items).to_have_count(3)
    expect(page.get_by_text("You have 3 unread notifications.")).to_be_visible()
    assert_accessible(page)

    # htmx marks one read in place and updates the header's count.
    first = items.first
    first.get_by_role("button", name=re.compile(r"^Mark as read")).click()
    expect(_menu(page).get_by_role("link", name="Notifications 2 unread")).to_be_visible()
    expect(first.get_by_text("Unread", exact=True)).to_have_count(0)
    expect(page.locator("#announcer")).to_have_text("Marked as read.")
    expect(page.get_by_text("You have 2 unread notifications.")).to_be_visible()
    expect(first.get_by_role("button", name=re.compile(r"^Open"))).to_be_focused()
    assert page.url.endswith("/notifications")
    assert_accessible(page)

    # Following one marks it read and goes to the reply.
    items.nth(1).get_by_role("button", name=re.compile(r"^Open")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page).to_have_url(re.compile(r"/discussions/\d+#comment-\d+$"))  # via /comments/N
    reply_id = page.url.rsplit("#", 1)[1]
    expect(page.locator(f"#{reply_id}")).to_be_visible()
    expect(_menu(page).get_by_role("link", name="Notifications 1 unread")).to_be_visible()

    _menu(page).get_by_role("link", name=re.compile(r"^Notifications")).click()
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_text("1 notification is marked as read.")).to_be_visible()
    expect(_menu(page).get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    expect(page.get_by_text("You have read all your notifications.")).to_be_visible()

    page.get_by_role("link", name="Change how Accord emails you").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email settings")
    group = page.get_by_role("group", name="How should Accord email you about your notifications?")
    expect(group.get_by_label("A daily digest")).to_be_checked()
    assert_accessible(page)
    group.get_by_label("An email for each notification").check()
    page.get_by_role("button", name="Save your email settings").click()
    expect(page.get_by_text("Your email settings are saved")).to_be_visible()
    expect(group.get_by_label("An email for each notification")).to_be_checked()


def test_notifications_without_javascript(page_without_javascript, live_server):
    """(axe-core needs JavaScript: the same pages are checked in the journey above.)"""
    page = page_without_javascript
    email, _ = _person_with_replies(live_server, 2)
    sign_in(page, email)
    _menu(page).get_by_role("link", name="Notifications 2 unread").click()
    items = page.locator(".app-notification-list > li")
    expect(items).to_have_count(2)
    items.first.get_by_role("button", name=re.compile(r"^Mark as read")).click()
    expect(page.get_by_text("The notification is marked as read.")).to_be_visible()
    expect(_menu(page).get_by_role("link", name="Notifications 1 unread")).to_be_visible()
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_text("1 notification is marked as read.")).to_be_visible()
    expect(page.locator(".app-notification-list").get_by_text("Unread", exact=True)).to_have_count(
        0
    )

    page.get_by_role("link", name="Change how Accord emails you").click()
    page.get_by_label("No emails").check()
    page.get_by_role("button", name="Save your email settings").click()
    expect(page.get_by_text("Your email settings are saved: no emails.")).to_be_visible()
    expect(page.get_by_label("No emails")).to_be_checked()


def test_a_facilitator_may_say_when_voting_will_close(page, live_server):
    """The optional closing time on the document page, and its validation (nothing opened)."""
    sign_in(page, "facilitator@example.org")
    page.goto("/documents/ways-of-working-accord")
    voting = page.locator("#voting")
    if voting.get_by_text("Voting is open", exact=True).count():
        return  # another journey left voting open here: nothing to check without closing it
    voting.get_by_text("Say when voting will close (optional)").click()
    fieldset = voting.get_by_role("group", name="Date voting closes")
    fieldset.get_by_label("Day").fill("1")
    fieldset.get_by_label("Month").fill("1")
    fieldset.get_by_label("Year").fill("2099")
    assert_accessible(page)
    voting.get_by_role("button", name=re.compile(r"^(Open|Re-open) voting$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open voting")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the time voting closes")
    expect(page.get_by_role("group", name="Date voting closes").get_by_label("Year")).to_have_value(
        "2099"
    )
    assert_accessible(page)
    page.get_by_role("link", name="Back").click()
    expect(page.locator("#voting")).not_to_contain_text("Voting is open")


def test_on_a_small_screen_the_menu_button_shows_the_count(page, live_server):
    email, _ = _person_with_replies(live_server, 2)
    page.set_viewport_size({"width": 320, "height": 800})
    sign_in(page, email)
    menu_button = page.get_by_role("button", name="Menu 2 unread notifications")
    expect(menu_button).to_be_visible()
    assert horizontal_overflow(page) <= 0
    menu_button.click()
    _menu(page).get_by_role("link", name="Notifications 2 unread").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    assert horizontal_overflow(page) <= 0
    for button in page.locator(".app-notification-list button").all():
        assert button.bounding_box()["height"] >= 24
    assert_accessible(page)
