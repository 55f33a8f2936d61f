"""Suggesting a change to a passage, commenting on a passage, and accepting several agreed
suggestions at once. Each is a plain form (the page's script only fills in the quote and its
context from a selection); the server finds the passage (``app.services.passages.locate``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.boundaries import as_whole_number
from app.diff import redline, summarise
from app.extensions import db
from app.forms import chosen_recommendations, recommendation_choices
from app.loaders import get_clause_or_404, get_document_or_404
from app.models import Amendment, AmendmentStatus, Clause, User
from app.passages.forms import AcceptSuggestionsForm, PassageCommentForm, SuggestForm
from app.permissions import (
    can_accept_suggestions,
    can_comment_on_passage,
    can_propose_amendment,
    require,
)
from app.rendering import render
from app.services import DomainError, Invalid, amendments, discussions, voting
from app.services import passages as service
from app.services.shown import ShownChanged
from app.services.shown import digest as shown_digest

bp = Blueprint("passages", __name__)

PASSAGE_ERRORS = (service.PassageNotFound, service.PassageAmbiguous)


def _prefill(form: SuggestForm | PassageCommentForm) -> None:
    """A selection made on the clause page arrives as ``?quote=…&prefix=…&suffix=…``."""
    if request.method == "GET":
        for name in ("quote", "prefix", "suffix"):
            value = request.args.get(name, "")[: service.MAX_QUOTE]
            if value:
                getattr(form, name).data = value


@bp.route("/documents/<slug>/clauses/<number>/suggest", methods=["GET", "POST"])
def suggest(slug: str, number: str):
    """Suggest new words for a passage of a clause."""
    clause = get_clause_or_404(get_document_or_404(slug), number)
    require(can_propose_amendment(current_user, clause))
    amendments.check_amendments_open(clause)  # why not now, before any form (409)
    form = SuggestForm()
    form.about(clause.document)
    form.recommendations.choices = recommendation_choices()
    _prefill(form)
    if request.method == "GET":
        form.recommendations.data = [r.id for r in clause.recommendations]
    if form.validate_on_submit():
        try:
            amendment = service.suggest_change(
                clause,
                by=current_user,
                quote=form.quote.data,
                replacement=form.replacement.data or "",
                reason=form.rationale.data,
                recommendations=chosen_recommendations(form.recommendations.data),
                prefix=form.prefix.data or "",
                suffix=form.suffix.data or "",
                submission_key=form.submission_key.data or None,
            )
        except PASSAGE_ERRORS as error:
            form.quote.errors = [str(error)]
        except Invalid as error:
            form.replacement.errors = [str(error)]
        else:
            db.session.commit()
            flash("Your suggestion is made. Others can now discuss and vote on it.", "success")
            return redirect(url_for("amendments.show", amendment_id=amendment.id), 303)
    return render(
        "passages/suggest.html",
        form=form,
        clause=clause,
        document=clause.document,
    )


@bp.route("/documents/<slug>/clauses/<number>/comment-on-passage", methods=["GET", "POST"])
def comment(slug: str, number: str):
    """Comment on a passage of a clause (a discussion anchored to it)."""
    clause = get_clause_or_404(get_document_or_404(slug), number)
    require(can_comment_on_passage(current_user, clause))
    discussions.require_discussable(clause.document, clause)  # why not now (409/410)
    form = PassageCommentForm()
    form.about(clause.document)
    _prefill(form)
    if form.validate_on_submit():
        try:
            made = service.comment_on_passage(
                clause,
                by=current_user,
                quote=form.quote.data,
                body=form.body.data,
                prefix=form.prefix.data or "",
                suffix=form.suffix.data or "",
                submission_key=form.submission_key.data or None,
            )
            db.session.commit()
        except PASSAGE_ERRORS as error:
            db.session.rollback()
            form.quote.errors = [str(error)]
        except Invalid as error:
            db.session.rollback()
            form.body.errors = [str(error)]
        except IntegrityError:  # the same form sent twice at once: the first one stands
            db.session.rollback()
            flash("Your comment was already posted.", "success")
            return redirect(url_for("documents.clause", slug=slug, number=number), 303)
        else:
            flash("Your comment on the passage is posted.", "success")
            return redirect(url_for("discussions.show", discussion_id=made.discussion_id), 303)
    return render(
        "passages/comment.html",
        form=form,
        clause=clause,
        document=clause.document,
    )


def _acceptable(clause: Clause) -> list[tuple[Amendment, bool]]:
    """The clause's open suggestions whose passage is in the current wording, each with
    whether the agreement rule agrees it."""
    suggestions = db.session.scalars(
        select(Amendment)
        .where(
            Amendment.clause_id == clause.id,
            Amendment.status == AmendmentStatus.OPEN,
            Amendment.passage_quote.is_not(None),
        )
        .order_by(Amendment.anchor_start, Amendment.id)
        .options(joinedload(Amendment.proposer).lazyload(User.role_grants))
    ).all()
    anchored = [s for s in suggestions if s.is_anchored]
    tallies = voting.tallies(amendments=anchored)
    document = clause.document
    return [
        (s, voting.explain_agreement(tallies[("amendment", s.id)], document).agreed)
        for s in anchored
    ]


def _why_not_offered(clause: Clause, agreed: dict[int, Amendment]) -> str | None:
    """Why a suggestion the form sent is not among those offered, in words: accepted (the
    button sent twice, another facilitator), or no longer open or agreed. "Choose suggestions
    from the list" said nothing of it (outside tester)."""
    sent = {n for n in map(as_whole_number, request.form.getlist("suggestions")) if n}
    for suggestion in db.session.scalars(
        select(Amendment).where(Amendment.id.in_(sorted(sent - set(agreed))))
    ):
        if suggestion.clause_id != clause.id:
            continue
        if suggestion.status == AmendmentStatus.ACCEPTED:
            return f"Suggestion {suggestion.id} has already been accepted: nothing was changed."
        if suggestion.status != AmendmentStatus.OPEN:
            state = suggestion.status.label.lower()
            return f"Suggestion {suggestion.id} has been {state}: nothing was changed."
        return f"Suggestion {suggestion.id} is not agreed under the rule: nothing was changed."
    return None


