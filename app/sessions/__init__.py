"""Themed joint sessions: agendas built together, attendance, outcomes and actions."""

from flask import Blueprint

bp = Blueprint("sessions", __name__)

from app.sessions import routes  # noqa: E402,F401
