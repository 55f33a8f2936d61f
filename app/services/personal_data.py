"""A person's data on request: a ZIP of everything Accord holds about them, as JSON and CSV.

The right of access and to data portability (UK GDPR articles 15 and 20): a person downloads
their own copy from "Your data"; an administrator produces the same for a subject access request
(audited). The archive holds, for each kind of data (``KINDS``), ``<kind>.json`` (a list of
objects) and ``<kind>.csv`` (a header row, then one row each), and a ``README.txt`` naming them.

Nothing is held twice in memory: each kind's rows come from a query read ``ROWS_PER_FETCH`` at a
time and are written straight into the ZIP entry being compressed, which is written to a file
the caller gives (a temporary file for a download). Secrets never leave: no password hash,
two-factor secret, recovery code hash or session token hash is in the archive.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import IO, Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    AgendaProposal,
    Amendment,
    Attendance,
    AuditEvent,
    Clause,
    Comment,
    CommentRevision,
    Discussion,
    Document,
    JointSession,
    Notification,
    RecoveryCode,
    TwoFactorCredential,
    User,
    UserRole,
    UserSession,
    Vote,
    utcnow,
)
from app.services import audit, leavers

ROWS_PER_FETCH = 200
# Columns of a signed-in session never given out: the hash of its cookie's token.
SECRET_SESSION_COLUMNS = {"token_hash"}

Row = dict[str, Any]


@dataclass(frozen=True)
class Kind:
    """One kind of data in the archive: ``<name>.json`` and ``<name>.csv``. ``rows(user_id)``
    is a generator that reads its rows a batch at a time; ``columns`` are the CSV's header."""

    name: str
    about: str
    columns: tuple[str, ...]
    rows: Callable[[int], Iterator[Row]]


