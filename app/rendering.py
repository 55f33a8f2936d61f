"""The web kit every blueprint uses: one template serves a page and its htmx fragments (named
blocks, via jinja2-fragments), the answer's status follows its form, and live pages poll cheaply.

Live pages poll for changes; an unchanged poll is a 304 that costs one small query. A page
carries the change marker it was rendered with (its ETag) and polls with ``If-None-Match``.
Answering "unchanged" must not load the person, their roles and the page's objects, so the poll
checks the session and reads the marker in a single statement; only when something changed does
the request go the ordinary way (sign-in check, permissions, render).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, make_response, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from jinja2_fragments.flask import render_block, render_blocks
from sqlalchemy import Select, and_, select

from app.auth.login_sessions import live_session_token
from app.extensions import db, login_manager
from app.models import Amendment, Clause, Document, User, UserSession
from app.models.people import hash_token
from app.permissions import is_readable_in_session


def is_htmx_request() -> bool:
    """True for an htmx request that wants a fragment (not boosted, not a history restore)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def form_status(context: dict) -> int:
    """422 when a form in ``context`` has errors (bad input, shown by its fields), else 200."""
    invalid = any(isinstance(value, FlaskForm) and value.errors for value in context.values())
    return 422 if invalid else 200


def render(
    template: str,
    *,
    block: str | None = None,
    blocks: list[str] | None = None,
    status: int | None = None,
    **context,
) -> Response:
    """The whole page, or only ``block`` (or ``blocks``, for out-of-band swaps) when htmx asks
    for a fragment. Always varies on HX-Request. Without ``status``: 422 when a form passed in
    ``context`` has errors, else 200."""
    if status is None:
        status = form_status(context)
    if blocks is not None and is_htmx_request():
        html = render_blocks(template, blocks, **context)
    elif block is not None and is_htmx_request():
        html = render_block(template, block, **context)
    else:
        html = render_template(template, **context)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response


def render_fragments(parts: list[tuple[str, str]], *, status: int = 200, **context) -> Response:
    """Several named blocks, possibly of different templates, for one htmx response."""
    html = "".join(render_block(template, block, **context) for template, block in parts)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default`` (no open redirects, and
    nothing that cannot go in a ``Location`` header: control characters or over 2,000
    characters)."""
    if not target or len(target) > 2000:
        return default
    if any(ord(character) < 32 or ord(character) == 127 for character in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def clause_marker(clause_id: int, slug: str) -> Select:
    """The change marker of the clause with ``clause_id`` of the document at ``slug`` (a poll's
    id must belong to the document its address names)."""
    return (
        select(Clause.activity)
        .join(Document, Document.id == Clause.document_id)
        .where(Clause.id == clause_id, Document.slug == slug)
    )


def amendment_marker(amendment_id: int) -> Select:
    """The change marker of the clause the amendment with ``amendment_id`` would change."""
    return (
        select(Clause.activity)
        .join(Amendment, Amendment.clause_id == Clause.id)
        .join(Document, Document.id == Clause.document_id)
        .where(Amendment.id == amendment_id)
    )


def etag_of(*parts: object) -> str:
    """An ETag (without quotes) from the marker's parts: ``3``, or ``17-2`` for a page."""
    return "-".join(str(part) for part in parts)


def not_modified(marker: Select) -> Response | None:
    """A 304 when the poller's ETag is still current, its session is live and its person may
    read the document, else None.

    ``marker`` selects the marker's parts from a query joined to Document (``clause_marker``,
    ``amendment_marker``, ``app.discussions.threads.page_marker``); the session, the person and
    whether they may read the document are checked in the same single statement, so an id of a
    document the person may not read (or of another document than the address names) answers
    the same as an id that does not exist."""
    if not request.if_none_match:
        return None
    token = live_session_token()
    if token is None:
        return None
    token_hash = hash_token(token)
    session_is_open = (
        select(UserSession.id)
        .join(User, and_(User.id == UserSession.user_id, User.active.is_(True)))
        .where(UserSession.token_hash == token_hash, UserSession.ended_at.is_(None))
        .exists()
    )
    row = db.session.execute(
        marker.where(session_is_open, is_readable_in_session(token_hash))
    ).first()
    if row is None or any(part is None for part in row):
        return None
    etag = etag_of(*row)
    if not request.if_none_match.contains(etag):
        return None
    response = make_response("", 304)
    response.set_etag(etag)
    response.vary.add("HX-Request")
    return response


def poll_or_sign_in(marker: Select | None) -> Response | None:
    """The 304 for an unchanged poll (``marker`` as for ``not_modified``; None when the poll
    names no object); a sign-in redirect for a poll whose session has ended; None when the poll
    should be answered with the changed content."""
    if marker is not None:
        response = not_modified(marker)
        if response is not None:
            return response
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None
