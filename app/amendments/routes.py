from __future__ import annotations

from itertools import pairwise

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.amendments.forms import (
    ACCEPTANCE_REASON_NEEDED,
    AcceptForm,
    AmendmentForm,
    ClauseEditForm,
    RejectForm,
)
from app.diff import redline, redline_inline, summarise
from app.extensions import db
from app.forms import chosen_recommendations, recommendation_choices
from app.loaders import get_amendment_or_404, get_clause_or_404, get_document_or_404
from app.models import Amendment, AmendmentStatus, Clause, ClauseRevision, Discussion
from app.permissions import (
    can_decide_amendment,
    can_edit_clause,
    can_propose_amendment,
    can_withdraw_amendment,
    require,
)
from app.rendering import live_response, render
from app.services import Invalid, voting
from app.services import amendments as service
from app.services.clauses import shown_reasons
from app.services.passages import passage_redline
from app.services.shown import ShownChanged
from app.services.shown import digest as shown_digest
from app.text import upper_first
from app.voting.panels import vote_panel_context

bp = Blueprint("amendments", __name__)


def _redlines(amendment: Amendment) -> dict:
    base = service.base_revision(amendment)
    clause = amendment.clause
    if amendment.is_passage:  # only its passage, with a little context
        quote, replacement = amendment.passage_quote or "", amendment.passage_replacement or ""
        return {
            "base": base,
            "against_base": {
                "heading": redline_inline(base.heading, base.heading),
                "body": passage_redline(
                    base.body,
                    amendment.passage_start or 0,
                    amendment.passage_end or 0,
                    replacement,
                ),
                "summary": summarise(quote, replacement),
            },
        }
    context = {
        "base": base,
        "against_base": {
            "heading": redline_inline(base.heading, amendment.heading),
            "body": redline(base.body, amendment.body),
            "summary": summarise(base.body, amendment.body),
        },
    }
    if amendment.is_out_of_date:
        context["against_current"] = {
            "heading": redline_inline(clause.heading, amendment.heading),
            "body": redline(clause.body, amendment.body),
            "summary": summarise(clause.body, amendment.body),
        }
    return context


def _agreement(amendment: Amendment) -> dict:
    """The amendment's tally as its vote panel counts it, and the rule's verdict on it."""
    tally, verdict = voting.agreement_of(amendment)
    return {"tally": tally, "verdict": verdict}


@bp.route("/documents/<slug>/clauses/<number>/amendments/new", methods=["GET", "POST"])
def new(slug: str, number: str):
    """Propose a new wording of a clause."""
    clause = get_clause_or_404(get_document_or_404(slug), number)
    require(can_propose_amendment(current_user, clause))
    service.check_amendments_open(clause)  # why not now, before any form (409)
    form = AmendmentForm()
    form.about(clause.document)
    form.recommendations.choices = recommendation_choices()
    if request.method == "GET":
        form.heading.data, form.body.data = clause.heading, clause.body
        form.recommendations.data = [r.id for r in clause.recommendations]
    if form.validate_on_submit():
        try:
            amendment = service.propose_amendment(
                clause,
                form.heading.data,
                form.body.data,
                form.rationale.data,
                chosen_recommendations(form.recommendations.data),
                by=current_user,
                submission_key=form.submission_key.data or None,
            )
        except Invalid as error:
            form.body.errors = [str(error)]
        else:
            db.session.commit()
            flash("Your amendment is proposed. Others can now discuss and vote on it.", "success")
            return redirect(url_for("amendments.show", amendment_id=amendment.id), 303)
    return render(
        "amendments/new.html",
        form=form,
        clause=clause,
        document=clause.document,
    )


@bp.get("/amendments/<int:amendment_id>")
def show(amendment_id: int):
    """An amendment: its redline, rationale, votes, discussions and decision."""
    amendment = get_amendment_or_404(amendment_id)
    discussions = db.session.scalars(
        select(Discussion)
        .where(Discussion.amendment_id == amendment.id)
        .options(joinedload(Discussion.started_by), selectinload(Discussion.recommendations))
    ).all()
    context = {
        **vote_panel_context(amendment),
        "live_url": url_for("amendments.live", amendment_id=amendment.id),
    }
    return render(
        "amendments/show.html",
        amendment=amendment,
        clause=amendment.clause,
        discussions=discussions,
        **_redlines(amendment),
        **context,
    )


@bp.get("/amendments/<int:amendment_id>/live")
def live(amendment_id: int):
    """The amendment's vote panel, for a polling page: 304 when nothing changed."""
    amendment = get_amendment_or_404(amendment_id)
    context = {
        **vote_panel_context(amendment),
        "live_url": url_for("amendments.live", amendment_id=amendment.id),
    }
    response = render("voting/panel.html", block="vote_panel", **context)
    return live_response(response, context["marker"])


@bp.route("/amendments/<int:amendment_id>/withdraw", methods=["GET", "POST"])
def withdraw(amendment_id: int):
    """The proposer withdraws their open amendment, after a confirmation page (offered only
    while it can be withdrawn)."""
    amendment = get_amendment_or_404(amendment_id)
    require(can_withdraw_amendment(current_user, amendment))
    service.check_decidable(amendment, service.WITHDRAWN_BEFORE_SUBMISSION)  # why not now (409)
    if request.method == "POST":
        service.withdraw_amendment(amendment, by=current_user)
        db.session.commit()
        flash("Your amendment is withdrawn.", "success")
        return redirect(url_for("amendments.show", amendment_id=amendment.id), 303)
    return render("amendments/confirm_withdraw.html", amendment=amendment)


