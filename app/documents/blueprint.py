"""The documents blueprint, which ``manage`` and ``routes`` add their views to."""

from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/documents")
