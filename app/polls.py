"""The unchanged live poll, answered before the ordinary request machinery.

A live page polls every few seconds with the marker it was rendered with (``If-None-Match``).
Most polls find nothing changed, so they are answered here, by WSGI middleware
(``UnchangedPolls``) in front of Flask: without a request context, the rate limiter, the
sign-in check or the view. The answer costs one statement that checks the session is open,
its person active and allowed to read the document, and reads the marker, the ``people``
change marker, who the person is and their roles (the parts of a live page's ETag:
``app.rendering.live_etag``); the statement is built and compiled once per process, with bound
parameters, and run on the driver's own connection (``app.driver_sql``: through SQLAlchemy's
``Connection`` it cost ten times the SQL itself), and the 304 writes no cookie (the poll does
not touch the session's idle clock). Anything else (a changed marker, an ended
session, an id that is not the address's or may not be read) goes on to the ordinary request,
which answers it as the page would.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Container, Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from flask import Config, Flask, Request
from sqlalchemy import Select, and_, bindparam, case, exists, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter
from werkzeug.datastructures import ETags, Headers, MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.http import quote_etag

from app.auth.login_sessions import POLL_ENDPOINTS, live_session_token
from app.auth.session_cookies import KeptCookieSessions
from app.boundaries import has_nul_in_address
from app.discussions.threads import page_roots
from app.driver_sql import DriverStatement, DriverStatementFailed
from app.extensions import db
from app.models import (
    Amendment,
    Clause,
    Comment,
    Discussion,
    Document,
    TwoFactorCredential,
    User,
    UserRole,
    UserSession,
)
from app.models.people import hash_token
from app.observability import REQUEST_ID_HEADER, count_request, request_id_from
from app.pagination import LAST_PAGE_ASKED
from app.permissions import is_readable_by_id
from app.rendering import ROLE_BITS, etag_of, viewer_part
from app.rules import two_factor_roles
from app.security import security_headers
from app.services.markers import people_mark
from app.sql import greatest, least

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

TOKEN_HASH: BindParameter[str] = bindparam("token_hash")
NOT_MODIFIED = "304 NOT MODIFIED"  # as Werkzeug writes it


def checked(marker: Select) -> Select:
    """``marker`` (joined to Document) limited to an open session of an active person who may
    read the document: the whole poll in one statement. The session is looked up once, by its
    token; with it come who the person is and their roles, as ``app.rendering.viewer_part``
    adds them to a live page's ETag, and whether they have switched two-factor sign-in on
    (1 or 0: someone whose roles now require it and who has not is sent to set it up)."""
    bits = case(*((UserRole.role == role, bit) for role, bit in ROLE_BITS.items()), else_=0)
    roles = (
        select(func.coalesce(func.sum(bits), 0))
        .where(UserRole.user_id == UserSession.user_id)
        .scalar_subquery()
    )
    enrolled = case(
        (
            exists().where(
                TwoFactorCredential.user_id == UserSession.user_id,
                TwoFactorCredential.enabled_at.is_not(None),
            ),
            1,
        ),
        else_=0,
    )
    return (
        marker.add_columns(people_mark(), UserSession.user_id, roles, enrolled)
        .join(
            UserSession,
            and_(UserSession.token_hash == TOKEN_HASH, UserSession.ended_at.is_(None)),
        )
        .join(User, and_(User.id == UserSession.user_id, User.active.is_(True)))
        .where(is_readable_by_id(UserSession.user_id))
    )


@cache
def clause_poll() -> Select:
    """The clause's marker (``Clause.activity``); parameters ``clause_id`` and ``slug`` (the
    id must belong to the document its address names)."""
    return checked(
        select(Clause.activity)
        .join(Document, Document.id == Clause.document_id)
        .where(Clause.id == bindparam("clause_id"), Document.slug == bindparam("slug"))
    )


@cache
def amendment_poll() -> Select:
    """The marker of the clause an amendment would change; parameter ``amendment_id``."""
    return checked(
        select(Clause.activity)
        .join(Amendment, Amendment.clause_id == Clause.id)
        .join(Document, Document.id == Clause.document_id)
        .where(Amendment.id == bindparam("amendment_id"))
    )


@cache
def discussion_poll(per_page: int) -> Select:
    """The parts of a thread page's marker (``app.discussions.threads.ThreadPage.etag``: the
    newest marker on the page and the number of pages); parameters ``discussion_id`` and
    ``offset`` (of the page's first top-level comment; past the last page, the last page's)."""
    discussion_id: BindParameter[int] = bindparam("discussion_id")
    counted = aliased(Comment)  # its own FROM: never correlated with the statements it is in
    total = (
        select(func.count())
        .select_from(counted)
        .where(counted.discussion_id == discussion_id, counted.parent_id.is_(None))
        .scalar_subquery()
    )
    pages = greatest(1, (total + per_page - 1) // per_page)  # as threads._pages
    # A page past the last is the last page, as the page itself shows it (``summarise_page``).
    roots = page_roots(discussion_id, per_page, least(bindparam("offset"), (pages - 1) * per_page))
    # A comment on the page is one of its top-level comments (found by id) or a reply to one
    # (by ix_comments_top_level): each read by its index, so the poll reads the page's
    # comments, never the whole thread's (which ``coalesce(parent_id, id) IN roots`` did).
    top_level = select(func.max(Comment.activity_mark)).where(Comment.id.in_(roots))
    replies = select(func.max(Comment.activity_mark)).where(
        Comment.discussion_id == discussion_id, Comment.parent_id.in_(roots)
    )
    mark = greatest(
        Discussion.state_mark,
        func.coalesce(top_level.scalar_subquery(), 0),
        func.coalesce(replies.scalar_subquery(), 0),
    )
    return checked(
        select(mark, pages)
        .select_from(Discussion)
        .join(Document, Document.id == Discussion.document_id)
        .where(Discussion.id == discussion_id)
    )


def _two_factor_bits(config: Mapping[str, Any]) -> int:
    """The ``ROLE_BITS`` of the roles that must sign in with two factors
    (``app.rules.two_factor_roles``)."""
    return sum(ROLE_BITS[role] for role in two_factor_roles(config))


def _int_arg(args: MultiDict[str, str], name: str, default: int | None = None) -> int | None:
    return args.get(name, default, type=int)


def _discussion(
    args: MultiDict[str, str], view_args: Mapping[str, Any], config: Config
) -> tuple[Select, dict] | None:
    per_page = config["COMMENTS_PER_PAGE"]
    number = min(max(_int_arg(args, "page", 1) or 1, 1), LAST_PAGE_ASKED)
    params = {"discussion_id": view_args["discussion_id"], "offset": (number - 1) * per_page}
    return discussion_poll(per_page), params


def _clause(
    args: MultiDict[str, str], view_args: Mapping[str, Any], config: Config
) -> tuple[Select, dict] | None:
    clause_id = _int_arg(args, "clause_id")
    if clause_id is None:
        return None
    return clause_poll(), {"clause_id": clause_id, "slug": view_args["slug"]}


def _amendment(
    args: MultiDict[str, str], view_args: Mapping[str, Any], config: Config
) -> tuple[Select, dict] | None:
    return amendment_poll(), {"amendment_id": view_args["amendment_id"]}


# How each poll's endpoint finds its statement and parameters in the query string, the
# address's parts and the settings (None: not a poll this answers, e.g. no clause given).
PollStatement = Callable[
    [MultiDict[str, str], Mapping[str, Any], Config], tuple[Select, dict] | None
]
POLLS: dict[str, PollStatement] = {
    "discussions.live": _discussion,
    "documents.clause_live": _clause,
    "amendments.live": _amendment,
}
assert POLLS.keys() == POLL_ENDPOINTS


# The clock the poll reads for a page's time of change (``unexpired``); a test moves it.
clock = time.time


def unexpired(sent: ETags, etag: str) -> str | None:
    """The ETag, of those the browser ``sent``, that still describes the page whose ETag is
    now ``etag``: ``etag`` itself, or ``etag`` with the time the page changes with nothing
    written (``app.rendering.until_part``: an Edit link going as its edit window closes) while
    that time is still to come. None when none does. A forged time only keeps the sender's
    own page unchanged longer: the 304 carries nothing."""
    if sent.contains(etag):
        return etag
    now = clock()
    for tag in sent:
        if not tag:  # an empty tag (``""``), which Werkzeug reads as None
            continue
        head, until = tag[: len(etag) + 2], tag[len(etag) + 2 :]
        digits = len(until) <= 12 and until.isascii() and until.isdigit()
        if head == f"{etag}-e" and digits and now < int(until):
            return tag
    return None


class BeforeFlask:
    """What WSGI middleware that answers some requests before Flask's request machinery
    shares (``UnchangedPolls`` here, ``app.kept_pages.KeptPages``): the app's engine, its
    statements compiled once for the driver, the signed session cookie as Flask reads it and
    the headers Flask's answer would carry."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._engine: Engine | None = None
        self._headers: dict[str, list[tuple[str, str]]] = {}
        self._compiled: dict[Select, DriverStatement] = {}
        sessions = app.session_interface
        assert isinstance(sessions, KeptCookieSessions), "the app reads its cookies through it"
        self.sessions = sessions

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self.app.app_context():
                self._engine = db.engine
        return self._engine

    def driver_statement(self, statement: Select) -> DriverStatement:
        """``statement`` compiled once for the engine, run on the driver's connection: through
        SQLAlchemy's ``Connection`` it cost about 160 µs beyond the SQL's 15
        (``app.driver_sql``)."""
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = self._compiled[statement] = DriverStatement.compile(statement, self.engine)
        return compiled

    def matched(
        self, asked: Request, endpoints: Container[str]
    ) -> tuple[str, Mapping[str, Any]] | None:
        """The endpoint ``asked`` goes to and the address's parts, matched by the app's own URL
        map and converters, when it is one of ``endpoints`` and its address holds no NUL byte;
        else None (also for no such page, a redirect or an untrusted host)."""
        try:
            adapter = self.app.create_url_adapter(asked)
            assert adapter is not None  # made for a request
            endpoint, view_args = adapter.match()
        except HTTPException:
            return None
        if endpoint not in endpoints or has_nul_in_address(asked):
            return None
        return endpoint, view_args

    def counted(
        self, headers: Headers, status: int, endpoint: str, started: float, user_id: int
    ) -> str:
        """Count a GET answered here (started at ``time.perf_counter()``'s ``started``), as
        Flask's would be, in the metrics and the log (``app.observability.count_request``);
        its request id (the proxy's, from trusted ``headers``, or a new one)."""
        request_id = request_id_from(
            headers.get(REQUEST_ID_HEADER, ""), self.app.config["TRUSTED_PROXIES"]
        )
        count_request(
            status,
            request_id=request_id,
            method="GET",
            route=endpoint,
            seconds=time.perf_counter() - started,
            user_id=user_id,
        )
        return request_id

    def signed_session(self, asked: Request) -> Mapping[str, Any] | None:
        """The contents of the request's signed session cookie, as Flask's session interface
        reads them, or None for no cookie, a bad signature or one too old. A browser polls
        with the same cookie every few seconds: ``KeptCookieSessions`` verifies each value
        once and checks its age every time. The session's own time-outs are checked by
        ``live_session_token``."""
        app = self.app
        value = asked.cookies.get(app.config["SESSION_COOKIE_NAME"])
        if not value:
            return None
        return self.sessions.verified(app, value, to_change=False)

    def headers(self, endpoint: str) -> list[tuple[str, str]]:
        """The headers every unchanged poll to ``endpoint`` carries, made once: the security
        headers (``app.security.security_headers``) and ``Vary``, as Flask's 304 has them."""
        made = self._headers.get(endpoint)
        if made is None:
            made = self._headers[endpoint] = [
                *security_headers(self.app.config, endpoint),
                ("Vary", "HX-Request, Cookie"),
            ]
        return made


