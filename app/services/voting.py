"""Voting on clauses and amendments, and the agreement rule between Members and Officers.

The Accord is an agreement between two sides, so every tally is kept per side: Members (and
Members by political Group) and Officers. A person votes on the side of their role; someone who
is both a Member and an Officer votes as a Member.

A vote is on one wording (shared/DOMAIN.md, "What a vote means"): a vote on a clause records
the clause revision it was cast on; a vote on an amendment is on the amendment. When a clause
gets a new wording its earlier votes are **set aside** (kept, shown, not counted) and, while
voting on it is open, their voters are asked to vote again; votes on its amendments stay with
the amendments. While voting is open on an item, the votes of someone deactivated or no longer
on the side they voted on are set aside too. Tallies count only votes that are not set aside, on
the clause's current wording, by people who may vote now, so counted votes and eligible voters
are one population. Casting again replaces a set-aside vote. Outcomes are recorded once, with
the wording they apply to, and never change.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, Protocol

from sqlalchemy import ColumnElement, and_, case, delete, exists, func, or_, select, update
from sqlalchemy.sql.selectable import ScalarSelect

from app import shared_cache
from app.extensions import db
from app.models import (
    Amendment,
    Choice,
    Clause,
    Document,
    DocumentStatus,
    Outcome,
    Role,
    SetAsideReason,
    User,
    UserRole,
    Vote,
    VotingAction,
    VotingEvent,
    utcnow,
)
from app.models.people import describe
from app.rules import (
    MEMBERS,
    OFFICERS,
    is_amendment_voting_open,
    is_clause_voting_open,
    side_of,
)
from app.services import (
    Conflict,
    Forbidden,
    Invalid,
    audit,
    insert_or,
    markers,
    notifications,
    require_live,
    require_open,
)
from app.services.clauses import live_clauses, touch_clause
from app.services.locks import lock_for_write
from app.services.shown import require_shown
from app.sql import one_of
from app.text import percent_text

# Why a facilitator's voting control is refused outside Open: the services' words, which the
# routes also use to refuse the state before reading a form.
OPENED_WHILE_OPEN = "Voting can only be opened while the document is Open for comment."
CLOSED_WHILE_OPEN = "Voting can only be closed while the document is Open for comment."
RULE_WHILE_OPEN = "The agreement rule can only change while the document is Open for comment."
STOPPED_WHILE_OPEN = "New amendments can only be stopped while the document is Open for comment."
CLOSING_CHANGED = (
    "The votes changed since you checked what closing would record, so nothing was closed. "
    "Check what will be recorded now, then close voting."
)


class VotingClosed(Conflict):
    """Voting on the item is not open (not yet, or no longer)."""


class NotEligible(Forbidden):
    """Only Members and Officers vote or declare an interest."""


class VotingAlreadyOpen(Conflict):
    """Voting is open, so it cannot be opened again and its rule cannot change."""


class InterestDeclared(Conflict):
    """The person declared an interest in the item, so they do not vote on it."""


class WordingChanged(Conflict):
    """The clause has a new wording since the person chose (a vote is on one wording)."""

    says_nothing_recorded = True


class ClauseMoved(Conflict):
    """The address's number names another clause than the one the person's page showed (the
    clauses were moved or renumbered since)."""

    says_nothing_recorded = True


def clause_moved(clause: Clause, shown: Clause | None) -> ClauseMoved:
    """The refusal of a form drawn for another clause than ``clause``, the one now at the
    address it was sent to (the clauses moved since the page was drawn): ``shown`` is the
    clause the page showed when it is one of the same document's, else None."""
    where = (
        f"“{shown.heading}” is now {shown.short_name}, and {clause.short_name} is "
        f"“{clause.heading}”"
        if shown is not None
        else f"{clause.short_name} is now “{clause.heading}”"
    )
    return ClauseMoved(
        f"The {clause.document.item_noun_plural} were moved or renumbered since you opened the "
        f"page: {where}. Nothing was recorded. Choose again on the page as it is now."
    )


class ReasonRequired(Invalid):
    """Closing voting before its announced time, or accepting an amendment that the agreement
    rule does not agree, needs a reason (shared/DOMAIN.md, "What a vote means")."""


def _item_filter(clause: Clause | None, amendment: Amendment | None):
    if amendment is not None:
        return Vote.amendment_id == amendment.id
    assert clause is not None, "a vote is on a clause or an amendment"
    return Vote.clause_id == clause.id


def _lock_item(clause: Clause | None, amendment: Amendment | None) -> None:
    """Take the write locks for a vote on the item (``locks.lock_for_write``): the same
    document lock closing voting takes, so the two are served one after the other."""
    target_clause = amendment.clause if amendment is not None else clause
    assert target_clause is not None, "a vote is on a clause or an amendment"
    lock_for_write(target_clause.document, target_clause, amendment=amendment)


def _require_voting_open(
    user: User, clause: Clause | None, amendment: Amendment | None, refusal: str
) -> Clause:
    """The person votes (a Member or an Officer) and voting on the item is open; returns the
    clause the item belongs to."""
    if side_of(user) is None:
        raise NotEligible("Only Members and Officers vote.")
    target_clause = amendment.clause if amendment is not None else clause
    assert target_clause is not None, "a vote is on a clause or an amendment"
    require_live(target_clause, f"This clause is retired, so {refusal}")
    open_ = (
        is_amendment_voting_open(amendment) if amendment else is_clause_voting_open(target_clause)
    )
    if not open_:
        raise VotingClosed(f"{_not_open(target_clause, amendment)}, so {refusal}")
    return target_clause


