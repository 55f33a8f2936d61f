from __future__ import annotations

from collections import defaultdict

from flask import abort, request
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

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
    User,
    ViewedKind,
)
from app.passage_marks import marked_body
from app.permissions import can_read_document, require
from app.rendering import render
from app.services import ballot, last_views, passages, voting
from app.transactions import write_after_reading
from app.voting.panels import vote_panel_context

CLAUSE = "documents/clause.html"


def _discussions(document: Document, clause: Clause | None = None, *, every: bool = False):
    """The discussions on a clause (or, no clause, on the whole document; ``every``: on any
    part of the document), newest activity first, each with how many comments it has (not
    counting withdrawn ones), its starter and its recommendations: one statement."""
    count = (
        select(func.count(Comment.id))
        .where(Comment.discussion_id == Discussion.id, Comment.withdrawn_at.is_(None))
        .correlate(Discussion)
        .scalar_subquery()
    )
    query = (
        select(Discussion, count)
        .where(Discussion.document_id == document.id)
        .order_by(Discussion.activity_mark.desc(), Discussion.id.desc())
        .options(
            joinedload(Discussion.started_by).lazyload(User.role_grants),
            joinedload(Discussion.recommendations).joinedload(Recommendation.source),
        )
    )
    if not every:
        query = query.where(
            Discussion.clause_id == clause.id if clause else Discussion.clause_id.is_(None)
        )
    return [(row[0], row[1]) for row in db.session.execute(query).unique()]


@bp.get("/<slug>")
def show(slug: str):
    """A document's clauses in order, each with its recommendations and how much discussion."""
    document = db.first_or_404(
        select(Document)
        .where(Document.slug == slug)
        .options(
            joinedload(Document.clauses)
            .joinedload(Clause.recommendations)
            .joinedload(Recommendation.source)
        )
    )
    require(can_read_document(current_user, document))
    clauses = document.clauses
    discussion_counts: dict[int | None, int] = defaultdict(int)
    comment_counts: dict[int | None, int] = defaultdict(int)
    whole_document = []
    for discussion, comments in _discussions(document, every=True):
        discussion_counts[discussion.clause_id] += 1
        comment_counts[discussion.clause_id] += comments
        if discussion.clause_id is None:
            whole_document.append((discussion, comments))
    return render(
        "documents/show.html",
        document=document,
        clauses=clauses,
        clause_tallies=voting.tallies(clauses=clauses, cached=True),
        progress=ballot.progress(current_user, document, clauses),
        outcomes=voting.latest_outcomes(document),
        discussion_counts=discussion_counts,
        comment_counts=comment_counts,
        whole_document_discussions=whole_document,
        marks=last_views.clause_marks(current_user, document),
        open_voting_form=OpenVotingForm(formdata=None),
    )


def _document_and_clause(slug: str, number: str, clause_id: int | None) -> tuple[Document, Clause]:
    """The document at ``slug`` and its clause ``number`` (or ``clause_id``) in one statement;
    else the loaders' way (404, 403, a retired number's redirect)."""
    which = Clause.id == clause_id if clause_id is not None else Clause.number == number
    clause = (
        db.session.execute(
            select(Clause)
            .join(Clause.document)
            .where(Document.slug == slug, which)
            .options(
                contains_eager(Clause.document),
                joinedload(Clause.recommendations).joinedload(Recommendation.source),
            )
        )
        .unique()
        .scalar_one_or_none()
    )
    if clause is None:
        document = get_document_or_404(slug)
        return document, get_clause_or_404(document, number, clause_id=clause_id)
    require(can_read_document(current_user, clause.document))
    return clause.document, clause


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
    document, clause = _document_and_clause(slug, number, clause_id)
    amendments = db.session.scalars(
        select(Amendment)
        .where(Amendment.clause_id == clause.id)
        .order_by(Amendment.status != AmendmentStatus.OPEN, Amendment.created_at.desc())
        .options(joinedload(Amendment.proposer).lazyload(User.role_grants))
    ).all()
    discussions = _discussions(document, clause)
    groups, earlier = passages.passage_groups(clause, amendments, [d for d, _ in discussions])
    return {
        "discussions": discussions,
        "amendments": amendments,
        "passage_groups": groups,
        "earlier_passages": earlier,
        "alternatives": passages.alternatives(amendments),
        "clause_text": marked_body(clause.body, groups) if groups else clause.body_markup,
        **vote_panel_context(clause, amendments),
        "document": document,
        "clause": clause,
    }


@bp.get("/<slug>/clauses/<number>")
def clause(slug: str, number: str):
    """A clause, the recommendations it answers, and its discussions (updated live)."""
    context = _clause_context(slug, number)
    clause = context["clause"]
    previous, following = _neighbours(clause)
    response = render(CLAUSE, live=False, previous=previous, following=following, **context)
    with write_after_reading():
        last_views.record_view(
            current_user, ViewedKind.CLAUSE, clause.id, clause.document_id, clause.revision_number
        )
    return response


@bp.get("/<slug>/clauses/<number>/live")
def clause_live(slug: str, number: str):
    """The clause's discussions, for a polling page: 304 when nothing changed."""
    clause_id = request.args.get("clause_id", type=int)
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
