"""The one-time keys of the "create" forms that guard against being sent twice with no key of
their own on what they make (``app.services.submissions``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class FormSubmission(Base):
    """A create form sent: its one-time key (made when the form's page was drawn, unique), who
    sent it, which form (the route's endpoint), a digest of what it carried, and where its
    answer sent them (the page of what it made). Recorded in the same transaction as what the
    form made, so a row is never seen without ``location``; a form sent again with the same key
    is answered from it. Kept only as long as a form could be sent again: the longest
    signed-in session (``flask accounts prune``)."""

    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(80))
    digest: Mapped[str] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
