"""A document's life in the browser: versions, closing, submitting, the Standards Committee's
review and decision, adoption by Full Council and the audit trail.

The live server's database is shared by every browser test of the session. The discussion
journeys use the Accord and the voting journeys the Member/Officer Protocol; this journey takes
the third demo document, the themed session's agenda, from Open for comment to Adopted. Its
states follow each other, so it is one test in ordered steps.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from app.services import lifecycle
from tests.browser.conftest import (
    another_person,
    assert_accessible,
    horizontal_overflow,
    new_page,
    path_of,
    sign_in,
    unique,
)

AGENDA = "/documents/themed-session-trust-and-roles"
TITLE = "Themed joint session: Roles and trust"
ITEM = 2  # "Workshop: who does what"
# The committee meets on or after the submission and Full Council on or after the committee:
# the journey submits today, so both meet today.
TODAY = lifecycle.council_today()
TODAY_FIELDS = (str(TODAY.day), str(TODAY.month), str(TODAY.year))
TODAY_TEXT = f"{TODAY:%-d %B %Y}"
ITEM_HEADING = "Workshop: who does what"
OLD_WORDS = "mixed tables of Members and Officers"
NEW_WORDS = "mixed tables of Members and senior Officers"


def at(path: str, fragment: str = "") -> re.Pattern:
    """The page's URL is ``path`` (with the fragment, if given), and no query."""
    return re.compile(re.escape(path) + (re.escape(fragment) if fragment else r"(#.*)?") + "$")


def status_tag(page):
    return page.locator("main .govuk-tag").first


def fill_date(page, legend: str, day: str, month: str, year: str) -> None:
    fieldset = page.get_by_role("group", name=legend)
    fieldset.get_by_label("Day").fill(day)
    fieldset.get_by_label("Month").fill(month)
    fieldset.get_by_label("Year").fill(year)


def publish(page, note: str) -> str:
    """Publish a version from the versions page; return its content hash (on its own page)."""
    page.get_by_label("Note (optional)").fill(note)
    page.get_by_role("button", name="Publish a new version").click()
    expect(page).to_have_url(re.compile(re.escape(AGENDA) + r"/versions/\d+$"))
    return page.locator(".app-hash").inner_text().strip()


