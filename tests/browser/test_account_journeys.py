"""Your account in the browser: a person signed in on two devices ends the other one and then
changes their password; and the statutory pages, signed in and out. Each page is checked with
axe at 1280 and 320 pixels, and must not scroll sideways at 320.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from app.models import Role
from app.services import people
from tests.browser.conftest import (
    DEMO_PASSWORD,
    assert_accessible,
    horizontal_overflow,
    new_page,
    sign_in,
)

PHONE_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
STATUTORY = {
    "Accessibility statement": "Accessibility statement for Accord",
    "Privacy notice": "Privacy notice",
    "Cookies": "Cookies",
    "Help and contact": "Help and contact",
}


def _person(live_server) -> str:
    """A new Member of this journey's own (the live server's people are shared)."""
    tag = uuid.uuid4().hex[:8]
    email = f"account.{tag}@example.org"
    with live_server.app.app_context():
        people.create_user(
            email,
            f"Ada Account {tag}",
            {Role.MEMBER},
            password=DEMO_PASSWORD,
            group="Labour Group",
            ward="Parr",
        )
        from app.extensions import db

        db.session.commit()
    return email


def _check_both_widths(page) -> None:
    """axe finds nothing at 1280 and at 320 pixels, and at 320 the page does not scroll sideways."""
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 900})
    assert_accessible(page)
    assert horizontal_overflow(page) <= 0, f"{page.url} scrolls sideways at 320px"
    page.set_viewport_size({"width": 1280, "height": 900})


def _phone(browser, live_server, email: str):
    phone = browser.new_context(base_url=live_server.url, user_agent=PHONE_AGENT)
    page = phone.new_page()
    sign_in(page, email)
    return page


def test_your_account_end_another_session_and_change_password(page, browser, live_server):
    email = _person(live_server)
    phone = _phone(browser, live_server, email)
    try:
        sign_in(page, email)
        page.get_by_role("link", name="Your account").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
        expect(page.locator("#details")).to_contain_text(email)
        expect(page.locator("#details")).to_contain_text("Labour Group")
        expect(
            page.get_by_role("link", name=re.compile(r"^(Manage|Set up) two-factor sign-in$"))
        ).to_have_attribute("href", "/account/two-factor")
        expect(page.get_by_text("This session", exact=True)).to_be_visible()
        expect(
            page.get_by_role("heading", name="Mobile Safari 17 on iOS 17 (iPhone)")
        ).to_be_visible()
        _check_both_widths(page)

        # "Sign out everywhere else" asks first; cancel it.
        page.get_by_role("link", name="Sign out everywhere else").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign out everywhere else")
        _check_both_widths(page)
        page.get_by_role("link", name="Cancel").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your account")

        # End the phone's session: the phone is signed out, this browser is not.
        page.get_by_role("button", name="Sign out of this session on Mobile Safari 17").click()
        expect(
            page.get_by_text("You signed out of the session on Mobile Safari 17")
        ).to_be_visible()
        expect(
            page.get_by_role("heading", name="Mobile Safari 17 on iOS 17 (iPhone)")
        ).to_have_count(0)
        phone.goto("/account")
        expect(phone.get_by_role("heading", name="Sign in")).to_be_visible()
        sign_in(phone, email)

        # Change the password: a wrong current one first.
        page.goto("/account")
        page.get_by_role("link", name="Change password").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
        _check_both_widths(page)
        page.get_by_label("Current password", exact=True).fill("not my password at all")
        page.get_by_label("New password", exact=True).fill("a brand new long password")
        page.get_by_label("Confirm the new password").fill("a brand new long password")
        page.get_by_role("button", name="Change password").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Your current password is not right"
        )
        _check_both_widths(page)
        page.get_by_label("Current password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_label("New password", exact=True).fill("a brand new long password")
        page.get_by_label("Confirm the new password").fill("a brand new long password")
        page.get_by_role("button", name="Change password").click()
        expect(
            page.get_by_text("Your password is changed. You are signed out everywhere else.")
        ).to_be_visible()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
        phone.goto("/account")
        expect(phone.get_by_role("heading", name="Sign in")).to_be_visible()
    finally:
        phone.context.close()


def test_sign_out_everywhere_else_without_javascript(browser, live_server):
    """The same forms work with JavaScript off (axe needs it, so it runs in the journey above)."""
    email = _person(live_server)
    phone = _phone(browser, live_server, email)
    page = new_page(browser, live_server, javascript=False)
    try:
        sign_in(page, email)
        page.goto("/account")
        page.get_by_role("link", name="Sign out everywhere else").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign out everywhere else")
        expect(page.get_by_text("Mobile Safari 17 on iOS 17 (iPhone)")).to_be_visible()
        page.get_by_role("button", name="Sign out everywhere else").click()
        expect(page.get_by_text("You signed out of 1 other session.")).to_be_visible()
        phone.goto("/")
        expect(phone.get_by_role("heading", name="Sign in")).to_be_visible()
        assert not page.problems.messages, page.problems.messages
    finally:
        phone.context.close()
        page.context.close()


def _visit_statutory_pages(page) -> None:
    for link, heading in STATUTORY.items():
        page.locator("footer").get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        _check_both_widths(page)


def test_statutory_pages_signed_out(page):
    page.goto("/sign-in")
    _visit_statutory_pages(page)
    expect(page.get_by_role("link", name="Your account")).to_have_count(0)


def test_statutory_pages_signed_in(page, live_server):
    sign_in(page, _person(live_server))
    _visit_statutory_pages(page)
    expect(page.get_by_role("link", name="Your account")).to_be_visible()
