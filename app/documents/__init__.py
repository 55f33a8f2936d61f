"""Reading documents and their clauses; creating documents and managing their clauses."""

from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/documents")

from app.documents import manage, routes  # noqa: E402,F401