def _not_open(clause: Clause, amendment: Amendment | None) -> str:
    """Why an item takes no votes, in words: "Voting is closed" once it was open, else
    "Voting has not opened" (outside tester: a vote before voting ever opened was told that
    voting "is closed")."""
    item_filter = (
        Outcome.amendment_id == amendment.id if amendment else Outcome.clause_id == clause.id
    )
    ever_closed = (
        clause.voting_closed_at is not None
        or (amendment is not None and amendment.voting_closed_at is not None)
        or clause.document.voting_open
        or db.session.scalar(select(exists().where(item_filter)))
    )
    return "Voting is closed" if ever_closed else "Voting has not opened"


def check_voting_open(user: User, item: Clause | Amendment) -> None:
    """The state checks of a vote or a declaration (without its locks), for the declaration
    form's page: raises NotEligible, ClauseRetired, VotingClosed, saying why."""
    if isinstance(item, Amendment):
        _require_voting_open(user, None, item, "nothing can be recorded.")
    else:
        _require_voting_open(user, item, None, "nothing can be recorded.")


def cast_vote(
    user: User,
    choice: Choice,
    *,
    clause: Clause | None = None,
    amendment: Amendment | None = None,
    interest_reason: str | None = None,
    seen_wording: int | None = None,
) -> None:
    """Record the person's vote on a clause or an amendment, replacing any earlier one.

    The state is checked under the item's write locks, the same ones closing voting takes, so
    an acknowledged vote is always counted in the outcome. An upsert on the (person, item)
    unique constraint, so two requests at once (a double click, two tabs) still leave exactly
    one vote; a vote never replaces a declared interest (the upsert's condition). Raises
    NotEligible, ClauseRetired, VotingClosed, Invalid (an interest without its reason),
    InterestDeclared, and WordingChanged when ``seen_wording`` (the clause's wording the
    person's page showed, if it said) is no longer the clause's: a vote is on one wording
    (shared/DOMAIN.md), never on one the person has not seen.
    """
    refusal = (
        "nothing was recorded." if choice == Choice.INTEREST else "your vote was not recorded."
    )
    _lock_item(clause, amendment)
    target_clause = _require_voting_open(user, clause, amendment, refusal)
    if clause is not None and seen_wording not in (None, clause.revision_number):
        raise WordingChanged(
            f"The wording of {clause.short_name} changed since you opened the page (it is now "
            f"wording {clause.revision_number}; you chose on wording {seen_wording}), so "
            f"{refusal} Read the new wording and choose again."
        )
    if choice == Choice.INTEREST and not (interest_reason or "").strip():
        raise Invalid("Say briefly why you have an interest.")
    existing = db.session.scalar(
        select(Vote.choice).where(
            Vote.user_id == user.id, _item_filter(clause, amendment), Vote.set_aside_at.is_(None)
        )
    )
    values = {
        "user_id": user.id,
        "clause_id": None if amendment else target_clause.id,
        "amendment_id": amendment.id if amendment else None,
        "choice": choice.value,
        "interest_reason": (interest_reason or "").strip() if choice == Choice.INTEREST else None,
        "cast_at": utcnow(),
        "revision_number": None if amendment else target_clause.revision_number,
        "set_aside_at": None,
        "set_aside_reason": None,
    }
    audit.record(
        "vote.cast",
        actor=user,
        object_type="amendment" if amendment else "clause",
        object_id=(amendment or target_clause).id,
        document_id=target_clause.document_id,
        summary=f"Vote on {f'amendment {amendment.id}' if amendment else target_clause.short_name}"
        f": {choice.label}",
        before={"choice": existing.value if existing else None},
        after={"choice": choice.value, "interest_reason": values["interest_reason"]},
    )
    key = ["user_id", "amendment_id"] if amendment else ["user_id", "clause_id"]
    statement = insert_or(Vote).values(**values)
    written = db.session.execute(
        statement.on_conflict_do_update(
            index_elements=key,
            set_={
                "choice": statement.excluded.choice,
                "interest_reason": statement.excluded.interest_reason,
                "cast_at": statement.excluded.cast_at,
                "revision_number": statement.excluded.revision_number,
                "set_aside_at": None,
                "set_aside_reason": None,
            },
            # A counted declaration of interest stands; a set-aside one does not block.
            where=None
            if choice == Choice.INTEREST
            else or_(Vote.choice != Choice.INTEREST, Vote.set_aside_at.is_not(None)),
        ).returning(Vote.id)
    ).first()
    if written is None:
        raise InterestDeclared(
            "You have declared an interest in this. Withdraw your declaration before voting."
        )
    touch_clause(target_clause)


