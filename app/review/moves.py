"""Moving a document through its states: a facilitator opens, closes, reopens and submits it;
an administrator records Full Council's adoption."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from app.extensions import db
from app.forms import EARLY_CLOSE_REASON_NEEDED
from app.loaders import get_document_or_404
from app.models import DocumentStatus
from app.permissions import can_adopt, can_move_document, require
from app.rendering import render
from app.review.blueprint import bp
from app.review.forms import AdoptForm, MoveForm
from app.review.versions import published_versions
from app.services import lifecycle, voting
from app.services.shown import ShownChanged
from app.services.shown import digest as shown_digest

TARGETS = {
    "open": DocumentStatus.OPEN,
    "close": DocumentStatus.CLOSED,
    "submit": DocumentStatus.SUBMITTED,
}


@bp.route("/documents/<slug>/state/<action>", methods=["GET", "POST"])
def move(slug: str, action: str):
    """A facilitator moves the document on (open, close, reopen, submit), with a note."""
    document = get_document_or_404(slug)
    if action not in TARGETS:
        abort(404)
    to = TARGETS[action]
    require(can_move_document(current_user, document))
    lifecycle.check_move(document, to)  # why not now (409), before the form
    form = MoveForm()
    versions = published_versions(document)
    form.version.choices = {
        v.id: f"Version {v.number}, published {v.published_at:%d %B %Y}" for v in versions
    }
    changed = None
    if form.validate_on_submit():
        version = None
        if to == DocumentStatus.SUBMITTED:
            version = next((v for v in versions if v.id == form.version.data), None)
            if version is None:
                form.version.errors = ["Choose the published version to submit"]
        if not form.errors:
            try:
                lifecycle.move(
                    document,
                    to,
                    by=current_user,
                    note=form.note.data or "",
                    version=version,
                    close_reason=form.close_reason.data,
                    seen_closing=form.shown.data or "",
                )
            except voting.ReasonRequired:
                db.session.rollback()
                form.close_reason.errors = [EARLY_CLOSE_REASON_NEEDED]
            except ShownChanged as error:
                db.session.rollback()
                changed = str(error)
            else:
                db.session.commit()
                flash(f"The {document.whole_noun} is now {document.status.label}.", "success")
                return redirect(url_for("documents.show", slug=slug), 303)
    closing = (
        voting.preview_closing(document)
        if to == DocumentStatus.CLOSED
        and document.status == DocumentStatus.OPEN
        and document.voting_open
        else None
    )
    form.shown.data = shown_digest(voting.closing_shown(closing)) if closing else ""
    return render(
        "review/move.html",
        document=document,
        form=form,
        to=to,
        action=action,
        versions=versions,
        closing=closing,
        changed=changed,
        status=409 if changed else None,
    )


@bp.route("/documents/<slug>/adopt", methods=["GET", "POST"])
def adopt(slug: str):
    """An administrator records Full Council's adoption, with the meeting date and minute
    reference; the adopted version becomes public."""
    document = get_document_or_404(slug)
    require(can_adopt(current_user, document))
    lifecycle.check_adoptable(document)  # why not now (409), before the form
    form = AdoptForm()
    if form.validate_on_submit():
        try:
            lifecycle.adopt(
                document,
                form.full_council_date.data,
                by=current_user,
                minute_reference=form.minute_reference.data,
            )
        except lifecycle.MeetingDateRefused as error:
            db.session.rollback()
            form.full_council_date.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"The {document.whole_noun} is marked as adopted by Full Council.", "success")
            return redirect(url_for("documents.show", slug=slug), 303)
    return render("review/adopt.html", document=document, form=form)
