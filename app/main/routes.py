from __future__ import annotations

from flask import Blueprint, current_app
from flask_login import current_user
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from app import observability
from app.extensions import db, limiter
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


def _throttle_reachable() -> bool:
    """Whether the sign-in throttle's storage (Redis in production) answers."""
    try:
        return bool(limiter.storage.check())
    except Exception:  # limits' storages raise their client's own errors from check()
        current_app.logger.exception("health check: throttle storage unreachable")
        return False


@bp.get("/metrics")
def metrics():
    """Prometheus' text format, for the bearer token or networks the settings allow
    (app/observability.py); 404 when neither is set."""
    return observability.metrics_response()


@bp.get("/healthz")
def healthz():
    """For load balancers, as JSON: ``status`` ``ok`` (200), ``degraded`` (200: the throttle's
    storage is unreachable, so sign-in is refused but signed-in people are served) or
    ``unavailable`` (503: the database is unreachable); ``database`` and ``throttle`` say
    ``ok`` or ``unreachable``."""
    throttle = "ok" if _throttle_reachable() else "unreachable"
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable", "throttle": throttle}, 503
    status = "ok" if throttle == "ok" else "degraded"
    return {"status": status, "database": "ok", "throttle": throttle}, 200
