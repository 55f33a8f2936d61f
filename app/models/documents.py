"""Documents (the Accord, the Protocol, agendas), their clauses and the clauses' revisions."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
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

from app.markdown import keep_rendered, stored_markup
from app.models.base import Base, enum_type, utcnow
from app.models.people import User
from app.models.recommendations import Recommendation

# "clause", "Clause", "clauses", "clause's", with "a" before it when there is one.
_CLAUSE_WORD = re.compile(r"\b(?:([Aa]) )?([Cc])lause(s?)\b")
_DOCUMENT_WORD = re.compile(r"\b(?:(the|The|this|This) )([Dd])ocument\b")


def reworded(text: str, noun: str, whole: str = "document") -> str:
    """``text`` with each "clause" called ``noun`` (a document's ``item_noun``: "agenda item"
    on an agenda), keeping its capital letter, its plural and a fitting "a" or "an" before it:
    "Add a clause" → "Add an agenda item", "Clauses" → "Agenda items"; and "the document" or
    "this document" called by ``whole`` ("the agenda")."""
    if whole != "document":
        text = _DOCUMENT_WORD.sub(
            lambda m: f"{m.group(1)} {whole.capitalize() if m.group(2) == 'D' else whole}", text
        )
    if noun == "clause":
        return text

    def word(match: re.Match[str]) -> str:
        article, capital, plural = match.groups()
        name = noun + plural
        if capital == "C":
            name = name[:1].upper() + name[1:]
        if article is None:
            return name
        an = "n" if name[:1].lower() in "aeiou" else ""
        return f"{article}{an} {name}"

    return _CLAUSE_WORD.sub(word, text)


class DocumentKind(StrEnum):
    ACCORD = "accord"
    PROTOCOL = "protocol"
    AGENDA = "agenda"

    @property
    def label(self) -> str:
        return {
            DocumentKind.ACCORD: "Ways of Working Accord",
            DocumentKind.PROTOCOL: "Member/Officer Protocol",
            DocumentKind.AGENDA: "Themed joint session agenda",
        }[self]

    @property
    def item_noun(self) -> str:
        """What pages call a document's parts: "agenda item" on an agenda, else "clause"
        (shared/DOMAIN.md, Words)."""
        return "agenda item" if self == DocumentKind.AGENDA else "clause"

    @property
    def short_item_noun(self) -> str:
        """The noun before a number, as in "item 3" or "clause 4A"."""
        return "item" if self == DocumentKind.AGENDA else "clause"

    @property
    def whole_noun(self) -> str:
        """What pages call the document as a whole: "agenda" or "document"."""
        return "agenda" if self == DocumentKind.AGENDA else "document"

    def worded(self, text: str) -> str:
        """``text``, written of clauses and "the document", in this kind's words ("agenda
        item", "the agenda" on an agenda; see ``reworded``)."""
        return reworded(text, self.item_noun, self.whole_noun)


