from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.forms import (
    MoveForm,
    chosen_recommendations,
    create_once,
    move_as_asked,
    recommendation_choices,
)
from app.joint_sessions.calendar import calendar_for
from app.joint_sessions.forms import (
    ActionForm,
    AttendanceForm,
    DeclineForm,
    ItemForm,
    LinkClauseForm,
    OutcomeForm,
    ProposalForm,
    RegisterForm,
    SessionForm,
    ToAmendmentForm,
    ToDocumentForm,
)
from app.loaders import get_clause_or_404
from app.models import (
    AgendaItem,
    AgendaProposal,
    Attendance,
    AttendanceAnswer,
    Audience,
    Clause,
    Document,
    DocumentKind,
    DocumentStatus,
    JointSession,
    ProposalStatus,
    Purpose,
    RegisterMark,
    SessionAction,
)
from app.permissions import (
    can_attend,
    can_manage_sessions,
    can_propose_agenda_item,
    can_read_session,
    is_readable_by,
    require,
)
from app.rendering import render, safe_next
from app.rules import is_over
from app.services import DomainError, Invalid, SentAgainChanged, require_editable
from app.services import joint_sessions as service
from app.services.clauses import require_live
from app.services.shown import ShownChanged
from app.services.shown import digest as shown_digest
from app.sql import one_of

bp = Blueprint("joint_sessions", __name__)


def _session(session_id: int) -> JointSession:
    session = db.first_or_404(
        select(JointSession)
        .where(JointSession.id == session_id)
        .options(joinedload(JointSession.agenda))
    )
    require(can_read_session(current_user, session))
    return session


def _item(session: JointSession, clause_id: int) -> Clause:
    clause = get_clause_or_404(session.agenda, clause_id=clause_id)
    require_live(clause)
    return clause


def _agenda_item_to_change(session: JointSession, clause_id: int) -> Clause:
    """The live agenda item ``clause_id`` of ``session``, for a route that writes to the
    agenda's record: facilitators and admins (403), and the agenda's state checked as loaded
    (``DocumentNotEditable``, 409) before any form is read, so that a submitted agenda
    answers whatever was typed with why it cannot change, never with errors for a form its
    page does not show. The service checks the state again under the agenda's lock."""
    require(can_manage_sessions(current_user))
    require_editable(session.agenda)
    return _item(session, clause_id)


def _visible_sessions() -> list[JointSession]:
    query = (
        select(JointSession)
        .join(Document, Document.id == JointSession.agenda_id)
        .options(joinedload(JointSession.agenda))
        .where(is_readable_by(current_user))
        .order_by(JointSession.starts_at)
    )
    return list(db.session.scalars(query))


@bp.get("/sessions")
def index():
    """Upcoming and past sessions, with their themes and the recommendations they answer."""
    sessions = _visible_sessions()
    upcoming = [s for s in sessions if not is_over(s)]
    past = [s for s in sessions if is_over(s)][::-1]
    return render("joint_sessions/index.html", upcoming=upcoming, past=past)


@bp.route("/sessions/new", methods=["GET", "POST"])
def new():
    """A facilitator creates a session (its agenda starts as a Draft)."""
    require(can_manage_sessions(current_user))
    form = SessionForm()
    form.recommendations.choices = recommendation_choices()
    if form.validate_on_submit():
        start, end = form.start.parsed, form.end.parsed
        assert start is not None and end is not None  # both required, and parsed when valid

        def create() -> tuple[str, str]:
            session = service.create_session(
                title=form.title.data,
                theme=form.theme.data,
                day=form.day.data,
                start=start,
                end=end,
                venue=form.venue.data,
                is_off_site=form.is_off_site.data,
                audience=Audience(form.audience.data),
                facilitator_name=form.facilitator_name.data or "",
                facilitator_is_external=form.facilitator_is_external.data,
                recommendations=chosen_recommendations(form.recommendations.data),
                by=current_user,
            )
            return (
                url_for("joint_sessions.show", session_id=session.id),
                "The session is created. Add its agenda items, then publish the agenda.",
            )

        try:
            return create_once(form, create, made="the session")
        except Invalid as error:  # it would end before it starts
            form.end.errors = [str(error)]
    return render("joint_sessions/new.html", form=form)


