from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import NamedTuple

from flask import abort, request
from flask_login import current_user
from sqlalchemy import Row, Select, and_, bindparam, func, select
from sqlalchemy.orm import aliased, contains_eager, joinedload
from sqlalchemy.sql.selectable import ScalarSelect

from app.diff import redline, redline_inline, summarise
from app.documents.blueprint import bp
from app.documents.cards import ListedClause, ListedRecommendation, ListedSource, clause_cards
from app.extensions import db
from app.forms import OpenVotingForm
from app.loaders import get_clause_or_404, get_document_or_404, joined_many
from app.models import (
    Amendment,
    AmendmentStatus,
    Clause,
    ClauseRevision,
    Comment,
    Discussion,
    Document,
    Recommendation,
    RecommendationSource,
    User,
    ViewedKind,
)
from app.passage_marks import marked_body
from app.permissions import can_offer_ballot, can_read_document, require
from app.rendering import live_response, people_mark_read, render
from app.services import ballot, last_views, passages, voting
from app.transactions import write_after_reading
from app.voting.panels import vote_panel_context

CLAUSE = "documents/clause.html"


@cache
def _discussions_statement(scope: str) -> Select:
    """``_discussions``'s statement, built once for each ``scope`` ("clause", "document" or
    "every"); parameters ``document_id`` and (for "clause") ``clause_id``."""
    count = (
        select(func.count(Comment.id))
        .where(Comment.discussion_id == Discussion.id, Comment.withdrawn_at.is_(None))
        .correlate(Discussion)
        .scalar_subquery()
    )
    ordered = (
        select(Discussion, count)
        .where(Discussion.document_id == bindparam("document_id"))
        .order_by(Discussion.activity_mark.desc(), Discussion.id.desc())
    )
    query = (
        joined_many(ordered, Discussion.recommendations)
        .outerjoin(Recommendation.source)
        .options(
            joinedload(Discussion.started_by).lazyload(User.role_grants),
            contains_eager(Discussion.recommendations).contains_eager(Recommendation.source),
        )
    )
    if scope == "clause":
        return query.where(Discussion.clause_id == bindparam("clause_id"))
    if scope == "document":
        return query.where(Discussion.clause_id.is_(None))
    return query


def _discussions(document: Document, clause: Clause | None = None, *, every: bool = False):
    """The discussions on a clause (or, no clause, on the whole document; ``every``: on any
    part of the document), newest activity first, each with how many comments it has (not
    counting withdrawn ones), its starter and its recommendations: one statement."""
    scope = "every" if every else "clause" if clause is not None else "document"
    parameters = {"document_id": document.id}
    if scope == "clause":
        assert clause is not None  # chosen so
        parameters["clause_id"] = clause.id
    rows = db.session.execute(_discussions_statement(scope), parameters).unique()
    return [(row[0], row[1]) for row in rows]


# What the document page reads of each live clause and of each recommendation it answers,
# in the order ``ListedClause`` and ``ListedRecommendation`` (with ``ListedSource``) take them.
LISTED_CLAUSE = (
    Clause.id,
    Clause.number,
    Clause.heading,
    Clause.body,
    Clause.body_html,
    Clause.html_version,
    Clause.revision_number,
    Clause.activity,
    Clause.voting_closed_at,
)
LISTED_RECOMMENDATION = (
    Recommendation.id,
    Recommendation.letter,
    Recommendation.text,
    Recommendation.retired_at,
    RecommendationSource.slug,
    RecommendationSource.name,
    RecommendationSource.short_name,
)


