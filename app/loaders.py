"""Load what a URL names, or stop the request: 404 when it does not exist, 403 when the person may
not read it (``can_read_document``), in the manner of flaskr's ``get_post(id)``. Every blueprint
loads documents, clauses, discussions, comments and amendments through these."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import InstrumentedAttribute, contains_eager, joinedload, selectinload

from app.extensions import db
from app.models import Amendment, Clause, Comment, Discussion, Document, Recommendation
from app.permissions import can_read_document, require
from app.services import Gone
from app.text import upper_first


def joined_many(statement: Select, relationship: InstrumentedAttribute[Any]) -> Select:
    """``statement`` outer-joined to a many-to-many ``relationship``'s items one table after
    another (the parent's rows to the association table's by its key, then to the items),
    and ordered as the relationship orders them after the statement's own order. Load the
    items with ``contains_eager(relationship)`` on the same path; the parent must be in the
    statement under its own name (not aliased).

    ``joinedload`` puts the association table and the items in a join of their own inside
    the outer join, which SQLite runs by copying the whole association table (every parent's
    rows, not just this page's) and scanning or indexing the copy, on every page: a
    discussion page scanned every discussion's recommendations, a document page indexed every
    clause's (half of its 1.2 ms statement for sixty clauses). Joined this way each parent's
    rows are found by the association table's key."""
    link = relationship.property
    assert link.secondary is not None and link.secondaryjoin is not None, "many-to-many only"
    joined = statement.outerjoin(link.secondary, link.primaryjoin).outerjoin(
        link.mapper.class_, link.secondaryjoin
    )
    return joined.order_by(*link.order_by) if link.order_by else joined


def get_document_or_404(slug: str) -> Document:
    """The document with ``slug``; 404 when there is none, 403 when the person may not read it."""
    document = db.first_or_404(select(Document).where(Document.slug == slug))
    require(can_read_document(current_user, document))
    return document


def get_clause_or_404(
    document: Document, number: str | None = None, *, clause_id: int | None = None
) -> Clause:
    """The document's clause (or agenda item) numbered ``number``, or the one with ``clause_id``
    (a live page polling a clause whose number may have changed since, or a manage button);
    404 when there is none. A GET for a number in another case redirects to the clause ("4a"
    to "4A"), and one for a number a clause had when it was retired redirects to that clause
    while no live clause has taken the number (old links in emails, exports, the audit
    trail)."""
    which = Clause.id == clause_id if clause_id is not None else Clause.number == number
    clause = db.session.scalar(
        select(Clause)
        .where(Clause.document_id == document.id, which)
        .options(selectinload(Clause.recommendations).joinedload(Recommendation.source))
    )
    if clause is None:
        if clause_id is None and number is not None:
            _redirect_from_former_number(document, number)
            _refuse_sent_to_former_number(document, number)
        abort(404)
    return clause


class ClauseRetired(Gone):
    """A form was sent to a number a clause had when it was retired (its page was drawn
    before): 410, naming the clause, with a link to it."""

    says_nothing_recorded = True


def _refuse_sent_to_former_number(document: Document, number: str) -> None:
    """For a form (not a GET) sent to the number a clause had when it was retired, raise
    ``ClauseRetired``: it answered "Page not found" (outside tester), though the page it was
    sent from showed the clause. The error page keeps what was typed, to copy."""
    if request.method == "GET" or (request.view_args or {}).get("number") != number:
        return
    retired = db.session.scalar(
        select(Clause)
        .where(Clause.document_id == document.id, Clause.retired_number == number)
        .order_by(Clause.retired_at.desc())
        .limit(1)
    )
    if retired is None:
        return
    noun = upper_first(document.short_item_noun)
    error = ClauseRetired(
        f"{noun} {number} has been retired since your page was loaded: nothing was recorded."
    )
    error.links = [
        (
            f"Go to the retired {document.short_item_noun}",
            url_for("documents.clause", slug=document.slug, number=retired.number),
        )
    ]
    raise error


def _redirect_from_former_number(document: Document, number: str) -> None:
    """When the request is a GET whose URL names ``number``, stop with a redirect (302: the
    number may be taken again) to the live clause numbered so in another case ("4a" for
    "4A"), else to the clause retired with ``number``; else return."""
    if request.method != "GET" or (request.view_args or {}).get("number") != number:
        return
    if number.lower() != number.upper():  # letters: the live clause numbered so in any case
        # (numbers set by hand are ASCII and compared without case: ``clauses.fix_number``)
        live = db.session.scalar(
            select(Clause.number).where(
                Clause.document_id == document.id,
                Clause.retired_at.is_(None),
                func.lower(Clause.number) == number.lower(),
            )
        )
        if live is not None:
            _redirect_to_number(live)
    retired = db.session.scalar(
        select(Clause)
        .where(Clause.document_id == document.id, Clause.retired_number == number)
        .order_by(Clause.retired_at.desc())
        .limit(1)
    )
    if retired is not None:
        _redirect_to_number(retired.number)


def _redirect_to_number(number: str) -> None:
    """Stop with a redirect (302) to this page for the clause numbered ``number``."""
    assert request.endpoint is not None and request.view_args is not None  # in a view
    values = {**request.view_args, "number": number, **request.args}
    abort(redirect(url_for(request.endpoint, **values)))


@cache
def _discussion_statement() -> Select:
    """``get_discussion_or_404``'s statement (parameter ``discussion_id``), built once:
    building it cost more than running it."""
    return (
        joined_many(select(Discussion), Discussion.recommendations)
        .outerjoin(Recommendation.source)
        .where(Discussion.id == bindparam("discussion_id"))
        .options(
            joinedload(Discussion.document),
            joinedload(Discussion.clause),
            contains_eager(Discussion.recommendations).contains_eager(Recommendation.source),
        )
    )


def get_discussion_or_404(discussion_id: int) -> Discussion:
    """The discussion with its document, clause and recommendations (one statement); 404, or
    403 when the person may not read its document."""
    discussion = (
        db.session.execute(_discussion_statement(), {"discussion_id": discussion_id})
        .unique()
        .scalar_one_or_none()
    )
    if discussion is None:
        abort(404)
    require(can_read_document(current_user, discussion.document))
    return discussion


def get_comment_or_404(comment_id: int) -> Comment:
    """The comment; 404, or 403 when the person may not read its discussion's document."""
    comment = db.get_or_404(Comment, comment_id)
    require(can_read_document(current_user, comment.discussion.document))
    return comment


def get_amendment_or_404(amendment_id: int) -> Amendment:
    """The amendment; 404, or 403 when the person may not read its clause's document."""
    amendment = db.get_or_404(Amendment, amendment_id)
    require(can_read_document(current_user, amendment.clause.document))
    return amendment