def _page(session: JointSession, **forms):
    plan = service.schedule(session)
    proposals = db.session.scalars(
        select(AgendaProposal)
        .where(AgendaProposal.session_id == session.id)
        .order_by(AgendaProposal.id)
        .options(joinedload(AgendaProposal.proposer))
    ).all()
    actions = db.session.scalars(
        select(SessionAction)
        .where(SessionAction.session_id == session.id)
        .order_by(SessionAction.id)
    ).all()
    mine = db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == session.id, Attendance.user_id == current_user.id
        )
    )
    attendance_form = forms.pop("attendance_form", None) or AttendanceForm(
        formdata=None, answer=mine.answer.value if mine else None
    )
    return render(
        "joint_sessions/show.html",
        session=session,
        plan=plan,
        proposals=proposals,
        actions=actions,
        my_attendance=mine,
        attendance_form=attendance_form,
        attendance=service.attendance_summary(session)
        if can_manage_sessions(current_user)
        else None,
        is_over=is_over(session),
        move_form=MoveForm(formdata=None),
        status=forms.pop("status", 200),
        **forms,
    )


@bp.get("/sessions/<int:session_id>")
def show(session_id: int):
    """A session: details, the agenda with start times, proposals, attendance, actions."""
    return _page(_session(session_id))


@bp.route("/sessions/<int:session_id>/items/new", methods=["GET", "POST"])
def add_item(session_id: int):
    """A facilitator adds an item to the agenda (before it is submitted)."""
    session = _session(session_id)
    require(can_manage_sessions(current_user))
    require_editable(session.agenda)
    form = ItemForm()
    form.recommendations.choices = recommendation_choices()
    if form.validate_on_submit():

        def add() -> tuple[str, str]:
            made = service.add_item(
                session,
                form.heading.data,
                form.body.data,
                purpose=Purpose(form.purpose.data),
                lead=form.lead.data or "",
                duration_minutes=form.duration_minutes.data,
                by=current_user,
                recommendations=chosen_recommendations(form.recommendations.data),
            )
            return (
                url_for("joint_sessions.show", session_id=session.id) + f"#item-{made.id}",
                "The item is added to the agenda.",
            )

        return create_once(form, add, made="the agenda item")
    return render(
        "joint_sessions/item_form.html",
        form=form,
        session=session,
    )


@bp.post("/sessions/<int:session_id>/items/<int:clause_id>/move")
def move_item(session_id: int, clause_id: int):
    """Move an item up, down or to a numbered position (works without JavaScript)."""
    session = _session(session_id)
    clause = _agenda_item_to_change(session, clause_id)
    try:
        target = move_as_asked(clause)
    except DomainError as error:
        if error.status != 422:  # only a bad position is shown by the item's move controls
            raise
        db.session.rollback()
        return _page(session, move_error=(clause.id, str(error)), status=422)
    db.session.commit()
    flash(f"“{clause.heading}” is now item {target}.", "success")
    return redirect(
        url_for("joint_sessions.show", session_id=session.id) + f"#item-{clause.id}", 303
    )


@bp.post("/sessions/<int:session_id>/publish")
def publish(session_id: int):
    """Publish the agenda: Members and Officers can read, propose items and reply."""
    session = _session(session_id)
    require(can_manage_sessions(current_user))
    service.publish_agenda(session, by=current_user)
    db.session.commit()
    flash("The agenda is published.", "success")
    return redirect(url_for("joint_sessions.show", session_id=session.id), 303)


@bp.route("/sessions/<int:session_id>/propose", methods=["GET", "POST"])
def propose(session_id: int):
    """A Member or Officer proposes an item for the agenda."""
    session = _session(session_id)
    require(can_propose_agenda_item(current_user, session))
    service.require_proposals_open(session)
    form = ProposalForm()
    if form.validate_on_submit():

        def propose() -> tuple[str, str]:
            proposal = service.propose_item(
                session,
                title=form.title.data,
                description=form.description.data,
                purpose=Purpose(form.purpose.data),
                duration_minutes=form.duration_minutes.data,
                by=current_user,
            )
            return (
                url_for("joint_sessions.show", session_id=session.id) + f"#proposal-{proposal.id}",
                "Your item is proposed. A facilitator will accept or decline it.",
            )

        return create_once(form, propose, made="the proposed item")
    return render(
        "joint_sessions/propose.html",
        form=form,
        session=session,
    )