def withdraw_interest(
    user: User, *, clause: Clause | None = None, amendment: Amendment | None = None
) -> None:
    """Take back a declared interest, so the person may vote. Raises as cast_vote, and
    ``Conflict`` when they have no declaration on it to withdraw (a second click, another
    tab): nothing is recorded then, no audit event, no change marker moved."""
    _lock_item(clause, amendment)
    target_clause = _require_voting_open(
        user, clause, amendment, "your declaration of interest stands."
    )
    withdrawn = db.session.execute(
        delete(Vote)
        .where(
            Vote.user_id == user.id,
            _item_filter(clause, amendment),
            Vote.choice == Choice.INTEREST,
            Vote.set_aside_at.is_(None),
        )
        .returning(Vote.id)
    ).all()
    if not withdrawn:
        what = "amendment" if amendment else target_clause.item_noun
        raise Conflict(
            f"You have not declared an interest in this {what}: there is nothing to withdraw."
        )
    audit.record(
        "vote.interest_withdrawn",
        actor=user,
        object_type="amendment" if amendment else "clause",
        object_id=(amendment or target_clause).id,
        document_id=target_clause.document_id,
        summary="Declaration of interest withdrawn",
    )
    touch_clause(target_clause)


# Each choice's count at nought, by the choice's value; copied for each side and Group (a
# page tallies sixty clauses: iterating the enum for each was a tenth of the tallies' time).
NO_VOTES: dict[str, int] = {choice.value: 0 for choice in Choice}


def _no_votes() -> dict[str, int]:
    return NO_VOTES.copy()


@dataclass
class SideTally:
    eligible: int = 0
    counts: dict[str, int] = field(default_factory=_no_votes)

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


class Voter(NamedTuple):
    """Who cast a vote, as "Who voted how" names them (``User.description``). A named tuple,
    like ``CastVote``: a clause's 200 voters come from the shared cache on every page, and
    tuples are read back in half the time of dataclasses."""

    id: int
    display_name: str
    description: str


class CastVote(NamedTuple):
    """A vote as "Who voted how" and "your vote" show it (the parts of ``Vote`` they read)."""

    choice: Choice
    interest_reason: str | None
    revision_number: int | None
    set_aside_reason: SetAsideReason | None
    cast_at: datetime

    @property
    def is_set_aside(self) -> bool:
        return self.set_aside_reason is not None


@dataclass
class Tally:
    """Counted votes per side and Group; ``set_aside``: how many votes on the item are kept but
    not counted; ``voters``: every vote on the item, set-aside ones too (``with_voters``)."""

    members: SideTally
    officers: SideTally
    by_group: dict[str, dict[str, int]]
    voters: list[tuple[Voter, CastVote]] = field(default_factory=list)
    set_aside: int = 0
    # Where the counts and voters came from the shared cache: a key that moves with them
    # (its item's, see ``tallies``), for what is rendered from them (``app.fragments``).
    cache_key: str | None = None

    def side(self, name: str) -> SideTally:
        return self.members if name == MEMBERS else self.officers

    def as_dict(self) -> dict:
        return {
            MEMBERS: self.members.as_dict(),
            OFFICERS: self.officers.as_dict(),
            "members_by_group": self.by_group,
        }


def eligible_columns() -> tuple[ScalarSelect[int], ScalarSelect[int]]:
    """(Members, Officers) who may vote, as two scalar subqueries to select with something else
    (the clause page asks them with its clause): active people with the role, a Member who is
    also an Officer counted as a Member."""
    members = select(UserRole.user_id).where(UserRole.role == Role.MEMBER)
    member_count = (
        select(func.count())
        .select_from(User)
        .where(User.active.is_(True), User.id.in_(members))
        .scalar_subquery()
    )
    officer_count = (
        select(func.count())
        .select_from(User)
        .where(
            User.active.is_(True),
            User.id.in_(select(UserRole.user_id).where(UserRole.role == Role.OFFICER)),
            User.id.not_in(members),
        )
        .scalar_subquery()
    )
    return member_count, officer_count


def eligible_voters() -> dict[str, int]:
    """How many active Members and Officers may vote (``eligible_columns``): one statement."""
    counts = db.session.execute(select(*eligible_columns())).one()
    return {MEMBERS: counts[0], OFFICERS: counts[1]}


def _item_key(clause_id: int | None, amendment_id: int | None) -> tuple[str, int]:
    """("clause", id) or ("amendment", id): a vote or outcome row is on exactly one of them."""
    if clause_id is not None:
        return ("clause", clause_id)
    assert amendment_id is not None, "a vote or outcome is on a clause or an amendment"
    return ("amendment", amendment_id)


def _voting_people():
    """Each active Member or Officer once: (user id, Group, 1 if a Member else 0)."""
    return (
        select(
            User.id.label("user_id"),
            User.group.label("group"),
            func.max(case((UserRole.role == Role.MEMBER, 1), else_=0)).label("member"),
        )
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.active.is_(True), one_of(UserRole.role, (Role.MEMBER, Role.OFFICER)))
        .group_by(User.id, User.group)
    )


TALLY_CACHE_VERSION = 4  # bump when the cached rows below change shape


class TalliedClause(Protocol):
    """What ``tallies`` reads of a clause: a ``Clause``, or a clause as the document page
    lists it (``app.documents.cards.ListedClause``)."""

    @property
    def id(self) -> int: ...
    @property
    def activity(self) -> int: ...
    @property
    def revision_number(self) -> int: ...