class UnchangedPolls(BeforeFlask):
    """WSGI middleware that answers an unchanged live poll with a 304 before Flask's request
    machinery (request context, session, hooks, view), and hands every other request on.

    A poll is answered here only when it is a GET with ``If-None-Match`` to one of ``POLLS``'
    addresses (matched by the app's own URL map and converters), its address holds no NUL
    byte, its signed session cookie is valid and not timed out, the one statement finds the
    session open and its person active, allowed to read the document and not due to set up
    two-factor sign-in, and the ETag it makes is one the browser sent. Anything else,
    including a database error, goes to the ordinary request, which answers it as the page
    would. The 304 carries what Flask's would: the ETag, ``Vary``, the security headers and
    a request id, and it is counted and logged (``app.observability.count_request``).
    """

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET" and environ.get("HTTP_IF_NONE_MATCH"):
            headers = self.unchanged(environ)
            if headers is not None:
                start_response(NOT_MODIFIED, headers)
                return []
        return self.wsgi_app(environ, start_response)

    def unchanged(self, environ: WSGIEnvironment) -> list[tuple[str, str]] | None:
        """The headers of the 304 for an unchanged poll, or None for the ordinary request to
        answer. The 304 is written straight to the server (``__call__``): its headers are
        known, and making a Werkzeug response only to turn it back into a list cost about 60 µs
        of the poll's 450 µs in the process."""
        started = time.perf_counter()
        app = self.app
        asked = app.request_class(environ)
        matched = self.matched(asked, POLLS)
        if matched is None:
            return None
        endpoint, view_args = matched
        found = POLLS[endpoint](asked.args, view_args, app.config)
        if found is None:
            return None
        cookie = self.signed_session(asked)
        token = live_session_token(cookie, app.config) if cookie is not None else None
        if token is None:
            return None
        statement, params = found
        try:
            first = self.driver_statement(statement).first(
                self.engine, {**params, "token_hash": hash_token(token)}
            )
        except DriverStatementFailed:  # the ordinary request meets it again, answers as pages do
            return None
        if first is None or any(part is None for part in first):
            return None
        *marker, people, viewer, bits, enrolled = first
        if not enrolled and bits & _two_factor_bits(app.config):
            return None  # Flask sends them to set it up (``login_sessions.require_sign_in``)
        etag = unexpired(asked.if_none_match, etag_of(*marker, viewer_part(people, viewer, bits)))
        if etag is None:
            return None
        request_id = self.counted(asked.headers, 304, endpoint, started, viewer)
        return [
            *self.headers(endpoint),
            ("ETag", quote_etag(etag)),
            (REQUEST_ID_HEADER, request_id),
        ]


def init_polls(app: Flask) -> None:
    """Answer unchanged polls before Flask's request machinery: before the rate limiter, the
    CSRF check, the sign-in check and the view (``UnchangedPolls``)."""
    app.wsgi_app = UnchangedPolls(app, app.wsgi_app)  # type: ignore[method-assign]
