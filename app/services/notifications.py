"""Telling people what happened: one function per event, bulk inserts, and email.

Who hears of what (never the person who did it, and only active people who can read the
document):
- a reply to a comment: the comment's author;
- a new discussion or amendment on a clause: who took part in that clause (commented in its
  discussions, voted on it, proposed or voted on its amendments);
- voting opened, and closing within 24 hours: every Member and Officer (they vote);
- an amendment accepted or rejected: its proposer;
- a clause reworded while voting on it is open: whose votes on the earlier wording were set
  aside (to vote again);
- a document submitted to the Standards Committee: the committee's members;
- a Standards Committee decision: who took part in the document, and the facilitators; a
  recommendation to Full Council: the administrators too (they record the adoption);
- a document adopted by Full Council: everyone who took part in it, and the facilitators;
- a themed session's agenda published: the Members and Officers it is for.

Each event writes all its notifications with one INSERT (whatever the number of people) and
a bounded number of queries to find them. People who chose "immediate" are emailed at once
(the mail goes when the request commits); "daily digest" people are emailed by
``send_digests``, which claims each notification with one atomic UPDATE so that it is mailed
once even when two runs overlap. A notification is marked emailed when its mail is queued; if
the mail then cannot be delivered, it is marked unsent again (``mark_unsent``) and the next
digest run sends it, to "immediate" people too.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import cast
from urllib.parse import urljoin

from flask import current_app, has_request_context, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import CompoundSelect, CursorResult, Row, Select, func, select, union, update

from app.extensions import db
from app.mail import external_url, header_safe, send_mail
from app.models import (
    AgendaProposal,
    Amendment,
    AmendmentStatus,
    Clause,
    Comment,
    CommitteeDecision,
    Decision,
    Discussion,
    Document,
    DocumentStatus,
    EmailPreference,
    JointSession,
    Notification,
    NotificationKind,
    Outcome,
    Role,
    User,
    UserRole,
    Vote,
    VotingAction,
    VotingEvent,
    utcnow,
)
from app.permissions import can_read_document
from app.rules import is_invited
from app.services import audit, insert_or
from app.sql import one_of
from app.text import upper_first

# How long before voting closes people are reminded, and how far back a digest looks.
CLOSING_WARNING = timedelta(hours=24)
DIGEST_MAX_AGE = timedelta(days=7)
_CHUNK = 500  # rows per INSERT: well inside SQLite's and PostgreSQL's parameter limits
_UNSUBSCRIBE_SALT = "accord.notifications.unsubscribe.v2"


# Links ------------------------------------------------------------------------------------


def _path(endpoint: str, anchor: str = "", **values) -> str:
    """A site path for ``endpoint``, also outside a request (the command line)."""
    if has_request_context():
        return url_for(endpoint, **values) + anchor
    with current_app.test_request_context():
        return url_for(endpoint, **values) + anchor


def absolute(path: str) -> str:
    """A stored link path as an absolute URL for an email (``PUBLIC_URL`` from the CLI)."""
    return urljoin(external_url("main.home"), path)


# Who ---------------------------------------------------------------------------------------


def _clause_participants(clause: Clause) -> list[Select]:
    """Ids of everyone who commented on, voted on, or proposed or voted on amendments to it."""
    amendment_ids = select(Amendment.id).where(Amendment.clause_id == clause.id)
    return [
        select(Comment.author_id)
        .join(Discussion, Discussion.id == Comment.discussion_id)
        .where(Discussion.clause_id == clause.id),
        select(Vote.user_id).where(Vote.clause_id == clause.id),
        select(Amendment.proposer_id).where(Amendment.clause_id == clause.id),
        select(Vote.user_id).where(Vote.amendment_id.in_(amendment_ids)),
    ]


def _whole_document_participants(document: Document) -> list[Select]:
    """Ids of everyone who commented in the discussions on the document as a whole."""
    return [
        select(Comment.author_id)
        .join(Discussion, Discussion.id == Comment.discussion_id)
        .where(Discussion.document_id == document.id, Discussion.clause_id.is_(None))
    ]


def _document_participants(document: Document) -> list[Select]:
    """Ids of everyone who commented, voted or proposed an amendment anywhere in it."""
    clause_ids = select(Clause.id).where(Clause.document_id == document.id)
    amendment_ids = select(Amendment.id).where(Amendment.clause_id.in_(clause_ids))
    return [
        select(Comment.author_id)
        .join(Discussion, Discussion.id == Comment.discussion_id)
        .where(Discussion.document_id == document.id),
        select(Vote.user_id).where(Vote.clause_id.in_(clause_ids)),
        select(Vote.user_id).where(Vote.amendment_id.in_(amendment_ids)),
        select(Amendment.proposer_id).where(Amendment.clause_id.in_(clause_ids)),
    ]


def _with_roles(*roles: Role) -> list[Select]:
    return [select(UserRole.user_id).where(one_of(UserRole.role, roles))]


def _people(ids: list[int] | list[Select], document: Document | None) -> list[User]:
    """The active people among ``ids`` (ids, or queries of ids) who can read ``document``.

    Two queries (the people, then their roles), however many there are.
    """
    wanted: list[int] | list[Select] | Select | CompoundSelect = ids
    if ids and not isinstance(ids[0], int):
        wanted = union(*ids) if len(ids) > 1 else ids[0]
    users = db.session.scalars(
        select(User).where(User.id.in_(wanted), User.active.is_(True)).order_by(User.id)
    ).all()
    if document is None:
        return list(users)
    return [user for user in users if can_read_document(user, document)]


# Writing them -------------------------------------------------------------------------------


def notify(
    kind: NotificationKind,
    recipients: Iterable[User],
    *,
    text: str,
    link: str,
    actor: User | None = None,
    document: Document | None = None,
    dedupe_key: str | None = None,
) -> int:
    """Write one notification per recipient (not the actor) in one INSERT; email the
    'immediate' ones. A notification a person already had under ``dedupe_key`` is skipped.
    Returns how many were written."""
    people = {user.id: user for user in recipients if actor is None or user.id != actor.id}
    if not people:
        return 0
    now = utcnow()
    rows = [
        {
            "user_id": user.id,
            "kind": kind,
            "text": text[:300],
            "link": link[:500],
            "actor_id": actor.id if actor is not None else None,
            "document_id": document.id if document is not None else None,
            "dedupe_key": dedupe_key,
            "created_at": now,
            "emailed_at": now if _wants_immediate(user) else None,
        }
        for user in people.values()
    ]
    written: list[tuple[int, int]] = []
    for start in range(0, len(rows), _CHUNK):
        statement = (
            insert_or(Notification)
            .values(rows[start : start + _CHUNK])
            .on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"])
            .returning(Notification.id, Notification.user_id)
        )
        written.extend(tuple(row) for row in db.session.execute(statement))
    for notification_id, user_id in written:
        user = people[user_id]
        if _wants_immediate(user):
            _email_one(user, text, link, notification_id)
    return len(written)


def _wants_immediate(user: User) -> bool:
    return user.active and user.email_notifications == EmailPreference.IMMEDIATE


# The events ---------------------------------------------------------------------------------


def comment_replied(reply: Comment, *, by: User) -> int:
    """A reply to someone's comment: tell the comment's author."""
    parent = reply.parent
    if parent is None or parent.author_id == by.id:
        return 0
    discussion = reply.discussion
    return notify(
        NotificationKind.REPLY,
        _people([parent.author_id], discussion.document),
        text=f"{by.display_name} replied to your comment in “{discussion.title}”",
        link=_path(
            "discussions.where_comment_is", comment_id=reply.id
        ),  # the page showing it, then
        actor=by,
        document=discussion.document,
    )


def discussion_started(discussion: Discussion, *, by: User) -> int:
    """A new discussion: tell who took part in its clause (or in the whole-document ones)."""
    document = discussion.document
    if discussion.clause is not None:
        ids = _clause_participants(discussion.clause)
        where = f"{discussion.clause.short_name} of {document.title}"
    else:
        ids = _whole_document_participants(document)
        where = document.title
    return notify(
        NotificationKind.NEW_DISCUSSION,
        _people(ids, document),
        text=f"{by.display_name} started a discussion, “{discussion.title}”, on {where}",
        link=_path("discussions.show", discussion_id=discussion.id),
        actor=by,
        document=document,
    )


def amendment_proposed(amendment: Amendment, *, by: User) -> int:
    """A new amendment: tell who took part in the clause, and the facilitators (who decide
    it)."""
    clause = amendment.clause
    ids = _clause_participants(clause) + _with_roles(Role.FACILITATOR)
    return notify(
        NotificationKind.NEW_AMENDMENT,
        _people(ids, clause.document),
        text=f"{by.display_name} proposed an amendment to {clause.short_name} "
        f"of {clause.document.title}",
        link=_path("amendments.show", amendment_id=amendment.id),
        actor=by,
        document=clause.document,
    )


def amendment_decided(amendment: Amendment, *, by: User) -> int:
    """An amendment accepted or rejected: tell its proposer."""
    if amendment.status not in (AmendmentStatus.ACCEPTED, AmendmentStatus.REJECTED):
        return 0
    clause = amendment.clause
    accepted = amendment.status == AmendmentStatus.ACCEPTED
    return notify(
        NotificationKind.AMENDMENT_ACCEPTED if accepted else NotificationKind.AMENDMENT_REJECTED,
        _people([amendment.proposer_id], clause.document),
        text=f"Your amendment to {clause.short_name} of {clause.document.title} was "
        + ("accepted" if accepted else "rejected"),
        link=_path("amendments.show", amendment_id=amendment.id),
        actor=by,
        document=clause.document,
    )


def agenda_item_proposed(proposal: AgendaProposal, session: JointSession, *, by: User) -> int:
    """A Member or Officer proposed an agenda item: tell the facilitators (who accept or
    decline it)."""
    return notify(
        NotificationKind.NEW_PROPOSAL,
        _people(_with_roles(Role.FACILITATOR), session.agenda),
        text=f"{by.display_name} proposed an item, “{proposal.title}”, for “{session.title}”",
        link=_path("joint_sessions.show", "#proposals", session_id=session.id),
        actor=by,
        document=session.agenda,
    )


def voting_result(
    document: Document, outcomes: Sequence[Outcome], *, by: User, clause: Clause | None = None
) -> int:
    """Voting closed (on the document, or on ``clause`` alone): tell who took part in it (in
    the document, or in the clause) how many items were agreed."""
    if not outcomes:
        return 0
    agreed = sum(1 for outcome in outcomes if outcome.agreed)
    if clause is not None:
        ids = _clause_participants(clause)
        what = f"{clause.short_name} of {document.title}"
        link = _path("documents.clause", "#vote-panel", slug=document.slug, number=clause.number)
    else:
        ids = _document_participants(document)
        what = document.title
        link = _path("documents.show", "#voting", slug=document.slug)
    return notify(
        NotificationKind.VOTING_RESULT,
        _people(ids, document),
        text=f"Voting on {what} has closed: {agreed} of {len(outcomes)} "
        f"{'item' if len(outcomes) == 1 else 'items'} agreed",
        link=link,
        actor=by,
        document=document,
    )


def vote_again(clause: Clause, voter_ids: list[int], *, by: User | None) -> int:
    """A clause got a new wording while voting on it was open: tell the people whose votes on
    the earlier wording were set aside to vote again."""
    document = clause.document
    return notify(
        NotificationKind.VOTE_AGAIN,
        _people(voter_ids, document),
        text=f"{upper_first(clause.short_name)} of {document.title} has a new wording, so your "
        "vote on the earlier wording no longer counts. Vote again on the new wording.",
        link=_path("documents.clause", "#vote-panel", slug=document.slug, number=clause.number),
        actor=by,
        document=document,
    )


def _voters() -> list[Select]:
    return _with_roles(Role.MEMBER, Role.OFFICER)


def _london_time(value: datetime | None) -> str:
    from app.templating import london_time  # templating imports this module

    return london_time(value)


def _closing_text(document: Document) -> str:
    return _london_time(document.voting_closes_at)


def voting_opened(document: Document, *, by: User) -> int:
    """Voting opened: tell every Member and Officer."""
    text = f"Voting is open on {document.title}"
    if document.voting_closes_at is not None:
        text += f" until {_closing_text(document)}"
    return notify(
        NotificationKind.VOTING_OPENED,
        _people(_voters(), document),
        text=text,
        link=_path("documents.show", "#voting", slug=document.slug),
        actor=by,
        document=document,
    )


def _voting_round(document: Document) -> int:
    """The id of the event that opened the current round of voting on the document."""
    return (
        db.session.scalar(
            select(func.max(VotingEvent.id)).where(
                VotingEvent.document_id == document.id,
                VotingEvent.clause_id.is_(None),
                VotingEvent.action == VotingAction.OPENED,
            )
        )
        or 0
    )


def voting_closing(document: Document) -> int:
    """Voting closes within 24 hours: tell every Member and Officer, once per round."""
    return notify(
        NotificationKind.VOTING_CLOSING,
        _people(_voters(), document),
        text=f"Voting on {document.title} closes on {_closing_text(document)}",
        link=_path("documents.show", "#voting", slug=document.slug),
        document=document,
        dedupe_key=f"voting_closing:{document.id}:{_voting_round(document)}",
    )


def remind_closing(now: datetime | None = None) -> int:
    """Notify about every document whose voting closes within the next 24 hours."""
    now = now or utcnow()
    documents = db.session.scalars(
        select(Document).where(
            Document.status == DocumentStatus.OPEN,
            Document.voting_open.is_(True),
            Document.voting_closes_at > now,
            Document.voting_closes_at <= now + CLOSING_WARNING,
        )
    ).all()
    return sum(voting_closing(document) for document in documents)


def decision_recorded(document: Document, record: CommitteeDecision, *, by: User) -> int:
    """The Standards Committee's decision: tell who took part, and the facilitators."""
    ids = _document_participants(document) + _with_roles(Role.FACILITATOR)
    if record.decision == Decision.RECOMMEND:
        text = f"The Standards Committee recommended {document.title} to Full Council"
    else:
        text = f"The Standards Committee referred {document.title} back for more work"
    return notify(
        NotificationKind.REVIEW_DECISION,
        _people(ids, document),
        text=text,
        link=_path("documents.show", slug=document.slug),
        actor=by,
        document=document,
        dedupe_key=f"review_decision:{record.id}" if record.id else None,
    )


