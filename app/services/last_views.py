"""What is new since a person last looked: one reading mark per person and clause or discussion.

Viewing a clause page or a discussion page records the time (and, for a clause, the wording
seen) with one upsert, unless the mark already covers everything on it (nothing posted since,
the same wording): then the write would change nothing that is read from the mark, and a
reload costs no write (``discussion_mark_covers``, ``clause_mark_covers``, read with the page).

The document page then marks the clauses that changed since: comments the person has not
seen (posted after their last look at the clause and after their last look at that
discussion, not their own), amendments proposed since by someone else, or a new wording. All
the marks of a document come from one query, however many clauses and comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    bindparam,
    exists,
    func,
    select,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import ScalarSelect

from app.extensions import db
from app.models import (
    Amendment,
    Clause,
    Comment,
    Discussion,
    Document,
    LastView,
    User,
    ViewedKind,
    utcnow,
)
from app.services import insert_or


def record_view(
    user: User,
    kind: ViewedKind,
    object_id: int,
    document_id: int,
    revision_number: int | None = None,
    *,
    seen_until: datetime | None = None,
) -> None:
    """Remember that ``user`` looked at the clause or discussion ``object_id`` (and, for a
    clause, the wording ``revision_number`` they saw). The mark is ``seen_until`` when given:
    when the newest comment the page read was posted (``NEVER_LOOKED`` if it read none), so
    that a comment committed while the page was made, after its statements read, is still
    new next time (outside testing found it counted as seen); else now. One INSERT … ON
    CONFLICT DO UPDATE on the unique (user, kind, object); a person's own reading mark, not
    audited."""
    now = seen_until if seen_until is not None else utcnow()
    statement = insert_or(LastView).values(
        user_id=user.id,
        kind=kind,
        object_id=object_id,
        document_id=document_id,
        viewed_at=now,
        revision_number=revision_number,
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "kind", "object_id"],
            set_={"viewed_at": now, "revision_number": revision_number},
        )
    )


def _nothing_newer(*newer: Select) -> list[ColumnElement[bool]]:
    return [~statement.exists() for statement in newer]


def discussion_mark_covers(
    discussion_id: ColumnElement[int], reader_id: ColumnElement[int]
) -> ColumnElement[bool]:
    """Whether ``reader_id``'s reading mark on the discussion ``discussion_id`` (columns or
    bound parameters) already covers everything in it: no comment was posted after it. Then
    recording a view now would change nothing that is read from the mark (``unseen_comment``
    counts comments posted after it), so the page skips the write (and on SQLite its write
    lock and fsync). A boolean column to select with what the page reads anyway."""
    return (
        select(LastView.id)
        .where(
            LastView.user_id == reader_id,
            LastView.kind == ViewedKind.DISCUSSION,
            LastView.object_id == discussion_id,
            *_nothing_newer(
                select(Comment.id).where(
                    Comment.discussion_id == LastView.object_id,
                    Comment.created_at > LastView.viewed_at,
                )
            ),
        )
        .exists()
    )


def clause_newest(clause: type[Clause]) -> tuple[ScalarSelect[datetime], ScalarSelect[datetime]]:
    """When the newest comment in the ``clause``'s discussions and the newest amendment to it
    (the entity selected, correlated) were posted, NULL where there is none: the clause page's
    reading mark is the later of the two as its statement read them (``record_view``)."""
    return (
        select(func.max(Comment.created_at))
        .join(Discussion, Discussion.id == Comment.discussion_id)
        .where(Discussion.clause_id == clause.id)
        .scalar_subquery(),
        select(func.max(Amendment.created_at))
        .where(Amendment.clause_id == clause.id)
        .scalar_subquery(),
    )


def seen_until(*newest: datetime | None) -> datetime:
    """The reading mark for a page that read these newest times (``NEVER_LOOKED`` if none)."""
    return max((time for time in newest if time is not None), default=NEVER_LOOKED)


def clause_mark_covers(clause: type[Clause], reader_id: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether ``reader_id``'s reading mark on the ``clause`` selected (the entity, correlated)
    already covers everything ``clause_marks`` reads from it: the wording they saw is the
    clause's wording, and no comment in its discussions and no amendment to it came after
    it. Then the clause page skips recording the view (see ``discussion_mark_covers``)."""
    return (
        select(LastView.id)
        .where(
            LastView.user_id == reader_id,
            LastView.kind == ViewedKind.CLAUSE,
            LastView.object_id == clause.id,
            LastView.revision_number == clause.revision_number,
            *_nothing_newer(
                select(Comment.id)
                .join(Discussion, Discussion.id == Comment.discussion_id)
                .where(
                    Discussion.clause_id == LastView.object_id,
                    Comment.created_at > LastView.viewed_at,
                ),
                select(Amendment.id).where(
                    Amendment.clause_id == LastView.object_id,
                    Amendment.created_at > LastView.viewed_at,
                ),
            ),
        )
        .exists()
    )