@cache
def _document_statement() -> Select:
    """The document page's statement (parameter ``slug``), built once: the document and the
    voters' numbers on every row, with each live clause in order and each recommendation it
    answers (by letter) as plain columns (``LISTED_CLAUSE``, ``LISTED_RECOMMENDATION``): a row
    for each clause and recommendation, one for a clause that answers none, and one with no
    clause for a document that has none. ``_listed_clauses`` reads them.

    The clauses and recommendations are joined one after another (``loaders.joined_many``):
    0.6 ms of SQLite's time for sixty clauses, against 1.2 ms with ``joinedload``."""
    clauses = (
        select(Document, *voting.eligible_columns(), *LISTED_CLAUSE, *LISTED_RECOMMENDATION)
        .outerjoin(Clause, and_(Clause.document_id == Document.id, Clause.retired_at.is_(None)))
        .order_by(Clause.position)  # as Document.clauses orders them
    )
    return (
        joined_many(clauses, Clause.recommendations)
        .outerjoin(Recommendation.source)
        .where(Document.slug == bindparam("slug"))
    )


def _listed_clauses(document: Document, rows: Sequence[Row]) -> list[ListedClause]:
    """The live clauses of ``document`` in order, from ``_document_statement``'s ``rows``."""
    first = 3  # after the document and the voters' numbers
    middle = first + len(LISTED_CLAUSE)
    source = middle + len(LISTED_RECOMMENDATION) - 3  # the source's three columns
    found: dict[int, tuple[tuple, list[ListedRecommendation]]] = {}
    for row in rows:
        clause = tuple(row[first:middle])
        if clause[0] is None:  # the document has no live clause
            continue
        answers = found.setdefault(clause[0], (clause, []))[1]
        if row[middle] is not None:
            answers.append(
                ListedRecommendation._make((*row[middle:source], ListedSource._make(row[source:])))
            )
    return [
        ListedClause._make((*clause, document, tuple(answers), None))  # live: not retired
        for clause, answers in found.values()
    ]


@bp.get("/<slug>")
def show(slug: str):
    """A document's clauses in order, each with its recommendations and how much discussion."""
    rows = db.session.execute(_document_statement(), {"slug": slug}).all()
    if not rows:
        abort(404)
    document, members, officers = rows[0][:3]
    require(can_read_document(current_user, document))
    clauses = _listed_clauses(document, rows)
    discussion_counts: dict[int | None, int] = defaultdict(int)
    comment_counts: dict[int | None, int] = defaultdict(int)
    whole_document = []
    for discussion, comments in _discussions(document, every=True):
        discussion_counts[discussion.clause_id] += 1
        comment_counts[discussion.clause_id] += comments
        if discussion.clause_id is None:
            whole_document.append((discussion, comments))
    progress = ballot.progress(current_user, document, clauses)
    outcomes = voting.latest_outcomes(document)
    cards = clause_cards(
        document,
        clauses,
        tallies=voting.tallies(
            clauses=clauses,
            eligible={voting.MEMBERS: members, voting.OFFICERS: officers},
            cached=True,
            people_mark=people_mark_read(),
        ),
        outcomes=outcomes,
        progress=progress,
        marks=last_views.clause_marks(current_user, document),
        discussion_counts=discussion_counts,
        comment_counts=comment_counts,
        uses_ballot=can_offer_ballot(current_user, document),
    )
    return render(
        "documents/show.html",
        document=document,
        clauses=clauses,
        cards=cards,
        progress=progress,
        outcomes=outcomes,
        whole_document_discussions=whole_document,
        open_voting_form=OpenVotingForm(formdata=None),
    )


class Neighbour(NamedTuple):
    """The clause just before or after another in its document: what the page links to."""

    number: str
    heading: str


@dataclass(frozen=True)
class ClauseFound:
    """A clause with its document, and what its page asks with it in the same statement."""

    document: Document
    clause: Clause
    eligible: dict[str, int]
    previous: Neighbour | None
    following: Neighbour | None
    reading_mark_covers: bool
    seen_until: datetime  # the reading mark to record (``last_views.record_view``)


