"""Passage suggestions and passage comments in the browser (issue 18): selecting words and
suggesting a change, the same without JavaScript, overlapping suggestions as alternatives,
accepting one, commenting on a passage, and anchors re-found or marked after an edit.

Each journey works on an Accord clause of its own (3, 9, 11, 13), which no other journey uses;
accepting several suggestions makes a document of its own.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Choice, Role, User, UserRole
from app.services import voting
from tests import factories
from tests.browser.conftest import another_person, assert_accessible, sign_in, unique

ACCORD = "/documents/ways-of-working-accord"
MEMBER, OFFICER, FACILITATOR = (
    "member@example.org",
    "officer@example.org",
    "facilitator@example.org",
)


def clause_url(number: int) -> str:
    return f"{ACCORD}/clauses/{number}"


def select_words(page, words: str) -> None:
    """Select ``words`` in the clause text as a person would, then let go (a keyup)."""
    page.evaluate(
        """(words) => {
          const text = document.getElementById('clause-text')
          const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT)
          while (walker.nextNode()) {
            const at = walker.currentNode.data.indexOf(words)
            if (at >= 0) {
              const range = document.createRange()
              range.setStart(walker.currentNode, at)
              range.setEnd(walker.currentNode, at + words.length)
              window.getSelection().removeAllRanges()
              window.getSelection().addRange(range)
              text.dispatchEvent(new KeyboardEvent('keyup', {bubbles: true}))
              return
            }
          }
          throw new Error('words not found: ' + words)
        }""",
        words,
    )


def check_both_widths(page) -> None:
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
    page.set_viewport_size({"width": 1024, "height": 900})


def suggest_without_selection(page, number: int, quote: str, words: str) -> str:
    """Make a suggestion through the plain form; returns its page's path."""
    page.goto(f"{clause_url(number)}/suggest")
    page.get_by_label("The words to change").fill(quote)
    page.get_by_label("The new words").fill(words)
    page.get_by_label("Why should they change?").fill("Clearer for residents.")
    page.get_by_role("button", name="Suggest this change").click()
    expect(page.get_by_text("Your suggestion is made.")).to_be_visible()
    return re.sub(r"^https?://[^/]+", "", page.url)


def test_select_a_passage_and_suggest_a_change(page):
    sign_in(page, MEMBER)
    page.goto(clause_url(3))
    bar = page.locator("#passage-bar")
    expect(bar).to_be_hidden()
    select_words(page, "can be lost quickly")
    expect(bar).to_be_visible()
    bar.get_by_role("link", name="Suggest a change").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Suggest a change")
    expect(page.get_by_label("The words to change")).to_have_value("can be lost quickly")
    check_both_widths(page)
    page.get_by_label("The new words").fill("can be lost in a single meeting")
    page.get_by_label("Why should they change?").fill("More concrete.")
    page.get_by_role("button", name="Suggest this change").click()
    expect(page.get_by_text("Your suggestion is made.")).to_be_visible()
    expect(page.locator("#passage")).to_contain_text("can be lost quickly")
    redline = page.locator("div.app-redline").first
    expect(redline.locator("del")).to_contain_text("quickly")
    expect(redline.locator("ins")).to_contain_text("in a single meeting")
    assert_accessible(page)
    page.goto(clause_url(3))
    mark = page.locator("#clause-text mark.app-passage", has_text="can be lost quickly")
    expect(mark).to_be_visible()
    count = page.locator("#clause-text sup.app-passage-count a").first
    count.focus()
    expect(count).to_be_focused()
    page.keyboard.press("Enter")
    group = page.locator(".app-passage-group").first
    expect(group).to_contain_text("can be lost in a single meeting")
    check_both_widths(page)


def test_suggest_a_change_without_javascript(page_without_javascript):
    page = page_without_javascript
    sign_in(page, MEMBER)
    page.goto(clause_url(9))
    page.get_by_role("link", name="Suggest a change to some words").click()
    page.get_by_label("The words to change").fill("Members")
    page.get_by_label("The new words").fill("councillors")
    page.get_by_label("Why should they change?").fill("Plainer.")
    page.get_by_role("button", name="Suggest this change").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("quote a few more words")
    expect(page.locator("#quote-error")).to_contain_text("quote a few more words")
    page.get_by_label("The words to change").fill("words that are nowhere")
    page.get_by_role("button", name="Suggest this change").click()
    expect(page.locator("#quote-error")).to_contain_text("not in the current wording")
    page.get_by_label("The words to change").fill("keep developing throughout their time")
    page.get_by_role("button", name="Suggest this change").click()
    expect(page.get_by_text("Your suggestion is made.")).to_be_visible()
    expect(page.locator("div.app-redline ins").first).to_contain_text("councillors")


def test_overlapping_suggestions_are_alternatives_and_accepting_one(page, browser, live_server):
    sign_in(page, MEMBER)
    first = suggest_without_selection(page, 11, "off site where practical", "off site")
    second = suggest_without_selection(
        page, 11, "where practical, to discuss strategy", "where practical, to plan strategy"
    )
    first_id, second_id = first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]
    page.goto(clause_url(11))
    expect(page.get_by_text(f"Alternative to suggestion {second_id}")).to_be_visible()
    expect(page.get_by_text(f"Alternative to suggestion {first_id}")).to_be_visible()
    expect(page.locator("#clause-text mark.app-passage--overlap")).to_have_count(1)
    check_both_widths(page)
    with another_person(browser, live_server, FACILITATOR) as facilitator:
        facilitator.goto(first)
        facilitator.get_by_role("link", name="Accept amendment").click()
        facilitator.get_by_label(re.compile("Why are you accepting it")).fill(
            "Agreed at the joint session."
        )
        facilitator.get_by_role("button", name="Accept amendment").click()
        expect(facilitator.get_by_text("The amendment is accepted")).to_be_visible()
        expect(facilitator.locator(".app-clause")).to_contain_text("off site, to discuss")
    page.goto(clause_url(11))
    earlier = page.locator("#passage-earlier")
    expect(earlier).to_contain_text(f"Suggestion {second_id}")
    expect(earlier).to_contain_text("Out of date")
    page.goto(second)
    expect(page.get_by_text("On an earlier wording")).to_be_visible()
    assert_accessible(page)