def test_versions_submission_review_decision_adoption_and_audit(
    page, page_without_javascript, browser, live_server
):
    # 1. The facilitator publishes version 1, edits an item, publishes version 2, compares them.
    facilitator = page
    sign_in(facilitator, "facilitator@example.org")
    facilitator.goto(AGENDA)
    expect(facilitator.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(status_tag(facilitator)).to_have_text("Open for comment")
    expect(facilitator.get_by_role("link", name="Standards Committee review")).to_have_count(0)

    facilitator.get_by_role("link", name="Versions and history").click()
    expect(facilitator).to_have_url(at(f"{AGENDA}/versions"))
    expect(facilitator.get_by_role("heading", level=1)).to_have_text("Versions and history")
    expect(facilitator.get_by_text("No version has been published yet.")).to_be_visible()
    assert_accessible(facilitator)

    first_note = unique("Before the themed session")
    first_hash = publish(facilitator, first_note)
    expect(facilitator).to_have_url(at(f"{AGENDA}/versions/1"))
    expect(facilitator.get_by_text("Version 1 is published and frozen.")).to_be_visible()
    expect(facilitator.get_by_role("heading", level=1)).to_have_text("Version 1")
    assert re.fullmatch(r"[0-9a-f]{64}", first_hash), first_hash
    expect(facilitator.locator(".govuk-summary-list")).to_contain_text(first_note)
    expect(facilitator.locator(f"#clause-{ITEM}")).to_contain_text(OLD_WORDS)
    assert_accessible(facilitator)

    # An item is edited directly, so the working text differs from version 1.
    facilitator.goto(f"{AGENDA}/clauses/{ITEM}")
    expect(facilitator.get_by_role("heading", level=1)).to_have_text(ITEM_HEADING)
    facilitator.get_by_role("link", name="Edit the wording").click()
    body = facilitator.get_by_label("Text", exact=True)
    current = body.input_value()
    assert OLD_WORDS in current, f"item {ITEM} no longer says {OLD_WORDS!r}"
    body.fill(current.replace(OLD_WORDS, NEW_WORDS, 1))
    facilitator.get_by_label("What changed and why").fill("Senior Officers attend")
    facilitator.get_by_role("button", name="Save the new wording").click()
    expect(facilitator).to_have_url(at(f"{AGENDA}/clauses/{ITEM}"))
    expect(facilitator.locator(".app-clause")).to_contain_text(NEW_WORDS)

    facilitator.goto(f"{AGENDA}/versions")
    second_note = unique("After the workshop")
    second_hash = publish(facilitator, second_note)
    expect(facilitator).to_have_url(at(f"{AGENDA}/versions/2"))
    expect(facilitator.get_by_text("Version 2 is published and frozen.")).to_be_visible()
    assert second_hash != first_hash
    expect(facilitator.locator(f"#clause-{ITEM}")).to_contain_text(NEW_WORDS)

    facilitator.get_by_role("link", name="All versions").click()
    table = facilitator.locator("table", has_text="Published versions")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").first).to_contain_text(second_note)
    facilitator.get_by_role("link", name="With version 1").click()
    expect(facilitator).to_have_url(re.compile(re.escape(f"{AGENDA}/compare?") + r".*from=1"))
    expect(facilitator.get_by_role("heading", level=1)).to_have_text("Compare versions")
    expect(
        facilitator.get_by_role("heading", level=2, name="From version 1 to version 2")
    ).to_be_visible()
    expect(facilitator.locator("#comparison-summary")).to_have_text(
        "0 items added, 0 removed, 0 moved and 1 changed."
    )
    changes = facilitator.locator(".app-change")
    expect(changes).to_have_count(1)
    expect(changes.first.get_by_role("heading", level=3)).to_have_text(f"Changed Item {ITEM}")
    expect(changes.first.locator("ins.app-ins")).to_have_text("inserted: senior")
    expect(changes.first.locator("del.app-del")).to_have_count(0)
    expect(facilitator.get_by_label("From")).to_have_value("1")
    expect(facilitator.get_by_label("To")).to_have_value("2")
    assert_accessible(facilitator)

    # 2. The facilitator closes the document, then submits version 2 to the committee.
    facilitator.goto(AGENDA)
    facilitator.get_by_role("link", name="Close the document").click()
    expect(facilitator).to_have_url(at(f"{AGENDA}/state/close"))
    expect(facilitator.get_by_role("heading", level=1)).to_have_text("Close")
    expect(facilitator.locator("main")).to_contain_text("It will be closed.")
    assert_accessible(facilitator)
    close_note = unique("The themed session has taken place")
    facilitator.get_by_label("Note").fill(close_note)
    facilitator.get_by_role("button", name="Close", exact=True).click()
    expect(facilitator).to_have_url(at(AGENDA))
    expect(facilitator.get_by_text("The agenda is now Closed.")).to_be_visible()
    expect(status_tag(facilitator)).to_have_text("Closed")

    facilitator.get_by_role("link", name="Submit to the Standards Committee").click()
    expect(facilitator).to_have_url(at(f"{AGENDA}/state/submit"))
    expect(facilitator.get_by_role("heading", level=1)).to_have_text(
        "Submit to the Standards Committee"
    )
    assert_accessible(facilitator)
    choice = facilitator.get_by_label("Version to submit")
    expect(choice.locator("option")).to_have_count(2)
    version_two = choice.locator("option", has_text="Version 2,")
    choice.select_option(version_two.get_attribute("value"))
    submit_note = unique("For the committee's meeting")
    facilitator.get_by_label("Note").fill(submit_note)
    facilitator.get_by_role("button", name="Submit to the Standards Committee").click()
    expect(facilitator).to_have_url(at(AGENDA))
    expect(
        facilitator.get_by_text("The agenda is now Submitted to Standards Committee.")
    ).to_be_visible()
    expect(status_tag(facilitator)).to_have_text("Submitted to Standards Committee")
    expect(facilitator.get_by_role("link", name="Submit to the Standards Committee")).to_have_count(
        0
    )

    facilitator.get_by_role("link", name="Versions and history").click()
    changes_list = facilitator.locator("main ul.govuk-list").last
    expect(changes_list.locator("li").nth(0)).to_contain_text(
        "Closed → Submitted to Standards Committee"
    )
    expect(changes_list.locator("li").nth(0)).to_contain_text("(version 2)")
    expect(changes_list.locator("li").nth(0)).to_contain_text(submit_note)
    expect(changes_list.locator("li").nth(1)).to_contain_text(close_note)
    # Submitted: no more versions.
    expect(facilitator.get_by_role("button", name="Publish a new version")).to_have_count(0)

    # 3. The Standards Committee reviews version 2: a short summary, then each section on its
    # own page; it adds a note and records its decision after checking its answers.
    note = unique("Ask whether the Leader will attend the workshop")
    with another_person(browser, live_server, "standards@example.org", width=1280) as standards:
        standards.goto(AGENDA)
        standards.get_by_role("link", name="Standards Committee review").click()
        review = f"{AGENDA}/review"
        expect(standards).to_have_url(at(review))
        expect(standards.get_by_role("heading", level=1)).to_have_text(f"{TITLE}, version 2")
        summary_list = standards.locator("#review-summary")
        expect(summary_list).to_contain_text("Submitted to Standards Committee")
        expect(standards.locator(".app-hash").first).to_have_text(second_hash)
        expect(standards.locator("#summary-clauses")).to_contain_text("0 agreed, 0 not agreed")
        expect(standards.locator("#summary-unanswered")).to_contain_text("Culture Review 2019:")
        expect(standards.locator("#summary-unanswered")).to_contain_text(
            "Corporate Peer Challenge 2019:"
        )
        # The summary page is short: the decision is one click away, not at the end.
        height = standards.evaluate("document.documentElement.scrollHeight")
        assert height < 2500, f"the summary is {height}px long"
        assert_accessible(standards)
        standards.set_viewport_size({"width": 320, "height": 900})
        assert horizontal_overflow(standards) <= 0
        assert_accessible(standards)
        standards.set_viewport_size({"width": 1280, "height": 900})

        contents = standards.get_by_role("navigation", name="Sections of the review")
        contents.get_by_role("link", name="What changed").click()
        expect(standards).to_have_url(at(f"{review}/changes"))
        expect(standards.locator("#changes-against")).to_have_text(
            "Against the previous version, version 1."
        )
        expect(standards.locator("#comparison-summary")).to_have_text(
            "0 items added, 0 removed, 0 moved and 1 changed."
        )
        expect(standards.locator(".app-change ins.app-ins")).to_have_text("inserted: senior")

        contents.get_by_role("link", name="Recommendation coverage").click()
        coverage = standards.get_by_role(
            "region", name="Culture Review 2019 recommendation coverage"
        )
        not_answered = coverage.locator(".govuk-tag", has_text="Not answered")
        expect(not_answered.first).to_be_visible()
        answered_row = coverage.locator("tbody tr").filter(
            has=standards.locator("th", has_text=re.compile(r"^CR g\b"))
        )
        expect(answered_row.locator("td")).to_contain_text(f"Item {ITEM}")
        expect(answered_row.locator(".govuk-tag")).to_have_count(0)
        expect(
            standards.get_by_role(
                "region", name="Corporate Peer Challenge 2019 recommendation coverage"
            )
        ).to_be_visible()

        contents.get_by_role("link", name="Voting record").click()
        votes = standards.get_by_role("region", name="Voting record")
        expect(votes.locator("tbody th").first).to_have_text("1. Welcome and purpose")
        row = votes.locator("tbody tr").filter(has_text=f"{ITEM}. {ITEM_HEADING}")
        expect(row.locator("td")).to_have_text("Not voted on")

        for name, text in (
            ("Members by Group", "voting has not closed on anything"),
            ("Declarations of interest", "No one declared an interest."),
            ("Votes set aside", "No vote was set aside."),
            ("Decisions taken against the vote", "None recorded"),
        ):
            contents.get_by_role("link", name=name).click()
            expect(standards.get_by_role("heading", level=1)).to_have_text(name)
            expect(standards.locator("main")).to_contain_text(text)
            assert_accessible(standards)

        contents.get_by_role("link", name="The full text").click()
        expect(standards.locator(f"#text-clause-{ITEM}")).to_contain_text(NEW_WORDS)
        assert_accessible(standards)
        standards.set_viewport_size({"width": 320, "height": 900})
        assert horizontal_overflow(standards) <= 0
        assert_accessible(standards)
        standards.set_viewport_size({"width": 1280, "height": 900})

        contents.get_by_role("link", name="Review notes").click()
        expect(standards.locator("#no-notes")).to_have_text("No notes yet.")
        standards.get_by_label("What it is about").select_option(
            label=f"Item {ITEM}: {ITEM_HEADING}"
        )
        standards.get_by_label("Your note").fill(note)
        standards.get_by_role("button", name="Add note").click()
        expect(standards).to_have_url(at(f"{review}/notes"))
        expect(standards.get_by_text("Your note is added.")).to_be_visible()
        added = standards.locator(".app-note").filter(has_text=note)
        expect(added).to_have_count(1)
        expect(added).to_contain_text("David Ellison, ")
        expect(added).to_contain_text(f"on item {ITEM}")

        # The same review without JavaScript: the summary, a section and the decision form.
        nojs = page_without_javascript
        sign_in(nojs, "standards@example.org")
        nojs.goto(review)
        expect(nojs.get_by_role("heading", level=1)).to_have_text(f"{TITLE}, version 2")
        expect(nojs.locator(".app-hash").first).to_have_text(second_hash)
        nojs.get_by_role("navigation", name="Sections of the review").get_by_role(
            "link", name="Voting record"
        ).click()
        expect(nojs).to_have_url(at(f"{review}/votes"))
        nojs.get_by_role("link", name="Record the committee's decision").click()
        expect(nojs).to_have_url(at(f"{review}/decision"))
        nojs.get_by_text("Recommend it to Full Council", exact=True).click()
        expect(nojs.get_by_role("radio", name="Recommend it to Full Council")).to_be_checked()
        nojs.get_by_text("Refer it back", exact=True).click()
        expect(nojs.get_by_role("radio", name="Refer it back")).to_be_checked()
        nojs.get_by_role("button", name="Continue").click()
        expect(nojs.locator(".govuk-error-summary li")).to_have_count(3)

        # Every error at once: a referral without reasons, a meeting tomorrow, no minute.
        standards.get_by_role("link", name="Record the committee's decision").click()
        expect(standards).to_have_url(at(f"{review}/decision"))
        standards.get_by_role("radio", name="Refer it back").check()
        tomorrow = date.today() + timedelta(days=2)
        fill_date(
            standards,
            "Date of the meeting",
            str(tomorrow.day),
            str(tomorrow.month),
            str(tomorrow.year),
        )
        with standards.expect_navigation() as refused:
            standards.get_by_role("button", name="Continue").click()
        assert refused.value.status == 422
        expect(standards).to_have_title(re.compile(r"^Error: Record the committee"))
        error_summary = standards.locator(".govuk-error-summary")
        expect(error_summary).to_be_focused()
        expect(error_summary).to_contain_text("Give the reasons for referring the document back")
        expect(error_summary).to_contain_text("must be today or in the past")
        expect(error_summary).to_contain_text("Enter the minute reference")
        expect(standards.get_by_role("radio", name="Refer it back")).to_be_checked()
        assert_accessible(standards)
        standards.set_viewport_size({"width": 320, "height": 900})
        assert horizontal_overflow(standards) <= 0
        assert_accessible(standards)
        standards.set_viewport_size({"width": 1280, "height": 900})

        standards.get_by_role("radio", name="Recommend it to Full Council").check()
        fill_date(standards, "Date of the meeting", *TODAY_FIELDS)
        standards.get_by_label("Minute reference").fill("SC 12/19")
        standards.get_by_role("button", name="Continue").click()
        expect(standards).to_have_url(at(f"{review}/decision/check"))
        answers = standards.locator("#decision-answers")
        expect(answers).to_contain_text("Recommended to Full Council")
        expect(answers).to_contain_text(TODAY_TEXT)
        expect(answers).to_contain_text("SC 12/19")
        assert_accessible(standards)
        standards.get_by_role("button", name="Record the decision").click()
        expect(standards).to_have_url(at(f"{review}/decision/recorded"))
        expect(standards.locator(".govuk-panel--confirmation")).to_contain_text("Decision recorded")
        expect(standards.locator(".govuk-panel__body")).to_contain_text("SC 12/19")
        assert_accessible(standards)
        standards.get_by_role("link", name="Go to the agenda").click()
        expect(status_tag(standards)).to_have_text("Recommended to Full Council")
        expect(standards.get_by_role("link", name="Mark as adopted by Full Council")).to_have_count(
            0
        )

    # 4. The facilitator sees the committee's note and the decision, but cannot add notes or
    # decide.
    facilitator.goto(f"{AGENDA}/review/notes")
    expect(facilitator.locator(".app-note").filter(has_text=note)).to_contain_text(
        f"on item {ITEM}"
    )
    expect(facilitator.get_by_role("button", name="Add note")).to_have_count(0)
    expect(facilitator.get_by_role("link", name="Record the committee's decision")).to_have_count(0)
    facilitator.goto(f"{AGENDA}/review")
    expect(facilitator.locator("#review-summary")).to_contain_text(
        f"Recommended to Full Council at the meeting of {TODAY_TEXT}, minute SC 12/19"
    )

    # 5. An administrator marks it adopted (the minute reference too), then reads the audit
    # trail; the adopted text is public.
    with another_person(browser, live_server, "admin@example.org") as admin:
        admin.goto(AGENDA)
        expect(status_tag(admin)).to_have_text("Recommended to Full Council")
        admin.get_by_role("link", name="Mark as adopted by Full Council").click()
        expect(admin.get_by_role("heading", level=1)).to_have_text(
            "Mark as adopted by Full Council"
        )
        fill_date(admin, "Date of the Full Council meeting", *TODAY_FIELDS)
        admin.get_by_label("Full Council minute reference").fill("FC 34/19")
        admin.get_by_role("button", name="Mark as adopted").click()
        expect(admin).to_have_url(at(AGENDA))
        expect(
            admin.get_by_text("The agenda is marked as adopted by Full Council.")
        ).to_be_visible()
        expect(status_tag(admin)).to_have_text("Adopted")
        expect(
            admin.get_by_text(f"Adopted by Full Council on {TODAY_TEXT} (minute FC 34/19)")
        ).to_be_visible()
        expect(admin.get_by_role("link", name="Mark as adopted by Full Council")).to_have_count(0)

        admin.get_by_role("navigation", name="Menu").get_by_role("link", name="Audit trail").click()
        expect(admin).to_have_url(at("/audit"))
        expect(admin.get_by_role("heading", level=1)).to_have_text("Audit trail")
        current = admin.get_by_role("navigation", name="Menu").locator('[aria-current="page"]')
        expect(current).to_have_text("Audit trail")
        events = admin.get_by_role("region", name="Audit events")
        expect(events.locator("tbody tr").first).to_contain_text("Document moved to a new stage")
        expect(events.locator("tbody tr").first).to_contain_text(
            f"{TITLE}: Recommended to Full Council → Adopted"
        )
        assert_accessible(admin)

        admin.get_by_label("Document").select_option(label=TITLE)
        admin.get_by_role("button", name="Filter").click()
        expect(admin).to_have_url(re.compile(r"/audit\?.*document=\d+"))
        rows = events.locator("tbody tr")
        # Each action in plain words (app/audit_words.py), never its code.
        expect(rows.filter(has_text="Document moved to a new stage")).to_have_count(4)
        expect(rows.filter(has_text="Version published")).to_have_count(2)
        expect(rows.filter(has_text="Review note added")).to_have_count(1)
        expect(rows.filter(has_text="document.state_changed")).to_have_count(0)

        admin.get_by_label("Action").select_option("version.published")
        admin.get_by_role("button", name="Filter").click()
        expect(admin).to_have_url(re.compile(r"/audit\?.*action=version\.published"))
        expect(admin.get_by_label("Action")).to_have_value("version.published")
        expect(admin.get_by_text("2 events.", exact=True)).to_be_visible()
        expect(rows).to_have_count(2)
        for text in rows.locator("code").all_inner_texts():
            assert text == "version.published"
        expect(rows.first).to_contain_text(f"{TITLE} v2 published")
        expect(rows.nth(1)).to_contain_text(f"{TITLE} v1 published")

        rows.first.get_by_role("link", name="History of this version").click()
        expect(admin).to_have_url(re.compile(r"/audit/version/\d+$"))
        expect(admin.get_by_role("heading", level=1)).to_have_text(
            re.compile(r"^History of version \d+$")
        )
        entry = admin.locator(".app-history__item")
        expect(entry).to_have_count(1)
        expect(entry).to_contain_text("Version published by facilitator@example.org")
        expect(entry).to_contain_text(f"{TITLE} v2 published")
        expect(entry.locator(".app-json")).to_contain_text(second_hash)
        assert_accessible(admin)
        assert path_of(admin).startswith("/audit/version/")

    # 6. Anyone, signed out, reads the adopted text at its public address, with and without
    # JavaScript; nothing else of the document is public.
    for javascript in (True, False):
        public = new_page(browser, live_server, javascript=javascript, width=1280)
        try:
            public.goto(f"/public/{AGENDA.rsplit('/', 1)[1]}")
            expect(public.get_by_role("heading", level=1)).to_have_text(TITLE)
            adoption = public.locator("#adoption")
            expect(adoption).to_contain_text(TODAY_TEXT)
            expect(adoption).to_contain_text("FC 34/19")
            expect(adoption.locator(".app-hash")).to_have_text(second_hash)
            expect(public.locator(f"#clause-{ITEM}")).to_contain_text(NEW_WORDS)
            expect(public.get_by_role("button", name="Sign out")).to_have_count(0)
            expect(public.locator("main")).not_to_contain_text(note)
            with public.expect_download() as word:
                public.get_by_role("link", name=re.compile(r"^Word")).click()
            assert word.value.suggested_filename.endswith("-adopted-v2.docx")
            if javascript:
                assert_accessible(public)
                public.set_viewport_size({"width": 320, "height": 900})
                assert horizontal_overflow(public) <= 0
                assert_accessible(public)
            # A document not adopted is not there at all, and its own page needs signing in.
            assert public.goto("/public/member-officer-protocol").status == 404
            public.goto(AGENDA)
            assert "/sign-in" in public.url
        finally:
            problems = public.problems.messages if javascript else []
            public.context.close()
        assert not problems, "\n".join(problems)
