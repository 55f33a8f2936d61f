"""Closing voting and accepting amendments are deliberate: the check-your-answers page of
closing, the reason required before the announced time, the reason required to accept an
amendment the agreement rule does not agree, and where each reason is shown. Both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Amendment,
    AmendmentStatus,
    Choice,
    Clause,
    Document,
    DocumentStatus,
    DocumentVersion,
    Outcome,
    VotingAction,
    VotingEvent,
    utcnow,
)
from app.services import amendments, lifecycle, voting
from tests import factories
from tests.helpers import error_summary_targets, shown_digest

PROTOCOL = "member-officer-protocol"
DOC = f"/documents/{PROTOCOL}"
CLAUSE = f"{DOC}/clauses/3"
FACILITATOR = "facilitator@example.org"
REASON = "The Standards Committee meets a week early."
REASON_NEEDED = "Say why you are closing voting before the announced time"
ACCEPT_NEEDED = "Say why you are accepting an amendment that the agreement rule does not agree"


def _document() -> Document:
    return factories.find_document(PROTOCOL)


def _clause(number: str = "3") -> Clause:
    return factories.clause(_document(), number)


def _open_voting(app, *, closes_in: timedelta | None = timedelta(days=2)) -> None:
    """Open voting, announced to close ``closes_in`` from now, with a Member's vote on clause 3."""
    with app.app_context():
        closes_at = utcnow() + closes_in if closes_in else None
        voting.open_voting(_document(), by=factories.user(FACILITATOR), closes_at=closes_at)
        voting.cast_vote(factories.user("member@example.org"), Choice.SUPPORT, clause=_clause())
        db.session.commit()


def _outcomes(app) -> list[tuple[int | None, int | None, bool, str | None]]:
    with app.app_context():
        return [
            (o.clause_id, o.amendment_id, o.agreed, o.close_reason)
            for o in db.session.scalars(select(Outcome).order_by(Outcome.id))
        ]


def _submit(app) -> None:
    """Publish, close and submit the Protocol, so the committee review exists."""
    with app.app_context():
        facilitator = factories.user(FACILITATOR)
        version = lifecycle.publish_version(_document(), by=facilitator)
        if _document().status == DocumentStatus.OPEN:
            lifecycle.move(_document(), DocumentStatus.CLOSED, by=facilitator)
        lifecycle.move(
            _document(),
            DocumentStatus.SUBMITTED,
            by=facilitator,
            version=db.session.get(DocumentVersion, version.id),
        )
        db.session.commit()


def _close(client, url: str, data: dict | None = None):
    """Confirm the check page at ``url`` as it shows now (its form carries what it showed)."""
    shown = shown_digest(client.get(url).get_data(as_text=True))
    return client.post_form(url, {**(data or {}), "shown": shown})


def _annex(client) -> str:
    return client.get(
        f"{DOC}/export/download",
        query_string={"version": "working", "clauses": "all", "annexes": "yes", "format": "md"},
    ).get_data(as_text=True)


# Closing voting -----------------------------------------------------------------------------


def test_the_close_buttons_lead_to_a_check_your_answers_page(seeded, client):
    _open_voting(seeded)
    client.sign_in(FACILITATOR)
    document_page = client.get(DOC).get_data(as_text=True)
    assert f'href="{DOC}/voting/close"' in document_page
    assert f'href="{CLAUSE}/voting/close"' in client.get(CLAUSE).get_data(as_text=True)

    page = client.get(f"{DOC}/voting/close")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Check before you close voting" in html and 'id="closing-summary"' in html
    assert "Agreement rule" in html and "turnout at least 25%" in html
    assert "Announced closing time" in html and "Not reached yet" in html
    assert 'id="closing-items"' in html and "Not agreed" in html
    assert "no Officers have voted for or against it" in html
    assert "Why are you closing voting before the announced time?" in html
    assert f'action="{DOC}/voting/close"' in html

    clause_page = client.get(f"{CLAUSE}/voting/close").get_data(as_text=True)
    assert "Check before you close voting on clause 3" in clause_page
    with seeded.app_context():
        members = voting.eligible_voters()[voting.MEMBERS]
    assert f"1 of {members} took part" in clause_page  # Members' turnout, as the panel counts
    assert "Members&#39; turnout" in clause_page and "Officers&#39; turnout" in clause_page
    assert _outcomes(seeded) == []  # looking closes nothing