def _proposal(proposal_id: int) -> tuple[AgendaProposal, JointSession]:
    proposal = db.get_or_404(AgendaProposal, proposal_id)
    session = _session(proposal.session_id)
    require(can_manage_sessions(current_user))
    return proposal, session


@bp.post("/proposals/<int:proposal_id>/accept")
def accept_proposal(proposal_id: int):
    """A facilitator adds a proposed item to the agenda."""
    proposal, session = _proposal(proposal_id)
    service.accept_proposal(proposal, session, by=current_user)
    db.session.commit()
    flash(f"“{proposal.title}” is added to the agenda.", "success")
    return redirect(url_for("joint_sessions.show", session_id=session.id) + "#agenda", 303)


@bp.route("/proposals/<int:proposal_id>/decline", methods=["GET", "POST"])
def decline_proposal(proposal_id: int):
    """A facilitator declines a proposed item, saying why."""
    proposal, session = _proposal(proposal_id)
    require_editable(session.agenda)
    if proposal.status != ProposalStatus.PROPOSED:
        raise service.AlreadyDecided()
    form = DeclineForm()
    if form.validate_on_submit():
        service.decline_proposal(proposal, session, form.reason.data, by=current_user)
        db.session.commit()
        flash(f"“{proposal.title}” is declined.", "success")
        return redirect(url_for("joint_sessions.show", session_id=session.id) + "#proposals", 303)
    return render(
        "joint_sessions/decline.html",
        form=form,
        proposal=proposal,
        session=session,
    )


@bp.post("/sessions/<int:session_id>/attendance")
def attendance(session_id: int):
    """Say whether you will attend (changeable until the session ends)."""
    session = _session(session_id)
    require(can_attend(current_user, session))
    service.require_answerable(session)
    form = AttendanceForm()
    if not form.validate_on_submit():
        return _page(session, attendance_form=form, status=422)
    service.answer_attendance(session, current_user, AttendanceAnswer(form.answer.data))
    db.session.commit()
    flash(f"Your answer is saved: {AttendanceAnswer(form.answer.data).label}.", "success")
    return redirect(url_for("joint_sessions.show", session_id=session.id) + "#attendance", 303)


@bp.route("/sessions/<int:session_id>/items/<int:clause_id>/outcome", methods=["GET", "POST"])
def outcome(session_id: int, clause_id: int):
    """After the session: an item's outcome and its actions (what, who, by when)."""
    session = _session(session_id)
    if request.method == "POST":
        clause = _agenda_item_to_change(session, clause_id)
        if request.form.get("form") not in ("outcome", "action"):
            abort(400)  # the page's two forms each say which they are: a tampered form
    else:
        require(can_manage_sessions(current_user))
        clause = _item(session, clause_id)
    item = db.session.get(AgendaItem, clause.id)
    saved = item.outcome if item else ""
    outcome_form = OutcomeForm(prefix="outcome", outcome=saved)
    if request.form.get("form") != "outcome":  # drawn now: it carries the outcome it shows
        outcome_form.shown.data = shown_digest(service.outcome_shown(saved))
    action_form = ActionForm(prefix="action")
    if request.method == "POST":
        if request.form.get("form") == "outcome" and outcome_form.validate():
            try:
                service.record_outcome(
                    clause,
                    outcome_form.outcome.data or "",
                    by=current_user,
                    seen=outcome_form.shown.data or "",
                )
            except ShownChanged as error:  # saved in another tab: both shown, nothing lost
                db.session.rollback()
                item = db.session.get(AgendaItem, clause.id)
                theirs = item.outcome if item else ""
                outcome_form.shown.data = shown_digest(service.outcome_shown(theirs))
                return _outcome_page(
                    session,
                    clause,
                    outcome_form=outcome_form,
                    changed=str(error),
                    theirs=theirs,
                    status=409,
                )
            db.session.commit()
            flash("The outcome is saved.", "success")
            return redirect(request.path, 303)
        if request.form.get("form") == "action" and action_form.validate():

            def add() -> tuple[str, str]:
                action = service.add_action(
                    session,
                    clause,
                    what=action_form.what.data,
                    who=action_form.who.data,
                    due_on=action_form.due_on.data,
                    by=current_user,
                )
                return f"{request.path}#action-{action.id}", "The action is added."

            return create_once(action_form, add, made="the action")
    return _outcome_page(session, clause, outcome_form=outcome_form, action_form=action_form)