def tallies(
    *,
    clauses: Sequence[TalliedClause] = (),
    amendments: Sequence[Amendment] = (),
    with_voters: bool = False,
    eligible: dict[str, int] | None = None,
    cached: bool = False,
    people_mark: int | None = None,
) -> dict[tuple[str, int], Tally]:
    """Tallies for many items at once, keyed ("clause", id) or ("amendment", id).

    Counts only votes that are not set aside, on a clause's current wording, by active Members
    and Officers (the population ``eligible_voters`` counts); the rest are counted in
    ``Tally.set_aside``. A fixed number of queries whatever the number of items and voters:
    one statement groups the votes by item, choice, side, Group and whether they count, and
    (``with_voters``) one lists every vote with its voter.

    ``cached`` (for pages; amendments only of the ``clauses``): the grouped counts, the voters
    and the eligible counts come from the shared cache, under a key of every clause's change
    marker and wording number (a vote on it or on one of its amendments, a changed vote, a
    vote set aside, a new amendment or wording moves them on: ``clauses.touch_clause``) and
    the ``people`` change marker (a deactivation, a rename, a role or Group change moves it:
    ``app.services.markers``). ``people_mark`` is that marker as the request read it, with
    the session (``User.people_mark``); without it, it is read here. So a page costs no
    statement for its tallies instead of counting every vote; recorded outcomes never use
    the cache.
    """
    clause_ids = [c.id for c in clauses]
    cached = cached and all(a.clause_id in clause_ids for a in amendments)
    key = ""
    if cached:
        if people_mark is None:
            people_mark = db.session.scalar(select(markers.people_mark()))
        key = f"tallies:{TALLY_CACHE_VERSION}:p{people_mark}"
        if eligible is None:
            eligible = shared_cache.cached(f"{key}:eligible", eligible_voters)
        key += (
            ":"
            + hashlib.sha256(
                repr(
                    (
                        [(c.id, c.activity, c.revision_number) for c in clauses],
                        sorted(a.id for a in amendments),
                        with_voters,
                    )
                ).encode()
            ).hexdigest()
        )
    eligible = eligible if eligible is not None else eligible_voters()
    result: dict[tuple[str, int], Tally] = {}
    for kind, items in (("clause", clauses), ("amendment", amendments)):
        for item in items:
            result[(kind, item.id)] = Tally(
                SideTally(eligible[MEMBERS]),
                SideTally(eligible[OFFICERS]),
                defaultdict(_no_votes),
            )
    amendment_ids = [a.id for a in amendments]
    if not clause_ids and not amendment_ids:
        return result

    def counted() -> tuple[list[tuple], list[tuple]]:
        conditions = []
        if clause_ids:
            conditions.append(Vote.clause_id.in_(clause_ids))
        if amendment_ids:
            conditions.append(Vote.amendment_id.in_(amendment_ids))
        return _grouped_votes(conditions), _voters(conditions) if with_voters else []

    rows, voters = shared_cache.cached(key, counted) if cached else counted()
    for clause_id, amendment_id, choice, member, group, is_counted, count in rows:
        # ``choice`` is a Choice's value (``_grouped_votes``).
        tally = result[_item_key(clause_id, amendment_id)]
        if not is_counted:
            tally.set_aside += count
            continue
        side = tally.members if member else tally.officers
        side.counts[choice] += count
        if member:
            tally.by_group[group or "No Group"][choice] += count
    for item_key, voter, vote in voters:
        result[item_key].voters.append((voter, vote))
    if cached:
        for (kind, item_id), tally in result.items():
            tally.cache_key = f"{key}:{kind}:{item_id}"
    return result


def _voters(conditions: list) -> list[tuple[tuple[str, int], Voter, CastVote]]:
    """Every vote matching any of ``conditions``, oldest first, with its voter and the item it
    is on: one statement of plain rows (a vote's row once for each of its voter's roles), not
    whole people, which cost ten times as much to load."""
    rows = db.session.execute(
        select(
            Vote.id,
            Vote.clause_id,
            Vote.amendment_id,
            Vote.choice,
            Vote.interest_reason,
            Vote.revision_number,
            Vote.set_aside_reason,
            Vote.cast_at,
            User.id,
            User.display_name,
            User.group,
            User.job_title,
            User.is_independent_person,
            UserRole.role,
        )
        .join(User, User.id == Vote.user_id)
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .where(or_(*conditions))
        .order_by(Vote.cast_at, Vote.id)
    ).all()
    votes: dict[int, list] = {}
    for row in rows:
        votes.setdefault(row[0], []).append(row)
    found = []
    for same in votes.values():
        first = same[0]
        roles = frozenset(Role(row[13]) for row in same if row[13] is not None)
        voter = Voter(first[8], first[9], describe(roles, first[10], first[11], first[12]))
        vote = CastVote(
            Choice(first[3]),
            first[4],
            first[5],
            SetAsideReason(first[6]) if first[6] is not None else None,
            first[7],
        )
        found.append((_item_key(first[1], first[2]), voter, vote))
    return found


def _grouped_votes(conditions: list) -> list[tuple]:
    """The votes matching any of ``conditions`` counted by (clause id, amendment id, choice,
    1 if by a Member, Group, 1 if counted): each active Member or Officer joined by key, so
    only the groups (a few hundred rows, not the thousands of votes) come back."""
    people = _voting_people().subquery()
    counted = case(
        (
            and_(
                Vote.set_aside_at.is_(None),
                people.c.user_id.is_not(None),
                or_(Vote.clause_id.is_(None), Vote.revision_number == Clause.revision_number),
            ),
            1,
        ),
        else_=0,
    )
    member = func.coalesce(people.c.member, 0)
    choice = Vote.choice
    return [
        (row[0], row[1], Choice(row[2]).value, row[3], row[4], row[5], row[6])
        for row in db.session.execute(
            select(
                Vote.clause_id,
                Vote.amendment_id,
                choice,
                member,
                people.c.group,
                counted,
                func.count(),
            )
            .outerjoin(people, people.c.user_id == Vote.user_id)
            .outerjoin(Clause, Clause.id == Vote.clause_id)
            .where(or_(*conditions))
            .group_by(Vote.clause_id, Vote.amendment_id, choice, member, people.c.group, counted)
        )
    ]


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