def test_closing_early_needs_a_reason_and_records_it_where_the_outcome_is_shown(seeded, client):
    _open_voting(seeded)
    client.sign_in(FACILITATOR)
    refused = _close(client, f"{DOC}/voting/close", {"close_reason": "  "})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert REASON_NEEDED in html and error_summary_targets(html) == ["close_reason"]
    assert 'id="closing-summary"' in html  # the page again, with what will be recorded
    assert _outcomes(seeded) == []
    with seeded.app_context():
        assert _document().voting_open
        preview = voting.preview_closing(_document())
        expected = [(e.item.id, e.verdict.agreed) for e in preview.items]

    closed = _close(client, f"{DOC}/voting/close", {"close_reason": f" {REASON} "})
    assert closed.status_code == 303 and closed.headers["Location"].endswith(f"{DOC}#voting")
    outcomes = _outcomes(seeded)
    assert [(clause_id, agreed) for clause_id, _, agreed, _ in outcomes] == expected
    assert {reason for *_, reason in outcomes} == {REASON}
    with seeded.app_context():
        event = db.session.scalars(
            select(VotingEvent).where(VotingEvent.action == VotingAction.CLOSED)
        ).one()
        assert event.reason == REASON and event.clause_id is None
        assert not _document().voting_open

    panel = client.get(CLAUSE).get_data(as_text=True)
    assert f"Voting closed before its announced time. Why: {REASON}" in panel
    assert f"voting closed before its announced time. Why: {REASON}" in _annex(client)
    _submit(seeded)
    client.sign_in("standards@example.org")
    review = client.get(f"{DOC}/review/votes").get_data(as_text=True)
    assert f"Closed before the announced time: {REASON}" in review
    reasons = client.get(f"{DOC}/review/reasons").get_data(as_text=True)
    assert "was closed before its announced time by" in reasons and REASON in reasons


def test_closing_one_clause_early_needs_a_reason_too(seeded, client):
    _open_voting(seeded)
    client.sign_in(FACILITATOR)
    refused = _close(client, f"{CLAUSE}/voting/close")
    assert refused.status_code == 422 and REASON_NEEDED in refused.get_data(as_text=True)
    assert _outcomes(seeded) == []
    closed = _close(client, f"{CLAUSE}/voting/close", {"close_reason": REASON})
    assert closed.status_code == 303 and closed.headers["Location"].endswith("#vote-panel")
    with seeded.app_context():
        clause_id = _clause().id
        event = db.session.scalars(
            select(VotingEvent).where(VotingEvent.action == VotingAction.CLOSED)
        ).one()
        assert (event.clause_id, event.reason) == (clause_id, REASON)
    assert _outcomes(seeded) == [(clause_id, None, False, REASON)]
    assert f"Why: {REASON}" in client.get(CLAUSE).get_data(as_text=True)
    # Closing again is refused by the service: voting on the clause is closed.
    again = client.post_form(f"{CLAUSE}/voting/close", {"close_reason": REASON})
    assert again.status_code == 409
    assert len(_outcomes(seeded)) == 1


def test_closing_at_or_after_the_announced_time_needs_no_reason(seeded, client):
    _open_voting(seeded)
    with seeded.app_context():
        _document().voting_closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    client.sign_in(FACILITATOR)
    page = client.get(f"{DOC}/voting/close").get_data(as_text=True)
    assert "Announced closing time" in page and "Not reached yet" not in page
    assert "Why are you closing voting" not in page
    assert _close(client, f"{DOC}/voting/close").status_code == 303
    outcomes = _outcomes(seeded)
    assert outcomes and {reason for *_, reason in outcomes} == {None}
    assert "Voting closed before its announced time" not in client.get(CLAUSE).get_data(
        as_text=True
    )
    # Without an announced time, no reason either; the old close button leads to the page.
    _open_voting(seeded, closes_in=None)
    page = client.get(f"{DOC}/voting/close").get_data(as_text=True)
    assert "No closing time was announced" in page
    assert client.post_form(f"{DOC}/voting", {"action": "close"}).status_code == 303
    assert _close(client, f"{DOC}/voting/close").status_code == 303
    assert {reason for *_, reason in _outcomes(seeded)} == {None}


