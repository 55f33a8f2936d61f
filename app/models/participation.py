"""Discussions on clauses and documents, their comments, and how comments were moderated."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from markupsafe import Markup
from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.markdown import keep_rendered, stored_markup
from app.models.base import Base, enum_type, utcnow
from app.models.documents import PASSAGE_CHECK, Clause, Document, PassageAnchor
from app.models.people import User
from app.models.recommendations import Recommendation

discussion_recommendations = Table(
    "discussion_recommendations",
    Base.metadata,
    Column("discussion_id", ForeignKey("discussions.id", ondelete="CASCADE"), primary_key=True),
    Column("recommendation_id", ForeignKey("recommendations.id"), primary_key=True),
)


class Discussion(PassageAnchor, Base):
    """A thread of comments on a clause, or on a document as a whole (no clause); a passage
    comment is a discussion on a clause anchored to a passage of it (``PassageAnchor``)."""

    __tablename__ = "discussions"
    __table_args__ = (CheckConstraint(PASSAGE_CHECK, name="passage_selector"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"), index=True)
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_at: Mapped[datetime | None]
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The clause's (or document's) change marker when the discussion or a comment in it last
    # changed (the clause page lists discussions by it).
    activity_mark: Mapped[int] = mapped_column(default=0)
    # The same marker when the discussion itself last changed (locked, unlocked, relinked, its
    # clause reworded or retired), not counting its comments: with the comments' own markers it
    # makes a page of the thread's change marker (``app.discussions.threads``).
    state_mark: Mapped[int] = mapped_column(server_default="0")

    document: Mapped[Document] = relationship()
    clause: Mapped[Clause | None] = relationship()
    started_by: Mapped[User] = relationship(foreign_keys=[started_by_id])
    locked_by: Mapped[User | None] = relationship(foreign_keys=[locked_by_id])
    recommendations: Mapped[list[Recommendation]] = relationship(
        secondary=discussion_recommendations, order_by=Recommendation.letter
    )

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class Comment(Base):
    """A comment in a discussion, or a reply to one (replies go one level deep)."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        # A discussion's comments in the order they were posted: a thread's page, and the
        # comments after someone's last look (tasks, "new since you last looked") read only
        # what they need, however long the discussion.
        Index("ix_comments_discussion_id_created_at", "discussion_id", "created_at"),
        # A thread's top-level comments in their order: a page of them, and how many there
        # are, read from the index alone (the page's summary and its live poll), without
        # sorting the thread's comments, however long it is.
        # (Not a partial index: its dialect options would import PostgreSQL's dialect at
        # start-up on SQLite. ``parent_id IS NULL`` is an equality to both databases' B-trees.)
        Index("ix_comments_top_level", "discussion_id", "parent_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    # ``body`` as sanitised HTML, made when it is written (``app.markdown.keep_rendered``).
    body_html: Mapped[str | None] = mapped_column(Text)
    html_version: Mapped[int] = mapped_column(server_default="0")
    # The clause wording (ClauseRevision.number) the comment was written on; None on documents.
    clause_revision_number: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    edit_count: Mapped[int] = mapped_column(default=0)
    withdrawn_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    # A key the form carries, so the same form sent twice makes one comment.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Change markers: when the comment was posted, and when it last changed.
    created_mark: Mapped[int] = mapped_column(default=0)
    activity_mark: Mapped[int] = mapped_column(default=0)

    discussion: Mapped[Discussion] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    hidden_by: Mapped[User | None] = relationship(foreign_keys=[hidden_by_id])
    parent: Mapped[Comment | None] = relationship(remote_side=[id])
    revisions: Mapped[list[CommentRevision]] = relationship(
        back_populates="comment", order_by="CommentRevision.number"
    )

    @property
    def body_markup(self) -> Markup:
        return stored_markup(self.body_html, self.html_version, self.body)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


keep_rendered(Comment.body, "body_html")


class CommentRevision(Base):
    """An earlier text of an edited comment. Append-only."""

    __tablename__ = "comment_revisions"
    __table_args__ = (UniqueConstraint("comment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    number: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="revisions")


class ModerationAction(StrEnum):
    HIDE = "hide"
    UNHIDE = "unhide"
    LOCK = "lock"
    UNLOCK = "unlock"
    RELINK = "relink"


class Moderation(Base):
    """A facilitator's hide, unhide, lock, unlock or relink, with the reason. Append-only."""

    __tablename__ = "moderations"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[ModerationAction] = mapped_column(enum_type(ModerationAction, "moderation"))
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    by: Mapped[User] = relationship()
    discussion: Mapped[Discussion] = relationship()
    comment: Mapped[Comment | None] = relationship()