def _outcome_page(
    session: JointSession,
    clause: Clause,
    *,
    status: int | None = None,
    changed: str | None = None,
    theirs: str | None = None,
    **forms,
):
    """The outcome page with its four forms; any given in ``forms`` (with their errors) are
    shown as posted, the others empty (the outcome form with the saved outcome and its digest).
    ``changed`` and ``theirs``: an outcome saved in another tab, refused (409) and shown."""
    item = db.session.get(AgendaItem, clause.id)
    if "outcome_form" not in forms:
        saved = item.outcome if item else ""
        forms["outcome_form"] = OutcomeForm(prefix="outcome", formdata=None, outcome=saved)
        forms["outcome_form"].shown.data = shown_digest(service.outcome_shown(saved))
    forms.setdefault("action_form", ActionForm(prefix="action", formdata=None))
    to_document = forms.setdefault("to_document", ToDocumentForm(prefix="clause", formdata=None))
    to_document.target.choices = _target_documents()
    to_amendment = forms.setdefault(
        "to_amendment", ToAmendmentForm(prefix="amendment", formdata=None)
    )
    to_amendment.target.choices = _target_clauses(AMENDABLE)
    link_form = forms.setdefault("link_form", LinkClauseForm(prefix="link", formdata=None))
    link_form.clause.choices = _target_clauses()
    actions = db.session.scalars(
        select(SessionAction).where(SessionAction.clause_id == clause.id).order_by(SessionAction.id)
    ).all()
    return render(
        "joint_sessions/outcome.html",
        session=session,
        clause=clause,
        item=item,
        actions=actions,
        came_from=service.came_from(clause),
        status=status,
        changed=changed,
        theirs=theirs,
        **forms,
    )


# The states of the documents whose clauses take amendments (``amendments.propose``).
AMENDABLE = (DocumentStatus.OPEN,)


def _target_clauses(
    statuses: tuple[DocumentStatus, ...] = (DocumentStatus.DRAFT, DocumentStatus.OPEN),
) -> list[tuple[str, str]]:
    """The live clauses of the Accord, the Protocol and any other document in ``statuses``
    (Open or Draft: an item may discuss a clause still drafted; only an Open document takes
    amendments, ``AMENDABLE``)."""
    found = db.session.execute(
        select(Clause.id, Clause.number, Clause.heading, Document.title)
        .join(Document, Document.id == Clause.document_id)
        .where(
            Document.kind != DocumentKind.AGENDA,
            one_of(Document.status, statuses),
            Clause.retired_at.is_(None),
        )
        .order_by(Document.title, Clause.position)
    ).all()
    return [("", "Choose a clause")] + [
        (str(id_), f"{title}, clause {number}: {heading}") for id_, number, heading, title in found
    ]


def _target_documents() -> dict[str, str]:
    documents = db.session.scalars(
        select(Document)
        .where(
            Document.kind != DocumentKind.AGENDA,
            one_of(Document.status, (DocumentStatus.DRAFT, DocumentStatus.OPEN)),
        )
        .order_by(Document.title)
    ).all()
    return {"": "Choose a document"} | {str(d.id): d.title for d in documents}