def submitted(document: Document, *, by: User) -> int:
    """A document is submitted to the Standards Committee: tell the committee's members."""
    return notify(
        NotificationKind.SUBMITTED,
        _people(_with_roles(Role.STANDARDS), document),
        text=f"{document.title} is submitted to the Standards Committee for review",
        link=_path("review.review", slug=document.slug),
        actor=by,
        document=document,
    )


def recommended(document: Document, *, by: User) -> int:
    """The committee recommends a document to Full Council: tell the administrators, who
    record its adoption."""
    return notify(
        NotificationKind.RECOMMENDED,
        _people(_with_roles(Role.ADMIN), document),
        text=f"The Standards Committee recommended {document.title} to Full Council: "
        "record the adoption once Full Council has met",
        link=_path("documents.show", slug=document.slug),
        actor=by,
        document=document,
    )


def adopted(document: Document, *, by: User) -> int:
    """Full Council adopted a document: tell everyone who took part in it, and the
    facilitators."""
    ids = _document_participants(document) + _with_roles(Role.FACILITATOR)
    return notify(
        NotificationKind.ADOPTED,
        _people(ids, document),
        text=f"Full Council adopted {document.title}",
        link=_path("public.show", slug=document.slug),
        actor=by,
        document=document,
        dedupe_key=f"adopted:{document.id}:{document.adopted_version_id}",
    )