@bp.route("/documents/<slug>/clauses/<number>/suggestions/accept", methods=["GET", "POST"])
def accept_several(slug: str, number: str):
    """A facilitator accepts several agreed, non-overlapping suggestions as one new wording,
    after a preview of the combined redline. The accept button confirms that preview: when
    the new wording is no longer the one shown (the clause changed since), nothing is accepted
    and the page shows the new preview (409)."""
    clause = get_clause_or_404(get_document_or_404(slug), number)
    require(can_accept_suggestions(current_user, clause))
    amendments.check_clause_editable(clause)  # why not now (409/410), before the form
    candidates = _acceptable(clause)
    agreed = {s.id: s for s, is_agreed in candidates if is_agreed}
    form = AcceptSuggestionsForm()
    form.suggestions.choices = [
        (s.id, f"Suggestion {s.id}: “{s.passage_quote}” → “{s.passage_replacement}”")
        for s in agreed.values()
    ]
    preview = changed = None
    if form.validate_on_submit():
        chosen = [agreed[i] for i in form.suggestions.data]
        try:
            if form.submit.data:
                seen = form.shown.data or ""
                service.accept_suggestions(clause, chosen, by=current_user, seen=seen)
                db.session.commit()
                flash(
                    f"{len(chosen)} suggestion{'s' if len(chosen) > 1 else ''} accepted: "
                    f"{clause.short_name} has its new wording.",
                    "success",
                )
                return redirect(url_for("documents.clause", slug=slug, number=number), 303)
        except ShownChanged as error:  # the preview below is drawn again, as things now are
            db.session.rollback()
            changed = str(error)
        except DomainError as error:
            db.session.rollback()
            form.suggestions.errors = [str(error)]
        except IntegrityError:
            db.session.rollback()
            form.suggestions.errors = [
                clause.document.worded(
                    "The clause was changed by someone else at the same moment. Nothing was "
                    "changed."
                )
            ]
        if not form.suggestions.errors:
            try:
                combined = service.combine(clause, chosen)
            except DomainError as error:
                form.suggestions.errors = [str(error)]
            else:
                preview = {
                    "body": redline(clause.body, combined),
                    "summary": summarise(clause.body, combined),
                }
                form.shown.data = shown_digest(service.combined_shown(clause, chosen, combined))
    elif form.is_submitted() and form.suggestions.errors:
        form.suggestions.errors = [_why_not_offered(clause, agreed) or form.suggestions.errors[0]]
    return render(
        "passages/accept.html",
        form=form,
        clause=clause,
        document=clause.document,
        candidates=candidates,
        alternatives=service.alternatives([s for s, _ in candidates]),
        preview=preview,
        changed=changed,
        status=409 if changed else None,
    )
