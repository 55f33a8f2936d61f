"""Building an ExportModel (and open data rows) from the database: the only queries exports make."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import datetime, timedelta
from typing import cast

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.comparison import compare
from app.exports.model import (
    AmendmentRecord,
    AuditCheckpointLine,
    ClauseDiff,
    CommitteePaper,
    CoverageRow,
    Declaration,
    ExportClause,
    ExportModel,
    HistoryEntry,
    SideCount,
    VotingRecord,
    printable,
)
from app.extensions import db
from app.models import (
    Amendment,
    AmendmentStatus,
    Choice,
    Clause,
    ClauseRevision,
    Comment,
    Discussion,
    Document,
    DocumentKind,
    DocumentVersion,
    JointSession,
    Outcome,
    User,
    Vote,
    utcnow,
)
from app.rules import side_of
from app.services import audit, joint_sessions, lifecycle, voting
from app.services.clauses import shown_reasons
from app.services.coverage import text_coverage
from app.sql import at_or_before


class ExportError(Exception):
    """The export asked for cannot be made (no such version, nothing to compare with)."""


def _outcome_label(outcome: Outcome | None, revision: int | None = None) -> str:
    """The outcome of a clause whose text is at wording ``revision`` (when known): an outcome
    recorded on another wording does not agree this one."""
    if outcome is None:
        return "Not voted on"
    if revision is not None and outcome.revision_number not in (None, revision):
        return "Voted on an earlier wording"
    return "Agreed" if outcome.agreed else "Not agreed"


def _side(tallies: dict, name: str) -> SideCount:
    counts = tallies[name]
    return SideCount(
        counts["support"],
        counts["oppose"],
        counts["abstain"],
        counts["interest"],
        counts["eligible"],
    )


def _history(
    document: Document,
    wordings: dict[int, int | None] | None = None,
    as_of: datetime | None = None,
) -> dict[int, list[HistoryEntry]]:
    """Per clause id: its wordings, accepted amendments and voting results, in time order.

    For a version, ``wordings`` (clause id -> the wording number it froze) and ``as_of``
    (``lifecycle.record_as_of``): only its own history, the wordings up to its own and the
    amendments that made them, and the voting results on them recorded by the committee's
    decision on a version referred back (a later wording, amendment or result is the next
    version's)."""

    def own(clause_id: int, number: int | None) -> bool:
        frozen = wordings.get(clause_id) if wordings is not None else None
        return frozen is None or number is None or number <= frozen

    history: dict[int, list[HistoryEntry]] = defaultdict(list)
    revisions = db.session.scalars(
        select(ClauseRevision)
        .join(Clause)
        .where(Clause.document_id == document.id)
        .order_by(ClauseRevision.created_at, ClauseRevision.id)
        .options(joinedload(ClauseRevision.created_by))
    ).all()
    reasons = shown_reasons(revisions)
    for revision in revisions:
        if not own(revision.clause_id, revision.number):
            continue
        who = f" by {revision.created_by.display_name}" if revision.created_by else ""
        history[revision.clause_id].append(
            HistoryEntry(
                revision.created_at, f"Wording {revision.number}{who}: {reasons[revision.id]}"
            )
        )
    for amendment in db.session.scalars(
        select(Amendment)
        .join(Clause, Clause.id == Amendment.clause_id)
        .where(Clause.document_id == document.id, Amendment.status == AmendmentStatus.ACCEPTED)
        .options(joinedload(Amendment.proposer))
    ):
        assert amendment.decided_at is not None  # an accepted amendment was decided
        if not own(amendment.clause_id, amendment.accepted_revision_number):
            continue
        history[amendment.clause_id].append(
            HistoryEntry(
                amendment.decided_at,
                f"Amendment {amendment.id} proposed by {amendment.proposer.display_name} accepted "
                f"(wording {amendment.accepted_revision_number})",
            )
        )
    for outcome in db.session.scalars(
        select(Outcome).where(
            Outcome.document_id == document.id,
            Outcome.clause_id.is_not(None),
            at_or_before(Outcome.closed_at, as_of),
        )
    ):
        assert outcome.clause_id is not None  # selected so
        if not own(outcome.clause_id, outcome.revision_number):
            continue
        history[outcome.clause_id].append(
            HistoryEntry(
                outcome.closed_at,
                f"Voting closed: {_outcome_label(outcome).lower()}"
                + (f" on wording {outcome.revision_number}" if outcome.revision_number else ""),
            )
        )
    for entries in history.values():
        entries.sort(key=lambda entry: entry.when)
    return history


def not_earlier(version_number: int, since_number: int) -> str | None:
    """Why the changes cannot be shown since version ``since_number`` on version
    ``version_number``: it is that version or a later one (a redline backwards, titled
    "Changes since Version 2" on Version 1); None when it is earlier."""
    if since_number < version_number:
        return None
    return f"Choose a version earlier than Version {version_number} to show the changes since"


def build_model(
    document: Document,
    *,
    version: DocumentVersion | None = None,
    agreed_only: bool = True,
    include_annexes: bool = True,
    changes_since: DocumentVersion | None = None,
    paper: CommitteePaper | None = None,
    clause_statuses: bool = True,
) -> ExportModel:
    """The export of a published version, or of the working text when ``version`` is None;
    its text is ``printable`` whatever was stored. ``paper``: the committee-paper details
    for the cover and running header; ``clause_statuses`` False leaves out each clause's
    status (the public copy of an adopted version). Raises ExportError for changes shown
    since the exported version itself or a later one (a redline backwards)."""
    if version is not None and changes_since is not None:
        backwards = not_earlier(version.number, changes_since.number)
        if backwards:
            raise ExportError(f"{backwards}.")
    model = _build_model(
        document,
        version=version,
        agreed_only=agreed_only,
        include_annexes=include_annexes,
        changes_since=changes_since,
    )
    return printable(dataclasses.replace(model, paper=paper, clause_statuses=clause_statuses))


def _build_model(
    document: Document,
    *,
    version: DocumentVersion | None,
    agreed_only: bool,
    include_annexes: bool,
    changes_since: DocumentVersion | None,
) -> ExportModel:
    content = version.content if version is not None else lifecycle.working_content(document)
    # A version referred back keeps the record the committee decided on (see record_as_of).
    as_of = lifecycle.record_as_of(version) if version is not None else None
    outcomes = voting.latest_outcomes(document, as_of)
    set_aside = voting.set_aside_counts(document, as_of)
    wordings = (
        {clause["id"]: clause.get("revision") for clause in content["clauses"]}
        if version is not None
        else None
    )
    history = _history(document, wordings, as_of) if include_annexes else {}
    session_info, timing = (
        _agenda_timing(document, content) if document.kind == DocumentKind.AGENDA else (None, {})
    )
    clauses = []
    voting_record = []
    for clause in content["clauses"]:
        outcome = outcomes.get(("clause", clause["id"]))
        status = _outcome_label(outcome, clause.get("revision"))
        voting_record.append(
            VotingRecord(
                clause["number"],
                clause["heading"],
                _side(outcome.tallies, "members") if outcome else None,
                _side(outcome.tallies, "officers") if outcome else None,
                status,
                outcome.closed_at if outcome else None,
                (outcome.close_reason or "") if outcome else "",
                wording=outcome.revision_number if outcome else None,
                set_aside=voting.set_aside_text(set_aside.get(clause["id"])),
            )
        )
        if agreed_only and status != "Agreed":
            continue
        clauses.append(
            ExportClause(
                clause["number"],
                clause["heading"],
                clause["body"],
                tuple(clause["recommendations"]),
                status,
                tuple(history.get(clause["id"], ())),
                agenda=timing.get(clause["id"]),
            )
        )
    included = {c.number for c in clauses}
    coverage = tuple(
        CoverageRow(
            answer.recommendation.label,
            answer.recommendation.letter,
            answer.recommendation.text,
            answer.clauses,
            part.source.name,
        )
        for part in text_coverage(c for c in content["clauses"] if c["number"] in included)
        for answer in part.answers
    )
    changes: tuple[ClauseDiff, ...] = ()
    if changes_since is not None:
        comparison = compare(changes_since.clauses, content["clauses"])
        makers = _change_makers(
            document, changes_since, until=version.published_at if version is not None else None
        )
        changes = tuple(
            ClauseDiff(
                change.kind,
                cast(dict, change.new or change.old)["number"],
                change.old["heading"] if change.old else None,
                change.new["heading"] if change.new else None,
                change.old["body"] if change.old else None,
                change.new["body"] if change.new else None,
                *makers.get(cast(dict, change.new or change.old)["id"], (None, None)),
            )
            for change in comparison.changes
        )
    amendment_record, declarations = _amendments_and_declarations(document, outcomes, as_of)
    return ExportModel(
        council=current_app.config["COUNCIL_NAME"],
        title=content["title"],
        kind=document.kind.value,
        kind_label=document.kind.label,
        version_label=f"Version {version.number}"
        if version is not None
        else "Working text (not a published version)",
        version_number=version.number if version is not None else None,
        status_label=document.status.label,
        content_hash=version.content_hash
        if version is not None
        else lifecycle.hash_content(content),
        generated_at=utcnow().replace(microsecond=0),
        clauses=tuple(clauses),
        agreed_only=agreed_only,
        include_annexes=include_annexes,
        voting_record=tuple(voting_record),
        coverage=coverage,
        changes_since=f"Version {changes_since.number}" if changes_since is not None else None,
        changes=changes,
        session=session_info,
        checkpoint=_checkpoint(version),
        amendment_record=amendment_record if include_annexes else (),
        declarations=declarations if include_annexes else (),
    )


def _change_makers(
    document: Document, since: DocumentVersion, *, until: datetime | None = None
) -> dict[int, tuple[str, datetime | None]]:
    """Per clause id: who made its changes after ``since`` was published (and, exporting a
    version, up to when it was published: ``until``), and when the last was made. Each wording
    since then names its maker: the proposers of the amendments or suggestions accepted into
    it, else whoever wrote it; the change names them all, in the order of their wordings
    ("Sarah Whitfield, Jane Cartwright"), since one tracked change cannot say which words were
    whose; a clause retired since names who retired it, then. Three queries."""
    made = [Clause.document_id == document.id, ClauseRevision.created_at > since.published_at]
    if until is not None:
        made.append(ClauseRevision.created_at <= until)
    revisions = db.session.execute(
        select(
            ClauseRevision.clause_id,
            ClauseRevision.number,
            ClauseRevision.created_at,
            User.display_name,
        )
        .join(Clause, Clause.id == ClauseRevision.clause_id)
        .outerjoin(User, User.id == ClauseRevision.created_by_id)
        .where(*made)
        .order_by(ClauseRevision.created_at, ClauseRevision.id)
    ).all()
    proposers: dict[tuple[int, int | None], list[str]] = {}
    for clause_id, number, name in db.session.execute(
        select(Amendment.clause_id, Amendment.accepted_revision_number, User.display_name)
        .join(Clause, Clause.id == Amendment.clause_id)
        .join(User, User.id == Amendment.proposer_id)
        .where(
            Clause.document_id == document.id,
            Amendment.status == AmendmentStatus.ACCEPTED,
            Amendment.decided_at > since.published_at,
        )
        .order_by(Amendment.id)
    ):
        proposers.setdefault((clause_id, number), []).append(name)
    names: dict[int, list[str]] = {}
    made_at: dict[int, datetime | None] = {}
    for revision in revisions:
        makers = proposers.get((revision.clause_id, revision.number)) or (
            [revision.display_name] if revision.display_name else []
        )
        shown = names.setdefault(revision.clause_id, [])
        shown += [name for name in makers if name not in shown]
        made_at[revision.clause_id] = revision.created_at
    # A clause retired since: its removal is the retiring facilitator's.
    retired = [
        Clause.document_id == document.id,
        Clause.retired_at > since.published_at,
        Clause.retired_by_id.is_not(None),
    ]
    if until is not None:
        retired.append(Clause.retired_at <= until)
    for clause_id, retired_at, name in db.session.execute(
        select(Clause.id, Clause.retired_at, User.display_name)
        .join(User, User.id == Clause.retired_by_id)
        .where(*retired)
    ):
        shown = names.setdefault(clause_id, [])
        shown += [name] if name not in shown else []
        made_at[clause_id] = retired_at
    return {
        clause_id: (", ".join(shown), made_at[clause_id])
        for clause_id, shown in names.items()
        if shown
    }


def _amendments_and_declarations(
    document: Document, outcomes: dict, as_of: datetime | None = None
) -> tuple[tuple[AmendmentRecord, ...], tuple[Declaration, ...]]:
    """Every amendment with its outcome, and every declared interest with its reason; with
    ``as_of`` (``lifecycle.record_as_of``), the amendments proposed by then, each as it stood
    then (one decided later was still Open). Declarations are as they are now: a person's
    vote is one row, re-cast in place, so when it was first declared is not kept."""
    numbers: dict[int, str] = dict(
        db.session.execute(
            select(Clause.id, Clause.number).where(Clause.document_id == document.id)
        ).all()
    )
    amendments = db.session.scalars(
        select(Amendment)
        .where(Amendment.clause_id.in_(list(numbers)), at_or_before(Amendment.created_at, as_of))
        .order_by(Amendment.id)
        .options(joinedload(Amendment.proposer))
    ).all()
    records = []
    for amendment in amendments:
        outcome = outcomes.get(("amendment", amendment.id))
        status = amendment.status_as_of(as_of)
        records.append(
            AmendmentRecord(
                amendment.id,
                numbers.get(amendment.clause_id, ""),
                amendment.proposer.display_name,
                status.label,
                _side(outcome.tallies, "members") if outcome else None,
                _side(outcome.tallies, "officers") if outcome else None,
                # Withdrawn: what the rule said of its votes decided nothing.
                "Withdrawn" if status == AmendmentStatus.WITHDRAWN else _outcome_label(outcome),
                None if status == AmendmentStatus.OPEN else amendment.decided_at,
                # An accepted amendment's reason is the one accepting it against the rule
                # needs (shared/DOMAIN.md, "What a vote means"; ``review.record.reasons``).
                (amendment.decision_reason or "") if status == AmendmentStatus.ACCEPTED else "",
            )
        )
    clause_of = {a.id: a.clause_id for a in amendments}
    declarations = tuple(
        Declaration(
            vote.user.display_name,
            document.worded(
                f"Amendment {vote.amendment_id} "
                f"(clause {numbers.get(clause_of[vote.amendment_id])})"
                if vote.amendment_id
                else f"Clause {numbers.get(vote.clause_id or 0)}"
            ),
            vote.interest_reason or "",
            vote.cast_at,
        )
        for vote in db.session.scalars(
            select(Vote)
            .where(
                Vote.choice == Choice.INTEREST,
                Vote.clause_id.in_(list(numbers)) | Vote.amendment_id.in_(list(clause_of)),
            )
            .order_by(Vote.cast_at, Vote.id)
            .options(joinedload(Vote.user))
        )
    )
    return tuple(records), declarations


def _checkpoint(version: DocumentVersion | None) -> AuditCheckpointLine | None:
    """The newest checkpoint recorded for ``version``; for the working text, the head now."""
    if version is None:
        now = audit.head()
        return AuditCheckpointLine(now.count, now.hash, "When this export was made", None)
    point = audit.version_checkpoint(version)
    if point is None:
        return None
    return AuditCheckpointLine(point.event_count, point.head_hash, point.kind.label, point.at)


def _agenda_timing(document: Document, content: dict) -> tuple[dict | None, dict[int, dict]]:
    """For an agenda: the session's details (with its register), and each item's start time,
    length, purpose and lead by clause id, as ``content`` keeps them (a version published with
    ``session``: ``joint_sessions.frozen_agenda``), else as the agenda and its session are now
    (the working text, and versions published before versions kept them)."""
    kept = content.get("session")
    session = db.session.scalar(select(JointSession).where(JointSession.agenda_id == document.id))
    if kept is None and session is None:
        return None, {}
    if kept is None:
        assert session is not None  # checked above
        plan = joint_sessions.schedule(session)
        starts_at, ends_at = session.starts_at, session.ends_at
        title, venue, is_off_site = session.title, session.venue, session.is_off_site
        timing = {
            entry.clause.id: {
                "start": joint_sessions.local(entry.starts_at).time(),
                "duration": entry.item.duration_minutes if entry.item else None,
                "purpose": entry.item.purpose.value if entry.item else None,
                "lead": entry.item.lead if entry.item else None,
            }
            for entry in plan.items
        }
        register = joint_sessions.register_lines(session)
    else:
        starts_at = datetime.fromisoformat(kept["starts_at"])
        ends_at = datetime.fromisoformat(kept["ends_at"])
        title, venue, is_off_site = kept["title"], kept["venue"], kept["is_off_site"]
        timing, at = {}, starts_at
        for clause in content["clauses"]:  # in the version's order, as ``schedule`` counts
            item = kept["items"].get(str(clause["id"]), {})
            timing[clause["id"]] = {
                "start": joint_sessions.local(at).time(),
                "duration": item.get("minutes"),
                "purpose": item.get("purpose"),
                "lead": item.get("lead"),
            }
            at += timedelta(minutes=item.get("minutes", 0))
        register = (
            joint_sessions.register_lines(session, kept["register"]) if session is not None else []
        )
    info = {
        "title": title,
        "date": joint_sessions.local(starts_at).date(),
        "start": joint_sessions.local(starts_at).time(),
        "end": joint_sessions.local(ends_at).time(),
        "venue": venue + (" (off-site)" if is_off_site else ""),
        "register": register,
    }
    return info, timing


def _role(user: User) -> str:
    return user.description or "No role"


def open_data(document: Document, *, for_facilitator: bool) -> dict[str, list[dict]]:
    """The document's discussions, comments, votes and amendments as plain rows, their text
    ``printable``.

    A hidden comment's text is shown only to a facilitator; others see that it was hidden.
    """
    return printable(_open_data(document, for_facilitator=for_facilitator))


def _open_data(document: Document, *, for_facilitator: bool) -> dict[str, list[dict]]:
    discussions = db.session.scalars(
        select(Discussion)
        .where(Discussion.document_id == document.id)
        .order_by(Discussion.id)
        .options(
            joinedload(Discussion.clause),
            joinedload(Discussion.started_by),
            selectinload(Discussion.recommendations),
        )
    ).all()
    comments = db.session.scalars(
        select(Comment)
        .join(Discussion)
        .where(Discussion.document_id == document.id)
        .order_by(Comment.id)
        .options(joinedload(Comment.author))
    ).all()
    clause_numbers: dict[int | None, str] = dict(
        db.session.execute(
            select(Clause.id, Clause.number).where(Clause.document_id == document.id)
        ).all()
    )
    amendments = db.session.scalars(
        select(Amendment)
        .join(Clause, Clause.id == Amendment.clause_id)
        .where(Clause.document_id == document.id)
        .order_by(Amendment.id)
        .options(joinedload(Amendment.proposer))
    ).all()
    amendment_clause: dict[int | None, int] = {a.id: a.clause_id for a in amendments}
    votes = db.session.scalars(
        select(Vote)
        .where(
            Vote.clause_id.in_(list(clause_numbers)) | Vote.amendment_id.in_(list(amendment_clause))
        )
        .order_by(Vote.id)
        .options(joinedload(Vote.user))
    ).all()

    def comment_text(comment: Comment) -> str:
        if comment.is_withdrawn:
            return "withdrawn by the author"
        if comment.is_hidden and not for_facilitator:
            return "hidden by a facilitator"
        return comment.body

    return {
        "discussions": [
            {
                "id": d.id,
                "document": document.slug,
                "clause": d.clause.number if d.clause else "",
                "title": d.title,
                "started_by": d.started_by.display_name,
                "started_by_role": _role(d.started_by),
                "created_at": d.created_at,
                "locked": d.is_locked,
                "recommendations": " ".join(r.label for r in d.recommendations),
            }
            for d in discussions
        ],
        "comments": [
            {
                "id": c.id,
                "discussion_id": c.discussion_id,
                "parent_id": c.parent_id or "",
                "author": c.author.display_name,
                "author_role": _role(c.author),
                "created_at": c.created_at,
                "edited_at": c.edited_at or "",
                "withdrawn": c.is_withdrawn,
                "hidden": c.is_hidden,
                "text": comment_text(c),
            }
            for c in comments
        ],
        "votes": [
            {
                "item_type": "amendment" if v.amendment_id else "clause",
                "item_id": v.amendment_id or v.clause_id,
                "clause": clause_numbers.get(v.clause_id or amendment_clause.get(v.amendment_id)),
                "voter": v.user.display_name,
                "side": (side_of(v.user) or "").rstrip("s").capitalize(),
                "group": v.user.group or "",
                "choice": v.choice.label,
                "interest_reason": v.interest_reason or "",
                "cast_at": v.cast_at,
                "wording": v.revision_number or "",  # the clause wording it was cast on
                "set_aside": v.set_aside_reason.label if v.set_aside_reason else "",
            }
            for v in votes
        ],
        "amendments": [
            {
                "id": a.id,
                "clause": clause_numbers.get(a.clause_id),
                "proposer": a.proposer.display_name,
                "proposer_role": _role(a.proposer),
                "status": a.status.label,
                "created_at": a.created_at,
                "decided_at": a.decided_at or "",
                "decision_reason": a.decision_reason or "",
                "rule_verdict": a.rule_verdict or "",
                "heading": a.heading,
                "text": a.body,
            }
            for a in amendments
        ],
    }


def find_version(document: Document, number: int | None) -> DocumentVersion | None:
    if number is None:
        return None
    version = db.session.scalar(
        select(DocumentVersion).where(
            DocumentVersion.document_id == document.id, DocumentVersion.number == number
        )
    )
    if version is None:
        raise ExportError(f"{document.title} has no version {number}.")
    return version