def test_comment_on_a_passage_then_the_clause_is_edited(page, browser, live_server):
    sign_in(page, OFFICER)
    page.goto(clause_url(13))
    select_words(page, "without fear of repercussions")
    page.locator("#passage-bar").get_by_role("link", name="Comment on this").click()
    expect(page.get_by_label("The words you are commenting on")).to_have_value(
        "without fear of repercussions"
    )
    remark = unique("Who hears the concern first?")
    page.get_by_label("Your comment").fill(remark)
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text(remark)).to_be_visible()
    expect(page.locator("#passage")).to_contain_text("without fear of repercussions")
    assert_accessible(page)
    page.goto(clause_url(13))
    expect(
        page.locator("#clause-text mark", has_text="without fear of repercussions")
    ).to_be_visible()

    def edit(facilitator, change) -> None:
        facilitator.goto(f"{clause_url(13)}/edit")
        text = facilitator.get_by_label("Text")
        text.fill(change(text.input_value()))
        facilitator.get_by_role("button", name="Save the new wording").click()
        expect(facilitator.get_by_text("has its new wording")).to_be_visible()

    with another_person(browser, live_server, FACILITATOR) as facilitator:
        edit(facilitator, lambda body: "We mean this.\n\n" + body)
    page.goto(clause_url(13))
    expect(
        page.locator("#clause-text mark", has_text="without fear of repercussions")
    ).to_be_visible()
    check_both_widths(page)
    with another_person(browser, live_server, FACILITATOR) as facilitator:
        edit(facilitator, lambda body: body.replace("without fear of repercussions", "freely"))
    page.goto(clause_url(13))
    expect(page.locator("#clause-text mark")).to_have_count(0)
    earlier = page.locator("#passage-earlier")
    expect(earlier).to_contain_text("On an earlier wording")
    expect(earlier).to_contain_text("without fear of repercussions")
    check_both_widths(page)


SEVERAL_BODY = (
    "Officers reply to Members promptly. Members give Officers the time a reply needs.\n\n"
    "Both keep a record of what was agreed."
)


def _agreed_suggestions_on_a_new_document(live_server) -> str:
    """A new Open document of one clause, voting open, with two suggestions every Member and
    Officer supports (other journeys count the Accord's and the Protocol's clauses); returns
    the clause's address."""
    with factories.built(live_server.app):
        document = factories.document(
            title=unique("Accepting together"), clauses=[("Replies", SEVERAL_BODY)]
        )
        factories.voting_opened(document)
        clause = factories.clause(document, "1")
        made = [
            factories.suggestion(clause, "reply to Members promptly", "reply within two days"),
            factories.suggestion(clause, "keep a record", "keep a written record"),
        ]
        voters = db.session.scalars(
            select(User).join(UserRole).where(UserRole.role.in_([Role.MEMBER, Role.OFFICER]))
        ).unique()
        for voter in voters:
            for suggestion in made:
                voting.cast_vote(voter, Choice.SUPPORT, amendment=suggestion)
        return f"/documents/{document.slug}/clauses/1"


def test_accepting_several_suggestions_confirms_the_preview(page, browser, live_server):
    """The facilitator previews two agreed suggestions together; another facilitator edits
    another part of the clause; accepting is refused (the wording is not the one previewed)
    and the new preview shown; accepting that one makes the new wording."""
    clause = _agreed_suggestions_on_a_new_document(live_server)
    sign_in(page, FACILITATOR)
    page.goto(clause)
    page.get_by_role("link", name="Accept several agreed suggestions at once").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accept several suggestions")
    for box in page.get_by_role("checkbox").all():
        box.check()
    page.get_by_role("button", name="Preview the new wording").click()
    preview = page.locator(".app-redline-block")
    expect(preview.locator("ins").first).to_contain_text("within two days")
    check_both_widths(page)
    with another_person(browser, live_server, FACILITATOR) as other:
        other.goto(f"{clause}/edit")
        text = other.get_by_label("Text")
        text.fill(text.input_value().replace("the time a reply needs", "time to reply"))
        other.get_by_role("button", name="Save the new wording").click()
        expect(other.get_by_text("has its new wording")).to_be_visible()
    page.get_by_role("button", name="Accept these suggestions").click()
    expect(page).to_have_title(re.compile(r"^Error: Accept suggestions"))
    expect(page.locator("#shown-changed")).to_contain_text("nothing was accepted")
    expect(preview).to_contain_text("time to reply")
    check_both_widths(page)
    page.get_by_role("button", name="Accept these suggestions").click()
    expect(page.get_by_text("2 suggestions accepted")).to_be_visible()
    expect(page.locator(".app-clause")).to_contain_text("reply within two days")
    expect(page.locator(".app-clause")).to_contain_text("time to reply")
    assert_accessible(page)
