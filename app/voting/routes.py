from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from app.boundaries import ID_MAX, posted_action
from app.extensions import db
from app.forms import EARLY_CLOSE_REASON_NEEDED, OpenVotingForm
from app.loaders import get_amendment_or_404, get_clause_or_404, get_document_or_404
from app.models import Amendment, Choice, Clause, Document
from app.permissions import can_manage_voting, can_vote, require
from app.rendering import is_htmx_request, render, render_fragments
from app.services import DomainError, require_open
from app.services import voting as service
from app.services.shown import ShownChanged
from app.services.shown import digest as shown_digest
from app.templating import london_time
from app.voting.forms import CloseVotingForm, InterestForm, RuleForm
from app.voting.panels import vote_panel_context

bp = Blueprint("voting", __name__)

PANEL_AND_ANNOUNCEMENT = [
    ("voting/panel.html", "vote_panel"),
    ("_announcement.html", "announcement_oob"),
]


def _item_url(item: Clause | Amendment) -> str:
    if isinstance(item, Amendment):
        return url_for("amendments.show", amendment_id=item.id)
    return url_for("documents.clause", slug=item.document.slug, number=item.number)


def _after_vote(item: Clause | Amendment, message: str, status: int = 200):
    """The updated vote panel for htmx (announced, focus on its heading); else flash and go
    back to the page with its banner in view (303)."""
    if is_htmx_request():
        context = {**vote_panel_context(item), "announcement": message}
        return render_fragments(PANEL_AND_ANNOUNCEMENT, status=status, **context)
    flash(message, "success" if status == 200 else "info")
    # To the top of the page's content, where the success banner is (focused by GOV.UK's
    # notification banner with JavaScript; in view without it).
    return redirect(_item_url(item) + "#main-content", 303)


def _item(item: Clause | Amendment) -> dict:
    return {"amendment": item} if isinstance(item, Amendment) else {"clause": item}


def _shown_wording() -> int | None:
    """The clause wording the sent form was drawn on (its ``wording`` field), if it says."""
    return request.form.get("wording", type=int)


def _posted_clause(slug: str, number: str) -> Clause:
    """The clause at ``number``, to which a vote, a declaration or a withdrawal was sent; its
    form says which clause its page showed (``clause_id``), and another one there (the clauses
    moved since) is refused: ``ClauseMoved`` (409), answered for htmx with the panel of the
    clause the page showed."""
    clause = get_clause_or_404(get_document_or_404(slug), number)
    shown_id = request.form.get("clause_id", type=int)
    if shown_id is None or shown_id == clause.id:  # a form that does not say: this clause
        return clause
    shown = db.session.get(Clause, shown_id) if 0 < shown_id <= ID_MAX else None
    if shown is not None and shown.document_id != clause.document_id:
        shown = None
    error = service.clause_moved(clause, shown)
    if shown is not None:
        abort(_refused(shown, error))
    raise error


def _cast(item: Clause | Amendment):
    choice = request.form.get("choice", "")
    if choice not in (Choice.SUPPORT, Choice.OPPOSE, Choice.ABSTAIN):
        abort(400, "Choose Support, Oppose or Abstain.")
    try:
        service.cast_vote(
            current_user, Choice(choice), seen_wording=_shown_wording(), **_item(item)
        )
    except (service.VotingClosed, service.InterestDeclared, service.WordingChanged) as error:
        return _refused(item, error)
    db.session.commit()
    return _after_vote(item, f"Your vote is recorded: {Choice(choice).label}.")


def _refused(item: Clause | Amendment, error: DomainError):
    """For htmx, the vote panel as it now is, saying in place of its buttons why the vote was
    not recorded (409); otherwise the one error handler answers."""
    if not is_htmx_request():
        raise error
    db.session.rollback()
    message = str(error)
    context = {**vote_panel_context(item), "announcement": message, "refusal": message}
    return render_fragments(PANEL_AND_ANNOUNCEMENT, status=error.status, **context)


@bp.post("/documents/<slug>/clauses/<number>/vote")
def vote_clause(slug: str, number: str):
    """Support, oppose or abstain on a clause as drafted."""
    return _cast(_posted_clause(slug, number))


@bp.post("/amendments/<int:amendment_id>/vote")
def vote_amendment(amendment_id: int):
    """Support, oppose or abstain on an amendment."""
    return _cast(get_amendment_or_404(amendment_id))


