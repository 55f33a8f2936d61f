"""Every participation service against every document state, on both databases.

Each row of ``ROWS`` is (name, action, allowed states). A test builds one small world per
state (a document with one clause, a discussion with a comment and a hidden comment, an
amendment, an interest declared; voting open), runs the action in each and expects it to
succeed in exactly the allowed states and to raise the DomainError subclass the state calls
for everywhere else. The rows are plain data so they can join the clause and agenda grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Amendment,
    Choice,
    Clause,
    Comment,
    Discussion,
    Document,
    DocumentKind,
    DocumentStatus,
    Recommendation,
    RecommendationSource,
    Role,
    User,
    utcnow,
)
from app.services import (
    ClauseRetired,
    Conflict,
    DomainError,
    amendments,
    clauses,
    discussions,
    people,
    voting,
)
from tests.helpers import PASSWORD
from tests.snapshots import snapshot

S = DocumentStatus

# The states of the grid: the document's seven states (Referred back is Open again, with the
# committee's reasons), and three Open worlds where something else is closed.
DRAFT, OPEN, CLOSED = "Draft", "Open", "Closed"
SUBMITTED, RECOMMENDED, REFERRED, ADOPTED = "Submitted", "Recommended", "Referred back", "Adopted"
LOCKED, RETIRED, VOTING_CLOSED = "discussion locked", "clause retired", "voting closed"
STATES = {
    DRAFT: S.DRAFT,
    OPEN: S.OPEN,
    CLOSED: S.CLOSED,
    SUBMITTED: S.SUBMITTED,
    RECOMMENDED: S.RECOMMENDED,
    REFERRED: S.OPEN,
    ADOPTED: S.ADOPTED,
    LOCKED: S.OPEN,
    RETIRED: S.OPEN,
    VOTING_CLOSED: S.OPEN,
}
# What a refusal in each state must be.
REFUSAL = {
    LOCKED: discussions.DiscussionLocked,
    RETIRED: ClauseRetired,
    VOTING_CLOSED: voting.VotingClosed,
}

TAKING_PART = {OPEN, REFERRED, LOCKED, VOTING_CLOSED}  # and not on a retired clause
VOTING = {OPEN, REFERRED, LOCKED}
WORKING = {DRAFT, OPEN, CLOSED, REFERRED, LOCKED, VOTING_CLOSED}  # before Submitted
ANY_CLAUSE = {RETIRED}  # the action is not about the clause


@dataclass
class World:
    document: Document
    clause: Clause
    discussion: Discussion
    comment: Comment
    hidden: Comment
    amendment: Amendment
    recommendation: Recommendation
    member: User
    officer: User
    facilitator: User


def _people(password: str | None = None) -> dict[str, int]:
    """A Member, an Officer, a facilitator and one recommendation; their ids."""
    ids = {}
    for name, role in (("member", Role.MEMBER), ("officer", Role.OFFICER), ("facilitator", None)):
        roles = {role} if role else {Role.FACILITATOR}
        user = people.create_user(f"{name}@example.org", name.title(), roles, password=password)
        ids[name] = user.id
    source = RecommendationSource(name="Culture Review", short_name="CR", slug="culture-review")
    db.session.add(source)
    db.session.flush()
    recommendation = Recommendation(source_id=source.id, letter="g", text="Work together.")
    db.session.add(recommendation)
    db.session.flush()
    ids["recommendation"] = recommendation.id
    return ids


def _build(state: str, ids: dict[str, int], n: int) -> int:
    """One world in ``state``, built while Open through the services; returns the document id."""
    member, officer, facilitator = (
        db.session.get(User, ids[name]) for name in ("member", "officer", "facilitator")
    )
    recommendation = db.session.get(Recommendation, ids["recommendation"])
    document = Document(kind=DocumentKind.ACCORD, slug=f"d{n}", title=f"D{n}", status=S.OPEN)
    db.session.add(document)
    clause = clauses.add_clause(document, "Heading", "Body.", by=facilitator)
    discussion = discussions.start_discussion(
        document, clause, "About it", "First.", [recommendation], by=member
    )
    hidden = discussions.add_comment(discussion, "Second.", by=member)
    discussions.hide_comment(hidden, "Unkind", by=facilitator)
    amendments.propose_amendment(
        clause, "Heading", "Better.", "Clearer.", [recommendation], by=member
    )
    voting.open_voting(document, by=facilitator)
    voting.cast_vote(officer, Choice.INTEREST, clause=clause, interest_reason="My partner")
    db.session.flush()
    document.status = STATES[state]
    if state == REFERRED:
        document.referral_reasons = "Say more about trust."
    if state == LOCKED:
        discussions.set_locked(discussion, True, by=facilitator)
    if state == RETIRED:
        clause.retired_at, clause.retired_reason = utcnow(), "Merged into another clause"
    if state == VOTING_CLOSED:
        document.voting_open = False
    db.session.flush()
    return document.id


def _world(document_id: int, ids: dict[str, int]) -> World:
    document = db.session.get(Document, document_id)
    clause = db.session.scalars(select(Clause).where(Clause.document_id == document_id)).one()
    discussion = db.session.scalars(
        select(Discussion).where(Discussion.document_id == document_id)
    ).one()
    comments = db.session.scalars(
        select(Comment).where(Comment.discussion_id == discussion.id).order_by(Comment.id)
    ).all()
    return World(
        document=document,
        clause=clause,
        discussion=discussion,
        comment=comments[0],
        hidden=comments[1],
        amendment=db.session.scalars(
            select(Amendment).where(Amendment.clause_id == clause.id)
        ).one(),
        recommendation=db.session.get(Recommendation, ids["recommendation"]),
        member=db.session.get(User, ids["member"]),
        officer=db.session.get(User, ids["officer"]),
        facilitator=db.session.get(User, ids["facilitator"]),
    )


def _open_voting_again(w: World) -> None:
    w.document.voting_open = False
    voting.open_voting(w.document, by=w.facilitator)


def _set_rule(w: World) -> None:
    w.document.voting_open = False
    voting.set_rule(w.document, 30, 30, by=w.facilitator)


# (name, action, states in which it is allowed)
ROWS = [
    (
        "start a discussion on a clause",
        lambda w: discussions.start_discussion(
            w.document, w.clause, "More", "Text.", [w.recommendation], by=w.officer
        ),
        TAKING_PART,
    ),
    (
        "start a discussion on the document",
        lambda w: discussions.start_discussion(
            w.document, None, "More", "Text.", [w.recommendation], by=w.officer
        ),
        TAKING_PART | ANY_CLAUSE,
    ),
    (
        "comment",
        lambda w: discussions.add_comment(w.discussion, "Yes.", by=w.officer),
        TAKING_PART - {LOCKED},
    ),
    (
        "reply",
        lambda w: discussions.add_comment(w.discussion, "Yes.", by=w.officer, parent=w.comment),
        TAKING_PART - {LOCKED},
    ),
    (
        "edit one's comment",
        lambda w: discussions.edit_comment(w.comment, "Changed.", by=w.member, seen_edit_count=0),
        TAKING_PART - {LOCKED},
    ),
    (
        "withdraw one's comment",
        lambda w: discussions.withdraw_comment(w.comment, by=w.member),
        TAKING_PART - {LOCKED},
    ),
    (
        "hide a comment",
        lambda w: discussions.hide_comment(w.comment, "Rude", by=w.facilitator),
        WORKING | ANY_CLAUSE,
    ),
    (
        "unhide a comment",
        lambda w: discussions.unhide_comment(w.hidden, by=w.facilitator),
        WORKING | ANY_CLAUSE,
    ),
    (
        "lock a discussion",
        lambda w: discussions.set_locked(w.discussion, True, by=w.facilitator),
        WORKING | ANY_CLAUSE,
    ),
    (
        "unlock a discussion",
        lambda w: discussions.set_locked(w.discussion, False, by=w.facilitator),
        WORKING | ANY_CLAUSE,
    ),
    (
        "relink a discussion's recommendations",
        lambda w: discussions.relink(w.discussion, [w.recommendation], by=w.facilitator),
        WORKING | ANY_CLAUSE,
    ),
    (
        "vote on a clause",
        lambda w: voting.cast_vote(w.member, Choice.SUPPORT, clause=w.clause),
        VOTING,
    ),
    (
        "vote on an amendment",
        lambda w: voting.cast_vote(w.member, Choice.OPPOSE, amendment=w.amendment),
        VOTING,
    ),
    (
        "declare an interest",
        lambda w: voting.cast_vote(
            w.member, Choice.INTEREST, clause=w.clause, interest_reason="My ward"
        ),
        VOTING,
    ),
    (
        "withdraw a declaration of interest",
        lambda w: voting.withdraw_interest(w.officer, clause=w.clause),
        VOTING,
    ),
    ("open voting", _open_voting_again, TAKING_PART | ANY_CLAUSE),
    (
        "close voting on the document",
        lambda w: voting.close_voting(w.document, by=w.facilitator),
        VOTING | ANY_CLAUSE,
    ),
    (
        "close voting on a clause",
        lambda w: voting.close_clause_voting(w.clause, by=w.facilitator),
        VOTING,
    ),
    ("set the agreement rule", _set_rule, TAKING_PART | ANY_CLAUSE),
    (
        "stop amendments to the document",
        lambda w: voting.set_amendments_stopped(w.document, True, by=w.facilitator),
        TAKING_PART | ANY_CLAUSE,
    ),
    (
        "stop amendments to a clause",
        lambda w: voting.set_amendments_stopped(
            w.document, True, by=w.facilitator, clause=w.clause
        ),
        TAKING_PART,
    ),
    (
        "propose an amendment",
        lambda w: amendments.propose_amendment(
            w.clause, "Heading", "Best.", "Why.", [w.recommendation], by=w.officer
        ),
        TAKING_PART,
    ),
    (
        "withdraw one's amendment",
        lambda w: amendments.withdraw_amendment(w.amendment, by=w.member),
        WORKING,
    ),
    (
        "accept an amendment",
        lambda w: amendments.accept_amendment(w.amendment, by=w.facilitator, reason="Agreed."),
        WORKING,
    ),
    (
        "reject an amendment",
        lambda w: amendments.reject_amendment(w.amendment, "No.", by=w.facilitator),
        WORKING,
    ),
    (
        "edit a clause directly",
        lambda w: amendments.edit_clause(
            w.clause, "Heading", "Reworded.", "Tidier", by=w.facilitator, seen_revision=1
        ),
        WORKING,
    ),
]


def _expected_refusal(state: str) -> type[DomainError]:
    return REFUSAL.get(state, Conflict)


@pytest.fixture
@snapshot
def every_state(app) -> tuple[dict[str, int], dict[str, int]]:
    """The people's ids, and a world's document id for each state (the rows share them: each
    action is rolled back)."""
    with app.app_context():
        ids = _people()
        worlds = {state: _build(state, ids, n) for n, state in enumerate(STATES)}
        db.session.commit()
    return ids, worlds


@pytest.mark.parametrize(("name", "action", "allowed"), ROWS, ids=[row[0] for row in ROWS])
def test_each_participation_service_in_each_state(app, every_state, name, action, allowed):
    ids, worlds = every_state
    with app.app_context():
        wrong = []
        for state, document_id in worlds.items():
            world = _world(document_id, ids)
            try:
                action(world)
                db.session.flush()
            except DomainError as error:
                expected = _expected_refusal(state)
                if state in allowed:
                    wrong.append(f"{state}: refused ({type(error).__name__}: {error})")
                elif not isinstance(error, expected):
                    wrong.append(f"{state}: {type(error).__name__}, not {expected.__name__}")
                elif error.status != expected.status:
                    wrong.append(f"{state}: status {error.status}, not {expected.status}")
            else:
                if state not in allowed:
                    wrong.append(f"{state}: allowed")
            finally:
                db.session.rollback()
        assert not wrong, f"{name}:\n" + "\n".join(wrong)


def test_a_comment_past_the_edit_window_is_refused(app):
    """The edit window is its own refusal (409), also for withdrawing."""
    with app.app_context():
        ids = _people()
        world = _world(_build(OPEN, ids, 0), ids)
        world.comment.created_at = utcnow() - timedelta(days=1)
        with pytest.raises(discussions.EditWindowClosed) as refused:
            discussions.edit_comment(world.comment, "Late.", by=world.member, seen_edit_count=0)
        assert refused.value.status == 409
        with pytest.raises(discussions.EditWindowClosed):
            discussions.withdraw_comment(world.comment, by=world.member)


# The routes: the service refuses, the one error handler answers ------------------------------


def _submitted_amendment(app) -> int:
    with app.app_context():
        ids = _people(password=PASSWORD)
        world = _world(_build(SUBMITTED, ids, 0), ids)
        db.session.commit()
        return world.amendment.id


def _amendment_status(app, amendment_id: int) -> str:
    with app.app_context():
        return db.session.get(Amendment, amendment_id).status.value


def test_no_amendment_is_withdrawn_once_the_document_is_submitted(app, client):
    amendment_id = _submitted_amendment(app)
    client.sign_in("member@example.org")
    page = client.get(f"/amendments/{amendment_id}").get_data(as_text=True)
    assert "Withdraw" not in page
    assert client.get(f"/amendments/{amendment_id}/withdraw").status_code == 409
    refused = client.post_form(f"/amendments/{amendment_id}/withdraw")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Amendments can only be withdrawn before the document goes to the Standards" in html
    assert "Nothing was changed." in html
    assert _amendment_status(app, amendment_id) == "open"


def test_a_plain_form_refused_by_a_service_is_sent_back_with_the_message(app, client):
    amendment_id = _submitted_amendment(app)
    client.sign_in("member@example.org")
    back = f"http://localhost/amendments/{amendment_id}"
    refused = client.post_form(f"/amendments/{amendment_id}/withdraw", headers={"Referer": back})
    assert refused.status_code == 303
    assert refused.headers["Location"] == f"/amendments/{amendment_id}"
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Amendments can only be withdrawn before the document goes to the Standards" in page
    assert _amendment_status(app, amendment_id) == "open"


def test_an_htmx_request_refused_by_a_service_gets_the_banner_with_its_status(app, client):
    amendment_id = _submitted_amendment(app)
    client.sign_in("member@example.org")
    refused = client.post_form(f"/amendments/{amendment_id}/withdraw", htmx=True)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "<html" not in html
    assert refused.headers["HX-Retarget"] == "#app-errors"
    assert "Amendments can only be withdrawn before the document goes to the Standards" in html
    assert _amendment_status(app, amendment_id) == "open"
