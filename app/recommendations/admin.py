"""Administering recommendations: add a source, import (preview, then save), edit with history,
retire and delete. Admins only (``can_manage_recommendations``)."""

from __future__ import annotations

import base64
import binascii

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.boundaries import takes_import_body
from app.extensions import db
from app.forms import ConfirmForm, create_once
from app.models import Recommendation, RecommendationSource
from app.permissions import can_manage_recommendations, require
from app.recommendations.blueprint import bp
from app.recommendations.forms import (
    ConfirmImportForm,
    EditRecommendationForm,
    ImportForm,
    RetireForm,
    SourceForm,
)
from app.rendering import render
from app.services import DomainError
from app.services import recommendations as service


def _recommendation(source: str, letter: str) -> Recommendation:
    return db.first_or_404(
        select(Recommendation)
        .join(Recommendation.source)
        .where(RecommendationSource.slug == source, Recommendation.letter == letter)
    )


def _show(recommendation: Recommendation) -> str:
    return url_for(
        "recommendations.show", source=recommendation.source.slug, letter=recommendation.letter
    )


# --- sources and imports -----------------------------------------------------------------------


@bp.route("/sources/new", methods=["GET", "POST"])
def new_source():
    """Add a report whose recommendations the council answers."""
    require(can_manage_recommendations(current_user))
    form = SourceForm()
    if form.validate_on_submit():

        def add() -> tuple[str, str]:
            source = service.create_source(
                form.name.data, form.short_name.data, form.title.data or "", by=current_user
            )
            return (
                url_for("recommendations.import_start", source=source.slug),
                f"{source.name} is added. Now import its recommendations.",
            )

        try:  # the same form sent again goes where the first went, not "the name is taken"
            return create_once(form, add, made="the source")
        except service.SourceTaken as error:
            db.session.rollback()
            getattr(form, error.field).errors = [str(error)]
        except IntegrityError:  # added by someone else meanwhile
            db.session.rollback()
            form.name.errors = ["A source with this name or short name was added meanwhile"]
    return render("recommendations/new_source.html", form=form)


def _sources() -> list[RecommendationSource]:
    return list(
        db.session.scalars(
            select(RecommendationSource).order_by(
                RecommendationSource.position, RecommendationSource.name
            )
        )
    )


def _submitted_text(form: ImportForm) -> tuple[str | None, str]:
    """The import's text and format from the upload or the pasted text; field errors if none."""
    upload = form.upload.data
    pasted = form.text.data or ""
    has_file = upload is not None and bool(getattr(upload, "filename", ""))
    if has_file and pasted.strip():
        form.upload.errors = ["Upload a file or paste the action plan, not both"]
        return None, ""
    if not has_file:
        if not pasted.strip():
            form.text.errors = ["Upload a file or paste the action plan"]
            return None, ""
        return pasted, "text"
    name = upload.filename.lower()
    if not name.endswith((".csv", ".txt")):
        form.upload.errors = ["The file must be a CSV file (.csv) or a text file (.txt)"]
        return None, ""
    data = upload.read(service.MAX_IMPORT_CHARS * 4 + 1)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        form.upload.errors = [
            "The file is not UTF-8 text: save it as UTF-8 (CSV UTF-8) and try again"
        ]
        return None, ""
    if len(text) > service.MAX_IMPORT_CHARS:
        form.upload.errors = [f"The file must be at most {service.MAX_IMPORT_CHARS:,} characters"]
        return None, ""
    if not text.strip():
        form.upload.errors = ["The file is empty"]
        return None, ""
    return text, service.format_for(name)


def _preview(source, plan, text: str, fmt: str, *, notice: str | None = None, status: int = 200):
    form = ConfirmImportForm(
        formdata=None,
        source=source.slug,
        content=base64.b64encode(text.encode()).decode(),
        format=fmt,
        fingerprint=plan.fingerprint,
    )
    return render(
        "recommendations/import_preview.html",
        source=source,
        plan=plan,
        form=form,
        fmt=fmt,
        notice=notice,
        field_labels=service.FIELD_LABELS,
        status=status,
    )


@bp.route("/import", methods=["GET", "POST"])
@takes_import_body
def import_start():
    """Step 1: choose the source and give the file or text. Answers with the preview."""
    require(can_manage_recommendations(current_user))
    sources = _sources()
    form = ImportForm()
    form.source.choices = [(s.slug, f"{s.name} ({s.short_name})") for s in sources]
    if request.method == "GET" and request.args.get("source"):
        form.source.data = request.args["source"]
    if form.validate_on_submit():
        text, fmt = _submitted_text(form)
        if text is not None:
            result = service.parse(text, fmt)
            if result.recommendations:
                source = next(s for s in sources if s.slug == form.source.data)
                return _preview(source, service.plan_import(source, result), text, fmt)
            field = form.upload if fmt == "csv" or form.upload.data else form.text
            field.errors = result.problems or [
                "No recommendations were recognised: each should start on its own line with "
                "its letter and a bracket, for example “a) Members and Officers …”"
            ]
    return render(
        "recommendations/import.html",
        form=form,
        sources=sources,
    )


