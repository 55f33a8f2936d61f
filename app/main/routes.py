from __future__ import annotations

from flask import Blueprint, current_app
from flask_login import current_user
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models import Clause, Document, DocumentKind
from app.permissions import readable_documents
from app.rendering import render

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """The documents a person can read, grouped by kind."""
    documents = db.session.scalars(
        readable_documents(current_user).order_by(Document.kind, Document.title)
    ).all()
    clause_counts = dict(
        db.session.execute(
            select(Clause.document_id, func.count())
            .where(Clause.retired_at.is_(None))
            .group_by(Clause.document_id)
        ).all()
    )
    by_kind = {kind: [d for d in documents if d.kind == kind] for kind in DocumentKind}
    return render("main/home.html", by_kind=by_kind, clause_counts=clause_counts)


@bp.get("/healthz")
def healthz():
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200
