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
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Comment, Discussion, User
from app.pagination import LAST_PAGE_ASKED
from app.rendering import etag_of


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


def _roots(discussion_id: int, number: int, per_page: int) -> Select:
    number = min(max(number, 1), LAST_PAGE_ASKED)
    return (
        select(Comment.id)
        .where(Comment.discussion_id == discussion_id, Comment.parent_id.is_(None))
        .order_by(Comment.created_at, Comment.id)
        .limit(per_page)
        .offset((number - 1) * per_page)
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


def _load_replies(page: ThreadPage, parent_ids: list[int]) -> None:
    shown = current_app.config["REPLIES_SHOWN"]
    order = (Comment.created_at, Comment.id)
    ranked = (
        select(
            Comment.id.label("id"),
            func.row_number().over(partition_by=Comment.parent_id, order_by=order).label("rank"),
            func.count().over(partition_by=Comment.parent_id).label("replies"),
            func.max(Comment.activity_mark).over(partition_by=Comment.parent_id).label("mark"),
        )
        .where(Comment.parent_id.in_(parent_ids))
        .subquery()
    )
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


def shown_roots(discussion_id: int, number: int) -> Select:
    """The ids of page ``number``'s top-level comments (for what changed on the page); a
    number below 1 (as typed in an address: ``?page=0``, ``?page=-3``) is page 1."""
    return _roots(discussion_id, max(number, 1), current_app.config["COMMENTS_PER_PAGE"])
