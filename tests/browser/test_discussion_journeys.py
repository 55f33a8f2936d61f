"""Discussions in the browser: starting one, commenting live, replying, moderating, coverage.

The live server's database is shared by every browser test of the session, so each journey
starts its own discussion with a unique title and never relies on what another test left.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import (
    another_person,
    assert_accessible,
    horizontal_overflow,
    path_of,
    sign_in,
    unique,
)

ACCORD = "/documents/ways-of-working-accord"
LIVE_TIMEOUT = 6_000  # ms: a poll (every second here: conftest's live_server) and its swap
WAYS_OF_WORKING = "Recommendations responded to through introduction of a new Ways of Working"
MEMBER = "Sarah Whitfield"
OFFICER = "Rachel Hartley"


def start_discussion(page, title: str, body: str, *, clause: int | None = 2) -> str:
    """Start a discussion with the clause's own recommendations (or CPC d); return its path."""
    query = f"?clause={clause}" if clause else ""
    page.goto(f"{ACCORD}/discussions/new{query}")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Opening comment").fill(body)
    if clause is None:
        page.get_by_role("checkbox", name=re.compile(r"^CPC d:")).check()
    page.get_by_role("button", name="Start discussion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return path_of(page)


def comment_card(page, text: str):
    return page.locator("article.app-comment", has_text=text)


def wait_for_an_unchanged_poll(page) -> None:
    """Wait until the page's live region has polled and been told nothing changed (304)."""
    page.wait_for_event(
        "response",
        lambda response: "/live" in response.url and response.status == 304,
        timeout=2 * LIVE_TIMEOUT,  # the first poll may find a change; the next will not
    )
    page.wait_for_timeout(100)  # let htmx finish handling the answer


def test_a_member_starts_a_discussion_from_a_clause(page):
    sign_in(page, "member@example.org")
    page.goto(f"{ACCORD}/clauses/2")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Complementary roles of Members and Officers"
    )
    page.get_by_role("link", name="Start a discussion on this clause").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Start a discussion on clause 2, Complementary roles of Members and Officers"
    )

    # The clause's own recommendations come ticked; untick them and send the form empty.
    ticked = page.locator("input[name=recommendations]:checked")
    expect(ticked).to_have_count(2)
    expect(page.get_by_role("checkbox", name=re.compile(r"^CR g:"))).to_be_checked()
    expect(page.get_by_role("checkbox", name=re.compile(r"^CPC d:"))).to_be_checked()
    for _ in range(ticked.count()):
        ticked.first.uncheck()
    page.get_by_role("button", name="Start discussion").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter a title for the discussion")
    expect(summary).to_contain_text("Enter your opening comment")
    expect(summary).to_contain_text("Choose at least one recommendation this discussion answers")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page)

    # The filter box narrows the long list of recommendations.
    title = unique("Who decides what")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Opening comment").fill("Members decide, **Officers advise**.")
    count = page.locator("[data-app-filter-count]")
    expect(count).to_have_text("")
    page.get_by_label("Find a recommendation").fill("CR m")
    expect(count).to_have_text(re.compile(r"^\d+ of \d+ shown$"))
    shown, total = (int(n) for n in re.findall(r"\d+", count.inner_text()))
    assert 0 < shown < total
    cr_m = page.get_by_role("checkbox", name=re.compile(r"^CR m:"))
    expect(cr_m).to_be_visible()
    # CPC a's text has no "cr", so the filter hides it (for sight and for screen readers).
    expect(page.get_by_role("checkbox", name=re.compile(r"^CPC a:"))).to_be_hidden()
    cr_m.check()
    page.get_by_role("button", name="Start discussion").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("Your discussion has started.")).to_be_visible()
    opening = comment_card(page, "Members decide")
    expect(opening.locator(".app-comment__body strong")).to_have_text("Officers advise")
    expect(opening.locator(".app-comment__body")).not_to_contain_text("**")
    chips = page.get_by_role("list", name="Recommendations this discussion answers")
    expect(chips.locator(".app-chip")).to_have_count(1)
    expect(chips).to_contain_text("CR m")
    assert_accessible(page)

    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name=re.compile("Clause 2")
    ).click()
    expect(page.locator("#discussion-list")).to_contain_text(title)
    # The list polls for changes; an unchanged answer (304) leaves it as it is.
    wait_for_an_unchanged_poll(page)
    expect(page.locator("#discussion-list")).to_contain_text(title)
    assert_accessible(page)

    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="Ways of Working Accord"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ways of Working Accord")
    assert_accessible(page)