@bp.post("/sessions/<int:session_id>/items/<int:clause_id>/to-document")
def to_document(session_id: int, clause_id: int):
    """Turn an item's outcome into a new clause of the Accord or the Protocol."""
    session = _session(session_id)
    clause = _agenda_item_to_change(session, clause_id)
    form = ToDocumentForm(prefix="clause")
    form.target.choices = _target_documents()
    if form.validate_on_submit() and form.target.data:
        target = db.get_or_404(Document, int(form.target.data))

        def add() -> tuple[str, str]:
            new = service.outcome_to_clause(
                clause, target, form.heading.data, form.body.data, by=current_user
            )
            return (
                url_for("documents.clause", slug=target.slug, number=new.number),
                f"Clause {new.number} of {target.title} comes from this item.",
            )

        return create_once(form, add, made="the clause")
    if not form.target.data:
        form.target.errors = ["Choose the Accord or the Protocol"]
    return _outcome_page(session, clause, to_document=form, status=422)


@bp.post("/sessions/<int:session_id>/items/<int:clause_id>/to-amendment")
def to_amendment(session_id: int, clause_id: int):
    """Turn an item's outcome into a proposed amendment to an existing clause."""
    session = _session(session_id)
    clause = _agenda_item_to_change(session, clause_id)
    form = ToAmendmentForm(prefix="amendment")
    form.target.choices = _target_clauses(AMENDABLE)
    status = None
    if form.validate_on_submit():
        target = db.get_or_404(Clause, int(form.target.data))

        def propose() -> tuple[str, str]:
            amendment = service.outcome_to_amendment(
                clause,
                target,
                form.heading.data or "",
                form.body.data,
                form.rationale.data or "",
                by=current_user,
            )
            return (
                url_for("joint_sessions.outcome", session_id=session.id, clause_id=clause.id)
                + f"#came-from-amendment-{amendment.id}",
                f"The amendment to clause {target.number} of {target.document.title} is "
                "proposed, linked to this item.",
            )

        try:
            return create_once(form, propose, made="the amendment")
        except SentAgainChanged:  # the form's key, not the amendment: the error page says so
            raise
        except DomainError as error:  # why the amendment cannot be, beside its words
            form.body.errors = [str(error)]
            status = error.status
    return _outcome_page(session, clause, to_amendment=form, status=status)


@bp.post("/sessions/<int:session_id>/items/<int:clause_id>/clauses")
def link_clause(session_id: int, clause_id: int):
    """Say which clause (of the Accord or the Protocol) an agenda item discusses. Sending it
    again changes nothing (a link is there or not), so it needs no one-time key."""
    session = _session(session_id)
    clause = _agenda_item_to_change(session, clause_id)
    form = LinkClauseForm(prefix="link")
    form.clause.choices = _target_clauses()
    if form.validate_on_submit():
        target = db.get_or_404(Clause, int(form.clause.data))
        if service.link_clause(clause, target, by=current_user):
            db.session.commit()
            flash(
                f"The item discusses clause {target.number} of {target.document.title}.",
                "success",
            )
        else:  # sent twice, say, or from a page opened before someone else linked it
            flash(
                f"Clause {target.number} of {target.document.title} was already listed, so "
                "nothing changed.",
                "info",
            )
        return redirect(
            url_for("joint_sessions.outcome", session_id=session.id, clause_id=clause.id)
            + "#discusses",
            303,
        )
    return _outcome_page(session, clause, link_form=form, status=422)


@bp.post("/sessions/<int:session_id>/items/<int:clause_id>/clauses/<int:linked_id>/unlink")
def unlink_clause(session_id: int, clause_id: int, linked_id: int):
    """The item no longer lists the clause."""
    session = _session(session_id)
    clause = _agenda_item_to_change(session, clause_id)
    target = db.get_or_404(Clause, linked_id)
    if service.unlink_clause(clause, target, by=current_user):
        db.session.commit()
        flash(f"Clause {target.number} of {target.document.title} is no longer listed.", "success")
    else:  # sent twice, say, or from a page opened before someone else took it off
        flash(
            f"Clause {target.number} of {target.document.title} was not listed, so nothing "
            "changed.",
            "info",
        )
    return redirect(
        url_for("joint_sessions.outcome", session_id=session.id, clause_id=clause.id)
        + "#discusses",
        303,
    )


