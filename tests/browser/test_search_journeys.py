"""Search in the browser: from the header box to a filtered list to the clause, with htmx
updating the results in place (and the URL, so Back works), and the same without JavaScript;
axe-clean at 1280 and 320 pixels wide."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, horizontal_overflow, path_of, sign_in

MEMBER = "member@example.org"


def _search_from_the_header(page, text: str) -> None:
    header = page.get_by_role("search", name="Search Accord")
    header.get_by_label("Search Accord").fill(text)
    header.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")


def _step_through_history(page, step: str) -> None:
    """Go ``step`` ("back" or "forward") as the browser's button does, and wait for the page
    htmx then loads afresh. Layout's htmx config keeps no history cache and reloads on a miss,
    so the address changes at once and the reload follows: waiting only for the address
    (or for Playwright's go_back) let the next step meet a page being replaced ("Execution
    context was destroyed", "net::ERR_ABORTED")."""
    page.evaluate("window.accordBeforeStep = true")
    page.evaluate(f"setTimeout(() => history.{step}())")
    page.wait_for_function("() => window.accordBeforeStep === undefined")
    page.wait_for_load_state()


def test_a_member_searches_filters_and_opens_a_clause(page):
    sign_in(page, MEMBER)
    _search_from_the_header(page, "Policy Cabinet")
    expect(page.get_by_label("Search for")).to_have_value("Policy Cabinet")
    expect(page.locator("#search-count")).to_contain_text("for “Policy Cabinet”")
    expect(page.locator(".app-search-mark").first).to_be_visible()
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        assert horizontal_overflow(page) == 0, width
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_text("Filter the results").click()
    page.get_by_role("checkbox", name="Clauses").check()  # htmx swaps the results in
    expect(page).to_have_url(re.compile(r"kind=clause"))
    captions = page.locator(".app-search-result .govuk-caption-s")
    expect(captions.first).to_have_text("Clause")
    assert set(captions.all_inner_texts()) == {"Clause"}
    # The status region says the new count (outside accessibility tester: nothing was said).
    expect(page.locator("#announcer")).to_have_text(page.locator("#search-count").inner_text())
    assert_accessible(page)

    # Back, then forward: the address and the results both follow.
    _step_through_history(page, "back")
    expect(page).not_to_have_url(re.compile(r"kind=clause"))
    _step_through_history(page, "forward")
    expect(page).to_have_url(re.compile(r"kind=clause"))
    expect(captions.first).to_have_text("Clause")

    result = page.locator(".app-search-result h3 a").first
    target = result.get_attribute("href")
    result.click()
    assert path_of(page) == target
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    _search_from_the_header(page, "qqqzzz")  # nothing found: what to try instead
    expect(page.get_by_text("You could try:")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Search for").fill("trust")  # a new search, in place
    page.get_by_label("Search for").press("Enter")
    expect(page.locator("#search-count")).to_contain_text("for “trust”")
    expect(page).to_have_title(re.compile(r"^Search: trust – Accord"))  # the title follows


def test_searching_without_javascript(page_without_javascript):
    page = page_without_javascript
    sign_in(page, MEMBER)
    _search_from_the_header(page, "meetings -budget")
    expect(page.locator("#search-count")).to_contain_text("result")
    page.get_by_text("Filter the results").click()
    page.get_by_role("checkbox", name="Recommendations").check()
    page.get_by_role("button", name="Apply the filters").click()
    expect(page).to_have_url(re.compile(r"kind=recommendation"))
    captions = page.locator(".app-search-result .govuk-caption-s")
    assert set(captions.all_inner_texts()) == {"Recommendation"}  # (axe needs JavaScript)
    page.locator(".app-search-result h3 a").first.click()
    expect(page).to_have_url(re.compile(r"/recommendations/"))

    _search_from_the_header(page, "qqqzzz")
    expect(page.get_by_text("You could try:")).to_be_visible()
