"""Notifications: the list, marking read, email preferences and unsubscribing."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from app.notifications import routes  # noqa: E402,F401