def test_closing_when_voting_has_closed_is_refused(seeded, client):
    _open_voting(seeded, closes_in=None)
    client.sign_in(FACILITATOR)
    assert _close(client, f"{DOC}/voting/close").status_code == 303
    count = len(_outcomes(seeded))
    again = client.post_form(f"{DOC}/voting/close")
    assert again.status_code == 409 and "Voting is not open." in again.get_data(as_text=True)
    assert len(_outcomes(seeded)) == count


def test_only_facilitators_see_or_use_the_closing_page(seeded, client):
    _open_voting(seeded)
    for email in ("member@example.org", "officer@example.org", "standards@example.org"):
        client.sign_in(email)
        assert client.get(f"{DOC}/voting/close").status_code == 403
        assert client.post_form(f"{CLAUSE}/voting/close", {"close_reason": "x"}).status_code == 403
    assert _outcomes(seeded) == []


def test_moving_the_document_to_closed_closes_voting_the_same_way(seeded, client):
    _open_voting(seeded)
    client.sign_in(FACILITATOR)
    page = client.get(f"{DOC}/state/close").get_data(as_text=True)
    assert 'id="closing-summary"' in page and 'id="closing-items"' in page
    assert "Why are you closing voting before the announced time?" in page

    refused = _close(client, f"{DOC}/state/close", {"note": "Consultation over"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and REASON_NEEDED in html
    assert "close_reason" in error_summary_targets(html)
    assert "Consultation over" in html  # the input is kept
    assert _outcomes(seeded) == []
    with seeded.app_context():
        assert _document().status == DocumentStatus.OPEN and _document().voting_open

    moved = _close(
        client, f"{DOC}/state/close", {"note": "Consultation over", "close_reason": REASON}
    )
    assert moved.status_code == 303
    outcomes = _outcomes(seeded)
    assert outcomes and {reason for *_, reason in outcomes} == {REASON}
    with seeded.app_context():
        assert _document().status == DocumentStatus.CLOSED and not _document().voting_open
        event = db.session.scalars(
            select(VotingEvent).where(VotingEvent.action == VotingAction.CLOSED)
        ).one()
        assert event.reason == REASON
    assert f"Why: {REASON}" in client.get(CLAUSE).get_data(as_text=True)


def test_moving_to_closed_after_the_announced_time_needs_no_reason(seeded, client):
    _open_voting(seeded)
    with seeded.app_context():
        _document().voting_closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    client.sign_in(FACILITATOR)
    assert "Why are you closing voting" not in client.get(f"{DOC}/state/close").get_data(
        as_text=True
    )
    assert _close(client, f"{DOC}/state/close").status_code == 303
    assert {reason for *_, reason in _outcomes(seeded)} == {None}


# Accepting amendments -------------------------------------------------------------------------


def _propose(app, body: str = "A new wording.") -> int:
    with app.app_context():
        clause = _clause()
        amendment = amendments.propose_amendment(
            clause,
            clause.heading,
            body,
            "It is clearer",
            [],
            by=factories.user("member@example.org"),
        )
        db.session.commit()
        return amendment.id


def test_accepting_an_amendment_the_rule_does_not_agree_needs_a_reason(seeded, client):
    _open_voting(seeded, closes_in=None)
    amendment_id = _propose(seeded)
    with seeded.app_context():
        amendment = db.session.get(Amendment, amendment_id)
        voting.cast_vote(factories.user("member@example.org"), Choice.SUPPORT, amendment=amendment)
        db.session.commit()
        members = voting.eligible_voters()[voting.MEMBERS]
    client.sign_in(FACILITATOR)
    page = client.get(f"/amendments/{amendment_id}/accept").get_data(as_text=True)
    assert 'id="amendment-agreement"' in page
    assert f"1 support, 0 oppose, 0 abstain, 0 declared an interest; 1 of {members}" in page
    assert "Not agreed: Members&#39; turnout " in page  # 1 Member of many
    assert "no Officers have voted for or against it" in page
    assert "Why are you accepting it although the agreement rule does not agree it?" in page

    refused = client.post_checked(f"/amendments/{amendment_id}/accept", {"acceptance_reason": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert ACCEPT_NEEDED in html and error_summary_targets(html) == ["acceptance_reason"]
    with seeded.app_context():
        assert db.session.get(Amendment, amendment_id).status == AmendmentStatus.OPEN
        assert _clause().revision_number == 1

    why = "The joint session agreed it; the Officers' vote had not opened yet."
    accepted = client.post_checked(f"/amendments/{amendment_id}/accept", {"acceptance_reason": why})
    assert accepted.status_code == 303
    with seeded.app_context():
        amendment = db.session.get(Amendment, amendment_id)
        assert amendment.status == AmendmentStatus.ACCEPTED
        assert amendment.decision_reason == why
        assert amendment.rule_verdict.startswith("not agreed: Members' turnout ")
        assert "; no Officers have voted for or against it" in amendment.rule_verdict
    shown = client.get(f"/amendments/{amendment_id}").get_data(as_text=True)
    assert "the agreement rule said: not agreed: Members&#39; turnout" in shown
    assert "Why it was accepted all the same" in shown and "The joint session agreed it" in shown
    history = client.get(f"{CLAUSE}/history").get_data(as_text=True)
    assert "Accepted although the agreement rule did not agree it" in history
    assert "The joint session agreed it" in history
    _submit(seeded)
    client.sign_in("standards@example.org")
    review = client.get(f"{DOC}/review/reasons").get_data(as_text=True)
    assert f"Amendment {amendment_id}</a> to clause 3 was accepted by" in review
    assert "although the agreement rule did not agree it (not agreed: " in review
    assert "The joint session agreed it" in review


def _supported_by_both_under_no_turnout_rule(seeded) -> int:
    """An amendment the demo Member and Officer support, under a rule with no minimum
    turnout (so agreed); its id."""
    with seeded.app_context():
        voting.set_rule(_document(), 0, 0, by=factories.user(FACILITATOR))
        db.session.commit()
    _open_voting(seeded, closes_in=None)
    amendment_id = _propose(seeded)
    with seeded.app_context():
        amendment = db.session.get(Amendment, amendment_id)
        for email in ("member@example.org", "officer@example.org"):
            voting.cast_vote(factories.user(email), Choice.SUPPORT, amendment=amendment)
        db.session.commit()
    return amendment_id


def test_an_amendment_the_rule_agrees_is_accepted_without_a_reason(seeded, client):
    amendment_id = _supported_by_both_under_no_turnout_rule(seeded)
    client.sign_in(FACILITATOR)
    page = client.get(f"/amendments/{amendment_id}/accept").get_data(as_text=True)
    assert "Agreed under the rule" in page
    assert "acceptance_reason" not in page
    assert client.post_checked(f"/amendments/{amendment_id}/accept").status_code == 303
    with seeded.app_context():
        amendment = db.session.get(Amendment, amendment_id)
        assert amendment.status == AmendmentStatus.ACCEPTED
        assert (amendment.decision_reason, amendment.rule_verdict) == (
            None,
            "agreed under the rule",
        )
    assert "Why it was accepted all the same" not in client.get(
        f"/amendments/{amendment_id}"
    ).get_data(as_text=True)


def test_a_reason_sent_when_not_closing_early_is_not_recorded_as_an_early_close(seeded, client):
    """A reason sent with a close that is not early (no time announced, or the time has
    passed: the form shows no reason box then, but a form kept from earlier or a tampered one
    may carry one) is not recorded: the outcome, the review and the exports would otherwise
    say voting "closed before its announced time" when no such time was set."""
    client.sign_in(FACILITATOR)
    for closes_in in (None, "passed"):
        _open_voting(seeded, closes_in=None)
        if closes_in == "passed":
            with seeded.app_context():
                _document().voting_closes_at = utcnow() - timedelta(minutes=1)
                db.session.commit()
        response = _close(client, f"{DOC}/voting/close", {"close_reason": "Closing again"})
        assert response.status_code == 303
        assert {reason for *_, reason in _outcomes(seeded)} == {None}
        with seeded.app_context():
            closing = db.session.scalars(
                select(VotingEvent)
                .where(VotingEvent.action == VotingAction.CLOSED)
                .order_by(VotingEvent.id.desc())
            ).first()
            assert closing is not None and closing.reason is None
        assert "before its announced time" not in client.get(CLAUSE).get_data(as_text=True)


def test_turnout_is_never_shown_rounded_up_to_a_threshold_it_misses(seeded, client):
    """3 of 8 Officers is 37.5%: with a 38% threshold the closing page and the amendment
    page show "37.5%" beside "not agreed", never "38%" (which the rounding filter gave)."""
    from app.models import Role, User, UserRole

    with seeded.app_context():
        document = _document()
        document.officer_turnout_percent = 38
        officers = db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.OFFICER, User.active.is_(True))
            .order_by(User.id)
        ).all()
        db.session.commit()
        eligible = len(officers)
    _open_voting(seeded)
    with seeded.app_context():
        for officer in db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.OFFICER, User.active.is_(True))
            .order_by(User.id)
            .limit(3)
        ):
            voting.cast_vote(officer, Choice.SUPPORT, clause=_clause())
        db.session.commit()
    client.sign_in(FACILITATOR)
    page = client.get(f"{DOC}/voting/close").get_data(as_text=True)
    shown = f"{3 * 100 / eligible:.1f}".rstrip("0").rstrip(".")
    assert f"3 of {eligible} took part ({shown}%)" in page
    assert f"3 of {eligible} took part (38%)" not in page
    # The vote panel's table says the same.
    panel = client.get(CLAUSE).get_data(as_text=True)
    assert f'3 of {eligible} <span class="app-meta">({shown}%)</span>' in panel


