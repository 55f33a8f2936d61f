"""The permission grid: every predicate in app/permissions.py, every role × every document state
(Draft, Open, Closed, Submitted, Recommended, Referred back, Adopted) where it depends on one."""

from __future__ import annotations

import inspect
import sys
from datetime import timedelta

import pytest
from flask import Flask

from app.models import (
    Amendment,
    AmendmentStatus,
    Audience,
    Clause,
    Comment,
    Discussion,
    Document,
    DocumentStatus,
    JointSession,
    Notification,
    Role,
    User,
    UserSession,
    utcnow,
)
from app.permissions import (
    PREDICATES,
    can_accept_suggestions,
    can_adopt,
    can_anonymise,
    can_answer_attendance,
    can_attend,
    can_comment,
    can_comment_on_passage,
    can_create_document,
    can_decide_amendment,
    can_download_own_data,
    can_edit_agenda,
    can_edit_clause,
    can_edit_comment,
    can_end_session,
    can_export_personal_data,
    can_export_version,
    can_export_working_text,
    can_manage_clauses,
    can_manage_people,
    can_manage_recommendations,
    can_manage_sessions,
    can_manage_voting,
    can_moderate,
    can_move_document,
    can_offer_acceptance,
    can_offer_adoption,
    can_offer_agenda_item,
    can_offer_amendment,
    can_offer_amendment_withdrawal,
    can_offer_ballot,
    can_offer_clause_edit,
    can_offer_clause_management,
    can_offer_comment,
    can_offer_comment_edit,
    can_offer_decision,
    can_offer_discussion,
    can_offer_moderation,
    can_offer_move,
    can_offer_passage_comment,
    can_offer_review,
    can_offer_suggestions_acceptance,
    can_offer_version_publishing,
    can_offer_vote,
    can_offer_voting_controls,
    can_offer_word_suggestions,
    can_propose_agenda_item,
    can_propose_amendment,
    can_publish_version,
    can_read_document,
    can_read_notification,
    can_read_recommendations,
    can_read_review_notes,
    can_read_session,
    can_reset_two_factor,
    can_review,
    can_search,
    can_see_audit,
    can_start_discussion,
    can_suggest_in_word,
    can_switch_off_two_factor,
    can_vote,
    can_withdraw_amendment,
)


def person(*roles: Role, active: bool = True) -> User:
    user = User(email="x@example.org", display_name="X", active=active)
    user.set_roles(set(roles))
    return user


ROLES = list(Role)
READ_DRAFT = {Role.FACILITATOR, Role.ADMIN}


@pytest.mark.parametrize("status", list(DocumentStatus), ids=str)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_reading_a_document(role, status):
    document = Document(status=status)
    expected = status != DocumentStatus.DRAFT or role in READ_DRAFT
    assert can_read_document(person(role), document) is expected


@pytest.mark.parametrize("status", list(DocumentStatus), ids=str)
def test_nobody_reads_anything_once_deactivated_or_signed_out(status):
    document = Document(status=status)
    for role in ROLES:
        assert can_read_document(person(role, active=False), document) is False
    assert can_read_document(None, document) is False
    assert can_read_recommendations(person(Role.ADMIN, active=False)) is False


def test_a_member_on_the_standards_committee_has_both_columns():
    both = person(Role.MEMBER, Role.STANDARDS)
    assert both.is_member and both.is_standards
    assert can_read_document(both, Document(status=DocumentStatus.OPEN))
    assert not can_read_document(both, Document(status=DocumentStatus.DRAFT))


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_only_admins_manage_people(role):
    assert can_manage_people(person(role)) is (role == Role.ADMIN)
    assert can_reset_two_factor(person(role)) is (role == Role.ADMIN)
    assert can_reset_two_factor(person(role, active=False)) is False


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_personal_data_downloads_and_anonymising(role):
    """Everyone downloads their own data; only administrators export someone else's (a subject
    access request) or anonymise someone else, once."""
    assert can_download_own_data(person(role)) is True
    assert can_download_own_data(person(role, active=False)) is False
    assert can_download_own_data(None) is False
    assert can_export_personal_data(person(role)) is (role == Role.ADMIN)
    assert can_export_personal_data(person(role, active=False)) is False
    actor, leaver = person(role), person(Role.MEMBER)
    actor.id, leaver.id = 1, 2
    assert can_anonymise(actor, leaver) is (role == Role.ADMIN)
    assert can_anonymise(actor, actor) is False  # never oneself
    assert can_anonymise(person(role, active=False), leaver) is False
    assert can_anonymise(None, leaver) is False
    leaver.anonymised_at = utcnow()
    assert can_anonymise(actor, leaver) is False  # once


