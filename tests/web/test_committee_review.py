"""The Standards Committee's review (summary, sections, the decision checked before it is
recorded), the notifications of submitting, recommending and adopting, and the adopted text in
public."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Choice,
    CommitteeDecision,
    Decision,
    DocumentStatus,
    Notification,
    NotificationKind,
    Role,
    User,
)
from app.services import amendments, lifecycle, voting
from app.services import clauses as clause_service
from tests import factories
from tests.helpers import count_queries, error_summary_targets, shown_digest
from tests.snapshots import snapshot

SLUG = "member-officer-protocol"
DOC = f"/documents/{SLUG}"
REVIEW = f"{DOC}/review"
INTEREST = "My spouse chairs the trust named in it"
AGAINST = "The joint session agreed it in the room"
SECTIONS = ("changes", "coverage", "votes", "groups", "interests", "set-aside", "reasons", "text")


@pytest.fixture
@snapshot
def reviewed(app):
    """The Protocol (three clauses, CPC d) voted on and submitted: two Members (Labour and
    Conservative Group) and an Officer vote; the Conservative Member declares an interest in
    clause 2; an amendment to clause 3 is accepted against the rule (setting the Labour Member's
    vote on clause 3 aside); one discussion stays open."""
    with factories.built(app):
        factories.everyone()
        labour = factories.user("member@example.org")
        officer = factories.user("officer@example.org")
        facilitator = factories.user("facilitator@example.org")
        tory = factories.member(display_name="Cllr Hazel Tory", group="Conservative Group")
        document = factories.document(
            title="Member/Officer Protocol", kind="protocol", clauses=3, answers=("CPC d",)
        )
        clause = {n: factories.clause(document, n) for n in ("1", "2", "3")}
        factories.discussion(clause=clause["1"], title="Still open", by=labour)
        factories.voting_opened(document)
        for number in ("1", "2", "3"):
            voting.cast_vote(labour, Choice.SUPPORT, clause=clause[number])
        for number in ("1", "2"):
            voting.cast_vote(officer, Choice.SUPPORT, clause=clause[number])
        voting.cast_vote(tory, Choice.INTEREST, clause=clause["2"], interest_reason=INTEREST)
        proposed = factories.amendment(clause["3"], body="A new wording.", by=labour)
        voting.cast_vote(tory, Choice.OPPOSE, amendment=proposed)
        amendments.accept_amendment(proposed, by=facilitator, reason=AGAINST)
        voting.close_voting(document, by=facilitator)
        factories.move_to(document, DocumentStatus.SUBMITTED)
    return app


def _rows(html: str) -> dict[str, str]:
    """The summary list's rows, key → value text."""
    rows = re.findall(
        r'<dt class="govuk-summary-list__key">(.*?)</dt><dd class="govuk-summary-list__value">'
        r"(.*?)</dd>",
        html,
        re.S,
    )
    return {key: " ".join(re.sub(r"<[^>]+>", " ", value).split()) for key, value in rows}


