"""Plain functions that change state. They never commit: the route does, once per request.

Every service enforces the document, discussion and voting state it needs and raises a
``DomainError`` subclass when the state forbids the change. Each error carries the HTTP status
it maps to; ``app.errors`` turns an uncaught one into the error banner (htmx) or a flash and a
303 back to the page the form was on (plain forms), so routes do not pre-check states.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from app.extensions import db
from app.models import Clause, Document, DocumentStatus
from app.rules import EDITABLE_STATUSES
from app.text import same_text


class DomainError(Exception):
    """A rule of the domain refused the change; the message is for the person who asked.

    ``status`` is the HTTP status the refusal maps to: 422 (the request itself is wrong) unless
    a subclass says otherwise.
    """

    status: int = 422
    # The message itself says that nothing was recorded: the error page adds no "Nothing was
    # changed." to it (``app.errors.domain_error_response``).
    says_nothing_recorded: bool = False
    # Where to go from the error page (label, address), added by the route that knows.
    links: Sequence[tuple[str, str]] = ()


class Forbidden(DomainError):
    """The person may not do this to this object (403), e.g. withdraw someone else's amendment."""

    status = 403


class Conflict(DomainError):
    """The object's state forbids the change (409): the document has moved on, voting has
    closed, someone else changed it first."""

    status = 409


class SentAgainChanged(Conflict):
    """A form's one-time key (``submission_key``) was used already, and the form now carries
    other words (409): back, edit, send again. What the first sending made stands; the new
    words are not saved, and the error page shows them to copy (``app.errors.typed_text``),
    rather than a redirect as if they had been posted."""

    says_nothing_recorded = True

    def __init__(self, made: str):
        """``made`` names what the first sending made ("the comment")."""
        super().__init__(
            f"This form was already sent, and {made} it sent then is kept. This time it "
            "carried other words, which were not saved: copy them from below and send them "
            "again from a new form."
        )


def require_sent_unchanged(sent: Iterable[tuple[str | None, str | None]], made: str) -> None:
    """For a form sent again with a used key: each ``(what the first sending kept, what this
    one carries)`` pair says the same (``app.text.same_text``), else SentAgainChanged naming
    ``made`` ("the comment")."""
    if not all(same_text(kept, carried) for kept, carried in sent):
        raise SentAgainChanged(made)


class Gone(DomainError):
    """The object has been retired or withdrawn and takes no more changes (410)."""

    status = 410


class Invalid(DomainError):
    """What was asked for is not possible as given (422): a position beyond the end, a date in
    the past."""

    status = 422


class DocumentNotOpen(Conflict):
    """The document is not Open for comment, so Members and Officers cannot take part (409)."""


class DocumentNotEditable(Conflict):
    """The document's state forbids changing its text or record (409): from Submitted onwards
    only the committee's decision and the administrator's adoption change a document
    (shared/DOMAIN.md, "What a vote means"). Raised by ``require_editable`` and
    ``locks.lock_editable``."""

    def __init__(
        self,
        document: Document,
        status: DocumentStatus | None = None,
        refusal: str | None = None,
    ):
        status = status or document.status
        message = f"The {document.whole_noun} is {status.label}, so it can no longer change."
        super().__init__(document.worded(f"{refusal} {message}") if refusal else message)
        self.document, self.document_status = document, status


class ClauseRetired(Gone):
    """The clause (or agenda item) is retired: its history is kept to be read, and it takes
    nothing new until reinstated (410)."""

    def __init__(self, clause: Clause, message: str | None = None):
        """``message`` is written of a clause; an agenda's item says "agenda item"."""
        message = message or "This clause is retired. Reinstate it first."
        super().__init__(clause.document.worded(message))
        self.clause = clause


class ReasonNeeded(Invalid):
    """A change that must say why was asked for without a reason (422)."""


def require_open(document: Document, refusal: str) -> None:
    """Raise DocumentNotOpen(``refusal``) unless the document is Open for comment."""
    if document.status != DocumentStatus.OPEN:
        raise DocumentNotOpen(
            document.worded(f"{refusal} The {document.whole_noun} is now: {document.status.label}.")
        )


def require_editable(document: Document, refusal: str | None = None) -> None:
    """Raise DocumentNotEditable unless the document is Draft, Open or Closed, as it was
    loaded: for a page deciding what to offer and a route refusing early, or a service that
    has already taken the document's lock. A write checks with ``locks.lock_editable``, under
    the document's row lock, so that it cannot land after a submission it raced."""
    if document.status not in EDITABLE_STATUSES:
        raise DocumentNotEditable(document, refusal=refusal)


def require_live(clause: Clause | None, refusal: str | None = None) -> None:
    """Raise ClauseRetired (with ``refusal`` as its message, if given) when the clause is
    retired."""
    if clause is not None and clause.retired_at is not None:
        raise ClauseRetired(clause, refusal)


class Unchanged(Invalid):
    """An edit that would change nothing (422): nothing is written, and the form says so by
    the field (a no-op edit is not a new wording, revision or audit event)."""


def insert_or(model):
    """An INSERT into ``model`` that can say ON CONFLICT DO NOTHING/UPDATE: PostgreSQL's or
    SQLite's, for the database in use. (Imported here: the PostgreSQL dialect's package costs
    30 ms to import, which a command on SQLite never needs.)"""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(model)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(model)
