"""A ballot for the whole document: every clause and amendment open for voting on one page,
cast together in one transaction (issue 15, "A ballot for the whole document").

The ballot adds no rule of its own: each choice is cast through ``voting.cast_vote`` (and a
declaration of interest taken back through ``voting.withdraw_interest``), so eligibility, the
side a person votes on and the wording a vote is bound to are the voting service's. What the
ballot adds is "all or nothing": every choice is checked under the document's write lock (the
lock closing voting takes) before any is written, and when one is refused nothing is cast and
the refusals name each item (``BallotRefused``). The route commits once, or rolls back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

from sqlalchemy import BindParameter, CompoundSelect, and_, bindparam, null, select, union_all
from sqlalchemy.orm import contains_eager, joinedload

from app.boundaries import as_whole_number
from app.extensions import db
from app.models import Amendment, AmendmentStatus, Choice, Clause, Document, User, Vote
from app.rules import VotedClause, is_amendment_voting_open, is_clause_voting_open, side_of
from app.services import Conflict
from app.services.locks import lock_for_write
from app.services.voting import NotEligible, VotingClosed, cast_vote, withdraw_interest
from app.text import upper_first


@dataclass
class MyVote:
    """The person's vote on one item as the ballot reads it: ``choice`` None when they have no
    counted vote; ``set_aside`` when their last vote was set aside (an earlier wording, or no
    longer eligible)."""

    choice: Choice | None = None
    interest_reason: str | None = None
    set_aside: bool = False


@dataclass
class BallotItem:
    """One clause, or one open amendment to it, open for voting, with the person's vote."""

    clause: Clause
    amendment: Amendment | None = None
    mine: MyVote = field(default_factory=MyVote)

    @property
    def key(self) -> str:
        """The item's name in the ballot's form fields: ``c<clause id>`` or ``a<amendment id>``."""
        return f"a{self.amendment.id}" if self.amendment else f"c{self.clause.id}"

    @property
    def wording(self) -> int | None:
        """The clause wording (revision number) the ballot showed; None for an amendment."""
        return None if self.amendment else self.clause.revision_number

    @property
    def name(self) -> str:
        """ "clause 3" or "amendment 12 to clause 3" ("item 3" on an agenda)."""
        if self.amendment:
            return f"amendment {self.amendment.id} to {self.clause.short_name}"
        return self.clause.short_name


@dataclass(frozen=True)
class BallotChoice:
    """A choice from the ballot's form: the item's ``key``, the choice, the reason for an
    interest, and the clause wording the person saw (None for an amendment)."""

    key: str
    choice: Choice
    interest_reason: str | None = None
    wording: int | None = None


@dataclass
class Progress:
    """The person's votes on a document's items open for voting: ``clause_votes`` by clause id
    (every clause of the document they have a vote on, counted or set aside), and how many of
    the ``open_items`` (clauses and amendments open for voting) are ``left`` without a counted
    vote."""

    clause_votes: dict[int, MyVote]
    open_items: int = 0
    left: int = 0


class BallotRefused(Conflict):
    """One or more choices cannot be cast (voting closed on the item, the clause retired or
    reworded since the ballot was drawn, a declared interest...): nothing was cast. ``refusals``
    maps each refused item's key to why."""

    def __init__(self, refusals: dict[str, str]):
        count = len(refusals)
        super().__init__(
            f"{count} of your choices could not be cast, so none was recorded."
            if count > 1
            else "One of your choices could not be cast, so none was recorded."
        )
        self.refusals = refusals


@cache
def _my_votes_statement() -> CompoundSelect:
    """``_my_votes``'s statement, built once (parameters ``user_id`` and ``document_id``)."""
    user_id: BindParameter[int] = bindparam("user_id")
    document_id: BindParameter[int] = bindparam("document_id")
    clause_votes = (
        select(
            Vote.clause_id.label("clause_id"),
            null().label("amendment_id"),
            Vote.choice,
            Vote.interest_reason,
            Vote.set_aside_at,
        )
        .join(Clause, Clause.id == Vote.clause_id)
        .where(Vote.user_id == user_id, Clause.document_id == document_id)
    )
    amendment_votes = (
        select(
            Amendment.clause_id.label("clause_id"),
            Amendment.id.label("amendment_id"),
            Vote.choice,
            Vote.interest_reason,
            Vote.set_aside_at,
        )
        .join(Clause, Clause.id == Amendment.clause_id)
        .outerjoin(Vote, and_(Vote.amendment_id == Amendment.id, Vote.user_id == user_id))
        .where(
            Clause.document_id == document_id,
            Clause.retired_at.is_(None),
            Clause.voting_closed_at.is_(None),
            Amendment.status == AmendmentStatus.OPEN,
            Amendment.voting_closed_at.is_(None),
        )
    )
    return union_all(clause_votes, amendment_votes)


