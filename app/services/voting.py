"""Voting on clauses and amendments, and the agreement rule between Members and Officers.

The Accord is an agreement between two sides, so every tally is kept per side: Members (and
Members by political Group) and Officers. A person votes on the side of their role; someone who
is both a Member and an Officer votes as a Member.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import (
    Amendment,
    Choice,
    Clause,
    Document,
    DocumentStatus,
    Outcome,
    Role,
    User,
    UserRole,
    Vote,
    VotingAction,
    VotingEvent,
    utcnow,
)
from app.rules import (
    MEMBERS,
    OFFICERS,
    is_amendment_voting_open,
    is_clause_voting_open,
    side_of,
)
from app.services import DomainError, audit, insert_or, notifications
from app.services.clauses import touch_clause


class VotingClosed(DomainError):
    pass


class NotEligible(DomainError):
    pass


class InterestDeclared(DomainError):
    pass


def _item_filter(clause: Clause | None, amendment: Amendment | None):
    if amendment is not None:
        return Vote.amendment_id == amendment.id
    return Vote.clause_id == clause.id


def cast_vote(
    user: User,
    choice: Choice,
    *,
    clause: Clause | None = None,
    amendment: Amendment | None = None,
    interest_reason: str | None = None,
) -> None:
    """Record the person's vote on a clause or an amendment, replacing any earlier one.

    An upsert on the (person, item) unique constraint, so two requests at once (a double click,
    two tabs) still leave exactly one vote.
    """
    target_clause = amendment.clause if amendment is not None else clause
    open_ = is_amendment_voting_open(amendment) if amendment else is_clause_voting_open(clause)
    if not open_:
        raise VotingClosed("Voting is closed, so your vote was not recorded.")
    if side_of(user) is None:
        raise NotEligible("Only Members and Officers vote.")
    if choice == Choice.INTEREST and not (interest_reason or "").strip():
        raise DomainError("Say briefly why you have an interest.")
    existing = db.session.scalar(
        select(Vote.choice).where(Vote.user_id == user.id, _item_filter(clause, amendment))
    )
    if existing == Choice.INTEREST and choice != Choice.INTEREST:
        raise InterestDeclared(
            "You have declared an interest in this. Withdraw your declaration before voting."
        )
    values = {
        "user_id": user.id,
        "clause_id": None if amendment else clause.id,
        "amendment_id": amendment.id if amendment else None,
        "choice": choice.value,
        "interest_reason": interest_reason.strip() if choice == Choice.INTEREST else None,
        "cast_at": utcnow(),
    }
    audit.record(
        "vote.cast",
        actor=user,
        object_type="amendment" if amendment else "clause",
        object_id=(amendment or clause).id,
        document_id=target_clause.document_id,
        summary=f"Vote on {'amendment' if amendment else 'clause'} "
        f"{amendment.id if amendment else clause.number}: {choice.label}",
        before={"choice": existing.value if existing else None},
        after={"choice": choice.value, "interest_reason": values["interest_reason"]},
    )
    key = ["user_id", "amendment_id"] if amendment else ["user_id", "clause_id"]
    statement = insert_or(Vote).values(**values)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=key,
            set_={
                "choice": statement.excluded.choice,
                "interest_reason": statement.excluded.interest_reason,
                "cast_at": statement.excluded.cast_at,
            },
        )
    )
    touch_clause(target_clause)


def withdraw_interest(
    user: User, *, clause: Clause | None = None, amendment: Amendment | None = None
) -> None:
    """Take back a declared interest, so the person may vote."""
    target_clause = amendment.clause if amendment is not None else clause
    audit.record(
        "vote.interest_withdrawn",
        actor=user,
        object_type="amendment" if amendment else "clause",
        object_id=(amendment or clause).id,
        document_id=target_clause.document_id,
        summary="Declaration of interest withdrawn",
    )
    db.session.execute(
        delete(Vote).where(
            Vote.user_id == user.id, _item_filter(clause, amendment), Vote.choice == Choice.INTEREST
        )
    )
    touch_clause(target_clause)


@dataclass
class SideTally:
    eligible: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {c.value: 0 for c in Choice})

    @property
    def took_part(self) -> int:
        return sum(self.counts.values())

    @property
    def turnout_percent(self) -> float:
        return 100 * self.took_part / self.eligible if self.eligible else 0.0

    def percent(self, choice: str) -> float:
        return 100 * self.counts[choice] / self.took_part if self.took_part else 0.0

    def as_dict(self) -> dict:
        return {"eligible": self.eligible, **self.counts}


@dataclass
class Tally:
    members: SideTally
    officers: SideTally
    by_group: dict[str, dict[str, int]]
    voters: list[tuple[User, Vote]] = field(default_factory=list)

    def side(self, name: str) -> SideTally:
        return self.members if name == MEMBERS else self.officers

    def as_dict(self) -> dict:
        return {
            MEMBERS: self.members.as_dict(),
            OFFICERS: self.officers.as_dict(),
            "members_by_group": self.by_group,
        }


def eligible_voters() -> dict[str, int]:
    """How many active Members and Officers may vote (a Member who is also an Officer counts
    as a Member)."""
    members = select(UserRole.user_id).where(UserRole.role == Role.MEMBER)
    member_count = db.session.scalar(
        select(func.count()).select_from(User).where(User.active.is_(True), User.id.in_(members))
    )
    officer_count = db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.active.is_(True),
            User.id.in_(select(UserRole.user_id).where(UserRole.role == Role.OFFICER)),
            User.id.not_in(members),
        )
    )
    return {MEMBERS: member_count, OFFICERS: officer_count}


def tallies(
    *,
    clauses: list[Clause] = (),
    amendments: list[Amendment] = (),
    with_voters: bool = False,
    eligible: dict[str, int] | None = None,
) -> dict[tuple[str, int], Tally]:
    """Tallies for many items at once, keyed ("clause", id) or ("amendment", id).

    A fixed number of queries whatever the number of items and voters.
    """
    eligible = eligible if eligible is not None else eligible_voters()
    result: dict[tuple[str, int], Tally] = {}
    for kind, items in (("clause", clauses), ("amendment", amendments)):
        for item in items:
            result[(kind, item.id)] = Tally(
                SideTally(eligible[MEMBERS]),
                SideTally(eligible[OFFICERS]),
                defaultdict(lambda: {c.value: 0 for c in Choice}),
            )
    clause_ids = [c.id for c in clauses]
    amendment_ids = [a.id for a in amendments]
    if not clause_ids and not amendment_ids:
        return result
    conditions = []
    if clause_ids:
        conditions.append(Vote.clause_id.in_(clause_ids))
    if amendment_ids:
        conditions.append(Vote.amendment_id.in_(amendment_ids))
    is_member = (
        select(UserRole.user_id)
        .where(UserRole.user_id == Vote.user_id, UserRole.role == Role.MEMBER)
        .exists()
    )
    rows = db.session.execute(
        select(Vote.clause_id, Vote.amendment_id, Vote.choice, is_member, User.group, func.count())
        .join(User, User.id == Vote.user_id)
        .where(or_(*conditions))
        .group_by(Vote.clause_id, Vote.amendment_id, Vote.choice, is_member, User.group)
    ).all()
    for clause_id, amendment_id, choice, member, group, count in rows:
        key = ("clause", clause_id) if clause_id is not None else ("amendment", amendment_id)
        tally = result[key]
        side = tally.members if member else tally.officers
        side.counts[Choice(choice).value] += count
        if member:
            tally.by_group[group or "No Group"][Choice(choice).value] += count
    if with_voters:
        for vote in db.session.scalars(
            select(Vote)
            .where(or_(*conditions))
            .options(joinedload(Vote.user))
            .order_by(Vote.cast_at)
        ):
            key = ("clause", vote.clause_id) if vote.clause_id else ("amendment", vote.amendment_id)
            result[key].voters.append((vote.user, vote))
    return result


def rule_of(document: Document) -> dict:
    return {
        "members": {
            "support_above_oppose": True,
            "min_turnout_percent": document.member_turnout_percent,
        },
        "officers": {
            "support_above_oppose": True,
            "min_turnout_percent": document.officer_turnout_percent,
        },
    }


def is_agreed(tally: Tally, document: Document) -> bool:
    """Agreed when, on each side, more support than oppose and enough of the side took part."""
    for side, minimum in (
        (tally.members, document.member_turnout_percent),
        (tally.officers, document.officer_turnout_percent),
    ):
        if side.counts[Choice.SUPPORT] <= side.counts[Choice.OPPOSE]:
            return False
        if side.turnout_percent < minimum:
            return False
    return True


def _event(
    document: Document,
    action: VotingAction,
    by: User,
    *,
    clause: Clause | None = None,
    detail: str = "",
) -> None:
    db.session.add(
        VotingEvent(
            document_id=document.id,
            clause_id=clause.id if clause else None,
            action=action,
            by=by,
            detail=detail,
        )
    )
    audit.record(
        f"voting.{action.value}",
        actor=by,
        object_type="clause" if clause else "document",
        object_id=clause.id if clause else document.id,
        document_id=document.id,
        summary=f"{document.title}: {action.value.replace('_', ' ')}"
        + (f" (clause {clause.number})" if clause else ""),
        after={"detail": detail},
    )


def _touch_all(document: Document) -> None:
    db.session.execute(
        update(Clause).where(Clause.document_id == document.id).values(activity=Clause.activity + 1)
    )


def open_voting(document: Document, *, by: User, closes_at: datetime | None = None) -> None:
    """Open voting on the document's clauses and amendments (again, if it was closed).

    ``closes_at`` is when the facilitator means to close it: shown on the document page, and
    Members and Officers are reminded 24 hours before (``flask notifications remind-closing``).
    """
    if document.status != DocumentStatus.OPEN:
        raise DomainError("Voting can only be opened while the document is Open for comment.")
    if document.voting_open:
        raise DomainError("Voting is already open.")
    if closes_at is not None and closes_at <= utcnow():
        raise DomainError("The closing time must be in the future.")
    document.voting_open = True
    document.voting_closes_at = closes_at
    db.session.execute(
        update(Clause).where(Clause.document_id == document.id).values(voting_closed_at=None)
    )
    db.session.execute(
        update(Amendment)
        .where(Amendment.clause_id.in_(select(Clause.id).where(Clause.document_id == document.id)))
        .values(voting_closed_at=None)
    )
    detail = _rule_text(document)
    if closes_at is not None:
        detail += f"; to close at {closes_at.isoformat(timespec='minutes')}"
    _event(document, VotingAction.OPENED, by, detail=detail)
    _touch_all(document)
    db.session.flush()
    notifications.voting_opened(document, by=by)


def _record_outcomes(
    document: Document, clauses: list[Clause], amendments: list[Amendment], by: User
) -> list[Outcome]:
    results = tallies(clauses=clauses, amendments=amendments)
    outcomes = []
    rule = rule_of(document)
    for kind, items in (("clause", clauses), ("amendment", amendments)):
        for item in items:
            tally = results[(kind, item.id)]
            outcome = Outcome(
                document_id=document.id,
                clause_id=item.id if kind == "clause" else None,
                amendment_id=item.id if kind == "amendment" else None,
                agreed=is_agreed(tally, document),
                tallies=tally.as_dict(),
                rule=rule,
                closed_by=by,
            )
            db.session.add(outcome)
            outcomes.append(outcome)
    return outcomes


def close_voting(document: Document, *, by: User) -> list[Outcome]:
    """Close voting on the whole document and record each open item's outcome."""
    if not document.voting_open:
        raise DomainError("Voting is not open.")
    now = utcnow()
    clauses = [c for c in document.clauses if c.voting_closed_at is None]
    amendments = list(
        db.session.scalars(
            select(Amendment)
            .join(Clause, Clause.id == Amendment.clause_id)
            .where(
                Clause.document_id == document.id,
                Clause.retired_at.is_(None),
                Amendment.voting_closed_at.is_(None),
                Amendment.status == "open",
            )
        )
    )
    outcomes = _record_outcomes(document, clauses, amendments, by)
    for item in [*clauses, *amendments]:
        item.voting_closed_at = now
    document.voting_open = False
    document.voting_closes_at = None
    _event(document, VotingAction.CLOSED, by, detail=_rule_text(document))
    _touch_all(document)
    return outcomes