def test_comments_edits_and_moderation_appear_live(page, browser, live_server):
    member = page
    sign_in(member, "member@example.org")
    discussion = start_discussion(member, unique("Live"), "The opening comment.")
    with another_person(browser, live_server, "officer@example.org") as officer:
        officer.goto(discussion)
        member.goto(discussion)

        # The officer is half-way through a comment of their own, and the page has already
        # polled once and been told nothing changed.
        draft = officer.get_by_label("Your comment")
        draft.fill("Not sent yet")
        expect(draft).to_be_focused()
        wait_for_an_unchanged_poll(officer)
        expect(officer.locator("#thread")).to_contain_text("The opening comment.")

        text = unique("Posted by the member")
        member.get_by_label("Your comment").fill(text)
        member.get_by_role("button", name="Post comment").click()
        expect(comment_card(member, text)).to_be_visible()  # htmx: no page load
        expect(member.get_by_label("Your comment")).to_have_value("")

        expect(officer.locator("#thread")).to_contain_text(text, timeout=LIVE_TIMEOUT)
        expect(draft).to_have_value("Not sent yet")
        expect(draft).to_be_focused()
        expect(officer.locator("#announcer")).to_contain_text("new comment")

        # The member edits the comment: the officer sees the new words and the tag.
        card = comment_card(member, text)
        comment_id = card.get_attribute("id")
        card.get_by_role("link", name="Edit your comment").click()
        expect(member.locator("#composer-heading")).to_have_text("Edit your comment")
        expect(member.locator("#composer-heading")).to_be_focused()
        edited = unique("Edited by the member")
        member.locator("#composer").get_by_label("Your comment").fill(edited)
        member.get_by_role("button", name="Save changes").click()
        expect(member.locator(f"#{comment_id}")).to_contain_text(edited)

        officer_card = officer.locator(f"#{comment_id}")
        expect(officer_card).to_contain_text(edited, timeout=LIVE_TIMEOUT)
        expect(officer_card.locator(".govuk-tag", has_text="Edited")).to_be_visible()
        expect(draft).to_have_value("Not sent yet")

        # A facilitator hides it, with a reason.
        with another_person(browser, live_server, "facilitator@example.org") as facilitator:
            facilitator.goto(discussion)
            facilitator.locator(f"#{comment_id}").get_by_role(
                "link", name=f"Hide {MEMBER}'s comment"
            ).click()
            expect(facilitator.get_by_role("heading", level=1)).to_have_text(
                f"Hide {MEMBER}’s comment"
            )
            assert_accessible(facilitator)
            reason = unique("It names someone")
            facilitator.get_by_label("Why are you hiding this comment?").fill(reason)
            facilitator.get_by_role("button", name="Hide comment").click()
            expect(facilitator.get_by_text("The comment is hidden.")).to_be_visible()

        expect(officer_card).to_contain_text("Hidden by a facilitator", timeout=LIVE_TIMEOUT)
        expect(officer_card).to_contain_text(reason)
        expect(officer_card).not_to_contain_text(edited)
        expect(draft).to_have_value("Not sent yet")


def rename_person(admin, name: str, new_name: str) -> None:
    """An administrator changes someone's name on their "Change details and roles" page."""
    admin.goto("/people")
    admin.get_by_role("link", name=name, exact=True).click()
    admin.get_by_role("link", name=f"Change details and roles of {name}").click()
    admin.get_by_label("Name", exact=True).fill(new_name)
    admin.get_by_role("button", name="Save the changes").click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text(new_name)


