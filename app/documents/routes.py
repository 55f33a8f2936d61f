from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.documents import bp
from app.extensions import db
from app.models import Clause, Document, Recommendation
from app.permissions import can_read_document, require
from app.rendering import render


@bp.get("/<slug>")
def show(slug: str):
    """A document's clauses in order, each with the recommendations it answers."""
    document = db.first_or_404(select(Document).where(Document.slug == slug))
    require(can_read_document(current_user, document))
    clauses = db.session.scalars(
        select(Clause)
        .where(Clause.document_id == document.id)
        .order_by(Clause.position)
        .options(selectinload(Clause.recommendations).joinedload(Recommendation.source))
    ).all()
    return render("documents/show.html", document=document, clauses=clauses)