class DocumentStatus(StrEnum):
    """Draft → Open for comment → Closed → Submitted → Recommended to Full Council → Adopted."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    SUBMITTED = "submitted"
    RECOMMENDED = "recommended"
    ADOPTED = "adopted"

    @property
    def label(self) -> str:
        return {
            DocumentStatus.DRAFT: "Draft",
            DocumentStatus.OPEN: "Open for comment",
            DocumentStatus.CLOSED: "Closed",
            DocumentStatus.SUBMITTED: "Submitted to Standards Committee",
            DocumentStatus.RECOMMENDED: "Recommended to Full Council",
            DocumentStatus.ADOPTED: "Adopted",
        }[self]

    @property
    def in_a_sentence(self) -> str:
        """The label inside a sentence: its first letter lower case, the names of the
        Standards Committee and Full Council kept as they are ("submitted to the Standards
        Committee")."""
        label = self.label.replace("to Standards Committee", "to the Standards Committee")
        return label[0].lower() + label[1:]

    @property
    def tag_colour(self) -> str:
        """The GOV.UK tag modifier for the status."""
        return {
            DocumentStatus.DRAFT: "grey",
            DocumentStatus.OPEN: "green",
            DocumentStatus.CLOSED: "yellow",
            DocumentStatus.SUBMITTED: "blue",
            DocumentStatus.RECOMMENDED: "purple",
            DocumentStatus.ADOPTED: "turquoise",
        }[self]


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_type(DocumentKind, "document_kind"))
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[DocumentStatus] = mapped_column(
        enum_type(DocumentStatus, "document_status"), default=DocumentStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Change marker for discussions on the document as a whole (see Clause.activity).
    activity: Mapped[int] = mapped_column(default=0)
    # Voting: opened and closed by a facilitator while the document is Open for comment.
    voting_open: Mapped[bool] = mapped_column(default=False)
    # When the facilitator means to close voting, if they said (reminders go out 24 hours before).
    voting_closes_at: Mapped[datetime | None]
    amendments_stopped: Mapped[bool] = mapped_column(default=False)
    # The agreement rule (shared/DOMAIN.md): support above oppose on each side, with at least
    # this percentage of each side's eligible voters taking part.
    member_turnout_percent: Mapped[int] = mapped_column(default=25)
    officer_turnout_percent: Mapped[int] = mapped_column(default=25)
    # The published version under review by the Standards Committee, or adopted.
    submitted_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_versions.id", use_alter=True, name="fk_documents_submitted_version")
    )
    adopted_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_versions.id", use_alter=True, name="fk_documents_adopted_version")
    )
    full_council_date: Mapped[date | None]
    # Full Council's minute reference for the adoption ("FC 34/19"), shown on the public page.
    full_council_minute: Mapped[str | None] = mapped_column(String(100))
    referral_reasons: Mapped[str | None] = mapped_column(Text)

    # The live clauses, in order: what the document's text, numbering, versions, exports and
    # voting are made of. Read-only; ``all_clauses`` also holds the retired ones.
    clauses: Mapped[list[Clause]] = relationship(
        primaryjoin="and_(Document.id == Clause.document_id, Clause.retired_at.is_(None))",
        order_by="Clause.position",
        viewonly=True,
    )
    all_clauses: Mapped[list[Clause]] = relationship(
        back_populates="document", order_by="Clause.position"
    )

    @property
    def item_noun(self) -> str:
        """What pages call the document's parts: "agenda item" on an agenda, else "clause"."""
        return DocumentKind(self.kind).item_noun

    @property
    def item_noun_plural(self) -> str:
        """ "agenda items" or "clauses"."""
        return f"{self.item_noun}s"

    @property
    def short_item_noun(self) -> str:
        """The noun before a number, as in "item 3" or "clause 4A"."""
        return DocumentKind(self.kind).short_item_noun

    def worded(self, text: str) -> str:
        """``text``, written of clauses, in this document's words ("agenda item" on an agenda;
        see ``DocumentKind.worded``): how a refusal or a form speaks of its parts."""
        return DocumentKind(self.kind).worded(text)

    @property
    def whole_noun(self) -> str:
        """What pages call the document as a whole: "agenda" or "document"."""
        return DocumentKind(self.kind).whole_noun

    @property
    def is_voting_overdue(self) -> bool:
        """Voting is still open after the time the facilitator said it would close: it does
        not close by itself (a facilitator closes it and the results are recorded then)."""
        return (
            self.voting_open
            and self.voting_closes_at is not None
            and self.voting_closes_at <= utcnow()
        )


clause_recommendations = Table(
    "clause_recommendations",
    Base.metadata,
    Column("clause_id", ForeignKey("clauses.id", ondelete="CASCADE"), primary_key=True),
    Column("recommendation_id", ForeignKey("recommendations.id"), primary_key=True),
)


