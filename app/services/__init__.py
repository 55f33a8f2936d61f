"""Plain functions that change state. They never commit: the route does, once per request.

Every service enforces the document, discussion and voting state it needs and raises a
``DomainError`` subclass when the state forbids the change. Each error carries the HTTP status
it maps to; ``app.errors`` turns an uncaught one into the error banner (htmx) or a flash and a
303 back to the page the form was on (plain forms), so routes do not pre-check states.
"""

from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


class DomainError(Exception):
    """A rule of the domain refused the change; the message is for the person who asked.

    ``status`` is the HTTP status the refusal maps to: 422 (the request itself is wrong) unless
    a subclass says otherwise.
    """

    status: int = 422


class Forbidden(DomainError):
    """The person may not do this to this object (403), e.g. withdraw someone else's amendment."""

    status = 403


class Conflict(DomainError):
    """The object's state forbids the change (409): the document has moved on, voting has
    closed, someone else changed it first."""

    status = 409


class Gone(DomainError):
    """The object has been retired or withdrawn and takes no more changes (410)."""

    status = 410


class Invalid(DomainError):
    """What was asked for is not possible as given (422): a position beyond the end, a date in
    the past."""

    status = 422


class Unchanged(Invalid):
    """An edit that would change nothing (422): nothing is written, and the form says so by
    the field (a no-op edit is not a new wording, revision or audit event)."""


def insert_or(model):
    """An INSERT into ``model`` that can say ON CONFLICT DO NOTHING/UPDATE: PostgreSQL's or
    SQLite's, for the database in use."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)
