"""A page of a discussion thread, loaded in two statements, and its own change marker.

A page shows ``COMMENTS_PER_PAGE`` top-level comments (oldest first), each with its first
``REPLIES_SHOWN`` replies and a link to the rest ("Show more replies"), so a comment with a
thousand replies costs the page no more than one with five.

The page's change marker (its ETag) is the newest marker of anything the page shows: the
discussion itself (``Discussion.state_mark``: locked, relinked, its clause reworded or retired)
and its comments with all their replies (``Comment.activity_mark``), with the number of pages
(a new page adds a link to it). A vote on the clause, a comment in another discussion, or a new
comment on page 2 leave page 1's marker as it was, so its pollers get 304 (the poll's
statement is ``app.polls.discussion_poll``).

``summarise_page`` reads, in one statement and without loading the comments as objects,
everything the page's list of comments shows that can change: each shown comment's marker,
counts and times, its author's name and badges, the reply counts and the page's marker. It is
what ``app.fragments.thread_key`` makes the whole list's cache key from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import NamedTuple

from flask import current_app
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    String,
    Subquery,
    and_,
    bindparam,
    case,
    cast,
    func,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload

from app.extensions import db
from app.models import Comment, Discussion, Role, User, UserRole, utcnow
from app.pagination import LAST_PAGE_ASKED
from app.rendering import etag_of
from app.rules import edit_window
from app.services.last_views import discussion_mark_covers, seen_until
from app.services.tasks import done_by_reading
from app.sql import comma_joined


@dataclass
class ThreadPage:
    """One page of a thread. ``replies`` maps each shown comment's id to its first replies;
    ``reply_counts`` to how many replies it has in all."""

    comments: list[Comment]
    number: int
    pages: int
    total: int
    replies: dict[int, list[Comment]] = field(default_factory=dict)
    reply_counts: dict[int, int] = field(default_factory=dict)
    mark: int = 0

    @property
    def etag(self) -> str:
        return etag_of(self.mark, self.pages)


def _with_people(query: Select) -> Select:
    """Comments with their authors and the authors' roles (badges) in the same statement."""
    return query.options(
        joinedload(Comment.author).joinedload(User.role_grants),
        joinedload(Comment.hidden_by).lazyload(User.role_grants),
    )


def page_roots(
    discussion_id: int | BindParameter[int], per_page: int, offset: int | ColumnElement[int]
) -> Select:
    """The ids of a page's top-level comments, oldest first: ``per_page`` of them from
    ``offset`` (either may be a bound parameter, for a statement built once; the offset may
    be an expression)."""
    return (
        select(Comment.id)
        .where(Comment.discussion_id == discussion_id, Comment.parent_id.is_(None))
        # parent_id is NULL in every row: ordering by it first changes nothing but lets
        # PostgreSQL read the rows in order from ix_comments_top_level (it does not take
        # IS NULL as fixing the column, and would sort them otherwise).
        .order_by(Comment.parent_id, Comment.created_at, Comment.id)
        .limit(per_page)
        .offset(offset)
    )


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def load_page(discussion: Discussion, requested: int | None) -> ThreadPage:
    """Page ``requested`` of the thread (clamped to the pages there are) in two statements:
    the page's top-level comments with how many there are, then their first replies with how
    many each has and the newest marker among them."""
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    number = min(max(requested or 1, 1), LAST_PAGE_ASKED)
    total_column = func.count().over().label("total")
    query = _with_people(
        select(Comment, total_column)
        .where(Comment.discussion_id == discussion.id, Comment.parent_id.is_(None))
        .order_by(Comment.created_at, Comment.id)
        .limit(per_page)
        .offset((number - 1) * per_page)
    )
    rows = db.session.execute(query).unique().all()
    if not rows and number > 1:  # a stale ``?page=9``: the last page there is
        total = db.session.scalar(
            select(func.count()).where(
                Comment.discussion_id == discussion.id, Comment.parent_id.is_(None)
            )
        )
        return load_page(discussion, _pages(total or 0, per_page))
    comments = [row[0] for row in rows]
    total = rows[0][1] if rows else 0
    page = ThreadPage(comments, number, _pages(total, per_page), total)
    page.mark = max([discussion.state_mark, *(c.activity_mark for c in comments)])
    if comments:
        _load_replies(page, [c.id for c in comments])
    return page