@bp.post("/import/save")
@takes_import_body
def import_save():
    """Step 2: read the confirmed text again and save all of it, or nothing."""
    require(can_manage_recommendations(current_user))
    form = ConfirmImportForm()
    if not form.validate_on_submit() or form.format.data not in service.FORMATS:
        abort(400)
    source = db.first_or_404(
        select(RecommendationSource).where(RecommendationSource.slug == form.source.data)
    )
    try:
        text = base64.b64decode(form.content.data, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        abort(400)
    plan = service.plan_import(source, service.parse(text, form.format.data))

    def save() -> tuple[str, str]:
        service.apply_import(source, plan, by=current_user, seen=form.fingerprint.data)
        return url_for("recommendations.index") + f"#{source.slug}", (
            f"{plan.to_save} recommendation{'s' if plan.to_save != 1 else ''} saved to "
            f"{source.name}: {len(plan.new)} added, {len(plan.changed)} updated."
        )

    try:
        return create_once(form, save, made="the import")
    except (DomainError, IntegrityError) as error:
        db.session.rollback()
        notice = (
            str(error)
            if isinstance(error, DomainError)
            else "Someone else changed these recommendations while you were saving."
        )
        source = db.session.get(RecommendationSource, source.id)
        plan = service.plan_import(source, service.parse(text, form.format.data))
        return _preview(source, plan, text, form.format.data, notice=notice, status=409)


# --- one recommendation ------------------------------------------------------------------------


@bp.route("/<source>/<letter>/edit", methods=["GET", "POST"])
def edit(source: str, letter: str):
    """An admin rewords a recommendation; a stale form gets 409 with both wordings."""
    recommendation = _recommendation(source, letter)
    require(can_manage_recommendations(current_user))
    form = EditRecommendationForm()
    if request.method == "GET":
        for name in service.FIELDS:
            getattr(form, name).data = getattr(recommendation, name) or ""
        form.version.data = recommendation.version
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in service.FIELDS}
        try:
            service.edit_recommendation(
                recommendation,
                values,
                form.reason.data or "",
                by=current_user,
                seen_version=form.version.data,
            )
            db.session.commit()
        except service.StaleRecommendation:
            db.session.rollback()
            return _conflict(form, recommendation)
        except IntegrityError:  # saved by someone else between the check and the commit
            db.session.rollback()
            return _conflict(form, db.session.get_one(Recommendation, recommendation.id))
        except DomainError as error:
            form.text.errors = [str(error)]
        else:
            flash(f"{recommendation.label} has its new wording.", "success")
            return redirect(_show(recommendation), 303)
    return render(
        "recommendations/edit.html",
        form=form,
        recommendation=recommendation,
        conflict=False,
    )


def _conflict(form: EditRecommendationForm, recommendation: Recommendation):
    """409 Conflict: the current wording and the admin's own, both shown; nothing lost."""
    return render(
        "recommendations/edit.html",
        form=form,
        recommendation=recommendation,
        conflict=True,
        status=409,
    )


@bp.route("/<source>/<letter>/delete", methods=["GET", "POST"])
def delete(source: str, letter: str):
    """Confirm, then delete a recommendation nothing links to; otherwise explain and offer
    retiring it."""
    recommendation = _recommendation(source, letter)
    require(can_manage_recommendations(current_user))
    form = ConfirmForm()
    refusal = service.deletion_refusal(recommendation)
    if form.validate_on_submit():
        label, slug = recommendation.label, recommendation.source.slug
        try:
            service.delete_recommendation(recommendation, by=current_user)
            db.session.commit()
        except (service.CannotDelete, IntegrityError) as error:
            db.session.rollback()
            refusal = (
                str(error)
                if isinstance(error, DomainError)
                else f"{label} was linked meanwhile, so it cannot be deleted. Retire it instead."
            )
            recommendation = db.session.get_one(Recommendation, recommendation.id)
            return render(
                "recommendations/delete.html",
                recommendation=recommendation,
                form=form,
                refusal=refusal,
                status=409,
            )
        flash(f"{label} is deleted.", "success")
        return redirect(url_for("recommendations.index") + f"#{slug}", 303)
    return render(
        "recommendations/delete.html", recommendation=recommendation, form=form, refusal=refusal
    )


@bp.route("/<source>/<letter>/retire", methods=["GET", "POST"])
def retire(source: str, letter: str):
    """Retire a recommendation: kept where linked, not offered for new links."""
    recommendation = _recommendation(source, letter)
    require(can_manage_recommendations(current_user))
    if recommendation.is_retired:
        flash(f"{recommendation.label} is already retired.", "info")
        return redirect(_show(recommendation), 303)
    form = RetireForm()
    if form.validate_on_submit():
        try:
            service.retire(recommendation, form.reason.data, by=current_user)
        except DomainError as error:
            form.reason.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"{recommendation.label} is retired.", "success")
            return redirect(_show(recommendation), 303)
    return render(
        "recommendations/retire.html",
        form=form,
        recommendation=recommendation,
    )


@bp.post("/<source>/<letter>/unretire")
def unretire(source: str, letter: str):
    """Bring a retired recommendation back into use."""
    recommendation = _recommendation(source, letter)
    require(can_manage_recommendations(current_user))
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.unretire(recommendation, by=current_user)
    except DomainError as error:
        abort(409, str(error))
    db.session.commit()
    flash(f"{recommendation.label} is back in use: it can be linked again.", "success")
    return redirect(_show(recommendation), 303)
