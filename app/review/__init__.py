"""Versions, moving documents through their states, the Standards Committee's review, and the
audit trail."""

from flask import Blueprint

bp = Blueprint("review", __name__)

from app.review import routes  # noqa: E402,F401
