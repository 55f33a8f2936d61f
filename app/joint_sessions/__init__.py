"""Themed joint sessions: agendas built together, attendance, outcomes and actions."""

from flask import Blueprint

bp = Blueprint("joint_sessions", __name__)

from app.joint_sessions import routes  # noqa: E402,F401
