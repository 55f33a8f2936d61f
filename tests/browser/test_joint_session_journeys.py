"""Themed joint sessions in the browser: a facilitator builds and publishes an agenda, a Member
proposes items and says they will attend, the facilitator decides the proposals, records an
outcome and its actions (without JavaScript), and the session goes into a calendar.

The live server's database is shared by every browser test of the session, and other journeys
use the Accord, the Protocol and the demo agenda. So each journey here creates sessions of its
own, with unique titles, and leaves the demo session alone. It does not turn an outcome into a
clause of the Accord or the Protocol either: the foundation journey counts the Accord's 13
clauses and the voting journey the Protocol's 8, so it only checks the form's validation.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from icalendar import Calendar
from playwright.sync_api import expect

from tests.browser.conftest import (
    another_person,
    assert_accessible,
    path_of,
    sign_in,
    unique,
)

FACILITATOR = "facilitator@example.org"
MEMBER = "member@example.org"
DAY = date.today() + timedelta(days=60)
VENUE = "Bold Forester Room, Town Hall"


def at(path: str) -> re.Pattern:
    """The page's URL is ``path``, with any fragment and no query."""
    return re.compile(re.escape(path) + r"(#.*)?$")


def go_to_sessions(page) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sessions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Themed joint sessions")


def fill_date(page, legend: str, day: date) -> None:
    fieldset = page.get_by_role("group", name=legend, exact=True)
    fieldset.get_by_label("Day").fill(str(day.day))
    fieldset.get_by_label("Month").fill(str(day.month))
    fieldset.get_by_label("Year").fill(str(day.year))


def fill_session(page, title: str, *, start: str, end: str) -> None:
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Theme", exact=True).fill("Roles and trust")
    fill_date(page, "Date", DAY)
    page.get_by_label("Start time").fill(start)
    page.get_by_label("End time").fill(end)
    page.get_by_label("Venue").fill(VENUE)
    page.get_by_label("The session is off-site").check()
    page.get_by_role("group", name="Who is it for?").get_by_label(
        "Members and Officers", exact=True
    ).check()


