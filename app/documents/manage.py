"""Creating documents and managing their clauses: add, reorder, renumber, retire, reinstate.

Clauses are addressed here by id, not number: numbers change as clauses move, and a form on a
stale page must still mean the clause it was drawn for. The server decides every move from the
document's current order.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.documents.blueprint import bp
from app.documents.forms import ClauseForm, DocumentForm, NumberForm, RetireForm
from app.extensions import db
from app.forms import (
    chosen_recommendations,
    create_once,
    move_as_asked,
    recommendation_choices,
)
from app.loaders import get_clause_or_404, get_document_or_404
from app.models import Amendment, AmendmentStatus, Clause, DocumentKind
from app.permissions import can_create_document, can_manage_clauses, require
from app.rendering import is_htmx_request, render, render_fragments
from app.services import DomainError, Invalid, require_editable
from app.services import clauses as service
from app.services.documents import create_document

MANAGE = "documents/manage.html"
ORDER_AND_ANNOUNCEMENT = [(MANAGE, "clause_order"), ("_announcement.html", "announcement_oob")]


@bp.route("/new", methods=["GET", "POST"])
def new():
    """A facilitator or admin creates a document; it starts as a Draft."""
    require(can_create_document(current_user))
    form = DocumentForm()
    if form.validate_on_submit():

        def create() -> tuple[str, str]:
            document = create_document(
                DocumentKind(form.kind.data), form.title.data, form.summary.data, by=current_user
            )
            return (
                url_for("documents.manage", slug=document.slug),
                f"“{document.title}” is created as a Draft. Add its {document.item_noun_plural}.",
            )

        try:  # the same form sent again goes to what it created, not "the title is taken"
            return create_once(form, create, made="the document")
        except (Invalid, IntegrityError) as error:
            db.session.rollback()
            form.title.errors = [
                str(error)
                if isinstance(error, Invalid)
                else "Another document was just created with this title. Choose another title"
            ]
    return render("documents/new.html", form=form)


def _managed(slug: str):
    document = get_document_or_404(slug)
    require(can_manage_clauses(current_user, document))
    require_editable(document)  # why not now (409), before any form
    return document


def _place_of(clause: Clause) -> str:
    """The clause's place on the manage page."""
    return url_for("documents.manage", slug=clause.document.slug) + f"#clause-{clause.id}"


def _back_to(clause: Clause):
    """303 to the clause on the manage page."""
    return redirect(_place_of(clause), 303)


def _manage_context(document, **extra) -> dict:
    clauses = db.session.scalars(
        select(Clause)
        .where(Clause.document_id == document.id)
        .order_by(Clause.position)
        .options(joinedload(Clause.retired_by))
    ).all()
    return {
        "document": document,
        "live": [c for c in clauses if not c.is_retired],
        "retired": [c for c in clauses if c.is_retired],
        "moved": None,
        "direction": None,
        "move_error": None,
        "announcement": "",
        **extra,
    }


@bp.get("/<slug>/manage")
def manage(slug: str):
    """The clauses in order, with controls to add, move, renumber, retire and reinstate."""
    return render(MANAGE, **_manage_context(_managed(slug)))


def _placements(document) -> dict[str, str]:
    """Where a new clause can go: at the end (the default), at the start, or after a clause."""
    live = service.live_clauses(document)
    choices = {"end": "At the end"}
    if live:
        choices["start"] = "At the start"
        choices |= {str(c.id): f"After {c.number}: {c.heading}" for c in live}
    return choices


@bp.route("/<slug>/manage/add", methods=["GET", "POST"])
def add_clause(slug: str):
    """Add a clause, at the end or after a chosen clause; the numbers follow."""
    document = _managed(slug)
    form = ClauseForm()
    form.about(document)
    form.recommendations.choices = recommendation_choices()
    form.after.choices = _placements(document)
    if request.method == "GET" and request.args.get("after") in form.after.choices:
        form.after.data = request.args["after"]
    if form.validate_on_submit():

        def add() -> tuple[str, str]:
            place = form.after.data
            clause = service.new_clause(
                document,
                form.heading.data,
                form.body.data,
                by=current_user,
                recommendations=chosen_recommendations(form.recommendations.data),
                after=(
                    get_clause_or_404(document, clause_id=int(place))
                    if place not in ("end", "start")
                    else None
                ),
                at_start=place == "start",
            )
            noun = document.short_item_noun.capitalize()
            return _place_of(clause), f"{noun} {clause.number} “{clause.heading}” is added."

        return create_once(form, add, made=document.worded("the clause"))
    return render(
        "documents/add_clause.html",
        form=form,
        document=document,
    )


