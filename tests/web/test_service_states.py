"""Every state-changing service against every document state: allowed, or refused with the
``DomainError`` subclass the row names (shared/DOMAIN.md: from Submitted onwards nothing changes
a document's text or record except the committee's decision and the administrator's adoption).
Runs on SQLite and PostgreSQL, without the demo data.

How to add a row: append ``Row(name, act, allowed, refused_with)`` to ``ROWS``.
- ``act(world)`` calls ONE service on objects of ``world`` (a ``World`` per state, built once by
  ``build_world``: a document and a joint session's agenda both in that state, with clauses,
  items, a proposal, an action and a published version). Each call is rolled back afterwards,
  so rows do not see each other's changes; a service must not commit.
- ``allowed`` is the set of state names (keys of ``STATES``) in which the call must succeed.
- In every other state it must raise ``refused_with`` (default ``DocumentNotEditable``) or a
  subclass of it.
Need another object (a discussion, a comment, an amendment)? Add a field to ``World`` and build
it in ``build_world`` while everything is still a Draft; the states are set last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AgendaProposal,
    AttendanceAnswer,
    Audience,
    Clause,
    Decision,
    Document,
    DocumentKind,
    DocumentStatus,
    DocumentVersion,
    JointSession,
    Purpose,
    RegisterMark,
    Role,
    SessionAction,
    User,
)
from app.services import (
    Conflict,
    DocumentNotEditable,
    DomainError,
    clauses,
    joint_sessions,
    lifecycle,
)
from app.services.documents import create_document
from app.services.lifecycle import NotUnderReview, TransitionRefused
from tests.helpers import make_user

S = DocumentStatus
# The seven states a person sees; "referred back" is Open again, with the committee's reasons.
STATES = {
    "draft": S.DRAFT,
    "open": S.OPEN,
    "closed": S.CLOSED,
    "submitted": S.SUBMITTED,
    "recommended": S.RECOMMENDED,
    "referred back": S.OPEN,
    "adopted": S.ADOPTED,
}
ALL = frozenset(STATES)
EDITABLE = frozenset({"draft", "open", "closed", "referred back"})
OPEN = frozenset({"open", "referred back"})


@dataclass
class People:
    facilitator: User
    member: User
    officer: User
    standards: User
    admin: User


@dataclass
class World:
    """One document and one session agenda in ``state``, and what the rows act on."""

    state: str
    people: People
    document: Document  # an Accord
    clause: Clause  # live, first
    second: Clause  # live, second
    fixed: Clause  # live, numbered "7A" by hand
    retired: Clause  # retired
    version: DocumentVersion  # the Accord's published version 1
    session: JointSession  # starts in 30 days
    item: Clause  # the agenda's first item
    proposal: AgendaProposal  # proposed, undecided
    action: SessionAction  # not done
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    name: str
    act: Callable[[World], object]
    allowed: frozenset[str]
    refused_with: type[DomainError] = DocumentNotEditable


def make_people() -> People:
    def person(name: str, *roles: Role) -> User:
        user = User(email=f"{name}@example.org", display_name=name.title(), active=True)
        user.set_roles(set(roles))
        db.session.add(user)
        return user

    people = People(
        facilitator=person("facilitator", Role.FACILITATOR),
        member=person("member", Role.MEMBER),
        officer=person("officer", Role.OFFICER),
        standards=person("standards", Role.STANDARDS),
        admin=person("admin", Role.ADMIN),
    )
    db.session.flush()
    return people


def build_world(state: str, people: People) -> World:
    """Everything built as a Draft, then both documents put in ``state``."""
    by = people.facilitator
    document = create_document(DocumentKind.ACCORD, f"Accord ({state})", "", by=by)
    clause = clauses.add_clause(document, "Respect", "We listen.", by=by)
    second = clauses.add_clause(document, "Trust", "We trust.", by=by)
    fixed = clauses.add_clause(document, "Roles", "We know them.", by=by)
    clauses.fix_number(fixed, "7A", by=by)
    retired = clauses.add_clause(document, "Old", "Gone.", by=by)
    clauses.retire_clause(retired, "Merged", by=by)
    version = lifecycle.publish_version(document, by=by)

    session = joint_sessions.create_session(
        title=f"Session ({state})",
        theme="Trust",
        day=date.today() + timedelta(days=30),
        start=time(10),
        end=time(12),
        venue="Town Hall",
        is_off_site=False,
        audience=Audience.BOTH,
        facilitator_name="",
        facilitator_is_external=False,
        recommendations=[],
        by=by,
    )
    item = joint_sessions.add_item(
        session,
        "Welcome",
        "Hello.",
        purpose=Purpose.INFORMATION,
        lead="",
        duration_minutes=10,
        by=by,
    )
    joint_sessions.add_item(
        session, "Trust", "Talk.", purpose=Purpose.DISCUSSION, lead="", duration_minutes=30, by=by
    )
    proposal = AgendaProposal(
        session_id=session.id,
        title="Parking",
        description="Where we meet.",
        purpose=Purpose.DISCUSSION,
        duration_minutes=15,
        proposer=people.member,
    )
    db.session.add(proposal)
    action = joint_sessions.add_action(
        session, item, what="Book a room", who="Ann", due_on=None, by=by
    )
    agenda_version = lifecycle.publish_version(session.agenda, by=by)

    for doc, doc_version in ((document, version), (session.agenda, agenda_version)):
        doc.status = STATES[state]
        if STATES[state] not in (S.DRAFT, S.OPEN, S.CLOSED) or state == "referred back":
            doc.submitted_version_id = doc_version.id
        if state == "referred back":
            doc.referral_reasons = "Say more about trust."
        if state == "adopted":
            doc.adopted_version_id, doc.full_council_date = doc_version.id, date.today()
    db.session.flush()
    return World(
        state=state,
        people=people,
        document=document,
        clause=clause,
        second=second,
        fixed=fixed,
        retired=retired,
        version=version,
        session=session,
        item=item,
        proposal=proposal,
        action=action,
    )


def _publish_changed(world: World) -> DocumentVersion:
    """The next version, of a text changed since version 1 (the same text is refused in
    every state: ``lifecycle.VersionUnchanged``)."""
    world.document.title += " (revised)"
    return lifecycle.publish_version(world.document, by=_by(world))


def _by(world: World) -> User:
    return world.people.facilitator


def _second_item(world: World) -> Clause:
    return clauses.live_clauses(world.session.agenda)[1]


ROWS = [
    # Clauses (app/services/clauses.py)
    Row(
        "add a clause",
        lambda w: clauses.new_clause(w.document, "New", "Text.", by=_by(w), recommendations=[]),
        EDITABLE,
    ),
    Row(
        "add a clause after another",
        lambda w: clauses.add_clause(w.document, "New", "Text.", by=_by(w), after=w.clause),
        EDITABLE,
    ),
    Row("move a clause", lambda w: clauses.move_clause(w.clause, 2, by=_by(w)), EDITABLE),
    Row("move a clause by one", lambda w: clauses.move_clause_by(w.clause, 1, by=_by(w)), EDITABLE),
    Row("fix a clause number", lambda w: clauses.fix_number(w.clause, "1A", by=_by(w)), EDITABLE),
    Row("release a fixed number", lambda w: clauses.release_number(w.fixed, by=_by(w)), EDITABLE),
    Row("retire a clause", lambda w: clauses.retire_clause(w.second, "Dup", by=_by(w)), EDITABLE),
    Row("reinstate a clause", lambda w: clauses.reinstate_clause(w.retired, by=_by(w)), EDITABLE),
    Row(
        "reword a clause",
        lambda w: clauses.revise_clause(w.clause, "Respect", "We hear.", by=_by(w), reason="Tidy"),
        EDITABLE,
    ),
    # Agendas (app/services/joint_sessions.py)
    Row(
        "add an agenda item",
        lambda w: joint_sessions.add_item(
            w.session,
            "More",
            "Text.",
            purpose=Purpose.WORKSHOP,
            lead="",
            duration_minutes=5,
            by=_by(w),
        ),
        EDITABLE,
    ),
    Row("move an agenda item", lambda w: clauses.move_clause(w.item, 2, by=_by(w)), EDITABLE),
    Row(
        "move an agenda item by one",
        lambda w: clauses.move_clause_by(_second_item(w), -1, by=_by(w)),
        EDITABLE,
    ),
    Row(
        "retire an agenda item",
        lambda w: clauses.retire_clause(w.item, "Dropped", by=_by(w)),
        EDITABLE,
    ),
    Row(
        "propose an agenda item",
        lambda w: joint_sessions.propose_item(
            w.session,
            title="Buses",
            description="Late.",
            purpose=Purpose.DISCUSSION,
            duration_minutes=10,
            by=w.people.member,
        ),
        OPEN,
        Conflict,
    ),
    Row(
        "accept a proposal",
        lambda w: joint_sessions.accept_proposal(w.proposal, w.session, by=_by(w)),
        EDITABLE,
    ),
    Row(
        "decline a proposal",
        lambda w: joint_sessions.decline_proposal(w.proposal, w.session, "No time", by=_by(w)),
        EDITABLE,
    ),
    Row(
        "record an outcome",
        lambda w: joint_sessions.record_outcome(w.item, "Agreed.", by=_by(w)),
        EDITABLE,
    ),
    Row(
        "add an action",
        lambda w: joint_sessions.add_action(
            w.session, w.item, what="Write up", who="Bo", due_on=None, by=_by(w)
        ),
        EDITABLE,
    ),
    Row("mark an action done", lambda w: joint_sessions.mark_done(w.action, by=_by(w)), ALL),
    Row(
        "publish an agenda",
        lambda w: joint_sessions.publish_agenda(w.session, by=_by(w)),
        frozenset({"draft"}),
        Conflict,
    ),
    Row(
        "answer attendance",
        lambda w: joint_sessions.answer_attendance(
            w.session, w.people.member, AttendanceAnswer.YES
        ),
        EDITABLE - {"draft"},
        Conflict,
    ),
    Row(
        "take the register",
        lambda w: joint_sessions.mark_register(
            w.session, {w.people.member.id: RegisterMark.PRESENT}, by=_by(w)
        ),
        EDITABLE - {"draft"},
        Conflict,
    ),
    Row(
        "link an item to a clause",
        lambda w: joint_sessions.link_clause(w.item, w.clause, by=_by(w)),
        EDITABLE,
    ),
    Row(
        "unlink a clause from an item",
        lambda w: joint_sessions.unlink_clause(w.item, w.clause, by=_by(w)),
        EDITABLE,
    ),
    Row(
        "make an outcome a clause",
        lambda w: joint_sessions.outcome_to_clause(w.item, w.document, "From", "It.", by=_by(w)),
        EDITABLE,
    ),
    # Versions and moves (app/services/lifecycle.py)
    Row("publish a version", lambda w: _publish_changed(w), EDITABLE),
    Row(
        "open",
        lambda w: lifecycle.move(w.document, S.OPEN, by=_by(w)),
        frozenset({"draft", "closed"}),
        TransitionRefused,
    ),
    Row(
        "close",
        lambda w: lifecycle.move(w.document, S.CLOSED, by=_by(w)),
        OPEN,
        TransitionRefused,
    ),
    Row(
        "submit to the committee",
        lambda w: lifecycle.move(w.document, S.SUBMITTED, by=_by(w), version=w.version),
        frozenset({"closed"}),
        TransitionRefused,
    ),
    Row(
        "write a review note",
        lambda w: lifecycle.add_review_note(w.version, "Clear.", by=w.people.standards),
        frozenset({"submitted"}),
        NotUnderReview,
    ),
    Row(
        "recommend to Full Council",
        lambda w: lifecycle.decide(
            w.document, Decision.RECOMMEND, date.today(), by=w.people.standards
        ),
        frozenset({"submitted"}),
        TransitionRefused,
    ),
    Row(
        "refer back",
        lambda w: lifecycle.decide(
            w.document, Decision.REFER_BACK, date.today(), by=w.people.standards, reasons="More"
        ),
        frozenset({"submitted"}),
        TransitionRefused,
    ),
    Row(
        "adopt",
        lambda w: lifecycle.adopt(w.document, date.today(), by=w.people.admin),
        frozenset({"recommended"}),
        TransitionRefused,
    ),
]


def _problem(row: Row, state: str, outcome: DomainError | None) -> str | None:
    """What is wrong with ``outcome`` (None: allowed) for ``row`` in ``state``, if anything."""
    if state in row.allowed:
        return None if outcome is None else f"refused: {type(outcome).__name__}: {outcome}"
    if isinstance(outcome, row.refused_with):
        return None
    got = "allowed" if outcome is None else type(outcome).__name__
    return f"expected {row.refused_with.__name__}, got {got}"


def test_each_service_in_each_state(app):
    """One world per state, built once; each row runs in it and is rolled back."""
    wrong: dict[str, dict[str, str]] = {}
    with app.app_context():
        people = make_people()
        worlds = {state: build_world(state, people) for state in STATES}
        db.session.commit()
        for row in ROWS:
            for state, world in worlds.items():
                outcome = None
                try:
                    row.act(world)
                    db.session.flush()
                except DomainError as error:
                    outcome = error
                finally:
                    db.session.rollback()
                problem = _problem(row, state, outcome)
                if problem:
                    wrong.setdefault(row.name, {})[state] = problem
    assert not wrong, wrong


def test_the_refusals_carry_their_statuses():
    from app.services import Gone, Invalid
    from app.services.clauses import BadNumber, BadPosition, ClauseRetired, NotInDocument

    assert DocumentNotEditable.status == TransitionRefused.status == NotUnderReview.status == 409
    assert issubclass(DocumentNotEditable, Conflict)
    assert issubclass(ClauseRetired, Gone) and ClauseRetired.status == 410
    assert all(issubclass(e, Invalid) for e in (BadNumber, BadPosition, NotInDocument))
    assert joint_sessions.SessionOver.status == joint_sessions.AlreadyDecided.status == 409


def test_a_refusal_says_what_the_state_is(app):
    with app.app_context():
        world = build_world("submitted", make_people())
        with pytest.raises(DocumentNotEditable) as refused:
            clauses.move_clause(world.item, 2, by=world.people.facilitator)
        assert str(refused.value) == (
            "The agenda is Submitted to Standards Committee, so it can no longer change."
        )
        db.session.rollback()


def test_a_retired_clause_is_gone_in_an_editable_document(app):
    from app.services.clauses import ClauseRetired

    with app.app_context():
        world = build_world("open", make_people())
        for act in (
            lambda: clauses.move_clause(world.retired, 1, by=world.people.facilitator),
            lambda: clauses.revise_clause(
                world.retired, "Old", "Back.", by=world.people.facilitator, reason="x"
            ),
            lambda: joint_sessions.record_outcome(world.retired, "x", by=world.people.facilitator),
        ):
            with pytest.raises(ClauseRetired):
                act()
        db.session.rollback()


# The agenda of a Submitted or Adopted session cannot be changed by any route.


def _agenda_record(session_id: int) -> tuple:
    """Everything a route could change on a session's agenda."""
    from app.models import AgendaItem

    session = db.session.get(JointSession, session_id)
    items = db.session.scalars(
        select(Clause).where(Clause.document_id == session.agenda_id).order_by(Clause.id)
    ).all()
    return (
        session.agenda.status,
        [(c.id, c.position, c.number, c.heading, c.retired_at, c.revision_number) for c in items],
        [
            (p.id, p.status, p.clause_id)
            for p in db.session.scalars(
                select(AgendaProposal).where(AgendaProposal.session_id == session_id)
            )
        ],
        [db.session.get(AgendaItem, c.id).outcome for c in items],
        db.session.scalar(
            select(func.count()).select_from(SessionAction).filter_by(session_id=session_id)
        ),
    )