def _interest(item: Clause | Amendment):
    """The declaration form (offered only while the person can vote on the item)."""
    if request.method == "GET":
        require(can_vote(current_user, item))
        service.check_voting_open(current_user, item)  # why not now (409), not a 403
    form = InterestForm()
    if form.validate_on_submit():
        try:
            service.cast_vote(
                current_user,
                Choice.INTEREST,
                interest_reason=form.reason.data,
                seen_wording=_shown_wording(),
                **_item(item),
            )
        except (service.VotingClosed, service.WordingChanged) as error:
            return _refused(item, error)
        db.session.commit()
        return _after_vote(item, "You have declared an interest and will not vote on this.")
    return render(
        "voting/interest.html",
        form=form,
        item=item,
        item_url=_item_url(item),
        is_amendment=isinstance(item, Amendment),
        document=(item.clause if isinstance(item, Amendment) else item).document,
    )


@bp.route("/documents/<slug>/clauses/<number>/interest", methods=["GET", "POST"])
def clause_interest(slug: str, number: str):
    """Declare an interest in a clause (and so not vote on it)."""
    if request.method == "POST":
        return _interest(_posted_clause(slug, number))
    return _interest(get_clause_or_404(get_document_or_404(slug), number))


@bp.route("/amendments/<int:amendment_id>/interest", methods=["GET", "POST"])
def amendment_interest(amendment_id: int):
    """Declare an interest in an amendment."""
    return _interest(get_amendment_or_404(amendment_id))


def _withdraw_interest(item: Clause | Amendment):
    service.withdraw_interest(current_user, **_item(item))
    db.session.commit()
    return _after_vote(item, "Your declaration of interest is withdrawn. You may now vote.")


@bp.post("/documents/<slug>/clauses/<number>/interest/withdraw")
def withdraw_clause_interest(slug: str, number: str):
    """Take back a declaration of interest in a clause, so as to vote on it."""
    return _withdraw_interest(_posted_clause(slug, number))


@bp.post("/amendments/<int:amendment_id>/interest/withdraw")
def withdraw_amendment_interest(amendment_id: int):
    """Take back a declaration of interest in an amendment."""
    return _withdraw_interest(get_amendment_or_404(amendment_id))


@bp.post("/documents/<slug>/voting")
def open_or_close(slug: str):
    """A facilitator opens voting on the whole document. ``action=close`` (the close button
    of pages from before closing had a check page) leads to that page, closing nothing: voting
    is closed only from what that page showed."""
    document = get_document_or_404(slug)
    require(can_manage_voting(current_user, document))
    if posted_action("open", "close") == "close":
        require_open(document, service.CLOSED_WHILE_OPEN)
        return redirect(url_for("voting.close_document", slug=slug), 303)
    require_open(document, service.OPENED_WHILE_OPEN)  # why not, before the form (409)
    form = OpenVotingForm()
    if not form.validate():
        return render("voting/open.html", form=form, document=document, status=422)
    service.open_voting(document, by=current_user, closes_at=form.closes_at)
    message = "Voting is open."
    if form.closes_at is not None:
        message = f"Voting is open until {london_time(form.closes_at)}."
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("documents.show", slug=slug) + "#voting", 303)


def _close(document: Document, clause: Clause | None = None):
    """The "check your answers" page of closing voting (each item's turnout and what will be
    recorded, the rule, the announced time), and its POST: close, with the reason required
    before the announced time (422 by the field without it; 409 if voting already closed).
    The page's form carries the digest of what it showed; when the outcomes or counts are no
    longer those (a vote since), nothing closes and the page shows them as they now are (409),
    with the reason kept."""
    form = CloseVotingForm()
    changed = None
    if form.validate_on_submit():
        reason = form.close_reason.data
        seen = form.shown.data or ""
        try:
            if clause is not None:
                outcomes = service.close_clause_voting(
                    clause, by=current_user, reason=reason, seen=seen
                )
            else:
                outcomes = service.close_voting(document, by=current_user, reason=reason, seen=seen)
        except service.ReasonRequired:
            db.session.rollback()
            form.close_reason.errors = [EARLY_CLOSE_REASON_NEEDED]
        except ShownChanged as error:
            db.session.rollback()
            changed = str(error)
        else:
            db.session.commit()
            if clause is not None:
                result = "agreed" if outcomes[0].agreed else "not agreed"
                flash(f"Voting on {clause.short_name} is closed: {result}.", "success")
                return redirect(_item_url(clause) + "#vote-panel", 303)
            agreed = sum(1 for o in outcomes if o.agreed)
            flash(
                f"Voting is closed. {agreed} of {len(outcomes)} items were agreed; the "
                "results are recorded.",
                "success",
            )
            return redirect(url_for("documents.show", slug=document.slug) + "#voting", 303)
    preview = service.preview_closing(document, clause=clause)
    form.shown.data = shown_digest(service.closing_shown(preview))
    return render(
        "voting/close.html",
        form=form,
        document=document,
        clause=clause,
        preview=preview,
        changed=changed,
        status=409 if changed else None,
    )