PRIVILEGED = {Role.ADMIN, Role.FACILITATOR, Role.STANDARDS}


@pytest.mark.parametrize("required", [[], ["admin", "facilitator", "standards"]], ids=len)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_two_factor_can_be_switched_off_only_where_not_required(role, required):
    app = Flask(__name__)
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = required
    with app.app_context():
        expected = not (required and role in PRIVILEGED)
        assert can_switch_off_two_factor(person(role)) is expected
        assert can_switch_off_two_factor(person(role, active=False)) is False
        # A Member on the Standards Committee holds a role that requires it.
        both = person(Role.MEMBER, Role.STANDARDS)
        assert can_switch_off_two_factor(both) is not required


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_only_admins_manage_recommendations(role):
    assert can_manage_recommendations(person(role)) is (role == Role.ADMIN)
    assert can_manage_recommendations(person(role, active=False)) is False
    assert can_manage_recommendations(None) is False


# Discussions: shared/DOMAIN.md's grid, every role × every document state.
TAKE_PART = {Role.MEMBER, Role.OFFICER, Role.FACILITATOR}


def _discussion(status: DocumentStatus, locked: bool = False) -> Discussion:
    discussion = Discussion(document=Document(status=status), title="T")
    discussion.locked_at = utcnow() if locked else None
    return discussion


@pytest.mark.parametrize("status", list(DocumentStatus), ids=str)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_starting_discussions_and_commenting(role, status):
    """Who may, whatever the state (a state refusal is the service's 409, not a 403); the
    controls are offered only while the document is Open and the discussion takes comments."""
    user = person(role)
    takes_part = role in TAKE_PART
    offered = takes_part and status == DocumentStatus.OPEN
    assert can_start_discussion(user, Document(status=status)) is takes_part
    assert can_offer_discussion(user, Document(status=status)) is offered
    assert can_comment(user, _discussion(status)) is takes_part
    assert can_comment(user, _discussion(status, locked=True)) is takes_part
    assert can_offer_comment(user, _discussion(status)) is offered
    assert can_offer_comment(user, _discussion(status, locked=True)) is False
    for nobody in (None, person(role, active=False)):
        assert can_start_discussion(nobody, Document(status=status)) is False
        assert can_comment(nobody, _discussion(status)) is False


@pytest.mark.parametrize("status", list(DocumentStatus), ids=str)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_moderating(role, status):
    """Before submission only: from then on the record the committee reviews does not change."""
    before_submission = status in (DocumentStatus.DRAFT, DocumentStatus.OPEN, DocumentStatus.CLOSED)
    expected = role == Role.FACILITATOR and before_submission
    # Who moderates (facilitators, who read it), whatever the state; the controls only before
    # submission.
    readable = status != DocumentStatus.DRAFT or role in READ_DRAFT
    assert can_moderate(person(role), _discussion(status)) is (
        role == Role.FACILITATOR and readable
    )
    assert can_offer_moderation(person(role), _discussion(status)) is expected
    assert can_moderate(person(role, active=False), _discussion(status)) is False


