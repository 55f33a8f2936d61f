"""What a person is told about: replies, new discussions and amendments, voting, decisions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, enum_type, utcnow
from app.models.people import User


class NotificationKind(StrEnum):
    REPLY = "reply"
    NEW_DISCUSSION = "new_discussion"
    NEW_AMENDMENT = "new_amendment"
    VOTING_OPENED = "voting_opened"
    VOTING_CLOSING = "voting_closing"
    AMENDMENT_ACCEPTED = "amendment_accepted"
    AMENDMENT_REJECTED = "amendment_rejected"
    REVIEW_DECISION = "review_decision"
    SESSION_INVITATION = "session_invitation"
    VOTE_AGAIN = "vote_again"
    SUBMITTED = "submitted"
    RECOMMENDED = "recommended"
    ADOPTED = "adopted"
    NEW_PROPOSAL = "new_proposal"
    VOTING_RESULT = "voting_result"

    @property
    def label(self) -> str:
        return {
            NotificationKind.REPLY: "Reply",
            NotificationKind.NEW_DISCUSSION: "New discussion",
            NotificationKind.NEW_AMENDMENT: "New amendment",
            NotificationKind.VOTING_OPENED: "Voting opened",
            NotificationKind.VOTING_CLOSING: "Voting closing",
            NotificationKind.AMENDMENT_ACCEPTED: "Amendment accepted",
            NotificationKind.AMENDMENT_REJECTED: "Amendment rejected",
            NotificationKind.REVIEW_DECISION: "Standards Committee decision",
            NotificationKind.SESSION_INVITATION: "Session invitation",
            NotificationKind.VOTE_AGAIN: "Vote again",
            NotificationKind.SUBMITTED: "Submitted to the Standards Committee",
            NotificationKind.RECOMMENDED: "Recommended to Full Council",
            NotificationKind.ADOPTED: "Adopted by Full Council",
            NotificationKind.NEW_PROPOSAL: "Proposed agenda item",
            NotificationKind.VOTING_RESULT: "Voting result",
        }[self]


class Notification(Base):
    """One thing one person is told about, with the page it points to.

    ``dedupe_key`` names events that may reach a person only once (voting closing once per
    document per voting round, an invitation once per session): unique per person, and NULL
    (never clashing) for events that are one-off by nature. ``emailed_at`` is set when the
    notification is claimed for an email (immediate or in a digest), so it is mailed once.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "dedupe_key"),
        # The header's unread count and the notifications page.
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        # The digest: what has not been emailed yet, person by person.
        Index("ix_notifications_digest", "emailed_at", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(enum_type(NotificationKind, "notification_kind"))
    text: Mapped[str] = mapped_column(String(300))
    link: Mapped[str] = mapped_column(String(500))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