def _my_votes(user: User, document: Document) -> tuple[dict[int, MyVote], dict[int, MyVote]]:
    """The person's votes on the document's clauses, by clause id, and on each open amendment
    whose voting is not closed, by amendment id (``MyVote()`` when they have none), the latter
    only for amendments to clauses whose voting is open: one statement."""
    by_clause: dict[int, MyVote] = {}
    by_amendment: dict[int, MyVote] = {}
    rows: list[Any] = list(
        db.session.execute(
            _my_votes_statement(), {"user_id": user.id, "document_id": document.id}
        ).all()
    )
    for clause_id, amendment_id, choice, reason, set_aside_at in rows:
        counted = choice is not None and set_aside_at is None
        mine = MyVote(
            Choice(choice) if counted else None,
            reason if counted else None,
            set_aside=set_aside_at is not None,
        )
        if amendment_id is None:
            by_clause[clause_id] = mine
        else:
            by_amendment[amendment_id] = mine
    return by_clause, by_amendment


class ProgressClause(VotedClause, Protocol):
    """What ``progress`` reads of each clause (a ``Clause`` or a listed clause)."""

    @property
    def id(self) -> int: ...


def progress(user: User, document: Document, clauses: Sequence[ProgressClause]) -> Progress:
    """The person's votes and how many items are left, for the document page (``clauses``: its
    live clauses, already loaded). One statement when the person votes and voting is open on
    the document; none otherwise (an empty Progress)."""
    if side_of(user) is None or not document.voting_open:
        return Progress({})
    by_clause, by_amendment = _my_votes(user, document)
    open_clauses = [c for c in clauses if is_clause_voting_open(c)]
    left = sum(1 for c in open_clauses if by_clause.get(c.id, MyVote()).choice is None)
    left += sum(1 for mine in by_amendment.values() if mine.choice is None)
    return Progress(by_clause, len(open_clauses) + len(by_amendment), left)


def ballot_items(user: User, document: Document) -> list[BallotItem]:
    """Every clause open for voting, in order, each followed by its open amendments open for
    voting, with the person's current vote. Raises NotEligible (not a Member or an Officer),
    VotingClosed (voting is not open on the document). Three statements."""
    if side_of(user) is None:
        raise NotEligible("Only Members and Officers vote.")
    if not (document.voting_open and document.status.value == "open"):
        raise VotingClosed("Voting on this document is not open.")
    clauses = db.session.scalars(
        select(Clause)
        .join(Clause.document)
        .where(Clause.document_id == document.id, Clause.retired_at.is_(None))
        .order_by(Clause.position)
        .options(contains_eager(Clause.document))  # read by is_clause_voting_open, each clause
    ).all()
    open_clauses = [c for c in clauses if is_clause_voting_open(c)]
    amendments = db.session.scalars(
        select(Amendment)
        .where(
            Amendment.clause_id.in_([c.id for c in open_clauses]),
            Amendment.status == AmendmentStatus.OPEN,
            Amendment.voting_closed_at.is_(None),
        )
        .order_by(Amendment.id)
        .options(joinedload(Amendment.proposer))
    ).all()
    by_clause, by_amendment = _my_votes(user, document)
    items = []
    for clause in open_clauses:
        items.append(BallotItem(clause, mine=by_clause.get(clause.id, MyVote())))
        for amendment in amendments:
            if amendment.clause_id == clause.id:
                items.append(
                    BallotItem(clause, amendment, by_amendment.get(amendment.id, MyVote()))
                )
    return items


