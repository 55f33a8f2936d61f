"""Themed joint sessions of Members and Officers, their agendas, attendance and actions."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, enum_type, utcnow
from app.models.documents import Clause, Document
from app.models.people import User
from app.models.recommendations import Recommendation


class Audience(StrEnum):
    BOTH = "both"
    MEMBERS = "members"
    OFFICERS = "officers"
    CABINET = "cabinet"  # Policy Cabinet: Cabinet Members and senior Officers

    @property
    def label(self) -> str:
        return {
            Audience.BOTH: "Members and Officers",
            Audience.MEMBERS: "Members",
            Audience.OFFICERS: "Officers",
            Audience.CABINET: "Cabinet and senior Officers (Policy Cabinet)",
        }[self]


class Purpose(StrEnum):
    INFORMATION = "information"
    DISCUSSION = "discussion"
    DECISION = "decision"
    WORKSHOP = "workshop"

    @property
    def label(self) -> str:
        return "Workshop" if self == Purpose.WORKSHOP else f"For {self.value}"


class AttendanceAnswer(StrEnum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"

    @property
    def label(self) -> str:
        return {"yes": "Attending", "no": "Not attending", "maybe": "Not sure yet"}[self.value]


class RegisterMark(StrEnum):
    """What the register says of an invited person on the day."""

    PRESENT = "present"
    APOLOGIES = "apologies"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return {"present": "Present", "apologies": "Apologies", "absent": "Absent"}[self.value]


class ProposalStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"


session_recommendations = Table(
    "session_recommendations",
    Base.metadata,
    Column("session_id", ForeignKey("joint_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("recommendation_id", ForeignKey("recommendations.id"), primary_key=True),
)


# The clauses of other documents an agenda item discusses (the item is a clause of the agenda).
agenda_item_clauses = Table(
    "agenda_item_clauses",
    Base.metadata,
    Column("item_clause_id", ForeignKey("clauses.id", ondelete="CASCADE"), primary_key=True),
    Column("clause_id", ForeignKey("clauses.id"), primary_key=True),
)


class JointSession(Base):
    """A themed joint session (or a Policy Cabinet meeting) and its agenda document."""

    __tablename__ = "joint_sessions"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]  # UTC; shown and entered in Europe/London
    ends_at: Mapped[datetime]
    venue: Mapped[str] = mapped_column(String(200))
    is_off_site: Mapped[bool] = mapped_column(default=False)
    audience: Mapped[Audience] = mapped_column(enum_type(Audience, "audience"))
    facilitator_name: Mapped[str] = mapped_column(String(200), default="")
    facilitator_is_external: Mapped[bool] = mapped_column(default=False)
    agenda_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agenda: Mapped[Document] = relationship()
    recommendations: Mapped[list[Recommendation]] = relationship(
        secondary=session_recommendations, order_by=Recommendation.letter
    )

    @property
    def when(self) -> str:
        """'Tuesday 10 December 2026, 6pm to 8pm' in London time; the date is said once
        unless the session ends on another day."""
        return when_text(self.starts_at, self.ends_at)


LONDON = ZoneInfo("Europe/London")


def clock_text(value: datetime | time) -> str:
    """A time of day in GOV.UK style: "9am", "1:30pm", "midday", "midnight"."""
    if value.minute == 0 and value.hour in (0, 12):
        return "midnight" if value.hour == 0 else "midday"  # GOV.UK style
    hour = value.strftime("%I").lstrip("0") or "12"
    minutes = f":{value:%M}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


def _day(value: datetime) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def when_text(starts_at: datetime, ends_at: datetime) -> str:
    """A span of time in words, in London time: 'Tuesday 10 December 2026, 6pm to 8:30pm',
    or both dates when it crosses midnight."""
    start, end = starts_at.astimezone(LONDON), ends_at.astimezone(LONDON)
    if start.date() == end.date():
        return f"{_day(start)}, {clock_text(start)} to {clock_text(end)}"
    return f"{_day(start)}, {clock_text(start)} to {_day(end)}, {clock_text(end)}"


class AgendaItem(Base):
    """What an agenda clause needs beyond a clause: purpose, lead, duration, outcome."""

    __tablename__ = "agenda_items"
    __table_args__ = (CheckConstraint("duration_minutes > 0", name="positive_duration"),)

    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"), primary_key=True)
    purpose: Mapped[Purpose] = mapped_column(enum_type(Purpose, "purpose"))
    lead: Mapped[str] = mapped_column(String(200), default="")
    duration_minutes: Mapped[int]
    outcome: Mapped[str] = mapped_column(Text, default="")

    clause: Mapped[Clause] = relationship(foreign_keys=[clause_id])
    discusses: Mapped[list[Clause]] = relationship(
        secondary=agenda_item_clauses,
        primaryjoin="AgendaItem.clause_id == agenda_item_clauses.c.item_clause_id",
        secondaryjoin="Clause.id == agenda_item_clauses.c.clause_id",
        order_by="(Clause.document_id, Clause.position)",
    )


class AgendaProposal(Base):
    """An item a Member or Officer proposes for the agenda; a facilitator accepts or declines."""

    __tablename__ = "agenda_proposals"
    __table_args__ = (CheckConstraint("duration_minutes > 0", name="positive_duration"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("joint_sessions.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    purpose: Mapped[Purpose] = mapped_column(enum_type(Purpose, "proposal_purpose"))
    duration_minutes: Mapped[int]
    proposer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ProposalStatus] = mapped_column(
        enum_type(ProposalStatus, "proposal_status"), default=ProposalStatus.PROPOSED
    )
    decision_reason: Mapped[str | None] = mapped_column(Text)
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposer: Mapped[User] = relationship()


class Attendance(Base):
    """Whether a person will attend a session: one answer per person per session."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("joint_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    answer: Mapped[AttendanceAnswer] = mapped_column(enum_type(AttendanceAnswer, "attendance"))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class RegisterEntry(Base):
    """The register taken on the day: one mark per invited person per session, an upsert."""

    __tablename__ = "session_register"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("joint_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    mark: Mapped[RegisterMark] = mapped_column(enum_type(RegisterMark, "register_mark"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class SessionAction(Base):
    """An action agreed at a session: what, who, by when; open until marked done."""

    __tablename__ = "session_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("joint_sessions.id"), index=True)
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"))
    what: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[JointSession] = relationship()
    clause: Mapped[Clause | None] = relationship()
