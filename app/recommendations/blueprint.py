"""The recommendations blueprint, which ``admin`` and ``routes`` add their views to."""

from flask import Blueprint

bp = Blueprint("recommendations", __name__, url_prefix="/recommendations")