def _ranked_replies(parents: list[int] | Select) -> Subquery:
    """The replies to ``parents`` (ids, or a statement selecting them), each with its place
    among its parent's replies (``rank``, from 1, oldest first), how many replies its parent
    has (``replies``) and the newest marker among them (``mark``)."""
    order = (Comment.created_at, Comment.id)
    return (
        select(
            Comment.id.label("id"),
            func.row_number().over(partition_by=Comment.parent_id, order_by=order).label("rank"),
            func.count().over(partition_by=Comment.parent_id).label("replies"),
            func.max(Comment.activity_mark).over(partition_by=Comment.parent_id).label("mark"),
        )
        .where(Comment.parent_id.in_(parents))
        .subquery("ranked")
    )


def _load_replies(page: ThreadPage, parent_ids: list[int]) -> None:
    shown = current_app.config["REPLIES_SHOWN"]
    order = (Comment.created_at, Comment.id)
    ranked = _ranked_replies(parent_ids)
    query = _with_people(
        select(Comment, ranked.c.replies, ranked.c.mark)
        .join(ranked, ranked.c.id == Comment.id)
        .where(ranked.c.rank <= shown)
        .order_by(*order)
    )
    page.replies = {parent_id: [] for parent_id in parent_ids}
    for reply, count, mark in db.session.execute(query).unique():
        assert reply.parent_id is not None  # selected so
        page.replies[reply.parent_id].append(reply)
        page.reply_counts[reply.parent_id] = count
        page.mark = max(page.mark, mark)


def load_replies(parent: Comment, start: int, count: int) -> tuple[list[Comment], int]:
    """Replies ``start`` to ``start + count`` (from 0, oldest first) to ``parent``, and how many
    it has in all, in one statement."""
    total_column = func.count().over().label("total")
    rows = db.session.execute(
        _with_people(
            select(Comment, total_column)
            .where(Comment.parent_id == parent.id)
            .order_by(Comment.created_at, Comment.id)
            .limit(count)
            .offset(start)
        )
    ).unique()
    found = rows.all()
    return [row[0] for row in found], (found[0][1] if found else 0)


class Reading(NamedTuple):
    """What a page that shows part of a discussion needs to record its reading (as
    ``summarise_page`` reads it for the discussion's own pages): whether the reader's mark
    already ``covers`` the discussion, the mark to record (``seen_until``, see
    ``last_views.record_view``; None: now), and how many of the reader's tasks reading it does
    (``done``, 0 when covered)."""

    covers: bool
    seen_until: datetime | None
    done: int


DISCUSSION_ID: BindParameter[int] = bindparam("discussion_id", type_=Integer)
READER_ID: BindParameter[int] = bindparam("reader_id", type_=Integer)


@cache
def _reading_statement(reader_roles: frozenset[Role]) -> Select:
    """``reading_of``'s statement, built once for each set of the reader's roles (parameters
    ``discussion_id``, ``reader_id`` and ``now``)."""
    covers = discussion_mark_covers(DISCUSSION_ID, READER_ID)
    newest = (
        select(func.max(Comment.created_at))
        .where(Comment.discussion_id == DISCUSSION_ID)
        .scalar_subquery()
    )
    done = case((covers, 0), else_=done_by_reading(reader_roles, READER_ID, DISCUSSION_ID))
    return select(covers.label("covers"), newest.label("newest"), done.label("done"))


def reading_of(discussion_id: int, reader_id: int, reader_roles: frozenset[Role]) -> Reading:
    """The ``Reading`` of discussion ``discussion_id`` by ``reader_id`` (who has
    ``reader_roles``), in one statement: for the page of more replies, which shows part of
    the discussion as its pages do, and so records the reading as they do."""
    row = db.session.execute(
        _reading_statement(reader_roles),
        {"discussion_id": discussion_id, "reader_id": reader_id, "now": utcnow()},
    ).one()
    return Reading(bool(row.covers), seen_until(row.newest), int(row.done or 0))


class ShownComment(NamedTuple):
    """One comment (or reply) a page shows, as ``summarise_page`` reads it: what its card
    shows that can change. ``roles`` are its author's, comma-separated in no set order."""

    id: int
    parent_id: int | None
    activity_mark: int
    edit_count: int
    html_version: int
    created_at: datetime
    hidden_at: datetime | None
    withdrawn_at: datetime | None
    clause_revision_number: int | None
    author_id: int
    author_name: str
    author_group: str | None
    author_job_title: str | None
    author_is_independent_person: bool
    roles: str | None
    hidden_by_name: str | None


