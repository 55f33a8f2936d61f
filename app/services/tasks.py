"""Each person's next jobs ("Your tasks"), worked out from the state, not from notifications.

A task is something the state says the person should do now, linked to where it is done:

- a Member or Officer: clauses and amendments open for voting they have not voted on (a vote
  set aside counts as not voted), replies to their comments they have not seen since (posted
  after their last look at that discussion, in a document Open for comment), and joint sessions
  whose agenda is published and not yet submitted (``rules.ANSWERABLE_STATUSES``: the service
  refuses an answer from Submitted on), that have not ended, are for them and that they have
  not answered;
- a facilitator: open amendments awaiting a decision and proposed agenda items awaiting
  acceptance (while the document can still change), discussions with comments by others since
  they last looked at them, and voting still open after its announced closing time;
- the Standards Committee: documents submitted for review;
- an administrator: documents recommended to Full Council, and people whose invitation expired.

Only documents the person may read count (``permissions.is_readable_by``). The tasks page runs
one query per kind of task the person's roles bring; the header's count is one statement,
whatever the numbers (and it carries the unread notification count too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter

from app.extensions import db
from app.models import (
    AgendaProposal,
    Amendment,
    AmendmentStatus,
    Attendance,
    Audience,
    Clause,
    Comment,
    Discussion,
    Document,
    DocumentKind,
    DocumentStatus,
    JointSession,
    LastView,
    Notification,
    ProposalStatus,
    Role,
    User,
    ViewedKind,
    Vote,
    utcnow,
)
from app.permissions import is_readable_by
from app.rules import ANSWERABLE_STATUSES, EDITABLE_STATUSES, side_of
from app.services.last_views import unseen_comment, unseen_in_discussion
from app.services.people import status_condition
from app.sql import one_of

S = DocumentStatus
# The time now, bound when a kind's query runs (``header_parameters``; ``tasks_for``), so that a
# query built once (``header_columns``) never keeps the moment it was built.
NOW: BindParameter = bindparam("now")


@dataclass(frozen=True)
class Task:
    """One job: what to do (``title``), where (``endpoint`` and its ``values``, with an
    optional ``anchor``), and a line of context (``hint``)."""

    title: str
    hint: str
    endpoint: str
    values: dict = field(default_factory=dict)
    anchor: str | None = None
    count: int = 1  # the things to do it stands for (the header counts each)


@dataclass(frozen=True)
class Section:
    """The tasks one role brings, under a heading."""

    key: str
    heading: str
    tasks: list[Task]


@dataclass(frozen=True)
class _Kind:
    """A kind of task: its query selects one row per task. ``done_by_reading``: each row is a
    discussion (its id first) and opening that discussion's page does the task."""

    key: str
    heading: str
    query: Callable[[User], Select]
    task: Callable[..., Task]
    done_by_reading: bool = False
    # What the task list runs when it differs from ``query`` (which the header counts): rows
    # for ``task``, each standing for one or more of ``query``'s.
    listed: Callable[[User], Select] | None = None


# Members and Officers ---------------------------------------------------------------------


def _voting_open_on_clause():
    return [
        Document.status == S.OPEN,
        Document.voting_open.is_(True),
        Clause.voting_closed_at.is_(None),
        Clause.retired_at.is_(None),
    ]


def _clauses_to_vote(user: User) -> Select:
    voted = exists().where(
        Vote.user_id == user.id, Vote.clause_id == Clause.id, Vote.set_aside_at.is_(None)
    )
    return (
        select(Document.slug, Document.title, Clause.number, Clause.heading, Document.kind)
        .select_from(Clause)
        .join(Document, Document.id == Clause.document_id)
        .where(*_voting_open_on_clause(), ~voted, is_readable_by(user))
        .order_by(Document.title, Clause.position)
    )


# A document with more clauses than this still to vote on is one task, linking to its ballot
# (the whole document on one page), rather than a task for each: a Member with several
# documents open for voting would otherwise be given hundreds.
CLAUSES_LISTED_ONE_BY_ONE = 5


def _clauses_to_vote_listed(user: User) -> Select:
    """``_clauses_to_vote`` with how many are left in each document (``left``), keeping only
    each document's first row when there are more than ``CLAUSES_LISTED_ONE_BY_ONE``."""
    each = (
        _clauses_to_vote(user)
        .order_by(None)
        .add_columns(
            Clause.position,
            func.count().over(partition_by=Document.id).label("left"),
            func.row_number()
            .over(partition_by=Document.id, order_by=Clause.position)
            .label("place"),
        )
        .subquery("each")
    )
    return (
        select(each.c.slug, each.c.title, each.c.number, each.c.heading, each.c.kind, each.c.left)
        .where(or_(each.c.left <= CLAUSES_LISTED_ONE_BY_ONE, each.c.place == 1))
        .order_by(each.c.title, each.c.position)
    )


