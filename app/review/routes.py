from __future__ import annotations

from datetime import UTC, datetime, time

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.diff import redline, redline_inline, summarise
from app.extensions import db
from app.models import (
    Amendment,
    AmendmentStatus,
    AuditEvent,
    Clause,
    CommitteeDecision,
    Decision,
    Discussion,
    Document,
    DocumentStatus,
    DocumentVersion,
    RecommendationSource,
    ReviewNote,
    Transition,
)
from app.pagination import paginate
from app.permissions import (
    can_adopt,
    can_move_document,
    can_publish_version,
    can_read_document,
    can_review,
    can_see_audit,
    require,
)
from app.rendering import render
from app.review import bp
from app.review.forms import AdoptForm, DecisionForm, MoveForm, NoteForm, PublishForm
from app.services import DomainError, audit, lifecycle, voting

AUDIT_PAGE_SIZE = 50


def _document(slug: str) -> Document:
    document = db.first_or_404(select(Document).where(Document.slug == slug))
    require(can_read_document(current_user, document))
    return document


def _version(document: Document, number: int) -> DocumentVersion:
    version = db.session.scalar(
        select(DocumentVersion).where(
            DocumentVersion.document_id == document.id, DocumentVersion.number == number
        )
    )
    if version is None:
        abort(404)
    return version


def _versions(document: Document) -> list[DocumentVersion]:
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
    document = _document(slug)
    form = PublishForm()
    if request.method == "POST":
        require(can_publish_version(current_user, document))
        if form.validate_on_submit():
            version = lifecycle.publish_version(
                document, by=current_user, note=form.note.data or ""
            )
            db.session.commit()
            flash(f"Version {version.number} is published and frozen.", "success")
            return redirect(url_for("review.version", slug=slug, number=version.number), 303)
    transitions = db.session.scalars(
        select(Transition)
        .where(Transition.document_id == document.id)
        .order_by(Transition.id.desc())
        .options(joinedload(Transition.by))
    ).all()
    return render(
        "review/versions.html",
        document=document,
        versions=_versions(document),
        form=form,
        transitions=transitions,
        status=422 if form.errors else 200,
    )


@bp.get("/documents/<slug>/versions/<int:number>")
def version(slug: str, number: int):
    """One frozen version: its full text and content hash."""
    document = _document(slug)
    return render("review/version.html", document=document, version=_version(document, number))


def _side(document: Document, ref: str) -> tuple[str, list[dict]]:
    if ref == "working":
        return "the current working text", lifecycle.working_content(document)["clauses"]
    try:
        version = _version(document, int(ref.lstrip("v")))
    except ValueError:
        abort(404)
    return f"version {version.number}", version.clauses


def comparison_context(old: list[dict], new: list[dict]) -> dict:
    """Clause-level changes with word-level redlines inside changed clauses."""
    comparison = lifecycle.compare(old, new)
    redlines = {
        change.new["id"]: {
            "heading": redline_inline(change.old["heading"], change.new["heading"]),
            "body": redline(change.old["body"], change.new["body"]),
            "summary": summarise(change.old["body"], change.new["body"]),
        }
        for change in comparison.changes
        if "changed" in change.kind
    }
    return {"comparison": comparison, "redlines": redlines}


@bp.get("/documents/<slug>/compare")
def compare(slug: str):
    """Any two versions, or a version and the working text: what was added, removed, moved
    and changed."""
    document = _document(slug)
    versions = _versions(document)
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


TARGETS = {
    "open": DocumentStatus.OPEN,
    "close": DocumentStatus.CLOSED,
    "submit": DocumentStatus.SUBMITTED,
}


@bp.route("/documents/<slug>/state/<action>", methods=["GET", "POST"])
def move(slug: str, action: str):
    """A facilitator moves the document on (open, close, reopen, submit), with a note."""
    document = _document(slug)
    if action not in TARGETS:
        abort(404)
    to = TARGETS[action]
    require(can_move_document(current_user, document, to))
    form = MoveForm()
    versions = _versions(document)
    form.version.choices = {
        v.id: f"Version {v.number}, published {v.published_at:%d %B %Y}" for v in versions
    }
    if form.validate_on_submit():
        version = None
        if to == DocumentStatus.SUBMITTED:
            version = next((v for v in versions if v.id == form.version.data), None)
            if version is None:
                form.version.errors = ["Choose the published version to submit"]
        if not form.errors:
            try:
                lifecycle.move(
                    document, to, by=current_user, note=form.note.data or "", version=version
                )
            except DomainError as error:
                form.note.errors = [str(error)]
            else:
                db.session.commit()
                flash(f"The document is now {document.status.label}.", "success")
                return redirect(url_for("documents.show", slug=slug), 303)
    return render(
        "review/move.html",
        document=document,
        form=form,
        to=to,
        action=action,
        versions=versions,
        status=422 if form.errors else 200,
    )