def _plain(value: Any) -> Any:
    """A JSON- and CSV-ready value: datetimes in ISO 8601 (UTC), enums by their value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _stream(query: Select, columns: tuple[str, ...]) -> Iterator[Row]:
    """The rows of ``query`` (labelled with ``columns``), fetched ``ROWS_PER_FETCH`` at a time."""
    result = db.session.execute(query.execution_options(yield_per=ROWS_PER_FETCH))
    for row in result.mappings():
        yield {column: _plain(row[column]) for column in columns}


PROFILE = (
    "id",
    "name",
    "email",
    "group",
    "ward",
    "job_title",
    "service",
    "is_independent_person",
    "active",
    "created_at",
    "last_signed_in_at",
    "anonymised_at",
)


def _profile(user_id: int) -> Iterator[Row]:
    query = select(
        User.id,
        User.display_name.label("name"),
        User.email,
        User.group,
        User.ward,
        User.job_title,
        User.service,
        User.is_independent_person,
        User.active,
        User.created_at,
        User.last_signed_in_at,
        User.anonymised_at,
    ).where(User.id == user_id)
    yield from _stream(query, PROFILE)


def _roles(user_id: int) -> Iterator[Row]:
    query = select(UserRole.role).where(UserRole.user_id == user_id).order_by(UserRole.role)
    yield from _stream(query, ("role",))


COMMENTS = (
    "id",
    "discussion_id",
    "discussion",
    "document",
    "reply_to_comment_id",
    "state",
    "body",
    "created_at",
    "edited_at",
    "edit_count",
    "withdrawn_at",
    "hidden_at",
    "hidden_reason",
)


def _comments(user_id: int) -> Iterator[Row]:
    """Every comment of theirs, live, withdrawn or hidden by a facilitator (with its state)."""
    query = (
        select(
            Comment.id,
            Comment.discussion_id,
            Discussion.title.label("discussion"),
            Document.title.label("document"),
            Comment.parent_id.label("reply_to_comment_id"),
            Comment.body,
            Comment.created_at,
            Comment.edited_at,
            Comment.edit_count,
            Comment.withdrawn_at,
            Comment.hidden_at,
            Comment.hidden_reason,
        )
        .join(Discussion, Discussion.id == Comment.discussion_id)
        .join(Document, Document.id == Discussion.document_id)
        .where(Comment.author_id == user_id)
        .order_by(Comment.id)
    )
    for row in _stream(query, tuple(c for c in COMMENTS if c != "state")):
        row["state"] = (
            "withdrawn" if row["withdrawn_at"] else "hidden" if row["hidden_at"] else "live"
        )
        yield {column: row[column] for column in COMMENTS}


COMMENT_REVISIONS = ("comment_id", "number", "body", "created_at")


def _comment_revisions(user_id: int) -> Iterator[Row]:
    query = (
        select(
            CommentRevision.comment_id,
            CommentRevision.number,
            CommentRevision.body,
            CommentRevision.created_at,
        )
        .join(Comment, Comment.id == CommentRevision.comment_id)
        .where(Comment.author_id == user_id)
        .order_by(CommentRevision.comment_id, CommentRevision.number)
    )
    yield from _stream(query, COMMENT_REVISIONS)


DISCUSSIONS = ("id", "title", "document", "clause_id", "created_at")


def _discussions(user_id: int) -> Iterator[Row]:
    query = (
        select(
            Discussion.id,
            Discussion.title,
            Document.title.label("document"),
            Discussion.clause_id,
            Discussion.created_at,
        )
        .join(Document, Document.id == Discussion.document_id)
        .where(Discussion.started_by_id == user_id)
        .order_by(Discussion.id)
    )
    yield from _stream(query, DISCUSSIONS)


VOTES = (
    "id",
    "document",
    "clause",
    "amendment_id",
    "choice",
    "interest_reason",
    "cast_at",
    "on_wording",
    "set_aside_at",
    "set_aside_reason",
)


def _votes(user_id: int) -> Iterator[Row]:
    """Votes and declarations of interest, counted or set aside (with why)."""
    on_amendment = aliased(Amendment)
    query = (
        select(
            Vote.id,
            Document.title.label("document"),
            Clause.number.label("clause"),
            Vote.amendment_id,
            Vote.choice,
            Vote.interest_reason,
            Vote.cast_at,
            Vote.revision_number.label("on_wording"),
            Vote.set_aside_at,
            Vote.set_aside_reason,
        )
        .outerjoin(on_amendment, on_amendment.id == Vote.amendment_id)
        .join(Clause, Clause.id == func.coalesce(Vote.clause_id, on_amendment.clause_id))
        .join(Document, Document.id == Clause.document_id)
        .where(Vote.user_id == user_id)
        .order_by(Vote.id)
    )
    yield from _stream(query, VOTES)


AMENDMENTS = (
    "id",
    "document",
    "clause",
    "heading",
    "body",
    "rationale",
    "status",
    "created_at",
    "decided_at",
    "decision_reason",
)


def _amendments(user_id: int) -> Iterator[Row]:
    query = (
        select(
            Amendment.id,
            Document.title.label("document"),
            Clause.number.label("clause"),
            Amendment.heading,
            Amendment.body,
            Amendment.rationale,
            Amendment.status,
            Amendment.created_at,
            Amendment.decided_at,
            Amendment.decision_reason,
        )
        .join(Clause, Clause.id == Amendment.clause_id)
        .join(Document, Document.id == Clause.document_id)
        .where(Amendment.proposer_id == user_id)
        .order_by(Amendment.id)
    )
    yield from _stream(query, AMENDMENTS)


ATTENDANCE = ("session_id", "session", "starts_at", "answer", "answered_at")


def _attendance(user_id: int) -> Iterator[Row]:
    query = (
        select(
            Attendance.session_id,
            JointSession.title.label("session"),
            JointSession.starts_at,
            Attendance.answer,
            Attendance.answered_at,
        )
        .join(JointSession, JointSession.id == Attendance.session_id)
        .where(Attendance.user_id == user_id)
        .order_by(Attendance.id)
    )
    yield from _stream(query, ATTENDANCE)


AGENDA_PROPOSALS = (
    "id",
    "session",
    "title",
    "description",
    "purpose",
    "duration_minutes",
    "status",
    "created_at",
)


def _agenda_proposals(user_id: int) -> Iterator[Row]:
    query = (
        select(
            AgendaProposal.id,
            JointSession.title.label("session"),
            AgendaProposal.title,
            AgendaProposal.description,
            AgendaProposal.purpose,
            AgendaProposal.duration_minutes,
            AgendaProposal.status,
            AgendaProposal.created_at,
        )
        .join(JointSession, JointSession.id == AgendaProposal.session_id)
        .where(AgendaProposal.proposer_id == user_id)
        .order_by(AgendaProposal.id)
    )
    yield from _stream(query, AGENDA_PROPOSALS)


NOTIFICATIONS = ("id", "kind", "text", "link", "created_at", "read_at", "emailed_at")


def _notifications(user_id: int) -> Iterator[Row]:
    query = (
        select(
            Notification.id,
            Notification.kind,
            Notification.text,
            Notification.link,
            Notification.created_at,
            Notification.read_at,
            Notification.emailed_at,
        )
        .where(Notification.user_id == user_id)
        .order_by(Notification.id)
    )
    yield from _stream(query, NOTIFICATIONS)


def _notification_settings(user_id: int) -> Iterator[Row]:
    query = select(User.email_notifications.label("email_notifications")).where(User.id == user_id)
    yield from _stream(query, ("email_notifications",))


# Every column of a signed-in session but the hash of its token, whatever columns it gains.
SIGN_INS = tuple(
    column.key
    for column in UserSession.__table__.columns
    if column.key not in SECRET_SESSION_COLUMNS and column.key != "user_id"
)


def _sign_ins(user_id: int) -> Iterator[Row]:
    columns = [UserSession.__table__.c[key] for key in SIGN_INS]
    query = select(*columns).where(UserSession.user_id == user_id).order_by(UserSession.id)
    yield from _stream(query, SIGN_INS)


TWO_FACTOR = ("status", "set_up_at", "switched_on_at", "recovery_codes_left")


def _two_factor(user_id: int) -> Iterator[Row]:
    """Whether it is on, and since when; never the secret or the recovery codes' hashes."""
    left = (
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        .scalar_subquery()
    )
    row = db.session.execute(
        select(TwoFactorCredential.created_at, TwoFactorCredential.enabled_at, left).where(
            TwoFactorCredential.user_id == user_id
        )
    ).first()
    if row is None:
        yield {"status": "off", "set_up_at": None, "switched_on_at": None, "recovery_codes_left": 0}
        return
    yield {
        "status": "on" if row[1] else "being set up",
        "set_up_at": _plain(row[0]),
        "switched_on_at": _plain(row[1]),
        "recovery_codes_left": row[2],
    }


