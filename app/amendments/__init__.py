"""Amendments to clauses, and facilitators' direct edits and the clause history."""

from flask import Blueprint

bp = Blueprint("amendments", __name__)

from app.amendments import routes  # noqa: E402,F401
