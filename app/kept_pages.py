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
(a digest of the release's code, templates, static files and locked dependencies, and the
sanitiser's policy version). A change to any of those
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
import logging
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

from flask import Config, Flask, request, session
from sqlalchemy import Select, String, bindparam, cast, func, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect
from werkzeug.datastructures import EnvironHeaders, MultiDict

from app import markdown as sanitiser
from app import page_notes
from app.auth.login_sessions import SEEN_AT, VIEWER, live_session_token
from app.boundaries import ID_MAX
from app.discussions.threads import first_editable_since
from app.documents.routes import neighbour_columns
from app.driver_sql import DriverStatementFailed
from app.extensions import cache as flask_cache
from app.forms import new_submission_key
from app.models import (
    Amendment,
    Clause,
    Discussion,
    Document,
    Outcome,
    Recommendation,
    RecommendationSource,
    Role,
    UserSession,
)
from app.models.base import utcnow
from app.models.documents import clause_recommendations
from app.models.participation import discussion_recommendations
from app.models.people import hash_token
from app.observability import REQUEST_ID_HEADER
from app.pagination import LAST_PAGE_ASKED
from app.polls import ROLE_BITS, BeforeFlask, _two_factor_bits, checked, discussion_poll
from app.services.last_views import clause_mark_covers, discussion_mark_covers
from app.services.tasks import VIEWER_ID, header_columns
from app.shared_cache import unreachable
from app.sql import comma_joined
from app.templating import server_time

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)
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


def _always(row: tuple) -> bool:
    return True


@dataclass(frozen=True)
class KeyStatement:
    """The statement a kept page's key is read by, with its parameters (but the session's
    token, the viewer and the time, bound at each reading), where its row has the session's
    four columns (``app.polls.checked``: the ``people`` marker, the viewer, their roles'
    bits, two-factor set up) and whether the reading mark covers the page, and whether a page
    with that row may be kept at all (``keeps``)."""

    statement: Select
    params: dict[str, Any]
    viewer_at: int
    covers_at: int
    keeps: Callable[[tuple], bool] = _always
    edits_from: bool = False  # binds ``edits_from`` (the edit window's start) too


# A kept page's key statement, from the query string, the address's parts, the settings and
# the roles the cookie's hint names; None: not kept.
PageStatement = Callable[
    [MultiDict[str, str], Mapping[str, Any], Config, frozenset[Role]], KeyStatement | None
]


def _joined(*numbers: ColumnElement[int]) -> ColumnElement[str]:
    """``numbers`` as one text, "3:12:0", for a key (never summed: a sum overflows a column)."""
    joined: ColumnElement[str] = cast(numbers[0], String)
    for number in numbers[1:]:
        joined = joined + ":" + cast(number, String)
    return joined


