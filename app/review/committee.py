"""The Standards Committee's review of a submitted version: the review page, review notes and
the committee's decision."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.comparison import comparison_context
from app.extensions import db
from app.loaders import get_document_or_404
from app.models import (
    Amendment,
    AmendmentStatus,
    Clause,
    CommitteeDecision,
    Decision,
    Discussion,
    Document,
    DocumentVersion,
    ReviewNote,
    VotingEvent,
)
from app.permissions import can_review, require
from app.rendering import render
from app.review.blueprint import bp
from app.review.forms import DecisionForm, NoteForm
from app.review.versions import published_versions
from app.services import Invalid, ReasonNeeded, lifecycle, voting
from app.services import coverage as coverage_service


def _decision_reasons(document: Document) -> dict:
    """What the committee is told was decided with a reason: voting closed before its announced
    time, and amendments accepted although the agreement rule did not agree them."""
    early_closes = db.session.scalars(
        select(VotingEvent)
        .where(VotingEvent.document_id == document.id, VotingEvent.reason.is_not(None))
        .order_by(VotingEvent.id)
        .options(joinedload(VotingEvent.by))
    ).all()
    accepted_against_rule = db.session.scalars(
        select(Amendment)
        .join(Clause, Clause.id == Amendment.clause_id)
        .where(
            Clause.document_id == document.id,
            Amendment.status == AmendmentStatus.ACCEPTED,
            Amendment.decision_reason.is_not(None),
        )
        .order_by(Amendment.decided_at)
        .options(joinedload(Amendment.clause), joinedload(Amendment.decided_by))
    ).all()
    clauses = {c.id: c for c in document.all_clauses}
    return {
        "early_closes": [
            (event, clauses.get(event.clause_id) if event.clause_id is not None else None)
            for event in early_closes
        ],
        "accepted_against_rule": accepted_against_rule,
    }


def _review_context(document: Document) -> dict:
    version = db.session.get_one(DocumentVersion, document.submitted_version_id)
    versions = published_versions(document)
    adopted = (
        db.session.get(DocumentVersion, document.adopted_version_id)
        if (document.adopted_version_id)
        else None
    )
    baseline = (
        adopted
        if adopted and adopted.id != version.id
        else next((v for v in versions if v.number < version.number), None)
    )
    labels = {label for clause in version.clauses for label in clause["recommendations"]}
    coverage = coverage_service.text_coverage(version.clauses)
    outcomes = voting.latest_outcomes(document)
    set_aside = {
        clause_id: voting.set_aside_text(counts)
        for clause_id, counts in voting.set_aside_counts(document).items()
    }
    open_discussions = db.session.scalars(
        select(Discussion)
        .where(Discussion.document_id == document.id, Discussion.locked_at.is_(None))
        .options(joinedload(Discussion.clause))
    ).all()
    undecided = db.session.scalars(
        select(Amendment)
        .join(Clause, Clause.id == Amendment.clause_id)
        .where(
            Clause.document_id == document.id,
            Clause.retired_at.is_(None),
            Amendment.status == AmendmentStatus.OPEN,
        )
    ).all()
    notes = db.session.scalars(
        select(ReviewNote)
        .where(ReviewNote.version_id == version.id)
        .order_by(ReviewNote.id)
        .options(joinedload(ReviewNote.author))
    ).all()
    decisions = db.session.scalars(
        select(CommitteeDecision)
        .where(CommitteeDecision.version_id == version.id)
        .order_by(CommitteeDecision.id)
    ).all()
    context = {
        "document": document,
        "version": version,
        "baseline": baseline,
        "baseline_is_adopted": baseline is not None and baseline is adopted,
        "coverage": coverage,
        "outcomes": outcomes,
        "set_aside": set_aside,
        "open_discussions": open_discussions,
        "undecided": undecided,
        "notes": notes,
        "decisions": decisions,
        "recommendation_labels": labels,
        **_decision_reasons(document),
    }
    if baseline is not None:
        context.update(comparison_context(baseline.clauses, version.clauses))
    return context


def _note_form(version: DocumentVersion) -> NoteForm:
    form = NoteForm()
    form.clause_number.choices = {"": "The version as a whole"} | {
        c["number"]: f"Clause {c['number']}: {c['heading']}" for c in version.clauses
    }
    return form


@bp.get("/documents/<slug>/review")
def review(slug: str):
    """The Standards Committee's review of the submitted version."""
    document = get_document_or_404(slug)
    if document.submitted_version_id is None:
        abort(404)
    context = _review_context(document)
    return render(
        "review/review.html",
        note_form=_note_form(context["version"]),
        decision_form=DecisionForm(),
        **context,
    )


@bp.post("/documents/<slug>/review/notes")
def add_note(slug: str):
    """A committee member adds a review note (on the version or one clause)."""
    document = get_document_or_404(slug)
    require(can_review(current_user, document))
    context = _review_context(document)
    form = _note_form(context["version"])
    if form.validate_on_submit():
        try:
            lifecycle.add_review_note(
                context["version"],
                form.body.data,
                by=current_user,
                clause_number=form.clause_number.data or None,
            )
        except Invalid as error:
            form.body.errors = [str(error)]
        else:
            db.session.commit()
            flash("Your note is added.", "success")
            return redirect(url_for("review.review", slug=slug) + "#notes", 303)
    return render(
        "review/review.html",
        note_form=form,
        decision_form=DecisionForm(formdata=None),
        status=422,
        **context,
    )


@bp.post("/documents/<slug>/review/decision")
def record_decision(slug: str):
    """The committee's decision: recommend to Full Council, or refer back with reasons."""
    document = get_document_or_404(slug)
    require(can_review(current_user, document))
    context = _review_context(document)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            lifecycle.decide(
                document,
                Decision(form.decision.data),
                form.meeting_date.data,
                by=current_user,
                reasons=form.reasons.data or "",
            )
        except ReasonNeeded as error:
            db.session.rollback()
            form.reasons.errors = [str(error)]
        else:
            db.session.commit()
            flash(
                f"The committee's decision is recorded: {Decision(form.decision.data).label}.",
                "success",
            )
            return redirect(url_for("documents.show", slug=slug), 303)
    return render(
        "review/review.html",
        note_form=_note_form(context["version"]),
        decision_form=form,
        status=422,
        **context,
    )
