"""Plain functions that change state. They never commit: the route does, once per request."""

from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


class DomainError(Exception):
    """A rule of the domain refused the change; the message is for the person who asked."""


def insert_or(model):
    """An INSERT into ``model`` that can say ON CONFLICT DO NOTHING/UPDATE: PostgreSQL's or
    SQLite's, for the database in use."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)