def neighbour_columns(before: bool) -> list[ScalarSelect]:
    """The number and heading of the live clause just before (or after) the clause selected,
    in the document's order, as two correlated scalar subqueries."""
    other = aliased(Clause)
    nearest = (
        select(other)
        .where(
            other.document_id == Clause.document_id,
            other.retired_at.is_(None),
            other.position < Clause.position if before else other.position > Clause.position,
        )
        .order_by(other.position.desc() if before else other.position)
        .limit(1)
        .correlate(Clause)
    )
    return [
        nearest.with_only_columns(column).scalar_subquery()
        for column in (other.number, other.heading)
    ]


@cache
def _clause_statement(by_id: bool) -> Select:
    """The clause page's statement (``_clause_row``), built once: building it costs more than
    running it. Parameters ``slug``, ``reader_id`` and ``clause_id`` (``by_id``) or ``number``."""
    which = Clause.id == bindparam("clause_id") if by_id else Clause.number == bindparam("number")
    clause = select(
        Clause,
        *voting.eligible_columns(),
        *neighbour_columns(before=True),
        *neighbour_columns(before=False),
        last_views.clause_mark_covers(Clause, bindparam("reader_id")),
        *last_views.clause_newest(Clause),
    ).join(Clause.document)
    return (
        joined_many(clause, Clause.recommendations)
        .outerjoin(Recommendation.source)
        .where(Document.slug == bindparam("slug"), which)
        .options(
            contains_eager(Clause.document),
            contains_eager(Clause.recommendations).contains_eager(Recommendation.source),
        )
    )


def _clause_row(slug: str, number: str, clause_id: int | None) -> Row | None:
    by_id = clause_id is not None
    parameters = {
        "slug": slug,
        "reader_id": current_user.id,
        "clause_id" if by_id else "number": clause_id if by_id else number,
    }
    return db.session.execute(_clause_statement(by_id), parameters).unique().first()


def _find_clause(slug: str, number: str, clause_id: int | None) -> ClauseFound:
    """The document at ``slug`` and its clause ``number`` (or ``clause_id``), with the voters'
    numbers, the clauses either side and whether the reader's reading mark covers the clause
    (``last_views.clause_mark_covers``), in one statement; else the loaders' way (404, 403, a
    retired number's redirect)."""
    row = _clause_row(slug, number, clause_id)
    if row is None:
        document = get_document_or_404(slug)
        found = get_clause_or_404(document, number, clause_id=clause_id)
        row = _clause_row(slug, found.number, found.id)
        if row is None:  # pragma: no cover - the loader found it a moment ago
            abort(404)
    clause, members, officers, before, before_heading, after, after_heading, covers = row[:8]
    require(can_read_document(current_user, clause.document))
    live = clause.retired_at is None
    return ClauseFound(
        clause.document,
        clause,
        {voting.MEMBERS: members, voting.OFFICERS: officers},
        Neighbour(before, before_heading) if live and before is not None else None,
        Neighbour(after, after_heading) if live and after is not None else None,
        bool(covers),
        last_views.seen_until(*row[8:]),
    )


def _clause_context(slug: str, number: str, clause_id: int | None = None) -> dict:
    found = _find_clause(slug, number, clause_id)
    document, clause = found.document, found.clause
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
        **vote_panel_context(clause, amendments, eligible=found.eligible),
        "document": document,
        "clause": clause,
        "previous": found.previous,
        "following": found.following,
        "reading_mark_covers": found.reading_mark_covers,
        "seen_until": found.seen_until,
    }


@bp.get("/<slug>/clauses/<number>")
def clause(slug: str, number: str):
    """A clause, the recommendations it answers, and its discussions (updated live). The
    reader's reading mark is recorded unless it already covers the clause."""
    context = _clause_context(slug, number)
    clause = context["clause"]
    response = render(CLAUSE, live=False, **context)
    if context["reading_mark_covers"]:
        return response
    with write_after_reading():
        last_views.record_view(
            current_user,
            ViewedKind.CLAUSE,
            clause.id,
            clause.document_id,
            clause.revision_number,
            seen_until=context["seen_until"],
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
    return live_response(response, context["clause"].activity)


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
