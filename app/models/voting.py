"""Votes on clauses and amendments, declared interests, amendments, and recorded outcomes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from markupsafe import Markup
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
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


class Choice(StrEnum):
    SUPPORT = "support"
    OPPOSE = "oppose"
    ABSTAIN = "abstain"
    INTEREST = "interest"  # declared an interest, did not vote

    @property
    def label(self) -> str:
        return {
            Choice.SUPPORT: "Support",
            Choice.OPPOSE: "Oppose",
            Choice.ABSTAIN: "Abstain",
            Choice.INTEREST: "Declared an interest, did not vote",
        }[self]


class AmendmentStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.capitalize()


amendment_recommendations = Table(
    "amendment_recommendations",
    Base.metadata,
    Column("amendment_id", ForeignKey("amendments.id", ondelete="CASCADE"), primary_key=True),
    Column("recommendation_id", ForeignKey("recommendations.id"), primary_key=True),
)


class Amendment(PassageAnchor, Base):
    """A proposed new wording of a clause, against the wording it was written on.

    A passage suggestion is an amendment limited to one passage (``PassageAnchor``): its
    ``body`` is the wording it was written on with the passage replaced by
    ``passage_replacement``; accepting it puts the replacement where the passage is re-found
    in the current wording (``app.services.passages``)."""

    __tablename__ = "amendments"
    __table_args__ = (CheckConstraint(PASSAGE_CHECK, name="passage_selector"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"), index=True)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    heading: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text)
    # ``rationale`` as sanitised HTML, made when it is written (``app.markdown.keep_rendered``).
    rationale_html: Mapped[str | None] = mapped_column(Text)
    html_version: Mapped[int] = mapped_column(server_default="0")
    base_revision_number: Mapped[int]
    status: Mapped[AmendmentStatus] = mapped_column(
        enum_type(AmendmentStatus, "amendment_status"), default=AmendmentStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    accepted_revision_number: Mapped[int | None]
    # What the agreement rule said of the amendment when it was accepted, in plain words
    # ("agreed under the rule", "not agreed: ..."); when it did not agree it, decision_reason
    # says why it was accepted all the same.
    rule_verdict: Mapped[str | None] = mapped_column(String(300))
    voting_closed_at: Mapped[datetime | None]
    # The session agenda item the amendment came out of, if any.
    from_agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"))
    # The proposal form's one-time key: the same form sent twice makes one amendment.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    # A passage suggestion's new words for its passage (may be empty: remove the passage).
    passage_replacement: Mapped[str | None] = mapped_column(Text)

    clause: Mapped[Clause] = relationship(foreign_keys=[clause_id])
    proposer: Mapped[User] = relationship(foreign_keys=[proposer_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    recommendations: Mapped[list[Recommendation]] = relationship(
        secondary=amendment_recommendations, order_by=Recommendation.letter
    )

    @property
    def is_open(self) -> bool:
        return self.status == AmendmentStatus.OPEN

    def status_as_of(self, moment: datetime | None) -> AmendmentStatus:
        """The status the amendment had at ``moment`` (a version's publication; None: now):
        one decided (accepted, rejected or withdrawn) after it was still Open then."""
        if moment is None or (self.decided_at is not None and self.decided_at <= moment):
            return self.status
        return AmendmentStatus.OPEN

    @property
    def is_out_of_date(self) -> bool:
        """The clause has a newer wording than the one the amendment was written on; for a
        passage suggestion, its passage is no longer in the current wording."""
        if self.is_passage:
            return not self.is_anchored
        return self.clause.revision_number != self.base_revision_number

    @property
    def rationale_markup(self) -> Markup:
        return stored_markup(self.rationale_html, self.html_version, self.rationale)


keep_rendered(Amendment.rationale, "rationale_html")


class SetAsideReason(StrEnum):
    """Why a vote no longer counts (it is kept, and shown with the reason)."""

    EARLIER_WORDING = "earlier_wording"  # the clause's wording changed after it was cast
    NOT_ELIGIBLE = "not_eligible"  # the voter was deactivated or lost the member/officer role

    @property
    def label(self) -> str:
        return {
            SetAsideReason.EARLIER_WORDING: "cast on an earlier wording",
            SetAsideReason.NOT_ELIGIBLE: "no longer eligible",
        }[self]


class Vote(Base):
    """One person's vote (or declared interest) on a clause or on an amendment.

    One per person per item: unique constraints, and casting is an upsert. A vote on a clause
    records the clause's ``revision_number`` it was cast on (a vote on an amendment is on the
    amendment's own wording). A vote that no longer counts is **set aside**, not deleted:
    ``set_aside_at`` and ``set_aside_reason`` say when and why; casting again replaces it.
    """

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("user_id", "clause_id"),
        UniqueConstraint("user_id", "amendment_id"),
        CheckConstraint("(clause_id IS NULL) <> (amendment_id IS NULL)", name="one_item"),
        CheckConstraint(
            "choice <> 'interest' OR interest_reason IS NOT NULL", name="interest_has_reason"
        ),
        CheckConstraint(
            "(clause_id IS NULL) = (revision_number IS NULL)", name="clause_vote_has_revision"
        ),
        CheckConstraint(
            "(set_aside_at IS NULL) = (set_aside_reason IS NULL)", name="set_aside_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"), index=True)
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id"), index=True)
    choice: Mapped[Choice] = mapped_column(enum_type(Choice, "vote_choice"))
    interest_reason: Mapped[str | None] = mapped_column(String(500))
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)
    revision_number: Mapped[int | None]
    set_aside_at: Mapped[datetime | None]
    set_aside_reason: Mapped[SetAsideReason | None] = mapped_column(
        enum_type(SetAsideReason, "set_aside_reason")
    )

    user: Mapped[User] = relationship()

    @property
    def is_set_aside(self) -> bool:
        return self.set_aside_at is not None


class VotingAction(StrEnum):
    OPENED = "opened"
    CLOSED = "closed"
    RULE_CHANGED = "rule_changed"
    AMENDMENTS_STOPPED = "amendments_stopped"
    AMENDMENTS_RESUMED = "amendments_resumed"


class VotingEvent(Base):
    """Voting opened, closed or re-opened, a rule changed, amendments stopped. Append-only."""

    __tablename__ = "voting_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"))
    action: Mapped[VotingAction] = mapped_column(enum_type(VotingAction, "voting_action"))
    detail: Mapped[str] = mapped_column(String(500), default="")
    # Why voting closed before its announced time (closing early needs a reason).
    reason: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    by: Mapped[User] = relationship()


class Outcome(Base):
    """The result recorded when voting closed on a clause or an amendment. Append-only: a
    re-opened and re-closed vote records a new outcome. ``revision_number`` is the clause
    wording a clause's outcome applies to (None for an amendment's)."""

    __tablename__ = "outcomes"
    __table_args__ = (
        CheckConstraint("(clause_id IS NULL) <> (amendment_id IS NULL)", name="one_item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"), index=True)
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id"), index=True)
    agreed: Mapped[bool]
    tallies: Mapped[dict] = mapped_column(JSON)
    rule: Mapped[dict] = mapped_column(JSON)
    revision_number: Mapped[int | None]
    closed_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Why voting closed before its announced time; None when it closed on or after it.
    close_reason: Mapped[str | None] = mapped_column(Text)

    document: Mapped[Document] = relationship()
    closed_by: Mapped[User] = relationship()