@dataclass(frozen=True)
class Verdict:
    """What the agreement rule says of a tally, in plain words: ``str(verdict)`` is "agreed
    under the rule" or "not agreed: " and each unmet condition, joined by "; "."""

    agreed: bool
    reasons: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.agreed:
            return "agreed under the rule"
        return "not agreed: " + "; ".join(self.reasons)


def explain_agreement(tally: Tally, document: Document) -> Verdict:
    """The agreement rule of ``is_agreed``, saying which conditions a tally does not meet:
    "Officers' turnout 10% is below 25%", "more Members oppose it than support it (2 for,
    3 against)". Agrees with ``is_agreed`` on every tally."""
    reasons = []
    for name, side, minimum in (
        ("Members", tally.members, document.member_turnout_percent),
        ("Officers", tally.officers, document.officer_turnout_percent),
    ):
        support, oppose = side.counts[Choice.SUPPORT], side.counts[Choice.OPPOSE]
        if support == oppose == 0:
            reasons.append(f"no {name} have voted for or against it")
        elif support == oppose:
            reasons.append(f"{name} are split evenly ({support} for, {oppose} against)")
        elif support < oppose:
            reasons.append(
                f"more {name} oppose it than support it ({support} for, {oppose} against)"
            )
        if side.turnout_percent < minimum:
            reasons.append(
                f"{name}' turnout {percent_text(side.turnout_percent)} is below {minimum}%"
            )
    return Verdict(not reasons, tuple(reasons))


def agreement_of(item: Clause | Amendment) -> tuple[Tally, Verdict]:
    """The item's tally as it stands (as its vote panel counts it) and what the agreement rule
    says of it."""
    if isinstance(item, Amendment):
        tally = tallies(amendments=[item])[("amendment", item.id)]
        document = item.clause.document
    else:
        tally = tallies(clauses=[item])[("clause", item.id)]
        document = item.document
    return tally, explain_agreement(tally, document)


def acceptance_shown(amendment: Amendment) -> dict:
    """What an amendment's accept page shows of its votes, for its digest
    (``app.services.shown``): the amendment, the clause's wording, the counts and whether the
    rule agrees it."""
    tally, verdict = agreement_of(amendment)
    return {
        "amendment": amendment.id,
        "wording": amendment.clause.revision_number,
        "agreed": verdict.agreed,
        "tally": tally.as_dict(),
    }


def _event(
    document: Document,
    action: VotingAction,
    by: User,
    *,
    clause: Clause | None = None,
    detail: str = "",
    reason: str | None = None,
) -> None:
    db.session.add(
        VotingEvent(
            document_id=document.id,
            clause_id=clause.id if clause else None,
            action=action,
            by=by,
            detail=detail,
            reason=reason,
        )
    )
    audit.record(
        f"voting.{action.value}",
        actor=by,
        object_type="clause" if clause else "document",
        object_id=clause.id if clause else document.id,
        document_id=document.id,
        summary=f"{document.title}: {action.value.replace('_', ' ')}"
        + (f" ({clause.short_name})" if clause else ""),
        after={"detail": detail, **({"reason": reason} if reason else {})},
    )


def _touch_all(document: Document) -> None:
    db.session.execute(
        update(Clause).where(Clause.document_id == document.id).values(activity=Clause.activity + 1)
    )


def open_voting(document: Document, *, by: User, closes_at: datetime | None = None) -> None:
    """Open voting on the document's clauses and amendments (again, if it was closed).

    ``closes_at`` is when the facilitator means to close it: shown on the document page, and
    Members and Officers are reminded 24 hours before (``flask notifications remind-closing``).
    Raises DocumentNotOpen, VotingAlreadyOpen, Invalid for a closing time in the past.
    """
    lock_for_write(document)
    require_open(document, OPENED_WHILE_OPEN)
    if document.voting_open:
        raise VotingAlreadyOpen("Voting is already open.")
    if closes_at is not None and closes_at <= utcnow():
        raise Invalid("The closing time must be in the future.")
    document.voting_open = True
    document.voting_closes_at = closes_at
    db.session.execute(
        update(Clause).where(Clause.document_id == document.id).values(voting_closed_at=None)
    )
    db.session.execute(
        update(Amendment)
        .where(
            Amendment.clause_id.in_(select(Clause.id).where(Clause.document_id == document.id)),
            Amendment.status == "open",
        )
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
                revision_number=item.revision_number if isinstance(item, Clause) else None,
                agreed=is_agreed(tally, document),
                tallies=tally.as_dict(),
                rule=rule,
                closed_by=by,
            )
            db.session.add(outcome)
            outcomes.append(outcome)
    return outcomes