@pytest.mark.parametrize("state", ["submitted", "adopted"])
def test_no_route_changes_the_agenda_once_submitted(app, client, state):
    make_user(app, "lead@example.org", roles=(Role.FACILITATOR,))
    make_user(app, "voter@example.org", roles=(Role.MEMBER,))
    with app.app_context():
        world = build_world(state, make_people())
        db.session.commit()
        session_id, slug = world.session.id, world.session.agenda.slug
        item, proposal = world.item.id, world.proposal.id
        before = _agenda_record(session_id)
    at = f"/sessions/{session_id}"
    manage = f"/documents/{slug}/manage"
    new_item = {"heading": "Late", "body": "x", "purpose": "discussion", "duration_minutes": "5"}
    facilitator_routes = [
        ("GET", f"{at}/items/new", None, 409),
        ("POST", f"{at}/items/new", new_item, 409),
        ("POST", f"{at}/items/{item}/move", {"direction": "down"}, 409),
        ("POST", f"{at}/items/{item}/move", {"position": "2"}, 409),
        ("POST", f"/proposals/{proposal}/accept", {}, 409),
        ("GET", f"/proposals/{proposal}/decline", None, 409),
        ("POST", f"/proposals/{proposal}/decline", {"reason": "No time"}, 409),
        ("POST", f"{at}/items/{item}/outcome", {"form": "outcome", "outcome-outcome": "x"}, 409),
        (
            "POST",
            f"{at}/items/{item}/outcome",
            {"form": "action", "action-what": "x", "action-who": "y"},
            409,
        ),
        ("POST", f"{at}/publish", {}, 409),
        ("GET", f"{manage}/add", None, 409),
        ("POST", f"{manage}/add", {"heading": "Late", "body": "x", "after": "end"}, 409),
        ("POST", f"{manage}/{item}/move", {"direction": "down"}, 409),
        ("POST", f"{manage}/{item}/number", {"number": "9"}, 409),
        ("POST", f"{manage}/{item}/retire", {"reason": "Late"}, 409),
        ("POST", f"{manage}/{item}/reinstate", {}, 409),
    ]
    client.sign_in("lead@example.org")
    answers = {}
    for method, path, data, expected in facilitator_routes:
        response = client.get(path) if method == "GET" else client.post_form(path, data)
        answers[(method, path, str(data))] = (response.status_code, expected)
    client.sign_in("voter@example.org")
    response = client.post_form(
        f"{at}/propose",
        {"title": "Buses", "description": "Late", "purpose": "discussion", "duration_minutes": "5"},
    )
    # A Member may propose items; the agenda's state refuses it (409, saying why), not a 403.
    answers[("POST", f"{at}/propose", "member")] = (response.status_code, 409)
    wrong = {route: got for route, got in answers.items() if got[0] != got[1]}
    assert not wrong, wrong
    with app.app_context():
        assert _agenda_record(session_id) == before


def test_the_session_page_offers_no_agenda_changes_once_submitted(app, client):
    make_user(app, "lead@example.org", roles=(Role.FACILITATOR,))
    with app.app_context():
        world = build_world("submitted", make_people())
        db.session.commit()
        session_id, item = world.session.id, world.item.id
    client.sign_in("lead@example.org")
    page = client.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert "/move" not in page and "/items/new" not in page and "/accept" not in page
    assert "Outcome and actions" in page  # still readable
    outcome = client.get(f"/sessions/{session_id}/items/{item}/outcome")
    assert outcome.status_code == 200
    assert 'name="form" value="outcome"' not in outcome.get_data(as_text=True)