def test_a_rename_reaches_an_open_thread_at_its_next_poll(page, browser, live_server):
    """An administrator renames a Member: an Officer's open thread shows the new name on the
    Member's comment at its next poll, without a reload (the ``people`` change marker)."""
    officer = page
    sign_in(officer, "officer@example.org")
    opening = unique("Imran's opening comment")
    with another_person(browser, live_server, "imran.chaudhry@example.org") as member:
        discussion = start_discussion(member, unique("Names"), opening)
    officer.goto(discussion)
    card = comment_card(officer, opening)
    expect(card).to_contain_text("Imran Chaudhry")
    new_name = unique("Councillor Imran")
    with another_person(browser, live_server, "admin@example.org") as admin:
        try:
            rename_person(admin, "Imran Chaudhry", new_name)
            expect(card).to_contain_text(new_name, timeout=LIVE_TIMEOUT)
        finally:  # the live server's database is shared by the session's journeys
            rename_person(admin, new_name, "Imran Chaudhry")


def test_an_officer_replies_to_a_comment(page, browser, live_server):
    opening = unique("Please reply to this")
    with another_person(browser, live_server, "member@example.org") as member:
        discussion = start_discussion(member, unique("Reply"), opening)

    sign_in(page, "officer@example.org")
    page.goto(discussion)
    card = comment_card(page, opening)
    comment_id = card.get_attribute("id")
    card.get_by_role("link", name=f"Reply to {MEMBER}").click()
    heading = page.locator("#composer-heading")
    expect(heading).to_have_text(f"Reply to {MEMBER}")
    expect(heading).to_be_focused()
    expect(page.locator("#composer blockquote")).to_contain_text(opening)
    assert_accessible(page)

    reply = unique("An officer's reply")
    page.get_by_label("Your reply").fill(reply)
    page.get_by_role("button", name="Post reply").click()
    replies = page.locator("li", has=page.locator(f"#{comment_id}")).locator(
        ".app-comment-list--replies"
    )
    expect(replies).to_contain_text(reply)
    expect(replies.locator("article.app-comment--reply")).to_have_count(1)
    expect(page.locator("#composer-heading")).to_have_text("Add a comment")
    expect(page).to_have_url(re.compile(re.escape(discussion) + "$"))
    assert_accessible(page)


