"""Loading the signed-in person for a request, with idle and absolute time-outs.

Loading the person never writes and never flashes: a session found to have timed out is noted
on ``g`` (``ended_session``), recorded as ended by ``record_ended_session`` after the request,
and the sign-in redirect says why (``unauthorized``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    current_app,
    g,
    make_response,
    redirect,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.boundaries import ID_MAX
from app.extensions import db, login_manager
from app.models import Role, User
from app.rendering import flash_once, is_htmx_request
from app.services import accounts, tasks, two_factor

log = logging.getLogger("accord.sessions")
SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
VIEWER = "viewer"  # [user id, role names] of the last page shown: see _header_hint
# Endpoints anyone may reach without signing in.
OPEN_ENDPOINTS = frozenset(
    {
        "auth.sign_in",
        "auth.two_factor_code",  # after the password: the session they carry says who
        "auth.recovery_code",
        "auth.accept_invitation",
        "auth.forgotten_password",
        "auth.reset_link_sent",
        "auth.reset_password",
        "main.healthz",
        "main.metrics",  # its own protection: a token or allowed networks
        "notifications.unsubscribe",  # a signed token authorises it
        # The adopted text in public (app/public): adopted documents only, 404 for the rest.
        "public.index",
        "public.show",
        "public.download",
        "pages.show",  # accessibility, privacy, cookies, help: for everyone
        "pages.security_txt",
        "static",
    }
)
# Live polls: an unchanged one is answered before this check (app.polls); none counts as
# activity, or an open tab would keep its session alive for ever.
POLL_ENDPOINTS = frozenset({"discussions.live", "documents.clause_live", "amendments.live"})
# All a person whose roles require two-factor sign-in may reach until they have set it up.
ENROLMENT_ENDPOINTS = frozenset(
    {
        "two_factor.show",
        "two_factor.enrol",
        "two_factor.confirm",
        "two_factor.qr_code",
        "auth.sign_out",
    }
)


def client_details() -> dict[str, str | None]:
    """The browser's User-Agent and address, as ``accounts.start_session`` keeps them."""
    return {"user_agent": request.headers.get("User-Agent"), "address": request.remote_addr}


def mark_signed_in(user: User) -> None:
    """Start the cookie's clocks, and remember who it shows pages to (``_header_hint``)."""
    _remember_viewer(user)
    now = int(time.time())
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now
    session.permanent = True