@dataclass(frozen=True)
class PageSummary:
    """A page of a thread as ``summarise_page`` reads it: its ``number`` (clamped), how many
    ``pages`` and top-level comments (``total``) there are, its change marker (``mark``, the
    same as ``load_page``'s), the comments it shows (top-level ones and their first replies,
    oldest first), how many replies each top-level comment has in all, whether the
    reader's reading mark already covers the discussion (``reading_mark_covers``), and when
    the newest comment the statement found in the whole discussion was posted (``newest``,
    None when there is none): the reading mark to record, not the time it is written, so a
    comment committed while the page was being made is not counted as seen; and how many of
    the reader's tasks recording it does (``tasks_done``: 0 when the mark covers it); and when
    the reader's first comment anywhere in the thread that is still in its edit window was
    posted (``first_editable``), shown on the page or behind "Show more replies"."""

    number: int
    pages: int
    total: int
    mark: int
    shown: tuple[ShownComment, ...]
    reply_counts: tuple[tuple[int, int], ...]
    reading_mark_covers: bool = False
    newest: datetime | None = None
    tasks_done: int = 0
    first_editable: datetime | None = None

    @property
    def etag(self) -> str:
        return etag_of(self.mark, self.pages)


EDITS_FROM: BindParameter[datetime] = bindparam("edits_from", type_=Comment.created_at.type)


def first_editable_since(
    discussion_id: int | BindParameter[int], reader_id: int | ColumnElement[int]
) -> Select:
    """When the reader's first comment anywhere in the thread still in its edit window was
    posted (at or after ``edits_from``, as ``rules.is_within_edit_window``; bind it): a reply
    behind "Show more replies" shows Edit links too, so the whole thread is read, never only
    the comments a page loaded."""
    return select(func.min(Comment.created_at)).where(
        Comment.discussion_id == discussion_id,
        Comment.author_id == reader_id,
        Comment.created_at >= EDITS_FROM,
        Comment.hidden_at.is_(None),
        Comment.withdrawn_at.is_(None),
    )


def first_editable(discussion: Discussion, reader_id: int) -> datetime | None:
    """``PageSummary.first_editable`` in a statement of its own, for a page that loads its
    comments rather than summarising them (the composer's: ``?reply_to=``, ``?edit=``)."""
    return db.session.scalar(
        first_editable_since(discussion.id, reader_id), {"edits_from": utcnow() - edit_window()}
    )


@cache
def _summary_statement(per_page: int, replies_shown: int, reader_roles: frozenset[Role]) -> Select:
    """``summarise_page``'s statement, built once for each set of the reader's roles
    (parameters ``discussion_id``, ``offset`` of the page's first top-level comment,
    ``reader_id`` and ``now``): building it costs more than running it."""
    discussion_id: BindParameter[int] = bindparam("discussion_id")
    reader_id: BindParameter[int] = bindparam("reader_id")
    roots_where = (Comment.discussion_id == discussion_id, Comment.parent_id.is_(None))
    roots = page_roots(discussion_id, per_page, bindparam("offset")).subquery("roots")
    ranked = _ranked_replies(select(roots.c.id))
    shown = union_all(
        select(roots.c.id, null().label("replies"), null().label("mark")),
        select(ranked.c.id, ranked.c.replies, ranked.c.mark).where(ranked.c.rank <= replies_shown),
    ).cte("shown")
    author, hidden_by = aliased(User), aliased(User)
    # The authors' badges, each author's roles gathered once, for the authors of the page's
    # comments only (all the discussion's authors read every comment of the thread). A
    # subquery for each comment (as before) made PostgreSQL scan the small table of roles
    # once per comment, half of the statement's time; SQLite answers both alike.
    roles = (
        select(
            UserRole.user_id,
            comma_joined(cast(UserRole.role, String)).label("roles"),
        )
        .where(
            UserRole.user_id.in_(select(Comment.author_id).join(shown, shown.c.id == Comment.id))
        )
        .group_by(UserRole.user_id)
        .subquery("author_roles")
    )
    rows = (
        select(
            Comment.id,
            Comment.parent_id,
            Comment.activity_mark,
            Comment.edit_count,
            Comment.html_version,
            Comment.created_at,
            Comment.hidden_at,
            Comment.withdrawn_at,
            Comment.clause_revision_number,
            Comment.author_id,
            author.display_name,
            author.group,
            author.job_title,
            author.is_independent_person,
            roles.c.roles,
            hidden_by.display_name.label("hidden_by_name"),
            shown.c.replies,
            shown.c.mark,
        )
        .join(shown, shown.c.id == Comment.id)
        .join(author, author.id == Comment.author_id)
        .outerjoin(roles, roles.c.user_id == Comment.author_id)
        .outerjoin(hidden_by, hidden_by.id == Comment.hidden_by_id)
        .subquery("rows")
    )
    # One row even for a page with no comments on it, to carry the number of top-level ones.
    newest = (
        select(func.max(Comment.created_at))
        .where(Comment.discussion_id == discussion_id)
        .scalar_subquery()
    )
    first_editable = first_editable_since(discussion_id, reader_id).scalar_subquery()
    totals = (
        select(
            func.count().label("total"),
            discussion_mark_covers(discussion_id, reader_id).label("seen"),
            newest.label("newest"),
            first_editable.label("first_editable"),
        )
        .where(*roots_where)
        .subquery("totals")
    )
    # Counted only when the page will record a reading (the mark does not cover it yet).
    done = case((totals.c.seen, 0), else_=done_by_reading(reader_roles, reader_id, discussion_id))
    return (
        select(
            totals.c.total,
            totals.c.seen,
            totals.c.newest,
            done.label("done"),
            totals.c.first_editable,
            *rows.c,
        )
        .select_from(totals)
        .outerjoin(rows, true())
        .order_by(rows.c.created_at, rows.c.id)
    )


