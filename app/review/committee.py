"""The Standards Committee's review of a submitted version: a short summary, one page per
section (so each page stays short, asks only for its own part and works without JavaScript),
review notes, and the decision with a check-your-answers step and a confirmation."""

from __future__ import annotations

from datetime import date

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.comparison import comparison_context
from app.errors import keep_written
from app.extensions import db
from app.forms import create_once
from app.loaders import get_document_or_404
from app.models import Decision, Document, DocumentStatus, DocumentVersion, ReviewNote
from app.permissions import can_read_review_notes, can_review, require
from app.rendering import render
from app.review import record
from app.review.blueprint import bp
from app.review.forms import ConfirmDecisionForm, DecisionForm, NoteForm
from app.review.versions import published_versions
from app.services import Invalid, ReasonNeeded, decision_drafts, lifecycle
from app.services import coverage as coverage_service
from app.services.shown import ShownChanged
from app.services.shown import digest as shown_digest


def _reviewed(slug: str) -> tuple[Document, DocumentVersion]:
    """The document (readable, or 404/403) and the version submitted to the committee (404
    when none ever was)."""
    document = get_document_or_404(slug)
    version = record.submitted_version(document)
    if version is None:
        abort(404)
    return document, version


def _note_form(version: DocumentVersion) -> NoteForm:
    form = NoteForm()
    noun = version.document.short_item_noun.capitalize()
    form.clause_number.choices = {"": "The version as a whole"} | {
        c["number"]: f"{noun} {c['number']}: {c['heading']}" for c in version.clauses
    }
    return form


@bp.get("/documents/<slug>/review")
def review(slug: str):
    """The summary of the submitted version and the contents of the review."""
    document, version = _reviewed(slug)
    return render(
        "review/review.html",
        document=document,
        version=version,
        summary=record.summary(document, version),
        sections=record.SECTIONS,
    )


def _changes(document: Document, version: DocumentVersion) -> dict:
    adopted = (
        db.session.get(DocumentVersion, document.adopted_version_id)
        if document.adopted_version_id
        else None
    )
    baseline = (
        adopted
        if adopted and adopted.id != version.id
        else next((v for v in published_versions(document) if v.number < version.number), None)
    )
    context: dict = {
        "baseline": baseline,
        "baseline_is_adopted": baseline is not None and baseline is adopted,
    }
    if baseline is not None:
        context.update(comparison_context(baseline.clauses, version.clauses))
    return context


def _notes(document: Document, version: DocumentVersion, form: NoteForm | None = None) -> dict:
    notes = (
        db.session.scalars(
            select(ReviewNote)
            .where(ReviewNote.version_id == version.id)
            .order_by(ReviewNote.id)
            .options(joinedload(ReviewNote.author))
        ).all()
        if can_read_review_notes(current_user, document)
        else []
    )
    return {"notes": notes, "note_form": form or _note_form(version)}


def _section_context(section: str, document: Document, version: DocumentVersion) -> dict:
    """Only what the one section shows."""
    if section == "changes":
        return _changes(document, version)
    if section == "coverage":
        return {"coverage": coverage_service.text_coverage(version.clauses)}
    if section in ("votes", "groups"):
        rows = record.voting_record(document, version)
        return {"rows": rows, "groups": record.group_names(rows)}
    if section == "interests":
        return {"lines": record.declarations(document)}
    if section == "set-aside":
        return {"lines": record.set_aside_votes(document, version)}
    if section == "reasons":
        return record.reasons(document, version)
    if section == "notes":
        return _notes(document, version)
    return {}


@bp.get("/documents/<slug>/review/<section>")
def section(slug: str, section: str):
    """One section of the review, on its own page."""
    if section not in record.SECTION_TITLES:
        abort(404)
    document, version = _reviewed(slug)
    return render(
        "review/section.html",
        document=document,
        version=version,
        section=section,
        title=record.SECTION_TITLES[section],
        sections=record.SECTIONS,
        **_section_context(section, document, version),
    )


@bp.post("/documents/<slug>/review/notes")
def add_note(slug: str):
    """A committee member adds a review note (on the version or one clause)."""
    document, version = _reviewed(slug)
    require(can_review(current_user, document))
    lifecycle.check_under_review(document)  # why not now (409), before the form
    form = _note_form(version)
    if form.validate_on_submit():

        def add() -> tuple[str, str]:
            note = lifecycle.add_review_note(
                version,
                form.body.data,
                by=current_user,
                clause_number=form.clause_number.data or None,
            )
            notes = url_for("review.section", slug=slug, section="notes")
            return f"{notes}#note-{note.id}", "Your note is added."

        try:
            return create_once(form, add, made="the note")
        except Invalid as error:
            form.body.errors = [str(error)]
    return render(
        "review/section.html",
        document=document,
        version=version,
        section="notes",
        title=record.SECTION_TITLES["notes"],
        sections=record.SECTIONS,
        status=422,
        **_notes(document, version, form),
    )