def _recommendations_of(
    recommendation_id: ColumnElement[int], linked: ColumnElement[bool]
) -> tuple[ScalarSelect, ScalarSelect]:
    """What a page shows of the recommendations a link table's rows ``linked`` name: how many,
    their versions' sum (each only grows) and how many are retired, which any change to one of
    them moves; and their sources' names."""
    link = recommendation_id.table
    counted = (
        select(
            _joined(
                func.count(),
                func.coalesce(func.sum(Recommendation.version), 0),
                func.count(Recommendation.retired_at),
            )
        )
        .select_from(link)
        .join(Recommendation, Recommendation.id == recommendation_id)
        .where(linked)
        .scalar_subquery()
    )
    sources = (
        select(comma_joined(RecommendationSource.name + "|" + RecommendationSource.short_name))
        .select_from(link)
        .join(Recommendation, Recommendation.id == recommendation_id)
        .join(RecommendationSource, RecommendationSource.id == Recommendation.source_id)
        .where(linked)
        .scalar_subquery()
    )
    return counted, sources


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
    linked, sources = _recommendations_of(
        discussion_recommendations.c.recommendation_id,
        discussion_recommendations.c.discussion_id == discussion_id,
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


def _discussion(
    args: MultiDict[str, str], view_args: Mapping[str, Any], config: Config, roles: frozenset[Role]
) -> KeyStatement | None:
    if set(args) - {"page"} or len(args.getlist("page")) > 1:
        return None  # replying or editing (the composer), or anything else: Flask's
    per_page = config["COMMENTS_PER_PAGE"]
    number = min(max(args.get("page", 1, type=int) or 1, 1), LAST_PAGE_ASKED)
    params = {"discussion_id": view_args["discussion_id"], "offset": (number - 1) * per_page}
    # The poll's marker and number of pages, then the session's four columns; the reading
    # mark's column is fourth from the end.
    return KeyStatement(
        discussion_page(per_page, roles), params, viewer_at=2, covers_at=-4, edits_from=True
    )


@cache
def clause_page(roles: frozenset[Role]) -> Select:
    """What a clause's page shows, for the key: the clause's change marker (``Clause.activity``:
    every vote on it or its amendments, amendment, outcome, comment in its discussions and new
    wording moves it), with the session's checks (``app.polls``); the clause's own id,
    heading, wording number, place, retirement, stops and source (an agenda item: such a page is
    not kept); how many clauses have its number; its document's title, address, kind, state,
    voting, stops, turnout rule and time of change; the live clauses either side; its
    recommendations, amendments (each one's state), outcomes and discussions (how many, their
    markers); whether the reader's reading mark covers it; and the header's counts for
    ``roles``. Parameters: ``slug``, ``number``, ``token_hash``, ``viewer_id`` and ``now``."""
    same_number = aliased(Clause)
    numbered = (
        select(func.count())
        .select_from(same_number)
        .where(
            same_number.document_id == Clause.document_id,
            same_number.number == Clause.number,
        )
        .scalar_subquery()
    )
    linked, sources = _recommendations_of(
        clause_recommendations.c.recommendation_id,
        clause_recommendations.c.clause_id == Clause.id,
    )
    amendments = (
        select(
            comma_joined(
                cast(Amendment.id, String)
                + ":"
                + cast(Amendment.status, String)
                + ":"
                + func.coalesce(cast(Amendment.voting_closed_at, String), "")
            )
        )
        .where(Amendment.clause_id == Clause.id)
        .scalar_subquery()
    )
    outcomes = (
        select(func.max(Outcome.id))
        .where(
            or_(
                Outcome.clause_id == Clause.id,
                Outcome.amendment_id.in_(
                    select(Amendment.id).where(Amendment.clause_id == Clause.id)
                ),
            )
        )
        .scalar_subquery()
    )
    discussions = (
        select(
            _joined(
                func.count(),
                func.coalesce(func.max(Discussion.activity_mark), 0),
                func.coalesce(func.max(Discussion.state_mark), 0),
            )
        )
        .where(Discussion.clause_id == Clause.id)
        .scalar_subquery()
    )
    unread, tasks = header_columns(roles)
    marker = (
        select(Clause.activity)
        .join(Document, Document.id == Clause.document_id)
        .where(Document.slug == bindparam("slug"), Clause.number == bindparam("number"))
    )
    return (
        checked(marker)
        .add_columns(
            Clause.id,
            Clause.heading,
            Clause.revision_number,
            Clause.position,
            Clause.retired_at,
            Clause.amendments_stopped,
            Clause.voting_closed_at,
            Clause.from_agenda_item_id,
            numbered,
            Document.title,
            Document.kind,
            Document.status,
            Document.voting_open,
            Document.amendments_stopped,
            Document.member_turnout_percent,
            Document.officer_turnout_percent,
            Document.updated_at,
            *neighbour_columns(before=True),
            *neighbour_columns(before=False),
            linked,
            sources,
            amendments,
            outcomes,
            discussions,
            clause_mark_covers(Clause, UserSession.user_id.expression),
            unread,
            tasks,
        )
        .where(UserSession.user_id == VIEWER_ID)
    )


def _clause(
    args: MultiDict[str, str], view_args: Mapping[str, Any], config: Config, roles: frozenset[Role]
) -> KeyStatement | None:
    if args:
        return None
    # The clause's marker, then the session's four columns; the reading mark's column is third
    # from the end. Not kept: a clause from a session's agenda item (what the page says of it
    # depends on who may read the session), or a number two clauses have.
    return KeyStatement(
        clause_page(roles),
        {"slug": view_args["slug"], "number": view_args["number"]},
        viewer_at=1,
        covers_at=-3,
        keeps=lambda row: row[12] is None and row[13] == 1,
    )


PAGES: dict[str, PageStatement] = {
    "discussions.show": _discussion,
    "documents.clause": _clause,
}


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


# What a release is made of, for the key: its code, templates, static files and locked
# dependencies (their templates too: govuk-frontend-jinja's macros).
RELEASE_PARTS = ("app", "templates", "static", "requirements.lock")


@cache
def release_digest(root: str) -> str:
    """A digest of the release under ``root`` (``RELEASE_PARTS``, read once per process; paths
    relative to ``root``, so two hosts running one release share their kept pages): a release
    that changes anything a page is made from, even in Python or a dependency, makes other
    keys, so hosts running two releases side by side never serve each other's pages."""
    digest = hashlib.sha256()
    for part in RELEASE_PARTS:
        top = os.path.join(root, part)
        found = [top] if os.path.isfile(top) else []
        for folder, directories, files in os.walk(top):
            directories[:] = sorted(d for d in directories if d != "__pycache__")
            found += [os.path.join(folder, name) for name in sorted(files)]
        for path in found:
            if path.endswith((".pyc", ".pyo")):
                continue
            digest.update(os.path.relpath(path, root).encode() + b"\0")
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
        matched = self.matched(asked, PAGES)
        if matched is None:
            return None
        endpoint, view_args = matched
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
        user_id, bits = hint[0], sum(ROLE_BITS[role] for role in hint[1])
        compiled = self.driver_statement(found.statement)
        two_factor = _two_factor_bits(app.config)
        window = timedelta(minutes=app.config["COMMENT_EDIT_WINDOW_MINUTES"])  # rules.edit_window
        made_by = (
            endpoint,
            release_digest(os.path.dirname(app.root_path)),
            sanitiser.POLICY_VERSION,
            environ.get("HTTP_HOST"),
            asked.path,
            environ.get("QUERY_STRING", ""),
            hashlib.sha256(csrf.encode()).hexdigest(),
        )

        def read() -> str | None:
            now = utcnow()
            params = {**found.params, "token_hash": hash_token(token), "viewer_id": user_id}
            params["now"] = now
            if found.edits_from:
                params["edits_from"] = now - window
            try:
                row = compiled.first(self.engine, params)
            except DriverStatementFailed as error:
                log.warning("A kept page's key could not be read (%r)", error.__cause__)
                return None  # Flask meets the problem again, and answers as pages do
            if row is None or not row[found.covers_at] or not found.keeps(row):
                return None  # no such page for them, reading it records a reading, or else
            viewer, role_bits, enrolled = row[found.viewer_at + 1 : found.viewer_at + 4]
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
        request_id = self.counted(EnvironHeaders(environ), 200, endpoint, started, user_id)
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
