"""A document's life: Draft → Open for comment → Closed → Submitted to the Standards Committee →
Recommended to Full Council (or Referred back, to Open) → Adopted; and its published versions.

Every move is recorded (who, when, a note) and audited. Submitting always submits a published,
frozen version, so later edits cannot change what the committee is reviewing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    CheckpointKind,
    Clause,
    CommitteeDecision,
    Decision,
    Document,
    DocumentKind,
    DocumentStatus,
    DocumentVersion,
    Recommendation,
    ReviewNote,
    Transition,
    User,
    utcnow,
)
from app.rules import ADMIN_MOVES, FACILITATOR_MOVES, STANDARDS_MOVES
from app.services import (
    Conflict,
    Invalid,
    ReasonNeeded,
    audit,
    discussions,
    notifications,
    voting,
)
from app.services.locks import lock_document, lock_editable
from app.services.shown import require_shown

S = DocumentStatus
LONDON = ZoneInfo("Europe/London")


class TransitionRefused(Conflict):
    """The document cannot make this move from the state it is in (409)."""


class NotUnderReview(Conflict):
    """Review notes are written only while the version is submitted to the committee (409)."""


class MeetingDateRefused(Invalid):
    """A meeting date that cannot be the date of the meeting (422)."""


class MeetingInTheFuture(MeetingDateRefused):
    """A decision or an adoption is recorded after its meeting: a date after today is refused
    (422)."""


class MeetingTooEarly(MeetingDateRefused):
    """The committee cannot have met before the document was submitted to it, nor Full
    Council before the committee recommended it (422)."""


def council_today() -> date:
    """Today's date in the council's time zone (Europe/London)."""
    return utcnow().astimezone(LONDON).date()


def _london_date(moment: datetime) -> date:
    """The council's date of a stored moment (SQLite gives it back without its UTC zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON).date()


def earliest_meeting(document: Document, to: DocumentStatus) -> date | None:
    """The first date the meeting moving ``document`` to ``to`` could have been: for the
    committee's decision, the day the document was last submitted; for Full Council's adoption
    (``to`` Adopted), the committee's meeting that recommended it. None without such a record."""
    if to == S.ADOPTED:
        return db.session.scalar(
            select(CommitteeDecision.meeting_date)
            .where(CommitteeDecision.version_id == document.submitted_version_id)
            .order_by(CommitteeDecision.id.desc())
            .limit(1)
        )
    submitted = db.session.scalar(
        select(Transition.at)
        .where(Transition.document_id == document.id, Transition.to_status == S.SUBMITTED)
        .order_by(Transition.id.desc())
        .limit(1)
    )
    return _london_date(submitted) if submitted is not None else None


def too_early_message(document: Document, to: DocumentStatus, meeting_date: date) -> str | None:
    """Why ``meeting_date`` cannot be the meeting moving ``document`` to ``to`` (before the
    submission, or before the committee met), or None when it can."""
    earliest = earliest_meeting(document, to)
    if earliest is None or meeting_date >= earliest:
        return None
    if to == S.ADOPTED:
        return (
            "The date of the Full Council meeting must be the day the Standards Committee met "
            f"({earliest:%-d %B %Y}) or later"
        )
    return (
        "The date of the meeting must be the day the document was submitted "
        f"({earliest:%-d %B %Y}) or later"
    )


def _require_not_too_early(document: Document, to: DocumentStatus, meeting_date: date) -> None:
    message = too_early_message(document, to, meeting_date)
    if message is not None:
        raise MeetingTooEarly(message)


def _require_past(meeting_date: date, what: str) -> None:
    """Refuse a meeting date after today in the council's time zone (``MeetingInTheFuture``)."""
    if meeting_date > council_today():
        raise MeetingInTheFuture(f"The date of the {what} must be today or in the past")