def close_clause_voting(clause: Clause, *, by: User) -> list[Outcome]:
    """Close voting on one clause (and its open amendments), recording their outcomes."""
    if not is_clause_voting_open(clause):
        raise DomainError("Voting on this clause is not open.")
    now = utcnow()
    amendments = list(
        db.session.scalars(
            select(Amendment).where(
                Amendment.clause_id == clause.id,
                Amendment.voting_closed_at.is_(None),
                Amendment.status == "open",
            )
        )
    )
    outcomes = _record_outcomes(clause.document, [clause], amendments, by)
    clause.voting_closed_at = now
    for amendment in amendments:
        amendment.voting_closed_at = now
    _event(
        clause.document, VotingAction.CLOSED, by, clause=clause, detail=_rule_text(clause.document)
    )
    touch_clause(clause)
    return outcomes


def _rule_text(document: Document) -> str:
    return (
        f"Members: support above oppose, turnout at least {document.member_turnout_percent}%;"
        f" Officers: support above oppose, turnout at least "
        f"{document.officer_turnout_percent}%"
    )


def set_rule(document: Document, member_percent: int, officer_percent: int, *, by: User) -> None:
    """Change the turnout thresholds; only while voting is not open."""
    if document.voting_open:
        raise DomainError("The agreement rule cannot change while voting is open.")
    for value in (member_percent, officer_percent):
        if not 0 <= value <= 100:
            raise DomainError("A turnout threshold is a percentage from 0 to 100.")
    document.member_turnout_percent = member_percent
    document.officer_turnout_percent = officer_percent
    _event(document, VotingAction.RULE_CHANGED, by, detail=_rule_text(document))
    _touch_all(document)


def set_amendments_stopped(
    document: Document, stopped: bool, *, by: User, clause: Clause | None = None
) -> None:
    """Stop (or allow again) new amendments on a document or one clause."""
    target = clause if clause is not None else document
    target.amendments_stopped = stopped
    _event(
        document,
        VotingAction.AMENDMENTS_STOPPED if stopped else VotingAction.AMENDMENTS_RESUMED,
        by,
        clause=clause,
    )
    if clause is not None:
        touch_clause(clause)
    else:
        _touch_all(document)


def latest_outcomes(document: Document) -> dict[tuple[str, int], Outcome]:
    """The most recent outcome of each clause and amendment of the document."""
    outcomes: dict[tuple[str, int], Outcome] = {}
    for outcome in db.session.scalars(
        select(Outcome).where(Outcome.document_id == document.id).order_by(Outcome.id)
    ):
        key = (
            ("clause", outcome.clause_id)
            if outcome.clause_id is not None
            else ("amendment", outcome.amendment_id)
        )
        outcomes[key] = outcome
    return outcomes