def _review_context(document: Document) -> dict:
    version = db.session.get(DocumentVersion, document.submitted_version_id)
    versions = _versions(document)
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
    culture_review = db.session.scalar(
        select(RecommendationSource).where(RecommendationSource.short_name == "CR")
    )
    coverage = []
    if culture_review is not None:
        for recommendation in culture_review.recommendations:
            answering = [c for c in version.clauses if recommendation.label in c["recommendations"]]
            if recommendation.is_retired and not answering:
                continue  # retired: no answer is expected
            coverage.append((recommendation, answering))
        coverage.sort(key=lambda row: (bool(row[1]), row[0].letter))
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
    document = _document(slug)
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
    document = _document(slug)
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
        except DomainError as error:
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
    document = _document(slug)
    require(can_review(current_user, document))
    context = _review_context(document)
    form = DecisionForm()
    if form.validate_on_submit():
        if form.decision.data == Decision.REFER_BACK and not (form.reasons.data or "").strip():
            form.reasons.errors = ["Give the reasons for referring the document back"]
        else:
            lifecycle.decide(
                document,
                Decision(form.decision.data),
                form.meeting_date.data,
                by=current_user,
                reasons=form.reasons.data or "",
            )
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


@bp.route("/documents/<slug>/adopt", methods=["GET", "POST"])
def adopt(slug: str):
    """An administrator records Full Council's adoption, with the meeting date."""
    document = _document(slug)
    require(can_adopt(current_user, document))
    form = AdoptForm()
    if form.validate_on_submit():
        lifecycle.adopt(document, form.full_council_date.data, by=current_user)
        db.session.commit()
        flash("The document is marked as adopted by Full Council.", "success")
        return redirect(url_for("documents.show", slug=slug), 303)
    return render(
        "review/adopt.html", document=document, form=form, status=422 if form.errors else 200
    )


# The audit trail ---------------------------------------------------------------------------


def _parse_day(value: str | None, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


@bp.get("/audit")
def audit_trail():
    """Every recorded action, filterable by person, document, action and date; paginated."""
    require(can_see_audit(current_user))
    filters = {
        key: request.args.get(key, "").strip()
        for key in ("person", "document", "action", "from", "to")
    }
    query = select(AuditEvent)
    if filters["person"]:
        query = query.where(AuditEvent.actor_label.ilike(f"%{filters['person']}%"))
    if filters["document"].isdigit():
        query = query.where(AuditEvent.document_id == int(filters["document"]))
    if filters["action"]:
        query = query.where(AuditEvent.action == filters["action"])
    start, end = _parse_day(filters["from"]), _parse_day(filters["to"], end=True)
    if start:
        query = query.where(AuditEvent.at >= start)
    if end:
        query = query.where(AuditEvent.at <= end)
    found = paginate(
        query.order_by(AuditEvent.id.desc()), request.args.get("page", type=int), AUDIT_PAGE_SIZE
    )
    documents = db.session.scalars(select(Document).order_by(Document.title)).all()
    actions = db.session.scalars(
        select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()
    invalid_dates = [key for key in ("from", "to") if filters[key] and not _parse_day(filters[key])]
    checkpoints = audit.latest_checkpoints()
    return render(
        "review/audit.html",
        checkpoints=checkpoints,
        in_trail=audit.present_hashes(point.head_hash for point in checkpoints),
        head=audit.head(),
        events=found.items,
        filters=filters,
        page=found.number,
        pages=found.pages,
        total=found.total,
        documents=documents,
        actions=actions,
        invalid_dates=invalid_dates,
    )


@bp.get("/audit/<object_type>/<int:object_id>")
def object_history(object_type: str, object_id: int):
    """The recorded history of one object: a clause, a comment, a document, a person..."""
    require(can_see_audit(current_user))
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
        .order_by(AuditEvent.id)
    ).all()
    if not events:
        abort(404)
    return render(
        "review/object_history.html", events=events, object_type=object_type, object_id=object_id
    )