def create_session(page, title: str) -> str:
    """Create a session from 10:00 to 12:00 answering CR d; return its path."""
    go_to_sessions(page)
    page.get_by_role("link", name="Create a session").click()
    fill_session(page, title, start="10:00", end="12:00")
    page.get_by_role("checkbox", name=re.compile(r"^CR d:")).check()
    page.get_by_role("button", name="Create the session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return path_of(page)


def add_item(page, heading: str, minutes: str, *, check: bool = True) -> None:
    """From the session page, add an item to the agenda."""
    page.get_by_role("link", name="Add an item").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an agenda item")
    page.get_by_label("Title", exact=True).fill(heading)
    page.get_by_label("Duration in minutes").fill(minutes)
    page.get_by_label("Description").fill(f"What “{heading}” is about.")
    page.get_by_role("checkbox", name=re.compile(r"^CR d:")).check()
    page.get_by_role("button", name="Add the item").click()
    if check:
        expect(page.get_by_text("The item is added to the agenda.")).to_be_visible()
        expect(page.locator(".app-agenda__item h3 a").last).to_have_text(heading)


def agenda(page):
    return page.locator(".app-agenda__item")


def times(page):
    return agenda(page).locator("p.app-meta strong")


def publish(page) -> None:
    page.get_by_role("button", name="Publish the agenda").click()
    expect(page.get_by_text("The agenda is published.")).to_be_visible()
    expect(page.get_by_role("button", name="Publish the agenda")).to_have_count(0)


def proposal(page, title: str):
    return page.locator("li.app-discussion-summary", has_text=title)


def test_a_facilitator_creates_a_session_and_builds_its_agenda(page):
    sign_in(page, FACILITATOR)
    go_to_sessions(page)
    page.get_by_role("link", name="Create a session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a session")
    title = unique("Trust between Members and Officers")

    # The end before the start: the error summary takes focus; what was typed stays.
    fill_session(page, title, start="12:00", end="10:00")
    count = page.locator("[data-app-filter-count]")
    page.get_by_label("Find a recommendation").fill("CR d")
    expect(count).to_have_text(re.compile(r"^\d+ of \d+ shown$"))
    shown, total = (int(n) for n in re.findall(r"\d+", count.inner_text()))
    assert 0 < shown < total
    expect(page.get_by_role("checkbox", name=re.compile(r"^CPC a:"))).to_be_hidden()
    cr_d = page.get_by_role("checkbox", name=re.compile(r"^CR d:"))
    cr_d.check()
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Create the session").click()
    assert posted.value.status == 422
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The session must end after it starts.")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#end")
    expect(page).to_have_title(re.compile(r"^Error: Create a session"))
    expect(page.get_by_label("Title", exact=True)).to_have_value(title)
    expect(page.get_by_label("Start time")).to_have_value("12:00")
    expect(page.get_by_label("End time")).to_have_value("10:00")
    expect(page.get_by_label("Venue")).to_have_value(VENUE)
    expect(page.get_by_label("The session is off-site")).to_be_checked()
    expect(page.get_by_role("checkbox", name=re.compile(r"^CR d:"))).to_be_checked()
    assert_accessible(page)

    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("End time").fill("12:00")
    page.get_by_role("button", name="Create the session").click()
    expect(page).to_have_url(re.compile(r"/sessions/\d+$"))
    session = path_of(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(
        page.get_by_text("The session is created. Add its agenda items, then publish the agenda.")
    ).to_be_visible()
    details = page.locator(".govuk-summary-list")
    expect(details).to_contain_text(f"{VENUE} (off-site)")
    expect(details).to_contain_text("Members and Officers")
    expect(details).to_contain_text("Draft")
    expect(page.get_by_text("The agenda has no items yet.")).to_be_visible()
    expect(page.get_by_role("list", name="Recommendations this session answers")).to_contain_text(
        "CR d"
    )
    assert_accessible(page)

    # A zero duration is refused, with the message by the field.
    page.get_by_role("link", name="Add an item").click()
    page.get_by_label("Title", exact=True).fill("Welcome and introductions")
    page.get_by_label("Duration in minutes").fill("0")
    page.get_by_label("Description").fill("Who is in the room.")
    page.get_by_role("checkbox", name=re.compile(r"^CR d:")).check()
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Add the item").click()
    assert posted.value.status == 422
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The duration must be from 1 to 1,440 minutes")
    expect(page.locator("#duration_minutes-error")).to_contain_text(
        "The duration must be from 1 to 1,440 minutes"
    )
    expect(page.get_by_label("Title", exact=True)).to_have_value("Welcome and introductions")
    assert_accessible(page)
    page.get_by_label("Duration in minutes").fill("30")
    page.get_by_role("button", name="Add the item").click()
    expect(page).to_have_url(at(session))
    expect(page.get_by_text("The item is added to the agenda.")).to_be_visible()

    add_item(page, "Workshop: who does what", "45")
    add_item(page, "Discussion: saying no well", "60")
    expect(agenda(page).locator("h3 a")).to_have_text(
        ["Welcome and introductions", "Workshop: who does what", "Discussion: saying no well"]
    )
    expect(times(page)).to_have_text(["10:00–10:30", "10:30–11:15", "11:15–12:15"])
    warning = page.locator(".govuk-warning-text")
    expect(warning).to_contain_text("The items run 15 minutes past the session's end")
    expect(page.get_by_text("The agenda ends at 12:15; the session ends at 12:00.")).to_be_visible()

    # Move the last item up, and up again: it becomes item 1 and the times follow.
    third = agenda(page).nth(2)
    third.get_by_role("button", name=re.compile("^Move up")).click()
    expect(page.get_by_text("“Discussion: saying no well” is now item 2.")).to_be_visible()
    expect(times(page)).to_have_text(["10:00–10:30", "10:30–11:30", "11:30–12:15"])
    agenda(page).nth(1).get_by_role("button", name=re.compile("^Move up")).click()
    expect(page.get_by_text("“Discussion: saying no well” is now item 1.")).to_be_visible()
    order = ["Discussion: saying no well", "Welcome and introductions", "Workshop: who does what"]
    expect(agenda(page).locator("h3 a")).to_have_text(order)
    expect(agenda(page).locator(".app-clause__number")).to_have_text(["1", "2", "3"])
    expect(times(page)).to_have_text(["10:00–11:00", "11:00–11:30", "11:30–12:15"])
    expect(agenda(page).first.get_by_role("button", name=re.compile("^Move up"))).to_have_count(0)

    # A position that does not exist: the message is next to the field, nothing moves.
    last = agenda(page).nth(2)
    last.get_by_label("Move to position").fill("9")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        last.get_by_role("button", name="Move Workshop: who does what").click()
    assert posted.value.status == 422
    last = agenda(page).nth(2)
    error = last.locator(".govuk-error-message")
    expect(error).to_have_text("Error: Choose a position from 1 to 3.")
    field = last.get_by_label("Move to position")
    expect(field).to_have_class(re.compile(r"\bgovuk-input--error\b"))
    expect(field).to_have_attribute("aria-describedby", error.get_attribute("id"))
    expect(agenda(page).locator("h3 a")).to_have_text(order)
    expect(times(page)).to_have_text(["10:00–11:00", "11:00–11:30", "11:30–12:15"])
    assert_accessible(page)

    page.goto(session)
    publish(page)
    expect(page.locator(".govuk-summary-list")).to_contain_text("Open for comment")
    expect(agenda(page).locator("h3 a")).to_have_text(order)


def test_a_member_proposes_items_and_attends_and_a_facilitator_decides(page, browser, live_server):
    facilitator = page
    sign_in(facilitator, FACILITATOR)
    title = unique("Working together on budgets")
    session = create_session(facilitator, title)
    add_item(facilitator, "Welcome", "15")
    publish(facilitator)

    first, second = unique("Ward casework"), unique("Reports in plain English")
    with another_person(browser, live_server, MEMBER) as member:
        go_to_sessions(member)
        upcoming = member.locator("h2:has-text('Upcoming') + ul")
        upcoming.get_by_role("link", name=title, exact=True).click()
        expect(member).to_have_url(at(session))
        expect(member.get_by_role("button", name="Publish the agenda")).to_have_count(0)
        expect(member.get_by_role("link", name="Add an item")).to_have_count(0)

        member.get_by_role("link", name="Propose an item").click()
        expect(member.get_by_role("heading", level=1)).to_have_text("Propose an agenda item")
        with member.expect_response(lambda r: r.request.method == "POST") as posted:
            member.get_by_role("button", name="Propose the item").click()
        assert posted.value.status == 422
        summary = member.locator(".govuk-error-summary")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text("Enter a title for the item")
        expect(summary).to_contain_text("Enter the duration in minutes, for example 30")
        expect(summary).to_contain_text("Say what the item is about")
        assert_accessible(member)

        member.get_by_label("Title", exact=True).fill(first)
        member.get_by_label("Duration in minutes").fill("20")
        member.get_by_label("What should be discussed, and why?").fill(
            "How Officers keep ward Members informed about casework."
        )
        member.get_by_role("button", name="Propose the item").click()
        expect(member).to_have_url(at(session))
        expect(
            member.get_by_text("Your item is proposed. A facilitator will accept or decline it.")
        ).to_be_visible()
        expect(proposal(member, first).locator(".govuk-tag")).to_have_text("Proposed")
        expect(proposal(member, first)).to_contain_text("20 minutes")

        member.get_by_role("link", name="Propose an item").click()
        member.get_by_label("Title", exact=True).fill(second)
        member.get_by_label("Duration in minutes").fill("10")
        member.get_by_label("What should be discussed, and why?").fill("Shorter reports.")
        member.get_by_role("button", name="Propose the item").click()
        expect(proposal(member, second).locator(".govuk-tag")).to_have_text("Proposed")

        will_attend = member.get_by_role("group", name="Will you attend?")
        will_attend.get_by_label("Attending", exact=True).check()
        member.get_by_role("button", name="Save my answer").click()
        expect(member.get_by_text("Your answer is saved: Attending.")).to_be_visible()
        expect(member.get_by_text("Your answer: Attending")).to_be_visible()
        expect(will_attend.get_by_label("Attending", exact=True)).to_be_checked()
        # The counts are for facilitators.
        expect(member.get_by_role("table")).to_have_count(0)
        assert_accessible(member)

        facilitator.goto(session)
        row = facilitator.get_by_role("row").filter(
            has=facilitator.get_by_role("rowheader", name="Members", exact=True)
        )
        expect(row.locator("td")).to_have_text(["1", "0", "0"])

        facilitator.get_by_role("button", name=f"Accept {first}").click()
        expect(facilitator.get_by_text(f"“{first}” is added to the agenda.")).to_be_visible()
        expect(agenda(facilitator).locator("h3 a")).to_have_text(["Welcome", first])
        expect(times(facilitator)).to_have_text(["10:00–10:15", "10:15–10:35"])
        expect(agenda(facilitator).nth(1)).to_contain_text("led by")
        expect(proposal(facilitator, first).locator(".govuk-tag")).to_have_text("Accepted")

        facilitator.get_by_role("link", name=f"Decline {second}").click()
        expect(facilitator.get_by_role("heading", level=1)).to_have_text(f"Decline “{second}”")
        reason = "The Standards Committee covers reports next month."
        facilitator.get_by_label("Why is the item declined?").fill(reason)
        facilitator.get_by_role("button", name="Decline the item").click()
        expect(facilitator).to_have_url(at(session))
        expect(facilitator.get_by_text(f"“{second}” is declined.")).to_be_visible()
        expect(proposal(facilitator, second).locator(".govuk-tag")).to_have_text("Declined")
        expect(proposal(facilitator, second)).to_contain_text(f"Declined: {reason}")
        expect(agenda(facilitator).locator("h3 a")).to_have_text(["Welcome", first])

        member.reload()
        expect(proposal(member, first).locator(".govuk-tag")).to_have_text("Accepted")
        expect(proposal(member, second).locator(".govuk-tag")).to_have_text("Declined")
        expect(proposal(member, second)).to_contain_text(reason)
        expect(agenda(member).locator("h3 a")).to_have_text(["Welcome", first])
        expect(member.get_by_role("button", name=re.compile("^Accept"))).to_have_count(0)


def test_an_outcome_and_its_actions_without_javascript(
    page_without_javascript, browser, live_server
):
    page = page_without_javascript
    sign_in(page, FACILITATOR)
    title = unique("After the session")
    session = create_session(page, title)
    heading = "Decision: a shared casework protocol"
    add_item(page, heading, "30")

    page.get_by_role("link", name=f"Outcome and actions for {heading}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    outcome_page = path_of(page)
    outcome = "Agreed to draft a casework clause."
    page.get_by_label("Outcome").fill(outcome)
    page.get_by_role("button", name="Save the outcome").click()
    expect(page.get_by_text("The outcome is saved.")).to_be_visible()
    expect(page.get_by_label("Outcome")).to_have_value(outcome)

    what = unique("Draft the casework clause")
    due = DAY + timedelta(days=14)
    page.get_by_label("Action", exact=True).fill(what)
    page.get_by_label("Who", exact=True).fill("Monitoring Officer")
    fill_date(page, "By when (optional)", due)
    page.get_by_role("button", name="Add the action").click()
    expect(page.get_by_text("The action is added.")).to_be_visible()
    due_text = f"{due.day} {due:%B %Y}"
    expect(page.locator("main li", has_text=what)).to_have_text(
        f"{what} — Monitoring Officer, by {due_text}"
    )

    page.goto(session)
    expect(agenda(page).first.locator(".govuk-inset-text")).to_have_text(f"Outcome: {outcome}")
    actions = page.locator("h2#actions + ul")
    expect(actions.locator("li", has_text=what).locator(".govuk-tag")).to_have_text("Open")
    expect(actions).to_contain_text(f"Monitoring Officer, by {due_text}")

    go_to_sessions(page)
    page.get_by_role("link", name="Open actions from sessions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open actions from sessions")
    row = page.get_by_role("row").filter(has_text=what)
    expect(row).to_contain_text("Monitoring Officer")
    expect(row).to_contain_text(due_text)
    expect(row.get_by_role("link", name=title)).to_have_attribute("href", session)

    # axe needs JavaScript (it never answers in a page without it), so a facilitator's browser
    # that runs JavaScript checks the same pages.
    with another_person(browser, live_server, FACILITATOR) as checker:
        checker.goto(outcome_page)
        expect(checker.locator("main li", has_text=what)).to_be_visible()
        assert_accessible(checker)
        checker.goto("/actions")
        expect(checker.get_by_role("row").filter(has_text=what)).to_have_count(1)
        assert_accessible(checker)

        # Two facilitators write the outcome from the same page: the later save is refused
        # with the outcome saved meanwhile shown, and theirs kept in the box to save again.
        checker.goto(outcome_page)
        page.goto(outcome_page)
        mine, theirs = "Agreed to draft it by April.", "Agreed, with a review in March."
        page.get_by_label("Outcome").fill(mine)
        page.get_by_role("button", name="Save the outcome").click()
        expect(page.get_by_text("The outcome is saved.")).to_be_visible()
        checker.get_by_label("Outcome").fill(theirs)
        checker.get_by_role("button", name="Save the outcome").click()
        expect(checker).to_have_title(re.compile(r"^Error: Outcome of"))
        expect(checker.locator("#shown-changed")).to_contain_text("yours was not saved")
        expect(checker.locator(".govuk-inset-text")).to_contain_text(mine)
        expect(checker.get_by_label("Outcome")).to_have_value(theirs)
        assert_accessible(checker)
        checker.get_by_role("button", name="Save the outcome").click()
        expect(checker.get_by_text("The outcome is saved.")).to_be_visible()
        expect(checker.get_by_label("Outcome")).to_have_value(theirs)

    page.goto("/actions")
    row = page.get_by_role("row").filter(has_text=what)
    row.get_by_role("button", name=re.compile(r"^Mark as done\b")).click()
    expect(page).to_have_url(re.compile(r"/actions$"))
    expect(page.get_by_text("The action is marked as done.")).to_be_visible()
    expect(page.get_by_text(what)).to_have_count(0)

    page.goto(session)
    expect(actions.locator("li", has_text=what).locator(".govuk-tag")).to_have_text("Done")
    expect(actions.get_by_role("button", name=re.compile("Mark as done"))).to_have_count(0)

    # Making it a clause: the form offers the Accord and the Protocol, and asks for one. (No
    # clause is added: other journeys count the clauses of both documents.)
    page.get_by_role("link", name=f"Outcome and actions for {heading}").click()
    expect(page.locator("main li", has_text=what)).to_contain_text("(done)")
    options = page.get_by_label("Which document").locator("option").all_inner_texts()
    assert "Ways of Working Accord" in options and "Member/Officer Protocol" in options
    assert not any(option.startswith("Agenda:") for option in options)
    page.get_by_label("Heading of the new clause").fill("Casework")
    page.get_by_label("Text of the new clause").fill("Officers reply to ward casework in 10 days.")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Add the clause").click()
    assert posted.value.status == 422
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Choose the Accord or the Protocol"
    )
    expect(page.get_by_label("Heading of the new clause")).to_have_value("Casework")
    expect(page.get_by_label("Text of the new clause")).to_have_value(
        "Officers reply to ward casework in 10 days."
    )
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_label("Outcome")).to_have_value(theirs)