@pytest.mark.parametrize("status", list(DocumentStatus), ids=str)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_editing_ones_own_comment_within_the_window(app_config, role, status):
    """Who: the author, while they take part, whatever the state. Offered: their live comment,
    within the edit window, while the discussion takes comments."""
    author, other = person(role), person(role)
    author.id, other.id = 1, 2
    comment = Comment(discussion=_discussion(status), author_id=1, body="x", created_at=utcnow())
    takes_part = role in TAKE_PART
    with app_config:
        assert can_edit_comment(author, comment) is takes_part
        assert can_edit_comment(other, comment) is False
        assert can_offer_comment_edit(author, comment) is (
            takes_part and status == DocumentStatus.OPEN
        )
        assert can_offer_comment_edit(other, comment) is False
        comment.created_at = utcnow() - timedelta(minutes=16)
        assert can_edit_comment(author, comment) is takes_part
        assert can_offer_comment_edit(author, comment) is False
        comment.created_at = utcnow()
        comment.withdrawn_at = utcnow()
        assert can_edit_comment(author, comment) is takes_part
        assert can_offer_comment_edit(author, comment) is False
        comment.withdrawn_at = None
        comment.discussion.locked_at = utcnow()
        assert can_offer_comment_edit(author, comment) is False


@pytest.fixture
def app_config():
    """An app context for the edit window setting (no database is touched)."""
    from app import create_app

    return create_app({"ACCORD_ENV": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"}).app_context()


# Voting and amendments: every role × every document state.
VOTERS = {Role.MEMBER, Role.OFFICER}


def _clause(status: DocumentStatus, *, voting_open=True, stopped=False) -> Clause:
    document = Document(status=status, voting_open=voting_open, amendments_stopped=stopped)
    return Clause(
        document=document,
        number="1",
        heading="H",
        body="B",
        revision_number=1,
        amendments_stopped=False,
    )


@pytest.mark.parametrize("status", list(DocumentStatus), ids=str)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_voting_and_proposing(role, status):
    user = person(role)
    is_open = status == DocumentStatus.OPEN
    # Who votes, whatever the state (the service's 409 says why not now); the buttons only
    # while voting on the item is open.
    assert can_vote(user, _clause(status)) is (role in VOTERS)
    assert can_vote(user, _clause(status, voting_open=False)) is (role in VOTERS)
    assert can_offer_vote(user, _clause(status)) is (role in VOTERS and is_open)
    assert can_offer_vote(user, _clause(status, voting_open=False)) is False
    assert can_vote(person(role, active=False), _clause(status)) is False
    # Who may propose, whatever the state (the service's 409 says why not now); offered only
    # while the clause takes amendments.
    assert can_propose_amendment(user, _clause(status)) is (role in VOTERS)
    assert can_propose_amendment(user, _clause(status, stopped=True)) is (role in VOTERS)
    assert can_offer_amendment(user, _clause(status)) is (role in VOTERS and is_open)
    assert can_offer_amendment(user, _clause(status, stopped=True)) is False
    assert can_propose_amendment(person(role, active=False), _clause(status)) is False
    assert can_manage_voting(user, Document(status=status)) is (role == Role.FACILITATOR)
    assert can_offer_voting_controls(user, Document(status=status)) is (
        role == Role.FACILITATOR and is_open
    )
    assert can_manage_voting(person(role, active=False), Document(status=status)) is False


@pytest.mark.parametrize("status", list(DocumentStatus), ids=str)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_deciding_amendments_and_editing_clauses(role, status):
    user = person(role)
    user.id = 7
    clause = _clause(status)
    amendment = Amendment(
        clause=clause,
        proposer_id=7,
        status=AmendmentStatus.OPEN,
        base_revision_number=1,
        voting_closed_at=None,
    )
    before_submission = status in (DocumentStatus.DRAFT, DocumentStatus.OPEN, DocumentStatus.CLOSED)
    expected = role == Role.FACILITATOR and before_submission
    # Who decides (facilitators) and who withdraws (the proposer), whatever the state; the
    # controls only while the amendment is open and the document not yet submitted.
    assert can_decide_amendment(user, amendment) is (role == Role.FACILITATOR)
    assert can_offer_decision(user, amendment) is expected
    assert can_offer_acceptance(user, amendment) is expected
    # A passage suggestion whose words are gone from the wording: Reject, never Accept.
    amendment.passage_quote = "these words"
    assert amendment.is_passage and amendment.is_out_of_date
    assert can_offer_decision(user, amendment) is expected
    assert can_offer_acceptance(user, amendment) is False
    amendment.passage_quote = None
    assert can_edit_clause(user, clause) is (role == Role.FACILITATOR)
    assert can_offer_clause_edit(user, clause) is expected
    assert can_withdraw_amendment(user, amendment) is True
    assert can_offer_amendment_withdrawal(user, amendment) is before_submission
    stranger = person(role)
    stranger.id = 8
    assert can_withdraw_amendment(stranger, amendment) is False
    assert can_offer_amendment_withdrawal(stranger, amendment) is False
    assert can_withdraw_amendment(person(role, active=False), amendment) is False
    amendment.status = AmendmentStatus.REJECTED
    assert can_decide_amendment(user, amendment) is (role == Role.FACILITATOR)
    assert can_offer_decision(user, amendment) is False
    assert can_withdraw_amendment(user, amendment) is True
    assert can_offer_amendment_withdrawal(user, amendment) is False
    if role in VOTERS and status == DocumentStatus.OPEN:
        amendment.status = AmendmentStatus.OPEN
        assert can_offer_vote(user, amendment) is True
        amendment.voting_closed_at = utcnow()
        assert can_vote(user, amendment) is True
        assert can_offer_vote(user, amendment) is False


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_a_notification_is_only_for_the_person_it_was_sent_to(role):
    me, someone_else = person(role), person(role)
    me.id, someone_else.id = 1, 2
    notification = Notification(user_id=1)
    assert can_read_notification(me, notification) is True
    assert can_read_notification(someone_else, notification) is False
    me.active = False
    assert can_read_notification(me, notification) is False
    assert can_read_notification(None, notification) is False


# Managing documents: facilitators and admins, before submission.
MANAGERS = {Role.FACILITATOR, Role.ADMIN}


@pytest.mark.parametrize("status", list(DocumentStatus), ids=str)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_creating_documents_and_managing_clauses(role, status):
    user = person(role)
    before_submission = status in (DocumentStatus.DRAFT, DocumentStatus.OPEN, DocumentStatus.CLOSED)
    assert can_create_document(user) is (role in MANAGERS)
    assert can_manage_clauses(user, Document(status=status)) is (role in MANAGERS)
    assert can_offer_clause_management(user, Document(status=status)) is (
        role in MANAGERS and before_submission
    )
    assert can_create_document(person(role, active=False)) is False
    assert can_manage_clauses(person(role, active=False), Document(status=status)) is False
    assert can_create_document(None) is False


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_a_retired_clause_takes_no_votes_amendments_or_edits(role):
    user = person(role)
    user.id = 7
    clause = _clause(DocumentStatus.OPEN)
    clause.retired_at, clause.retired_reason = utcnow(), "Merged"
    amendment = Amendment(
        clause=clause, proposer_id=7, status=AmendmentStatus.OPEN, base_revision_number=1
    )
    assert can_vote(user, clause) is (role in VOTERS)
    assert can_offer_vote(user, clause) is False
    assert can_offer_vote(user, amendment) is False
    assert can_propose_amendment(user, clause) is (role in VOTERS)
    assert can_offer_amendment(user, clause) is False
    assert can_edit_clause(user, clause) is (role == Role.FACILITATOR)
    assert can_offer_clause_edit(user, clause) is False
    assert can_decide_amendment(user, amendment) is (role == Role.FACILITATOR)
    assert can_offer_decision(user, amendment) is False
    assert can_offer_amendment_withdrawal(user, amendment) is False
    discussion = Discussion(document=clause.document, clause=clause)
    assert can_comment(user, discussion) is (role in TAKE_PART)
    assert can_offer_comment(user, discussion) is False
    clause.retired_at = None
    assert can_offer_comment(user, discussion) is can_offer_discussion(user, clause.document)


# The seven states a person sees; "referred back" is Open again, with the committee's reasons.
S = DocumentStatus
STATES = {
    "draft": S.DRAFT,
    "open": S.OPEN,
    "closed": S.CLOSED,
    "submitted": S.SUBMITTED,
    "recommended": S.RECOMMENDED,
    "referred back": S.OPEN,
    "adopted": S.ADOPTED,
}
EDITABLE = {"draft", "open", "closed", "referred back"}
OPEN = {"open", "referred back"}


def _document(state: str) -> Document:
    reasons = "Say more about trust." if state == "referred back" else None
    return Document(status=STATES[state], referral_reasons=reasons)


# Versions, moves, the committee and adoption.
FACILITATOR_MAY_MOVE = {
    ("draft", S.OPEN),
    ("open", S.CLOSED),
    ("referred back", S.CLOSED),
    ("closed", S.OPEN),
    ("closed", S.SUBMITTED),
}


@pytest.mark.parametrize("state", STATES, ids=str)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_publishing_versions_and_moving_documents(role, state):
    user, document = person(role), _document(state)
    is_facilitator = role == Role.FACILITATOR
    assert can_publish_version(user, document) is is_facilitator
    assert can_offer_version_publishing(user, document) is (is_facilitator and state in EDITABLE)
    # Who moves documents, whatever the state (the service's 409 says why not now); only the
    # moves the state allows are offered.
    assert can_move_document(user, document) is is_facilitator
    for to in DocumentStatus:
        expected = is_facilitator and (state, to) in FACILITATOR_MAY_MOVE
        assert can_offer_move(user, document, to) is expected, to
    assert can_move_document(person(role, active=False), document) is False
    assert can_move_document(None, document) is False
    assert can_publish_version(person(role, active=False), document) is False


@pytest.mark.parametrize("state", STATES, ids=str)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_reviewing_and_adopting(role, state):
    user, document = person(role), _document(state)
    # Who reviews and who adopts, whatever the state (the service's 409 says why not now);
    # the controls only while submitted, and once recommended.
    assert can_review(user, document) is (role == Role.STANDARDS)
    assert can_offer_review(user, document) is (role == Role.STANDARDS and state == "submitted")
    assert can_read_review_notes(user, document) is (
        role in {Role.STANDARDS, Role.FACILITATOR, Role.ADMIN}
    )
    assert can_adopt(user, document) is (role == Role.ADMIN)
    assert can_offer_adoption(user, document) is (role == Role.ADMIN and state == "recommended")
    assert can_review(person(role, active=False), document) is False
    assert can_adopt(None, document) is False


@pytest.mark.parametrize("state", STATES, ids=str)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_exporting(role, state):
    user, document = person(role), _document(state)
    readable = state != "draft" or role in READ_DRAFT
    assert can_export_working_text(user, document) is (readable and role in READ_DRAFT)
    assert can_export_version(user, document) is readable
    assert can_export_version(None, document) is False


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_seeing_the_audit_trail(role):
    assert can_see_audit(person(role)) is (role in {Role.ADMIN, Role.STANDARDS})
    assert can_see_audit(person(role, active=False)) is False


def _session(state: str, *, audience=Audience.BOTH, over=False) -> JointSession:
    starts = utcnow() + (timedelta(days=-2) if over else timedelta(days=2))
    return JointSession(
        agenda=_document(state),
        audience=audience,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )


@pytest.mark.parametrize("state", STATES, ids=str)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_joint_sessions(role, state):
    user, session = person(role), _session(state)
    readable = state != "draft" or role in READ_DRAFT
    assert can_manage_sessions(user) is (role in MANAGERS)
    assert can_read_session(user, session) is readable
    assert can_edit_agenda(user, session) is (role in MANAGERS and state in EDITABLE)
    assert can_attend(user, session) is (role in VOTERS)
    assert can_answer_attendance(user, session) is (
        role in VOTERS and state != "draft" and state in EDITABLE
    )
    # Who may propose, whatever the state (a state refusal is the service's 409, not a 403);
    # the control is offered only while the agenda is Open and the session still to end.
    assert can_propose_agenda_item(user, session) is (role in VOTERS)
    assert can_offer_agenda_item(user, session) is (role in VOTERS and state in OPEN)
    over = _session(state, over=True)
    assert can_attend(user, over) is (role in VOTERS)
    assert can_answer_attendance(user, over) is False
    assert can_propose_agenda_item(user, over) is (role in VOTERS)
    assert can_offer_agenda_item(user, over) is False
    for predicate in (
        can_manage_sessions,
        can_edit_agenda,
        can_attend,
        can_read_session,
        can_propose_agenda_item,
    ):
        args = () if predicate is can_manage_sessions else (session,)
        assert predicate(person(role, active=False), *args) is False


@pytest.mark.parametrize(
    ("audience", "invited"),
    [
        (Audience.MEMBERS, {Role.MEMBER}),
        (Audience.OFFICERS, {Role.OFFICER}),
        (Audience.BOTH, VOTERS),
        (Audience.CABINET, VOTERS),
    ],
    ids=lambda value: (
        "+".join(sorted(value)) if isinstance(value, (set, frozenset)) else str(value)
    ),
)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_who_a_session_is_for(role, audience, invited):
    session = _session("open", audience=audience)
    assert can_attend(person(role), session) is (role in invited)
    assert can_answer_attendance(person(role), session) is (role in invited)
    assert can_propose_agenda_item(person(role), session) is (role in invited)
    assert can_offer_agenda_item(person(role), session) is (role in invited)


@pytest.mark.parametrize("status", list(DocumentStatus), ids=str)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_passages_and_word_suggestions(role, status):
    """A passage suggestion is an amendment, a passage comment a discussion (issue 18)."""
    user = person(role)
    clause = _clause(status)
    assert can_suggest_in_word(user, clause.document) is (role in VOTERS)
    assert can_offer_word_suggestions(user, clause.document) is (
        role in VOTERS and status == DocumentStatus.OPEN
    )
    stopped = _clause(status, stopped=True).document
    assert can_suggest_in_word(user, stopped) is (role in VOTERS)
    assert can_offer_word_suggestions(user, stopped) is False
    assert can_comment_on_passage(user, clause) is (role in TAKE_PART)
    assert can_offer_passage_comment(user, clause) is can_offer_discussion(user, clause.document)
    clause.retired_at = utcnow()
    assert can_comment_on_passage(user, clause) is (role in TAKE_PART)
    assert can_offer_passage_comment(user, clause) is False
    clause.retired_at = None
    assert can_accept_suggestions(user, clause) is can_edit_clause(user, clause)
    assert can_offer_suggestions_acceptance(user, clause) is can_offer_clause_edit(user, clause)
    for nobody in (None, person(role, active=False)):
        assert can_suggest_in_word(nobody, clause.document) is False
        assert can_comment_on_passage(nobody, clause) is False


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_searching_and_ending_ones_own_sessions(role):
    user = person(role)
    user.id = 7
    assert can_search(user) is True
    assert can_search(person(role, active=False)) is False
    assert can_search(None) is False
    assert can_end_session(user, UserSession(user_id=7, token_hash="x")) is True
    assert can_end_session(user, UserSession(user_id=8, token_hash="y")) is False
    assert can_end_session(None, UserSession(user_id=7, token_hash="x")) is False


@pytest.mark.parametrize("status", list(DocumentStatus), ids=str)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_the_ballot_is_for_members_and_officers_while_voting_is_open(role, status):
    user = person(role)
    is_open = status == DocumentStatus.OPEN
    assert can_offer_ballot(user, Document(status=status, voting_open=True)) is (
        role in VOTERS and is_open
    )
    assert can_offer_ballot(user, Document(status=status, voting_open=False)) is False
    assert can_offer_ballot(
        person(role, active=False), Document(status=status, voting_open=True)
    ) is (False)
    assert can_offer_ballot(None, Document(status=status, voting_open=True)) is False


def test_every_predicate_is_in_the_grid():
    """A new predicate in app/permissions.py needs its rows here."""
    tested = {name for name, _ in inspect.getmembers(sys.modules[__name__])}
    source = inspect.getsource(sys.modules[__name__])
    missing = [name for name in PREDICATES if name not in tested or f"{name}(" not in source]
    assert not missing, missing
