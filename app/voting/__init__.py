"""Votes, declared interests, and facilitators' control of voting and the agreement rule."""

from flask import Blueprint

bp = Blueprint("voting", __name__)

from app.voting import routes  # noqa: E402,F401