def test_show_more_replies_puts_focus_on_the_first_reply_it_adds(page, browser, live_server):
    """Outside accessibility tester: "Show more replies" sent keyboard focus to the top of the
    whole thread and said nothing. Focus goes to the first reply it adds, and the page's
    status region says how many were added."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Comment, User
    from app.services import discussions

    opening = unique("Many replies to this")
    with another_person(browser, live_server, "member@example.org") as member:
        path = start_discussion(member, unique("Replies"), opening)
    discussion_id = int(path.rsplit("/", 1)[1])
    shown = live_server.app.config["REPLIES_SHOWN"]
    with live_server.app.app_context():
        officer = db.session.scalars(select(User).filter_by(email="officer@example.org")).one()
        parent = db.session.scalars(select(Comment).filter_by(discussion_id=discussion_id)).one()
        discussion = db.session.get(discussions.Discussion, discussion_id)
        for n in range(shown + 2):
            discussions.add_comment(discussion, f"Reply number {n + 1}", by=officer, parent=parent)
        db.session.commit()

    sign_in(page, "member@example.org")
    page.goto(path)
    more = page.get_by_role("link", name=re.compile(r"^Show more replies"))
    more.focus()
    page.keyboard.press("Enter")
    first_added = page.locator("li", has_text=f"Reply number {shown + 1}").last
    expect(first_added).to_be_focused()
    expect(page.locator("#announcer")).to_have_text("2 more replies shown")
    assert_accessible(page)


def test_an_empty_comment_says_so_in_the_tabs_title_until_one_is_posted(page):
    """Outside accessibility tester: an empty comment showed its error summary, but the tab's
    title did not begin "Error: "."""
    sign_in(page, "officer@example.org")
    path = start_discussion(page, unique("Titles"), "An opening comment.")
    page.goto(path)
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your comment")
    expect(page).to_have_title(re.compile(r"^Error: "))
    page.get_by_label("Your comment").fill("Now with words.")
    page.get_by_role("button", name="Post comment").click()
    expect(comment_card(page, "Now with words.")).to_be_visible()
    expect(page).not_to_have_title(re.compile(r"^Error: "))
    assert_accessible(page)


def test_discussing_without_javascript(page_without_javascript):
    page = page_without_javascript
    sign_in(page, "officer@example.org")
    page.goto(ACCORD)
    page.get_by_role("link", name="Start a discussion on the whole document").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Start a discussion on the whole of the Ways of Working Accord"
    )
    expect(page.get_by_label("Find a recommendation")).to_be_hidden()
    title = unique("The whole Accord")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Opening comment").fill("About the Accord as a whole.")
    page.get_by_role("checkbox", name=re.compile(r"^CPC d:")).check()
    page.get_by_role("button", name="Start discussion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".govuk-caption-l")).to_have_text(
        "Discussion on the whole of the Ways of Working Accord"
    )
    discussion = path_of(page)

    text = unique("A comment without JavaScript")
    page.get_by_label("Your comment").fill(text)
    page.get_by_role("button", name="Post comment").click()
    expect(page).to_have_url(re.compile(re.escape(discussion) + r"(\?page=1)?#thread$"))
    expect(page.get_by_text("Your comment was posted.")).to_be_visible()
    card = comment_card(page, text)
    comment_id = card.get_attribute("id")

    card.get_by_role("link", name=f"Reply to {OFFICER}").click()
    expect(page).to_have_url(re.compile(r"\?reply_to=\d+#composer$"))
    expect(page.locator("#composer-heading")).to_have_text(f"Reply to {OFFICER}")
    reply = unique("A reply without JavaScript")
    page.get_by_label("Your reply").fill(reply)
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("Your reply was posted.")).to_be_visible()
    replies = page.locator("li", has=page.locator(f"#{comment_id}")).locator(
        ".app-comment-list--replies"
    )
    expect(replies).to_contain_text(reply)

    page.locator(f"#{comment_id}").get_by_role("link", name="Withdraw your comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to withdraw your comment?"
    )
    expect(page.locator(".govuk-inset-text")).to_contain_text(text)
    page.get_by_role("button", name="Withdraw comment").click()
    expect(page).to_have_url(re.compile(re.escape(discussion) + rf"(\?page=1)?#{comment_id}$"))
    expect(page.get_by_text("Your comment was withdrawn.")).to_be_visible()
    withdrawn = page.locator(f"#{comment_id}")
    expect(withdrawn).to_contain_text("Withdrawn by the author")
    expect(withdrawn).not_to_contain_text(text)
    expect(replies).to_contain_text(reply)  # the reply stays, under the placeholder


def test_a_comment_refused_because_the_discussion_locked_is_shown_to_copy(
    browser, live_server, page_without_javascript
):
    """An Officer writes a comment while a facilitator locks the discussion: sending it says
    why, saves nothing and shows what was written in a read-only box to copy."""
    page = page_without_javascript
    sign_in(page, "officer@example.org")
    discussion = start_discussion(page, unique("Locked while writing"), "Opening words.")
    written = unique("My careful thoughts on this")
    page.get_by_label("Your comment").fill(written)
    with another_person(browser, live_server, "facilitator@example.org") as facilitator:
        facilitator.goto(discussion)
        facilitator.get_by_role("button", name="Lock discussion").click()
        expect(facilitator.get_by_role("button", name="Unlock discussion")).to_be_visible()
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("That cannot be done now")
    expect(page.get_by_role("heading", name="What you wrote was not saved")).to_be_visible()
    expect(page.get_by_label("Your text")).to_have_value(written)
    page.goto(discussion)
    expect(page.locator("#thread")).not_to_contain_text(written)


def test_recommendations_relinked_meanwhile_are_not_overwritten(page, browser, live_server):
    """Two facilitators change which recommendations a discussion answers from pages showing
    the same links: the later save is refused with the links saved now shown, the ticks made
    kept to save again."""
    sign_in(page, "facilitator@example.org")
    discussion = start_discussion(page, unique("Relinked twice"), "Opening words.", clause=None)
    with another_person(browser, live_server, "facilitator@example.org") as other:
        for tab in (page, other):
            tab.goto(discussion)
            tab.get_by_role("link", name="Change recommendations").click()
        page.get_by_role("checkbox", name=re.compile(r"^CR m:")).check()
        page.get_by_role("button", name="Save recommendations").click()
        expect(
            page.get_by_text("The recommendations this discussion answers were changed.")
        ).to_be_visible()
        other.get_by_role("checkbox", name=re.compile(r"^CPC d:")).uncheck()
        other.get_by_role("checkbox", name=re.compile(r"^CR a:")).check()
        other.get_by_role("button", name="Save recommendations").click()
        expect(other).to_have_title(re.compile(r"^Error: Change the recommendations"))
        expect(other.locator("#shown-changed")).to_contain_text("yours were not saved")
        expect(other.locator(".govuk-inset-text")).to_contain_text("CR m")
        expect(other.get_by_role("checkbox", name=re.compile(r"^CR a:"))).to_be_checked()
        expect(other.get_by_role("checkbox", name=re.compile(r"^CR m:"))).not_to_be_checked()
        expect(other.get_by_role("checkbox", name=re.compile(r"^CPC d:"))).not_to_be_checked()
        assert_accessible(other)
        other.get_by_role("button", name="Save recommendations").click()
        expect(other.get_by_role("heading", level=1)).not_to_have_text(
            "Change the recommendations this discussion answers"
        )
        chips = other.get_by_role("list", name="Recommendations this discussion answers")
        expect(chips).to_contain_text("CR a")
        expect(chips).not_to_contain_text("CR m")


def test_recommendation_coverage_and_a_recommendation(page):
    sign_in(page, "member@example.org")
    title = unique("Joint development")
    start_discussion(page, title, "On the joint programme.", clause=1)  # CR a, CR m, CPC d

    page.goto("/recommendations/coverage")
    expect(page.get_by_role("heading", level=1)).to_have_text("Which recommendations are answered")
    page.get_by_label("Theme").select_option(label=WAYS_OF_WORKING)
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"theme=Recommendations"))
    expect(page.get_by_label("Theme")).to_have_value(WAYS_OF_WORKING)
    table = page.locator("table.govuk-table")
    expect(table.locator("caption")).to_have_text(f"Culture Review 2019: {WAYS_OF_WORKING}")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(10)  # CR c, d, e, g, h, l, m, o, p and x

    summary = page.locator("#coverage-summary")
    expect(summary).to_have_text(
        re.compile(r"^\d+ of 10 recommendations in this theme (is|are) not answered yet\.$")
    )
    unanswered = int(summary.locator("strong").inner_text())
    expect(table.get_by_text("Not answered", exact=True)).to_have_count(unanswered)

    row = rows.filter(has=page.get_by_role("link", name="CR m", exact=True))
    clause_count, discussion_count, _sessions = (
        int(n) for n in row.locator("td").all_inner_texts()
    )
    assert clause_count >= 1
    assert discussion_count >= 1
    expect(row).not_to_contain_text("Not answered")
    assert_accessible(page)

    row.get_by_role("link", name="CR m", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendation m (CR m)")
    clauses = page.locator("h2:has-text('Clauses and agenda items that answer it') + ul")
    expect(
        clauses.get_by_role(
            "link", name="Ways of Working Accord, clause 1: Purpose and shared commitment"
        )
    ).to_be_visible()
    discussions = page.locator("h2:has-text('Discussions that answer it') + ul")
    expect(discussions.get_by_role("link", name=title)).to_be_visible()
    assert_accessible(page)


def test_discussion_pages_fit_a_320_pixel_screen(browser, live_server):
    with another_person(browser, live_server, "member@example.org", width=320) as page:
        page.goto(f"{ACCORD}/clauses/2")
        assert horizontal_overflow(page) <= 0, "the clause page scrolls sideways at 320px"
        assert_accessible(page)

        # Titles and comments are free text: a long address must wrap, not widen the page.
        address = "https://www.example.org/council-democracy/constitution/member-officer-protocol"
        start_discussion(page, unique(f"See {address}"), f"Narrow. {address}")
        assert horizontal_overflow(page) <= 0, "the discussion page scrolls sideways at 320px"
        assert_accessible(page)
        page.get_by_label("Your comment").fill(f"Also {address}/" + "a" * 60)
        page.get_by_role("button", name="Post comment").click()
        expect(page.locator("#thread")).to_contain_text("Also https://")
        assert horizontal_overflow(page) <= 0, "a long comment makes the page scroll sideways"

        page.goto(f"{ACCORD}/clauses/2")
        expect(page.locator("#discussion-list")).to_contain_text(address)
        assert horizontal_overflow(page) <= 0, "the clause's discussions scroll sideways at 320px"


def test_relative_times_stay_true_on_an_open_page(page, live_server):
    """A comment's "just now" on an open page becomes "2 minutes ago", then hours and days, as
    time passes with nothing written (the poll answers 304 all the while), in the words the
    server would use (past 30 days the date), by the server's clock even when the computer's
    is wrong."""
    from datetime import UTC, datetime, timedelta

    from app.templating import london_time

    # The computer's clock is 3 hours fast; the page keeps to the server's.
    page.clock.install(time=datetime.now(UTC) + timedelta(hours=3))
    sign_in(page, "member@example.org")
    text = unique("A comment to watch age")
    discussion = start_discussion(page, unique("Times"), text)
    page.goto(discussion)
    shown = comment_card(page, text).locator("time[data-ago]")
    expect(shown).to_have_text("just now")
    minute = 60_000
    for forward, words in (
        (2 * minute, "2 minutes ago"),
        (60 * minute, "1 hour ago"),
        (47 * 60 * minute, "2 days ago"),
    ):
        page.clock.fast_forward(forward)
        page.clock.run_for(31_000)  # the next rewrite (every 30 seconds)
        expect(shown).to_have_text(words)
    page.clock.fast_forward(29 * 24 * 60 * minute)  # 31 days: the date, in London
    page.clock.run_for(31_000)
    posted = datetime.fromisoformat(shown.get_attribute("datetime"))
    expect(shown).to_have_text(london_time(posted).split(" at ")[0])


def test_a_page_read_again_comes_from_the_cache_and_is_never_stale(
    page_without_javascript, browser, live_server
):
    """Without JavaScript a reader reloads to see what is new. A discussion read again is a
    kept page (app/kept_pages.py): it shows what others wrote since at the next reload, and two
    tabs opened on it post two comments."""
    page = page_without_javascript
    sign_in(page, "member@example.org")
    discussion = start_discussion(page, unique("Read again"), "Reloaded often.")
    for _ in range(3):  # the reading mark, the page kept, the kept page
        page.reload()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Read again")
    news = unique("Written meanwhile")
    with another_person(browser, live_server, "officer@example.org") as officer:
        officer.goto(discussion)
        officer.get_by_label("Your comment").fill(news)
        officer.get_by_role("button", name="Post comment").click()
        expect(comment_card(officer, news)).to_be_visible()
    page.reload()
    expect(comment_card(page, news)).to_be_visible()
    page.reload()  # read again: kept, with the comment
    expect(comment_card(page, news)).to_be_visible()

    second = page.context.new_page()
    second.goto(discussion)
    texts = [unique("From the first tab"), unique("From the second tab")]
    for tab, text in zip((page, second), texts, strict=True):
        tab.get_by_label("Your comment").fill(text)
    for tab in (page, second):
        tab.get_by_role("button", name="Post comment").click()
        expect(tab.get_by_text("Your comment was posted.")).to_be_visible()
    page.goto(discussion)
    for text in texts:
        expect(comment_card(page, text)).to_be_visible()
    second.close()