def _clause_task(slug, title, number, heading, kind, left=1) -> Task:
    """Vote on one clause or, for more than ``CLAUSES_LISTED_ONE_BY_ONE`` (``left``) in a
    document, on the document's ballot."""
    kind = DocumentKind(kind)
    if left > CLAUSES_LISTED_ONE_BY_ONE:
        return Task(
            f"Vote on {left} {kind.item_noun}s",
            f"{title}: all on one page, the ballot",
            "voting.ballot",
            {"slug": slug},
            count=left,
        )
    return Task(
        f"Vote on {kind.short_item_noun} {number}, {heading}",
        title,
        "documents.clause",
        {"slug": slug, "number": number},
        "vote-panel",
    )


def _amendments_to_vote(user: User) -> Select:
    voted = exists().where(
        Vote.user_id == user.id, Vote.amendment_id == Amendment.id, Vote.set_aside_at.is_(None)
    )
    return (
        select(Amendment.id, Document.title, Clause.number, Clause.heading, Document.kind)
        .select_from(Amendment)
        .join(Clause, Clause.id == Amendment.clause_id)
        .join(Document, Document.id == Clause.document_id)
        .where(
            Amendment.status == AmendmentStatus.OPEN,
            Amendment.voting_closed_at.is_(None),
            *_voting_open_on_clause(),
            ~voted,
            is_readable_by(user),
        )
        .order_by(Document.title, Clause.position, Amendment.id)
    )


def _amendment_vote_task(amendment_id, title, number, heading, kind) -> Task:
    return Task(
        f"Vote on the amendment to {DocumentKind(kind).short_item_noun} {number}, {heading}",
        title,
        "amendments.show",
        {"amendment_id": amendment_id},
        "vote-panel",
    )


def _unseen_by_discussion(user: User, base: Select, *conditions) -> Select:
    """(discussion id, title, document title, how many) of the comments ``base`` selects from
    that ``user`` has not seen, in documents they may read and meeting ``conditions``."""
    return (
        base.join(Discussion, Discussion.id == Comment.discussion_id)
        .join(Document, Document.id == Discussion.document_id)
        .where(*conditions, is_readable_by(user), *unseen_comment(user.id))
        .group_by(Discussion.id, Discussion.title, Document.title)
        .order_by(Discussion.id)
    )


def _comment_counts() -> Select:
    return select(Discussion.id, Discussion.title, Document.title, func.count(Comment.id))


def _replies(user: User) -> Select:
    """(discussion id, title, document title, how many, the first one's id) of the replies to
    ``user``'s comments they have not read, a row per discussion."""
    parent = aliased(Comment)
    return _unseen_by_discussion(
        user,
        _comment_counts()
        .add_columns(func.min(Comment.id))
        .select_from(Comment)
        .join(parent, parent.id == Comment.parent_id),
        parent.author_id == user.id,
        Document.status == S.OPEN,
    )


def _reply_task(discussion_id, title, document_title, count, first_reply_id) -> Task:
    """Leads to the first unread reply where it is shown (``discussions.where_comment_is``):
    a later page of the discussion, or the replies past those shown under its comment."""
    replies = "a reply" if count == 1 else f"{count} replies"
    return Task(
        f"Read {replies} to your comment in “{title}”",
        document_title,
        "discussions.where_comment_is",
        {"comment_id": first_reply_id},
    )


def _audiences(user: User) -> list[Audience]:
    """The audiences of the sessions ``user`` is invited to (``rules.is_invited`` in SQL)."""
    audiences = []
    if user.is_member:
        audiences.append(Audience.MEMBERS)
    if user.is_officer:
        audiences.append(Audience.OFFICERS)
    if audiences:
        audiences += [Audience.BOTH, Audience.CABINET]
    return audiences


def _sessions_to_answer(user: User) -> Select:
    answered = exists().where(
        Attendance.session_id == JointSession.id, Attendance.user_id == user.id
    )
    return (
        select(JointSession.id, JointSession.title, JointSession.starts_at)
        .join(Document, Document.id == JointSession.agenda_id)
        .where(
            one_of(Document.status, ANSWERABLE_STATUSES),
            JointSession.ends_at > NOW,
            one_of(JointSession.audience, _audiences(user)),
            ~answered,
            is_readable_by(user),
        )
        .order_by(JointSession.starts_at)
    )


def _session_task(session_id, title, starts_at) -> Task:
    from app.templating import london_time  # templating imports the services

    return Task(
        f"Say whether you will attend “{title}”",
        london_time(starts_at),
        "joint_sessions.show",
        {"session_id": session_id},
        "attendance",
    )