def close_voting(
    document: Document, *, by: User, reason: str | None = None, seen: str | None = None
) -> list[Outcome]:
    """Close voting on the whole document and record each open item's outcome, with the
    reason for closing before the announced time (required then). ``seen``, when given, is
    the digest of the preview the check page showed (``closing_shown``): the outcomes are
    recorded only if they are still those. Raises DocumentNotOpen, VotingClosed,
    ReasonRequired, ShownChanged."""
    lock_for_write(document)
    require_open(document, CLOSED_WHILE_OPEN)
    if not document.voting_open:
        raise VotingClosed("Voting is not open.")
    if seen is not None:
        require_shown(closing_shown(preview_closing(document)), seen, CLOSING_CHANGED)
    reason = _close_reason(document, reason)
    now = utcnow()
    clauses, amendments = items_to_close(document)
    outcomes = _record_outcomes(document, clauses, amendments, by)
    for outcome in outcomes:
        outcome.close_reason = reason
    items: list[Clause | Amendment] = [*clauses, *amendments]
    for item in items:
        item.voting_closed_at = now
    document.voting_open = False
    document.voting_closes_at = None
    _event(document, VotingAction.CLOSED, by, detail=_rule_text(document), reason=reason)
    _touch_all(document)
    db.session.flush()
    notifications.voting_result(document, outcomes, by=by)
    return outcomes


def close_clause_voting(
    clause: Clause, *, by: User, reason: str | None = None, seen: str | None = None
) -> list[Outcome]:
    """Close voting on one clause (and its open amendments), recording their outcomes with the
    reason for closing before the document's announced time (required then); ``seen`` as
    for ``close_voting``. Raises DocumentNotOpen, ClauseRetired, VotingClosed,
    ReasonRequired, ShownChanged."""
    lock_for_write(clause.document, clause)
    require_open(clause.document, CLOSED_WHILE_OPEN)
    require_live(clause, "This clause is retired, so it is not voted on.")
    if not is_clause_voting_open(clause):
        raise VotingClosed(clause.document.worded("Voting on this clause is not open."))
    if seen is not None:
        preview = preview_closing(clause.document, clause=clause)
        require_shown(closing_shown(preview), seen, CLOSING_CHANGED)
    reason = _close_reason(clause.document, reason)
    now = utcnow()
    _, amendments = items_to_close(clause.document, clause=clause)
    outcomes = _record_outcomes(clause.document, [clause], amendments, by)
    for outcome in outcomes:
        outcome.close_reason = reason
    clause.voting_closed_at = now
    for amendment in amendments:
        amendment.voting_closed_at = now
    _event(
        clause.document,
        VotingAction.CLOSED,
        by,
        clause=clause,
        detail=_rule_text(clause.document),
        reason=reason,
    )
    touch_clause(clause)
    db.session.flush()
    notifications.voting_result(clause.document, outcomes, by=by, clause=clause)
    return outcomes


def items_to_close(
    document: Document, *, clause: Clause | None = None
) -> tuple[list[Clause], list[Amendment]]:
    """The clauses and open amendments whose voting is still open: of the whole document, or of
    one clause. Closing voting records an outcome for each of them."""
    conditions = [Amendment.voting_closed_at.is_(None), Amendment.status == "open"]
    if clause is not None:
        clauses = [clause] if clause.voting_closed_at is None else []
        conditions.append(Amendment.clause_id == clause.id)
    else:
        clauses = [c for c in live_clauses(document) if c.voting_closed_at is None]
        conditions += [Clause.document_id == document.id, Clause.retired_at.is_(None)]
    amendments = list(
        db.session.scalars(
            select(Amendment)
            .join(Clause, Clause.id == Amendment.clause_id)
            .where(*conditions)
            .order_by(Clause.position, Amendment.id)
        )
    )
    return clauses, amendments


def closes_early(document: Document) -> bool:
    """Voting is being closed before the time announced when it was opened."""
    return document.voting_closes_at is not None and utcnow() < document.voting_closes_at


def _close_reason(document: Document, reason: str | None) -> str | None:
    """The reason to record for closing now: required before the announced time, and only
    recorded then (an outcome's ``close_reason`` says voting closed early: shared/DOMAIN.md,
    "Closing voting before its announced time needs a reason"); None otherwise, whatever was
    sent."""
    if not closes_early(document):
        return None
    reason = (reason or "").strip() or None
    if reason is None:
        raise ReasonRequired("Voting is being closed before its announced closing time: say why.")
    return reason


@dataclass
class ClosingItem:
    """One clause or amendment whose outcome closing voting would record."""

    item: Clause | Amendment
    tally: Tally
    verdict: Verdict

    @property
    def is_amendment(self) -> bool:
        return isinstance(self.item, Amendment)


@dataclass
class ClosingPreview:
    """What closing voting now would record, for the facilitator to check first."""

    document: Document
    clause: Clause | None
    items: list[ClosingItem]
    is_early: bool

    @property
    def announced_at(self) -> datetime | None:
        return self.document.voting_closes_at

    @property
    def rule(self) -> str:
        return _rule_text(self.document)

    @property
    def agreed_count(self) -> int:
        return sum(1 for entry in self.items if entry.verdict.agreed)