def session_published(session: JointSession, *, by: User) -> int:
    """A session's agenda is published: tell the Members and Officers it is for."""
    invited = [user for user in _people(_voters(), session.agenda) if is_invited(user, session)]
    return notify(
        NotificationKind.SESSION_INVITATION,
        invited,
        text=f"You are invited to “{session.title}” on {_london_time(session.starts_at)}",
        link=_path("joint_sessions.show", session_id=session.id),
        actor=by,
        document=session.agenda,
        dedupe_key=f"session_invitation:{session.id}",
    )


# Reading them -------------------------------------------------------------------------------


def unread_count(user: User) -> int:
    """How many of the person's notifications are unread (one query)."""
    return db.session.execute(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ).scalar_one()


def mark_read(notification: Notification) -> None:
    """Mark one notification read (a person's own reading mark: not in the audit trail)."""
    if notification.read_at is None:
        notification.read_at = utcnow()


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the person read; returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return cast(CursorResult, result).rowcount


def set_email_preference(user: User, preference: EmailPreference, *, by: User | None) -> None:
    """Change how the person hears of notifications by email (audited)."""
    before = user.email_notifications
    if before == preference:
        return
    user.email_notifications = preference
    audit.record(
        "person.email_preference",
        actor=by,
        actor_label=None if by is not None else "unsubscribe link",
        object_type="person",
        object_id=user.id,
        summary=f"Email notifications for {user.email}: {preference.label}",
        before={"email_notifications": EmailPreference(before).value},
        after={"email_notifications": preference.value},
    )