# Facilitators ---------------------------------------------------------------------------


def _amendments_to_decide(user: User) -> Select:
    return (
        select(Amendment.id, Document.title, Clause.number, Clause.heading, Document.kind)
        .select_from(Amendment)
        .join(Clause, Clause.id == Amendment.clause_id)
        .join(Document, Document.id == Clause.document_id)
        .where(
            Amendment.status == AmendmentStatus.OPEN,
            Clause.retired_at.is_(None),
            one_of(Document.status, EDITABLE_STATUSES),
            is_readable_by(user),
        )
        .order_by(Amendment.created_at, Amendment.id)
    )


def _decide_task(amendment_id, title, number, heading, kind) -> Task:
    return Task(
        f"Decide the amendment to {DocumentKind(kind).short_item_noun} {number}, {heading}",
        title,
        "amendments.show",
        {"amendment_id": amendment_id},
    )


def _proposals(user: User) -> Select:
    return (
        select(JointSession.id, AgendaProposal.title, JointSession.title)
        .select_from(AgendaProposal)
        .join(JointSession, JointSession.id == AgendaProposal.session_id)
        .join(Document, Document.id == JointSession.agenda_id)
        .where(
            AgendaProposal.status == ProposalStatus.PROPOSED,
            one_of(Document.status, EDITABLE_STATUSES),
            is_readable_by(user),
        )
        .order_by(AgendaProposal.created_at, AgendaProposal.id)
    )


def _proposal_task(session_id, title, session_title) -> Task:
    return Task(
        f"Accept or decline the proposed item “{title}”",
        session_title,
        "joint_sessions.show",
        {"session_id": session_id},
        "proposals",
    )


def _new_comments(user: User) -> Select:
    """(discussion id, title, document title, how many new) of the discussions in documents
    still being worked on that have comments ``user`` has not seen. It goes through the
    discussions, each with the person's last look at it, and reads only the comments after
    that look: through the comments, every page of a facilitator (whose header counts these)
    read every comment ever posted in a working document."""
    last_look = aliased(LastView)
    unseen = unseen_in_discussion(user.id, Discussion.id, last_look.viewed_at)
    return (
        select(
            Discussion.id,
            Discussion.title,
            Document.title,
            select(func.count(Comment.id)).where(*unseen).scalar_subquery(),
        )
        .join(Document, Document.id == Discussion.document_id)
        .outerjoin(
            last_look,
            and_(
                last_look.user_id == user.id,
                last_look.kind == ViewedKind.DISCUSSION,
                last_look.object_id == Discussion.id,
            ),
        )
        .where(
            one_of(Document.status, EDITABLE_STATUSES),
            is_readable_by(user),
            exists().where(*unseen),
        )
        .order_by(Discussion.id)
    )


def _new_comments_task(discussion_id, title, document_title, count) -> Task:
    comments = "a new comment" if count == 1 else f"{count} new comments"
    return Task(
        f"Read {comments} in “{title}”",
        document_title,
        "discussions.show",
        {"discussion_id": discussion_id},
    )


def _overdue_voting(user: User) -> Select:
    return (
        select(Document.slug, Document.title, Document.voting_closes_at)
        .where(
            Document.status == S.OPEN,
            Document.voting_open.is_(True),
            Document.voting_closes_at <= NOW,
            is_readable_by(user),
        )
        .order_by(Document.voting_closes_at)
    )


def _overdue_task(slug, title, closes_at) -> Task:
    from app.templating import london_time

    return Task(
        f"Close voting on {title}",
        f"Voting was to close on {london_time(closes_at)}",
        "voting.close_document",
        {"slug": slug},
    )


# The Standards Committee and administrators ----------------------------------------------


def _documents_in(status: DocumentStatus) -> Callable[[User], Select]:
    def query(user: User) -> Select:
        return (
            select(Document.slug, Document.title)
            .where(Document.status == status, is_readable_by(user))
            .order_by(Document.title)
        )

    return query


def _review_task(slug, title) -> Task:
    return Task(
        f"Review {title}", "Submitted to the Standards Committee", "review.review", {"slug": slug}
    )


def _adopt_task(slug, title) -> Task:
    return Task(
        f"Record the adoption of {title}",
        "Recommended to Full Council",
        "review.adopt",
        {"slug": slug},
    )


def _expired_invitations(user: User) -> Select:
    return (
        select(User.id, User.display_name, User.email)
        .where(status_condition("expired", now=NOW))
        .order_by(User.display_name, User.id)
    )


def _invitation_task(user_id, name, email) -> Task:
    return Task(
        f"Send {name} a new invitation",
        f"{email}: the invitation expired",
        "people.show",
        {"user_id": user_id},
    )


