"""What the Standards Committee reads before it decides: the summary of a submitted version and
each section of the review, one function per section so that a page asks only for its own part.

Everything here reads; nothing changes the record. Each function takes the document (and the
version under review) and returns plain values and model objects for a template, in a fixed,
small number of queries whatever the number of clauses, amendments and votes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import (
    Amendment,
    AmendmentStatus,
    AuditCheckpoint,
    Choice,
    Clause,
    CommitteeDecision,
    Discussion,
    Document,
    DocumentStatus,
    DocumentVersion,
    Outcome,
    Transition,
    Vote,
    VotingAction,
    VotingEvent,
)
from app.services import audit, lifecycle, voting
from app.services import coverage as coverage_service
from app.services.coverage import SourceCoverage
from app.sql import at_or_before, one_of

# The sections of the review, in the order of the contents list: (slug, title).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("changes", "What changed"),
    ("coverage", "Recommendation coverage"),
    ("votes", "Voting record"),
    ("groups", "Members by Group"),
    ("interests", "Declarations of interest"),
    ("set-aside", "Votes set aside"),
    ("reasons", "Decisions taken against the vote"),
    ("text", "The full text"),
    ("notes", "Review notes"),
)
SECTION_TITLES = dict(SECTIONS)


def submitted_version(document: Document) -> DocumentVersion | None:
    """The version the committee reviews (or reviewed): the document's submitted version."""
    if document.submitted_version_id is None:
        return None
    return db.session.get(DocumentVersion, document.submitted_version_id)


# The summary --------------------------------------------------------------------------------


@dataclass
class ClauseCounts:
    """How the version's clauses fared in the vote: agreed, not agreed, not voted on this
    wording (``earlier_wording`` of them were voted on an earlier wording only)."""

    agreed: int = 0
    not_agreed: int = 0
    not_voted: int = 0
    earlier_wording: int = 0


@dataclass
class Summary:
    """The figures at the top of the review."""

    version: DocumentVersion
    checkpoint: AuditCheckpoint | None
    submitted_at: datetime | None
    voting_closed_at: datetime | None
    clauses: ClauseCounts
    accepted_with_agreement: int
    accepted_without_agreement: int
    undecided_amendments: int
    declarations: int
    open_discussions: int
    coverage: list[SourceCoverage]
    decisions: list[CommitteeDecision] = field(default_factory=list)

    @property
    def unanswered(self) -> list[tuple[str, int, int]]:
        """Per source: (name, unanswered, of how many)."""
        return [
            (part.source.name, len(part.unanswered), len(part.answers)) for part in self.coverage
        ]


def clause_status(outcome: Outcome | None, revision: int | None) -> str:
    """ "agreed", "not agreed", "earlier wording" (voted only on another wording) or
    "not voted"."""
    if outcome is None:
        return "not voted"
    if revision is not None and outcome.revision_number not in (None, revision):
        return "earlier wording"
    return "agreed" if outcome.agreed else "not agreed"


def clause_counts(
    version: DocumentVersion, outcomes: dict[tuple[str, int], Outcome]
) -> ClauseCounts:
    counts = ClauseCounts()
    for clause in version.clauses:
        status = clause_status(outcomes.get(("clause", clause["id"])), clause.get("revision"))
        if status == "agreed":
            counts.agreed += 1
        elif status == "not agreed":
            counts.not_agreed += 1
        else:
            counts.not_voted += 1
            counts.earlier_wording += status == "earlier wording"
    return counts


def _document_amendments(document: Document):
    return (
        select(Amendment)
        .join(Clause, Clause.id == Amendment.clause_id)
        .where(Clause.document_id == document.id)
    )