def test_a_session_goes_into_a_calendar(page, tmp_path: Path):
    sign_in(page, FACILITATOR)
    title = unique("Calendar check")
    session = create_session(page, title)
    session_id = int(session.rsplit("/", 1)[1])
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to your calendar (.ics)").click()
    assert download.value.suggested_filename == f"session-{session_id}.ics"
    saved = tmp_path / "session.ics"
    download.value.save_as(saved)

    calendar = Calendar.from_ical(saved.read_bytes())
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert str(event["SUMMARY"]) == title
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    starts, ends = event.decoded("DTSTART"), event.decoded("DTEND")
    assert (starts.date(), starts.hour, starts.minute) == (DAY, 10, 0)
    assert (ends.hour, ends.minute) == (12, 0)
    assert "Europe/London" in str(starts.tzinfo)
    assert str(event["LOCATION"]) == f"{VENUE} (off-site)"
    assert str(event["UID"]) == f"session-{session_id}@accord"
    assert event["DTEND"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTAMP").utcoffset() == timedelta(0)  # RFC 5545: DTSTAMP in UTC
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]

    # The feed of every session includes it too.
    feed = page.request.get("/sessions/calendar.ics")
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    titles = [str(e["SUMMARY"]) for e in Calendar.from_ical(feed.body()).walk("VEVENT")]
    assert title in titles


def test_a_session_form_sent_twice_makes_one_session(page):
    """A double click on "Create the session" (a plain form, with or without JavaScript) sends
    the form twice, and the browser shows the second answer: it goes to the one session made,
    saying the form was already sent."""
    sign_in(page, FACILITATOR)
    title = unique("Sent twice")
    go_to_sessions(page)
    page.get_by_role("link", name="Create a session").click()
    fill_session(page, title, start="14:00", end="15:00")
    page.get_by_role("checkbox", name=re.compile(r"^CR d:")).check()

    def sent_twice(route):
        if route.request.method != "POST":
            route.continue_()
            return
        route.fetch(max_redirects=0)  # the first answer, lost as the second click goes
        route.fulfill(response=route.fetch(max_redirects=0))

    page.route(re.compile(r"/sessions/new$"), sent_twice)
    page.get_by_role("button", name="Create the session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "This form was already sent, and the session it added is kept"
    )
    assert_accessible(page)
    page.unroute(re.compile(r"/sessions/new$"))
    go_to_sessions(page)
    expect(page.get_by_role("link", name=title)).to_have_count(1)
