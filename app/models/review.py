"""Document versions, state changes, the Standards Committee's review and the audit trail."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, enum_type, utcnow
from app.models.documents import Document, DocumentStatus
from app.models.people import User


class DocumentVersion(Base):
    """A frozen, numbered copy of a document's text (v1, v2, ...). Append-only.

    ``content`` holds every clause's id, number, heading, text and the recommendations it
    answers; ``content_hash`` is the SHA-256 of its canonical JSON, printed on exports so a
    paper copy can be matched to the product.
    """

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(500), default="")
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    document: Mapped[Document] = relationship(foreign_keys=[document_id])
    published_by: Mapped[User] = relationship()

    @property
    def label(self) -> str:
        return f"v{self.number}"

    @property
    def clauses(self) -> list[dict]:
        return self.content["clauses"]


class Transition(Base):
    """A document moving from one state to another: who, when and why. Append-only."""

    __tablename__ = "transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    from_status: Mapped[DocumentStatus] = mapped_column(enum_type(DocumentStatus, "from_status"))
    to_status: Mapped[DocumentStatus] = mapped_column(enum_type(DocumentStatus, "to_status"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("document_versions.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    meeting_date: Mapped[date | None]
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    by: Mapped[User] = relationship()
    version: Mapped[DocumentVersion | None] = relationship()


class ReviewNote(Base):
    """A Standards Committee member's note on a submitted version, or on one of its clauses."""

    __tablename__ = "review_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    clause_number: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()


class DecisionDraft(Base):
    """A committee member's answers on the decision page, waiting on the check page until they
    record the decision (``app.services.decision_drafts``): the decision, the meeting date,
    the reasons and the minute reference, as ``lifecycle.decision_answers`` shapes them. One
    set a person and document, replaced when they answer again. Kept here, not in the signed
    session cookie, where 4,000 characters of reasons passed a browser's 4 KB for a cookie."""

    __tablename__ = "decision_drafts"
    __table_args__ = (UniqueConstraint("document_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    answers: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Decision(StrEnum):
    RECOMMEND = "recommend"
    REFER_BACK = "refer_back"

    @property
    def label(self) -> str:
        return {
            Decision.RECOMMEND: "Recommended to Full Council",
            Decision.REFER_BACK: "Referred back",
        }[self]


class CommitteeDecision(Base):
    """The Standards Committee's decision on a submitted version, with the meeting date."""

    __tablename__ = "committee_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    decision: Mapped[Decision] = mapped_column(enum_type(Decision, "decision"))
    reasons: Mapped[str] = mapped_column(Text, default="")
    meeting_date: Mapped[date]
    # The committee's minute number for the decision, as printed in its minutes ("SC 12/19").
    minute_reference: Mapped[str | None] = mapped_column(String(100))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[DocumentVersion] = relationship()
    recorded_by: Mapped[User] = relationship()


class AuditEvent(Base):
    """One state-changing action. Append-only and hash-chained.

    Each event stores the hash of the event before it and the HMAC of its own content with that
    previous hash, under the audit key named by ``key_id``, so changing or deleting any row
    breaks the chain from there on; ``flask --app wsgi audit verify`` finds the first broken
    event, and checkpoints (``AuditCheckpoint``) catch a removed or rewritten tail.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        UniqueConstraint("previous_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    summary: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The audit key's id: the hash is HMAC-SHA256 under that key. None: an event recorded
    # before the trail was keyed, hashed with plain SHA-256.
    key_id: Mapped[str | None] = mapped_column(String(16))

    actor: Mapped[User | None] = relationship()


class CheckpointKind(StrEnum):
    LEGACY = "legacy"
    PUBLISHED = "published"
    DECIDED = "decided"
    ADOPTED = "adopted"

    @property
    def label(self) -> str:
        return {
            CheckpointKind.LEGACY: "Events recorded before the trail was keyed",
            CheckpointKind.PUBLISHED: "Version published",
            CheckpointKind.DECIDED: "Standards Committee decision",
            CheckpointKind.ADOPTED: "Adopted by Full Council",
        }[self]


class AuditCheckpoint(Base):
    """The audit trail's head (its number of events and the newest event's hash) recorded when
    a version is published, the committee decides or Full Council adopts. Append-only.

    Exports print the checkpoint beside the version hash; ``audit verify`` checks every
    recorded one, so a trail cut short or rewritten after a checkpoint no longer verifies.
    """

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[CheckpointKind] = mapped_column(enum_type(CheckpointKind, "checkpoint_kind"))
    event_count: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("document_versions.id"), index=True)

    document: Mapped[Document | None] = relationship()
    version: Mapped[DocumentVersion | None] = relationship()

    @property
    def pin(self) -> str:
        """``COUNT:HASH``, as ``audit verify --checkpoint`` takes it."""
        return f"{self.event_count}:{self.head_hash}"

    @property
    def label(self) -> str:
        if self.version is None:
            return self.kind.label
        return f"{self.kind.label}: {self.version.title} {self.version.label}"