def summary(document: Document, version: DocumentVersion) -> Summary:
    """The review's summary figures (about a dozen queries, whatever the document's size); for
    a version referred back, as the committee decided on it (``lifecycle.record_as_of``),
    except the declarations, which are kept one per person and shown as they are now."""
    as_of = lifecycle.record_as_of(version)
    outcomes = voting.latest_outcomes(document, as_of)
    against = Amendment.decision_reason.is_not(None)
    amendment_counts: dict[bool, int] = dict(
        db.session.execute(
            select(against, func.count())
            .join(Clause, Clause.id == Amendment.clause_id)
            .where(
                Clause.document_id == document.id,
                Amendment.status == AmendmentStatus.ACCEPTED,
                at_or_before(Amendment.decided_at, as_of),
            )
            .group_by(against)
        ).all()
    )
    still_open: ColumnElement[bool] = Amendment.status == AmendmentStatus.OPEN
    live: ColumnElement[bool] = Clause.retired_at.is_(None)
    if as_of is not None:  # open then: decided since, or not at all
        still_open = still_open | (Amendment.decided_at > as_of)
        live = live | (Clause.retired_at > as_of)
    undecided = db.session.execute(
        select(func.count())
        .select_from(Amendment)
        .join(Clause, Clause.id == Amendment.clause_id)
        .where(
            Clause.document_id == document.id,
            live,
            still_open,
            at_or_before(Amendment.created_at, as_of),
        )
    ).scalar_one()
    unlocked: ColumnElement[bool] = Discussion.locked_at.is_(None)
    if as_of is not None:
        unlocked = unlocked | (Discussion.locked_at > as_of)
    return Summary(
        version=version,
        checkpoint=audit.version_checkpoint(version),
        submitted_at=db.session.scalar(
            select(func.max(Transition.at)).where(
                Transition.document_id == document.id,
                Transition.to_status == DocumentStatus.SUBMITTED,
                at_or_before(Transition.at, as_of),
            )
        ),
        voting_closed_at=db.session.scalar(
            select(func.max(Outcome.closed_at)).where(
                Outcome.document_id == document.id, at_or_before(Outcome.closed_at, as_of)
            )
        ),
        clauses=clause_counts(version, outcomes),
        accepted_with_agreement=amendment_counts.get(False, 0),
        accepted_without_agreement=amendment_counts.get(True, 0),
        undecided_amendments=undecided,
        declarations=len(declarations(document, count_only=True)),
        open_discussions=db.session.execute(
            select(func.count())
            .select_from(Discussion)
            .where(
                Discussion.document_id == document.id,
                unlocked,
                at_or_before(Discussion.created_at, as_of),
            )
        ).scalar_one(),
        coverage=coverage_service.text_coverage(version.clauses),
        decisions=decisions(version),
    )


def decisions(version: DocumentVersion) -> list[CommitteeDecision]:
    """The committee's decisions recorded on ``version``, oldest first."""
    return list(
        db.session.scalars(
            select(CommitteeDecision)
            .where(CommitteeDecision.version_id == version.id)
            .order_by(CommitteeDecision.id)
        )
    )


# The voting record ---------------------------------------------------------------------------


@dataclass
class RecordRow:
    """One clause or amendment of the voting record, with its latest outcome (if any)."""

    kind: str  # "clause" or "amendment"
    label: str  # "3. Respect" or "Amendment 12 to clause 3"
    outcome: Outcome | None
    status: str  # as clause_status, or the amendment's status label
    set_aside: str = ""
    amendment: Amendment | None = None
    wording: int | None = None  # the clause wording in this version

    @property
    def groups(self) -> dict[str, dict[str, int]]:
        if self.outcome is None:
            return {}
        return dict(sorted(self.outcome.tallies.get("members_by_group", {}).items()))


def voting_record(document: Document, version: DocumentVersion) -> list[RecordRow]:
    """Every clause of the version, each followed by the amendments proposed to it (withdrawn
    ones left out unless votes on them were recorded when they were withdrawn), with their
    outcomes; for a version referred back, as the committee decided on them
    (``lifecycle.record_as_of``). Five queries."""
    as_of = lifecycle.record_as_of(version)  # referred back: the record decided on
    outcomes = voting.latest_outcomes(document, as_of)
    set_aside = voting.set_aside_counts(document, as_of)
    proposed = _document_amendments(document).order_by(Amendment.id)
    if as_of is not None:
        proposed = proposed.where(Amendment.created_at <= as_of)
    amendments = [
        amendment
        for amendment in db.session.scalars(proposed)
        if amendment.status_as_of(as_of) != AmendmentStatus.WITHDRAWN
        or ("amendment", amendment.id) in outcomes
    ]
    by_clause: dict[int, list[Amendment]] = {}
    for amendment in amendments:
        by_clause.setdefault(amendment.clause_id, []).append(amendment)
    rows = []
    for clause in version.clauses:
        outcome = outcomes.get(("clause", clause["id"]))
        rows.append(
            RecordRow(
                "clause",
                f"{clause['number']}. {clause['heading']}",
                outcome,
                clause_status(outcome, clause.get("revision")),
                voting.set_aside_text(set_aside.get(clause["id"])),
                wording=clause.get("revision"),
            )
        )
        for amendment in by_clause.get(clause["id"], []):
            rows.append(
                RecordRow(
                    "amendment",
                    f"Amendment {amendment.id} to {document.short_item_noun} {clause['number']}",
                    outcomes.get(("amendment", amendment.id)),
                    amendment.status_as_of(as_of).label.lower(),
                    amendment=amendment,
                )
            )
    return rows


def group_names(rows: list[RecordRow]) -> list[str]:
    """Every political Group that voted on any row, in alphabetical order."""
    return sorted({name for row in rows for name in row.groups})


# Declarations and set-aside votes -------------------------------------------------------------


@dataclass
class VoteLine:
    """One vote (or declaration) with its voter and what it was on."""

    vote: Vote
    on: str  # "clause 3" or "amendment 12 to clause 3"


def _clause_numbers(document: Document) -> dict[int, str]:
    """Clause id → number, for every clause of the document (retired ones too)."""
    rows = db.session.execute(
        select(Clause.id, Clause.number).where(Clause.document_id == document.id)
    )
    return dict(rows.all())