ACTIVITY = ("at", "action", "object_type", "object_id", "summary", "by_them")


def _activity(user_id: int) -> Iterator[Row]:
    """The audit trail's events by them or about their account (not its hashes); the former
    names and emails of people who left shown by their current names, as the trail shows
    them (``leavers.former_identifiers``)."""
    former = leavers.former_identifiers()
    query = (
        select(
            AuditEvent.at,
            AuditEvent.action,
            AuditEvent.object_type,
            AuditEvent.object_id,
            AuditEvent.summary,
            (func.coalesce(AuditEvent.actor_id, 0) == user_id).label("by_them"),
        )
        .where(
            or_(
                AuditEvent.actor_id == user_id,
                (AuditEvent.object_type == "person") & (AuditEvent.object_id == user_id),
            )
        )
        .order_by(AuditEvent.id)
    )
    for row in _stream(query, ACTIVITY):
        yield {**row, "summary": former.hide(row["summary"])}


KINDS = (
    Kind(
        "profile", "your name, email address, Group, ward, job title and service", PROFILE, _profile
    ),
    Kind("roles", "your roles in Accord", ("role",), _roles),
    Kind(
        "comments",
        "your comments and replies, with their state (live, withdrawn or hidden)",
        COMMENTS,
        _comments,
    ),
    Kind(
        "comment_revisions",
        "every wording of your comments",
        COMMENT_REVISIONS,
        _comment_revisions,
    ),
    Kind("discussions", "the discussions you started", DISCUSSIONS, _discussions),
    Kind(
        "votes",
        "your votes and declarations of interest, including those set aside",
        VOTES,
        _votes,
    ),
    Kind("amendments", "the amendments you proposed", AMENDMENTS, _amendments),
    Kind("attendance", "your answers on attending joint sessions", ATTENDANCE, _attendance),
    Kind(
        "agenda_proposals",
        "the agenda items you proposed for joint sessions",
        AGENDA_PROPOSALS,
        _agenda_proposals,
    ),
    Kind("notifications", "what Accord told you about", NOTIFICATIONS, _notifications),
    Kind(
        "notification_settings",
        "how you hear of notifications by email",
        ("email_notifications",),
        _notification_settings,
    ),
    Kind("sign_ins", "your signed-in sessions", SIGN_INS, _sign_ins),
    Kind("two_factor", "whether two-factor sign-in is on", TWO_FACTOR, _two_factor),
    Kind(
        "activity",
        "the audit trail's record of what you did and what was done to your account",
        ACTIVITY,
        _activity,
    ),
)