def changes(items: Sequence[BallotItem], choices: Sequence[BallotChoice]) -> list[BallotChoice]:
    """The choices that differ from the person's current votes (only these are cast)."""
    by_key = {item.key: item for item in items}
    changed = []
    for choice in choices:
        item = by_key.get(choice.key)
        mine = item.mine if item else MyVote()
        same = mine.choice == choice.choice and (
            choice.choice != Choice.INTEREST
            or (mine.interest_reason or "") == (choice.interest_reason or "")
        )
        if not same:
            changed.append(choice)
    return changed


def _gone(key: str, document: Document) -> str:
    """Why an item the ballot showed is not open for voting any more, named when it is one of
    ``document``'s (a key naming no item of it, or no item at all, is told the same as any
    other: the ballot never says what another document holds)."""
    kind, number = key[:1], as_whole_number(key[1:])
    model = {"a": Amendment, "c": Clause}.get(kind)
    found = db.session.get(model, number) if model is not None and number is not None else None
    if isinstance(found, Amendment) and found.clause.document_id != document.id:
        found = None
    if isinstance(found, Clause) and found.document_id != document.id:
        found = None
    if isinstance(found, Amendment):
        state = "has closed" if found.is_open else f"ended: it was {found.status.label.lower()}"
        return f"Voting on amendment {found.id} to {found.clause.short_name} {state}."
    if isinstance(found, Clause):
        if found.retired_at is not None:
            return _retired(found)
        return f"Voting on {found.short_name} has closed."
    return "An item you chose on is no longer open for voting."


def _retired(clause: Clause) -> str:
    noun = upper_first(clause.document.short_item_noun)
    return f"{noun} {clause.retired_number} has been retired, so it is no longer voted on."


def _refusal(item: BallotItem | None, choice: BallotChoice, document: Document) -> str | None:
    """Why this choice cannot be cast now, or None."""
    if item is None:
        return _gone(choice.key, document)
    if item.clause.retired_at is not None:
        return _retired(item.clause)
    if item.amendment is not None:
        if not is_amendment_voting_open(item.amendment):
            return f"Voting on {item.name} has closed."
    elif not is_clause_voting_open(item.clause):
        return f"Voting on {item.name} has closed."
    elif choice.wording is not None and choice.wording != item.clause.revision_number:
        return (
            f"The wording of {item.name} changed (it is now wording "
            f"{item.clause.revision_number}, you chose on wording {choice.wording}). "
            "Read the new wording and choose again."
        )
    return None


def cast_ballot(user: User, document: Document, choices: Sequence[BallotChoice]) -> int:
    """Cast the ballot's choices together: all of them, or none.

    Takes the document's write lock first (``locks.lock_for_write``, the lock closing voting
    takes), reads the items afresh and checks every choice before writing any: the item is
    still open for voting and, for a clause, still has the wording the person chose on (a vote
    is on one wording, shared/DOMAIN.md). Then each choice that differs from the person's vote
    is cast with ``voting.cast_vote`` (a vote replacing the person's own declaration of interest
    first withdraws it with ``voting.withdraw_interest``). Returns how many were cast. Raises
    NotEligible, VotingClosed (voting not open on the document), BallotRefused naming each
    refused item, Invalid (an interest without its reason) from ``cast_vote``.
    """
    lock_for_write(document)
    items = {item.key: item for item in ballot_items(user, document)}
    refusals = {
        choice.key: reason
        for choice in choices
        if (reason := _refusal(items.get(choice.key), choice, document)) is not None
    }
    if refusals:
        raise BallotRefused(refusals)
    changed = changes(list(items.values()), choices)
    for choice in changed:
        item = items[choice.key]
        target = {"amendment": item.amendment} if item.amendment else {"clause": item.clause}
        if item.mine.choice == Choice.INTEREST and choice.choice != Choice.INTEREST:
            withdraw_interest(user, **target)
        cast_vote(user, choice.choice, interest_reason=choice.interest_reason, **target)
    return len(changed)


__all__ = [
    "BallotChoice",
    "BallotItem",
    "BallotRefused",
    "MyVote",
    "Progress",
    "ballot_items",
    "cast_ballot",
    "changes",
    "progress",
]