@bp.route("/amendments/<int:amendment_id>/reject", methods=["GET", "POST"])
def reject(amendment_id: int):
    """A facilitator rejects an amendment, giving the reason."""
    amendment = get_amendment_or_404(amendment_id)
    require(can_decide_amendment(current_user, amendment))
    service.check_decidable(amendment, "It can no longer be rejected.")  # why not now (409)
    form = RejectForm()
    if form.validate_on_submit():
        service.reject_amendment(amendment, form.reason.data, by=current_user)
        db.session.commit()
        flash("The amendment is rejected.", "success")
        return redirect(url_for("amendments.show", amendment_id=amendment.id), 303)
    return render("amendments/reject.html", form=form, amendment=amendment)


@bp.route("/amendments/<int:amendment_id>/accept", methods=["GET", "POST"])
def accept(amendment_id: int):
    """A facilitator accepts an amendment: the clause gets its wording as a new revision.

    The page shows the amendment's tally and what the agreement rule says of it; one the rule
    does not agree needs a reason (422 by the field without it). An out-of-date amendment needs
    the explicit confirmation box ticked."""
    amendment = get_amendment_or_404(amendment_id)
    require(can_decide_amendment(current_user, amendment))
    service.check_acceptable(amendment)  # why not now (409), before the form
    form = AcceptForm()
    changed = None
    if form.validate_on_submit():
        try:
            service.accept_amendment(
                amendment,
                by=current_user,
                confirmed=bool(form.confirm_out_of_date.data),
                reason=form.acceptance_reason.data,
                seen=form.shown.data or "",
            )
            db.session.commit()
        except ShownChanged as error:
            db.session.rollback()
            changed = str(error)
        except service.NeedsConfirmation as error:
            db.session.rollback()
            form.confirm_out_of_date.errors = [
                "Confirm that the amendment's text should replace the current wording"
            ]
            form.shown.data = shown_digest(voting.acceptance_shown(amendment))
            return render(
                "amendments/accept.html",
                form=form,
                amendment=amendment,
                message=str(error),
                status=409,
                **_agreement(amendment),
                **_redlines(amendment),
            )
        except voting.ReasonRequired:
            db.session.rollback()
            form.acceptance_reason.errors = [ACCEPTANCE_REASON_NEEDED]
        except IntegrityError:
            db.session.rollback()
            abort(
                409,
                amendment.clause.document.worded(
                    "The clause was changed by someone else at the same moment. Nothing "
                    "was changed; look at the amendment again."
                ),
            )
        else:
            flash(
                f"The amendment is accepted: {amendment.clause.short_name} has its new wording.",
                "success",
            )
            return redirect(
                url_for(
                    "documents.clause",
                    slug=amendment.clause.document.slug,
                    number=amendment.clause.number,
                ),
                303,
            )
    form.shown.data = shown_digest(voting.acceptance_shown(amendment))
    return render(
        "amendments/accept.html",
        form=form,
        amendment=amendment,
        message=None,
        changed=changed,
        status=409 if changed else None,
        **_agreement(amendment),
        **_redlines(amendment),
    )


@bp.route("/documents/<slug>/clauses/<number>/edit", methods=["GET", "POST"])
def edit_clause(slug: str, number: str):
    """A facilitator edits a clause's wording; a stale form gets 409 with both texts."""
    clause = get_clause_or_404(get_document_or_404(slug), number)
    require(can_edit_clause(current_user, clause))
    service.check_clause_editable(clause)  # why not now (409/410), before the form
    form = ClauseEditForm()
    form.about(clause.document)
    if request.method == "GET":
        form.heading.data, form.body.data = clause.heading, clause.body
        form.revision_number.data = clause.revision_number
    if form.validate_on_submit():
        try:
            service.edit_clause(
                clause,
                form.heading.data,
                form.body.data,
                form.reason.data or "",
                by=current_user,
                seen_revision=form.revision_number.data,
            )
            db.session.commit()
        except service.StaleRevision:
            db.session.rollback()
            return _conflict(form, clause)
        except IntegrityError:
            db.session.rollback()
            return _conflict(form, db.session.get_one(Clause, clause.id))
        except Invalid as error:
            form.body.errors = [str(error)]
        else:
            flash(f"{upper_first(clause.short_name)} has its new wording.", "success")
            return redirect(url_for("documents.clause", slug=slug, number=number), 303)
    return render(
        "amendments/edit_clause.html",
        form=form,
        clause=clause,
        conflict=False,
    )


def _conflict(form: ClauseEditForm, clause: Clause):
    """409 Conflict: the current wording and the person's own, side by side; nothing lost."""
    return render(
        "amendments/edit_clause.html", form=form, clause=clause, conflict=True, status=409
    )


@bp.get("/documents/<slug>/clauses/<number>/history")
def history(slug: str, number: str):
    """Every wording of a clause, each with what changed from the one before."""
    clause = get_clause_or_404(get_document_or_404(slug), number)
    revisions = db.session.scalars(
        select(ClauseRevision)
        .where(ClauseRevision.clause_id == clause.id)
        .order_by(ClauseRevision.number.desc())
        .options(joinedload(ClauseRevision.created_by))
    ).all()
    ordered = list(reversed(revisions))
    changes = {
        later.number: {
            "heading": redline_inline(earlier.heading, later.heading),
            "body": redline(earlier.body, later.body),
            "summary": summarise(earlier.body, later.body),
        }
        for earlier, later in pairwise(ordered)
    }
    accepted = {
        amendment.accepted_revision_number: amendment
        for amendment in db.session.scalars(
            select(Amendment).where(
                Amendment.clause_id == clause.id, Amendment.status == AmendmentStatus.ACCEPTED
            )
        )
    }
    return render(
        "amendments/history.html",
        clause=clause,
        document=clause.document,
        revisions=revisions,
        changes=changes,
        accepted=accepted,
        reasons=shown_reasons(revisions),
    )
