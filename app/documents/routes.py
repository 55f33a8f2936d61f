from __future__ import annotations

from flask import abort, request
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.diff import redline, redline_inline, summarise
from app.documents.blueprint import bp
from app.extensions import db
from app.forms import OpenVotingForm
from app.loaders import get_clause_or_404, get_document_or_404
from app.models import (
    Amendment,
    AmendmentStatus,
    Clause,
    ClauseRevision,
    Comment,
    Discussion,
    Document,
    Recommendation,
)
from app.rendering import poll_or_sign_in, render
from app.services import ballot, voting
from app.voting.panels import vote_panel_context

CLAUSE = "documents/clause.html"


def _discussion_counts(document: Document) -> tuple[dict, dict]:
    """Per clause (None for the document as a whole): how many discussions and comments."""
    discussions = dict(
        db.session.execute(
            select(Discussion.clause_id, func.count())
            .where(Discussion.document_id == document.id)
            .group_by(Discussion.clause_id)
        ).all()
    )
    comments = dict(
        db.session.execute(
            select(Discussion.clause_id, func.count(Comment.id))
            .join(Comment, Comment.discussion_id == Discussion.id)
            .where(Discussion.document_id == document.id, Comment.withdrawn_at.is_(None))
            .group_by(Discussion.clause_id)
        ).all()
    )
    return discussions, comments


@bp.get("/<slug>")
def show(slug: str):
    """A document's clauses in order, each with its recommendations and how much discussion."""
    document = get_document_or_404(slug)
    clauses = db.session.scalars(
        select(Clause)
        .where(Clause.document_id == document.id, Clause.retired_at.is_(None))
        .order_by(Clause.position)
        .options(selectinload(Clause.recommendations).joinedload(Recommendation.source))
    ).all()
    discussion_counts, comment_counts = _discussion_counts(document)
    whole_document = _discussions(document, None)
    return render(
        "documents/show.html",
        document=document,
        clauses=clauses,
        clause_tallies=voting.tallies(clauses=clauses),
        progress=ballot.progress(current_user, document, clauses),
        outcomes=voting.latest_outcomes(document),
        discussion_counts=discussion_counts,
        comment_counts=comment_counts,
        whole_document_discussions=whole_document,
        open_voting_form=OpenVotingForm(formdata=None),
    )


def _discussions(document: Document, clause: Clause | None) -> list[tuple[Discussion, int]]:
    """The discussions on a clause (or on the whole document), newest activity first."""
    count = (
        select(func.count(Comment.id))
        .where(Comment.discussion_id == Discussion.id, Comment.withdrawn_at.is_(None))
        .correlate(Discussion)
        .scalar_subquery()
    )
    query = (
        select(Discussion, count)
        .where(Discussion.document_id == document.id)
        .where(Discussion.clause_id == clause.id if clause else Discussion.clause_id.is_(None))
        .order_by(Discussion.activity_mark.desc(), Discussion.id.desc())
        .options(
            joinedload(Discussion.started_by),
            selectinload(Discussion.recommendations).joinedload(Recommendation.source),
        )
    )
    return [tuple(row) for row in db.session.execute(query)]


def _neighbours(clause: Clause) -> tuple[Clause | None, Clause | None]:
    """The live clauses just before and after ``clause`` in the document's order (None at
    either end, and for a retired clause): one statement."""
    if clause.retired_at is not None:
        return None, None
    live = (Clause.document_id == clause.document_id, Clause.retired_at.is_(None))
    before = (
        select(Clause.id)
        .where(*live, Clause.position < clause.position)
        .order_by(Clause.position.desc())
        .limit(1)
        .scalar_subquery()
    )
    after = (
        select(Clause.id)
        .where(*live, Clause.position > clause.position)
        .order_by(Clause.position)
        .limit(1)
        .scalar_subquery()
    )
    found = {
        c.id: c for c in db.session.scalars(select(Clause).where(Clause.id.in_([before, after])))
    }
    previous = next((c for c in found.values() if c.position < clause.position), None)
    following = next((c for c in found.values() if c.position > clause.position), None)
    return previous, following


def _clause_context(slug: str, number: str, clause_id: int | None = None) -> dict:
    document = get_document_or_404(slug)
    clause = get_clause_or_404(document, number, clause_id=clause_id)
    amendments = db.session.scalars(
        select(Amendment)
        .where(Amendment.clause_id == clause.id)
        .order_by(Amendment.status != AmendmentStatus.OPEN, Amendment.created_at.desc())
        .options(joinedload(Amendment.proposer))
    ).all()
    return {
        "discussions": _discussions(document, clause),
        "amendments": amendments,
        "amendment_tallies": voting.tallies(amendments=amendments),
        **vote_panel_context(clause),
        "document": document,
        "clause": clause,
    }


@bp.get("/<slug>/clauses/<number>")
def clause(slug: str, number: str):
    """A clause, the recommendations it answers, and its discussions (updated live)."""
    context = _clause_context(slug, number)
    previous, following = _neighbours(context["clause"])
    return render(CLAUSE, live=False, previous=previous, following=following, **context)


@bp.get("/<slug>/clauses/<number>/live")
def clause_live(slug: str, number: str):
    """The clause's discussions, for a polling page: 304 when nothing changed."""
    clause_id = request.args.get("clause_id", type=int)
    response = poll_or_sign_in("clause", clause_id)
    if response is not None:
        return response
    context = _clause_context(slug, number, clause_id)
    response = render(
        CLAUSE, blocks=["discussion_list", "amendment_list", "vote_panel_oob"], live=True, **context
    )
    response.set_etag(str(context["clause"].activity))
    return response


@bp.get("/<slug>/clauses/<number>/changes")
def clause_changes(slug: str, number: str):
    """How the clause's wording changed from revision ``from`` to the current wording."""
    document = get_document_or_404(slug)
    clause = get_clause_or_404(document, number)
    start = request.args.get("from", type=int)
    revision = db.session.scalar(
        select(ClauseRevision).where(
            ClauseRevision.clause_id == clause.id, ClauseRevision.number == start
        )
    )
    if revision is None:
        abort(404)
    return render(
        "documents/changes.html",
        document=document,
        clause=clause,
        revision=revision,
        heading_redline=redline_inline(revision.heading, clause.heading),
        body_redline=redline(revision.body, clause.body),
        summary=summarise(revision.body, clause.body),
    )
