"""A document's life in the browser: versions, closing, submitting, the Standards Committee's
review and decision, adoption by Full Council and the audit trail.

The live server's database is shared by every browser test of the session. The discussion
journeys use the Accord and the voting journeys the Member/Officer Protocol; this journey takes
the third demo document, the themed session's agenda, from Open for comment to Adopted. Its
states follow each other, so it is one test in ordered steps.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import (
    another_person,
    assert_accessible,
    path_of,
    sign_in,
    unique,
)

AGENDA = "/documents/themed-session-trust-and-roles"
TITLE = "Themed joint session: Roles and trust"
ITEM = 2  # "Workshop: who does what"
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
        "0 clauses added, 0 removed, 0 moved and 1 changed."
    )
    changes = facilitator.locator(".app-change")
    expect(changes).to_have_count(1)
    expect(changes.first.get_by_role("heading", level=3)).to_have_text(f"Changed Clause {ITEM}")
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
    expect(facilitator.get_by_text("The document is now Closed.")).to_be_visible()
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
        facilitator.get_by_text("The document is now Submitted to Standards Committee.")
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

    # 3. The Standards Committee reviews version 2, adds a note and records its decision.
    note = unique("Ask whether the Leader will attend the workshop")
    with another_person(browser, live_server, "standards@example.org") as standards:
        standards.goto(AGENDA)
        standards.get_by_role("link", name="Standards Committee review").click()
        review = f"{AGENDA}/review"
        expect(standards).to_have_url(at(review))
        expect(standards.get_by_role("heading", level=1)).to_have_text(f"{TITLE}, version 2")
        summary_list = standards.locator("main .govuk-summary-list").first
        expect(summary_list).to_contain_text("Submitted to Standards Committee")
        expect(standards.locator(".app-hash")).to_have_text(second_hash)

        expect(standards.locator("#changes + p")).to_have_text(
            "Against the previous version, version 1."
        )
        expect(standards.locator("#comparison-summary")).to_have_text(
            "0 clauses added, 0 removed, 0 moved and 1 changed."
        )
        expect(standards.locator(".app-change ins.app-ins")).to_have_text("inserted: senior")

        coverage = standards.get_by_role(
            "region", name="Culture Review 2019 recommendation coverage"
        )
        not_answered = coverage.locator(".govuk-tag", has_text="Not answered")
        expect(not_answered.first).to_be_visible()
        answered_row = coverage.locator("tbody tr").filter(
            has=standards.locator("th", has_text=re.compile(r"^CR g\b"))
        )
        expect(answered_row.locator("td")).to_contain_text(f"Clause {ITEM}")
        expect(answered_row.locator(".govuk-tag")).to_have_count(0)
        expect(standards.locator("#coverage-culture-review + p")).to_contain_text(
            f"{not_answered.count()} of {coverage.locator('tbody tr').count()} recommendations"
        )

        votes = standards.get_by_role("region", name="Voting record")
        expect(votes.locator("tbody tr")).to_have_count(5)
        row = votes.locator("tbody tr").nth(ITEM - 1)
        expect(row.locator("th")).to_have_text(f"{ITEM}. {ITEM_HEADING}")
        expect(row.locator("td")).to_have_text("Not voted on")

        expect(standards.get_by_role("heading", name="The full text of version 2")).to_be_visible()
        expect(standards.locator(f"#text-clause-{ITEM}")).to_contain_text(NEW_WORDS)
        expect(standards.locator("#notes + p")).to_have_text("No notes yet.")
        assert_accessible(standards)

        standards.get_by_label("About").select_option(label=f"Clause {ITEM}: {ITEM_HEADING}")
        standards.get_by_label("Your note").fill(note)
        standards.get_by_role("button", name="Add note").click()
        expect(standards).to_have_url(at(review, "#notes"))
        expect(standards.get_by_text("Your note is added.")).to_be_visible()
        added = standards.locator(".app-note").filter(has_text=note)
        expect(added).to_have_count(1)
        expect(added).to_contain_text("David Ellison, ")
        expect(added).to_contain_text(f"on clause {ITEM}")

        # The same review page without JavaScript (the committee is still to decide, so both
        # forms are there): it renders, and its links and any <details> work without scripts.
        nojs = page_without_javascript
        sign_in(nojs, "standards@example.org")
        nojs.goto(review)
        expect(nojs.get_by_role("heading", level=1)).to_have_text(f"{TITLE}, version 2")
        expect(nojs.locator(".app-hash")).to_have_text(second_hash)
        expect(nojs.locator("#comparison-summary")).to_contain_text("1 changed")
        expect(
            nojs.get_by_role("region", name="Culture Review 2019 recommendation coverage")
        ).to_contain_text("Not answered")
        expect(nojs.locator(".app-note").filter(has_text=note)).to_have_count(1)
        nojs.get_by_role("navigation", name="On this page").get_by_role(
            "link", name="Voting record"
        ).click()
        expect(nojs).to_have_url(at(review, "#votes"))
        details = nojs.locator("main details")
        for index in range(details.count()):  # none on the page today
            one = details.nth(index)
            was_open = one.evaluate("details => details.open")
            one.locator("summary").first.click()
            assert one.evaluate("details => details.open") is not was_open
        expect(nojs.get_by_role("button", name="Add note")).to_be_visible()
        # Every choice of the decision is labelled, and its label selects it.
        nojs.get_by_text("Recommend it to Full Council", exact=True).click()
        expect(nojs.get_by_role("radio", name="Recommend it to Full Council")).to_be_checked()
        nojs.get_by_text("Refer it back", exact=True).click()
        expect(nojs.get_by_role("radio", name="Refer it back")).to_be_checked()

        # Referring back needs reasons: nothing changes without them.
        standards.get_by_role("radio", name="Refer it back").check()
        fill_date(standards, "Date of the meeting", "2", "4", "2019")
        with standards.expect_navigation() as refused:
            standards.get_by_role("button", name="Record the decision").click()
        assert refused.value.status == 422
        expect(standards).to_have_title(re.compile(r"^Error: Standards Committee review"))
        error_summary = standards.locator(".govuk-error-summary")
        expect(error_summary).to_be_focused()
        expect(error_summary).to_contain_text("Give the reasons for referring the document back")
        expect(standards.locator(".govuk-error-message")).to_contain_text("Give the reasons")
        expect(summary_list).to_contain_text("Submitted to Standards Committee")
        expect(standards.get_by_role("radio", name="Refer it back")).to_be_checked()
        assert_accessible(standards)

        standards.get_by_role("radio", name="Recommend it to Full Council").check()
        fill_date(standards, "Date of the meeting", "2", "4", "2019")
        standards.get_by_role("button", name="Record the decision").click()
        expect(standards).to_have_url(at(AGENDA))
        expect(
            standards.get_by_text(
                "The committee's decision is recorded: Recommended to Full Council."
            )
        ).to_be_visible()
        expect(status_tag(standards)).to_have_text("Recommended to Full Council")
        expect(standards.get_by_role("link", name="Mark as adopted by Full Council")).to_have_count(
            0
        )

    # 4. The facilitator sees the committee's note, but cannot add notes or decide.
    facilitator.goto(f"{AGENDA}/review")
    expect(facilitator.locator(".app-note").filter(has_text=note)).to_contain_text(
        f"on clause {ITEM}"
    )
    expect(facilitator.get_by_role("button", name="Add note")).to_have_count(0)
    expect(facilitator.get_by_role("button", name="Record the decision")).to_have_count(0)
    expect(
        facilitator.get_by_role("heading", name="Decisions recorded on this version")
    ).to_be_visible()
    expect(facilitator.locator("main")).to_contain_text(
        "Recommended to Full Council at the meeting of 2 April 2019"
    )

    # 5. An administrator marks it adopted, then reads the audit trail.
    with another_person(browser, live_server, "admin@example.org") as admin:
        admin.goto(AGENDA)
        expect(status_tag(admin)).to_have_text("Recommended to Full Council")
        admin.get_by_role("link", name="Mark as adopted by Full Council").click()
        expect(admin.get_by_role("heading", level=1)).to_have_text(
            "Mark as adopted by Full Council"
        )
        fill_date(admin, "Date of the Full Council meeting", "17", "7", "2019")
        admin.get_by_role("button", name="Mark as adopted").click()
        expect(admin).to_have_url(at(AGENDA))
        expect(
            admin.get_by_text("The document is marked as adopted by Full Council.")
        ).to_be_visible()
        expect(status_tag(admin)).to_have_text("Adopted")
        expect(admin.get_by_text("Adopted by Full Council on 17 July 2019")).to_be_visible()
        expect(admin.get_by_role("link", name="Mark as adopted by Full Council")).to_have_count(0)

        admin.get_by_role("navigation", name="Menu").get_by_role("link", name="Audit trail").click()
        expect(admin).to_have_url(at("/audit"))
        expect(admin.get_by_role("heading", level=1)).to_have_text("Audit trail")
        current = admin.get_by_role("navigation", name="Menu").locator('[aria-current="page"]')
        expect(current).to_have_text("Audit trail")
        events = admin.get_by_role("region", name="Audit events")
        expect(events.locator("tbody tr").first).to_contain_text("document.state_changed")
        expect(events.locator("tbody tr").first).to_contain_text(
            f"{TITLE}: Recommended to Full Council → Adopted"
        )
        assert_accessible(admin)

        admin.get_by_label("Document").select_option(label=TITLE)
        admin.get_by_role("button", name="Filter").click()
        expect(admin).to_have_url(re.compile(r"/audit\?.*document=\d+"))
        rows = events.locator("tbody tr")
        expect(rows.filter(has_text="document.state_changed")).to_have_count(4)
        expect(rows.filter(has_text="version.published")).to_have_count(2)
        expect(rows.filter(has_text="review.note_added")).to_have_count(1)

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
        expect(entry).to_contain_text("version.published by facilitator@example.org")
        expect(entry).to_contain_text(f"{TITLE} v2 published")
        expect(entry.locator(".app-json")).to_contain_text(second_hash)
        assert_accessible(admin)
        assert path_of(admin).startswith("/audit/version/")