# What the check page showed is what is recorded --------------------------------------------


def _vote(app, email: str, choice: Choice, number: str = "3") -> None:
    with app.app_context():
        voting.cast_vote(factories.user(email), choice, clause=_clause(number))
        db.session.commit()


def test_a_vote_after_the_check_page_closes_nothing_and_shows_the_new_outcome(seeded, client):
    """The page previewed clause 3's outcome and counts; a vote changed them before the
    facilitator confirmed: nothing is closed, the page comes back with the new preview and
    the reason typed (409); confirming what it now shows closes."""
    _open_voting(seeded)
    client.sign_in(FACILITATOR)
    shown = client.get(f"{CLAUSE}/voting/close").get_data(as_text=True)
    _vote(seeded, "officer@example.org", Choice.OPPOSE)
    refused = client.post_form(
        f"{CLAUSE}/voting/close", {"close_reason": REASON, "shown": shown_digest(shown)}
    )
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert "changed since you checked" in html and 'id="shown-changed"' in html
    assert "<title>Error: " in html and 'id="closing-summary"' in html
    assert REASON in html  # the reason typed is kept
    assert _outcomes(seeded) == []
    with seeded.app_context():
        assert voting.is_clause_voting_open(_clause())
    closed = client.post_form(
        f"{CLAUSE}/voting/close", {"close_reason": REASON, "shown": shown_digest(html)}
    )
    assert closed.status_code == 303
    assert len(_outcomes(seeded)) == 1


