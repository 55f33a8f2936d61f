"""When each person last looked at each clause and discussion ("new since you last looked")."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, enum_type, utcnow


class ViewedKind(StrEnum):
    CLAUSE = "clause"
    DISCUSSION = "discussion"


class LastView(Base):
    """One person's last look at one clause or discussion: one row per (person, kind, id),
    written by an upsert on each view (``app.services.last_views.record_view``).

    ``revision_number`` is the clause wording they saw (None for a discussion), so "Show what
    changed" can redline from it. A person's own reading mark: not in the audit trail.
    """

    __tablename__ = "last_views"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "object_id"),
        # The document page reads a person's marks for one document.
        Index("ix_last_views_user_document", "user_id", "document_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[ViewedKind] = mapped_column(enum_type(ViewedKind, "viewed_kind"))
    object_id: Mapped[int]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    viewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    revision_number: Mapped[int | None]
