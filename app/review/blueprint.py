"""The review blueprint, which ``versions``, ``moves``, ``committee`` and ``audit_trail`` add
their views to."""

from flask import Blueprint

bp = Blueprint("review", __name__)
