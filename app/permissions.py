"""Who may do what: named predicates, one place for the policy in shared/DOMAIN.md.

Views call ``require(can_x(current_user, obj))``: ``can_x`` says *who* may (403 otherwise),
whatever the object's state. The state (the document not Open, a discussion locked, voting
closed, a document submitted…) is the services' to refuse, with why (409): the route runs the
service's check before reading any form. Where a control also depends on the state, templates
(where the predicates are Jinja globals) call ``can_offer_x``: who may, and in a state that
allows it, so a control is shown only when its route would accept it. Every predicate refuses
anyone who is not signed in and active.
"""

from __future__ import annotations

from typing import TypeGuard

from flask import abort
from sqlalchemy import ColumnElement, Select, SQLColumnExpression, false, or_, select, true

from app.models import (
    Amendment,
    Clause,
    Comment,
    Discussion,
    Document,
    DocumentStatus,
    JointSession,
    Notification,
    Role,
    User,
    UserRole,
    UserSession,
)
from app.rules import (
    ANSWERABLE_STATUSES,
    FACILITATOR_MOVES,
    PUBLIC_STATUSES,
    amendments_open,
    is_amendment_voting_open,
    is_clause_voting_open,
    is_editable,
    is_invited,
    is_on_retired_clause,
    is_over,
    is_two_factor_required,
    is_within_edit_window,
    side_of,
)
from app.sql import one_of