@bp.route("/documents/<slug>/voting/close", methods=["GET", "POST"])
def close_document(slug: str):
    """A facilitator checks what closing voting on the whole document will record, then
    closes it."""
    document = get_document_or_404(slug)
    require(can_manage_voting(current_user, document))
    require_open(document, service.CLOSED_WHILE_OPEN)
    return _close(document)


@bp.route("/documents/<slug>/clauses/<number>/voting/close", methods=["GET", "POST"])
def close_clause(slug: str, number: str):
    """A facilitator checks what closing voting on one clause (and its amendments) will
    record, then closes it."""
    clause = get_clause_or_404(get_document_or_404(slug), number)
    require(can_manage_voting(current_user, clause.document))
    require_open(clause.document, service.CLOSED_WHILE_OPEN)
    return _close(clause.document, clause)


@bp.route("/documents/<slug>/rule", methods=["GET", "POST"])
def rule(slug: str):
    """A facilitator sets the agreement rule's turnout thresholds before voting opens."""
    document = get_document_or_404(slug)
    require(can_manage_voting(current_user, document))
    service.check_rule_changeable(document)  # why not, before the form (409)
    form = RuleForm(obj=document)
    if request.method != "POST":  # drawn now: it carries the rule it shows
        form.shown.data = shown_digest(service.rule_shown(document))
    if form.validate_on_submit():
        try:
            service.set_rule(
                document,
                form.member_turnout_percent.data,
                form.officer_turnout_percent.data,
                by=current_user,
                seen=form.shown.data or "",
            )
        except ShownChanged as error:  # changed meanwhile: the rule now beside what was typed
            db.session.rollback()
            document = get_document_or_404(slug)
            form.shown.data = shown_digest(service.rule_shown(document))
            return render(
                "voting/rule.html", form=form, document=document, changed=str(error), status=409
            )
        db.session.commit()
        flash("The agreement rule is saved.", "success")
        return redirect(url_for("documents.show", slug=slug) + "#voting", 303)
    return render("voting/rule.html", form=form, document=document)


@bp.post("/documents/<slug>/amendments-stopped")
def stop_document_amendments(slug: str):
    """Stop (or take again) new amendments on the whole document."""
    document = get_document_or_404(slug)
    require(can_manage_voting(current_user, document))
    require_open(document, service.STOPPED_WHILE_OPEN)
    stopped = posted_action("stop", "resume") == "stop"
    service.set_amendments_stopped(document, stopped, by=current_user)
    db.session.commit()
    flash(
        "New amendments are stopped." if stopped else "New amendments are welcome again.", "success"
    )
    return redirect(url_for("documents.show", slug=slug) + "#voting", 303)


@bp.post("/documents/<slug>/clauses/<number>/amendments-stopped")
def stop_clause_amendments(slug: str, number: str):
    clause = get_clause_or_404(get_document_or_404(slug), number)
    require(can_manage_voting(current_user, clause.document))
    require_open(clause.document, service.STOPPED_WHILE_OPEN)
    stopped = posted_action("stop", "resume") == "stop"
    service.set_amendments_stopped(clause.document, stopped, by=current_user, clause=clause)
    db.session.commit()
    flash(
        clause.document.worded(
            "New amendments to this clause are stopped."
            if stopped
            else "New amendments to this clause are welcome again."
        ),
        "success",
    )
    return redirect(_item_url(clause) + "#amendments", 303)
