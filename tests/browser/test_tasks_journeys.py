"""Your tasks and "new since you last looked", as a Member on a phone and as a facilitator.

The live server's database is shared by every browser test of the session, so each journey
makes its own discussion or amendment (unique text) and finds its task by the link it expects.
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
    unique,
)

ACCORD = "/documents/ways-of-working-accord"
PHONE = 375


def phone(browser, live_server, *, javascript: bool = True):
    page = new_page(browser, live_server, javascript=javascript, width=PHONE)
    return page


def start_discussion(page, clause: int, title: str, body: str) -> str:
    page.goto(f"{ACCORD}/discussions/new?clause={clause}")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Opening comment").fill(body)
    page.get_by_role("button", name="Start discussion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return path_of(page)


def reply_to(page, discussion: str, author: str, text: str) -> None:
    page.goto(discussion)
    page.get_by_role("link", name=f"Reply to {author}").first.click()
    page.get_by_label("Your reply").fill(text)
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text(text)).to_be_visible()


def check_page(page, *, javascript: bool = True) -> None:
    """axe finds nothing and the page does not scroll sideways (both run scripts in the page,
    so a page without JavaScript is checked by its twin journey with it)."""
    if javascript:
        assert_accessible(page)
        assert horizontal_overflow(page) == 0


def task_count(page) -> int:
    """The number beside "Your tasks" in the header (0 when none is shown)."""
    found = re.search(r"\d+", page.locator("#task-count").text_content() or "")
    return int(found.group()) if found else 0


def member_reads_a_reply_from_the_task_list(browser, live_server, *, javascript: bool) -> None:
    member = phone(browser, live_server, javascript=javascript)
    try:
        sign_in(member, "member@example.org")
        title = unique("Who briefs whom")
        discussion = start_discussion(member, 2, title, unique("How should briefings work?"))
        with another_person(browser, live_server, "officer@example.org") as officer:
            reply_to(officer, discussion, "Sarah Whitfield", unique("Through the Chief Executive"))

        member.goto("/tasks")
        expect(member.get_by_role("heading", level=1)).to_have_text("Your tasks")
        if not javascript:  # without JavaScript the menu's links are all shown
            expect(
                member.get_by_role("link", name=re.compile(r"^Your tasks\s*\d+ tasks$"))
            ).to_be_visible()
        check_page(member, javascript=javascript)
        before = task_count(member)
        task = member.get_by_role("link", name=f"Read a reply to your comment in “{title}”")
        task.click()
        expect(member.get_by_role("heading", level=1)).to_have_text(title)
        assert path_of(member) == discussion
        # The header on the discussion already leaves out the task opening it did.
        assert task_count(member) == before - 1
        check_page(member, javascript=javascript)
        member.goto("/tasks")
        expect(task).to_have_count(0)
        assert task_count(member) == before - 1
    finally:
        member.context.close()


def test_a_member_on_a_phone_goes_from_the_task_list_to_a_reply(browser, live_server):
    member_reads_a_reply_from_the_task_list(browser, live_server, javascript=True)


def test_without_javascript_the_task_list_works_the_same(browser, live_server):
    member_reads_a_reply_from_the_task_list(browser, live_server, javascript=False)


def test_new_since_you_last_looked_after_another_persons_comment(browser, live_server):
    member = phone(browser, live_server)
    try:
        sign_in(member, "member@example.org")
        member.goto(f"{ACCORD}/clauses/3")  # the Member has looked at clause 3
        member.goto(ACCORD)
        expect(member.locator("#new-since-3")).to_have_count(0)

        with another_person(browser, live_server, "officer@example.org") as officer:
            start_discussion(officer, 3, unique("Timings"), unique("Agendas go out late"))

        member.goto(ACCORD)
        mark = member.locator("#new-since-3")
        expect(mark).to_have_text(re.compile(r"^Since you last looked: \d+ new comments?\.$"))
        expect(member.locator("#clause-3 .app-new-mark")).to_be_visible()
        check_page(member)
        member.locator("#clause-3 h3 a").click()
        expect(member).to_have_url(re.compile(r"/clauses/3$"))
        member.goto(ACCORD)
        expect(member.locator("#new-since-3")).to_have_count(0)
    finally:
        member.context.close()


def test_a_facilitator_decides_an_amendment_from_the_task_list(page, browser, live_server):
    with another_person(browser, live_server, "officer@example.org") as officer:
        officer.goto(f"{ACCORD}/clauses/4")
        officer.get_by_role("link", name="Propose an amendment").click()
        text = officer.get_by_label("Proposed text")
        text.fill(text.input_value() + "\n\n" + unique("Both sides keep to agreed timings."))
        officer.get_by_label("Why should it change?").fill("Timings matter.")
        officer.get_by_role("button", name="Propose amendment").click()
        expect(officer).to_have_url(re.compile(r"/amendments/\d+$"))
        amendment = path_of(officer)

    facilitator = page
    sign_in(facilitator, "facilitator@example.org")
    facilitator.goto("/tasks")
    check_page(facilitator)
    facilitator.locator(f'a.govuk-task-list__link[href="{amendment}"]').click()
    assert path_of(facilitator) == amendment
    facilitator.get_by_role("link", name="Reject amendment").click()
    facilitator.get_by_label("Why is the amendment rejected?").fill("Covered by clause 6.")
    facilitator.get_by_role("button", name="Reject amendment").click()
    expect(facilitator.get_by_text("The amendment is rejected.")).to_be_visible()
    facilitator.goto("/tasks")
    expect(facilitator.locator(f'a[href="{amendment}"]')).to_have_count(0)


def test_many_clauses_to_vote_on_are_one_task_that_opens_the_ballot(browser, live_server):
    """A document with more clauses to vote on than are worth listing one by one is one task
    on the Member's phone, "Vote on 8 clauses", and it opens the document's ballot: with and
    without JavaScript."""
    from app.services.tasks import CLAUSES_LISTED_ONE_BY_ONE
    from tests import factories

    clauses = CLAUSES_LISTED_ONE_BY_ONE + 3
    title = unique("Ballot from tasks")
    with factories.built(live_server.app):
        factories.voting_opened(factories.document(title=title, clauses=clauses))
    for javascript in (True, False):
        member = phone(browser, live_server, javascript=javascript)
        try:
            sign_in(member, "member@example.org")
            member.goto("/tasks")
            item = member.locator(".govuk-task-list__item", has_text=title)
            task = item.get_by_role("link", name=f"Vote on {clauses} clauses")
            expect(task).to_have_count(1)
            expect(item).to_have_count(1)  # one task for the document, not one a clause
            check_page(member, javascript=javascript)
            task.click()
            expect(member.get_by_role("heading", level=1)).to_have_text(f"Vote on the {title}")
            check_page(member, javascript=javascript)
        finally:
            member.context.close()