def live_session_token(cookie: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    """The session token in ``cookie`` (a signed session's contents), if the cookie has not
    timed out under ``config``'s time-outs; no database query."""
    token = cookie.get("_user_id")
    return token if isinstance(token, str) and timed_out(cookie, config) is None else None


def timed_out(cookie: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    """Why the session in ``cookie`` has expired (``"expired"`` past the absolute time-out,
    ``"idle"`` past the idle one), or None while it is still live."""
    now = int(time.time())
    signed_in_at = cookie.get(SIGNED_IN_AT)
    seen_at = cookie.get(SEEN_AT)
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return "expired"
    if now - signed_in_at > config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds():
        return "expired"
    if now - seen_at > config["SESSION_IDLE_TIMEOUT"].total_seconds():
        return "idle"
    return None


def _header_hint() -> tuple[int, frozenset[Role]] | None:
    """The id and roles of the person the cookie last showed a page to (kept in the signed
    cookie as ``VIEWER``), so that the header's counts can be asked with the session lookup:
    only for a whole page (a GET that is not an htmx fragment), and only used if the person
    loaded turns out to have that id and those roles (``_keep_header_counts``)."""
    hint = session.get(VIEWER)
    if not _shows_whole_page():
        return None
    if not (isinstance(hint, list) and len(hint) == 2 and type(hint[0]) is int):
        return None
    if not 0 < hint[0] <= ID_MAX:  # an id no table holds (a cookie signed with a leaked key)
        return None
    try:
        return hint[0], frozenset(Role(role) for role in hint[1])
    except (TypeError, ValueError):
        return None


def _keep_header_counts(
    user: User, hint: tuple[int, frozenset[Role]] | None, counts: tuple[int, ...]
) -> None:
    """Keep the counts asked for ``hint`` if they are ``user``'s (same id and roles), for the
    header; else remember who ``user`` is for the next page (this page asks itself)."""
    if hint is not None and hint == (user.id, user.roles):
        g.header_counts = (counts[0], counts[1])
    elif _shows_whole_page():
        _remember_viewer(user)


def _shows_whole_page() -> bool:
    """A GET answered with a whole page, header and all (not an htmx fragment)."""
    return request.method in ("GET", "HEAD") and not is_htmx_request()


def _remember_viewer(user: User) -> None:
    session[VIEWER] = [user.id, sorted(role.value for role in user.roles)]


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The person whose open session has this token, if the session has not timed out."""
    reason = timed_out(session, current_app.config)
    if reason is not None:
        g.ended_session = (token, reason)
        session.clear()
        return None
    hint = _header_hint()
    found = (
        accounts.find_session(token)
        if hint is None
        else accounts.find_session(
            token, tasks.header_columns(hint[1]), tasks.header_parameters(hint[0])
        )
    )
    if found is None or not found[0].user.active:
        session.clear()
        return None
    user_session, counts = found
    user = user_session.user
    _keep_header_counts(user, hint, counts)
    user.session_token = token
    return user


def _ended_message() -> str | None:
    """Why the person was signed out this request, if their session timed out."""
    ended = g.get("ended_session")
    if ended is None:
        return None
    if ended[1] == "idle":
        return (
            "You were signed out because you had not used Accord for a while. "
            "Sign in again to carry on."
        )
    return "Your session has ended. Sign in again to carry on."


def record_ended_session(response: Response) -> Response:
    """Record a session that timed out during this request as ended (its own commit: the
    request may write nothing else). A database failure here is logged, never answered: the
    session stays open in the table but its cookie is already cleared."""
    ended = g.pop("ended_session", None)
    if ended is None:
        return response
    token, reason = ended
    try:
        accounts.end_session(token, reason=f"timed out ({reason})")
        db.session.commit()
    except SQLAlchemyError:
        log.exception("Could not record a timed-out session as ended")
        db.session.rollback()
    return response


def _to_enrolment():
    """A person whose roles require two-factor sign-in, and who has not set it up, goes to
    set it up before anything else (the one place this is enforced, for every route)."""
    target = url_for("two_factor.show")
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 403)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


def record_activity(response: Response) -> Response:
    """Record when the session was last used, at most once a minute (the same clock as the
    idle time-out), in its own commit after the request; a failure is logged, never answered."""
    token = g.pop("touched_session", None)
    if token is None:
        return response
    try:
        accounts.touch_session(token)
        db.session.commit()
    except SQLAlchemyError:
        log.exception("Could not record when a session was last active")
        db.session.rollback()
    return response


def init_sessions(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to use Accord."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.unauthorized_handler
    def unauthorized():
        """Back to sign-in; an htmx request is told to go there rather than swap the page in."""
        target = request.full_path if request.query_string else request.path
        ended = _ended_message()
        if ended is not None:
            flash_once(ended, "info")
        if request.headers.get("HX-Request") == "true":
            current = request.headers.get("HX-Current-URL", "")
            target = urlsplit(current).path or "/"
            response = make_response("", 401)
            response.headers["HX-Redirect"] = url_for("auth.sign_in", next=target)
            return response
        if ended is None:
            flash_once(login_manager.login_message, login_manager.login_message_category)
        return redirect(url_for("auth.sign_in", next=target))

    app.after_request(record_ended_session)
    app.after_request(record_activity)

    @app.before_request
    def require_sign_in():
        """Every page but sign-in and the health check needs a signed-in, active person."""
        if request.endpoint in OPEN_ENDPOINTS or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if request.endpoint not in ENROLMENT_ENDPOINTS and two_factor.needs_enrolment(current_user):
            return _to_enrolment()
        if request.endpoint in POLL_ENDPOINTS:
            return None
        now = int(time.time())
        # Refresh the idle clock, at most once a minute so polls do not rewrite the cookie.
        if now - session.get(SEEN_AT, 0) >= 60:
            session[SEEN_AT] = now
            g.touched_session = current_user.session_token
        return None
