"""Whole pages kept in the shared cache and served before Flask's request machinery.

A page a person reads again and again (a long discussion, say) is rendered once for them and
then served from the shared cache (``app.extensions.cache``: Redis in production) until
anything it shows changes. ``KeptPages``, WSGI middleware in front of Flask like the live
poll's (``app.polls``), answers a plain GET of a kept page (one of ``PAGES``) with one
statement and one cache read, or hands it on to Flask with the page's key; Flask renders the
page as ever, and the middleware keeps what it sent.

The key is made of everything the page shows, read by that one statement (``PAGES``' own):
the change markers the live poll already trusts for the thread, the values the page shows
outside it (titles, states, the clause's wording number, the recommendations' versions), the
person's session (open, active, allowed to read, two-factor set up where required), who they
are and their roles, the ``people`` change marker, the header's two counts, and whether their
reading mark already covers the page; with the address, the host, the session's CSRF token
(a kept page carries its owner's token, so no one else's key can find it) and what renders it
(a digest of every template and the sanitiser's policy version). A change to any of those
makes another key, on this host or another, so a kept page is never served after a change:
it is just not found again, and ages out.

A page changes with nothing written too: "5 minutes ago" becomes "6 minutes ago", and an Edit
link goes when its edit window closes. The render notes the first such moment
(``changes_at``: ``app.templating.time_ago`` and the thread's edit links note theirs), and
the kept page is served only before it. What must differ on each serving is put in afresh:
the server's time (``<meta name="server-time">``) and each form's one-time key
(``submission_key``: two tabs opened on one kept page still post two comments).

Only a steady page is kept: a 200 that left the session cookie as it was (no message shown,
no idle clock moved, nothing remembered), of a request whose cookie already has everything
Flask would add to it (its CSRF token, the viewer's hint for the header, a session
identifier for this browser), and whose reading mark already covers the page (else reading
it writes one). And it is kept only if the statement, run again after the render, gives the
same key: a change committed while the page was rendered never goes under the older key.
Anything else goes to Flask, which answers as it always has; so does everything when the
cache or the database cannot be reached.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from hashlib import sha512
from typing import TYPE_CHECKING, Any

from flask import Config, Flask
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.sql.elements import BindParameter
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from app import markdown as sanitiser
from app import page_notes
from app.auth.login_sessions import SEEN_AT, VIEWER, live_session_token
from app.boundaries import ID_MAX, has_nul_in_address
from app.discussions.threads import first_editable_since
from app.driver_sql import DriverStatementFailed
from app.extensions import cache as flask_cache
from app.models import (
    Clause,
    Discussion,
    Document,
    Recommendation,
    RecommendationSource,
    Role,
    UserSession,
)
from app.models.base import utcnow
from app.models.participation import discussion_recommendations
from app.models.people import hash_token
from app.observability import REQUEST_ID_HEADER, count_request, request_id_from
from app.pagination import LAST_PAGE_ASKED
from app.polls import ROLE_BITS, BeforeFlask, _two_factor_bits, discussion_poll
from app.services.last_views import discussion_mark_covers
from app.services.tasks import VIEWER_ID, header_columns
from app.shared_cache import unreachable
from app.sql import comma_joined

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

KEPT_PAGE = "accord.kept_page"  # in the WSGI environ: the page's key, for Flask's answer
# The longest a page is kept without being asked for again (seconds).
KEPT_SECONDS = 600
# The clock a kept page's time of change is read by (``KeptPage.until``); a test moves it.
clock = time.time
OK = "200 OK"
# Headers made for each answer, not kept with the page.
_NOT_KEPT = frozenset({"content-length", "set-cookie", REQUEST_ID_HEADER.lower()})


@dataclass(frozen=True)
class KeptPage:
    """A page as Flask sent it: ``body`` (text), its ``headers`` (without ``Content-Length``,
    ``Set-Cookie`` or the request id), until when it holds (``until``, Unix seconds), and the
    ``server_time`` and ``submission_keys`` written in it, replaced on each serving."""

    body: str
    headers: tuple[tuple[str, str], ...]
    until: float
    server_time: str | None
    submission_keys: tuple[str, ...]


# The statement a kept page's key is read by, and its parameters, from the query string, the
# address's parts, the settings and the roles the cookie's hint names; None: not kept.
PageStatement = Callable[
    [MultiDict[str, str], Mapping[str, Any], Config, frozenset[Role]], tuple[Select, dict] | None
]


@cache
def discussion_page(per_page: int, roles: frozenset[Role]) -> Select:
    """What a page of a discussion shows, for the key: the poll's marker of the page's thread
    (``app.polls.discussion_poll``, with the session's checks), the discussion's title, lock
    and state marker, its document's title, address, kind, state and time of change, its
    clause's number, heading, wording number and retirement, its recommendations' count,
    versions and retirements and their sources' names, whether the reader's reading mark
    covers it, when their first comment still in its edit window was posted, and the
    header's counts for ``roles``.
    Parameters: ``discussion_id``, ``offset``, ``token_hash``, ``viewer_id``, ``now`` and
    ``edits_from``."""
    discussion_id: BindParameter[int] = bindparam("discussion_id")
    reader = UserSession.user_id.expression
    # The linked recommendations as one number: how many (under 1,000), their versions'
    # sum (each only grows) and how many are retired; any change to one of them moves it.
    linked = (
        select(
            func.count()
            + 1000 * func.coalesce(func.sum(Recommendation.version), 0)
            + 1000000000 * func.count(Recommendation.retired_at)
        )
        .select_from(discussion_recommendations)
        .join(Recommendation, Recommendation.id == discussion_recommendations.c.recommendation_id)
        .where(discussion_recommendations.c.discussion_id == discussion_id)
        .scalar_subquery()
    )
    sources = (
        select(comma_joined(RecommendationSource.name + RecommendationSource.short_name))
        .select_from(discussion_recommendations)
        .join(Recommendation, Recommendation.id == discussion_recommendations.c.recommendation_id)
        .join(RecommendationSource, RecommendationSource.id == Recommendation.source_id)
        .where(discussion_recommendations.c.discussion_id == discussion_id)
        .scalar_subquery()
    )
    unread, tasks = header_columns(roles)
    return (
        discussion_poll(per_page)
        .add_columns(
            Discussion.title,
            Discussion.state_mark,
            Discussion.locked_at,
            Document.title,
            Document.slug,
            Document.kind,
            Document.status,
            Document.updated_at,
            Clause.number,
            Clause.heading,
            Clause.revision_number,
            Clause.retired_at,
            linked,
            sources,
            discussion_mark_covers(discussion_id, reader),
            first_editable_since(discussion_id, reader).scalar_subquery(),
            unread,
            tasks,
        )
        .outerjoin(Clause, Clause.id == Discussion.clause_id)
        .where(UserSession.user_id == VIEWER_ID)
    )


# Where, in a discussion page's row, whether the reading mark covers it (see ``discussion_page``).
_COVERS = -4


def _discussion(
    args: MultiDict[str, str], view_args: Mapping[str, Any], config: Config, roles: frozenset[Role]
) -> tuple[Select, dict] | None:
    if set(args) - {"page"} or len(args.getlist("page")) > 1:
        return None  # replying or editing (the composer), or anything else: Flask's
    per_page = config["COMMENTS_PER_PAGE"]
    number = min(max(args.get("page", 1, type=int) or 1, 1), LAST_PAGE_ASKED)
    params = {"discussion_id": view_args["discussion_id"], "offset": (number - 1) * per_page}
    return discussion_page(per_page, roles), params


PAGES: dict[str, PageStatement] = {"discussions.show": _discussion}


def _identifier(environ: WSGIEnvironment) -> str:
    """The browser's identifier as Flask-Login makes it (``_create_identifier``: the address,
    or the first of ``X-Forwarded-For``, and the User-Agent), to compare with the session's."""
    address = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    user_agent = environ.get("HTTP_USER_AGENT")
    if user_agent is not None:
        user_agent = user_agent.encode("utf-8")
    return sha512(f"{address}|{user_agent}".encode()).hexdigest()