VOTER_KINDS = (
    _Kind(
        "clauses_to_vote",
        "Clauses and agenda items to vote on",
        _clauses_to_vote,
        _clause_task,
        listed=_clauses_to_vote_listed,
    ),
    _Kind("amendments_to_vote", "Amendments to vote on", _amendments_to_vote, _amendment_vote_task),
    _Kind("replies", "Replies to your comments", _replies, _reply_task, done_by_reading=True),
    _Kind("sessions", "Joint sessions to answer", _sessions_to_answer, _session_task),
)
FACILITATOR_KINDS = (
    _Kind("amendments_to_decide", "Amendments to decide", _amendments_to_decide, _decide_task),
    _Kind("proposals", "Proposed agenda items", _proposals, _proposal_task),
    _Kind(
        "new_comments",
        "Discussions with new comments",
        _new_comments,
        _new_comments_task,
        done_by_reading=True,
    ),
    _Kind("overdue_voting", "Voting past its closing time", _overdue_voting, _overdue_task),
)
STANDARDS_KINDS = (
    _Kind("submitted", "Documents to review", _documents_in(S.SUBMITTED), _review_task),
)
ADMIN_KINDS = (
    _Kind("recommended", "Documents to adopt", _documents_in(S.RECOMMENDED), _adopt_task),
    _Kind("invitations", "Expired invitations", _expired_invitations, _invitation_task),
)


def _kinds(user: User) -> list[_Kind]:
    """The kinds of task ``user``'s roles bring, in the order the page lists them."""
    kinds: list[_Kind] = []
    if side_of(user) is not None:
        kinds += VOTER_KINDS
    if user.is_facilitator:
        kinds += FACILITATOR_KINDS
    if user.is_standards:
        kinds += STANDARDS_KINDS
    if user.is_admin:
        kinds += ADMIN_KINDS
    return kinds


def tasks_for(user: User) -> list[Section]:
    """The person's tasks, by kind (kinds with none are left out): one query per kind."""
    sections = []
    for kind in _kinds(user):
        rows = db.session.execute((kind.listed or kind.query)(user), {"now": utcnow()}).all()
        if rows:
            sections.append(Section(kind.key, kind.heading, [kind.task(*row) for row in rows]))
    return sections


def _count_of(query: Select):
    return select(func.count()).select_from(query.order_by(None).subquery()).scalar_subquery()


# The person whose header counts are asked: a bound parameter, so that the statement is built
# once for each set of roles (building it costs more than running it).
VIEWER_ID: BindParameter[int] = bindparam("viewer_id", type_=Integer)


def header_parameters(user_id: int) -> dict[str, object]:
    """What ``header_columns`` and the kinds' queries need bound: the person, the time now."""
    return {"viewer_id": user_id, "now": utcnow()}


def _viewer(roles: frozenset[Role], user_id: BindParameter[int]) -> User:
    """A stand-in for the person ``user_id`` (a bound parameter) with ``roles``, to build the
    kinds' queries once for everyone with those roles: they only compare with its id."""
    viewer = User(active=True)
    viewer.id = user_id
    viewer.set_roles(roles)
    return viewer


@lru_cache(maxsize=64)
def header_columns(roles: frozenset[Role]) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """(unread notifications, tasks) of the person ``VIEWER_ID`` with ``roles``, as two scalar
    subqueries to select on their own (``header_counts``) or with the session lookup
    (``accounts.find_session``); bind ``viewer_id`` to run them. Built once per set of roles."""
    viewer = _viewer(roles, VIEWER_ID)
    unread = (
        select(func.count(Notification.id))
        .where(Notification.user_id == VIEWER_ID, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    return unread, sum((_count_of(kind.query(viewer)) for kind in _kinds(viewer)), literal(0))


def header_counts(user: User) -> tuple[int, int]:
    """(unread notifications, tasks) for the header: one statement."""
    row = db.session.execute(select(*header_columns(user.roles)), header_parameters(user.id)).one()
    return int(row[0]), int(row[1])


def done_by_reading(
    roles: frozenset[Role], reader_id: BindParameter[int], discussion_id: ColumnElement[int]
) -> ColumnElement[int]:
    """How many of the tasks of ``reader_id`` (with ``roles``) opening the discussion
    ``discussion_id`` does (its replies to read, its new comments): a scalar subquery to
    select with what the discussion's page reads anyway (``threads.summarise_page``), so its
    header, made before the reading mark is written, counts what is left. Bind ``now``."""
    viewer = _viewer(roles, reader_id)
    counts = [
        _count_of(kind.query(viewer).where(Discussion.id == discussion_id))
        for kind in _kinds(viewer)
        if kind.done_by_reading
    ]
    return sum(counts, literal(0))