def _write_json(entry: IO[str], rows: Iterator[Row]) -> None:
    entry.write("[")
    for n, row in enumerate(rows):
        entry.write(",\n" if n else "\n")
        entry.write(json.dumps(row, ensure_ascii=False, sort_keys=False))
    entry.write("\n]\n")


def _csv_safe(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _write_csv(entry: IO[str], columns: tuple[str, ...], rows: Iterator[Row]) -> None:
    writer = csv.writer(entry)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_safe(row[column]) for column in columns])


def _readme(user: User, produced_at: datetime) -> str:
    lines = [
        f"Your data in Accord, as held on {produced_at:%d %B %Y at %H:%M} UTC.",
        "",
        "Each kind of data is here twice: as JSON (a list of objects) and as CSV (one row each).",
        "Times are in UTC (ISO 8601).",
        "",
    ]
    lines += [f"{kind.name}.json, {kind.name}.csv: {kind.about}" for kind in KINDS]
    lines += [
        "",
        "Your password, your two-factor secret and recovery codes are stored only as one-way",
        "hashes or encrypted, and are never included.",
        "",
    ]
    return "\n".join(lines)


def write_archive(user: User, out: IO[bytes]) -> None:
    """Write the ZIP of ``user``'s data to the binary file ``out`` (a temporary file for a
    download): per kind, JSON and CSV entries written row by row as the query's batches
    arrive, so no kind is ever held whole in memory. Only ``user``'s own rows are read."""
    produced_at = utcnow()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(user, produced_at))
        for kind in KINDS:
            for suffix in ("json", "csv"):
                with (
                    archive.open(f"{kind.name}.{suffix}", "w", force_zip64=True) as raw,
                    io.TextIOWrapper(raw, encoding="utf-8", newline="") as entry,
                ):
                    rows = kind.rows(user.id)
                    if suffix == "json":
                        _write_json(entry, rows)
                    else:
                        _write_csv(entry, kind.columns, rows)


def record_subject_access(person: User, *, by: User | None) -> None:
    """Audit an administrator's (or the command line's) export of ``person``'s data for a
    subject access request: who (the actor), whose (the object) and when."""
    audit.record(
        "person.data_exported",
        actor=by,
        actor_label=None if by is not None else "command line",
        object_type="person",
        object_id=person.id,
        summary=f"Subject access export of the data of person {person.id}",
    )


def archive_name(user: User, on: date) -> str:
    """The download's file name: ``accord-data-<person id>-<YYYY-MM-DD>.zip``."""
    return f"accord-data-{user.id}-{on.isoformat()}.zip"
