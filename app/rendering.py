"""The web kit every blueprint uses: one template serves a page and its htmx fragments (named
blocks, via jinja2-fragments), the answer's status follows its form, and live pages poll cheaply.

Live pages poll for changes: a page carries the change marker it was rendered with (its ETag)
and polls with ``If-None-Match``; ``app.polls`` answers an unchanged poll with a 304 before the
ordinary request machinery, and a changed one reaches its view (``live_response``).
"""

from __future__ import annotations

import math
from datetime import datetime
from urllib.parse import urlsplit

from flask import Response, flash, make_response, render_template, request, session
from flask_login import current_user
from flask_wtf import FlaskForm
from jinja2_fragments.flask import render_block, render_blocks

from app.models import Role


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


def flash_once(message: str, category: str = "message") -> None:
    """``flash`` the message unless the very same one is already waiting to be shown: someone
    sent to sign in from several pages (tabs restored, links followed) is told once."""
    waiting = {tuple(each) for each in session.get("_flashes", [])}  # lists, read from a cookie
    if (category, message) not in waiting:
        flash(message, category)


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


def etag_of(*parts: object) -> str:
    """An ETag (without quotes) from the marker's parts: ``3``, or ``17-2`` for a page."""
    return "-".join(str(part) for part in parts)


ROLE_BITS = {role: 1 << index for index, role in enumerate(Role)}


def viewer_part(people_mark: int | None, viewer_id: int | None, role_bits: int) -> str:
    """A live ETag's last part: the ``people`` change marker, who the viewer is and the sum of
    their roles' ``ROLE_BITS``, as ``p7-u12-r3`` (``live_etag`` and the poll both make it)."""
    return f"p{people_mark}-u{viewer_id}-r{role_bits}"


def people_mark_read() -> int | None:
    """The ``people`` change marker as this request read it with the session (``None`` when
    no session was looked up): a key part for what shows people (``voting.tallies``)."""
    return getattr(current_user, "people_mark", None)


def until_part(changes_at: datetime) -> str:
    """A live ETag's part for the time the page changes with nothing written (the first of
    the viewer's Edit links to go as its edit window closes): ``e`` and the first whole Unix
    second after it, as ``e1764590401``. The poll answers 304 only before that second
    (``app.polls.unexpired``)."""
    return f"e{math.floor(changes_at.timestamp()) + 1}"


def live_etag(marker: object, changes_at: datetime | None = None) -> str:
    """The ETag of a live page or fragment (``marker``, from ``etag_of``) as the signed-in
    person sees it (``viewer_part``): with the ``people`` change marker (what it shows of
    people: names, Groups, badges, voters), who they are (their own cards offer Edit, their
    vote is marked "(you)") and their roles, which decide what it offers them (reply, vote,
    moderate). So a rename, a role given or taken, or another person signing in in the same
    browser answers open pages' polls afresh. The poll (``app.polls``) reads the same three
    in its one statement. ``changes_at``: when the page will change with nothing written
    (``until_part``, last)."""
    if not current_user.is_authenticated:
        etag = etag_of(marker, viewer_part(people_mark_read(), None, 0))
    else:
        roles = sum(ROLE_BITS[role] for role in current_user.roles)
        etag = etag_of(marker, viewer_part(people_mark_read(), current_user.id, roles))
    return etag if changes_at is None else etag_of(etag, until_part(changes_at))


def live_response(
    response: Response, marker: object, changes_at: datetime | None = None
) -> Response:
    """``response``, a live page's fragment, with its ETag (``live_etag(marker, changes_at)``);
    a 304 in its place when the request sent that ETag. Most unchanged polls never get here
    (``app.polls`` answers them first); those it leaves to the view (a HEAD, or the database
    failing under it) are still answered 304."""
    response.set_etag(live_etag(marker, changes_at))
    response.make_conditional(request)  # changes ``response`` in place
    return response
