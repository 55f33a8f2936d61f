"""The adopted text in public (shared/DOMAIN.md, What is public): once Full Council adopts a
document, its adopted version, the adoption date, Full Council's minute reference and the hash
are readable without signing in, and downloadable as PDF or Word. Nothing else is: no draft, no
discussion, no vote by name, no person's details. Any other document is 404, so an address does
not even tell whether a draft exists."""

from __future__ import annotations

import io

from flask import Blueprint, abort, send_file
from sqlalchemy import select

from app.exports.render import MIME_TYPES, render_export
from app.extensions import db
from app.models import Document, DocumentStatus, DocumentVersion
from app.rendering import render

bp = Blueprint("public", __name__, url_prefix="/public")

FORMATS = {"pdf": "PDF", "docx": "Word"}


def _adopted(slug: str) -> tuple[Document, DocumentVersion]:
    """The adopted document with ``slug`` and its adopted version; 404 for anything else."""
    document = db.session.scalar(
        select(Document).where(
            Document.slug == slug,
            Document.status == DocumentStatus.ADOPTED,
            Document.adopted_version_id.is_not(None),
        )
    )
    if document is None or document.adopted_version_id is None:
        abort(404)
    return document, db.session.get_one(DocumentVersion, document.adopted_version_id)


@bp.get("/")
def index():
    """Every adopted document."""
    documents = db.session.scalars(
        select(Document)
        .where(Document.status == DocumentStatus.ADOPTED, Document.adopted_version_id.is_not(None))
        .order_by(Document.title)
    ).all()
    return render("public/index.html", documents=documents)


@bp.get("/<slug>")
def show(slug: str):
    """The adopted text, with the adoption date, the minute reference and the hash."""
    document, version = _adopted(slug)
    return render("public/show.html", document=document, version=version, formats=FORMATS)


@bp.get("/<slug>/download.<fmt>")
def download(slug: str, fmt: str):
    """The adopted text as a PDF or Word file (no annexes: they name voters)."""
    from app.exports.build import build_model  # when one is made

    if fmt not in FORMATS:
        abort(404)
    document, version = _adopted(slug)
    model = build_model(
        document,
        version=version,
        agreed_only=False,
        include_annexes=False,
        clause_statuses=False,
    )
    body = render_export(model, fmt)
    data = body.encode() if isinstance(body, str) else body
    response = send_file(
        io.BytesIO(data),
        mimetype=MIME_TYPES[fmt],
        as_attachment=True,
        download_name=f"{document.slug}-adopted-v{version.number}.{fmt}",
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-cache"
    return response
