"""Adding clauses and revising their wording; every wording is kept as a ClauseRevision."""

from __future__ import annotations

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Clause, ClauseRevision, Document, Recommendation, User
from app.services import audit


def add_clause(
    document: Document,
    heading: str,
    body: str,
    *,
    by: User | None,
    recommendations: list[Recommendation] = (),
    reason: str = "First wording",
) -> Clause:
    """Append a clause at the end of ``document``, numbered after the last one."""
    last = db.session.scalar(
        select(func.max(Clause.position)).where(Clause.document_id == document.id)
    )
    position = (last or 0) + 1
    clause = Clause(
        document=document,
        position=position,
        number=str(position),
        heading=heading,
        body=body,
        revision_number=1,
        recommendations=list(recommendations),
    )
    db.session.add(clause)
    db.session.add(
        ClauseRevision(
            clause=clause, number=1, heading=heading, body=body, reason=reason, created_by=by
        )
    )
    return clause


def revise_clause(
    clause: Clause, heading: str, body: str, *, by: User | None, reason: str
) -> ClauseRevision:
    """Give ``clause`` a new wording, keeping every earlier one."""
    before = {"heading": clause.heading, "body": clause.body, "revision": clause.revision_number}
    revision = ClauseRevision(
        clause=clause,
        number=clause.revision_number + 1,
        heading=heading,
        body=body,
        reason=reason,
        created_by=by,
    )
    db.session.add(revision)
    clause.heading, clause.body, clause.revision_number = heading, body, revision.number
    audit.record(
        "clause.revised",
        actor=by,
        object_type="clause",
        object_id=clause.id,
        document_id=clause.document_id,
        summary=f"Clause {clause.number} has wording {revision.number}: {reason}",
        before=before,
        after={"heading": heading, "body": body, "revision": revision.number},
    )
    touch_clause(clause)
    return revision


def touch_clause(clause: Clause) -> None:
    """Something a watcher of the clause sees changed: raise its change marker."""
    db.session.execute(
        update(Clause).where(Clause.id == clause.id).values(activity=Clause.activity + 1)
    )