def summarise_page(
    discussion: Discussion,
    requested: int | None,
    reader_id: int | None = None,
    reader_roles: frozenset[Role] = frozenset(),
) -> PageSummary:
    """Page ``requested`` of the thread (clamped to the pages there are: a stale ``?page=9``
    is the last page, at the cost of one statement more) in one statement, without loading a
    comment object (see the module's notes); with whether ``reader_id``'s reading mark
    already covers the discussion (``last_views.discussion_mark_covers``) and, when it does
    not, how many of their tasks (they have ``reader_roles``) reading it does
    (``tasks.done_by_reading``)."""
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    replies_shown = current_app.config["REPLIES_SHOWN"]
    number = min(max(requested or 1, 1), LAST_PAGE_ASKED)
    now = utcnow()
    found = db.session.execute(
        _summary_statement(per_page, replies_shown, reader_roles),
        {
            "discussion_id": discussion.id,
            "offset": (number - 1) * per_page,
            "reader_id": reader_id,
            "now": now,
            "edits_from": now - edit_window(),
        },
    ).all()
    total, seen, newest = found[0].total, bool(found[0].seen), found[0].newest
    shown = tuple(ShownComment(*row[5:21]) for row in found if row.id is not None)
    if not shown and number > 1:
        return summarise_page(discussion, _pages(total, per_page), reader_id, reader_roles)
    mark = max([discussion.state_mark, *(c.activity_mark for c in shown)])
    counts: dict[int, int] = {}
    for row in found:
        if row.parent_id is not None:
            counts[row.parent_id] = row.replies
            mark = max(mark, row.mark)
    return PageSummary(
        number,
        _pages(total, per_page),
        total,
        mark,
        shown,
        tuple(sorted(counts.items())),
        seen,
        newest,
        int(found[0].done or 0),
        found[0].first_editable,
    )


def shown_roots(discussion_id: int, number: int) -> Select:
    """The ids of page ``number``'s top-level comments (for what changed on the page); a
    number below 1 (as typed in an address: ``?page=0``, ``?page=-3``) is page 1."""
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    number = min(max(number, 1), LAST_PAGE_ASKED)
    return page_roots(discussion_id, per_page, (number - 1) * per_page)


def _before(comment: Comment):
    """Comments before ``comment`` in a thread's order (oldest first; the id breaks a tie)."""
    return or_(
        Comment.created_at < comment.created_at,
        and_(Comment.created_at == comment.created_at, Comment.id < comment.id),
    )


def where_shown(comment: Comment) -> tuple[int, int | None]:
    """Where ``comment`` is shown: the page of its discussion (from 1) with its top-level
    comment, and for a reply past the first ``REPLIES_SHOWN``, the ``start`` of the replies'
    page ("Show more replies") that has it (else None). Two counts, however long the thread."""
    config = current_app.config
    top = comment.parent or comment
    before = db.session.scalar(
        select(func.count()).where(
            Comment.discussion_id == top.discussion_id,
            Comment.parent_id.is_(None),
            _before(top),
        )
    )
    page = (before or 0) // config["COMMENTS_PER_PAGE"] + 1
    if comment.parent_id is None:
        return page, None
    rank = (
        db.session.scalar(
            select(func.count()).where(Comment.parent_id == comment.parent_id, _before(comment))
        )
        or 0
    )
    shown, per_page = config["REPLIES_SHOWN"], config["REPLIES_PER_PAGE"]
    if rank < shown:
        return page, None
    return page, shown + (rank - shown) // per_page * per_page
