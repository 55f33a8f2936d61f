"""The domain's state rules as pure predicates: is voting open, may the text still change, who is
a session for. They read models (and a setting or two) and change nothing.

Both ``app.permissions`` (who may do what, which controls show) and the services (which refuse
a change the state forbids) ask these, so each rule is written once. This module imports only
``app.models`` and Flask's ``current_app``: nothing above it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from flask import current_app

from app.models import (
    Amendment,
    Audience,
    Clause,
    Document,
    DocumentStatus,
    JointSession,
    Role,
    User,
    utcnow,
)

S = DocumentStatus

# Before submission a document's text and record may change (shared/DOMAIN.md: "From Submitted
# onwards nothing changes a document's text or record except the committee's decision and the
# administrator's adoption").
EDITABLE_STATUSES = frozenset({S.DRAFT, S.OPEN, S.CLOSED})

# States in which Members and Officers (and the committee) can see a document.
PUBLIC_STATUSES = frozenset(DocumentStatus) - {S.DRAFT}

# A session's agenda takes attendance answers and the register in these states: published (not
# a Draft) and not yet submitted (from then on they are part of its record).
ANSWERABLE_STATUSES = EDITABLE_STATUSES & PUBLIC_STATUSES

# Who moves a document from one state to another (the committee's moves go through
# ``lifecycle.decide``, the administrator's through ``lifecycle.adopt``).
FACILITATOR_MOVES = frozenset(
    {(S.DRAFT, S.OPEN), (S.OPEN, S.CLOSED), (S.CLOSED, S.OPEN), (S.CLOSED, S.SUBMITTED)}
)
STANDARDS_MOVES = frozenset({(S.SUBMITTED, S.RECOMMENDED), (S.SUBMITTED, S.OPEN)})
ADMIN_MOVES = frozenset({(S.RECOMMENDED, S.ADOPTED)})

# The two sides of the Accord: every tally is kept per side.
MEMBERS, OFFICERS = "members", "officers"


def is_editable(document: Document) -> bool:
    """The document's text and record (clauses, agenda items, proposals, versions) may still
    change: Draft, Open or Closed."""
    return document.status in EDITABLE_STATUSES


def is_public(document: Document) -> bool:
    """Members, Officers and the committee can see it: every state but Draft."""
    return document.status in PUBLIC_STATUSES


def side_of(user: User) -> str | None:
    """Which side a person votes on: Members, Officers, or none (they do not vote). Someone
    who is both a Member and an Officer votes as a Member."""
    if user.is_member:
        return MEMBERS
    if user.is_officer:
        return OFFICERS
    return None


class VotedClause(Protocol):
    """What the voting rules read of a clause: a ``Clause``, or a clause as a page lists it
    in plain values (``app.documents.cards.ListedClause``)."""

    @property
    def document(self) -> Document: ...
    @property
    def voting_closed_at(self) -> datetime | None: ...
    @property
    def retired_at(self) -> datetime | None: ...


def is_clause_voting_open(clause: VotedClause) -> bool:
    """Votes on the clause are taken: the document is Open, voting is open on it and not closed
    for this clause alone, and the clause is not retired."""
    document = clause.document
    return (
        document.status == S.OPEN
        and document.voting_open
        and clause.voting_closed_at is None
        and clause.retired_at is None
    )


def is_amendment_voting_open(amendment: Amendment) -> bool:
    """Votes on the amendment are taken: it is open, its own voting is not closed, and voting
    on its clause is open."""
    return (
        amendment.is_open
        and amendment.voting_closed_at is None
        and is_clause_voting_open(amendment.clause)
    )


def amendments_open(clause: Clause) -> bool:
    """New amendments are welcome: the document is Open, amendments are not stopped (for the
    document or the clause) and the clause is not retired."""
    return (
        clause.document.status == S.OPEN
        and not clause.document.amendments_stopped
        and not clause.amendments_stopped
        and clause.retired_at is None
    )


def edit_window() -> timedelta:
    """How long after posting a comment its author may edit or withdraw it (a setting)."""
    return timedelta(minutes=current_app.config["COMMENT_EDIT_WINDOW_MINUTES"])


class Posted(Protocol):
    """A comment, or a row read in its place (``app.discussions.threads.ShownComment``)."""

    @property
    def created_at(self) -> datetime: ...


def is_within_edit_window(comment: Posted) -> bool:
    return utcnow() - comment.created_at <= edit_window()


def is_on_retired_clause(discussion) -> bool:
    """The discussion is about a clause that has been retired (kept to be read)."""
    return discussion.clause is not None and discussion.clause.retired_at is not None


def is_over(session: JointSession) -> bool:
    """The joint session has ended."""
    return session.ends_at <= utcnow()


def is_invited(user: User, session: JointSession) -> bool:
    """Who a joint session is for: Members, Officers or both (Policy Cabinet: Members and
    Officers alike, since Cabinet membership is not recorded here)."""
    if session.audience == Audience.MEMBERS:
        return user.is_member
    if session.audience == Audience.OFFICERS:
        return user.is_officer
    return user.is_member or user.is_officer


def two_factor_roles(config: Mapping[str, Any]) -> frozenset[Role]:
    """The roles that must use two-factor sign-in under ``config``
    (``TWO_FACTOR_REQUIRED_ROLES``; administrators, facilitators and the Standards Committee in
    production, ASVS 5.0 6.3.3 at level 2)."""
    required = config.get("TWO_FACTOR_REQUIRED_ROLES") or ()
    return frozenset(role for role in Role if role.value in required)


def is_two_factor_required(user: User) -> bool:
    """True when one of the person's roles must use two-factor sign-in (``two_factor_roles``)."""
    return not two_factor_roles(current_app.config).isdisjoint(user.roles)
