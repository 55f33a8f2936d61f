"""The Culture Review and Corporate Peer Challenge recommendations."""

from flask import Blueprint

bp = Blueprint("recommendations", __name__, url_prefix="/recommendations")

from app.recommendations import admin, routes  # noqa: E402,F401