def preview_closing(document: Document, *, clause: Clause | None = None) -> ClosingPreview:
    """What closing voting on the document (or one clause) would record now: each item's tally
    and verdict, from the same tallies the outcomes are recorded from. Raises DocumentNotOpen,
    ClauseRetired, VotingClosed, as closing would."""
    require_open(document, CLOSED_WHILE_OPEN)
    if clause is not None:
        require_live(clause, "This clause is retired, so it is not voted on.")
        if not is_clause_voting_open(clause):
            raise VotingClosed(clause.document.worded("Voting on this clause is not open."))
    elif not document.voting_open:
        raise VotingClosed("Voting is not open.")
    clauses, amendments = items_to_close(document, clause=clause)
    results = tallies(clauses=clauses, amendments=amendments)
    by_clause: dict[int, list[Amendment]] = defaultdict(list)
    for amendment in amendments:
        by_clause[amendment.clause_id].append(amendment)
    items = []
    for each in clauses:
        group: list[Clause | Amendment] = [each, *by_clause.pop(each.id, [])]
        for item in group:
            kind = "amendment" if isinstance(item, Amendment) else "clause"
            tally = results[(kind, item.id)]
            items.append(ClosingItem(item, tally, explain_agreement(tally, document)))
    for rest in by_clause.values():  # amendments to clauses already closed
        for item in rest:
            tally = results[("amendment", item.id)]
            items.append(ClosingItem(item, tally, explain_agreement(tally, document)))
    return ClosingPreview(document, clause, items, closes_early(document))


def closing_shown(preview: ClosingPreview) -> list[dict]:
    """What a closing preview shows, for its digest (``app.services.shown``): each item, the
    wording it is on, its outcome and its counts, in the page's order."""
    return [
        {
            "item": f"{'amendment' if entry.is_amendment else 'clause'}-{entry.item.id}",
            "wording": entry.item.revision_number if isinstance(entry.item, Clause) else None,
            "agreed": entry.verdict.agreed,
            "tally": entry.tally.as_dict(),
        }
        for entry in preview.items
    ]


def close_amendment_voting(
    amendment: Amendment, *, by: User, withdrawn: bool = False
) -> Outcome | None:
    """Accepting, rejecting or withdrawing an amendment closes its voting: while voting on it
    is open, its outcome is recorded from its own votes as closing voting records it (for a
    ``withdrawn`` one, only when a vote or declaration counts: an empty record would say
    nothing); otherwise it is only marked closed. Call before the amendment's status changes.
    Returns the outcome recorded, if any."""
    outcome = None
    if is_amendment_voting_open(amendment) and (
        not withdrawn
        or db.session.scalar(
            select(exists().where(Vote.amendment_id == amendment.id, Vote.set_aside_at.is_(None)))
        )
    ):
        [outcome] = _record_outcomes(amendment.clause.document, [], [amendment], by)
    if amendment.voting_closed_at is None:
        amendment.voting_closed_at = utcnow()
    return outcome


# Setting votes aside ------------------------------------------------------------------------


def _set_aside(condition, reason: SetAsideReason) -> list[int]:
    """Set aside the counted votes matching ``condition``; returns their voters' ids."""
    voter_ids = list(
        db.session.scalars(select(Vote.user_id).where(condition, Vote.set_aside_at.is_(None)))
    )
    if voter_ids:
        db.session.execute(
            update(Vote)
            .where(condition, Vote.set_aside_at.is_(None))
            .values(set_aside_at=utcnow(), set_aside_reason=reason)
        )
    return voter_ids


def set_aside_earlier_wording(clause: Clause, *, by: User | None) -> int:
    """The clause has a new wording: set aside the votes and declarations of interest cast on
    an earlier one (whatever the state of voting, so they never count for the new wording) and,
    while voting on the clause is open, ask their voters to vote again. Votes on its amendments
    stay with them. Returns how many were set aside."""
    voter_ids = _set_aside(
        and_(Vote.clause_id == clause.id, Vote.revision_number < clause.revision_number),
        SetAsideReason.EARLIER_WORDING,
    )
    if not voter_ids:
        return 0
    audit.record(
        "vote.set_aside",
        actor=by,
        object_type="clause",
        object_id=clause.id,
        document_id=clause.document_id,
        summary=f"{len(voter_ids)} votes on {clause.short_name} set aside: "
        f"cast on an earlier wording than wording {clause.revision_number}",
        after={"reason": SetAsideReason.EARLIER_WORDING.value, "voters": sorted(voter_ids)},
    )
    if is_clause_voting_open(clause):
        notifications.vote_again(clause, voter_ids, by=by)
    return len(voter_ids)


def _open_clause_ids():
    return (
        select(Clause.id)
        .join(Document, Document.id == Clause.document_id)
        .where(
            Document.status == DocumentStatus.OPEN,
            Document.voting_open.is_(True),
            Clause.voting_closed_at.is_(None),
            Clause.retired_at.is_(None),
        )
    )


def set_aside_if_not_eligible(user: User, *, side_before: str | None, by: User | None) -> int:
    """A person was deactivated or their roles changed: when they are no longer active on the
    side ``side_before`` they voted on, set aside their votes on every item whose voting is open
    (recorded outcomes never change; reactivating does not revive a vote: they vote again).
    Returns how many were set aside."""
    if side_before is None or (user.active and side_of(user) == side_before):
        return 0
    open_clauses = _open_clause_ids()
    open_amendments = select(Amendment.id).where(
        Amendment.status == "open",
        Amendment.voting_closed_at.is_(None),
        Amendment.clause_id.in_(open_clauses),
    )
    voter_ids = _set_aside(
        and_(
            Vote.user_id == user.id,
            or_(Vote.clause_id.in_(open_clauses), Vote.amendment_id.in_(open_amendments)),
        ),
        SetAsideReason.NOT_ELIGIBLE,
    )
    if voter_ids:
        audit.record(
            "vote.set_aside",
            actor=by,
            object_type="person",
            object_id=user.id,
            summary=f"{len(voter_ids)} votes by {user.display_name} set aside: no longer eligible",
            after={"reason": SetAsideReason.NOT_ELIGIBLE.value},
        )
    return len(voter_ids)