def test_closing_the_whole_document_checks_every_clause_it_showed(seeded, client):
    _open_voting(seeded)
    client.sign_in(FACILITATOR)
    shown = client.get(f"{DOC}/voting/close").get_data(as_text=True)
    _vote(seeded, "officer@example.org", Choice.SUPPORT, number="1")
    refused = client.post_form(
        f"{DOC}/voting/close", {"close_reason": REASON, "shown": shown_digest(shown)}
    )
    assert refused.status_code == 409
    assert REASON in refused.get_data(as_text=True)
    assert _outcomes(seeded) == []
    with seeded.app_context():
        assert _document().voting_open


def test_closing_without_what_the_page_showed_closes_nothing(seeded, client):
    _open_voting(seeded)
    client.sign_in(FACILITATOR)
    for url in (f"{DOC}/voting/close", f"{CLAUSE}/voting/close"):
        for shown in ({}, {"shown": ""}, {"shown": "f" * 32}, {"shown": "é" * 70}):
            refused = client.post_form(url, {"close_reason": REASON, **shown})
            assert refused.status_code == 409
            assert 'id="closing-summary"' in refused.get_data(as_text=True)
    assert _outcomes(seeded) == []


def test_moving_to_closed_after_a_vote_changed_the_preview_closes_nothing(seeded, client):
    _open_voting(seeded)
    client.sign_in(FACILITATOR)
    shown = client.get(f"{DOC}/state/close").get_data(as_text=True)
    _vote(seeded, "officer@example.org", Choice.OPPOSE)
    data = {"note": "Consultation over", "close_reason": REASON}
    refused = client.post_form(f"{DOC}/state/close", {**data, "shown": shown_digest(shown)})
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert 'id="shown-changed"' in html and 'id="closing-summary"' in html
    assert "Consultation over" in html and REASON in html
    assert _outcomes(seeded) == []
    with seeded.app_context():
        assert _document().status == DocumentStatus.OPEN and _document().voting_open
    assert client.post_form(f"{DOC}/state/close", data).status_code == 409  # no digest
    moved = client.post_form(f"{DOC}/state/close", {**data, "shown": shown_digest(html)})
    assert moved.status_code == 303
    assert _outcomes(seeded)


