"""Notifications for new jobs, voting results, and digests that never describe a stale state."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.mail import sent_mail
from app.models import Choice, Notification, NotificationKind, Purpose, utcnow
from app.services import joint_sessions, voting
from app.services import notifications as service
from tests import factories


def _kinds(app, email: str) -> list[tuple[NotificationKind, str]]:
    with app.app_context():
        user = factories.user(email)
        return [
            (n.kind, n.text)
            for n in db.session.scalars(
                select(Notification)
                .where(Notification.user_id == user.id)
                .order_by(Notification.id)
            )
        ]


def test_a_facilitator_hears_of_a_new_amendment_and_a_proposed_item(app):
    with factories.built(app):
        factories.facilitator()
        document = factories.document(clauses=1)
        factories.amendment(factories.clause(document))
        session = factories.joint_session(title="Roles workshop")
        joint_sessions.propose_item(
            session,
            title="Briefings",
            description="How Members are briefed.",
            purpose=Purpose.DISCUSSION,
            duration_minutes=20,
            by=factories.user("member@example.org"),
        )
    kinds = _kinds(app, "facilitator@example.org")
    assert any(
        k == NotificationKind.NEW_AMENDMENT
        and t.endswith("proposed an amendment to clause 1 of Ways of Working Accord")
        for k, t in kinds
    )
    assert any(
        k == NotificationKind.NEW_PROPOSAL and "“Briefings”" in t and "“Roles workshop”" in t
        for k, t in kinds
    )


def test_everyone_who_took_part_hears_the_voting_result(app):
    with factories.built(app):
        member, officer = factories.member(), factories.officer()
        bystander = factories.member()
        document = factories.voting_opened(factories.document(clauses=2))
        voting.cast_vote(member, Choice.SUPPORT, clause=factories.clause(document, "1"))
        voting.cast_vote(officer, Choice.SUPPORT, clause=factories.clause(document, "1"))
        voting.close_voting(document, by=factories.facilitator(), reason=None)
        bystander_email = bystander.email
    result = [
        t for k, t in _kinds(app, "member@example.org") if k == NotificationKind.VOTING_RESULT
    ]
    assert result == ["Voting on Ways of Working Accord has closed: 1 of 2 items agreed"]
    assert any(k == NotificationKind.VOTING_RESULT for k, _ in _kinds(app, "officer@example.org"))
    assert not any(k == NotificationKind.VOTING_RESULT for k, _ in _kinds(app, bystander_email))


def test_closing_one_clause_tells_who_took_part_in_it(app):
    with factories.built(app):
        member = factories.member()
        document = factories.voting_opened(factories.document(clauses=2))
        clause = factories.clause(document, "2")
        voting.cast_vote(member, Choice.OPPOSE, clause=clause)
        voting.close_clause_voting(clause, by=factories.facilitator(), reason="Agreed early")
    result = [
        t for k, t in _kinds(app, "member@example.org") if k == NotificationKind.VOTING_RESULT
    ]
    assert result == ["Voting on clause 2 of Ways of Working Accord has closed: 0 of 1 item agreed"]


def _digest_body(app) -> str | None:
    sent_mail(app).clear()
    with app.app_context():
        service.send_digests()
    messages = [m for m in sent_mail(app) if m["To"] == "member@example.org"]
    return messages[0].get_content() if messages else None


def test_a_digest_leaves_out_voting_that_has_closed_since(app):
    with factories.built(app):
        factories.member()
        document = factories.voting_opened(
            factories.document(clauses=1), closes_at=utcnow() + timedelta(days=3)
        )
        voting.close_voting(document, by=factories.facilitator(), reason="Everyone has voted")
        factories.move_to(document, "adopted")
    assert any(k == NotificationKind.VOTING_OPENED for k, _ in _kinds(app, "member@example.org"))
    body = _digest_body(app)
    assert body is None or "Voting is open" not in body
    # Left out, it is not sent later either.
    assert _digest_body(app) is None


def test_a_digest_words_open_voting_from_its_current_closing_time(app):
    later = utcnow() + timedelta(days=5)
    with factories.built(app):
        factories.member()
        document = factories.voting_opened(
            factories.document(clauses=1), closes_at=utcnow() + timedelta(days=2)
        )
        document.voting_closes_at = later
    body = _digest_body(app)
    assert body is not None
    from app.templating import london_time

    assert f"Voting is open on Ways of Working Accord until {london_time(later)}" in body
