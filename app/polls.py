"""The unchanged live poll, answered before the ordinary request machinery.

A live page polls every few seconds with the marker it was rendered with (``If-None-Match``).
Most polls find nothing changed, so they are answered here, as the first ``before_request``
step after the NUL-byte check: before the rate limiter, the sign-in check and the view. The
answer costs one statement that checks the session is open, its person active and allowed to
read the document, and reads the marker, the ``people`` change marker, who the person is and
their roles (the parts of a live page's ETag: ``app.rendering.live_etag``); the statement is
built once per process with bound parameters (SQLAlchemy compiles it once and reuses the
compiled form), and the 304 writes no cookie (``SESSION_REFRESH_EACH_REQUEST`` is off, and the
poll does not touch the session's idle clock). Anything else (a changed marker, an ended
session, an id that is not the address's or may not be read) falls through to the ordinary
request, which answers it as the page would.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import cache

from flask import Flask, Response, current_app, make_response, request
from sqlalchemy import Select, and_, bindparam, case, func, or_, select
from sqlalchemy.sql.elements import BindParameter

from app.auth.login_sessions import POLL_ENDPOINTS, live_session_token
from app.boundaries import reject_nul_bytes
from app.discussions.threads import page_roots
from app.extensions import db, limiter
from app.models import (
    Amendment,
    Clause,
    Comment,
    Discussion,
    Document,
    User,
    UserRole,
    UserSession,
)
from app.models.people import hash_token
from app.pagination import LAST_PAGE_ASKED
from app.permissions import is_readable_in_session
from app.rendering import ROLE_BITS, etag_of, viewer_part
from app.services.markers import people_mark

TOKEN_HASH: BindParameter[str] = bindparam("token_hash")
# One statement needs no transaction: on PostgreSQL no BEGIN and no ROLLBACK, so the poll is
# one round trip. (On SQLite, in-process, setting and resetting the level would cost more.)
_ONE_STATEMENT: defaultdict[str, dict] = defaultdict(
    dict, postgresql={"isolation_level": "AUTOCOMMIT"}
)


def _checked(marker: Select) -> Select:
    """``marker`` (joined to Document) limited to an open session of an active person who may
    read the document: the whole poll in one statement."""
    session_is_open = (
        select(UserSession.id)
        .join(User, and_(User.id == UserSession.user_id, User.active.is_(True)))
        .where(UserSession.token_hash == TOKEN_HASH, UserSession.ended_at.is_(None))
        .exists()
    )
    # Who the person is, and their roles, as ``app.rendering.viewer_part`` adds them to a live
    # page's ETag.
    viewer = select(UserSession.user_id).where(UserSession.token_hash == TOKEN_HASH)
    bits = case(*((UserRole.role == role, bit) for role, bit in ROLE_BITS.items()), else_=0)
    roles = (
        select(func.coalesce(func.sum(bits), 0))
        .join(UserSession, UserSession.user_id == UserRole.user_id)
        .where(UserSession.token_hash == TOKEN_HASH)
        .scalar_subquery()
    )
    return marker.add_columns(people_mark(), viewer.scalar_subquery(), roles).where(
        session_is_open, is_readable_in_session(TOKEN_HASH)
    )


@cache
def clause_poll() -> Select:
    """The clause's marker (``Clause.activity``); parameters ``clause_id`` and ``slug`` (the
    id must belong to the document its address names)."""
    return _checked(
        select(Clause.activity)
        .join(Document, Document.id == Clause.document_id)
        .where(Clause.id == bindparam("clause_id"), Document.slug == bindparam("slug"))
    )


@cache
def amendment_poll() -> Select:
    """The marker of the clause an amendment would change; parameter ``amendment_id``."""
    return _checked(
        select(Clause.activity)
        .join(Amendment, Amendment.clause_id == Clause.id)
        .join(Document, Document.id == Clause.document_id)
        .where(Amendment.id == bindparam("amendment_id"))
    )


@cache
def discussion_poll(per_page: int) -> Select:
    """The parts of a thread page's marker (``app.discussions.threads.ThreadPage.etag``: the
    newest marker on the page and the number of pages); parameters ``discussion_id`` and
    ``offset`` (of the page's first top-level comment)."""
    discussion_id: BindParameter[int] = bindparam("discussion_id")
    roots = page_roots(discussion_id, per_page, bindparam("offset"))
    newest = (
        select(func.coalesce(func.max(Comment.activity_mark), 0))
        .where(
            Comment.discussion_id == discussion_id,
            or_(Comment.id.in_(roots), Comment.parent_id.in_(roots)),
        )
        .scalar_subquery()
    )
    total = (
        select(func.count())
        .where(Comment.discussion_id == discussion_id, Comment.parent_id.is_(None))
        .scalar_subquery()
    )
    pages = case((total == 0, 1), else_=(total + per_page - 1) // per_page)
    mark = case((Discussion.state_mark > newest, Discussion.state_mark), else_=newest)
    return _checked(
        select(mark, pages)
        .select_from(Discussion)
        .join(Document, Document.id == Discussion.document_id)
        .where(Discussion.id == discussion_id)
    )


def _int_arg(name: str, default: int | None = None) -> int | None:
    return request.args.get(name, default, type=int)


def _discussion() -> tuple[Select, dict] | None:
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    number = min(max(_int_arg("page", 1) or 1, 1), LAST_PAGE_ASKED)
    assert request.view_args is not None  # a matched endpoint
    params = {
        "discussion_id": request.view_args["discussion_id"],
        "offset": (number - 1) * per_page,
    }
    return discussion_poll(per_page), params


def _clause() -> tuple[Select, dict] | None:
    clause_id = _int_arg("clause_id")
    if clause_id is None:
        return None
    assert request.view_args is not None
    return clause_poll(), {"clause_id": clause_id, "slug": request.view_args["slug"]}


def _amendment() -> tuple[Select, dict] | None:
    assert request.view_args is not None
    return amendment_poll(), {"amendment_id": request.view_args["amendment_id"]}


POLLS: dict[str, Callable[[], tuple[Select, dict] | None]] = {
    "discussions.live": _discussion,
    "documents.clause_live": _clause,
    "amendments.live": _amendment,
}
assert POLLS.keys() == POLL_ENDPOINTS


def answer_unchanged_poll() -> Response | None:
    """A 304 (no body, no cookie) when a live poll's ETag is still current, its session live
    and its person allowed to read the document; else None, for the ordinary request."""
    if request.method != "GET" or request.endpoint not in POLLS or not request.if_none_match:
        return None
    found = POLLS[request.endpoint]()
    if found is None:
        return None
    token = live_session_token()
    if token is None:
        return None
    statement, params = found
    engine = db.engine
    with engine.connect().execution_options(**_ONE_STATEMENT[engine.dialect.name]) as connection:
        first = connection.execute(statement, {**params, "token_hash": hash_token(token)}).first()
    if first is None or any(part is None for part in first):
        return None
    *marker, people, viewer, bits = first
    etag = etag_of(*marker, viewer_part(people, viewer, bits))
    if not request.if_none_match.contains(etag):
        return None
    response = make_response("", 304)
    response.set_etag(etag)
    response.vary.add("HX-Request")
    return response


@limiter.request_filter
def _is_poll() -> bool:
    """Polls are kept out of the rate limiter: they send no form and change nothing."""
    return request.endpoint in POLL_ENDPOINTS


def init_polls(app: Flask) -> None:
    """Answer unchanged polls first: after only the NUL-byte check, before the rate limiter,
    the CSRF check and the sign-in check."""
    hooks = app.before_request_funcs.setdefault(None, [])
    after = hooks.index(reject_nul_bytes) + 1 if reject_nul_bytes in hooks else 0
    hooks.insert(after, answer_unchanged_poll)
