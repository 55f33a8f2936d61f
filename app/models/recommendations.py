"""The recommendations the Accord answers: Culture Review (a–z, no i) and the CPC (a–l)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow
from app.models.people import User


def chip_label(short_name: str, letter: str) -> str:
    """A recommendation's short name on chips: its source's short name and its letter
    ('CR g', 'CPC d')."""
    return f"{short_name} {letter}"


class RecommendationSource(Base):
    """A report whose recommendations the council answers, e.g. the Culture Review 2019."""

    __tablename__ = "recommendation_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    short_name: Mapped[str] = mapped_column(String(12), unique=True, doc="'CR', 'CPC'")
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(255), default="")
    position: Mapped[int] = mapped_column(default=0)

    recommendations: Mapped[list[Recommendation]] = relationship(
        back_populates="source", order_by="Recommendation.letter"
    )


class Recommendation(Base):
    """One lettered recommendation, with the council's response to it.

    ``version`` goes up by one with every change of wording (text, theme, response or
    timescale); an edit form carries the version it was loaded at, so a change saved meanwhile
    is never overwritten. Earlier wordings are kept in RecommendationRevision. A retired
    recommendation stays where it is linked but is offered for no new link.
    """

    __tablename__ = "recommendations"
    __table_args__ = (
        UniqueConstraint("source_id", "letter"),
        CheckConstraint("version > 0", name="positive_version"),
        CheckConstraint(
            "(retired_at IS NULL) = (retirement_reason IS NULL)", name="retired_with_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("recommendation_sources.id"), index=True)
    letter: Mapped[str] = mapped_column(String(4))
    text: Mapped[str] = mapped_column(Text)
    theme: Mapped[str] = mapped_column(String(255), default="")
    response: Mapped[str] = mapped_column(Text, default="")
    timescale: Mapped[str | None] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(default=1)
    retired_at: Mapped[datetime | None]
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    retirement_reason: Mapped[str | None] = mapped_column(Text)
    # When it was added to Accord (search dates one never revised by it). Nullable in the
    # schema only because migration 0029 adds it without rebuilding the searched table.
    created_at: Mapped[datetime | None] = mapped_column(default=utcnow)

    source: Mapped[RecommendationSource] = relationship(back_populates="recommendations")
    retired_by: Mapped[User | None] = relationship()
    revisions: Mapped[list[RecommendationRevision]] = relationship(
        back_populates="recommendation", order_by="RecommendationRevision.number"
    )

    @property
    def label(self) -> str:
        """The short name used on chips: 'CR g', 'CPC d'."""
        return chip_label(self.source.short_name, self.letter)

    @property
    def full_label(self) -> str:
        """The long name: 'Culture Review 2019, recommendation g'."""
        return f"{self.source.name}, recommendation {self.letter}"

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class RecommendationRevision(Base):
    """One wording of a recommendation. Append-only: database triggers refuse updates and
    deletes. The first row is written at the first change and keeps the wording until then."""

    __tablename__ = "recommendation_revisions"
    __table_args__ = (UniqueConstraint("recommendation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), index=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    theme: Mapped[str] = mapped_column(String(255), default="")
    response: Mapped[str] = mapped_column(Text, default="")
    timescale: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recommendation: Mapped[Recommendation] = relationship(back_populates="revisions")
    created_by: Mapped[User | None] = relationship()