def _rule_text(document: Document) -> str:
    return (
        f"Members: support above oppose, turnout at least {document.member_turnout_percent}%;"
        f" Officers: support above oppose, turnout at least "
        f"{document.officer_turnout_percent}%"
    )


def check_rule_changeable(document: Document) -> None:
    """The agreement rule changes only while the document is Open and voting is not (for its
    page, before the form; ``set_rule`` again under the lock). Raises DocumentNotOpen,
    VotingAlreadyOpen."""
    require_open(document, RULE_WHILE_OPEN)
    if document.voting_open:
        raise VotingAlreadyOpen(
            "The agreement rule cannot change while voting is open. Close voting first."
        )


RULE_CHANGED = (
    "Another facilitator changed the agreement rule after you opened the page, so yours was "
    "not saved. The rule now in force is shown below and the percentages you typed are still "
    "in the boxes: save again to replace it."
)


def rule_shown(document: Document) -> dict:
    """What the agreement rule's form was drawn with (``app.services.shown``): the Members'
    and the Officers' turnout percentages in force."""
    return {
        "member_turnout_percent": document.member_turnout_percent,
        "officer_turnout_percent": document.officer_turnout_percent,
    }


def set_rule(
    document: Document,
    member_percent: int,
    officer_percent: int,
    *,
    by: User,
    seen: str | None = None,
) -> None:
    """Change the turnout thresholds; only while the document is Open and voting is not.
    ``seen``, when given, is the digest of the rule the form was drawn with (``rule_shown``):
    a rule changed since is never overwritten unseen (``ShownChanged``, 409). Raises
    DocumentNotOpen, VotingAlreadyOpen, Invalid for a threshold outside 0 to 100."""
    lock_for_write(document)
    check_rule_changeable(document)
    if seen is not None:
        require_shown(rule_shown(document), seen, RULE_CHANGED)
    for value in (member_percent, officer_percent):
        if not 0 <= value <= 100:
            raise Invalid("A turnout threshold is a percentage from 0 to 100.")
    document.member_turnout_percent = member_percent
    document.officer_turnout_percent = officer_percent
    _event(document, VotingAction.RULE_CHANGED, by, detail=_rule_text(document))
    _touch_all(document)


def set_amendments_stopped(
    document: Document, stopped: bool, *, by: User, clause: Clause | None = None
) -> None:
    """Stop (or allow again) new amendments on a document or one clause. Raises
    DocumentNotOpen, ClauseRetired."""
    lock_for_write(document, clause)
    require_open(document, STOPPED_WHILE_OPEN)
    require_live(clause, "This clause is retired, so it takes no amendments.")
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


def latest_outcomes(
    document: Document, until: datetime | None = None
) -> dict[tuple[str, int], Outcome]:
    """The most recent outcome of each clause and amendment of the document; with ``until``,
    the most recent recorded by then (a published version's record, as it was when it was
    published: a later round of voting never changes it)."""
    outcomes: dict[tuple[str, int], Outcome] = {}
    recorded = [Outcome.document_id == document.id]
    if until is not None:
        recorded.append(Outcome.closed_at <= until)
    for outcome in db.session.scalars(select(Outcome).where(*recorded).order_by(Outcome.id)):
        outcomes[_item_key(outcome.clause_id, outcome.amendment_id)] = outcome
    return outcomes


def set_aside_counts(
    document: Document, until: datetime | None = None
) -> dict[int, dict[SetAsideReason, int]]:
    """Per clause id of the document: how many votes on it are set aside, by reason (one
    query); with ``until``, those set aside by then (as ``latest_outcomes``)."""
    counts: dict[int, dict[SetAsideReason, int]] = defaultdict(dict)
    set_aside: list[ColumnElement[bool]] = [Vote.set_aside_at.is_not(None)]
    if until is not None:
        set_aside.append(Vote.set_aside_at <= until)
    for clause_id, reason, count in db.session.execute(
        select(Vote.clause_id, Vote.set_aside_reason, func.count())
        .join(Clause, Clause.id == Vote.clause_id)
        .where(Clause.document_id == document.id, *set_aside)
        .group_by(Vote.clause_id, Vote.set_aside_reason)
    ):
        assert clause_id is not None and reason is not None  # selected so
        counts[clause_id][SetAsideReason(reason)] = count
    return dict(counts)


def set_aside_text(counts: dict[SetAsideReason, int] | None) -> str:
    """ "9 set aside (cast on an earlier wording)", "3 set aside (2 cast on an earlier wording,
    1 no longer eligible)", or "" when none are."""
    if not counts:
        return ""
    total = sum(counts.values())
    if len(counts) == 1:
        return f"{total} set aside ({next(iter(counts)).label})"
    parts = ", ".join(f"{counts[r]} {r.label}" for r in SetAsideReason if r in counts)
    return f"{total} set aside ({parts})"
