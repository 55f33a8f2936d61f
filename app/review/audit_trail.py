"""The audit trail: every recorded action, filterable, and the recorded history of one object."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import abort, request
from flask_login import current_user
from sqlalchemy import select

from app.boundaries import as_whole_number
from app.extensions import db
from app.models import (
    AgendaProposal,
    Amendment,
    AuditEvent,
    Clause,
    Comment,
    Discussion,
    Document,
    DocumentVersion,
    JointSession,
    ListEntry,
    Recommendation,
    RecommendationSource,
    ReviewNote,
    SessionAction,
    User,
)
from app.pagination import paginate
from app.permissions import can_see_audit, require
from app.rendering import render
from app.review.blueprint import bp
from app.services import audit, leavers

AUDIT_PAGE_SIZE = 50


def _parse_day(value: str | None, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


@bp.get("/audit")
def audit_trail():
    """Every recorded action, filterable by person, document, action and date; paginated."""
    require(can_see_audit(current_user))
    filters = {
        key: request.args.get(key, "").strip()
        for key in ("person", "document", "action", "from", "to")
    }
    query = select(AuditEvent)
    former = leavers.former_identifiers()
    if filters["person"]:
        query = query.where(leavers.shown_as_person(filters["person"], former))
    if (document_id := as_whole_number(filters["document"])) is not None:
        query = query.where(AuditEvent.document_id == document_id)
    if filters["action"]:
        query = query.where(AuditEvent.action == filters["action"])
    start, end = _parse_day(filters["from"]), _parse_day(filters["to"], end=True)
    if start:
        query = query.where(AuditEvent.at >= start)
    if end:
        query = query.where(AuditEvent.at <= end)
    found = paginate(
        query.order_by(AuditEvent.id.desc()), request.args.get("page", type=int), AUDIT_PAGE_SIZE
    )
    documents = db.session.scalars(select(Document).order_by(Document.title)).all()
    actions = db.session.scalars(
        select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()
    invalid_dates = [key for key in ("from", "to") if filters[key] and not _parse_day(filters[key])]
    checkpoints = audit.latest_checkpoints()
    return render(
        "review/audit.html",
        checkpoints=checkpoints,
        in_trail=audit.present_hashes(point.head_hash for point in checkpoints),
        head=audit.head(),
        events=leavers.displayed(found.items, former),
        filters=filters,
        page=found.number,
        pages=found.pages,
        total=found.total,
        documents=documents,
        actions=actions,
        invalid_dates=invalid_dates,
    )


# The kinds of object the trail records (``audit.record``'s ``object_type``) that have a row
# of their own, by model: one with nothing recorded yet (a clause the seed loaded, a person
# added by the command line) has an empty history, not "Page not found".
_OBJECT_MODELS = {
    "action": SessionAction,
    "amendment": Amendment,
    "clause": Clause,
    "comment": Comment,
    "discussion": Discussion,
    "document": Document,
    "list_entry": ListEntry,
    "person": User,
    "proposal": AgendaProposal,
    "recommendation": Recommendation,
    "recommendation_source": RecommendationSource,
    "review_note": ReviewNote,
    "session": JointSession,
    "version": DocumentVersion,
}


def _exists(object_type: str, object_id: int) -> bool:
    model = _OBJECT_MODELS.get(object_type)
    return model is not None and db.session.get(model, object_id) is not None


@bp.get("/audit/<object_type>/<int:object_id>")
def object_history(object_type: str, object_id: int):
    """The recorded history of one object: a clause, a comment, a document, a person..."""
    require(can_see_audit(current_user))
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
        .order_by(AuditEvent.id)
    ).all()
    if not events and not _exists(object_type, object_id):
        abort(404)
    return render(
        "review/object_history.html",
        events=leavers.displayed(events),
        object_type=object_type,
        object_id=object_id,
    )