def test_the_summary_gives_the_committees_figures(reviewed, client):
    client.sign_in("standards@example.org")
    with count_queries(reviewed) as queries:
        response = client.get(REVIEW)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = _rows(html)
    assert rows["Clauses"] == "2 agreed, 1 not agreed, 0 not voted on"
    assert rows["Amendments accepted"] == "0 with the agreement of the vote, 1 without it"
    assert rows["Declarations of interest"] == "1"
    assert rows["Open discussions"] == "1"
    unanswered = rows["Unanswered recommendations"]
    assert "Culture Review 2019: 25 of 25" in unanswered
    assert "Corporate Peer Challenge 2019: 11 of 12" in unanswered
    with reviewed.app_context():
        version = lifecycle.latest_version(factories.find_document(SLUG))
        assert version.content_hash in html
        assert rows["Version"].startswith(f"Version {version.number}, published ")
    assert re.search(r'id="review-checkpoint">\d+:[0-9a-f]{64}<', html)
    assert rows["Submitted to the committee"] != "Not recorded"
    for slug in SECTIONS:
        assert f'href="{REVIEW}/{slug}"' in html
    # The summary asks for no section: no text, no votes by name.
    assert "A new wording." not in html and INTEREST not in html
    assert queries.count <= 25, str(queries)


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("changes", "This is the first version"),
        ("coverage", "How the Corporate Peer Challenge 2019 recommendations are answered"),
        ("votes", "Amendment"),
        ("groups", "Conservative Group"),
        ("interests", INTEREST),
        ("set-aside", "Cast on an earlier wording"),
        ("reasons", AGAINST),
        ("text", "A new wording."),
        ("notes", "No notes yet."),
    ],
)
def test_each_section_is_its_own_short_page(reviewed, client, section, expected):
    client.sign_in("standards@example.org")
    with count_queries(reviewed) as queries:
        response = client.get(f"{REVIEW}/{section}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert expected in html
    assert 'aria-label="Sections of the review"' in html
    assert 'aria-current="page"' in html
    assert queries.count <= 20, str(queries)


def test_the_voting_record_and_groups_split_members_and_officers(reviewed, client):
    client.sign_in("standards@example.org")
    votes = client.get(f"{REVIEW}/votes").get_data(as_text=True)
    rows = re.findall(r'<tr class="govuk-table__row[^"]*">(.*?)</tr>', votes, re.S)
    text = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows][1:]  # no header
    assert text[0].startswith("1. Trust 1–0–0–0 of 2 1–0–0–0 of 1 Agreed")
    assert text[1].startswith("2. Roles 1–0–0–1 of 2 1–0–0–0 of 1 Agreed")
    assert text[2].startswith("3. Respect 0–0–0–0 of 2 0–0–0–0 of 1 Not agreed")
    assert "1 set aside (cast on an earlier wording)" in text[2]
    assert re.match(r"Amendment \d+ to clause 3 \(accepted\) 0–1–0–0 of 2", text[3])
    groups = client.get(f"{REVIEW}/groups").get_data(as_text=True)
    header = re.search(r"<thead.*?</thead>", groups, re.S).group(0)
    assert "Conservative Group" in header and "Labour Group" in header
    interests = client.get(f"{REVIEW}/interests").get_data(as_text=True)
    assert "Cllr Hazel Tory" in interests and "Clause 2" in interests
    set_aside = client.get(f"{REVIEW}/set-aside").get_data(as_text=True)
    assert "Clause 3, wording 1" in set_aside and "Support" in set_aside


def test_the_voting_record_keeps_a_withdrawn_amendments_votes(app, client):
    """An amendment withdrawn after votes were cast on it is in the committee's voting record
    with the votes recorded at its withdrawal; one withdrawn with no vote is left out."""
    with factories.built(app):
        factories.everyone()
        member = factories.user("member@example.org")
        officer = factories.user("officer@example.org")
        document = factories.document(
            title="Member/Officer Protocol", kind="protocol", clauses=3, answers=("CPC d",)
        )
        clause = factories.clause(document, "3")
        voted = factories.amendment(clause, body="Voted on, then withdrawn.", by=member)
        unvoted = factories.amendment(clause, body="Withdrawn at once.", by=member)
        factories.voting_opened(document)
        voting.cast_vote(officer, Choice.OPPOSE, amendment=voted)
        amendments.withdraw_amendment(voted, by=member)
        amendments.withdraw_amendment(unvoted, by=member)
        voting.close_voting(document, by=factories.user("facilitator@example.org"))
        factories.move_to(document, DocumentStatus.SUBMITTED)
        voted_id, unvoted_id = voted.id, unvoted.id
    client.sign_in("standards@example.org")
    votes = client.get(f"{REVIEW}/votes").get_data(as_text=True)
    rows = re.findall(r'<tr class="govuk-table__row[^"]*">(.*?)</tr>', votes, re.S)
    text = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]
    [row] = [line for line in text if f"Amendment {voted_id} " in line]
    assert re.match(rf"Amendment {voted_id} to clause 3 \(withdrawn\) 0–0–0–0 of 1 0–1–0–0", row)
    assert not [line for line in text if f"Amendment {unvoted_id} " in line]


def test_reasons_say_when_voting_reopened(reviewed, client):
    with reviewed.app_context():
        document = factories.find_document(SLUG)
        facilitator = factories.user("facilitator@example.org")
        lifecycle.decide(
            document,
            Decision.REFER_BACK,
            lifecycle.council_today(),
            by=factories.user("standards@example.org"),
            reasons="More work",
        )
        voting.open_voting(document, by=facilitator)
        voting.close_voting(document, by=facilitator)
        factories.move_to(document, DocumentStatus.SUBMITTED)
        db.session.commit()
    client.sign_in("standards@example.org")
    html = client.get(f"{REVIEW}/reasons").get_data(as_text=True)
    assert "Voting re-opened on" in html and "after it had closed" in html
    steps = re.findall(r"<li>[^<]*voting (opened|closed|re-opened)", html)
    assert steps == ["opened", "closed", "re-opened", "closed"]