def test_accepting_records_only_the_votes_and_verdict_its_page_showed(seeded, client):
    """The accept page said "Agreed" (no reason asked); a vote then changed the verdict:
    accepting records nothing and the page comes back with the votes as they now are, asking
    for the reason (409). A missing or tampered digest accepts nothing either."""
    amendment_id = _supported_by_both_under_no_turnout_rule(seeded)
    client.sign_in(FACILITATOR)
    url = f"/amendments/{amendment_id}/accept"
    page = client.get(url).get_data(as_text=True)
    assert "Agreed under the rule" in page
    with seeded.app_context():
        amendment = db.session.get(Amendment, amendment_id)
        voting.cast_vote(factories.user("officer@example.org"), Choice.OPPOSE, amendment=amendment)
        db.session.commit()
    refused = client.post_form(url, {"shown": shown_digest(page)})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert 'id="shown-changed"' in html and "nothing was accepted" in html
    assert "0 support, 1 oppose" in html  # the Officers' votes as they now are
    for tampered in ({}, {"shown": ""}, {"shown": "0" * 32}, {"shown": "é" * 40}):
        assert client.post_form(url, tampered).status_code == 409
    with seeded.app_context():
        assert db.session.get(Amendment, amendment_id).status == AmendmentStatus.OPEN
    assert "Why are you accepting it although the agreement rule does not agree it?" in html
    why = {"shown": shown_digest(html), "acceptance_reason": "Agreed at the joint session."}
    assert client.post_form(url, why).status_code == 303
    with seeded.app_context():
        assert db.session.get(Amendment, amendment_id).status == AmendmentStatus.ACCEPTED


def test_accepting_after_the_clause_changed_says_its_wording_changed(seeded, client):
    """The accept page's check covers the clause's wording as well as the votes: an edit of the
    clause after the page was opened accepts nothing, and the message says the wording may be
    what changed (before, it said only "the votes changed", with voting not even open)."""
    amendment_id = _supported_by_both_under_no_turnout_rule(seeded)
    client.sign_in(FACILITATOR)
    url = f"/amendments/{amendment_id}/accept"
    page = client.get(url).get_data(as_text=True)
    with seeded.app_context():
        clause = db.session.get(Amendment, amendment_id).clause
        amendments.edit_clause(
            clause,
            clause.heading,
            clause.body + " Edited meanwhile.",
            "Tidied",
            by=factories.user(FACILITATOR),
            seen_revision=clause.revision_number,
        )
        db.session.commit()
    refused = client.post_form(
        url, {"shown": shown_digest(page), "confirm_out_of_date": "y", "acceptance_reason": "x y"}
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "or the wording of its clause, changed after you opened this page" in html
    assert "The votes or the clause changed since you opened this page" in html
    with seeded.app_context():
        assert db.session.get(Amendment, amendment_id).status == AmendmentStatus.OPEN
