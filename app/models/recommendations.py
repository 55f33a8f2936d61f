"""The recommendations the Accord answers: Culture Review (a–z, no i) and the CPC (a–l)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base


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
    """One lettered recommendation, with the council's response to it."""

    __tablename__ = "recommendations"
    __table_args__ = (UniqueConstraint("source_id", "letter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("recommendation_sources.id"), index=True)
    letter: Mapped[str] = mapped_column(String(4))
    text: Mapped[str] = mapped_column(Text)
    theme: Mapped[str] = mapped_column(String(255), default="")
    response: Mapped[str] = mapped_column(Text, default="")
    timescale: Mapped[str | None] = mapped_column(String(255))

    source: Mapped[RecommendationSource] = relationship(back_populates="recommendations")

    @property
    def label(self) -> str:
        """The short name used on chips: 'CR g', 'CPC d'."""
        return f"{self.source.short_name} {self.letter}"

    @property
    def full_label(self) -> str:
        """The long name: 'Culture Review 2019, recommendation g'."""
        return f"{self.source.name}, recommendation {self.letter}"
