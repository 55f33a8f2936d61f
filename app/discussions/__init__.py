"""Discussions on clauses and documents: comments, replies, moderation, live updates."""

from flask import Blueprint

bp = Blueprint("discussions", __name__)

from app.discussions import routes  # noqa: E402,F401