def _hint(cookie: Mapping[str, Any]) -> tuple[int, frozenset[Role]] | None:
    """The viewer the cookie says it last showed a page to (``login_sessions.VIEWER``)."""
    hint = cookie.get(VIEWER)
    if not (isinstance(hint, list) and len(hint) == 2 and type(hint[0]) is int):
        return None
    if not 0 < hint[0] <= ID_MAX or not isinstance(hint[1], list):
        return None
    try:
        return hint[0], frozenset(Role(role) for role in hint[1])
    except (TypeError, ValueError):
        return None


@cache
def _templates_digest(folder: str) -> str:
    """A digest of every template's source under ``folder`` (read once per process)."""
    digest = hashlib.sha256()
    for root, directories, files in sorted(os.walk(folder)):
        directories.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            digest.update(path.encode())
            with open(path, "rb") as source:
                digest.update(source.read())
    return digest.hexdigest()[:16]


class KeptPages(BeforeFlask):
    """WSGI middleware that serves a kept page from the shared cache, or hands the request
    on to Flask with its key and keeps what Flask sends (see the module's notes)."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        super().__init__(app, wsgi_app)
        self._cache: Any = None

    @property
    def cache(self) -> Any:
        """The shared cache's own client (Flask-Caching's, without an app context)."""
        if self._cache is None:
            self._cache = self.app.extensions["cache"][flask_cache]
        return self._cache

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or "HTTP_HX_REQUEST" in environ
            or not self.app.config["KEPT_PAGES"]
        ):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        found = self.key_of(environ)
        if found is None:
            return self.wsgi_app(environ, start_response)
        key, endpoint, user_id, read_again = found
        page = self._read(key)
        if page is not None and clock() < page.until:
            return self.serve(page, environ, start_response, endpoint, user_id, started)
        environ[KEPT_PAGE] = key
        return self.keep(environ, start_response, key, read_again)

    def key_of(
        self, environ: WSGIEnvironment
    ) -> tuple[str, str, int, Callable[[], str | None]] | None:
        """The key of the page asked for, its endpoint, the viewer's id and a function that
        reads the key again; None when the page is not one to keep or serve (see the
        module's notes)."""
        app = self.app
        asked = app.request_class(environ)
        try:
            adapter = app.create_url_adapter(asked)
            assert adapter is not None  # made for a request
            endpoint, view_args = adapter.match()
        except HTTPException:  # no such page, a redirect, an untrusted host
            return None
        if endpoint not in PAGES or has_nul_in_address(asked):
            return None
        cookie = self.signed_session(asked)
        token = live_session_token(cookie, app.config) if cookie is not None else None
        if cookie is None or token is None or cookie.get("_flashes"):
            return None
        seen_at = cookie.get(SEEN_AT)
        if not isinstance(seen_at, int) or clock() - seen_at >= 60:
            return None  # Flask moves the idle clock on (``require_sign_in``)
        hint, csrf = _hint(cookie), cookie.get("csrf_token")
        if hint is None or not isinstance(csrf, str):
            return None
        if cookie.get("_id") != _identifier(environ) and cookie.get("_fresh") is not False:
            return None  # Flask-Login marks the session as not fresh
        found = PAGES[endpoint](asked.args, view_args, app.config, hint[1])
        if found is None:
            return None
        statement, params = found
        user_id, bits = hint[0], sum(ROLE_BITS[role] for role in hint[1])
        compiled = self.driver_statement(statement)
        two_factor = _two_factor_bits(app.config)
        window = timedelta(minutes=app.config["COMMENT_EDIT_WINDOW_MINUTES"])  # rules.edit_window
        made_by = (
            endpoint,
            _templates_digest(os.path.join(app.root_path, app.template_folder or "templates")),
            sanitiser.POLICY_VERSION,
            environ.get("HTTP_HOST"),
            asked.path,
            environ.get("QUERY_STRING", ""),
            hashlib.sha256(csrf.encode()).hexdigest(),
        )

        def read() -> str | None:
            now = utcnow()
            try:
                row = compiled.first(
                    self.engine,
                    {
                        **params,
                        "token_hash": hash_token(token),
                        "viewer_id": user_id,
                        "now": now,
                        "edits_from": now - window,
                    },
                )
            except DriverStatementFailed:
                return None
            if row is None or not row[_COVERS]:
                return None  # no such page for them, or reading it records a reading
            viewer, role_bits, enrolled = row[_END_OF_POLL - 3 : _END_OF_POLL]
            if viewer != user_id or role_bits != bits or (not enrolled and bits & two_factor):
                return None
            return "page:" + hashlib.sha256(repr((made_by, row)).encode()).hexdigest()

        key = read()
        return None if key is None else (key, endpoint, user_id, read)

    def _read(self, key: str) -> KeptPage | None:
        try:
            found = self.cache.get(key)
        except unreachable():  # Flask renders the page
            return None
        return found if isinstance(found, KeptPage) else None

    def serve(
        self,
        page: KeptPage,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        endpoint: str,
        user_id: int,
        started: float,
    ) -> Iterable[bytes]:
        """``page`` with the server's time and fresh one-time keys in it."""
        from app.forms import new_submission_key
        from app.templating import server_time

        body = page.body
        if page.server_time is not None:
            body = body.replace(
                f'<meta name="server-time" content="{page.server_time}">',
                f'<meta name="server-time" content="{server_time()}">',
                1,
            )
        for old in page.submission_keys:
            body = body.replace(f'value="{old}"', f'value="{new_submission_key()}"')
        data = body.encode()
        request_id = request_id_from(
            environ.get("HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_"), ""),
            self.app.config["TRUSTED_PROXIES"],
        )
        count_request(
            200,
            request_id=request_id,
            method="GET",
            route=endpoint,
            seconds=time.perf_counter() - started,
            user_id=user_id,
        )
        start_response(
            OK,
            [
                *page.headers,
                ("Content-Length", str(len(data))),
                (REQUEST_ID_HEADER, request_id),
            ],
        )
        return [data]

    def keep(
        self,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        key: str,
        read_again: Callable[[], str | None],
    ) -> Iterable[bytes]:
        """Flask's answer, kept under ``key`` when it is a steady page (see the module's
        notes) and the key read again after it is still ``key``."""
        sent: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], exc_info=None):
            sent["status"], sent["headers"] = status, headers
            return start_response(status, headers, exc_info)

        answer = self.wsgi_app(environ, start)
        rendered = environ.get(KEPT_PAGE)
        headers = sent.get("headers", [])
        if (
            not isinstance(rendered, _Rendered)
            or sent.get("status") != OK
            or any(name.lower() == "set-cookie" for name, _ in headers)
        ):
            return answer
        try:
            chunks = list(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        if read_again() == key:
            page = KeptPage(
                body=b"".join(chunks).decode(),
                headers=tuple(
                    (name, value) for name, value in headers if name.lower() not in _NOT_KEPT
                ),
                until=min(rendered.until, clock() + KEPT_SECONDS),
                server_time=rendered.server_time,
                submission_keys=rendered.submission_keys,
            )
            timeout = math.ceil(page.until - clock())
            if timeout > 0:
                with suppress(*unreachable()):  # made again next time
                    self.cache.set(key, page, timeout=timeout)
        return chunks


# In a discussion page's row, where the poll's columns end (mark, pages, people, viewer,
# roles, two-factor), before the page's own.
_END_OF_POLL = 6


@dataclass(frozen=True)
class _Rendered:
    """What Flask's render noted of a page to keep (``note_rendered``)."""

    until: float
    server_time: str | None
    submission_keys: tuple[str, ...]


def note_rendered(response):
    """After Flask's render of a page ``KeptPages`` handed on with a key: note, for it to keep,
    when the page changes by itself and what to write afresh on each serving. Only a 200
    that changed nothing in the session is kept."""
    from flask import request, session

    environ = request.environ
    if environ.get(KEPT_PAGE) is None or response.status_code != 200 or session.modified:
        environ.pop(KEPT_PAGE, None)
        return response
    environ[KEPT_PAGE] = _Rendered(
        until=page_notes.first_change(),
        server_time=page_notes.server_time_shown(),
        submission_keys=page_notes.submission_keys_made(),
    )
    return response


def init_kept_pages(app: Flask) -> None:
    """Serve kept pages before Flask's request machinery, and keep what Flask renders."""
    app.after_request(note_rendered)
    app.wsgi_app = KeptPages(app, app.wsgi_app)  # type: ignore[method-assign]