def working_content(document: Document) -> dict:
    """The document's current text, in the shape a version freezes: title, kind and clauses
    (id, number, heading, body, wording number, recommendations); for a session's agenda also
    ``session`` (``joint_sessions.frozen_agenda``: its details, each item's timing and the
    register), which its exports print."""
    clauses = db.session.scalars(
        select(Clause)
        .where(Clause.document_id == document.id, Clause.retired_at.is_(None))
        .order_by(Clause.position)
        .options(selectinload(Clause.recommendations).joinedload(Recommendation.source))
    ).all()
    content: dict[str, object] = {
        "title": document.title,
        "kind": document.kind.value,
        "clauses": [
            {
                "id": clause.id,
                "number": clause.number,
                "heading": clause.heading,
                "body": clause.body,
                "revision": clause.revision_number,
                "recommendations": [r.label for r in clause.recommendations],
            }
            for clause in clauses
        ],
    }
    if document.kind == DocumentKind.AGENDA:
        from app.services.joint_sessions import frozen_agenda  # it moves agendas through here

        session = frozen_agenda(document)
        if session is not None:
            content["session"] = session
    return content


def hash_content(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record_as_of(version: DocumentVersion) -> datetime | None:
    """When the voting record of ``version`` (its outcomes, set-aside votes and amendments, as
    its exports and the committee's record show them) stopped being the document's: the
    committee's last decision on it, for a version referred back (a later round of voting is
    the next version's). None, for the latest record, while it is the version under review,
    recommended or adopted (from Submitted nothing changes the record) or if the committee
    never decided on it (outcomes recorded after its publication on its wording are its own;
    those on another wording say so)."""
    document = version.document
    if document.submitted_version_id == version.id and document.status in (
        S.SUBMITTED,
        S.RECOMMENDED,
        S.ADOPTED,
    ):
        return None
    return db.session.scalar(
        select(func.max(CommitteeDecision.recorded_at)).where(
            CommitteeDecision.version_id == version.id
        )
    )


class VersionUnchanged(Conflict):
    """The working text is the newest version's, word for word (409): a second version would
    be a copy, and the committee's "What changed" would compare it with itself. The newest
    version can be submitted as it is."""

    def __init__(self, version: DocumentVersion) -> None:
        self.version = version
        super().__init__(
            f"The text is the same as version {version.number}: there is nothing new to"
            " publish. Change the text first, or submit that version as it is."
        )


def publish_version(document: Document, *, by: User, note: str = "") -> DocumentVersion:
    """Freeze the document's text as the next numbered version. Raises
    ``DocumentNotEditable`` from Submitted on, and ``VersionUnchanged`` when the text is the
    newest version's (both checked under the document's lock, so two at once make one)."""
    lock_editable(document)
    newest = latest_version(document)
    content = working_content(document)
    content_hash = hash_content(content)
    if newest is not None and newest.content_hash == content_hash:
        raise VersionUnchanged(newest)
    number = (newest.number if newest is not None else 0) + 1
    version = DocumentVersion(
        document_id=document.id,
        number=number,
        title=document.title,
        content=content,
        content_hash=content_hash,
        note=note.strip(),
        published_by=by,
    )
    db.session.add(version)
    db.session.flush()
    audit.record(
        "version.published",
        actor=by,
        object_type="version",
        object_id=version.id,
        document_id=document.id,
        summary=f"{document.title} v{number} published",
        after={"number": number, "hash": version.content_hash},
    )
    audit.checkpoint(CheckpointKind.PUBLISHED, version=version)
    return version


def latest_version(document: Document) -> DocumentVersion | None:
    return db.session.scalar(
        select(DocumentVersion)
        .where(DocumentVersion.document_id == document.id)
        .order_by(DocumentVersion.number.desc())
        .limit(1)
    )


def _move(
    document: Document,
    to: DocumentStatus,
    *,
    by: User,
    note: str,
    version: DocumentVersion | None = None,
    meeting_date: date | None = None,
) -> Transition:
    transition = Transition(
        document_id=document.id,
        from_status=document.status,
        to_status=to,
        version=version,
        note=note.strip(),
        meeting_date=meeting_date,
        by=by,
    )
    db.session.add(transition)
    audit.record(
        "document.state_changed",
        actor=by,
        object_type="document",
        object_id=document.id,
        document_id=document.id,
        summary=f"{document.title}: Referred back by the Standards Committee (now {to.label})"
        if document.status == S.SUBMITTED and to == S.OPEN
        else f"{document.title}: {document.status.label} → {to.label}",
        before={"status": document.status.value},
        after={
            "status": to.value,
            "note": note.strip(),
            "version": version.number if version else None,
            "meeting_date": meeting_date,
        },
    )
    document.status = to
    discussions.mark_document_moved(document)
    return transition


def move(
    document: Document,
    to: DocumentStatus,
    *,
    by: User,
    note: str = "",
    version: DocumentVersion | None = None,
    close_reason: str | None = None,
    seen_closing: str | None = None,
) -> Transition:
    """A facilitator's move between the working states (and submitting to the committee).
    Raises ``TransitionRefused`` for a move not in ``FACILITATOR_MOVES`` or a submission
    without a version of this document.

    Closing a document while voting is open closes voting as ``voting.close_voting`` does,
    with ``close_reason`` (required before the announced closing time: ReasonRequired) and
    ``seen_closing`` (the digest of the outcomes the page showed, as ``close_voting``'s
    ``seen``: ShownChanged when they are no longer those)."""
    lock_document(document)
    check_move(document, to)
    if to == S.CLOSED and document.voting_open:
        voting.close_voting(document, by=by, reason=close_reason, seen=seen_closing)
    if to == S.SUBMITTED:
        if version is None:
            raise TransitionRefused(
                "Publish a version first: the committee reviews a published version."
            )
        if version.document_id != document.id:
            raise TransitionRefused("That version belongs to another document.")
        document.submitted_version_id = version.id
    if to == S.OPEN:
        document.referral_reasons = (
            None if document.status == S.DRAFT else document.referral_reasons
        )
    transition = _move(document, to, by=by, note=note, version=version)
    if to == S.SUBMITTED:
        notifications.submitted(document, by=by)
    return transition


def check_move(document: Document, to: DocumentStatus) -> None:
    """Raise TransitionRefused, saying why, unless a facilitator can move the document to
    ``to`` from its state (as loaded): for a route refusing early (a second "Close" from a
    stale tab), and ``move`` under the lock."""
    if (document.status, to) in FACILITATOR_MOVES:
        return
    noun = document.whole_noun
    if document.status == to:
        raise TransitionRefused(f"The {noun} is already {to.label}.")
    raise TransitionRefused(
        f"A {noun} cannot go from {document.status.label} to {to.label}: "
        f"it is {document.status.label} now."
    )


def check_under_review(document: Document) -> None:
    """Raise NotUnderReview unless the document's version is with the committee (as loaded):
    for a route refusing early; ``add_review_note`` checks again under the lock."""
    if document.status != S.SUBMITTED or document.submitted_version_id is None:
        raise NotUnderReview("Notes are written only while the version is with the committee.")


def check_decidable(document: Document) -> None:
    """Raise TransitionRefused unless the committee can decide the document (it is
    submitted): for a route refusing early, and ``decide`` under the lock."""
    if document.status != S.SUBMITTED or document.submitted_version_id is None:
        raise TransitionRefused("Only a document submitted to the committee can be decided.")


def check_adoptable(document: Document) -> None:
    """Raise TransitionRefused unless the document is recommended to Full Council: for a route
    refusing early, and ``adopt`` under the lock."""
    if (document.status, S.ADOPTED) not in ADMIN_MOVES:
        raise TransitionRefused("Only a document recommended to Full Council can be adopted.")


def add_review_note(
    version: DocumentVersion, body: str, *, by: User, clause_number: str | None = None
) -> ReviewNote:
    """A committee member's note on the submitted version or one of its clauses, while it is
    under review. Raises ``NotUnderReview``, ``Invalid``."""
    document = version.document
    lock_document(document)
    if document.status != S.SUBMITTED or document.submitted_version_id != version.id:
        raise NotUnderReview("Notes are written only while the version is with the committee.")
    if not body.strip():
        raise Invalid("Write your note.")
    if clause_number and clause_number not in {c["number"] for c in version.clauses}:
        raise Invalid(f"That {document.short_item_noun} is not in this version.")
    note = ReviewNote(
        version_id=version.id, clause_number=clause_number or None, body=body.strip(), author=by
    )
    db.session.add(note)
    db.session.flush()
    audit.record(
        "review.note_added",
        actor=by,
        object_type="review_note",
        object_id=note.id,
        document_id=version.document_id,
        summary=f"Review note on v{version.number}"
        + (f", {document.short_item_noun} {clause_number}" if clause_number else ""),
        after={"body": note.body, "clause": clause_number},
    )
    return note


DECISION_CHANGED = (
    "These answers were changed in another tab or window after you checked them, so nothing "
    "was recorded. Check the answers as they are now, then record the decision."
)


def decision_answers(
    version_id: int | None,
    decision: Decision | str,
    meeting_date: date,
    reasons: str = "",
    minute_reference: str = "",
) -> dict:
    """The committee's answers as its check page shows them: what ``decide(seen=...)``
    compares with the digest that page's form carried (``app.services.shown``)."""
    return {
        "version_id": version_id,
        "decision": Decision(decision).value,
        "meeting_date": meeting_date.isoformat(),
        "reasons": reasons,
        "minute_reference": minute_reference,
    }


def decide(
    document: Document,
    decision: Decision,
    meeting_date: date,
    *,
    by: User,
    reasons: str = "",
    minute_reference: str = "",
    seen: str | None = None,
) -> CommitteeDecision:
    """The Standards Committee recommends the submitted version to Full Council, or refers it
    back with reasons (the document returns to Open for comment, the reasons shown on it).
    ``minute_reference``: the committee's minute ("SC 12/19"), up to 100 characters.
    Raises ``TransitionRefused`` unless submitted, ``ReasonNeeded`` to refer back without
    reasons, ``MeetingInTheFuture`` for a meeting after today (shared/DOMAIN.md, Document
    states). Notifies who took part and the facilitators; on a recommendation, the
    administrators too (they record the adoption).

    ``seen``, when given (the web's check page always gives it, "" when its form did not say),
    is the digest of the answers the check page showed: unless it is these answers, on the
    version submitted as read under the lock, ``ShownChanged`` (409) and nothing is
    recorded."""
    lock_document(document)
    to = S.RECOMMENDED if decision == Decision.RECOMMEND else S.OPEN
    check_decidable(document)
    if seen is not None:
        answers = decision_answers(
            document.submitted_version_id, decision, meeting_date, reasons, minute_reference
        )
        require_shown(answers, seen, DECISION_CHANGED)
    assert (document.status, to) in STANDARDS_MOVES
    if decision == Decision.REFER_BACK and not reasons.strip():
        raise ReasonNeeded("Give the reasons for referring the document back")
    _require_past(meeting_date, "meeting")
    _require_not_too_early(document, to, meeting_date)
    version = db.session.get(DocumentVersion, document.submitted_version_id)
    record = CommitteeDecision(
        version=version,
        decision=decision,
        reasons=reasons.strip(),
        meeting_date=meeting_date,
        minute_reference=minute_reference.strip()[:100] or None,
        recorded_by=by,
    )
    db.session.add(record)
    if decision == Decision.RECOMMEND:
        _move(
            document, S.RECOMMENDED, by=by, note=reasons, version=version, meeting_date=meeting_date
        )
    else:
        document.referral_reasons = reasons.strip()
        _move(document, S.OPEN, by=by, note=reasons, version=version, meeting_date=meeting_date)
    db.session.flush()
    audit.checkpoint(CheckpointKind.DECIDED, version=version)
    notifications.decision_recorded(document, record, by=by)
    if decision == Decision.RECOMMEND:
        notifications.recommended(document, by=by)
    return record


def adopt(
    document: Document,
    full_council_date: date,
    *,
    by: User,
    note: str = "",
    minute_reference: str = "",
) -> None:
    """An administrator records that Full Council adopted the recommended version, with the
    meeting date and Full Council's minute reference (up to 100 characters); the adopted
    version becomes public (shared/DOMAIN.md, What is public). Raises ``TransitionRefused``
    unless recommended, ``MeetingInTheFuture`` for a date after today. Notifies everyone who
    took part."""
    lock_document(document)
    check_adoptable(document)
    _require_past(full_council_date, "Full Council meeting")
    _require_not_too_early(document, S.ADOPTED, full_council_date)
    document.adopted_version_id = document.submitted_version_id
    document.full_council_date = full_council_date
    document.full_council_minute = minute_reference.strip()[:100] or None
    version = db.session.get(DocumentVersion, document.submitted_version_id)
    _move(document, S.ADOPTED, by=by, note=note, version=version, meeting_date=full_council_date)
    audit.checkpoint(CheckpointKind.ADOPTED, version=version)
    notifications.adopted(document, by=by)
