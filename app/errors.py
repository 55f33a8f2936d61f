"""Error pages that say what happened and what to do next."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from flask import Flask, Response, flash, g, redirect, request, url_for
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from limits.errors import StorageError
from markupsafe import escape
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from app.connections import REPLAY, is_stale_plan
from app.extensions import db, login_manager
from app.observability import current_request_id
from app.rendering import is_htmx_request, render
from app.services import DomainError


def _signed_in() -> bool:
    """Whether this request loaded a signed-in person, known without the database (an error
    page must show when the database is what failed): from the identity map's key, as the
    request log does, never ``current_user`` (which may load the person)."""
    user = g.get("_login_user")
    state = sa_inspect(user, raiseerr=False) if user is not None else None
    return bool(state is not None and state.identity)


# Form fields that carry a form's workings, never what a person wrote. A prefixed form's field
# ("action-submission_key", "outcome-shown": WTForms' ``prefix``) is judged by its own name.
_WORKINGS = frozenset(
    {"csrf_token", "submission_key", "shown", "action", "revision_number", "edit_count"}
)
# What people write, under the names the forms give it, as the kept text's labels.
_WRITTEN_LABELS = {
    "body": "Your text",
    "replacement": "Your new words",
    "quote": "The words you chose",
    "heading": "Heading",
    "title": "Title",
    "summary": "Summary",
    "note": "Note",
}
_SECRET = re.compile("password|passphrase|secret|code|token", re.IGNORECASE)  # never echoed
# A hidden field's value a page made, not words a person wrote: a hash, a signed token, a file
# as base64 (a refused import showed its fingerprint and file to copy, outside tester).
_MACHINE_MADE = re.compile(r"[A-Za-z0-9+/=_.:-]{30,}\Z")
_KEPT_MOST = 12  # fields shown at most (a real form has a few)


def keep_written(written: list[tuple[str, str | None]]) -> None:
    """Text the person wrote on an earlier page of this form (a check page's answers, kept in
    the session), as ``(label, text)`` pairs: a refusal of this request shows it to copy, with
    what the request itself carried (``typed_text``)."""
    g.kept_written = [(label, text) for label, text in written if text and text.strip()]


def typed_text() -> list[tuple[str, str]]:
    """What the person wrote in the form a refused POST carried, as ``(label, text)`` pairs,
    for the error page to show so that it can be copied (the refusal saved nothing): what an
    earlier page of the form took (``keep_written``), then every field but the form's workings
    (``_WORKINGS``, each field judged by its own name, without a form's prefix) whose value
    has words (a space) or is long, with its line breaks as Accord keeps them. Empty for any
    other request, for htmx (the form is still on the page) and for a request too big to read
    (413)."""
    if request.method != "POST" or is_htmx_request():
        return []
    try:
        form = request.form
    except HTTPException:  # too big, or not a form
        return []
    kept = list(g.get("kept_written", []))
    for name, value in form.items(multi=True):
        words = value.strip()
        if name.rpartition("-")[2] in _WORKINGS or _SECRET.search(name):
            continue
        if not words or (" " not in words and len(words) < 30) or _MACHINE_MADE.match(words):
            continue
        label = _WRITTEN_LABELS.get(name) or name.replace("_", " ").capitalize()
        if name.endswith("reason") or name == "rationale":
            label = "Your reason"
        kept.append((label, value.replace("\r\n", "\n")))
    return kept[:_KEPT_MOST]


def _error_page(status: int, title: str, message: str, **context):
    """The error page; for htmx, a banner swapped into the top of the page instead. A refusal
    (4xx) knows who is signed in as its header does, even when the request was refused before
    the person was loaded (a NUL byte); a failure of the service (5xx) asks nothing of the
    database. A refused form's text is shown to copy (``typed_text``)."""
    context.setdefault("signed_in", current_user.is_authenticated if status < 500 else _signed_in())
    if status != 413:
        context.setdefault("kept", typed_text())
    response = render(
        "errors/error.html", block="banner", status=status, title=title, message=message, **context
    )
    if is_htmx_request():
        response.headers["HX-Retarget"] = "#app-errors"
        response.headers["HX-Reswap"] = "innerHTML show:top"
    return response


log = logging.getLogger("accord.errors")

# A page that needs nothing: no template, no database, no signed-in person.
PLAIN_ERROR_PAGE = (
    '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
    "<title>Sorry, there is a problem with the service – Accord</title></head>"
    "<body><h1>Sorry, there is a problem with the service</h1><p>Try again later.</p>"
    "</body></html>"
)
# PostgreSQL's SQLSTATE classes for "the server cannot be reached or is shutting down".
_UNREACHABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")
# SQLite's: the file cannot be opened or read, or another writer held it past the busy timeout.
_UNREACHABLE_SQLITE_ERRORS = ("SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_BUSY", "SQLITE_LOCKED")

MESSAGES = {
    400: (
        "Sorry, there is a problem with that request",
        "Go back, check what you entered and try again.",
    ),
    403: (
        "You do not have permission to do that",
        "If you think you should, ask a facilitator or an administrator.",
    ),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("Sorry, that action is not available here", "Go back and use the buttons on the page."),
    409: ("Someone else changed this first", "Reload the page to see the latest version."),
    410: ("That is no longer open to changes", "Go back and reload the page to see why."),
    413: (
        "That is too big to send",
        "What you sent is more than Accord accepts at once. Nothing was changed. Go back and "
        "send a smaller file or shorter text, or split it into parts.",
    ),
    422: ("Sorry, that could not be done", "Go back, check what you entered and try again."),
    429: ("Too many attempts", "Wait a few minutes, then try again."),
    500: ("Sorry, there is a problem with the service", "Try again later."),
    503: ("Sorry, the service is unavailable", "Try again later."),
}


# Headings of a service's refusal, by status: the message below says why. (409 is not "someone
# else changed this first" here: most refusals are of the document's state, not a race.)
REFUSAL_TITLES = {
    403: "You cannot do that",
    409: "That cannot be done now",
    410: "That is no longer open to changes",
    422: "Sorry, that could not be done",
}


def _same_site_referrer() -> str | None:
    """The path (and query) of the page the request came from, when it is a page of this site."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc != request.host or not parts.path.startswith("/"):
        return None
    if parts.path == request.path and request.method == "POST":
        return None  # a form that posts to its own page: show the error page instead
    return parts.path + (f"?{parts.query}" if parts.query else "")


def domain_error_response(error: DomainError):
    """A refusal by a service: for htmx, the error banner with the error's status; for a plain
    form, the message flashed on the page the form was on (303); without such a page, the error
    page with the error's status. Nothing of the request is kept (the session is rolled back)."""
    db.session.rollback()
    if request.method == "GET":  # a page refused: say why, here, with the error's status
        return _error_page(
            error.status,
            REFUSAL_TITLES.get(error.status, REFUSAL_TITLES[422]),
            str(error),
            links=error.links,
        )
    message = str(error)
    if not (error.says_nothing_recorded or "nothing was changed" in message.lower()):
        message = f"{message} Nothing was changed."
    # Back to the page the form was on, unless the form carried writing: the error page keeps
    # it, to copy (a flash on the page would lose it).
    kept = typed_text()
    back = None if is_htmx_request() or kept else _same_site_referrer()
    if back is not None:
        flash(message, "error")
        return redirect(back, 303)
    title = REFUSAL_TITLES.get(error.status, REFUSAL_TITLES[422])
    return _error_page(error.status, title, message, kept=kept, links=error.links)


def _forget_transaction() -> None:
    """Roll the request's transaction back, whatever state the connection is in."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: nothing to roll back
        log.warning("Could not roll back after an error", exc_info=True)


def database_unreachable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be reached (rather than refused a query)."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, OperationalError):
        return False
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate.startswith(_UNREACHABLE_SQLSTATES)
    sqlite_error = getattr(error.orig, "sqlite_errorname", None)
    if sqlite_error is not None:
        return sqlite_error.startswith(_UNREACHABLE_SQLITE_ERRORS)
    return True  # psycopg gives no SQLSTATE for a connection that was refused


def server_error_page(status: int, title: str, message: str) -> Response:
    """The error page for a failure of the service itself (5xx), drawn without the database.

    The request's transaction is rolled back first (on PostgreSQL a failed statement leaves it
    unusable), and the page is drawn for nobody signed in, since loading the person needs the
    database. Should even that fail, a plain page is answered instead.
    """
    _forget_transaction()
    g._login_user = login_manager.anonymous_user()
    g.header_counts = (0, 0)
    try:
        return _error_page(status, title, message)
    except Exception:
        log.exception("Could not draw the error page")
        _forget_transaction()
        reference = escape(current_request_id() or "")
        page = PLAIN_ERROR_PAGE.replace("</body>", f"<p>Reference: {reference}</p></body>")
        return Response(page, status, mimetype="text/html")


def database_error(error: SQLAlchemyError) -> Response:
    """Any database failure: 503 when the database cannot be reached, else 500."""
    log.error("Database error in %s %s", request.method, request.path, exc_info=error)
    if is_stale_plan(getattr(error, "orig", None)):
        request.environ[REPLAY] = True  # a GET is answered again (app.connections)
    status = 503 if database_unreachable(error) else 500
    title, message = MESSAGES[status]
    response = server_error_page(status, title, message)
    if status == 503:
        response.headers["Retry-After"] = "30"
    return response


THROTTLE_UNAVAILABLE = (
    "Signing in is not available at the moment",
    "Accord cannot check for repeated failed attempts just now, so it is not accepting "
    "passwords. Nothing was changed. Try again in a few minutes; if it keeps happening, "
    "tell Democratic Services.",
)


def throttle_unavailable(error: StorageError) -> Response:
    """The throttle's storage (Redis) cannot be reached: refuse what it guards (sign-in,
    password reset requests) with 503 rather than let unlimited attempts through. Pages that
    are not throttled never reach the storage, so they keep working."""
    log.error("Throttle storage unreachable in %s %s", request.method, request.path, exc_info=error)
    _forget_transaction()
    response = _error_page(503, *THROTTLE_UNAVAILABLE)
    response.headers["Retry-After"] = "60"
    return response


def init_errors(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_error_response)
    app.register_error_handler(SQLAlchemyError, database_error)
    app.register_error_handler(StorageError, throttle_unavailable)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _error_page(
            400,
            title="Your form could not be sent",
            message="The page had expired or the form did not come from Accord. "
            "Nothing was changed. Go back, reload the page and try again.",
            retry_url=request.path if request.method == "POST" else None,
        )

    def _throttled(error: RateLimitExceeded) -> str:
        """A throttle's refusal in words, with how long its window is."""
        seconds = error.limit.limit.get_expiry()
        if seconds % 3600 == 0:
            hours = seconds // 3600
            wait = "an hour" if hours == 1 else f"{hours} hours"
        else:
            minutes = max(1, -(-seconds // 60))
            wait = "a minute" if minutes == 1 else f"{minutes} minutes"
        scope = error.limit.scope
        if isinstance(scope, str) and scope.startswith("sign-in"):
            return (
                "There have been too many failed attempts with this account's password or "
                f"codes. Wait {wait}, then try again."
            )
        return f"This has been tried too many times. Wait {wait}, then try again."

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        title, message = MESSAGES.get(code, (error.name, error.description or ""))
        if code >= 500:
            original = getattr(error, "original_exception", None)
            if isinstance(original, SQLAlchemyError):
                return database_error(original)
            if isinstance(original, StorageError):  # e.g. counting a failure after the view
                return throttle_unavailable(original)
            return server_error_page(code, title, message)
        if isinstance(error, RateLimitExceeded):
            message = _throttled(error)  # its description is the limit's: "5 per 15 minute"
        elif error.description and error.description != type(error).description:
            message = error.description  # a route's own explanation, e.g. "locked"
        if code == 429 and request.endpoint == "auth.sign_in":
            message = (
                "There have been too many failed attempts to sign in. Wait 15 minutes, "
                "then try again, or reset your password: a reset link lets you sign in now."
            )
            return _error_page(
                code,
                title,
                message,
                links=[
                    ("Reset your password", url_for("auth.forgotten_password")),
                    ("Try signing in again", url_for("auth.sign_in")),
                ],
            )
        if code == 429 and request.endpoint == "auth.forgotten_password":
            message = (
                "There have been too many requests for a password reset link. Wait an hour, "
                "then try again, or ask Democratic Services for help."
            )
        return _error_page(code, title, message)