@bp.route("/sessions/<int:session_id>/register", methods=["GET", "POST"])
def take_register(session_id: int):
    """Who said they will come, by name, side and Group, and the register taken on the day
    (present, apologies, absent). Each row carries the mark the page showed (``shown-<id>``)
    and only the marks changed on the page are saved: one changed meanwhile by someone else
    saves nothing (409), the register shown as it now is with the choices made kept."""
    session = _session(session_id)
    require(can_manage_sessions(current_user))
    if request.method == "POST":
        service.require_register_open(session)
    rows = service.register(session)
    form = RegisterForm()
    errors: dict[int, str] = {}
    changed = None
    # What each row's radios show checked, and the mark its hidden field says it showed.
    checked = {row.user.id: row.mark.value if row.mark else "" for row in rows}
    drawn = dict(checked)
    if form.validate_on_submit():
        marks: dict[int, RegisterMark] = {}
        shown: dict[int, RegisterMark | None] = {}
        valid = RegisterMark._value2member_map_
        for row in rows:
            value = request.form.get(f"mark-{row.user.id}", "")
            was = request.form.get(f"shown-{row.user.id}", "")  # none: not marked
            checked[row.user.id], drawn[row.user.id] = value or checked[row.user.id], was
            if value and value not in valid:
                errors[row.user.id] = (
                    f"Choose present, apologies or absent for {row.user.display_name}"
                )
            elif value and value != was:  # changed on this page: saved
                marks[row.user.id] = RegisterMark(value)
                shown[row.user.id] = RegisterMark(was) if was in valid else None
        if not errors:
            try:
                saved = service.mark_register(session, marks, by=current_user, shown=shown)
            except service.RegisterChanged as error:  # the register now, the choices kept
                db.session.rollback()
                session = _session(session_id)
                rows = service.register(session)
                drawn = {row.user.id: row.mark.value if row.mark else "" for row in rows}
                checked = drawn | {user_id: mark.value for user_id, mark in marks.items()}
                changed = str(error)
                for row in error.changed:
                    now = row.mark.label if row.mark else "not marked"
                    errors[row.user.id] = (
                        f"Someone else changed {row.user.display_name}'s mark to “{now}” "
                        "after you opened the register: your choice is still selected"
                    )
            else:
                db.session.commit()
                if saved:
                    flash(
                        f"The register is saved: {saved} {'person' if saved == 1 else 'people'} "
                        "marked.",
                        "success",
                    )
                else:
                    flash("No marks were changed, so nothing was saved.", "info")
                return redirect(url_for("joint_sessions.take_register", session_id=session.id), 303)
    return render(
        "joint_sessions/register.html",
        session=session,
        rows=rows,
        counts=service.register_counts(rows),
        form=form,
        errors=errors,
        changed=changed,
        checked=checked,
        drawn=drawn,
        marks=list(RegisterMark),
        is_published=session.agenda.status != DocumentStatus.DRAFT,
        status=(409 if changed else 422) if errors else None,
    )


@bp.get("/actions")
def actions():
    """Every open action from every session."""
    return render(
        "joint_sessions/actions.html",
        actions=[a for a in service.open_actions() if can_read_session(current_user, a.session)],
    )


@bp.post("/actions/<int:action_id>/done")
def mark_done(action_id: int):
    action = db.get_or_404(SessionAction, action_id)
    _session(action.session_id)
    require(can_manage_sessions(current_user))
    service.mark_done(action, by=current_user)
    db.session.commit()
    flash("The action is marked as done.", "success")
    return redirect(safe_next(request.form.get("next"), url_for("joint_sessions.actions")), 303)


@bp.get("/sessions/<int:session_id>/calendar.ics")
def calendar(session_id: int):
    """One session as a calendar event."""
    session = _session(session_id)
    return _ics(calendar_for([session]), f"session-{session.id}.ics")


@bp.get("/sessions/calendar.ics")
def feed():
    """Every session you can see, as a calendar feed."""
    return _ics(calendar_for(_visible_sessions()), "accord-sessions.ics")


def _ics(body: bytes, name: str):
    return (
        body,
        200,
        {
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


@bp.app_template_global("session_item_source")
def session_item_source(item_clause_id: int | None):
    """For a clause or an amendment page: the session and item it came from, or None (also
    when the signed-in person may not read the session's agenda: a Draft's)."""
    source = service.source_of(item_clause_id)
    if source is None or not can_read_session(current_user, source.session):
        return None
    return source
