"""A demo Member signs in, reads the draft Accord and the recommendations, and signs out."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import (
    DEMO_PASSWORD,
    assert_accessible,
    horizontal_overflow,
    new_page,
    sign_in,
)


def test_a_member_reads_the_accord_and_the_recommendations(page):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=(%2F|/)$"))
    expect(page).to_have_title(re.compile("Sign in"))
    assert_accessible(page)

    # A wrong password: the error summary takes focus and links to the field.
    page.get_by_label("Email address").fill("member@example.org")
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter a correct email address and password")
    expect(page.get_by_label("Email address")).to_have_value("member@example.org")
    assert_accessible(page)

    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents")
    assert_accessible(page)

    page.get_by_role("link", name="Ways of Working Accord").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ways of Working Accord")
    expect(page.locator(".app-clause")).to_have_count(13)
    chip = page.locator(".app-chip").first
    tip = chip.locator(".app-chip__tip")
    expect(tip).to_be_hidden()
    chip.focus()
    expect(tip).to_be_visible()
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()
    assert_accessible(page)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Recommendations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendations")
    expect(page.locator("#culture-review-m")).to_contain_text("Accord")
    page.locator("#culture-review-m summary").click()
    expect(page.locator("#culture-review-m .govuk-details__text")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile("/sign-in$"))
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile("/sign-in"))


def test_everything_works_without_javascript(page_without_javascript):
    page = page_without_javascript
    sign_in(page, "officer@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents")
    page.get_by_role("link", name="Member/Officer Protocol").first.click()
    expect(page.locator(".app-clause").first).to_be_visible()
    page.goto("/recommendations/")
    # The council's response is in a <details> that opens without JavaScript.
    page.locator("#corporate-peer-challenge-d summary").click()
    expect(page.locator("#corporate-peer-challenge-d .govuk-details__text")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def test_pages_fit_a_320_pixel_screen(browser, live_server):
    page = new_page(browser, live_server, width=320)
    sign_in(page, "member@example.org")
    for path in ("/", "/documents/ways-of-working-accord", "/recommendations/"):
        page.goto(path)
        overflow = horizontal_overflow(page)
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"
        assert_accessible(page)
    assert not page.problems.messages, page.problems.messages
    page.context.close()


def test_error_pages_are_accessible(page):
    sign_in(page, "member@example.org")
    response = page.goto("/documents/no-such-document")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page)
