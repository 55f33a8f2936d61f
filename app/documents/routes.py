from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.diff import redline, redline_inline, summarise
from app.discussions.live import poll_or_sign_in
from app.documents import bp
from app.extensions import db
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
from app.permissions import can_read_document, require
from app.rendering import render
from app.services import voting
from app.voting.forms import OpenVotingForm
from app.voting.panels import vote_panel_context

CLAUSE = "documents/clause.html"


def _load_document(slug: str) -> Document:
    document = db.first_or_404(select(Document).where(Document.slug == slug))
    require(can_read_document(current_user, document))
    return document


def _load_clause(document: Document, number: str, clause_id: int | None = None) -> Clause:
    """The clause numbered ``number``; or, for a live page polling a clause whose number may
    have changed since (clauses moved), the clause with ``clause_id``."""
    which = Clause.id == clause_id if clause_id is not None else Clause.number == number
    clause = db.session.scalar(
        select(Clause)
        .where(Clause.document_id == document.id, which)
        .options(selectinload(Clause.recommendations).joinedload(Recommendation.source))
    )
    if clause is None:
        if clause_id is None and request.method == "GET":
            _redirect_from_former_number(document, number)
        abort(404)
    return clause


def _redirect_from_former_number(document: Document, number: str) -> None:
    """An old link to a clause by the number it had when it was retired (in an email, an export,
    the audit trail) leads to it when no live clause has taken the number (302: it may)."""
    retired = db.session.scalar(
        select(Clause)
        .where(Clause.document_id == document.id, Clause.retired_number == number)
        .order_by(Clause.retired_at.desc())
        .limit(1)
    )
    if retired is not None:
        assert request.endpoint is not None and request.view_args is not None  # in a view
        values = {**request.view_args, "number": retired.number, **request.args}
        abort(redirect(url_for(request.endpoint, **values)))


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
    document = _load_document(slug)
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


def _clause_context(slug: str, number: str, clause_id: int | None = None) -> dict:
    document = _load_document(slug)
    clause = _load_clause(document, number, clause_id)
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
    return render(CLAUSE, live=False, **_clause_context(slug, number))


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
    document = _load_document(slug)
    clause = _load_clause(document, number)
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
