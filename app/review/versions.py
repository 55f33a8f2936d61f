"""Published versions of a document: publishing one, reading one, and comparing any two
(or a version and the working text)."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.boundaries import whole_number
from app.comparison import comparison_context
from app.extensions import db
from app.forms import create_once
from app.loaders import get_document_or_404
from app.models import Document, DocumentVersion, Transition
from app.permissions import can_publish_version, require
from app.rendering import render
from app.review.blueprint import bp
from app.review.forms import PublishForm
from app.services import lifecycle, require_editable


def published_version(document: Document, number: int) -> DocumentVersion:
    """The document's published version ``number``; 404 when there is none."""
    version = db.session.scalar(
        select(DocumentVersion).where(
            DocumentVersion.document_id == document.id, DocumentVersion.number == number
        )
    )
    if version is None:
        abort(404)
    return version


def published_versions(document: Document) -> list[DocumentVersion]:
    """The document's published versions, newest first, with who published each."""
    return list(
        db.session.scalars(
            select(DocumentVersion)
            .where(DocumentVersion.document_id == document.id)
            .order_by(DocumentVersion.number.desc())
            .options(joinedload(DocumentVersion.published_by))
        )
    )


@bp.route("/documents/<slug>/versions", methods=["GET", "POST"])
def versions(slug: str):
    """Published versions of a document; facilitators publish a new one here."""
    document = get_document_or_404(slug)
    form = PublishForm()
    status = 422 if request.method == "POST" else 200  # a form shown again says why
    if request.method == "POST":
        require(can_publish_version(current_user, document))
        require_editable(document)  # why not now (409), before the form
        if form.validate_on_submit():

            def publish() -> tuple[str, str]:
                version = lifecycle.publish_version(
                    document, by=current_user, note=form.note.data or ""
                )
                return (
                    url_for("review.version", slug=slug, number=version.number),
                    f"Version {version.number} is published and frozen.",
                )

            try:  # the same form sent again goes to its version, not "the text is the same"
                return create_once(form, publish, made="the version")
            except lifecycle.VersionUnchanged as unchanged:
                form.note.errors = [str(unchanged)]
                status = unchanged.status
    transitions = db.session.scalars(
        select(Transition)
        .where(Transition.document_id == document.id)
        .order_by(Transition.id.desc())
        .options(joinedload(Transition.by))
    ).all()
    return render(
        "review/versions.html",
        document=document,
        versions=published_versions(document),
        form=form,
        transitions=transitions,
        status=status,
    )


@bp.get("/documents/<slug>/versions/<int:number>")
def version(slug: str, number: int):
    """One frozen version: its full text and content hash."""
    document = get_document_or_404(slug)
    return render(
        "review/version.html", document=document, version=published_version(document, number)
    )


def _side(document: Document, ref: str) -> tuple[str, list[dict]]:
    if ref == "working":
        return "the current working text", lifecycle.working_content(document)["clauses"]
    try:
        number = whole_number(ref.lstrip("v"))  # "v2" or "2"; ASCII digits the database holds
    except ValueError:
        abort(404)
    version = published_version(document, number)
    return f"version {version.number}", version.clauses


@bp.get("/documents/<slug>/compare")
def compare(slug: str):
    """Any two versions, or a version and the working text: what was added, removed, moved
    and changed."""
    document = get_document_or_404(slug)
    versions = published_versions(document)
    if not versions:
        return render("review/compare.html", document=document, versions=[], old_label=None)
    old_ref = request.args.get("from") or str(versions[-1].number)
    new_ref = request.args.get("to") or "working"
    old_label, old = _side(document, old_ref)
    new_label, new = _side(document, new_ref)
    return render(
        "review/compare.html",
        document=document,
        versions=versions,
        old_ref=old_ref,
        new_ref=new_ref,
        old_label=old_label,
        new_label=new_label,
        **comparison_context(old, new),
    )