def _is_active(user: User | None) -> TypeGuard[User]:
    """True for a signed-in, active person; narrows ``user`` to ``User`` for the checks after it."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def can_read_document(user: User | None, document: Document) -> TypeGuard[User]:
    """Drafts are for facilitators and admins; from Open on, every active person reads."""
    if not _is_active(user):
        return False
    if document.status in PUBLIC_STATUSES:
        return True
    return user.is_facilitator or user.is_admin


def is_readable_by(user: User | None) -> ColumnElement[bool]:
    """``can_read_document`` as a WHERE clause on Document: true for exactly the documents the
    predicate allows (nothing for the signed out or inactive, drafts only for facilitators and
    admins)."""
    if not _is_active(user):
        return false()
    if user.is_facilitator or user.is_admin:
        return true()
    return one_of(Document.status, PUBLIC_STATUSES)


def is_readable_by_id(user_id: SQLColumnExpression[int]) -> ColumnElement[bool]:
    """``can_read_document`` as a WHERE clause on Document for the person whose id is
    ``user_id`` (a column of the statement, say the poll's session's), without loading them:
    public documents, and drafts when that person is a facilitator or an administrator. The
    caller checks that the person is active."""
    reads_drafts = (
        select(UserRole.user_id)
        .where(
            UserRole.user_id == user_id,
            or_(UserRole.role == Role.FACILITATOR, UserRole.role == Role.ADMIN),
        )
        .exists()
    )
    return or_(one_of(Document.status, PUBLIC_STATUSES), reads_drafts)


def readable_documents(user: User | None) -> Select[Document]:
    """The documents ``user`` may read, as a query to order, filter or turn into ids
    (``.with_only_columns(Document.id)``)."""
    return select(Document).where(is_readable_by(user))


def can_search(user: User | None) -> bool:
    """Everyone signed in and active searches; each result is one they may read (the search
    service applies ``is_readable_by`` and the comment rules in its SQL)."""
    return _is_active(user)


def can_read_recommendations(user: User | None) -> bool:
    return _is_active(user)


def _takes_part(user: User | None) -> bool:
    """Members, Officers and facilitators discuss; the committee and admins only read."""
    return _is_active(user) and (user.is_member or user.is_officer or user.is_facilitator)


def can_start_discussion(user: User | None, document: Document) -> bool:
    """Members, Officers and facilitators (who only: the service refuses a discussion unless
    the document is Open and the clause live, with why, 409)."""
    return _takes_part(user)


def can_offer_discussion(user: User | None, document: Document) -> bool:
    """Show "Start a discussion": who may start one, while the document is Open for comment
    (``discussions.require_discussable``)."""
    return can_start_discussion(user, document) and document.status == DocumentStatus.OPEN


def can_comment(user: User | None, discussion: Discussion) -> TypeGuard[User]:
    """Comment or reply: who takes part (who only: the service refuses unless the document is
    Open, the discussion not locked and its clause live, with why, 409)."""
    return _takes_part(user)


def _takes_comments(discussion: Discussion) -> bool:
    """The document is Open, the discussion is not locked and its clause (if any) is not
    retired (a retired clause's discussions are kept to be read)."""
    return (
        discussion.document.status == DocumentStatus.OPEN
        and not discussion.is_locked
        and not is_on_retired_clause(discussion)
    )


def can_offer_comment(user: User | None, discussion: Discussion) -> TypeGuard[User]:
    """Show the comment form and Reply links: who may comment, while the discussion takes
    comments (``discussions.require_takes_comments``)."""
    return can_comment(user, discussion) and _takes_comments(discussion)


def can_edit_comment(user: User | None, comment: Comment) -> bool:
    """Edit or withdraw: one's own comment (who only: the service refuses a withdrawn or hidden
    comment, a closed edit window, a discussion that takes no comments, with why, 409)."""
    return can_comment(user, comment.discussion) and comment.author_id == user.id


def can_offer_comment_edit(user: User | None, comment: Comment) -> bool:
    """Show Edit and Withdraw: one's own live comment, within the edit window, in a
    discussion that takes comments (``discussions.require_changeable``)."""
    return (
        can_edit_comment(user, comment)
        and _takes_comments(comment.discussion)
        and not comment.is_withdrawn
        and not comment.is_hidden
        and is_within_edit_window(comment)
    )


def can_moderate(user: User | None, discussion: Discussion) -> bool:
    """Hide and unhide comments, lock discussions, relink recommendations: facilitators (who
    only: the service refuses once the document is submitted, with why, 409)."""
    return _is_active(user) and user.is_facilitator and can_read_document(user, discussion.document)


def can_offer_moderation(user: User | None, discussion: Discussion) -> bool:
    """Show the moderation controls (and a hidden comment's text): facilitators, before the
    document is submitted (from then on its record does not change)."""
    return can_moderate(user, discussion) and is_editable(discussion.document)


def can_manage_people(user: User | None) -> bool:
    """Inviting people and changing roles is the admins' job."""
    return _is_active(user) and user.is_admin


def can_reset_two_factor(user: User | None) -> bool:
    """Reset someone's second factor (a lost phone): administrators."""
    return can_manage_people(user)


def can_download_own_data(user: User | None) -> bool:
    """Download a copy of what Accord holds about oneself (UK GDPR art. 15 and 20): everyone
    signed in and active."""
    return _is_active(user)


def can_export_personal_data(user: User | None) -> bool:
    """Produce a person's data for a subject access request: administrators."""
    return can_manage_people(user)


def can_anonymise(user: User | None, person: User) -> bool:
    """Anonymise a person who has left: administrators, of someone else, once."""
    return (
        _is_active(user)
        and user.is_admin
        and person is not user
        and (person.id is None or person.id != user.id)
        and person.anonymised_at is None
    )


def can_switch_off_two_factor(user: User | None) -> bool:
    """Switch off one's own two-factor sign-in: only where one's roles do not require it."""
    return _is_active(user) and not is_two_factor_required(user)


def can_manage_recommendations(user: User | None) -> bool:
    """Add recommendation sources, import, edit, retire and delete recommendations: admins
    (shared/DOMAIN.md: "import sources")."""
    return _is_active(user) and user.is_admin


def can_vote(user: User | None, item: Clause | Amendment) -> bool:
    """Members and Officers vote (or declare an interest) (who only: the service refuses unless
    voting on the item is open, with why, 409)."""
    return _is_active(user) and side_of(user) is not None


def can_offer_vote(user: User | None, item: Clause | Amendment) -> bool:
    """Show the vote buttons and the declaration: who votes, while voting on the item is open
    (``voting.check_voting_open``)."""
    if not can_vote(user, item):
        return False
    if isinstance(item, Amendment):
        return is_amendment_voting_open(item)
    return is_clause_voting_open(item)


def can_offer_ballot(user: User | None, document: Document) -> bool:
    """Show the ballot (voting on the whole document on one page, issue 15): who votes
    (``can_vote``), while voting on the document is open. The ballot's service refuses anyone
    else and each choice whose voting is closed, with why (409)."""
    return (
        _is_active(user)
        and side_of(user) is not None
        and document.status == DocumentStatus.OPEN
        and document.voting_open
    )


def can_manage_voting(user: User | None, document: Document) -> bool:
    """Open and close voting, set the agreement rule, stop amendments: facilitators (who only:
    the services refuse unless the document is Open for comment, with why, 409)."""
    return _is_active(user) and user.is_facilitator


def can_offer_voting_controls(user: User | None, document: Document) -> bool:
    """Show the voting controls: facilitators, while the document is Open for comment."""
    return can_manage_voting(user, document) and document.status == DocumentStatus.OPEN


def can_propose_amendment(user: User | None, clause: Clause) -> bool:
    """Members and Officers (who only: the service refuses unless the document is Open, the
    clause live and amendments not stopped, with why, 409)."""
    return _is_active(user) and (user.is_member or user.is_officer)


def can_offer_amendment(user: User | None, clause: Clause) -> bool:
    """Show "Propose an amendment" and the passage suggestion: who may propose, while the
    clause takes amendments (``amendments.check_amendments_open``)."""
    return can_propose_amendment(user, clause) and amendments_open(clause)


def can_suggest_in_word(user: User | None, document: Document) -> bool:
    """Download a document for suggestions in Word and upload the marked-up file: who may
    propose amendments (issue 18, Word round trip; who only: the route refuses unless the
    document takes amendments, with why, 409)."""
    return _is_active(user) and (user.is_member or user.is_officer)


def can_offer_word_suggestions(user: User | None, document: Document) -> bool:
    """Offer the Word round trip: who may suggest, while the document is Open and amendments
    are not stopped (``amendments.check_document_takes_amendments``)."""
    return (
        can_suggest_in_word(user, document)
        and document.status == DocumentStatus.OPEN
        and not document.amendments_stopped
    )


def can_decide_amendment(user: User | None, amendment: Amendment) -> bool:
    """Accept or reject an amendment: facilitators (who only: the service refuses a decided
    amendment, a retired clause or a submitted document, with why, 409/410)."""
    return _is_active(user) and user.is_facilitator


def can_offer_decision(user: User | None, amendment: Amendment) -> bool:
    """Show Accept and Reject: facilitators, while the amendment can be decided."""
    return can_decide_amendment(user, amendment) and _is_decidable(amendment)


def can_offer_acceptance(user: User | None, amendment: Amendment) -> bool:
    """Show Accept: as ``can_offer_decision``, unless it is a passage suggestion whose words
    are no longer in the clause's wording (``amendments.check_acceptable`` refuses it)."""
    return can_offer_decision(user, amendment) and not (
        amendment.is_passage and amendment.is_out_of_date
    )


def can_withdraw_amendment(user: User | None, amendment: Amendment) -> bool:
    """The proposer (who only: the service refuses a decided amendment, a retired clause or a
    submitted document, with why, 409/410)."""
    return _is_active(user) and amendment.proposer_id == user.id


def _is_decidable(amendment: Amendment) -> bool:
    """Open, its clause live and the document not yet submitted (the committee's list of
    undecided amendments does not change under it): ``amendments.check_decidable``."""
    return (
        amendment.is_open
        and amendment.clause.retired_at is None
        and is_editable(amendment.clause.document)
    )


def can_offer_amendment_withdrawal(user: User | None, amendment: Amendment) -> bool:
    """Show "Withdraw my amendment": the proposer, while the amendment can be decided."""
    return can_withdraw_amendment(user, amendment) and _is_decidable(amendment)


def can_edit_clause(user: User | None, clause: Clause) -> bool:
    """Edit a clause's wording directly: facilitators (who only: the service refuses once the
    document is submitted or the clause retired, with why, 409/410)."""
    return _is_active(user) and user.is_facilitator


def can_offer_clause_edit(user: User | None, clause: Clause) -> bool:
    """Show "Edit the wording" (and accepting passage suggestions): facilitators, before the
    document is submitted and while the clause is live (``amendments.check_clause_editable``)."""
    return (
        can_edit_clause(user, clause) and clause.retired_at is None and is_editable(clause.document)
    )


def can_comment_on_passage(user: User | None, clause: Clause) -> bool:
    """Comment on a passage of a clause: who may start a discussion (who only: the service
    refuses unless the document is Open and the clause live, with why, 409/410)."""
    return can_start_discussion(user, clause.document)


def can_offer_passage_comment(user: User | None, clause: Clause) -> bool:
    """Offer "Comment on some words": as starting a discussion on the clause (the document
    Open, the clause live)."""
    return can_offer_discussion(user, clause.document) and clause.retired_at is None


def can_accept_suggestions(user: User | None, clause: Clause) -> bool:
    """Accept several agreed passage suggestions in one step: as editing the clause
    (facilitators; who only)."""
    return can_edit_clause(user, clause)


def can_offer_suggestions_acceptance(user: User | None, clause: Clause) -> bool:
    """Offer accepting several suggestions: as offering the clause's edit."""
    return can_offer_clause_edit(user, clause)


def can_publish_version(user: User | None, document: Document) -> bool:
    """Facilitators publish versions (who only: the service refuses once the document is
    submitted, with why, 409)."""
    return _is_active(user) and user.is_facilitator


def can_offer_version_publishing(user: User | None, document: Document) -> bool:
    """Offer the publish form: facilitators, while the document is still being worked on."""
    return can_publish_version(user, document) and is_editable(document)


def can_move_document(user: User | None, document: Document) -> bool:
    """Draft → Open → Closed (→ Open again) → Submitted: facilitators (who only: the service
    refuses a move the state does not allow, such as closing a Closed document, with why, 409;
    ``lifecycle.check_move``)."""
    return _is_active(user) and user.is_facilitator


def can_offer_move(user: User | None, document: Document, to: DocumentStatus | str) -> bool:
    """Show the button for a move: facilitators, when the document's state allows it."""
    return can_move_document(user, document) and (document.status, to) in FACILITATOR_MOVES


def can_review(user: User | None, document: Document) -> bool:
    """Write review notes and record the decision: the Standards Committee (who only: the
    service refuses unless the document is submitted, with why, 409)."""
    return _is_active(user) and user.is_standards


def can_offer_review(user: User | None, document: Document) -> bool:
    """Offer the note form and the decision: the Standards Committee, while submitted."""
    return can_review(user, document) and document.status == DocumentStatus.SUBMITTED


def can_read_review_notes(user: User | None, document: Document) -> bool:
    """Review notes are for the committee and visible to facilitators (and admins)."""
    return _is_active(user) and (user.is_standards or user.is_facilitator or user.is_admin)


def can_adopt(user: User | None, document: Document) -> bool:
    """Mark Adopted, with the Full Council date: admins (who only: the service refuses unless
    the document is recommended, with why, 409)."""
    return _is_active(user) and user.is_admin


def can_offer_adoption(user: User | None, document: Document) -> bool:
    """Offer "Mark as adopted": admins, once recommended."""
    return can_adopt(user, document) and document.status == DocumentStatus.RECOMMENDED


def can_export_working_text(user: User | None, document: Document) -> bool:
    """The working text and open data (CSV, JSON): facilitators and admins."""
    return can_read_document(user, document) and (user.is_facilitator or user.is_admin)


def can_export_version(user: User | None, document: Document) -> bool:
    """A published (or adopted) version: anyone who can read the document."""
    return can_read_document(user, document)


def can_manage_sessions(user: User | None) -> bool:
    """Create and run themed sessions and their agendas: facilitators and admins."""
    return _is_active(user) and (user.is_facilitator or user.is_admin)


def can_read_session(user: User | None, session: JointSession) -> bool:
    return can_read_document(user, session.agenda)


def can_propose_agenda_item(user: User | None, session: JointSession) -> bool:
    """Members and Officers invited to the session (who only: the service refuses a proposal
    unless the agenda is Open and the session still to end, with why, 409)."""
    return _is_active(user) and is_invited(user, session)


def can_offer_agenda_item(user: User | None, session: JointSession) -> bool:
    """Show "Propose an item": who may propose, while the agenda is Open and the session has
    not ended (``joint_sessions.require_proposals_open``)."""
    return (
        can_propose_agenda_item(user, session)
        and session.agenda.status == DocumentStatus.OPEN
        and not is_over(session)
    )


def can_attend(user: User | None, session: JointSession) -> bool:
    """Invited to the session: the active Members and/or Officers it is for (roles only; the
    service refuses answers before the agenda is published or after the session ends)."""
    return _is_active(user) and is_invited(user, session)


def can_answer_attendance(user: User | None, session: JointSession) -> bool:
    """Say whether you will attend: invited Members and Officers, once the agenda is published
    and until the session ends or the agenda is submitted (its record is then kept)."""
    return (
        can_attend(user, session)
        and session.agenda.status in ANSWERABLE_STATUSES
        and not is_over(session)
    )


def can_edit_agenda(user: User | None, session: JointSession) -> bool:
    """Add, move and retire agenda items, accept or decline proposals, record outcomes and
    actions: facilitators and admins, before the agenda is submitted."""
    return can_manage_sessions(user) and is_editable(session.agenda)


def can_read_notification(user: User | None, notification: Notification) -> bool:
    """Read, open or mark read a notification: only the person it is for."""
    return _is_active(user) and notification.user_id == user.id


def can_end_session(user: User | None, user_session: UserSession) -> bool:
    """End a signed-in session from Your account: only one of the person's own."""
    return _is_active(user) and user_session.user_id == user.id


def can_see_audit(user: User | None) -> bool:
    return _is_active(user) and (user.is_admin or user.is_standards)


def can_create_document(user: User | None) -> bool:
    """Create a document (Accord, Protocol, agenda): facilitators and admins."""
    return _is_active(user) and (user.is_facilitator or user.is_admin)


def can_manage_clauses(user: User | None, document: Document) -> bool:
    """Add, reorder, renumber, retire and reinstate clauses: facilitators and admins (who only:
    the services refuse once the document is submitted, with why, 409)."""
    return can_create_document(user)


def can_offer_clause_management(user: User | None, document: Document) -> bool:
    """Show the links to manage the clauses: facilitators and admins, before the document is
    submitted."""
    return can_manage_clauses(user, document) and is_editable(document)


def require(allowed: bool) -> None:
    """Stop the request with 403 Forbidden unless ``allowed``."""
    if not allowed:
        abort(403)


PREDICATES = {
    name: value for name, value in globals().items() if name.startswith("can_") and callable(value)
}