def _vote_lines(document: Document, *conditions) -> list[VoteLine]:
    """Votes on the clauses and amendments of ``document`` meeting ``conditions``, with their
    voters, in the order they were cast (two queries)."""
    clause_ids = select(Clause.id).where(Clause.document_id == document.id)
    amendment_ids = select(Amendment.id).where(Amendment.clause_id.in_(clause_ids))
    votes = db.session.scalars(
        select(Vote)
        .where(
            (Vote.clause_id.in_(clause_ids)) | (Vote.amendment_id.in_(amendment_ids)),
            *conditions,
        )
        .options(joinedload(Vote.user))
        .order_by(Vote.cast_at, Vote.id)
    ).all()
    if not votes:
        return []
    numbers = _clause_numbers(document)
    amendment_clause: dict[int, int] = dict(
        db.session.execute(
            select(Amendment.id, Amendment.clause_id).where(Amendment.id.in_(amendment_ids))
        ).all()
    )
    lines = []
    for vote in votes:
        if vote.amendment_id is not None:
            number = numbers.get(amendment_clause.get(vote.amendment_id, 0), "?")
            on = f"amendment {vote.amendment_id} to {document.short_item_noun} {number}"
        else:
            on = f"{document.short_item_noun} {numbers.get(vote.clause_id or 0, '?')}"
        lines.append(VoteLine(vote, on))
    return lines


def declarations(document: Document, *, count_only: bool = False) -> list:
    """Every declaration of interest on the document's clauses and amendments, with the name
    and the reason (set-aside ones too, marked so). ``count_only``: only the ids (one query)."""
    if count_only:
        clause_ids = select(Clause.id).where(Clause.document_id == document.id)
        amendment_ids = select(Amendment.id).where(Amendment.clause_id.in_(clause_ids))
        return list(
            db.session.scalars(
                select(Vote.id).where(
                    (Vote.clause_id.in_(clause_ids)) | (Vote.amendment_id.in_(amendment_ids)),
                    Vote.choice == Choice.INTEREST,
                )
            )
        )
    return _vote_lines(document, Vote.choice == Choice.INTEREST)


def set_aside_votes(document: Document, version: DocumentVersion | None) -> list[VoteLine]:
    """Every vote kept but not counted, with its voter and the reason; for a ``version``
    referred back, those set aside by the committee's decision (``lifecycle.record_as_of``,
    as ``voting.set_aside_counts``)."""
    as_of = lifecycle.record_as_of(version) if version is not None else None
    return _vote_lines(
        document, Vote.set_aside_at.is_not(None), at_or_before(Vote.set_aside_at, as_of)
    )


# Decisions taken against the vote -----------------------------------------------------------


@dataclass
class VotingStep:
    """Voting opened or closed on the document (or on one clause), and whether an opening
    re-opened voting that had closed."""

    event: VotingEvent
    clause_number: str | None
    reopened: bool = False


def reasons(document: Document, version: DocumentVersion | None) -> dict:
    """Voting closed before its announced time (with the reason), amendments accepted although
    the agreement rule did not agree them (with the reason), and every opening and closing of
    voting, re-openings marked; for a ``version`` referred back, those up to the committee's
    decision (``lifecycle.record_as_of``). Three or four queries."""
    as_of = lifecycle.record_as_of(version) if version is not None else None
    events = db.session.scalars(
        select(VotingEvent)
        .where(
            VotingEvent.document_id == document.id,
            one_of(VotingEvent.action, (VotingAction.OPENED, VotingAction.CLOSED)),
            at_or_before(VotingEvent.at, as_of),
        )
        .order_by(VotingEvent.id)
        .options(joinedload(VotingEvent.by))
    ).all()
    accepted_against_rule = db.session.scalars(
        _document_amendments(document)
        .where(
            Amendment.status == AmendmentStatus.ACCEPTED,
            Amendment.decision_reason.is_not(None),
            at_or_before(Amendment.decided_at, as_of),
        )
        .order_by(Amendment.decided_at)
        .options(joinedload(Amendment.clause), joinedload(Amendment.decided_by))
    ).all()
    numbers = _clause_numbers(document)
    steps = []
    closed_before = False
    for event in events:
        reopened = event.action == VotingAction.OPENED and closed_before
        closed_before = closed_before or event.action == VotingAction.CLOSED
        number = numbers.get(event.clause_id) if event.clause_id is not None else None
        steps.append(VotingStep(event, number, reopened))
    return {
        "steps": steps,
        "early_closes": [step for step in steps if step.event.reason],
        "reopenings": [step for step in steps if step.reopened],
        "accepted_against_rule": accepted_against_rule,
    }


def latest_decision(document: Document) -> CommitteeDecision | None:
    """The committee's most recent decision on the document, or None."""
    return db.session.scalar(
        select(CommitteeDecision)
        .join(DocumentVersion, DocumentVersion.id == CommitteeDecision.version_id)
        .where(DocumentVersion.document_id == document.id)
        .order_by(CommitteeDecision.id.desc())
        .limit(1)
    )


def meeting_label(day: date) -> str:
    return day.strftime("%-d %B %Y")