# The decision -------------------------------------------------------------------------------


def _draft(document: Document) -> dict | None:
    return decision_drafts.find(document, current_user)


@bp.route("/documents/<slug>/review/decision", methods=["GET", "POST"])
def record_decision(slug: str):
    """The committee's decision: recommend to Full Council, or refer back with reasons; the
    answers are checked on the next page before anything is recorded."""
    document, version = _reviewed(slug)
    require(can_review(current_user, document))
    lifecycle.check_decidable(document)  # why not now (409), before the form
    form = DecisionForm()
    draft = _draft(document)
    if not form.is_submitted() and draft and draft.get("version_id") == version.id:
        form.decision.data = draft["decision"]
        form.reasons.data = draft["reasons"]
        form.meeting_date.data = date.fromisoformat(draft["meeting_date"])
        form.minute_reference.data = draft["minute_reference"]
    valid = form.validate_on_submit()
    if form.is_submitted() and form.meeting_date.data and not form.meeting_date.errors:
        # Checked with the other answers, so every error shows at once.
        too_early = lifecycle.too_early_message(
            document, DocumentStatus.RECOMMENDED, form.meeting_date.data
        )
        if too_early is not None:
            form.meeting_date.errors = [too_early]
            form._errors = None  # WTForms caches form.errors: gather them again
            valid = False
    if valid:
        answers = lifecycle.decision_answers(
            version.id,
            form.decision.data,
            form.meeting_date.data,
            form.reasons.data or "",
            form.minute_reference.data,
        )
        decision_drafts.keep(document, current_user, answers)
        db.session.commit()
        return redirect(url_for("review.check_decision", slug=slug), 303)
    return render("review/decision.html", document=document, version=version, form=form)


@bp.route("/documents/<slug>/review/decision/check", methods=["GET", "POST"])
def check_decision(slug: str):
    """Check the answers, then record the decision: the form carries the digest of the answers
    the page showed, and answers changed since (in another tab or window) are not recorded
    but shown again to check (409)."""
    document, version = _reviewed(slug)
    require(can_review(current_user, document))
    draft = _draft(document)
    if draft and request.method == "POST":  # refused below: the reasons are shown to copy
        keep_written(
            [("Your reasons", draft["reasons"]), ("Minute reference", draft["minute_reference"])]
        )
    lifecycle.check_decidable(document)
    if not draft or draft.get("version_id") != version.id:
        return redirect(url_for("review.record_decision", slug=slug), 303)
    form = ConfirmDecisionForm()
    decision = Decision(draft["decision"])
    meeting_date = date.fromisoformat(draft["meeting_date"])
    changed = None
    if form.validate_on_submit():
        try:
            lifecycle.decide(
                document,
                decision,
                meeting_date,
                by=current_user,
                reasons=draft["reasons"],
                minute_reference=draft["minute_reference"],
                seen=form.shown.data or "",
            )
        except ShownChanged as error:
            db.session.rollback()
            changed = str(error)
        except (ReasonNeeded, lifecycle.MeetingDateRefused):
            db.session.rollback()
            return redirect(url_for("review.record_decision", slug=slug), 303)
        else:
            decision_drafts.discard(document, current_user)
            db.session.commit()
            return redirect(url_for("review.decision_recorded", slug=slug), 303)
    form.shown.data = shown_digest(draft)
    return render(
        "review/check_decision.html",
        document=document,
        version=version,
        form=form,
        decision=decision,
        meeting_date=meeting_date,
        reasons=draft["reasons"],
        minute_reference=draft["minute_reference"],
        changed=changed,
        status=409 if changed else None,
    )


@bp.get("/documents/<slug>/review/decision/recorded")
def decision_recorded(slug: str):
    """The confirmation that the committee's decision is recorded."""
    document, version = _reviewed(slug)
    require(can_read_review_notes(current_user, document))
    decision = record.latest_decision(document)
    if decision is None:
        abort(404)
    return render(
        "review/decision_recorded.html", document=document, version=version, decision=decision
    )