def test_an_unknown_section_or_a_document_never_submitted_is_404(reviewed, client):
    client.sign_in("standards@example.org")
    assert client.get(f"{REVIEW}/nothing").status_code == 404
    with reviewed.app_context():
        factories.document(title="Never submitted")
        db.session.commit()
    assert client.get("/documents/never-submitted/review").status_code == 404
    assert client.get("/documents/never-submitted/review/votes").status_code == 404


# The decision -------------------------------------------------------------------------------


@pytest.fixture
@snapshot
def submitted(app):
    with factories.built(app):
        factories.everyone()
        factories.document(DocumentStatus.SUBMITTED, title="Member/Officer Protocol")
    return app


def _answers(decision="recommend", reasons="", day=None, minute="SC 12/19"):
    day = day or lifecycle.council_today()
    return {
        "decision": decision,
        "reasons": reasons,
        "meeting_date": [str(day.day), str(day.month), str(day.year)],
        "minute_reference": minute,
    }


def _day_fields(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _status(app) -> DocumentStatus:
    with app.app_context():
        return factories.find_document(SLUG).status


def test_every_error_of_the_decision_shows_at_once(submitted, client):
    client.sign_in("standards@example.org")
    tomorrow = lifecycle.council_today() + timedelta(days=1)
    response = client.post_form(
        f"{REVIEW}/decision", _answers("refer_back", reasons="", day=tomorrow, minute="")
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.startswith("<!DOCTYPE html>") and "<title>Error: " in html
    assert "Give the reasons for referring the document back" in html
    assert "The date of the meeting must be today or in the past" in html
    assert "Enter the minute reference, for example SC 12/19" in html
    assert len(error_summary_targets(html)) == 3
    assert 'value="refer_back" checked' in html  # the answers are kept
    assert _status(submitted) == DocumentStatus.SUBMITTED
    nothing = client.post_form(f"{REVIEW}/decision", {})
    assert "Choose the committee" in nothing.get_data(as_text=True)
    assert len(error_summary_targets(nothing.get_data(as_text=True))) == 3


def test_a_meeting_before_the_submission_is_refused_with_the_other_errors(submitted, client):
    """The committee cannot have met before the document was submitted to it: the date goes
    back to the form, with every other error, and nothing is recorded."""
    client.sign_in("standards@example.org")
    response = client.post_form(
        f"{REVIEW}/decision",
        _answers("refer_back", reasons="", day=date(1966, 10, 14), minute=""),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    today = lifecycle.council_today()
    assert f"must be the day the document was submitted ({today:%-d %B %Y}) or later" in html
    assert len(error_summary_targets(html)) == 3
    assert _status(submitted) == DocumentStatus.SUBMITTED
    with submitted.app_context(), pytest.raises(lifecycle.MeetingTooEarly):
        lifecycle.decide(
            factories.find_document(SLUG),
            Decision.RECOMMEND,
            date(2020, 1, 1),
            by=factories.user("standards@example.org"),
        )


def test_full_council_cannot_adopt_before_the_committee_met(submitted, client):
    with submitted.app_context():
        factories.move_to(factories.find_document(SLUG), DocumentStatus.RECOMMENDED)
        db.session.commit()
    client.sign_in("admin@example.org")
    refused = client.post_form(
        f"{DOC}/adopt",
        {"full_council_date": ["1", "1", "2020"], "minute_reference": "FC 34/19"},
    )
    assert refused.status_code == 422
    assert "must be the day the Standards Committee met" in refused.get_data(as_text=True)
    assert _status(submitted) == DocumentStatus.RECOMMENDED


def test_a_future_meeting_is_refused_by_the_service_too(submitted):
    with submitted.app_context(), pytest.raises(lifecycle.MeetingInTheFuture):
        lifecycle.decide(
            factories.find_document(SLUG),
            Decision.RECOMMEND,
            lifecycle.council_today() + timedelta(days=1),
            by=factories.user("standards@example.org"),
        )


def test_referral_needs_reasons_then_is_checked_then_recorded(submitted, client):
    client.sign_in("standards@example.org")
    refused = client.post_form(f"{REVIEW}/decision", _answers("refer_back"))
    assert refused.status_code == 422
    assert "Give the reasons" in refused.get_data(as_text=True)
    answered = client.post_form(
        f"{REVIEW}/decision", _answers("refer_back", reasons="Say more about social media")
    )
    assert answered.status_code == 303
    assert answered.headers["Location"].endswith(f"{REVIEW}/decision/check")
    assert _status(submitted) == DocumentStatus.SUBMITTED  # nothing recorded yet
    check = client.get(f"{REVIEW}/decision/check").get_data(as_text=True)
    assert "Referred back" in check and "Say more about social media" in check
    assert f"{lifecycle.council_today():%-d %B %Y}" in check and "SC 12/19" in check
    assert f'href="{REVIEW}/decision#reasons"' in check
    # Changing an answer shows the form filled in.
    again = client.get(f"{REVIEW}/decision").get_data(as_text=True)
    assert "Say more about social media" in again and 'value="SC 12/19"' in again
    recorded = client.post_form(f"{REVIEW}/decision/check", {"shown": shown_digest(check)})
    assert recorded.status_code == 303
    assert recorded.headers["Location"].endswith(f"{REVIEW}/decision/recorded")
    assert _status(submitted) == DocumentStatus.OPEN
    done = client.get(f"{REVIEW}/decision/recorded").get_data(as_text=True)
    assert "govuk-panel--confirmation" in done and "Referred back" in done
    assert "Minute <strong>SC 12/19</strong>" in done
    with submitted.app_context():
        decision = db.session.scalars(select(CommitteeDecision)).one()
        assert decision.minute_reference == "SC 12/19"
    # The answers are used once: the check page now sends back to the form.
    # No longer Submitted: the committee may decide, but not now (409, saying why).
    again = client.get(f"{REVIEW}/decision/check")
    assert again.status_code == 409
    assert "submitted to the committee" in again.get_data(as_text=True)


def test_the_decision_pages_are_for_the_committee(submitted, client):
    for email in ("member@example.org", "facilitator@example.org", "admin@example.org"):
        client.sign_in(email)
        assert client.get(f"{REVIEW}/decision").status_code == 403
        assert client.post_form(f"{REVIEW}/decision", _answers()).status_code == 403
        assert client.post_form(f"{REVIEW}/decision/check").status_code == 403
    client.sign_in("standards@example.org")
    # No answers yet: the check page sends to the form.
    assert client.get(f"{REVIEW}/decision/check").headers["Location"].endswith(f"{REVIEW}/decision")
    assert client.get(f"{REVIEW}/decision/recorded").status_code == 404
    assert _status(submitted) == DocumentStatus.SUBMITTED


# Notifications ------------------------------------------------------------------------------


def _notified(app, kind: NotificationKind) -> set[str]:
    with app.app_context():
        return {n.user.email for n in db.session.scalars(select(Notification).filter_by(kind=kind))}


def test_submitting_recommending_and_adopting_notify_the_right_people(app, client):
    with factories.built(app):
        factories.everyone()
        second_standards = factories.standards()
        factories.officer(active=False, roles=[Role.STANDARDS])  # inactive: not told
        document = factories.document(title="Member/Officer Protocol")
        factories.discussion(clause=factories.clause(document), by=factories.member())
        second_email = second_standards.email
    with app.app_context():
        document = factories.find_document(SLUG)
        factories.move_to(document, DocumentStatus.SUBMITTED)
        db.session.commit()
    assert _notified(app, NotificationKind.SUBMITTED) == {"standards@example.org", second_email}
    client.sign_in("standards@example.org")
    client.post_form(f"{REVIEW}/decision", _answers())
    check = client.get(f"{REVIEW}/decision/check").get_data(as_text=True)
    shown = {"shown": shown_digest(check)}
    assert client.post_form(f"{REVIEW}/decision/check", shown).status_code == 303
    assert _notified(app, NotificationKind.RECOMMENDED) == {"admin@example.org"}
    client.sign_in("admin@example.org")
    adopted = client.post_form(
        f"{DOC}/adopt",
        {
            "full_council_date": _day_fields(lifecycle.council_today()),
            "minute_reference": "FC 34/19",
        },
    )
    assert adopted.status_code == 303
    told = _notified(app, NotificationKind.ADOPTED)
    assert "member-2@example.org" in told  # took part
    assert "facilitator@example.org" in told and "admin@example.org" not in told  # not the actor


def test_adoption_needs_a_past_date_and_the_minute_reference(submitted, client):
    with submitted.app_context():
        factories.move_to(factories.find_document(SLUG), DocumentStatus.RECOMMENDED)
        db.session.commit()
    client.sign_in("admin@example.org")
    tomorrow = lifecycle.council_today() + timedelta(days=1)
    refused = client.post_form(
        f"{DOC}/adopt",
        {"full_council_date": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)]},
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "The date of the Full Council meeting must be today or in the past" in html
    assert "Enter the Full Council minute reference" in html
    assert len(error_summary_targets(html)) == 2
    assert _status(submitted) == DocumentStatus.RECOMMENDED


# The adopted text in public -----------------------------------------------------------------


@pytest.fixture
@snapshot
def every_state(app):
    """One document in each state; the adopted one voted on and discussed by named people."""
    with factories.built(app):
        factories.everyone()
        for status in DocumentStatus:
            if status != DocumentStatus.ADOPTED:
                factories.document(status, title=f"Protocol {status.value}")
        adopted = factories.document(title="Protocol adopted")
        clause = factories.clause(adopted)
        factories.discussion(clause=clause, title="A private discussion")
        factories.voting_opened(adopted)
        voting.cast_vote(factories.user("member@example.org"), Choice.SUPPORT, clause=clause)
        factories.move_to(adopted, DocumentStatus.ADOPTED)
    with app.app_context():
        adopted = factories.find_document("protocol-adopted")
        assert adopted.full_council_minute is None
    return app


@pytest.mark.parametrize("status", list(DocumentStatus))
@pytest.mark.parametrize("who", [None, "member@example.org"])
def test_only_an_adopted_document_is_public(every_state, client, status, who):
    if who:
        client.sign_in(who)
    slug = f"protocol-{status.value}"
    expected = 200 if status == DocumentStatus.ADOPTED else 404
    assert client.get(f"/public/{slug}").status_code == expected
    assert client.get(f"/public/{slug}/download.docx").status_code == expected


def test_the_public_page_shows_the_adopted_text_and_nothing_else(every_state, client):
    with every_state.app_context():
        document = factories.find_document("protocol-adopted")
        version = lifecycle.latest_version(document)
        content_hash = version.content_hash
    response = client.get("/public/protocol-adopted")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert content_hash in html
    assert f"{lifecycle.council_today():%-d %B %Y}" in html
    assert "Full Council minute reference" in html
    assert "Members and Officers trust each other" in html
    for private in ("A private discussion", "Sign out", "Kim Sefton", "facilitator@example.org"):
        assert private not in html
    with every_state.app_context():
        names = [u.display_name for u in db.session.scalars(select(User))]
    assert not [name for name in names if name in html]
    index = client.get("/public/").get_data(as_text=True)
    assert "Protocol adopted" in index and "Protocol recommended" not in index
    assert client.get("/public/no-such-document").status_code == 404
    assert client.get("/public/protocol-adopted/download.md").status_code == 404
    # The document's own pages stay behind sign-in.
    assert client.get("/documents/protocol-adopted").status_code == 302


def test_the_adopted_text_downloads_as_word_and_pdf(every_state, client):
    with every_state.app_context():
        content_hash = lifecycle.latest_version(
            factories.find_document("protocol-adopted")
        ).content_hash
    word = client.get("/public/protocol-adopted/download.docx")
    assert word.status_code == 200
    assert "protocol-adopted-adopted-v1.docx" in word.headers["Content-Disposition"]
    text = "\n".join(p.text for p in WordDocument(io.BytesIO(word.data)).paragraphs)
    assert "Members and Officers trust each other" in text
    assert "A private discussion" not in text
    assert "Status: Agreed" not in text and "Status: Not agreed" not in text, "the votes"
    pdf = client.get("/public/protocol-adopted/download.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    pages = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert content_hash[:16] in pages.replace("\n", "")
    assert "Status: Agreed" not in pages and "Status: Not agreed" not in pages


# What the check page showed is what is recorded --------------------------------------------


def test_answers_changed_in_another_tab_are_not_recorded(submitted, client):
    """Tab A checks a referral; tab B (the same session) sends other answers; tab A's "Record
    the decision" records nothing and shows the answers as they now are (409)."""
    client.sign_in("standards@example.org")
    client.post_form(f"{REVIEW}/decision", _answers("refer_back", reasons="Say more"))
    tab_a = client.get(f"{REVIEW}/decision/check").get_data(as_text=True)
    assert "Referred back" in tab_a
    client.post_form(f"{REVIEW}/decision", _answers("recommend", minute="SC 99/99"))
    refused = client.post_form(f"{REVIEW}/decision/check", {"shown": shown_digest(tab_a)})
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert "changed in another tab or window" in html and "govuk-error-summary" in html
    assert "<title>Error: " in html
    answers = _rows(html)
    assert (
        answers["Decision"] == "Recommended to Full Council"
        and answers["Minute reference"] == "SC 99/99"
    )
    assert _status(submitted) == DocumentStatus.SUBMITTED
    with submitted.app_context():
        assert db.session.scalars(select(CommitteeDecision)).first() is None
    # What the page now shows can be recorded.
    recorded = client.post_form(f"{REVIEW}/decision/check", {"shown": shown_digest(html)})
    assert recorded.status_code == 303
    with submitted.app_context():
        decision = db.session.scalars(select(CommitteeDecision)).one()
        assert decision.decision == Decision.RECOMMEND
        assert decision.minute_reference == "SC 99/99"


def test_a_decision_refused_because_another_member_decided_first_keeps_the_reasons(
    submitted, client
):
    """Two members of the committee check a decision at once; the second to confirm is refused
    (the document is decided) and is shown the reasons they wrote on the earlier page, to copy.
    Before, the refusal page showed nothing of them."""
    with factories.built(submitted):
        factories.standards(email="second.standards@example.org")
    other = submitted.test_client()
    other.sign_in("second.standards@example.org")
    why = "Needs rework of clause 4 before Full Council"
    other.post_form(f"{REVIEW}/decision", _answers("refer_back", reasons=why))
    other_page = other.get(f"{REVIEW}/decision/check").get_data(as_text=True)
    client.sign_in("standards@example.org")
    client.post_form(f"{REVIEW}/decision", _answers("recommend", minute="SC 12/26"))
    assert client.post_checked(f"{REVIEW}/decision/check").status_code == 303
    refused = other.post_form(f"{REVIEW}/decision/check", {"shown": shown_digest(other_page)})
    assert refused.status_code == 409
    assert why in refused.get_data(as_text=True)


def test_answers_left_for_a_version_referred_back_are_not_offered_for_the_next(submitted, client):
    """A member who answered but did not record keeps their answers (in the database) while
    that version is under review; once another member has decided and a new version is
    submitted, the form starts empty rather than with reasons about the old one."""
    with factories.built(submitted):
        factories.standards(email="second.standards@example.org")
    other = submitted.test_client()
    other.sign_in("second.standards@example.org")
    why = "Needs rework of clause 2 before Full Council"
    assert (
        other.post_form(f"{REVIEW}/decision", _answers("recommend", reasons=why)).status_code == 303
    )
    client.sign_in("standards@example.org")
    client.post_form(f"{REVIEW}/decision", _answers("refer_back", reasons="Say more"))
    assert client.post_checked(f"{REVIEW}/decision/check").status_code == 303
    with factories.built(submitted):
        document = factories.find_document(SLUG)
        clause = document.clauses[1]
        clause_service.revise_clause(clause, clause.heading, "New words.", by=None, reason="Rework")
        factories.move_to(document, DocumentStatus.SUBMITTED)
    assert why not in other.get(f"{REVIEW}/decision").get_data(as_text=True)
    assert other.get(f"{REVIEW}/decision/check").status_code == 303  # nothing to check


@pytest.mark.parametrize("shown", [None, "", "0" * 16, "not a digest" * 50])
def test_a_confirmation_without_what_was_shown_records_nothing(submitted, client, shown):
    client.sign_in("standards@example.org")
    client.post_form(f"{REVIEW}/decision", _answers("refer_back", reasons="Say more"))
    refused = client.post_form(
        f"{REVIEW}/decision/check", {} if shown is None else {"shown": shown}
    )
    assert refused.status_code in (400, 409)
    assert "Referred back" in refused.get_data(as_text=True)
    assert _status(submitted) == DocumentStatus.SUBMITTED