@dataclass(frozen=True)
class ClauseMark:
    """What changed on one clause since the person last looked at it."""

    seen_revision: int | None
    new_comments: int
    new_amendments: int
    new_wording: bool

    @property
    def is_new(self) -> bool:
        return bool(self.new_comments or self.new_amendments or self.new_wording)

    @property
    def summary(self) -> str:
        """ "2 new comments, a new amendment and a new wording"."""
        parts = []
        if self.new_comments:
            parts.append(f"{self.new_comments} new comment{'s' if self.new_comments != 1 else ''}")
        if self.new_amendments:
            parts.append(
                "a new amendment"
                if self.new_amendments == 1
                else f"{self.new_amendments} new amendments"
            )
        if self.new_wording:
            parts.append("a new wording")
        if len(parts) > 1:
            return ", ".join(parts[:-1]) + " and " + parts[-1]
        return parts[0] if parts else ""


# Earlier than any comment: the last look of someone who never looked.
NEVER_LOOKED = datetime(1900, 1, 1, tzinfo=UTC)


def _someone_elses_live_comment(user_id: int | BindParameter[int]) -> list:
    return [
        Comment.author_id != user_id,
        Comment.withdrawn_at.is_(None),
        Comment.hidden_at.is_(None),
    ]


def unseen_comment(user_id: int | BindParameter[int], since: Any = None) -> list:
    """WHERE conditions for a comment ``user_id`` has not seen: someone else's live comment
    posted after their last look at its discussion (and after ``since``, a column or a time,
    when given)."""
    discussion_view = aliased(LastView)
    after = [Comment.created_at > since] if since is not None else []
    return [
        *_someone_elses_live_comment(user_id),
        *after,
        ~exists().where(
            discussion_view.user_id == user_id,
            discussion_view.kind == ViewedKind.DISCUSSION,
            discussion_view.object_id == Comment.discussion_id,
            discussion_view.viewed_at >= Comment.created_at,
        ),
    ]


def unseen_in_discussion(
    user_id: int | BindParameter[int],
    discussion_id: SQLColumnExpression[int],
    last_look: SQLColumnExpression[datetime],
) -> list:
    """WHERE conditions for a comment ``user_id`` has not seen in the discussion whose id is
    ``discussion_id`` (a column of the outer statement), given ``last_look``, their last look
    at it (a column, NULL if they never looked): as ``unseen_comment``, but for a statement
    that goes through discussions. The time is compared as one range, so the index on
    ``comments (discussion_id, created_at)`` reads only the comments after the last look,
    however long the discussion."""
    return [
        Comment.discussion_id == discussion_id,
        *_someone_elses_live_comment(user_id),
        Comment.created_at > func.coalesce(last_look, NEVER_LOOKED),
    ]


@cache
def _clause_marks_statement() -> Select:
    """``clause_marks``'s statement, built once (parameters ``user_id`` and ``document_id``):
    building it cost more than running it."""
    user_id: BindParameter[int] = bindparam("user_id")
    new_comments = (
        select(func.count(Comment.id))
        .join(Discussion, Discussion.id == Comment.discussion_id)
        .where(
            Discussion.clause_id == LastView.object_id, *unseen_comment(user_id, LastView.viewed_at)
        )
        .correlate(LastView)
        .scalar_subquery()
    )
    new_amendments = (
        select(func.count(Amendment.id))
        .where(
            Amendment.clause_id == LastView.object_id,
            Amendment.proposer_id != user_id,
            Amendment.created_at > LastView.viewed_at,
        )
        .correlate(LastView)
        .scalar_subquery()
    )
    return (
        select(
            LastView.object_id,
            LastView.revision_number,
            Clause.revision_number,
            new_comments,
            new_amendments,
        )
        .join(Clause, and_(Clause.id == LastView.object_id))
        .where(
            LastView.user_id == user_id,
            LastView.document_id == bindparam("document_id"),
            LastView.kind == ViewedKind.CLAUSE,
        )
    )


def clause_marks(user: User, document: Document) -> dict[int, ClauseMark]:
    """Per clause id the person has looked at before: what is new since (one query). Clauses
    never looked at carry no mark (there is no "since")."""
    rows = db.session.execute(
        _clause_marks_statement(), {"user_id": user.id, "document_id": document.id}
    ).all()
    return {
        clause_id: ClauseMark(
            seen_revision=seen,
            new_comments=comments,
            new_amendments=amendments,
            new_wording=seen is not None and current > seen,
        )
        for clause_id, seen, current, comments, amendments in rows
    }