# Email ----------------------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User) -> str:
    """The unsubscribe link's token for the person: their id and their ``unsubscribe_key``,
    signed with ``SECRET_KEY``. It names no email address, and a new key
    (``rotate_unsubscribe_key``) makes every earlier token fail. A person who has no key yet is
    given one here."""
    if not user.unsubscribe_key:
        user.unsubscribe_key = User.new_unsubscribe_key()
    return _serializer().dumps([user.id, user.unsubscribe_key])


def rotate_unsubscribe_key(user: User) -> None:
    """Withdraw every unsubscribe link sent to the person (their email address changed)."""
    user.unsubscribe_key = User.new_unsubscribe_key()


def user_for_token(token: str) -> User | None:
    """The person an unsubscribe token is for, or None if it was not signed by Accord, names
    no one, or carries a key that has since been rotated."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    if not (
        isinstance(payload, list)
        and len(payload) == 2
        and isinstance(payload[0], int)
        and isinstance(payload[1], str)
    ):
        return None
    user = db.session.get(User, payload[0])
    if user is None or not user.unsubscribe_key:
        return None
    return user if hmac.compare_digest(user.unsubscribe_key, payload[1]) else None


def _footer_and_headers(user: User) -> tuple[str, dict[str, str]]:
    unsubscribe = external_url("notifications.unsubscribe", token=unsubscribe_token(user))
    footer = (
        "\n\n--\nYou get these emails because of your notification settings in Accord. "
        f"Change them: {external_url('notifications.preferences')}\n"
        f"Stop all notification emails: {unsubscribe}\n"
    )
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return footer, headers


def mark_unsent(notification_ids: Iterable[int]) -> None:
    """Mark notifications whose email could not be delivered as not emailed, so the next
    digest run sends them. Runs after the transaction that queued the mail has committed, so
    on its own connection and transaction."""
    ids = list(notification_ids)
    with db.engine.begin() as connection:
        connection.execute(
            update(Notification).where(Notification.id.in_(ids)).values(emailed_at=None)
        )


def _email_one(user: User, text: str, link: str, notification_id: int) -> None:
    footer, headers = _footer_and_headers(user)
    sentence = text if text.endswith((".", "!", "?")) else f"{text}."  # "a new wording.."
    body = f"{sentence}\n\nOpen it in Accord: {absolute(link)}" + footer
    line = header_safe(text)
    subject = line if len(line) <= 120 else line[:119] + "…"
    send_mail(
        user.email,
        f"Accord: {subject}",
        body,
        headers=headers,
        on_failure=partial(mark_unsent, [notification_id]),
    )


@dataclass
class DigestReport:
    people: int = 0
    notifications: int = 0

    def __str__(self) -> str:
        return (
            f"{self.notifications} notification{'s' if self.notifications != 1 else ''} "
            f"emailed to {self.people} {'person' if self.people == 1 else 'people'}"
        )


def _digest_people() -> Select:
    """Daily-digest people, and "immediate" people whose immediate email failed."""
    return select(User.id).where(
        User.active.is_(True),
        one_of(User.email_notifications, (EmailPreference.DAILY_DIGEST, EmailPreference.IMMEDIATE)),
    )


def claim_for_digest(user_id: int, now: datetime) -> Sequence[Row]:
    """Mark the person's unsent, unread recent notifications as emailed and return them.

    One UPDATE ... WHERE emailed_at IS NULL ... RETURNING: a row already claimed by another
    run (committed, or waiting on its row lock on PostgreSQL) no longer matches, so no
    notification is ever claimed twice.
    """
    return db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.user_id.in_(_digest_people()),
            Notification.emailed_at.is_(None),
            Notification.read_at.is_(None),
            Notification.created_at >= now - DIGEST_MAX_AGE,
        )
        .values(emailed_at=now)
        .returning(
            Notification.id,
            Notification.kind,
            Notification.text,
            Notification.link,
            Notification.created_at,
            Notification.document_id,
        )
    ).all()


# Notifications whose words describe a state that may have moved on by the time a digest goes.
_STATEFUL = frozenset(
    {
        NotificationKind.VOTING_OPENED,
        NotificationKind.VOTING_CLOSING,
        NotificationKind.VOTE_AGAIN,
        NotificationKind.SESSION_INVITATION,
    }
)


def _voting_is_open(document: Document | None, now: datetime) -> bool:
    return (
        document is not None
        and document.status == DocumentStatus.OPEN
        and document.voting_open
        and (document.voting_closes_at is None or document.voting_closes_at > now)
    )


def current_digest_lines(rows: Sequence[Row], now: datetime) -> list[tuple[Row, str]]:
    """Each claimed notification with its text as the state is *now*, leaving out those that
    no longer hold: a digest never says "Voting is open … until 10 December" once voting has
    closed or the document moved on. Voting opened or closing is re-worded from the
    document's current closing time; a vote-again request needs voting still open; a session
    invitation needs the session still ahead (re-worded with its current time). Two queries
    at most, whatever the number of rows."""
    document_ids = {row.document_id for row in rows if row.kind in _STATEFUL and row.document_id}
    documents: dict[int, Document] = {}
    sessions: dict[int, JointSession] = {}
    if document_ids:
        documents = {
            document.id: document
            for document in db.session.scalars(
                select(Document).where(Document.id.in_(document_ids))
            )
        }
    if any(row.kind == NotificationKind.SESSION_INVITATION for row in rows):
        sessions = {
            session.agenda_id: session
            for session in db.session.scalars(
                select(JointSession).where(JointSession.agenda_id.in_(document_ids))
            )
        }
    lines = []
    for row in rows:
        document = documents.get(row.document_id) if row.document_id else None
        text: str | None = row.text
        if row.document_id is None:
            pass  # nothing to check it against: as written
        elif row.kind == NotificationKind.VOTING_OPENED:
            text = None
            if document is not None and _voting_is_open(document, now):
                text = f"Voting is open on {document.title}"
                if document.voting_closes_at is not None:
                    text += f" until {_closing_text(document)}"
        elif row.kind == NotificationKind.VOTING_CLOSING:
            text = None
            if (
                document is not None
                and _voting_is_open(document, now)
                and document.voting_closes_at is not None
            ):
                text = f"Voting on {document.title} closes on {_closing_text(document)}"
        elif row.kind == NotificationKind.VOTE_AGAIN:
            text = row.text if _voting_is_open(document, now) else None
        elif row.kind == NotificationKind.SESSION_INVITATION:
            session = sessions.get(row.document_id) if row.document_id else None
            text = None
            if session is not None and session.ends_at > now:
                text = f"You are invited to “{session.title}” on {_london_time(session.starts_at)}"
        if text is not None:
            lines.append((row, text))
    return lines


def send_digests(now: datetime | None = None) -> DigestReport:
    """Email each daily-digest person what they have not been told yet, in one message.

    Commits once per person: the claim and the queued message go together, and the message
    is sent when that transaction commits. Each line is worded from the state at send time
    and lines that no longer hold are left out (``current_digest_lines``). Notifications
    already read on the site, older than a week, or of people who chose none or are
    deactivated are never emailed.
    """
    now = now or utcnow()
    user_ids = db.session.scalars(
        select(Notification.user_id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.read_at.is_(None),
            Notification.created_at >= now - DIGEST_MAX_AGE,
            Notification.user_id.in_(_digest_people()),
        )
        .distinct()
    ).all()
    db.session.commit()
    report = DigestReport()
    for user_id in user_ids:
        lines = current_digest_lines(claim_for_digest(user_id, now), now)
        if lines:
            user = db.session.get_one(User, user_id)
            _email_digest(user, lines)
            report.people += 1
            report.notifications += len(lines)
        db.session.commit()
    return report


def _email_digest(user: User, items: list[tuple[Row, str]]) -> None:
    footer, headers = _footer_and_headers(user)
    rows = [row for row, _ in items]
    lines = [
        f"Accord: {len(rows)} new notification{'s' if len(rows) != 1 else ''} for "
        f"{user.display_name}.",
        "",
    ]
    for row, text in sorted(items, key=lambda item: item[0].created_at):
        lines += [f"- {text}", f"  {absolute(row.link)}", ""]
    lines.append(f"All your notifications: {external_url('notifications.index')}")
    subject = f"Accord: your daily digest ({len(rows)} new)"
    send_mail(
        user.email,
        subject,
        "\n".join(lines) + footer,
        headers=headers,
        on_failure=partial(mark_unsent, [row.id for row in rows]),
    )
