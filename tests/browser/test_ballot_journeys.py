"""The ballot for the whole document, as a Member on a 375px phone (issue 15): document page →
"Vote on this document" → choose → check your votes → cast; with JavaScript and without.

Voting is open on the demo's Member/Officer Protocol. Each journey votes as a Member of its own
(not the demo Member the voting journeys use), so they pass in any order. Every page visited is
checked with axe and for sideways scrolling at 375px and at 320px.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import (
    another_person,
    assert_accessible,
    horizontal_overflow,
    new_page,
    path_of,
    sign_in,
)

PROTOCOL = "/documents/member-officer-protocol"
PHONE = 375


def check_page(page) -> None:
    """axe clean, and no sideways scrolling at 375px nor at 320px. Both run scripts in the page,
    so the journey without JavaScript skips them (the journey with it visits the same pages)."""
    if getattr(page, "without_javascript", False):
        return
    assert horizontal_overflow(page) == 0, f"{path_of(page)} scrolls sideways at {PHONE}px"
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 900})
    assert horizontal_overflow(page) == 0, f"{path_of(page)} scrolls sideways at 320px"
    page.set_viewport_size({"width": PHONE, "height": 900})


def ensure_voting_open(browser, live_server) -> None:
    """A facilitator opens voting on the Protocol, unless it is open already."""
    with another_person(browser, live_server, "facilitator@example.org") as facilitator:
        facilitator.goto(PROTOCOL)
        voting = facilitator.locator("#voting")
        button = voting.get_by_role("button", name=re.compile(r"^(Open|Re-open) voting$"))
        if button.count():
            button.click()
        expect(voting.get_by_text("Voting is open", exact=True)).to_be_visible()


def ballot_journey(page) -> None:
    page.goto(PROTOCOL)
    expect(page.locator("#votes-left")).to_contain_text("left to vote on")
    expect(page.locator(".app-contents")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Vote on this document").click()
    expect(page).to_have_title(re.compile(r"^Vote on the Member/Officer Protocol"))
    check_page(page)
    items = page.locator(".app-ballot-item")
    assert items.count() >= 3
    first, second, third = items.nth(0), items.nth(1), items.nth(2)
    first.get_by_label("Support", exact=True).check()
    second.get_by_label("Oppose", exact=True).check()
    third.get_by_label("Declare an interest", exact=True).check()
    third.get_by_label(re.compile("If you declare an interest")).fill("I chair a body named in it")
    # "Save this vote now" casts one item at once: in place with JavaScript, or through the
    # whole form without it; the other choices are kept either way.
    first.get_by_role("button", name=re.compile("^Save this vote now")).click()
    if getattr(page, "without_javascript", False):
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is saved")
    expect(first).to_contain_text("You voted: Support")
    expect(second.get_by_label("Oppose", exact=True)).to_be_checked()
    check_page(page)
    page.get_by_role("button", name="Continue to check your votes").click()

    expect(
        page.get_by_role("heading", name="Check your votes before you cast them")
    ).to_be_visible()
    answers = page.locator("#ballot-answers")
    expect(answers).to_contain_text("Support")
    expect(answers).to_contain_text("Oppose")
    expect(answers).to_contain_text("I chair a body named in it")
    check_page(page)
    page.get_by_role("button", name="Cast your votes").click()

    expect(page.get_by_text(re.compile(r"Your \d+ votes are recorded\."))).to_be_visible()
    assert path_of(page) == PROTOCOL
    expect(page.locator(".app-my-vote", has_text="You voted: Support").first).to_be_visible()
    expect(page.locator(".app-my-vote", has_text="You voted: Oppose").first).to_be_visible()
    check_page(page)
    page.goto(f"{PROTOCOL}/clauses/1")
    expect(page.locator(".govuk-pagination")).to_contain_text("Next")
    expect(page.locator("#vote-panel")).to_contain_text("Took part")
    check_page(page)


def test_a_member_votes_on_the_whole_document_on_a_phone(browser, live_server):
    ensure_voting_open(browser, live_server)
    page = new_page(browser, live_server, width=PHONE)
    try:
        sign_in(page, "graham.tyldesley@example.org")
        ballot_journey(page)
        assert not page.problems.messages, "\n".join(page.problems.messages)
    finally:
        page.context.close()


def test_the_ballot_works_without_javascript(browser, live_server):
    ensure_voting_open(browser, live_server)
    page = new_page(browser, live_server, javascript=False, width=PHONE)
    page.without_javascript = True
    try:
        sign_in(page, "helen.marsden@example.org")
        ballot_journey(page)
    finally:
        page.context.close()