def _after_move(document, clause: Clause, message: str, direction: str | None):
    """htmx: the clause list (focus stays on the moved clause) and an announcement; else flash
    and go back to the clause in the list (303)."""
    if is_htmx_request():
        context = _manage_context(
            document, moved=clause.id, direction=direction, announcement=message
        )
        return render_fragments(ORDER_AND_ANNOUNCEMENT, **context)
    flash(message, "success")
    return _back_to(clause)


@bp.post("/<slug>/manage/<int:clause_id>/move")
def move_clause(slug: str, clause_id: int):
    """Move a clause up, down or to a numbered position (works without JavaScript)."""
    document = _managed(slug)
    clause = get_clause_or_404(document, clause_id=clause_id)
    direction = request.form.get("direction")
    try:
        position = move_as_asked(clause)
    except DomainError as error:
        if error.status != 422:  # only a bad position is shown by the clause's move controls
            raise
        db.session.rollback()
        context = _manage_context(
            document,
            move_error=(clause.id, str(error)),
            moved=clause.id,
            direction=direction,
            announcement=str(error),
        )
        if is_htmx_request():
            return render_fragments(ORDER_AND_ANNOUNCEMENT, status=422, **context)
        return render(MANAGE, status=422, **context)
    db.session.commit()
    return _after_move(
        document,
        clause,
        f"“{clause.heading}” is now {document.short_item_noun} {clause.number}, "
        f"at position {position}.",
        direction,
    )


@bp.route("/<slug>/manage/<int:clause_id>/number", methods=["GET", "POST"])
def number(slug: str, clause_id: int):
    """Fix a clause's number by hand (say 4A), or let it follow the order again."""
    document = _managed(slug)
    clause = get_clause_or_404(document, clause_id=clause_id)
    service.require_live(clause)
    form = NumberForm(formdata=None, number=clause.number) if request.method == "GET" else None
    if form is not None:
        form.about(document)
    if request.method == "POST" and request.form.get("action") == "release":
        service.release_number(clause, by=current_user)
        db.session.commit()
        flash(f"“{clause.heading}” is numbered by its place again: {clause.number}.", "success")
        return _back_to(clause)
    if form is None:
        form = NumberForm()
        form.about(document)
        if form.validate():
            try:
                service.fix_number(clause, form.number.data, by=current_user)
            except service.BadNumber as error:
                db.session.rollback()
                form.number.errors = [str(error)]
            else:
                db.session.commit()
                flash(f"“{clause.heading}” is numbered {clause.number}.", "success")
                return _back_to(clause)
    return render(
        "documents/number.html",
        form=form,
        document=document,
        clause=clause,
    )


@bp.route("/<slug>/manage/<int:clause_id>/retire", methods=["GET", "POST"])
def retire(slug: str, clause_id: int):
    """Confirm, with a reason, that a clause leaves the document (it can be reinstated)."""
    document = _managed(slug)
    clause = get_clause_or_404(document, clause_id=clause_id)
    if clause.is_retired:
        raise service.ClauseRetired(clause, f"This {document.short_item_noun} is already retired.")
    form = RetireForm()
    form.about(document)
    if form.validate_on_submit():
        number = clause.number
        service.retire_clause(clause, form.reason.data, by=current_user)
        db.session.commit()
        flash(
            f"{document.short_item_noun.capitalize()} {number} “{clause.heading}” is retired; "
            "those after it moved up.",
            "success",
        )
        return _back_to(clause)
    open_amendments = db.session.scalar(
        select(func.count())
        .select_from(Amendment)
        .where(Amendment.clause_id == clause.id, Amendment.status == AmendmentStatus.OPEN)
    )
    return render(
        "documents/retire.html",
        form=form,
        document=document,
        clause=clause,
        open_amendments=open_amendments,
    )


@bp.post("/<slug>/manage/<int:clause_id>/reinstate")
def reinstate(slug: str, clause_id: int):
    """Bring a retired clause back, in the place it had."""
    document = _managed(slug)
    clause = get_clause_or_404(document, clause_id=clause_id)
    service.reinstate_clause(clause, by=current_user)
    db.session.commit()
    flash(
        f"“{clause.heading}” is reinstated as {document.short_item_noun} {clause.number}.",
        "success",
    )
    return _back_to(clause)
