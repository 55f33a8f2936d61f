"""Live pages poll for changes; an unchanged poll is a 304 that costs one small query.

A page carries the change marker it was rendered with (its ETag) and polls with
``If-None-Match``. Answering "unchanged" must not load the person, their roles and the page's
objects, so the poll checks the session and reads the marker in a single statement; only when
something changed does the request go the ordinary way (sign-in check, permissions, render).
"""

from __future__ import annotations

from flask import Response, make_response, request
from flask_login import current_user
from sqlalchemy import and_, func, select

from app.auth.login_sessions import live_session_token
from app.extensions import db, login_manager
from app.models import Amendment, Clause, Discussion, Document, User, UserSession
from app.models.people import hash_token


def live_marker(discussion: Discussion) -> int:
    """The change marker of what the discussion belongs to (its clause, else its document)."""
    if discussion.clause is not None:
        return discussion.clause.activity
    return discussion.document.activity


def _marker_query(kind: str, object_id: int):
    if kind == "clause":
        return select(Clause.activity).where(Clause.id == object_id)
    if kind == "amendment":
        return (
            select(Clause.activity)
            .join(Amendment, Amendment.clause_id == Clause.id)
            .where(Amendment.id == object_id)
        )
    return (
        select(func.coalesce(Clause.activity, Document.activity))
        .select_from(Discussion)
        .join(Document, Document.id == Discussion.document_id)
        .outerjoin(Clause, Clause.id == Discussion.clause_id)
        .where(Discussion.id == object_id)
    )


def not_modified(kind: str, object_id: int) -> Response | None:
    """A 304 when the poller's ETag is still current and its session is live, else None."""
    if not request.if_none_match:
        return None
    token = live_session_token()
    if token is None:
        return None
    session_is_open = (
        select(UserSession.id)
        .join(User, and_(User.id == UserSession.user_id, User.active.is_(True)))
        .where(UserSession.token_hash == hash_token(token), UserSession.ended_at.is_(None))
        .exists()
    )
    marker = db.session.scalar(_marker_query(kind, object_id).where(session_is_open))
    if marker is None or not request.if_none_match.contains(str(marker)):
        return None
    response = make_response("", 304)
    response.set_etag(str(marker))
    response.vary.add("HX-Request")
    return response


def poll_or_sign_in(kind: str, object_id: int | None) -> Response | None:
    """The 304 for an unchanged poll; a sign-in redirect for a poll whose session has ended;
    None when the poll should be answered with the changed content."""
    if object_id is not None:
        response = not_modified(kind, object_id)
        if response is not None:
            return response
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None