class Clause(Base):
    """A numbered part of a document (for an agenda, an agenda item).

    ``heading``, ``body`` and ``revision_number`` repeat the newest ClauseRevision so that a
    document page reads its clauses without joining their history; only
    ``app.services.clauses.revise_clause`` writes them, together with the revision.

    ``position`` orders every clause of the document, retired ones too (so a reinstated clause
    returns to its place); ``number`` is worked out from the order of the live clauses by
    ``app.services.clauses.renumber`` unless ``number_fixed``. Numbers address clauses in
    URLs, so they are unique per document: a retired clause gives its number up and is
    addressed as ``retired-<id>``.
    """

    __tablename__ = "clauses"
    __table_args__ = (
        UniqueConstraint("document_id", "position"),
        UniqueConstraint("document_id", "number"),
        CheckConstraint(
            "retired_at IS NULL OR retired_reason IS NOT NULL", name="retired_with_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    position: Mapped[int]
    number: Mapped[str] = mapped_column(String(20))
    number_fixed: Mapped[bool] = mapped_column(default=False)  # set by hand, e.g. "4A"
    heading: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # ``body`` as sanitised HTML, made when it is written (``app.markdown.keep_rendered``).
    body_html: Mapped[str | None] = mapped_column(Text)
    html_version: Mapped[int] = mapped_column(server_default="0")
    revision_number: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Goes up by one whenever anything a watcher of the clause sees changes: live pages poll it.
    activity: Mapped[int] = mapped_column(default=0)
    voting_closed_at: Mapped[datetime | None]  # closed for this clause alone
    amendments_stopped: Mapped[bool] = mapped_column(default=False)
    # A clause that came out of a session agenda item (its outcome), if any.
    from_agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"))
    # A retired clause has left the document's text, numbering, versions and voting; its
    # history, discussions and votes are kept, and it can be reinstated.
    retired_at: Mapped[datetime | None]
    retired_reason: Mapped[str | None] = mapped_column(Text)
    retired_number: Mapped[str | None] = mapped_column(String(20))  # its number when retired
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    document: Mapped[Document] = relationship(back_populates="all_clauses")
    revisions: Mapped[list[ClauseRevision]] = relationship(
        back_populates="clause", order_by="ClauseRevision.number"
    )
    recommendations: Mapped[list[Recommendation]] = relationship(
        secondary=clause_recommendations, order_by=Recommendation.letter
    )
    retired_by: Mapped[User | None] = relationship(foreign_keys=[retired_by_id])

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    @property
    def item_noun(self) -> str:
        """What pages call it: "agenda item" on an agenda, else "clause" (shared/DOMAIN.md,
        Words)."""
        return self.document.item_noun

    @property
    def short_name(self) -> str:
        """How a sentence names it: "clause 4A", "item 3", or "retired clause (was 3)" (a
        retired one has no number of its own)."""
        noun = self.document.short_item_noun
        if self.is_retired:
            return f"retired {noun} (was {self.retired_number})"
        return f"{noun} {self.number}"

    @property
    def body_markup(self) -> Markup:
        return stored_markup(self.body_html, self.html_version, self.body)


keep_rendered(Clause.body, "body_html")


class PassageAnchor:
    """Where a passage suggestion (an Amendment) or a passage comment (a Discussion) points in
    its clause's Markdown source (``app.services.passages`` says how anchors are found).

    The selector as it was made, on wording ``passage_revision_number``: the quoted words with
    up to 32 characters before and after them (the W3C Web Annotation TextQuoteSelector) and
    their offsets (TextPositionSelector, characters, end exclusive). ``anchor_*`` is where the
    passage was re-found in wording ``anchor_revision_number``: after each new wording it is
    looked for again, and when it cannot be re-found ``anchor_start``/``anchor_end`` are None
    (shown as "on an earlier wording", never moved elsewhere). A row with no ``passage_quote``
    is about the clause as a whole."""

    passage_quote: Mapped[str | None] = mapped_column(Text)
    passage_prefix: Mapped[str | None] = mapped_column(String(64))
    passage_suffix: Mapped[str | None] = mapped_column(String(64))
    passage_start: Mapped[int | None]
    passage_end: Mapped[int | None]
    passage_revision_number: Mapped[int | None]
    anchor_revision_number: Mapped[int | None]
    anchor_start: Mapped[int | None]
    anchor_end: Mapped[int | None]

    if TYPE_CHECKING:
        clause: Any

    @property
    def is_passage(self) -> bool:
        """About a passage of the clause, not the clause as a whole."""
        return self.passage_quote is not None

    @property
    def is_anchored(self) -> bool:
        """A passage re-found in the clause's current wording."""
        return (
            self.is_passage
            and self.anchor_start is not None
            and self.clause is not None
            and self.anchor_revision_number == self.clause.revision_number
        )

    @property
    def is_on_earlier_wording(self) -> bool:
        """A passage that could not be re-found in the clause's current wording."""
        return self.is_passage and not self.is_anchored


PASSAGE_CHECK = "passage_quote IS NULL OR (passage_start >= 0 AND passage_end > passage_start)"


class ClauseRevision(Base):
    """One wording of a clause. Append-only: database triggers refuse updates and deletes."""

    __tablename__ = "clause_revisions"
    __table_args__ = (UniqueConstraint("clause_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"), index=True)
    number: Mapped[int]
    heading: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    clause: Mapped[Clause] = relationship(back_populates="revisions")
    created_by: Mapped[User | None] = relationship()
